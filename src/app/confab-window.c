/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-window.c: the main window: sign-in, contacts and chat
 *
 * A stack of three pages. "sign-in" holds a ConfabSignInPage; "main" is a leaflet with
 * the session's contacts in a sidebar and the chat with the selected contact beside it;
 * "call" shows the call in progress (confab-window-calls.c handles calls). A banner says
 * when the connection is being restored; an unexpected disconnection brings the sign-in
 * page back with the reason.
 */

#define G_LOG_DOMAIN "confab-window"

#include "config.h"

#include "confab-contact-row.h"
#include "confab-preferences-window.h"
#include "confab-util.h"
#include "confab-window-private.h"

#include <glib/gi18n.h>

/* How long closing the window waits for the server to acknowledge a disconnection. */
#define CLOSE_TIMEOUT_SECONDS 3


G_DEFINE_FINAL_TYPE (ConfabWindow, confab_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void set_session  (ConfabWindow  *self,
                          ConfabSession *session);
static void show_contact (ConfabWindow  *self,
                          ConfabContact *contact);

static char *
describe_error (const GError *error)
{
  if (error == NULL)
    return NULL;

  if (error->domain == CONFAB_ERROR)
    {
      switch (error->code)
        {
        case CONFAB_ERROR_INVALID_CREDENTIALS:
          return g_strdup (_("The login, password or API key is not right."));

        case CONFAB_ERROR_NOT_ALLOWED:
          return g_strdup (_("This user ID cannot be used. It may belong to an account or be in use."));

        case CONFAB_ERROR_UNSUPPORTED_VERSION:
          return g_strdup (_("The server speaks a different version of the Confab protocol."));

        case CONFAB_ERROR_TIMED_OUT:
          return g_strdup (_("The server did not answer in time."));

        default:
          break;
        }
    }

  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    {
      /* Translators: %s is the reason given by the system */
      return g_strdup_printf (_("Could not reach the server: %s"), error->message);
    }

  return g_strdup (error->message);
}

static const char *
contact_display_name (ConfabContact *contact)
{
  const char *name = confab_contact_get_username (contact);

  if (name == NULL || *name == '\0')
    name = confab_contact_get_id (contact);

  return name;
}

static void
update_content_title (ConfabWindow *self)
{
  if (self->contact != NULL)
    {
      adw_window_title_set_title (self->content_title, contact_display_name (self->contact));
      adw_window_title_set_subtitle (self->content_title, confab_contact_get_id (self->contact));
    }
  else
    {
      adw_window_title_set_title (self->content_title, "");
      adw_window_title_set_subtitle (self->content_title, "");
    }
}

static void
update_sidebar_title (ConfabWindow *self)
{
  const char *name = NULL;

  if (self->session != NULL)
    {
      name = confab_session_get_username (self->session);
      if (name == NULL || *name == '\0')
        name = confab_session_get_id (self->session);
    }

  adw_window_title_set_subtitle (self->sidebar_title, name != NULL ? name : "");
}

static void
update_banner (ConfabWindow *self)
{
  gboolean reconnecting = FALSE;

  if (self->session != NULL)
    reconnecting = confab_session_get_state (self->session) == CONFAB_SESSION_STATE_RECONNECTING;

  gtk_revealer_set_reveal_child (self->banner_revealer, reconnecting);
}

static void
update_contacts_empty (ConfabWindow *self)
{
  gboolean empty = TRUE;

  if (self->contacts_selection != NULL)
    empty = g_list_model_get_n_items (G_LIST_MODEL (self->contacts_selection)) == 0;

  gtk_stack_set_visible_child_name (self->contacts_stack, empty ? "empty" : "contacts");
}

static void
on_session_state_changed (ConfabWindow *self)
{
  update_banner (self);
}

static void
on_session_reconnection (ConfabWindow  *self,
                         gboolean       resumed,
                         ConfabSession *session)
{
  if (resumed)
    confab_window_show_toast (self, _("Connected again"));
  else
    confab_window_show_toast (self, _("Connected again. Messages sent to you meanwhile may be missing."));
}

static void
on_session_error (ConfabWindow  *self,
                  const GError  *error,
                  ConfabSession *session)
{
  g_autofree char *message = describe_error (error);

  g_debug ("Session error: %s", error != NULL ? error->message : "(none)");

  if (message != NULL && !self->closing)
    confab_window_show_toast (self, message);
}

static void
on_session_disconnect (ConfabWindow  *self,
                       const GError  *reason,
                       ConfabSession *session)
{
  g_autofree char *message = NULL;

  if (self->closing || session != self->session)
    return;

  g_debug ("Session disconnected: %s", reason != NULL ? reason->message : "requested");

  set_session (self, NULL);

  if (reason != NULL)
    {
      g_autofree char *detail = describe_error (reason);

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Disconnected from the server. %s"), detail);
      confab_sign_in_page_set_error (self->sign_in_page, message);
    }
}

static void
on_contact_username_changed (ConfabWindow *self)
{
  update_content_title (self);
}

static void
on_contacts_selection_changed (ConfabWindow *self)
{
  ConfabContact *contact;

  contact = gtk_single_selection_get_selected_item (self->contacts_selection);
  if (contact != NULL)
    show_contact (self, contact);
}

static void
show_contact (ConfabWindow  *self,
              ConfabContact *contact)
{
  if (self->contact != contact)
    {
      if (self->contact != NULL)
        g_signal_handlers_disconnect_by_func (self->contact, on_contact_username_changed, self);

      g_set_object (&self->contact, contact);

      if (contact != NULL)
        g_signal_connect_object (contact, "notify::username",
                                 G_CALLBACK (on_contact_username_changed), self, G_CONNECT_SWAPPED);

      confab_chat_view_set_contact (self->chat_view, contact);
      _confab_window_calls_set_contact (self, contact);
      update_content_title (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
    }

  gtk_stack_set_visible_child_name (self->content_stack, contact != NULL ? "chat" : "empty");

  if (contact != NULL)
    {
      adw_leaflet_set_visible_child (self->leaflet, self->content_box);
      confab_chat_view_focus_composer (self->chat_view);
    }
}

static void
set_session (ConfabWindow  *self,
             ConfabSession *session)
{
  if (self->session == session)
    return;

  show_contact (self, NULL);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);

  if (self->contacts_selection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->contacts_selection, self);
      g_clear_object (&self->contacts_selection);
    }

  g_set_object (&self->session, session);
  _confab_window_calls_set_session (self, session);

  if (session != NULL)
    {
      GListModel *contacts = confab_session_get_contacts (session);

      g_signal_connect_object (session, "notify::state",
                               G_CALLBACK (on_session_state_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::username",
                               G_CALLBACK (update_sidebar_title), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "reconnection",
                               G_CALLBACK (on_session_reconnection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "error",
                               G_CALLBACK (on_session_error), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "disconnect",
                               G_CALLBACK (on_session_disconnect), self, G_CONNECT_SWAPPED);

      self->contacts_selection = gtk_single_selection_new (g_object_ref (contacts));
      gtk_single_selection_set_autoselect (self->contacts_selection, FALSE);
      gtk_single_selection_set_can_unselect (self->contacts_selection, TRUE);
      gtk_single_selection_set_selected (self->contacts_selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect_object (self->contacts_selection, "notify::selected-item",
                               G_CALLBACK (on_contacts_selection_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->contacts_selection, "items-changed",
                               G_CALLBACK (update_contacts_empty), self, G_CONNECT_SWAPPED);
    }

  gtk_list_view_set_model (self->contacts_view, GTK_SELECTION_MODEL (self->contacts_selection));

  update_sidebar_title (self);
  update_banner (self);
  update_contacts_empty (self);

  gtk_stack_set_visible_child_name (self->stack, session != NULL ? "main" : "sign-in");
  if (session == NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->sidebar_box);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
on_registered (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabWindow *self = g_task_get_source_object (task);
  g_autoptr(ConfabSession) session = NULL;
  GError *error = NULL;

  confab_sign_in_page_set_busy (self->sign_in_page, FALSE);

  session = confab_user_agent_register_finish (CONFAB_USER_AGENT (object), result, &error);
  if (session == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = describe_error (error);

          confab_sign_in_page_set_error (self->sign_in_page, message);
        }

      g_task_return_error (task, error);
      return;
    }

  if (self->closing)
    {
      /* The window went away while signing in: end the session at once. */
      confab_session_disconnect_async (session, NULL, NULL, NULL);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The window was closed");
      return;
    }

  set_session (self, session);
  g_task_return_boolean (task, TRUE);
}

static void
on_sign_in_page_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ConfabWindow *self = CONFAB_WINDOW (object);
  g_autoptr(GError) error = NULL;

  /* the page already shows what went wrong */
  if (confab_window_sign_in_finish (self, result, &error))
    confab_sign_in_page_remember (self->sign_in_page);
}

static void
on_sign_in_page_submit (ConfabWindow     *self,
                        ConfabSignInPage *page)
{
  g_autoptr(ConfabRegisterInformation) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  if (!confab_sign_in_page_build_request (page, &uri, &info, &error))
    {
      confab_sign_in_page_set_error (page, error->message);
      return;
    }

  confab_window_sign_in_async (self, uri, info, NULL, on_sign_in_page_done, NULL);
}

static void
on_new_chat_entry_changed (ConfabWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->new_chat_entry), "error");
}

static void
open_chat_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  if (self->session == NULL)
    return;

  id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_chat_entry))));
  if (*id == '\0')
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->new_chat_entry));
      return;
    }

  if (confab_window_open_contact (self, id, &error) == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->new_chat_entry), "error");
      confab_window_show_toast (self, error->message);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->new_chat_entry), "");
}

