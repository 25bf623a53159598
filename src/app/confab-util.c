/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-util.c: small helpers shared by the app's widgets */

#define G_LOG_DOMAIN "confab-util"

#include "config.h"

#include "confab-util.h"

#include <string.h>

/* A user id is 1–64 bytes of [A-Za-z0-9._@-] (docs/PROTOCOL.md §2). */
gboolean
confab_user_id_is_valid (const char *user_id)
{
  gsize len;

  if (user_id == NULL)
    return FALSE;

  len = strlen (user_id);
  if (len == 0 || len > 64)
    return FALSE;

  for (const char *p = user_id; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("._@-", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* A server address is ws:// or wss:// with a host. */
gboolean
confab_server_url_is_valid (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);

  return (g_strcmp0 (scheme, "ws") == 0 || g_strcmp0 (scheme, "wss") == 0) &&
         host != NULL && *host != '\0';
}

/* Formats a message time: the time of day for today, with the date otherwise. */
char *
confab_format_time (GDateTime *time,
                    GDateTime *now)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) local_now = NULL;

  if (time == NULL)
    return g_strdup ("");

  local = g_date_time_to_local (time);
  local_now = now != NULL ? g_date_time_to_local (now) : g_date_time_new_now_local ();

  if (g_date_time_get_year (local) == g_date_time_get_year (local_now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (local_now))
    return g_date_time_format (local, "%H:%M");

  /* %x: the locale's date */
  return g_date_time_format (local, "%x %H:%M");
}

GSettings *
confab_settings_new (void)
{
  return g_settings_new (CONFAB_SETTINGS_SCHEMA_ID);
}
