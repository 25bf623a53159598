/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-util.h: small helpers shared by the app's widgets */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CONFAB_SETTINGS_SCHEMA_ID "org.confab.Confab"

gboolean   confab_user_id_is_valid      (const char *user_id);
gboolean   confab_server_url_is_valid   (const char *url);
char      *confab_format_time           (GDateTime  *time,
                                         GDateTime  *now);
GSettings *confab_settings_new          (void);

G_END_DECLS
