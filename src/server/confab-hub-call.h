/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-call.h: one 1:1 call being signaled between two sessions */

#pragma once

#include <glib.h>

#include "confab-hub-session.h"

G_BEGIN_DECLS

#define CONFAB_HUB_CALL_MAX_PER_SESSION 16
#define CONFAB_HUB_CALL_INVITE_TIMEOUT_MS 60000
/* How many `uuid`s of relayed callSdp/callIce a call remembers, to spot repeats. */
#define CONFAB_HUB_CALL_MAX_RELAYED_UUIDS 1024

typedef enum {
  CONFAB_HUB_CALL_INVITED,
  CONFAB_HUB_CALL_ACCEPTED,
} ConfabHubCallState;

/**
 * ConfabHubCall:
 *
 * Made by `callInvite`; the callee is a user until one of its sessions accepts, then
 * that session. Before accept, the invitation rings at the sessions in @ringing: every
 * session the user had at the invite or signed in with since, less those that declined
 * with `User_Busy` (counted in @n_busy) and those that ended. Holds references on its
 * sessions; each session lists the calls it is party to (without references) so that
 * its end can end them.
 */
typedef struct {
  char                id[37];
  ConfabHubCallState  state;
  ConfabHubSession   *caller;
  char               *callee_user_id;
  char               *media;
  ConfabHubSession   *callee;          /* after accept */
  GPtrArray          *ringing;         /* ConfabHubSession (ref), before accept */
  guint               n_busy;
  GList               invite_link;     /* in the hub's unanswered invitations, oldest first */
  gint64              invited_ms;
  GHashTable         *relayed;         /* "c"/"e" (caller/callee) + uuid of callSdp/callIce */
  GQueue              relayed_order;   /* the same keys, oldest first */
} ConfabHubCall;

ConfabHubCall *confab_hub_call_new            (const char       *id,
                                               ConfabHubSession *caller,
                                               const char       *callee_user_id,
                                               const char       *media);
void           confab_hub_call_free           (ConfabHubCall    *self);
/* Whether @session may speak in this call (a callee user's session before accept). */
gboolean       confab_hub_call_has_party      (ConfabHubCall    *self,
                                               ConfabHubSession *session);

/* The invitation's ringing set. */
void           confab_hub_call_add_ringing    (ConfabHubCall    *self,
                                               ConfabHubSession *session);
/* Takes @session out of the ringing set; returns whether it was in it. */
gboolean       confab_hub_call_remove_ringing (ConfabHubCall    *self,
                                               ConfabHubSession *session);
gboolean       confab_hub_call_is_ringing_at  (ConfabHubCall    *self,
                                               ConfabHubSession *session);
/* Remembers the `uuid` of a relayed callSdp/callIce from @from_caller's side; returns
 * FALSE when it was relayed already (a repeat). */
gboolean       confab_hub_call_note_relayed   (ConfabHubCall    *self,
                                               gboolean          from_caller,
                                               const char       *uuid);

/* A session's list of calls. */
void           confab_hub_session_add_call    (ConfabHubSession *session,
                                               ConfabHubCall    *call);
void           confab_hub_session_remove_call (ConfabHubSession *session,
                                               ConfabHubCall    *call);
guint          confab_hub_session_n_calls     (ConfabHubSession *session);

G_END_DECLS
