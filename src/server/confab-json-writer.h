/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-json-writer.h: appending JSON text by hand on the hot paths */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Appends @str (valid UTF-8) as a quoted, escaped JSON string. */
void confab_json_append_string (GString    *out,
                                const char *str);
/* Appends @value in decimal (no printf: this runs for every frame). */
void confab_json_append_int    (GString    *out,
                                gint64      value);
/* Appends `"name":` */
void confab_json_append_key    (GString    *out,
                                const char *name);
/* Appends @node serialized compactly. */
void confab_json_append_node   (GString    *out,
                                JsonNode   *node);

G_END_DECLS
