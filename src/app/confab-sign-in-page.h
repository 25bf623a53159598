/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-sign-in-page.h: the form that signs in to a Confab server */

#pragma once

#include <adwaita.h>
#include <confab.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_SIGN_IN_PAGE (confab_sign_in_page_get_type ())

G_DECLARE_FINAL_TYPE (ConfabSignInPage, confab_sign_in_page, CONFAB, SIGN_IN_PAGE, AdwBin)

GtkWidget *confab_sign_in_page_new           (void);
gboolean   confab_sign_in_page_get_busy      (ConfabSignInPage           *self);
void       confab_sign_in_page_set_busy      (ConfabSignInPage           *self,
                                              gboolean                    busy);
void       confab_sign_in_page_set_error     (ConfabSignInPage           *self,
                                              const char                 *message);
gboolean   confab_sign_in_page_build_request (ConfabSignInPage           *self,
                                              char                      **uri,
                                              ConfabRegisterInformation **info,
                                              GError                    **error);
void       confab_sign_in_page_remember      (ConfabSignInPage           *self);
void       confab_sign_in_page_forget_secret (ConfabSignInPage           *self);

G_END_DECLS
