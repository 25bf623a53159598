/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-application.c: the Confab application
 *
 * Owns the windows and the application-wide actions, and reads the command line:
 * with credentials on it the app signs in at once, may open a contact's chat, call a
 * contact or accept calls without asking and, for tests, save a screenshot of the
 * window (of the call once its video shows) and quit.
 *
 * It also knows whether a notification service listens on the session bus, so that
 * incoming calls are announced by a notification only where one can be shown (GIO
 * would warn otherwise).
 */

#define G_LOG_DOMAIN "confab-application"

#include "config.h"

#include "confab-application.h"
#include "confab-resources.h"
#include "confab-util.h"
#include "confab-window.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include <signal.h>
#include <string.h>

/* Frames to draw after the chat opened before the screenshot is taken. */
#define SCREENSHOT_FRAMES 3
/* A screenshot run that has not finished after this long gives up with an error. */
#define SCREENSHOT_TIMEOUT_SECONDS 60
/* Remote video frames to show before a screenshot of a call is taken. */
#define SCREENSHOT_VIDEO_FRAMES 10

#define FDO_NOTIFICATIONS "org.freedesktop.Notifications"
#define GTK_NOTIFICATIONS "org.gtk.Notifications"

struct _ConfabApplication
{
  AdwApplication  parent_instance;

  /* command-line options */
  char           *server_url;
  char           *api_key;
  char           *login;
  char           *password;
  char           *username;
  char           *user_id;
  char           *open_contact;
  char           *call_contact;
  char           *screenshot;

  /* borrowed: the paintable watched before a call's screenshot */
  ConfabVideoPaintable *screenshot_paintable;

  guint           sigint_source;
  guint           sigterm_source;
  guint           screenshot_timeout;
  guint           frames_left;
  int             exit_status;
  guint           notifications_watch[2];
  guint           launched : 1;
  guint           call_video : 1;
  guint           accept_calls : 1;
  guint           notifier_owned : 2;       /* bit per name in notifications_watch */
  guint           notifier_activatable : 1;
};

G_DEFINE_FINAL_TYPE (ConfabApplication, confab_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Server address, e.g. ws://127.0.0.1:8470/ws"), N_("URL") },
  { "api-key", 'k', 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign in as a guest with this API key"), N_("KEY") },
  { "login", 'l', 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign in to this account"), N_("LOGIN") },
  { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Read the account’s password from this file"), N_("FILE") },
  { "username", 'u', 0, G_OPTION_ARG_STRING, NULL,
    N_("Display name to use"), N_("NAME") },
  { "user-id", 'i', 0, G_OPTION_ARG_STRING, NULL,
    N_("User ID to ask for when signing in as a guest"), N_("ID") },
  { "open-contact", 'o', 0, G_OPTION_ARG_STRING, NULL,
    N_("Open the chat with this user once signed in"), N_("ID") },
  { "call", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Call this user (audio only) once signed in"), N_("ID") },
  { "call-video", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Call this user with video once signed in"), N_("ID") },
  { "accept-calls", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Accept incoming calls without asking"), NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Save a PNG of the window once the chat, or the call’s video, is shown, then quit"), N_("FILE") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and quit"), NULL },
  { NULL }
};

static void
finish_with_error (ConfabApplication *self,
                   const char        *what,
                   const GError      *error)
{
  g_printerr ("confab: %s: %s\n", what, error != NULL ? error->message : "failed");
  self->exit_status = 1;
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);
}

static gboolean
on_screenshot_timeout (gpointer user_data)
{
  ConfabApplication *self = user_data;
  g_autoptr(GError) error = NULL;

  self->screenshot_timeout = 0;
  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "the window was not ready in time");
  finish_with_error (self, "screenshot", error);

  return G_SOURCE_REMOVE;
}

static void
on_after_paint (GdkFrameClock     *frame_clock,
                ConfabApplication *self)
{
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  /* Laid out and drawn: now the widget tree can be snapshot. */
  g_signal_handlers_disconnect_by_func (frame_clock, on_after_paint, self);

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

      window = windows != NULL ? windows->data : NULL;
    }

  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);

  if (!CONFAB_IS_WINDOW (window))
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window went away");
      finish_with_error (self, "screenshot", error);
      return;
    }

  if (!confab_window_save_screenshot (CONFAB_WINDOW (window), self->screenshot, &error))
    {
      finish_with_error (self, "screenshot", error);
      return;
    }

  g_debug ("Saved %s", self->screenshot);
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);
}