static void
focus_new_chat_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);

  if (self->session == NULL)
    return;

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar_box);
  gtk_widget_grab_focus (GTK_WIDGET (self->new_chat_entry));
}

static void
on_new_chat_entry_activate (ConfabWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.open-chat", NULL);
}

static void
on_signed_out (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GApplication) app = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_disconnect_finish (CONFAB_SESSION (object), result, &error))
    g_debug ("Signing out: %s", error->message);

  if (app != NULL)
    g_application_release (app);
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);
  g_autoptr(ConfabSession) session = NULL;
  GtkApplication *app;

  if (self->session == NULL)
    return;

  session = g_object_ref (self->session);
  set_session (self, NULL);
  confab_sign_in_page_forget_secret (self->sign_in_page);

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (app != NULL)
    g_application_hold (G_APPLICATION (app));

  confab_session_disconnect_async (session, NULL, on_signed_out, app != NULL ? g_object_ref (app) : NULL);
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
preferences_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);
  GtkWidget *preferences;

  preferences = confab_preferences_window_new (GTK_WINDOW (self),
                                               self->session != NULL
                                               ? confab_session_get_media_devices (self->session)
                                               : NULL);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
setup_contact_row (GtkListItemFactory *factory,
                   GtkListItem        *item,
                   gpointer            user_data)
{
  gtk_list_item_set_child (item, confab_contact_row_new ());
}

