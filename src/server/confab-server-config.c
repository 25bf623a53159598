/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-server-config.c: confab-server's settings, from a GKeyFile and the command line */

#define G_LOG_DOMAIN "confab-server-config"

#include "config.h"

#include "confab-server-config.h"

#include <gio/gio.h>

typedef enum {
  KEY_STRING,
  KEY_PATH,
  KEY_ADDRESS,
  KEY_UINT,
  KEY_BOOLEAN,
  KEY_STRING_LIST,
} KeyKind;

typedef struct {
  const char *group;
  const char *key;
  KeyKind     kind;
  guint       min;
  guint       max;
  gsize       offset;
} KeyInfo;

#define OFF(member) G_STRUCT_OFFSET (ConfabServerConfig, member)
#define LIM(member) (G_STRUCT_OFFSET (ConfabServerConfig, limits) + G_STRUCT_OFFSET (ConfabWireLimits, member))

static const KeyInfo keys[] = {
  { "server",  "listen",           KEY_ADDRESS,     0, 0,                OFF (listen) },
  { "server",  "port",             KEY_UINT,        0, 65535,            OFF (port) },
  { "server",  "data-dir",         KEY_PATH,        0, 0,                OFF (data_dir) },
  { "server",  "tls-cert",         KEY_PATH,        0, 0,                OFF (tls_cert) },
  { "server",  "tls-key",          KEY_PATH,        0, 0,                OFF (tls_key) },
  { "server",  "verbose",          KEY_BOOLEAN,     0, 0,                OFF (verbose) },
  { "auth",    "api-keys",         KEY_STRING_LIST, 0, 0,                OFF (api_keys) },
  { "session", "heartbeat-ms",     KEY_UINT,        100, 3600000,        OFF (heartbeat_ms) },
  { "session", "idle-timeout-ms",  KEY_UINT,        200, 86400000,       OFF (idle_timeout_ms) },
  { "session", "grace-ms",         KEY_UINT,        0, 86400000,         OFF (grace_ms) },
  { "session", "handshake-timeout-ms", KEY_UINT,    100, 3600000,        OFF (handshake_timeout_ms) },
  { "limits",  "max-frame-bytes",  KEY_UINT,        256, 16 * 1024 * 1024, LIM (max_frame_bytes) },
  { "limits",  "max-string-bytes", KEY_UINT,        64, 16 * 1024 * 1024, LIM (max_string_bytes) },
  { "limits",  "max-text-bytes",   KEY_UINT,        1, 16 * 1024 * 1024, LIM (max_text_bytes) },
  { "limits",  "max-data-bytes",   KEY_UINT,        2, 16 * 1024 * 1024, LIM (max_data_bytes) },
  { "limits",  "rate-per-second",  KEY_UINT,        1, 10000000,         LIM (rate_per_second) },
  { "limits",  "rate-burst",       KEY_UINT,        1, 10000000,         LIM (rate_burst) },
  { "limits",  "max-violations",   KEY_UINT,        1, 10000000,         LIM (max_violations) },
  { "ice",     "stun-urls",        KEY_STRING_LIST, 0, 0,                OFF (stun_urls) },
  { "ice",     "turn-urls",        KEY_STRING_LIST, 0, 0,                OFF (turn_urls) },
  { "ice",     "turn-secret",      KEY_STRING,      0, 0,                OFF (turn_secret) },
  { "ice",     "turn-ttl-s",       KEY_UINT,        60, 30 * 86400,      OFF (turn_ttl_s) },
};

ConfabServerConfig *
confab_server_config_new (void)
{
  ConfabServerConfig *self = g_new0 (ConfabServerConfig, 1);

  self->listen = g_strdup (CONFAB_SERVER_DEFAULT_LISTEN);
  self->port = CONFAB_SERVER_DEFAULT_PORT;
  self->data_dir = g_build_filename (g_get_user_data_dir (), "confab-server", NULL);
  self->api_keys = g_new0 (char *, 1);
  self->stun_urls = g_new0 (char *, 1);
  self->turn_urls = g_new0 (char *, 1);
  self->turn_ttl_s = CONFAB_SERVER_DEFAULT_TURN_TTL_S;
  self->heartbeat_ms = CONFAB_SERVER_DEFAULT_HEARTBEAT_MS;
  self->idle_timeout_ms = CONFAB_SERVER_DEFAULT_IDLE_TIMEOUT_MS;
  self->grace_ms = CONFAB_SERVER_DEFAULT_GRACE_MS;
  self->handshake_timeout_ms = CONFAB_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_MS;
  confab_wire_limits_init (&self->limits);

  return self;
}