static gboolean
on_screenshot_tick (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  ConfabApplication *self = user_data;

  /* let a few frames settle the transitions, then shoot after the next paint */
  if (self->frames_left > 0)
    {
      self->frames_left--;
      return G_SOURCE_CONTINUE;
    }

  g_signal_connect (frame_clock, "after-paint", G_CALLBACK (on_after_paint), self);
  gtk_widget_queue_draw (widget);

  return G_SOURCE_REMOVE;
}

static void
on_screenshot_video_frame (ConfabApplication *self)
{
  GtkWindow *window;

  if (confab_video_paintable_get_n_frames (self->screenshot_paintable) < SCREENSHOT_VIDEO_FRAMES)
    return;

  g_signal_handlers_disconnect_by_func (self->screenshot_paintable, on_screenshot_video_frame, self);
  self->screenshot_paintable = NULL;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    return;

  self->frames_left = SCREENSHOT_FRAMES;
  gtk_widget_add_tick_callback (GTK_WIDGET (window), on_screenshot_tick, self, NULL);
}

static void
on_launch_call_started (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(ConfabApplication) self = user_data;
  g_autoptr(ConfabCall) call = NULL;
  g_autoptr(GError) error = NULL;

  call = confab_window_start_call_finish (CONFAB_WINDOW (object), result, &error);
  if (call != NULL)
    return;

  if (self->screenshot != NULL)
    finish_with_error (self, "cannot call", error);
  else
    confab_window_show_toast (CONFAB_WINDOW (object), error->message);
}

static void
on_launch_signed_in (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ConfabApplication) self = user_data;
  ConfabWindow *window = CONFAB_WINDOW (object);
  g_autoptr(GError) error = NULL;

  if (!confab_window_sign_in_finish (window, result, &error))
    {
      if (self->screenshot != NULL)
        finish_with_error (self, "sign-in failed", error);
      else
        g_printerr ("confab: sign-in failed: %s\n", error->message);
      return;
    }

  if (self->open_contact != NULL &&
      confab_window_open_contact (window, self->open_contact, &error) == NULL)
    {
      if (self->screenshot != NULL)
        {
          finish_with_error (self, "cannot open the contact", error);
          return;
        }

      confab_window_show_toast (window, error->message);
    }

  confab_window_set_auto_accept_calls (window, self->accept_calls);

  if (self->call_contact != NULL)
    confab_window_start_call_async (window, self->call_contact, self->call_video, NULL,
                                    on_launch_call_started, g_object_ref (self));

  if (self->screenshot != NULL && (self->call_contact != NULL || self->accept_calls))
    {
      /* a call's screenshot waits for its video */
      self->screenshot_paintable =
        confab_call_view_get_remote_paintable (confab_window_get_call_view (window));
      g_signal_connect_object (self->screenshot_paintable, "notify::n-frames",
                               G_CALLBACK (on_screenshot_video_frame), self, G_CONNECT_SWAPPED);
    }
  else if (self->screenshot != NULL)
    {
      self->frames_left = SCREENSHOT_FRAMES;
      gtk_widget_add_tick_callback (GTK_WIDGET (window), on_screenshot_tick, self, NULL);
    }
}