static void
bind_contact_row (GtkListItemFactory *factory,
                  GtkListItem        *item,
                  gpointer            user_data)
{
  confab_contact_row_set_contact (CONFAB_CONTACT_ROW (gtk_list_item_get_child (item)),
                                  gtk_list_item_get_item (item));
}

static void
unbind_contact_row (GtkListItemFactory *factory,
                    GtkListItem        *item,
                    gpointer            user_data)
{
  confab_contact_row_set_contact (CONFAB_CONTACT_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
on_close_disconnected (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConfabWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkApplication *app;

  if (!confab_session_disconnect_finish (CONFAB_SESSION (object), result, &error))
    g_debug ("Disconnecting on close: %s", error->message);

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (app != NULL)
    g_application_release (G_APPLICATION (app));

  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_close_timeout (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);

  return G_SOURCE_REMOVE;
}

static gboolean
confab_window_close_request (GtkWindow *window)
{
  ConfabWindow *self = CONFAB_WINDOW (window);
  GtkApplication *app;

  if (self->closing)
    return TRUE;

  if (self->session == NULL ||
      confab_session_get_state (self->session) == CONFAB_SESSION_STATE_DISCONNECTED)
    {
      /* a sign-in still under way ends its session as soon as it has one */
      self->closing = TRUE;
      return GTK_WINDOW_CLASS (confab_window_parent_class)->close_request (window);
    }

  /* Say goodbye to the server before going away, but do not wait for ever. */
  self->closing = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);

  app = gtk_window_get_application (window);
  if (app != NULL)
    g_application_hold (G_APPLICATION (app));

  self->close_cancellable = g_cancellable_new ();
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, CLOSE_TIMEOUT_SECONDS,
                              on_close_timeout,
                              g_object_ref (self->close_cancellable),
                              g_object_unref);
  confab_session_disconnect_async (self->session, self->close_cancellable,
                                   on_close_disconnected, g_object_ref (self));

  return TRUE;
}

