/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-session.h: one session: its user, its numbered events, its connection */

#pragma once

#include <glib.h>

#include "confab-hub-event.h"
#include "confab-hub-user.h"
#include "confab-replay-buffer.h"

G_BEGIN_DECLS

/* ConfabHubConnection is declared in confab-hub-user.h. */
typedef struct _ConfabHubSession ConfabHubSession;

#define CONFAB_HUB_SESSION_ID_LENGTH 32

/**
 * ConfabHubSession:
 *
 * Made at `hello` (with its id and resume token), registered to a user by `register`,
 * moved between connections by `resume`, kept for the grace period when its connection
 * drops. Reference counted (asynchronous work in flight holds a reference); @ended is
 * set once the hub has forgotten it.
 */
struct _ConfabHubSession {
  guint                 ref_count;
  gboolean              ended;
  char                  id[CONFAB_HUB_SESSION_ID_LENGTH + 1];
  char                  token[CONFAB_WIRE_RESUME_TOKEN_LENGTH + 1];

  ConfabHubUser        *user;            /* NULL until registered */
  GList                 user_link;       /* in user->sessions */
  char                 *username;
  char                 *user_data;       /* serialized JSON object */

  ConfabHubConnection  *connection;      /* NULL while in its grace period */
  GList                 grace_link;      /* in the hub's grace list */
  gint64                grace_deadline_ms;

  ConfabReplayBuffer    replay;
  gint64                acked_seq;
  gboolean              loading_offline; /* events wait in @pending meanwhile */
  GQueue                pending;

  GPtrArray            *calls;           /* ConfabHubCall it is party to; NULL when none */
};

ConfabHubSession *confab_hub_session_new        (void);
ConfabHubSession *confab_hub_session_ref        (ConfabHubSession *self);
void              confab_hub_session_unref      (ConfabHubSession *self);
/* A fresh random resume token (the old one stops being valid: the caller re-indexes). */
void              confab_hub_session_new_token  (ConfabHubSession *self);
/* Numbers @event and sends it (or keeps it while offline messages load). */
void              confab_hub_session_push_event (ConfabHubSession *self,
                                                 ConfabHubEvent   *event);
/* Adds the session's peer object members to @out: `{"id":…,"username":…}`. */
void              confab_hub_session_append_peer (ConfabHubSession *self,
                                                  GString          *out);

/* Random bytes as lowercase hex into @out (2 × @n_bytes + 1 bytes). */
void              confab_hub_random_hex         (char             *out,
                                                 gsize             n_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabHubSession, confab_hub_session_unref)

G_END_DECLS