void
confab_server_config_free (ConfabServerConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->listen);
  g_free (self->data_dir);
  g_strfreev (self->api_keys);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_strfreev (self->stun_urls);
  g_strfreev (self->turn_urls);
  g_free (self->turn_secret);
  g_free (self);
}

gboolean
confab_server_config_is_known_key (const char *group,
                                   const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return TRUE;

  return FALSE;
}

static gboolean
parse_uint (const KeyInfo  *info,
            const char     *text,
            guint          *out,
            GError        **error)
{
  guint64 value = 0;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!g_ascii_string_to_unsigned (stripped, 10, info->min, info->max, &value, &local_error))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s: '%s' is not a whole number from %u to %u",
                   info->group, info->key, text, info->min, info->max);
      return FALSE;
    }

  *out = (guint) value;
  return TRUE;
}

static gboolean
check_address (const KeyInfo  *info,
               const char     *text,
               GError        **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  if (address == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s: '%s' is not an IPv4 or IPv6 address",
                   info->group, info->key, text);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_api_key (const char  *api_key,
               GError     **error)
{
  gsize len = strlen (api_key);

  if (len == 0 || len > CONFAB_WIRE_MAX_ID_BYTES * 4)
    goto bad;

  for (const char *p = api_key; *p; p++)
    if (!g_ascii_isgraph (*p))
      goto bad;

  return TRUE;

bad:
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               "[auth] api-keys: '%s' is not a valid API key "
               "(1 to %u printable ASCII characters, no spaces)",
               api_key, CONFAB_WIRE_MAX_ID_BYTES * 4);
  return FALSE;
}

static gboolean
check_ice_url (const KeyInfo  *info,
               const char     *url,
               GError        **error)
{
  gboolean turn = g_str_equal (info->key, "turn-urls");
  gboolean ok = turn ? (g_str_has_prefix (url, "turn:") || g_str_has_prefix (url, "turns:"))
                     : (g_str_has_prefix (url, "stun:") || g_str_has_prefix (url, "stuns:"));

  for (const char *p = url; ok && *p; p++)
    ok = g_ascii_isgraph (*p) && *p != '"' && *p != '\\';

  if (!ok)
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                 "[ice] %s: '%s' is not a %s URL", info->key, url,
                 turn ? "turn: or turns:" : "stun: or stuns:");
  return ok;
}

static gboolean
check_consistency (const ConfabServerConfig  *config,
                   GError                   **error)
{
  if (config->idle_timeout_ms <= config->heartbeat_ms)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[session] idle-timeout-ms (%u) must be greater than heartbeat-ms (%u)",
                   config->idle_timeout_ms, config->heartbeat_ms);
      return FALSE;
    }

  if (config->limits.max_string_bytes > config->limits.max_frame_bytes ||
      config->limits.max_text_bytes > config->limits.max_frame_bytes ||
      config->limits.max_data_bytes > config->limits.max_frame_bytes)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[limits] max-string-bytes, max-text-bytes and max-data-bytes "
                   "may not exceed max-frame-bytes (%u)", config->limits.max_frame_bytes);
      return FALSE;
    }

  if (config->turn_urls[0] != NULL && (config->turn_secret == NULL || *config->turn_secret == '\0'))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[ice] turn-urls needs turn-secret (the TURN server's shared secret)");
      return FALSE;
    }

  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[server] tls-cert and tls-key must be given together");
      return FALSE;
    }

  return TRUE;
}

static void
copy_config (ConfabServerConfig       *dest,
             const ConfabServerConfig *src)
{
  g_free (dest->listen);
  g_free (dest->data_dir);
  g_strfreev (dest->api_keys);
  g_free (dest->tls_cert);
  g_free (dest->tls_key);
  g_strfreev (dest->stun_urls);
  g_strfreev (dest->turn_urls);
  g_free (dest->turn_secret);

  *dest = *src;
  dest->listen = g_strdup (src->listen);
  dest->data_dir = g_strdup (src->data_dir);
  dest->api_keys = g_strdupv (src->api_keys);
  dest->tls_cert = g_strdup (src->tls_cert);
  dest->tls_key = g_strdup (src->tls_key);
  dest->stun_urls = g_strdupv (src->stun_urls);
  dest->turn_urls = g_strdupv (src->turn_urls);
  dest->turn_secret = g_strdup (src->turn_secret);
}

