/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-sign-in-page.c: the form that signs in to a Confab server
 *
 * The page collects a server address and either an account (login and password) or a
 * guest API key, checks them, and emits ::submit. Its owner signs in and reports back
 * with confab_sign_in_page_set_busy() and confab_sign_in_page_set_error(). Everything
 * but the secret is remembered in GSettings; the secret only lives in memory.
 */

#define G_LOG_DOMAIN "confab-sign-in-page"

#include "config.h"

#include "confab-sign-in-page.h"
#include "confab-util.h"

#include <glib/gi18n.h>

#include <string.h>

typedef enum {
  KIND_ACCOUNT = 0,
  KIND_GUEST = 1,
} SignInKind;

struct _ConfabSignInPage
{
  AdwBin             parent_instance;

  /* template widgets */
  AdwStatusPage     *status_page;
  AdwEntryRow       *server_row;
  AdwComboRow       *kind_row;
  AdwEntryRow       *login_row;
  AdwEntryRow       *user_id_row;
  AdwPasswordEntryRow *secret_row;
  AdwEntryRow       *username_row;
  GtkLabel          *error_label;
  GtkButton         *sign_in_button;
  GtkSpinner        *spinner;
  GtkLabel          *sign_in_label;

  /* owned references */
  GSettings         *settings;

  guint              busy : 1;
};

G_DEFINE_FINAL_TYPE (ConfabSignInPage, confab_sign_in_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum {
  SUBMIT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static SignInKind
get_kind (ConfabSignInPage *self)
{
  return adw_combo_row_get_selected (self->kind_row) == KIND_GUEST ? KIND_GUEST : KIND_ACCOUNT;
}

static void
update_kind (ConfabSignInPage *self)
{
  gboolean guest = get_kind (self) == KIND_GUEST;

  gtk_widget_set_visible (GTK_WIDGET (self->login_row), !guest);
  gtk_widget_set_visible (GTK_WIDGET (self->user_id_row), guest);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_row),
                                 guest ? _("API Key") : _("Password"));
}

static void
update_sensitivity (ConfabSignInPage *self)
{
  const char *server = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));
  const char *login = gtk_editable_get_text (GTK_EDITABLE (self->login_row));
  gboolean complete;

  complete = *server != '\0' && *secret != '\0' &&
             (get_kind (self) == KIND_GUEST || *login != '\0');

  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), complete && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.submit", complete && !self->busy);
}

static void
on_kind_changed (ConfabSignInPage *self)
{
  update_kind (self);
  update_sensitivity (self);
}

static void
on_field_changed (ConfabSignInPage *self)
{
  confab_sign_in_page_set_error (self, NULL);
  update_sensitivity (self);
}

static void
submit_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ConfabSignInPage *self = CONFAB_SIGN_IN_PAGE (widget);

  if (self->busy)
    return;

  g_signal_emit (self, signals[SUBMIT], 0);
}

static void
on_entry_activated (ConfabSignInPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "sign-in.submit", NULL);
}

static void
confab_sign_in_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ConfabSignInPage *self = CONFAB_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_sign_in_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ConfabSignInPage *self = CONFAB_SIGN_IN_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      confab_sign_in_page_set_busy (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_sign_in_page_dispose (GObject *object)
{
  ConfabSignInPage *self = CONFAB_SIGN_IN_PAGE (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (confab_sign_in_page_parent_class)->dispose (object);
}

static void
confab_sign_in_page_class_init (ConfabSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_sign_in_page_get_property;
  object_class->set_property = confab_sign_in_page_set_property;
  object_class->dispose = confab_sign_in_page_dispose;

  /**
   * ConfabSignInPage:busy:
   *
   * Whether a sign-in is under way: the form is insensitive and a spinner turns.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabSignInPage::submit:
   *
   * The user asked to sign in with complete fields. Get the request with
   * confab_sign_in_page_build_request().
   */
  signals[SUBMIT] =
    g_signal_new ("submit",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, kind_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, login_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, user_id_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, secret_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ConfabSignInPage, sign_in_label);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "sign-in.submit", NULL, submit_activated);
}

static void
confab_sign_in_page_init (ConfabSignInPage *self)
{
  g_autofree char *server_url = NULL;
  g_autofree char *login = NULL;
  g_autofree char *username = NULL;
  g_autofree char *user_id = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_status_page_set_icon_name (self->status_page, APPLICATION_ID);

  self->settings = confab_settings_new ();
  server_url = g_settings_get_string (self->settings, "server-url");
  login = g_settings_get_string (self->settings, "login");
  username = g_settings_get_string (self->settings, "username");
  user_id = g_settings_get_string (self->settings, "user-id");

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server_url);
  gtk_editable_set_text (GTK_EDITABLE (self->login_row), login);
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
  gtk_editable_set_text (GTK_EDITABLE (self->user_id_row), user_id);
  adw_combo_row_set_selected (self->kind_row,
                              g_settings_get_enum (self->settings, "account-kind") == KIND_GUEST ?
                              KIND_GUEST : KIND_ACCOUNT);

  update_kind (self);
  confab_sign_in_page_set_error (self, NULL);
  update_sensitivity (self);
}

