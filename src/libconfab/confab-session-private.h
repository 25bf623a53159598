/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-session-private.h: what the user agent and contacts may do to a session */

#pragma once

#include "confab-call.h"
#include "confab-message.h"
#include "confab-received-call-invitation.h"
#include "confab-register-information.h"
#include "confab-session.h"
#include "confab-user-agent.h"

#include "confab-wire.h"

G_BEGIN_DECLS

ConfabSession          *_confab_session_new             (ConfabUserAgent            *user_agent,
                                                         ConfabRegisterInformation  *info);
void                    _confab_session_register_async  (ConfabSession              *self,
                                                         GCancellable               *cancellable,
                                                         GAsyncReadyCallback         callback,
                                                         gpointer                    user_data);
gboolean                _confab_session_register_finish (ConfabSession              *self,
                                                         GAsyncResult               *result,
                                                         GError                    **error);
gboolean                _confab_session_can_send        (ConfabSession              *self,
                                                         GError                    **error);
void                    _confab_session_submit          (ConfabSession              *self,
                                                         JsonObject                 *request,
                                                         const char                 *uuid,
                                                         ConfabMessage              *message,
                                                         GTask                      *task);
const ConfabWireLimits *_confab_session_get_limits      (ConfabSession              *self);

ConfabCall             *_confab_session_start_call      (ConfabSession              *self,
                                                         ConfabContact              *contact,
                                                         ConfabStream               *stream,
                                                         ConfabCallMedia             media,
                                                         GError                    **error);
void                    _confab_session_add_call        (ConfabSession              *self,
                                                         ConfabCall                 *call);
void                    _confab_session_call_ended      (ConfabSession              *self,
                                                         ConfabCall                 *call);
void                    _confab_session_forget_invitation (ConfabSession            *self,
                                                         ConfabReceivedCallInvitation *invitation);
JsonArray              *_confab_session_get_ice_servers (ConfabSession              *self);
guint                   _confab_session_get_stats_interval (ConfabSession           *self);
gboolean                _confab_session_get_quality_evaluating (ConfabSession       *self);

G_END_DECLS
