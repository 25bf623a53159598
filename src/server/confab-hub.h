/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub.h: sessions, users and routing; sees connections and frames, not sockets */

#pragma once

#include <glib.h>

#include "confab-hub-connection.h"
#include "confab-server-config.h"
#include "confab-storage.h"

G_BEGIN_DECLS

typedef struct _ConfabHub ConfabHub;

typedef enum {
  CONFAB_HUB_FRAME_BINARY,
  CONFAB_HUB_FRAME_TOO_LARGE,
} ConfabHubFrameProblem;

/* @config and @storage must outlive the hub. */
ConfabHub           *confab_hub_new                   (const ConfabServerConfig  *config,
                                                       ConfabStorage             *storage);
void                 confab_hub_free                  (ConfabHub                 *self);

/* The socket layer's calls, all on the loop thread. */
ConfabHubConnection *confab_hub_connection_opened     (ConfabHub                 *self,
                                                       gpointer                   handle,
                                                       const ConfabHubTransport  *transport);
void                 confab_hub_connection_received   (ConfabHub                 *self,
                                                       ConfabHubConnection       *connection,
                                                       const char                *data,
                                                       gsize                      length);
void                 confab_hub_connection_rejected   (ConfabHub                 *self,
                                                       ConfabHubConnection       *connection,
                                                       ConfabHubFrameProblem      problem,
                                                       gsize                      length);
void                 confab_hub_connection_writable   (ConfabHub                 *self,
                                                       ConfabHubConnection       *connection);
/* The connection is gone: the hub drops its reference and never uses the handle again. */
void                 confab_hub_connection_closed     (ConfabHub                 *self,
                                                       ConfabHubConnection       *connection);

/* Registered sessions, live or in their grace period. */
guint                confab_hub_get_n_sessions        (ConfabHub                 *self);
guint                confab_hub_get_n_connections     (ConfabHub                 *self);
/* Asynchronous work (storage, password checks) not yet completed. */
guint                confab_hub_get_n_pending         (ConfabHub                 *self);

/* Shutdown: stop reading, queue the unacknowledged contact messages of account
 * sessions for the offline store, close every connection with 1001. The caller then
 * flushes the storage and runs the loop until the connections are closed. */
void                 confab_hub_shutdown              (ConfabHub                 *self);

G_END_DECLS