static void
confab_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConfabWindow *self = CONFAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_window_dispose (GObject *object)
{
  ConfabWindow *self = CONFAB_WINDOW (object);

  if (self->stack != NULL)
    set_session (self, NULL);

  _confab_window_calls_dispose (self);

  g_clear_object (&self->contact);
  g_clear_object (&self->contacts_selection);
  g_clear_object (&self->session);
  g_clear_object (&self->close_cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (confab_window_parent_class)->dispose (object);
}

static void
confab_window_class_init (ConfabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = confab_window_get_property;
  object_class->dispose = confab_window_dispose;

  window_class->close_request = confab_window_close_request;

  /**
   * ConfabWindow:session:
   *
   * The session signed in, or %NULL while the sign-in page shows.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CONFAB_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabWindow:contact:
   *
   * The contact whose chat is open, or %NULL.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL,
                         CONFAB_TYPE_CONTACT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CONFAB_TYPE_SIGN_IN_PAGE);
  g_type_ensure (CONFAB_TYPE_CHAT_VIEW);
  g_type_ensure (CONFAB_TYPE_CALL_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, new_chat_entry);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, contacts_stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, contacts_view);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, call_audio_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, call_video_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, chat_view);
  gtk_widget_class_bind_template_child (widget_class, ConfabWindow, call_view);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_page_submit);
  gtk_widget_class_bind_template_callback (widget_class, on_new_chat_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_new_chat_entry_changed);

  gtk_widget_class_install_action (widget_class, "win.open-chat", NULL, open_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, focus_new_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);

  _confab_window_calls_class_init (widget_class);
}

static void
confab_window_init (ConfabWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_contact_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_contact_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_contact_row), NULL);
  gtk_list_view_set_factory (self->contacts_view, factory);
  g_object_unref (factory);

  self->settings = confab_settings_new ();
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  _confab_window_calls_init (self);

  update_contacts_empty (self);
  update_banner (self);
  gtk_stack_set_visible_child_name (self->stack, "sign-in");
  gtk_stack_set_visible_child_name (self->content_stack, "empty");
}

ConfabWindow *
confab_window_new (GtkApplication *application)
{
  return g_object_new (CONFAB_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

ConfabSession *
confab_window_get_session (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  return self->session;
}

ConfabContact *
confab_window_get_contact (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  return self->contact;
}

/**
 * confab_window_sign_in_async:
 * @self: a #ConfabWindow
 * @uri: the user agent URI: `apiKey:KEY` for a guest, `confab:LOGIN` for an account
 * @info: the registration information (server address, password, names)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when signed in or failed
 * @user_data: data for @callback
 *
 * Signs in and, on success, shows the main page for the new session. Meanwhile the
 * sign-in page shows a spinner; on failure it shows the reason.
 */
void
confab_window_sign_in_async (ConfabWindow              *self,
                             const char                *uri,
                             ConfabRegisterInformation *info,
                             GCancellable              *cancellable,
                             GAsyncReadyCallback        callback,
                             gpointer                   user_data)
{
  g_autoptr(ConfabUserAgent) user_agent = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (info != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_window_sign_in_async);

  confab_sign_in_page_set_busy (self->sign_in_page, TRUE);

  user_agent = confab_user_agent_new (uri);
  confab_user_agent_register_async (user_agent, info, cancellable,
                                    on_registered, g_steal_pointer (&task));
}

gboolean
confab_window_sign_in_finish (ConfabWindow  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_window_open_contact:
 * @self: a #ConfabWindow
 * @contact_id: a user id
 * @error: set when @contact_id is not a valid user id or nobody is signed in
 *
 * Opens the chat with @contact_id, selecting it in the sidebar.
 *
 * Returns: (transfer none) (nullable): the contact, or %NULL with @error set
 */
ConfabContact *
confab_window_open_contact (ConfabWindow  *self,
                            const char    *contact_id,
                            GError       **error)
{
  ConfabContact *contact;
  GListModel *model;
  guint n_items;

  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  if (self->session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("Sign in first."));
      return NULL;
    }

  if (!confab_user_id_is_valid (contact_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   /* Translators: %s is what the user typed */
                   _("“%s” is not a user ID: use 1 to 64 letters, digits or . _ @ -"),
                   contact_id != NULL ? contact_id : "");
      return NULL;
    }

  contact = confab_session_get_or_create_contact (self->session, contact_id);
  if (contact == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not open a chat with “%s”."), contact_id);
      return NULL;
    }

  model = G_LIST_MODEL (self->contacts_selection);
  n_items = g_list_model_get_n_items (model);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ConfabContact) item = g_list_model_get_item (model, i);

      if (item == contact)
        {
          gtk_single_selection_set_selected (self->contacts_selection, i);
          break;
        }
    }

  show_contact (self, contact);

  return contact;
}

