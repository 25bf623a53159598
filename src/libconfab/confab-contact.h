/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-contact.h: another user, as seen from a session */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CONTACT (confab_contact_get_type ())

G_DECLARE_FINAL_TYPE (ConfabContact, confab_contact, CONFAB, CONTACT, GObject)

typedef struct _ConfabCall ConfabCall;
typedef struct _ConfabStream ConfabStream;

const char *confab_contact_get_id                   (ConfabContact        *self);
const char *confab_contact_get_username             (ConfabContact        *self);
GListModel *confab_contact_get_messages             (ConfabContact        *self);

void        confab_contact_send_message_async       (ConfabContact        *self,
                                                     const char           *text,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
char       *confab_contact_send_message_finish      (ConfabContact        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void        confab_contact_send_data_async          (ConfabContact        *self,
                                                     JsonObject           *content,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean    confab_contact_send_data_finish         (ConfabContact        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void        confab_contact_send_custom_event_async  (ConfabContact        *self,
                                                     const char           *event,
                                                     JsonObject           *content,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean    confab_contact_send_custom_event_finish (ConfabContact        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void        confab_contact_send_raw_data_async      (ConfabContact        *self,
                                                     const char           *data,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean    confab_contact_send_raw_data_finish     (ConfabContact        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
ConfabCall *confab_contact_call                     (ConfabContact        *self,
                                                     ConfabStream         *stream,
                                                     ConfabCallMedia       media,
                                                     GError              **error);
ConfabCall *confab_contact_share_screen             (ConfabContact        *self,
                                                     GError              **error);
void        confab_contact_share_screen_async       (ConfabContact        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
ConfabCall *confab_contact_share_screen_finish      (ConfabContact        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
