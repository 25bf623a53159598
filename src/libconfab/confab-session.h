/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-session.h: a signed-in session with a confab-server */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "confab-call.h"
#include "confab-contact.h"
#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_SESSION (confab_session_get_type ())

G_DECLARE_FINAL_TYPE (ConfabSession, confab_session, CONFAB, SESSION, GObject)

typedef struct _ConfabUserAgent ConfabUserAgent;

const char         *confab_session_get_id                   (ConfabSession        *self);
const char         *confab_session_get_session_id           (ConfabSession        *self);
const char         *confab_session_get_username             (ConfabSession        *self);
JsonObject         *confab_session_get_user_data            (ConfabSession        *self);
ConfabSessionState  confab_session_get_state                (ConfabSession        *self);
ConfabUserAgent    *confab_session_get_user_agent           (ConfabSession        *self);
gboolean            confab_session_get_allow_multiple_calls (ConfabSession        *self);
void                confab_session_set_allow_multiple_calls (ConfabSession        *self,
                                                             gboolean              allow);
ConfabContact      *confab_session_get_or_create_contact    (ConfabSession        *self,
                                                             const char           *id);
GListModel         *confab_session_get_contacts             (ConfabSession        *self);
ConfabCall         *confab_session_get_call                 (ConfabSession        *self,
                                                             const char           *call_id);
GListModel         *confab_session_get_calls                (ConfabSession        *self);
void                confab_session_set_call_stats_monitoring_enabled (ConfabSession *self,
                                                             gboolean              enabled,
                                                             guint                 interval_ms);
GListModel         *confab_session_get_media_devices        (ConfabSession        *self);
void                confab_session_set_quality_evaluating_enabled    (ConfabSession *self,
                                                             gboolean              enabled);
void                confab_session_disconnect_async         (ConfabSession        *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean            confab_session_disconnect_finish        (ConfabSession        *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

G_END_DECLS
