/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-transport.h: what the hub needs from a socket layer (no socket types) */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabHubTransport:
 * @write: writes one complete text frame now; FALSE when the connection is broken
 * @is_choked: whether the connection cannot take a frame without buffering
 * @request_writable: asks for confab_hub_connection_writable() once it can
 * @close: closes the connection with a WebSocket close code, after what was written;
 *   code 0 aborts it at once (a peer that stopped reading)
 *
 * The socket layer's side of a connection, seen by the hub through an opaque handle.
 * All four are called on the loop thread only, never after the socket layer has
 * reported the connection closed.
 */
typedef struct {
  gboolean (*write)            (gpointer    handle,
                                const char *data,
                                gsize       length);
  gboolean (*is_choked)        (gpointer    handle);
  void     (*request_writable) (gpointer    handle);
  void     (*close)            (gpointer    handle,
                                guint16     code,
                                const char *reason);
} ConfabHubTransport;

G_END_DECLS
