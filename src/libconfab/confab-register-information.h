/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-register-information.h: what a ConfabUserAgent registers with */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_REGISTER_INFORMATION (confab_register_information_get_type ())

typedef struct _ConfabRegisterInformation ConfabRegisterInformation;

GType                      confab_register_information_get_type       (void) G_GNUC_CONST;
ConfabRegisterInformation *confab_register_information_new            (void);
ConfabRegisterInformation *confab_register_information_ref            (ConfabRegisterInformation *info);
void                       confab_register_information_unref          (ConfabRegisterInformation *info);
ConfabRegisterInformation *confab_register_information_copy           (ConfabRegisterInformation *info);

void                       confab_register_information_set_server_url (ConfabRegisterInformation *info,
                                                                       const char                *url);
const char                *confab_register_information_get_server_url (ConfabRegisterInformation *info);
void                       confab_register_information_set_password   (ConfabRegisterInformation *info,
                                                                       const char                *password);
const char                *confab_register_information_get_password   (ConfabRegisterInformation *info);
void                       confab_register_information_set_username   (ConfabRegisterInformation *info,
                                                                       const char                *username);
const char                *confab_register_information_get_username   (ConfabRegisterInformation *info);
void                       confab_register_information_set_user_id    (ConfabRegisterInformation *info,
                                                                       const char                *user_id);
const char                *confab_register_information_get_user_id    (ConfabRegisterInformation *info);
void                       confab_register_information_set_user_data  (ConfabRegisterInformation *info,
                                                                       JsonObject                *user_data);
JsonObject                *confab_register_information_get_user_data  (ConfabRegisterInformation *info);
gboolean                   confab_register_information_validate       (ConfabRegisterInformation *info,
                                                                       GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabRegisterInformation, confab_register_information_unref)

G_END_DECLS