void
confab_window_show_toast (ConfabWindow *self,
                          const char   *title)
{
  AdwToast *toast;

  g_return_if_fail (CONFAB_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  toast = adw_toast_new (title);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * confab_window_save_screenshot:
 * @self: a #ConfabWindow
 * @path: where to write the PNG file
 * @error: set on failure
 *
 * Renders the window as it is shown now and saves it as a PNG.
 *
 * Returns: %TRUE on success
 */
gboolean
confab_window_save_screenshot (ConfabWindow  *self,
                               const char    *path,
                               GError       **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  GdkRGBA background;
  int width;
  int height;

  g_return_val_if_fail (CONFAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  renderer = gtk_native_get_renderer (GTK_NATIVE (self));

  if (width <= 0 || height <= 0 || renderer == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "The window is not shown");
      return FALSE;
    }

  /* The window's own snapshot is only taken by its surface: draw its background, then
   * its children where they are. */
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (self)),
                                       "window_bg_color", &background))
    gdk_rgba_parse (&background, "#fafafa");

  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self));
       c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      if (gtk_widget_get_mapped (c) && gtk_widget_should_layout (c))
        gtk_widget_snapshot_child (GTK_WIDGET (self), c, snapshot);
    }
  node = gtk_snapshot_free_to_node (snapshot);

  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "The window drew nothing");
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (texture == NULL || !gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not write %s", path);
      return FALSE;
    }

  return TRUE;
}
