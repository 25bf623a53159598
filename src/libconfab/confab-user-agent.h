/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-user-agent.h: a user identity that registers sessions */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-register-information.h"
#include "confab-session.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_USER_AGENT (confab_user_agent_get_type ())

G_DECLARE_FINAL_TYPE (ConfabUserAgent, confab_user_agent, CONFAB, USER_AGENT, GObject)

ConfabUserAgent *confab_user_agent_new             (const char                *uri);
const char      *confab_user_agent_get_uri         (ConfabUserAgent           *self);
void             confab_user_agent_register_async  (ConfabUserAgent           *self,
                                                    ConfabRegisterInformation *info,
                                                    GCancellable              *cancellable,
                                                    GAsyncReadyCallback        callback,
                                                    gpointer                   user_data);
ConfabSession   *confab_user_agent_register_finish (ConfabUserAgent           *self,
                                                    GAsyncResult              *result,
                                                    GError                   **error);

G_END_DECLS
