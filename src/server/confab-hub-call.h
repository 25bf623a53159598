/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-call.h: one 1:1 call being signaled between two sessions */

#pragma once

#include <glib.h>

#include "confab-hub-session.h"

G_BEGIN_DECLS

#define CONFAB_HUB_CALL_MAX_PER_SESSION 16
#define CONFAB_HUB_CALL_INVITE_TIMEOUT_MS 60000

typedef enum {
  CONFAB_HUB_CALL_INVITED,
  CONFAB_HUB_CALL_ACCEPTED,
} ConfabHubCallState;

/**
 * ConfabHubCall:
 *
 * Made by `callInvite`; the callee is a user until one of its sessions accepts, then
 * that session. Holds references on its sessions; each session lists its calls (without
 * references) so that its end can end them.
 */
typedef struct {
  char                id[37];
  ConfabHubCallState  state;
  ConfabHubSession   *caller;
  char               *callee_user_id;
  ConfabHubSession   *callee;          /* after accept */
  GList               invite_link;     /* in the hub's unanswered invitations, oldest first */
  gint64              invited_ms;
} ConfabHubCall;

ConfabHubCall *confab_hub_call_new            (const char       *id,
                                               ConfabHubSession *caller,
                                               const char       *callee_user_id);
void           confab_hub_call_free           (ConfabHubCall    *self);
/* Whether @session may speak in this call (a callee user's session before accept). */
gboolean       confab_hub_call_has_party      (ConfabHubCall    *self,
                                               ConfabHubSession *session);

/* A session's list of calls. */
void           confab_hub_session_add_call    (ConfabHubSession *session,
                                               ConfabHubCall    *call);
void           confab_hub_session_remove_call (ConfabHubSession *session,
                                               ConfabHubCall    *call);
guint          confab_hub_session_n_calls     (ConfabHubSession *session);

G_END_DECLS
