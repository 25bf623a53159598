/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-connection.h: one WebSocket connection to a confab-server (internal) */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* docs/PROTOCOL.md §1.2: a resume of this session arrived on another connection */
#define CONFAB_CLOSE_SESSION_REPLACED 4002

#define CONFAB_TYPE_CONNECTION (_confab_connection_get_type ())

G_DECLARE_FINAL_TYPE (ConfabConnection, _confab_connection, CONFAB, CONNECTION, GObject)

/* Called exactly once per request: with the result's data, or with an error. */
typedef void (*ConfabConnectionReplyFunc) (ConfabConnection *self,
                                           JsonObject       *data,
                                           const GError     *error,
                                           gpointer          user_data);

ConfabConnection *_confab_connection_new              (SoupSession          *soup_session,
                                                       const char           *url,
                                                       gint64                last_seq,
                                                       gint64                tolerated_gap_seq);
void              _confab_connection_open_async       (ConfabConnection     *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
JsonObject       *_confab_connection_open_finish      (ConfabConnection     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
gboolean          _confab_connection_is_open          (ConfabConnection     *self);
gint64            _confab_connection_request          (ConfabConnection     *self,
                                                       JsonObject           *request,
                                                       ConfabConnectionReplyFunc func,
                                                       gpointer              user_data,
                                                       GDestroyNotify        destroy);
guint             _confab_connection_get_send_delay   (ConfabConnection     *self);
gint64            _confab_connection_get_last_seq     (ConfabConnection     *self);
void              _confab_connection_set_last_seq     (ConfabConnection     *self,
                                                       gint64                last_seq);
void              _confab_connection_send_ping        (ConfabConnection     *self);
void              _confab_connection_close            (ConfabConnection     *self,
                                                       const GError         *reason);
gboolean          _confab_connection_closed_on_gap    (ConfabConnection     *self);
gushort           _confab_connection_get_close_code   (ConfabConnection     *self);
guint             _confab_connection_get_request_timeout (void);

G_END_DECLS