GtkWidget *
confab_sign_in_page_new (void)
{
  return g_object_new (CONFAB_TYPE_SIGN_IN_PAGE, NULL);
}

gboolean
confab_sign_in_page_get_busy (ConfabSignInPage *self)
{
  g_return_val_if_fail (CONFAB_IS_SIGN_IN_PAGE (self), FALSE);

  return self->busy;
}

/**
 * confab_sign_in_page_set_busy:
 * @self: a #ConfabSignInPage
 * @busy: whether a sign-in is under way
 *
 * Turns the spinner and makes the form insensitive while signing in.
 */
void
confab_sign_in_page_set_busy (ConfabSignInPage *self,
                              gboolean          busy)
{
  g_return_if_fail (CONFAB_IS_SIGN_IN_PAGE (self));

  busy = !!busy;
  if (self->busy == busy)
    return;

  self->busy = busy;

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_label_set_label (self->sign_in_label, busy ? _("Signing In…") : _("Sign In"));

  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->kind_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_id_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->secret_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), !busy);
  update_sensitivity (self);

  if (busy)
    confab_sign_in_page_set_error (self, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/**
 * confab_sign_in_page_set_error:
 * @self: a #ConfabSignInPage
 * @message: (nullable): what went wrong, or %NULL to hide the error
 */
void
confab_sign_in_page_set_error (ConfabSignInPage *self,
                               const char       *message)
{
  g_return_if_fail (CONFAB_IS_SIGN_IN_PAGE (self));

  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL && *message != '\0');
}

/**
 * confab_sign_in_page_build_request:
 * @self: a #ConfabSignInPage
 * @uri: (out) (transfer full): the user agent URI (`apiKey:KEY` or `confab:LOGIN`)
 * @info: (out) (transfer full): the registration information
 * @error: where to put a message for the user when a field is wrong
 *
 * Checks the fields and turns them into a sign-in request. Nothing is changed when a
 * field is wrong.
 *
 * Returns: %TRUE on success
 */
gboolean
confab_sign_in_page_build_request (ConfabSignInPage           *self,
                                   char                      **uri,
                                   ConfabRegisterInformation **info,
                                   GError                    **error)
{
  g_autoptr(ConfabRegisterInformation) request = NULL;
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *username = NULL;
  g_autofree char *user_id = NULL;
  const char *secret;
  SignInKind kind;

  g_return_val_if_fail (CONFAB_IS_SIGN_IN_PAGE (self), FALSE);
  g_return_val_if_fail (uri != NULL && info != NULL, FALSE);

  kind = get_kind (self);
  server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  login = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->login_row))));
  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  user_id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_id_row))));
  secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));

  if (!confab_server_url_is_valid (server))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The server address must look like ws://host:port/ws or wss://host/ws."));
      return FALSE;
    }

  if (kind == KIND_ACCOUNT && !confab_user_id_is_valid (login))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A login is 1 to 64 letters, digits or the characters . _ @ -."));
      return FALSE;
    }

  if (kind == KIND_GUEST && *user_id != '\0' && !confab_user_id_is_valid (user_id))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A user ID is 1 to 64 letters, digits or the characters . _ @ -."));
      return FALSE;
    }

  if (*secret == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           kind == KIND_GUEST ? _("Enter the API key.") : _("Enter your password."));
      return FALSE;
    }

  if (strlen (username) > 64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The display name is too long."));
      return FALSE;
    }

  request = confab_register_information_new ();
  confab_register_information_set_server_url (request, server);
  if (*username != '\0')
    confab_register_information_set_username (request, username);

  if (kind == KIND_GUEST)
    {
      if (*user_id != '\0')
        confab_register_information_set_user_id (request, user_id);
      *uri = g_strconcat ("apiKey:", secret, NULL);
    }
  else
    {
      confab_register_information_set_password (request, secret);
      *uri = g_strconcat ("confab:", login, NULL);
    }

  *info = g_steal_pointer (&request);

  return TRUE;
}

/**
 * confab_sign_in_page_remember:
 * @self: a #ConfabSignInPage
 *
 * Saves the fields, except the password or API key, for the next start.
 */
void
confab_sign_in_page_remember (ConfabSignInPage *self)
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *username = NULL;
  g_autofree char *user_id = NULL;

  g_return_if_fail (CONFAB_IS_SIGN_IN_PAGE (self));

  server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  login = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->login_row))));
  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  user_id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_id_row))));

  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "server-url", server);
  g_settings_set_enum (self->settings, "account-kind", get_kind (self));
  g_settings_set_string (self->settings, "login", login);
  g_settings_set_string (self->settings, "username", username);
  g_settings_set_string (self->settings, "user-id", user_id);
  g_settings_apply (self->settings);
}

/**
 * confab_sign_in_page_forget_secret:
 * @self: a #ConfabSignInPage
 *
 * Clears the password or API key field, e.g. after signing out.
 */
void
confab_sign_in_page_forget_secret (ConfabSignInPage *self)
{
  g_return_if_fail (CONFAB_IS_SIGN_IN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
}
