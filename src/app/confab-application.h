/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-application.h: the Confab application */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_APPLICATION (confab_application_get_type ())

G_DECLARE_FINAL_TYPE (ConfabApplication, confab_application, CONFAB, APPLICATION, AdwApplication)

ConfabApplication *confab_application_new             (void);
int                confab_application_get_exit_status (ConfabApplication *self);
gboolean           confab_application_can_notify      (ConfabApplication *self);

G_END_DECLS