static void
launch (ConfabApplication *self,
        ConfabWindow      *window)
{
  g_autoptr(ConfabRegisterInformation) info = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *server_url = NULL;

  if (self->server_url != NULL)
    {
      server_url = g_strdup (self->server_url);
    }
  else
    {
      g_autoptr(GSettings) settings = confab_settings_new ();

      server_url = g_settings_get_string (settings, "server-url");
    }

  info = confab_register_information_new ();
  confab_register_information_set_server_url (info, server_url);
  if (self->username != NULL)
    confab_register_information_set_username (info, self->username);

  if (self->api_key != NULL)
    {
      uri = g_strconcat ("apiKey:", self->api_key, NULL);
      if (self->user_id != NULL)
        confab_register_information_set_user_id (info, self->user_id);
    }
  else
    {
      uri = g_strconcat ("confab:", self->login, NULL);
      confab_register_information_set_password (info, self->password);
    }

  if (self->screenshot != NULL)
    {
      /* a screenshot shows the end of every transition */
      g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
    }

  if (self->screenshot != NULL)
    self->screenshot_timeout = g_timeout_add_seconds (SCREENSHOT_TIMEOUT_SECONDS,
                                                      on_screenshot_timeout, self);

  confab_window_sign_in_async (window, uri, info, NULL,
                               on_launch_signed_in, g_object_ref (self));
}

static gboolean
on_unix_signal (gpointer user_data)
{
  ConfabApplication *self = user_data;

  g_debug ("Quitting on a signal");
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);

  return G_SOURCE_CONTINUE;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  ConfabApplication *self = user_data;
  GList *windows;

  /* Closing a window signs out of its session first; the application ends with the
   * last window. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  ConfabApplication *self = user_data;
  static const char *developers[] = { "The Confab developers", NULL };
  GtkWindow *parent;
  GtkWidget *about;

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", _("Confab"),
                        "application-icon", APPLICATION_ID,
                        "developer-name", "The Confab developers",
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Chat and call with the people you work with"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Confab developers",
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        "transient-for", parent,
                        "modal", TRUE,
                        NULL);

  gtk_window_present (GTK_WINDOW (about));
}

/* app.answer-call (call id, "audio" | "video" | "decline"), from a notification */
static void
answer_call_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  ConfabApplication *self = user_data;
  const char *call_id;
  const char *response;

  g_variant_get (parameter, "(&s&s)", &call_id, &response);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CONFAB_IS_WINDOW (l->data) &&
          confab_window_answer_call (CONFAB_WINDOW (l->data), call_id, response))
        {
          if (!g_str_equal (response, "decline"))
            gtk_window_present (GTK_WINDOW (l->data));
          return;
        }
    }

  g_debug ("No window waits for an answer to call %s", call_id);
}

/* app.show-call (call id): the window asking about or showing that call */
static void
show_call_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  ConfabApplication *self = user_data;
  const char *call_id = g_variant_get_string (parameter, NULL);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      ConfabWindow *window;
      ConfabIncomingCallDialog *dialog;
      ConfabCall *call;

      if (!CONFAB_IS_WINDOW (l->data))
        continue;

      window = l->data;
      dialog = confab_window_get_incoming_dialog (window);
      call = confab_window_get_call (window);

      if ((call != NULL && g_strcmp0 (confab_call_get_id (call), call_id) == 0) ||
          (dialog != NULL &&
           g_strcmp0 (confab_received_call_invitation_get_call_id (confab_incoming_call_dialog_get_invitation (dialog)),
                      call_id) == 0))
        {
          gtk_window_present (GTK_WINDOW (window));
          if (dialog != NULL)
            gtk_window_present (GTK_WINDOW (dialog));
          return;
        }
    }
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "answer-call", answer_call_activated, "(ss)" },
  { "show-call", show_call_activated, "s" },
};

/* notification services on the session bus */

static void
on_notifier_appeared (GDBusConnection *connection,
                      const char      *name,
                      const char      *name_owner,
                      gpointer         user_data)
{
  ConfabApplication *self = user_data;

  self->notifier_owned |= g_str_equal (name, FDO_NOTIFICATIONS) ? 1 : 2;
}

static void
on_notifier_vanished (GDBusConnection *connection,
                      const char      *name,
                      gpointer         user_data)
{
  ConfabApplication *self = user_data;

  self->notifier_owned &= ~(g_str_equal (name, FDO_NOTIFICATIONS) ? 1 : 2);
}

