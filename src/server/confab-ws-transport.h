/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ws-transport.h: the socket layer: libwebsockets on the server's libuv loop */

#pragma once

#include <glib.h>
#include <uv.h>

#include "confab-hub.h"
#include "confab-server-config.h"

G_BEGIN_DECLS

typedef struct _ConfabWsTransport ConfabWsTransport;

/* Listens on the configured address and port (WebSocket at /ws, /healthz, TLS when a
 * certificate is configured), serving connections to @hub on @loop. @config and @hub
 * must outlive it. On failure the process should exit without running @loop again. */
ConfabWsTransport *confab_ws_transport_new      (const ConfabServerConfig  *config,
                                                 ConfabHub                 *hub,
                                                 uv_loop_t                 *loop,
                                                 GError                   **error);
/* Connections that have not yet been sent a close frame. */
guint              confab_ws_transport_get_n_unclosed (ConfabWsTransport *self);
/* The port actually listened on (useful with port 0). */
guint16            confab_ws_transport_get_port (ConfabWsTransport         *self);
/* Starts destroying the lws context: every connection still open is closed (and
 * reported closed to the hub). Run the loop afterwards so lws' handles can close. */
void               confab_ws_transport_close    (ConfabWsTransport         *self);
/* Finishes (after the loop has run dry) and frees. */
void               confab_ws_transport_free     (ConfabWsTransport         *self);

/* Sets RLIMIT_NOFILE's soft limit to its hard limit (lws sizes its tables from it). */
void               confab_ws_transport_raise_fd_limit (void);

G_END_DECLS
