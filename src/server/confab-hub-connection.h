/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-connection.h: the hub's side of one WebSocket connection */

#pragma once

#include <glib.h>

#include "confab-hub-session.h"
#include "confab-hub-transport.h"
#include "confab-rate-limiter.h"

G_BEGIN_DECLS

/* What a connection may queue before it is closed as a slow reader. */
#define CONFAB_HUB_CONNECTION_MAX_QUEUED_BYTES (1024 * 1024)

typedef enum {
  CONFAB_CONNECTION_NEW,            /* waiting for hello */
  CONFAB_CONNECTION_GREETED,        /* welcome sent; waiting for register/resume */
  CONFAB_CONNECTION_AUTHENTICATING, /* register/resume in progress */
  CONFAB_CONNECTION_REGISTERED,
  CONFAB_CONNECTION_CLOSING,        /* closing: input ignored */
} ConfabConnectionState;

/**
 * ConfabHubConnection:
 *
 * Per connection: state, rate limiter, the non-event frames waiting for the socket
 * (answers), and how far the session's events have been written. Events themselves
 * are not copied: they wait in the session's replay buffer and are written from it.
 */
struct _ConfabHubConnection {
  guint                     ref_count;
  gpointer                  handle;          /* the socket layer's; NULL once closed */
  const ConfabHubTransport *transport;

  ConfabConnectionState     state;
  ConfabHubSession         *session;         /* from hello on */
  gint64                    next_event_seq;  /* next event of the session to write */

  GList                     activity_link;   /* hub list, least recently active first */
  gint64                    last_activity_ms;
  GList                     handshake_link;  /* hub list, until registered */
  gint64                    opened_ms;

  ConfabRateLimiter         limiter;
  GQueue                    out;             /* GBytes */
  gsize                     out_bytes;
  guint16                   close_code;
  const char               *close_reason;
};

ConfabHubConnection *confab_hub_connection_new        (gpointer                   handle,
                                                       const ConfabHubTransport  *transport);
ConfabHubConnection *confab_hub_connection_ref        (ConfabHubConnection       *self);
void                 confab_hub_connection_unref      (ConfabHubConnection       *self);
/* Sends one non-event frame (written now if nothing waits, else queued). */
void                 confab_hub_connection_send       (ConfabHubConnection       *self,
                                                       const char                *data,
                                                       gsize                      length);
/* Writes what waits (answers, then the session's unwritten events) while the socket
 * takes it; asks to be called again when it does not. */
void                 confab_hub_connection_flush      (ConfabHubConnection       *self);
/* Stops reading and closes once everything queued is written. */
void                 confab_hub_connection_close      (ConfabHubConnection       *self,
                                                       guint16                    code,
                                                       const char                *reason);
gboolean             confab_hub_connection_is_open    (ConfabHubConnection       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabHubConnection, confab_hub_connection_unref)

G_END_DECLS