gboolean
confab_server_config_load_key_file (ConfabServerConfig  *self,
                                    GKeyFile            *key_file,
                                    GError             **error)
{
  g_autoptr(ConfabServerConfig) work = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key_file != NULL, FALSE);

  /* Unknown groups and keys are errors: a typo must not silently leave a default. */
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) names = g_key_file_get_keys (key_file, groups[i], NULL, NULL);

      for (guint j = 0; names != NULL && names[j] != NULL; j++)
        if (!confab_server_config_is_known_key (groups[i], names[j]))
          {
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                         "[%s] %s: unknown setting", groups[i], names[j]);
            return FALSE;
          }

      if (names == NULL || names[0] == NULL)
        {
          gboolean known = FALSE;

          for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
            known |= g_str_equal (keys[k].group, groups[i]);
          if (!known)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                           "[%s]: unknown group", groups[i]);
              return FALSE;
            }
        }
    }

  work = confab_server_config_new ();
  copy_config (work, self);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const KeyInfo *info = &keys[i];
      gpointer field = G_STRUCT_MEMBER_P (work, info->offset);
      g_autofree char *raw = NULL;

      if (!g_key_file_has_key (key_file, info->group, info->key, NULL))
        continue;

      switch (info->kind)
        {
        case KEY_STRING_LIST:
          {
            g_auto(GStrv) list = g_key_file_get_string_list (key_file, info->group,
                                                             info->key, NULL, NULL);
            g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

            for (guint j = 0; list != NULL && list[j] != NULL; j++)
              {
                g_autofree char *item = g_strstrip (g_strdup (list[j]));

                if (*item == '\0')
                  continue;
                if (info->offset == OFF (api_keys) ? !check_api_key (item, error)
                                                   : !check_ice_url (info, item, error))
                  return FALSE;
                g_ptr_array_add (kept, g_steal_pointer (&item));
              }
            g_ptr_array_add (kept, NULL);
            g_strfreev (*(char ***) field);
            *(char ***) field = (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
          }
          continue;

        case KEY_BOOLEAN:
          {
            g_autoptr(GError) local_error = NULL;
            gboolean value = g_key_file_get_boolean (key_file, info->group, info->key,
                                                     &local_error);

            if (local_error != NULL)
              {
                g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                             "[%s] %s: expected true or false", info->group, info->key);
                return FALSE;
              }
            *(gboolean *) field = value;
          }
          continue;

        case KEY_STRING:
        case KEY_PATH:
        case KEY_ADDRESS:
        case KEY_UINT:
        default:
          break;
        }

      raw = g_key_file_get_string (key_file, info->group, info->key, NULL);
      if (raw == NULL || *g_strstrip (raw) == '\0')
        {
          if (info->offset == OFF (tls_cert) || info->offset == OFF (tls_key) ||
              info->offset == OFF (turn_secret))
            {
              g_clear_pointer ((char **) field, g_free);
              continue;
            }
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] %s: a value is required", info->group, info->key);
          return FALSE;
        }

      switch (info->kind)
        {
        case KEY_UINT:
          if (!parse_uint (info, raw, (guint *) field, error))
            return FALSE;
          break;

        case KEY_ADDRESS:
          if (!check_address (info, raw, error))
            return FALSE;
          G_GNUC_FALLTHROUGH;
        case KEY_STRING:
        case KEY_PATH:
          g_free (*(char **) field);
          *(char **) field = g_steal_pointer (&raw);
          break;

        case KEY_BOOLEAN:
        case KEY_STRING_LIST:
        default:
          g_assert_not_reached ();
        }
    }

  if (!check_consistency (work, error))
    return FALSE;

  copy_config (self, work);
  return TRUE;
}

gboolean
confab_server_config_load_file (ConfabServerConfig  *self,
                                const char          *path,
                                GError             **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  if (!confab_server_config_load_key_file (self, key_file, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", path, local_error->message);
      return FALSE;
    }

  return TRUE;
}
