/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-register-information.c: what a ConfabUserAgent registers with */

#define G_LOG_DOMAIN "confab-register-information"

#include "config.h"

#include "confab-error.h"
#include "confab-register-information.h"

#include "confab-wire.h"

#include <string.h>

/**
 * ConfabRegisterInformation:
 *
 * The details a #ConfabUserAgent signs in with: the server's URL, and optionally a
 * password (accounts), a display name, the user id asked for (guests) and free user
 * data. A reference-counted builder; the user agent copies what it needs, so changing
 * it after confab_user_agent_register_async() has no effect on that registration.
 */
struct _ConfabRegisterInformation
{
  gatomicrefcount  ref_count;
  char            *server_url;
  char            *password;
  char            *username;
  char            *user_id;
  JsonObject      *user_data;
};

G_DEFINE_BOXED_TYPE (ConfabRegisterInformation, confab_register_information,
                     confab_register_information_ref, confab_register_information_unref)

static void
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

/**
 * confab_register_information_new:
 *
 * Creates empty register information. At least the server URL must be set before use.
 *
 * Returns: (transfer full): a new #ConfabRegisterInformation
 */
ConfabRegisterInformation *
confab_register_information_new (void)
{
  ConfabRegisterInformation *info = g_new0 (ConfabRegisterInformation, 1);

  g_atomic_ref_count_init (&info->ref_count);
  return info;
}

/**
 * confab_register_information_ref:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (transfer full): @info, with one more reference
 */
ConfabRegisterInformation *
confab_register_information_ref (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  g_atomic_ref_count_inc (&info->ref_count);
  return info;
}

/**
 * confab_register_information_unref:
 * @info: (transfer full): a #ConfabRegisterInformation
 *
 * Drops one reference; frees @info when it was the last.
 */
void
confab_register_information_unref (ConfabRegisterInformation *info)
{
  g_return_if_fail (info != NULL);

  if (!g_atomic_ref_count_dec (&info->ref_count))
    return;

  g_free (info->server_url);
  if (info->password != NULL)
    memset (info->password, 0, strlen (info->password));
  g_free (info->password);
  g_free (info->username);
  g_free (info->user_id);
  g_clear_pointer (&info->user_data, json_object_unref);
  g_free (info);
}

/**
 * confab_register_information_copy:
 * @info: a #ConfabRegisterInformation
 *
 * Makes an independent copy of @info (the user data object is deep-copied).
 *
 * Returns: (transfer full): the copy
 */
ConfabRegisterInformation *
confab_register_information_copy (ConfabRegisterInformation *info)
{
  ConfabRegisterInformation *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = confab_register_information_new ();
  copy->server_url = g_strdup (info->server_url);
  copy->password = g_strdup (info->password);
  copy->username = g_strdup (info->username);
  copy->user_id = g_strdup (info->user_id);
  if (info->user_data != NULL)
    {
      /* json_node_copy() shares objects: go through text for a deep copy */
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonNode) node_copy = NULL;
      g_autofree char *text = NULL;

      json_node_set_object (node, info->user_data);
      text = json_to_string (node, FALSE);
      node_copy = json_from_string (text, NULL);
      if (node_copy != NULL && JSON_NODE_HOLDS_OBJECT (node_copy))
        copy->user_data = json_node_dup_object (node_copy);
    }

  return copy;
}

/**
 * confab_register_information_set_server_url:
 * @info: a #ConfabRegisterInformation
 * @url: (nullable): the server's WebSocket URL, `ws://host:port/ws` or `wss://host:port/ws`
 *
 * Sets the server to sign in to.
 */
void
confab_register_information_set_server_url (ConfabRegisterInformation *info,
                                            const char                *url)
{
  g_return_if_fail (info != NULL);
  set_string (&info->server_url, url);
}

/**
 * confab_register_information_get_server_url:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (nullable): the server URL
 */
const char *
confab_register_information_get_server_url (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->server_url;
}

/**
 * confab_register_information_set_password:
 * @info: a #ConfabRegisterInformation
 * @password: (nullable): the account's password (for a `confab:LOGIN` user agent)
 *
 * Sets the password of an account.
 */
