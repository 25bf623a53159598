/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-user-agent.c: a user identity that registers sessions */

#define G_LOG_DOMAIN "confab-user-agent"

#include "config.h"

#include "confab-error.h"
#include "confab-session-private.h"
#include "confab-user-agent.h"

#include "confab-wire.h"

#include <string.h>

/**
 * ConfabUserAgent:
 *
 * Who signs in: a guest of the server's application (`apiKey:KEY`) or an account
 * (`confab:LOGIN`). confab_user_agent_register_async() connects to a server and
 * returns a #ConfabSession.
 */
struct _ConfabUserAgent
{
  GObject  parent_instance;

  /* owned */
  char    *uri;
};

G_DEFINE_FINAL_TYPE (ConfabUserAgent, confab_user_agent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* helpers */

static gboolean
check_uri (const char  *uri,
           gboolean    *out_account,
           GError     **error)
{
  if (uri != NULL && g_str_has_prefix (uri, "apiKey:") && uri[strlen ("apiKey:")] != '\0')
    {
      *out_account = FALSE;
      return TRUE;
    }

  if (uri != NULL && g_str_has_prefix (uri, "confab:") && confab_wire_is_userid (uri + strlen ("confab:")))
    {
      *out_account = TRUE;
      return TRUE;
    }

  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
               "The user agent URI “%s” is neither “apiKey:KEY” nor “confab:LOGIN”",
               uri != NULL ? uri : "");
  return FALSE;
}

static void
confab_user_agent_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ConfabUserAgent *self = CONFAB_USER_AGENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_user_agent_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ConfabUserAgent *self = CONFAB_USER_AGENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_free (self->uri);
      self->uri = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_user_agent_finalize (GObject *object)
{
  ConfabUserAgent *self = CONFAB_USER_AGENT (object);

  g_free (self->uri);

  G_OBJECT_CLASS (confab_user_agent_parent_class)->finalize (object);
}

static void
confab_user_agent_class_init (ConfabUserAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_user_agent_get_property;
  object_class->set_property = confab_user_agent_set_property;
  object_class->finalize = confab_user_agent_finalize;

  /**
   * ConfabUserAgent:uri:
   *
   * Who signs in: `apiKey:KEY` for a guest, `confab:LOGIN` for an account.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_user_agent_init (ConfabUserAgent *self)
{
}

/**
 * confab_user_agent_new:
 * @uri: `apiKey:KEY` (a guest of the application with that API key) or
 *   `confab:LOGIN` (an account)
 *
 * Creates a user agent. The URI is checked by confab_user_agent_register_async().
 *
 * Returns: (transfer full): a new #ConfabUserAgent
 */
ConfabUserAgent *
confab_user_agent_new (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_object_new (CONFAB_TYPE_USER_AGENT, "uri", uri, NULL);
}

/**
 * confab_user_agent_get_uri:
 * @self: a #ConfabUserAgent
 *
 * Returns: the URI the user agent was created with
 */
const char *
confab_user_agent_get_uri (ConfabUserAgent *self)
{
  g_return_val_if_fail (CONFAB_IS_USER_AGENT (self), NULL);
  return self->uri;
}

static void
on_session_registered (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  /* the reference made by _confab_session_new(), handed over here */
  g_autoptr(ConfabSession) session = CONFAB_SESSION (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!_confab_session_register_finish (session, result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&session), g_object_unref);
}

/**
 * confab_user_agent_register_async:
 * @self: a #ConfabUserAgent
 * @info: the server URL and the details to sign in with
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when signed in, or when it failed
 * @user_data: (closure): data for @callback
 *
 * Connects to the server of @info and registers. Fails with
 * %CONFAB_ERROR_BAD_PARAMETER at once if the URI or @info is not valid (an account
 * needs a password), with %CONFAB_ERROR_INVALID_CREDENTIALS if the server refuses
 * them, and with a #GIOError if the server cannot be reached. Signing in is not
 * retried; once signed in, the session reconnects by itself.
 */
void
confab_user_agent_register_async (ConfabUserAgent           *self,
                                  ConfabRegisterInformation *info,
                                  GCancellable              *cancellable,
                                  GAsyncReadyCallback        callback,
                                  gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ConfabSession *session;
  gboolean account = FALSE;

  g_return_if_fail (CONFAB_IS_USER_AGENT (self));
  g_return_if_fail (info != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_user_agent_register_async);

  if (!check_uri (self->uri, &account, &error) ||
      !confab_register_information_validate (info, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (account && confab_register_information_get_password (info) == NULL)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "Signing in to an account needs a password");
      return;
    }

  session = _confab_session_new (self, info);
  _confab_session_register_async (session, cancellable, on_session_registered, g_steal_pointer (&task));
}

/**
 * confab_user_agent_register_finish:
 * @self: a #ConfabUserAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the session, signed in, or %NULL with @error set
 */
ConfabSession *
confab_user_agent_register_finish (ConfabUserAgent  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (CONFAB_IS_USER_AGENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