static void
on_activatable_names (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ConfabApplication) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_debug ("Listing activatable names: %s", error->message);
      return;
    }

  g_variant_get (reply, "(^a&s)", &names);
  self->notifier_activatable = g_strv_contains (names, FDO_NOTIFICATIONS);
}

static void
watch_notifiers (ConfabApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));

  if (connection == NULL)
    return;

  self->notifications_watch[0] =
    g_bus_watch_name_on_connection (connection, FDO_NOTIFICATIONS, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                    on_notifier_appeared, on_notifier_vanished, self, NULL);
  self->notifications_watch[1] =
    g_bus_watch_name_on_connection (connection, GTK_NOTIFICATIONS, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                    on_notifier_appeared, on_notifier_vanished, self, NULL);
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListActivatableNames", NULL,
                          G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_activatable_names, g_object_ref (self));
}

static gboolean
read_password_file (const char  *path,
                    char       **password,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;

  /* one line: drop the line end */
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';

  if (len == 0 || strlen (contents) != len || !g_utf8_validate (contents, len, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s does not hold a password on its first line", path);
      return FALSE;
    }

  *password = g_steal_pointer (&contents);

  return TRUE;
}

static int
confab_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  ConfabApplication *self = CONFAB_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  const char *password_file = NULL;
  const char *screenshot = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("confab %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "server", "s", &self->server_url);
  g_variant_dict_lookup (options, "api-key", "s", &self->api_key);
  g_variant_dict_lookup (options, "login", "s", &self->login);
  g_variant_dict_lookup (options, "username", "s", &self->username);
  g_variant_dict_lookup (options, "user-id", "s", &self->user_id);
  g_variant_dict_lookup (options, "open-contact", "s", &self->open_contact);
  self->accept_calls = g_variant_dict_contains (options, "accept-calls");
  if (g_variant_dict_lookup (options, "call-video", "s", &self->call_contact))
    self->call_video = TRUE;
  if (g_variant_dict_contains (options, "call"))
    {
      if (self->call_contact != NULL)
        {
          g_printerr ("confab: use either --call or --call-video, not both\n");
          return 1;
        }
      g_variant_dict_lookup (options, "call", "s", &self->call_contact);
    }
  g_variant_dict_lookup (options, "password-file", "^&ay", &password_file);
  g_variant_dict_lookup (options, "screenshot", "^&ay", &screenshot);
  self->screenshot = g_strdup (screenshot);

  if (self->api_key != NULL && self->login != NULL)
    {
      g_printerr ("confab: use either --api-key or --login, not both\n");
      return 1;
    }

  if (self->login != NULL && password_file == NULL)
    {
      g_printerr ("confab: --login needs --password-file\n");
      return 1;
    }

  if (password_file != NULL && self->login == NULL)
    {
      g_printerr ("confab: --password-file goes with --login\n");
      return 1;
    }

  if (self->user_id != NULL && (self->api_key == NULL || !confab_user_id_is_valid (self->user_id)))
    {
      g_printerr ("confab: --user-id needs --api-key and 1 to 64 of [A-Za-z0-9._@-]\n");
      return 1;
    }

  if (self->login != NULL && !confab_user_id_is_valid (self->login))
    {
      g_printerr ("confab: --login must be 1 to 64 of [A-Za-z0-9._@-]\n");
      return 1;
    }

  if (self->open_contact != NULL && !confab_user_id_is_valid (self->open_contact))
    {
      g_printerr ("confab: --open-contact must be a user id (1 to 64 of [A-Za-z0-9._@-])\n");
      return 1;
    }

  if (self->call_contact != NULL && !confab_user_id_is_valid (self->call_contact))
    {
      g_printerr ("confab: --call and --call-video need a user id (1 to 64 of [A-Za-z0-9._@-])\n");
      return 1;
    }

  if ((self->call_contact != NULL || self->accept_calls) && self->api_key == NULL && self->login == NULL)
    {
      g_printerr ("confab: --call, --call-video and --accept-calls need credentials (--api-key or --login)\n");
      return 1;
    }

  if (self->server_url != NULL && !confab_server_url_is_valid (self->server_url))
    {
      g_printerr ("confab: --server must be a ws:// or wss:// address\n");
      return 1;
    }

  if (self->api_key != NULL && *self->api_key == '\0')
    {
      g_printerr ("confab: --api-key is empty\n");
      return 1;
    }

  if (password_file != NULL && !read_password_file (password_file, &self->password, &error))
    {
      g_printerr ("confab: %s\n", error->message);
      return 1;
    }

  if (self->screenshot != NULL && self->api_key == NULL && self->login == NULL)
    {
      g_printerr ("confab: --screenshot needs credentials (--api-key or --login)\n");
      return 1;
    }

  /* Credentials on the command line make a separate instance: a running Confab would
   * not receive them. */
  if (self->api_key != NULL || self->login != NULL)
    g_application_set_flags (application,
                             g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
confab_application_startup (GApplication *application)
{
  ConfabApplication *self = CONFAB_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (confab_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);

  self->sigint_source = g_unix_signal_add (SIGINT, on_unix_signal, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, on_unix_signal, self);

  watch_notifiers (self);
}

static void
confab_application_shutdown (GApplication *application)
{
  ConfabApplication *self = CONFAB_APPLICATION (application);

  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->notifications_watch); i++)
    g_clear_handle_id (&self->notifications_watch[i], g_bus_unwatch_name);

  G_APPLICATION_CLASS (confab_application_parent_class)->shutdown (application);
}

static void
confab_application_activate (GApplication *application)
{
  ConfabApplication *self = CONFAB_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (confab_window_new (GTK_APPLICATION (self)));

  gtk_window_present (window);

  if (!self->launched && (self->api_key != NULL || self->login != NULL))
    {
      self->launched = TRUE;
      launch (self, CONFAB_WINDOW (window));
    }
}

static void
confab_application_finalize (GObject *object)
{
  ConfabApplication *self = CONFAB_APPLICATION (object);

  g_free (self->server_url);
  g_free (self->api_key);
  g_free (self->login);
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  g_free (self->username);
  g_free (self->user_id);
  g_free (self->open_contact);
  g_free (self->call_contact);
  g_free (self->screenshot);

  G_OBJECT_CLASS (confab_application_parent_class)->finalize (object);
}

static void
confab_application_class_init (ConfabApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = confab_application_finalize;

  app_class->handle_local_options = confab_application_handle_local_options;
  app_class->startup = confab_application_startup;
  app_class->shutdown = confab_application_shutdown;
  app_class->activate = confab_application_activate;
}

static void
confab_application_init (ConfabApplication *self)
{
  /* Links the resources (templates, style, icons) in; they register themselves. */
  (void) confab_get_resource ();

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Chat with the people you work with."));
}

ConfabApplication *
confab_application_new (void)
{
  return g_object_new (CONFAB_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", "/org/confab/Confab",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

/**
 * confab_application_get_exit_status:
 * @self: a #ConfabApplication
 *
 * Returns: the status the process should exit with: non-zero when a sign-in or
 *   screenshot asked for on the command line failed
 */
int
confab_application_get_exit_status (ConfabApplication *self)
{
  g_return_val_if_fail (CONFAB_IS_APPLICATION (self), 1);

  return self->exit_status;
}

/**
 * confab_application_can_notify:
 * @self: a #ConfabApplication
 *
 * Whether a notification sent now can be shown: a notification service owns its
 * name on the session bus (or can be started there), or the app runs in Flatpak
 * (the portal shows it). Without one, GIO would only warn.
 *
 * Returns: %TRUE when notifications can be sent
 */
gboolean
confab_application_can_notify (ConfabApplication *self)
{
  g_return_val_if_fail (CONFAB_IS_APPLICATION (self), FALSE);

  if (g_application_get_dbus_connection (G_APPLICATION (self)) == NULL)
    return FALSE;

  return self->notifier_owned != 0 || self->notifier_activatable ||
         g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}