void
confab_register_information_set_password (ConfabRegisterInformation *info,
                                          const char                *password)
{
  g_return_if_fail (info != NULL);
  if (info->password != NULL)
    memset (info->password, 0, strlen (info->password));
  set_string (&info->password, password);
}

/**
 * confab_register_information_get_password:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (nullable): the password
 */
const char *
confab_register_information_get_password (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->password;
}

/**
 * confab_register_information_set_username:
 * @info: a #ConfabRegisterInformation
 * @username: (nullable): the display name; the server defaults it to the user id
 *
 * Sets the display name others see.
 */
void
confab_register_information_set_username (ConfabRegisterInformation *info,
                                          const char                *username)
{
  g_return_if_fail (info != NULL);
  set_string (&info->username, username);
}

/**
 * confab_register_information_get_username:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (nullable): the display name
 */
const char *
confab_register_information_get_username (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->username;
}

/**
 * confab_register_information_set_user_id:
 * @info: a #ConfabRegisterInformation
 * @user_id: (nullable): for guests, the user id asked for; the server makes one up
 *   when it is %NULL
 *
 * Sets the user id a guest asks for.
 */
void
confab_register_information_set_user_id (ConfabRegisterInformation *info,
                                         const char                *user_id)
{
  g_return_if_fail (info != NULL);
  set_string (&info->user_id, user_id);
}

/**
 * confab_register_information_get_user_id:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (nullable): the user id asked for
 */
const char *
confab_register_information_get_user_id (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->user_id;
}

/**
 * confab_register_information_set_user_data:
 * @info: a #ConfabRegisterInformation
 * @user_data: (nullable): free data about the user, kept with the session
 *
 * Sets the user data. @info takes a reference on @user_data.
 */
void
confab_register_information_set_user_data (ConfabRegisterInformation *info,
                                           JsonObject                *user_data)
{
  g_return_if_fail (info != NULL);

  if (user_data != NULL)
    json_object_ref (user_data);
  g_clear_pointer (&info->user_data, json_object_unref);
  info->user_data = user_data;
}

/**
 * confab_register_information_get_user_data:
 * @info: a #ConfabRegisterInformation
 *
 * Returns: (nullable) (transfer none): the user data
 */
JsonObject *
confab_register_information_get_user_data (ConfabRegisterInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->user_data;
}

/**
 * confab_register_information_validate:
 * @info: a #ConfabRegisterInformation
 * @error: return location for a %CONFAB_ERROR_BAD_PARAMETER error
 *
 * Checks what can be checked without a server: the URL is a `ws://` or `wss://` URL
 * with a host, and the user id, username and password are well formed
 * (docs/PROTOCOL.md §2, §4.3).
 *
 * Returns: %TRUE if @info can be used to register
 */
gboolean
confab_register_information_validate (ConfabRegisterInformation  *info,
                                      GError                    **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (info->server_url == NULL || *info->server_url == '\0')
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                           "No server URL was given");
      return FALSE;
    }

  uri = g_uri_parse (info->server_url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The server URL “%s” is not valid: %s", info->server_url, local_error->message);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The server URL “%s” must start with ws:// or wss://", info->server_url);
      return FALSE;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The server URL “%s” has no host", info->server_url);
      return FALSE;
    }

  if (info->user_id != NULL && !confab_wire_is_userid (info->user_id))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The user id “%s” is not valid: use 1 to %d characters among letters, digits and ._@-",
                   info->user_id, CONFAB_WIRE_MAX_ID_BYTES);
      return FALSE;
    }

  if (info->username != NULL && !confab_wire_is_name (info->username))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The username is not valid: use 1 to %d bytes of text without control characters",
                   CONFAB_WIRE_MAX_ID_BYTES);
      return FALSE;
    }

  if (info->password != NULL && strlen (info->password) > CONFAB_WIRE_MAX_PASSWORD_BYTES)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "The password is longer than %d bytes", CONFAB_WIRE_MAX_PASSWORD_BYTES);
      return FALSE;
    }

  return TRUE;
}
