/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-screencast.c: a screen shared through the xdg-desktop-portal ScreenCast
 * interface (Wayland), captured with pipewiresrc (internal) */

#define G_LOG_DOMAIN "confab-screencast"

#include "config.h"

#include "confab-media.h"
#include "confab-media-engine.h"
#include "confab-screencast.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define SCREENCAST_INTERFACE "org.freedesktop.portal.ScreenCast"
#define REQUEST_INTERFACE "org.freedesktop.portal.Request"
#define SESSION_INTERFACE "org.freedesktop.portal.Session"
#define REQUEST_PATH_PREFIX PORTAL_OBJECT_PATH "/request/"
#define SESSION_PATH_PREFIX PORTAL_OBJECT_PATH "/session/"
/* How long the probe for the portal may wait for an answer on the bus. */
#define PROBE_TIMEOUT_MS 10000
/* ScreenCast source types and cursor modes (the portal's bit values). */
#define SOURCE_TYPE_MONITOR 1
#define SOURCE_TYPE_WINDOW 2
#define CURSOR_MODE_EMBEDDED 2

/*
 * ConfabScreencast:
 *
 * One ScreenCast portal session, spoken to over D-Bus without blocking: the user
 * picks a monitor or a window (cursor embedded) in the portal's dialog, and the
 * PipeWire remote and node the portal hands back become a `pipewiresrc`. Every
 * answer of the portal is checked before it is used. Closing it (or dropping the
 * last reference) closes the session; the portal closing it (the user stopped
 * sharing from the shell) emits #ConfabScreencast::closed.
 *
 * For tests, `CONFAB_PORTAL_SCREENSRC` holds a pipeline description that replaces
 * the `pipewiresrc` built for the portal's node (the portal protocol runs as usual).
 */

typedef enum {
  STEP_NONE,
  STEP_CREATE_SESSION,
  STEP_SELECT_SOURCES,
  STEP_START,
} Step;

struct _ConfabScreencast
{
  GObject          parent_instance;

  /* owned */
  GMainContext    *context;           /* where it was made: the Closed signal arrives there */
  GDBusConnection *bus;
  GTask           *task;              /* the start in progress */
  GSource         *cancel_source;
  char            *sender;            /* our unique name, as portal object paths spell it */
  char            *request_path;      /* the request whose Response is awaited */
  char            *session_path;
  guint            response_id;
  guint            closed_id;
  int              pipewire_fd;

  guint32          version;
  guint32          node_id;
  Step             step;
  guint            started : 1;
  guint            closed : 1;        /* by the portal */
};

G_DEFINE_FINAL_TYPE (ConfabScreencast, confab_screencast, G_TYPE_OBJECT)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void select_sources (ConfabScreencast *self);
static void start_session  (ConfabScreencast *self);

/**
 * confab_screencast_is_wanted:
 *
 * Whether screen sharing should go through the portal: `CONFAB_SCREENCAST=portal`,
 * or a Wayland session without an X11 display. `CONFAB_SCREENCAST=x11` forces X11.
 *
 * Returns: %TRUE for the portal path
 */
gboolean
confab_screencast_is_wanted (void)
{
  const char *forced = g_getenv ("CONFAB_SCREENCAST");
  const char *display = g_getenv ("DISPLAY");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");

  if (forced != NULL && g_str_equal (forced, "portal"))
    return TRUE;
  if (forced != NULL && g_str_equal (forced, "x11"))
    return FALSE;

  return (display == NULL || *display == '\0') && wayland != NULL && *wayland != '\0';
}

ConfabScreencast *
confab_screencast_new (void)
{
  return g_object_new (CONFAB_TYPE_SCREENCAST, NULL);
}

/* helpers */

static const char *
portal_source_override (void)
{
  const char *override = g_getenv ("CONFAB_PORTAL_SCREENSRC");

  return override != NULL && *override != '\0' ? override : NULL;
}

static void
on_close_replied (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("Closing a portal object failed: %s", error->message);
}

/* Closes a Request or Session object of the portal. With a reply callback: the call
 * keeps the bus connection alive until the message is out, also when this was its
 * last user (the session bus singleton is dropped with its last reference, and
 * unsent messages with it). */
static void
close_portal_object (ConfabScreencast *self,
                     const char       *path,
                     const char       *interface)
{
  if (self->bus == NULL || g_dbus_connection_is_closed (self->bus))
    return;

  g_dbus_connection_call (self->bus, PORTAL_BUS_NAME, path, interface, "Close",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          on_close_replied, NULL);
}

static void
unsubscribe (ConfabScreencast *self,
             guint            *id)
{
  if (*id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->bus, *id);
      *id = 0;
    }
}

/* Forgets the session (telling the portal, unless it closed it itself). */
static void
close_session (ConfabScreencast *self)
{
  if (self->session_path == NULL)
    return;

  g_debug ("Closing the screen-cast session %s%s", self->session_path,
           self->closed ? " (closed by the portal)" : "");
  if (!self->closed)
    close_portal_object (self, self->session_path, SESSION_INTERFACE);
  unsubscribe (self, &self->closed_id);
  g_clear_pointer (&self->session_path, g_free);
}

/* Ends the start in progress: no more Response or cancellation is listened to. */
static GTask *
end_start (ConfabScreencast *self)
{
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
  unsubscribe (self, &self->response_id);
  g_clear_pointer (&self->request_path, g_free);
  self->step = STEP_NONE;

  return g_steal_pointer (&self->task);
}

/* Fails the start in progress with @error (transfer full), closing the session. */
static void
fail_start (ConfabScreencast *self,
            GError           *error)
{
  g_autoptr(GTask) task = NULL;

  if (self->request_path != NULL)
    close_portal_object (self, self->request_path, REQUEST_INTERFACE);
  task = end_start (self);
  close_session (self);

  g_debug ("Screen cast not started: %s", error->message);
  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static void
fail_cancelled (ConfabScreencast *self)
{
  fail_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         "Screen sharing was cancelled"));
}

static void
fail_broken (ConfabScreencast *self,
             const char       *what)
{
  fail_start (self, g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                                 "The screen-sharing portal gave an invalid answer: %s", what));
}

/* A failed D-Bus call of the start in progress (@task); nothing if it already ended. */
static void
fail_call (GTask      *task,
           GError     *error,
           const char *step)
{
  ConfabScreencast *self = g_task_get_source_object (task);

  if (self->task != task)
    {
      g_error_free (error);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      fail_cancelled (self);
      return;
    }

  fail_start (self, g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                                 "The screen-sharing portal could not %s: %s", step, error->message));
  g_error_free (error);
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  ConfabScreencast *self = user_data;

  fail_cancelled (self);
  return G_SOURCE_REMOVE;
}

static void
on_session_closed (GDBusConnection *bus,
                   const char      *sender_name,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  ConfabScreencast *self = user_data;

  if (g_strcmp0 (object_path, self->session_path) != 0)
    return;

  g_debug ("The portal closed the screen-cast session %s", object_path);
  self->closed = TRUE;
  unsubscribe (self, &self->closed_id);

  if (self->task != NULL)
    {
      fail_start (self, g_error_new_literal (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                                             "The screen-sharing portal closed the session"));
      return;
    }

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
}

static void
watch_session (ConfabScreencast *self,
               const char       *path)
{
  g_free (self->session_path);
  self->session_path = g_strdup (path);

  /* On the context the screen cast belongs to, also when started synchronously. */
  g_main_context_push_thread_default (self->context);
  self->closed_id = g_dbus_connection_signal_subscribe (self->bus, PORTAL_BUS_NAME, SESSION_INTERFACE,
                                                        "Closed", path, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                                        on_session_closed, self, NULL);
  g_main_context_pop_thread_default (self->context);
}

static void
on_session_created (ConfabScreencast *self,
                    GVariant         *results)
{
  g_autoptr(GVariant) handle = g_variant_lookup_value (results, "session_handle", NULL);
  const char *path;

  /* Portals answer with a string (older ones) or an object path. */
  if (handle == NULL ||
      !(g_variant_is_of_type (handle, G_VARIANT_TYPE_STRING) ||
        g_variant_is_of_type (handle, G_VARIANT_TYPE_OBJECT_PATH)) ||
      !g_variant_is_object_path ((path = g_variant_get_string (handle, NULL))))
    {
      fail_broken (self, "no session handle");
      return;
    }

  watch_session (self, path);
  select_sources (self);
}

static void
on_started (ConfabScreencast *self,
            GVariant         *results);

static void
on_response (GDBusConnection *bus,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  ConfabScreencast *self = user_data;
  g_autoptr(GVariant) results = NULL;
  guint32 response;
  Step step = self->step;

  if (self->task == NULL || g_strcmp0 (object_path, self->request_path) != 0)
    return;

  unsubscribe (self, &self->response_id);
  g_clear_pointer (&self->request_path, g_free);

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    {
      g_autofree char *what = g_strdup_printf ("a response of type %s",
                                               g_variant_get_type_string (parameters));
      fail_broken (self, what);
      return;
    }

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  if (response == 1)
    {
      fail_cancelled (self);
      return;
    }
  if (response != 0)
    {
      fail_start (self, g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                                     "The screen-sharing portal could not %s (response %u)",
                                     step == STEP_CREATE_SESSION ? "create a session" :
                                     step == STEP_SELECT_SOURCES ? "offer the screens" :
                                     "start the screen cast",
                                     response));
      return;
    }

  switch (step)
    {
    case STEP_CREATE_SESSION:
      on_session_created (self, results);
      break;
    case STEP_SELECT_SOURCES:
      start_session (self);
      break;
    case STEP_START:
      on_started (self, results);
      break;
    case STEP_NONE:
    default:
      break;
    }
}

static void
on_request_called (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  const char *handle;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      fail_call (task, error, "ask for a screen");
      return;
    }

  if (self->task != task || self->request_path == NULL)
    return;

  /* Portals before 0.9 did not use the handle token: follow the path they chose. */
  g_variant_get (reply, "(&o)", &handle);
  if (!g_str_equal (handle, self->request_path))
    {
      g_debug ("The portal chose the request path %s", handle);
      unsubscribe (self, &self->response_id);
      g_free (self->request_path);
      self->request_path = g_strdup (handle);
      self->response_id = g_dbus_connection_signal_subscribe (self->bus, PORTAL_BUS_NAME, REQUEST_INTERFACE,
                                                              "Response", handle, NULL,
                                                              G_DBUS_SIGNAL_FLAGS_NONE,
                                                              on_response, self, NULL);
    }
}

/* Makes a request token, listens for its Response and returns the token. */
static char *
new_request (ConfabScreencast *self,
             Step              step)
{
  char *token = g_strdup_printf ("confab%u", g_random_int ());

  self->step = step;
  self->request_path = g_strconcat (REQUEST_PATH_PREFIX, self->sender, "/", token, NULL);
  self->response_id = g_dbus_connection_signal_subscribe (self->bus, PORTAL_BUS_NAME, REQUEST_INTERFACE,
                                                          "Response", self->request_path, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                                          on_response, self, NULL);
  return token;
}

static void
call_request (ConfabScreencast *self,
              const char       *method,
              GVariant         *parameters)
{
  g_dbus_connection_call (self->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, SCREENCAST_INTERFACE,
                          method, parameters, G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (self->task), on_request_called,
                          g_object_ref (self->task));
}

static void
create_session (ConfabScreencast *self)
{
  g_autofree char *token = new_request (self, STEP_CREATE_SESSION);
  g_autofree char *session_token = g_strdup_printf ("confab%u", g_random_int ());
  GVariantBuilder options;

  /* Where the session will be: closed if the start is cancelled before the portal
   * confirms it. */
  g_free (self->session_path);
  self->session_path = g_strconcat (SESSION_PATH_PREFIX, self->sender, "/", session_token, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "session_handle_token", g_variant_new_string (session_token));
  call_request (self, "CreateSession", g_variant_new ("(a{sv})", &options));
}

static void
select_sources (ConfabScreencast *self)
{
  g_autofree char *token = new_request (self, STEP_SELECT_SOURCES);
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "types",
                         g_variant_new_uint32 (SOURCE_TYPE_MONITOR | SOURCE_TYPE_WINDOW));
  g_variant_builder_add (&options, "{sv}", "multiple", g_variant_new_boolean (FALSE));
  if (self->version >= 2)
    g_variant_builder_add (&options, "{sv}", "cursor_mode", g_variant_new_uint32 (CURSOR_MODE_EMBEDDED));
  call_request (self, "SelectSources", g_variant_new ("(oa{sv})", self->session_path, &options));
}

static void
start_session (ConfabScreencast *self)
{
  g_autofree char *token = new_request (self, STEP_START);
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  /* No parent window: the library does not know the application's windows. */
  call_request (self, "Start", g_variant_new ("(osa{sv})", self->session_path, "", &options));
}

static void
on_pipewire_remote (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  gint32 index;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds, result, &error);
  if (reply == NULL)
    {
      fail_call (task, error, "open a PipeWire remote");
      return;
    }

  if (self->task != task)
    return;

  g_variant_get (reply, "(h)", &index);
  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds) ||
      (fd = g_unix_fd_list_get (fds, index, NULL)) < 0)
    {
      fail_broken (self, "no PipeWire remote");
      return;
    }

  self->pipewire_fd = fd;
  self->started = TRUE;
  g_clear_object (&task);
  task = end_start (self);
  g_debug ("Screen cast started: PipeWire node %u", self->node_id);
  g_task_return_boolean (task, TRUE);
}

static void
on_started (ConfabScreencast *self,
            GVariant         *results)
{
  g_autoptr(GVariant) streams = g_variant_lookup_value (results, "streams", NULL);
  GVariantBuilder options;

  if (streams == NULL)
    {
      fail_broken (self, "no stream to capture");
      return;
    }
  if (!g_variant_is_of_type (streams, G_VARIANT_TYPE ("a(ua{sv})")))
    {
      g_autofree char *what = g_strdup_printf ("streams of type %s", g_variant_get_type_string (streams));

      fail_broken (self, what);
      return;
    }
  if (g_variant_n_children (streams) == 0)
    {
      fail_broken (self, "no stream to capture");
      return;
    }

  /* The first stream: one source was asked for. */
  g_variant_get_child (streams, 0, "(u@a{sv})", &self->node_id, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_dbus_connection_call_with_unix_fd_list (self->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                            SCREENCAST_INTERFACE, "OpenPipeWireRemote",
                                            g_variant_new ("(oa{sv})", self->session_path, &options),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                            g_task_get_cancellable (self->task), on_pipewire_remote,
                                            g_object_ref (self->task));
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (self->task != task)
    return;

  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail_cancelled (self);
      else
        fail_start (self, g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                                       "The screen-sharing portal is not available (%s)", error->message));
      return;
    }

  g_variant_get (reply, "(v)", &version);
  if (!g_variant_is_of_type (version, G_VARIANT_TYPE_UINT32))
    {
      g_autofree char *what = g_strdup_printf ("a version of type %s", g_variant_get_type_string (version));

      fail_broken (self, what);
      return;
    }
  self->version = g_variant_get_uint32 (version);

  if (portal_source_override () == NULL)
    {
      g_autoptr(GstElementFactory) pipewiresrc = gst_element_factory_find ("pipewiresrc");

      if (pipewiresrc == NULL)
        {
          fail_start (self, g_error_new_literal (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                                                 "The GStreamer plugin “pipewiresrc” is missing; "
                                                 "install the package gstreamer1.0-pipewire"));
          return;
        }
    }

  create_session (self);
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;
  const char *unique_name;

  bus = g_bus_get_finish (result, &error);
  if (self->task != task)
    {
      g_clear_object (&bus);
      return;
    }

  if (bus == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail_cancelled (self);
      else
        fail_start (self, g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                                       "The screen-sharing portal is not available (%s)", error->message));
      return;
    }

  g_clear_object (&self->bus);
  self->bus = bus;
  unique_name = g_dbus_connection_get_unique_name (bus);
  if (unique_name == NULL)
    {
      fail_start (self, g_error_new_literal (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                                             "The screen-sharing portal is not available (not a message bus)"));
      return;
    }

  /* ":1.42" is "1_42" in the portal's object paths. */
  g_free (self->sender);
  self->sender = g_strdup (unique_name + (unique_name[0] == ':' ? 1 : 0));
  g_strdelimit (self->sender, ".", '_');

  /* Ask the portal for its ScreenCast version: fails fast when nothing provides it. */
  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", SCREENCAST_INTERFACE, "version"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, PROBE_TIMEOUT_MS,
                          g_task_get_cancellable (task), on_probed, g_object_ref (task));
}

/**
 * confab_screencast_start_async:
 * @self: a #ConfabScreencast
 * @cancellable: (nullable): a #GCancellable; cancelling it closes the portal's dialog
 *   and the session
 * @callback: called on the thread-default main context when the user has picked
 *   what to share, or it failed
 * @user_data: data for @callback
 *
 * Asks the portal for a screen (monitor or window, cursor embedded). Nothing blocks:
 * the main context keeps running while the portal's dialog is open.
 */
void
confab_screencast_start_async (ConfabScreencast    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_SCREENCAST (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_screencast_start_async);

  if (self->started || self->task != NULL || self->session_path != NULL)
    {
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                               "The screen cast was already started");
      return;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Screen sharing was cancelled");
      return;
    }

  self->closed = FALSE;
  self->task = g_object_ref (task);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
      g_source_attach (self->cancel_source, g_task_get_context (task));
    }

  g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus, g_steal_pointer (&task));
}

/**
 * confab_screencast_start_finish:
 * @self: a #ConfabScreencast
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE when started; %FALSE with %CONFAB_MEDIA_ERROR_NOT_SUPPORTED (no
 *   portal), %CONFAB_MEDIA_ERROR_MISSING_PLUGIN (no pipewiresrc),
 *   %G_IO_ERROR_CANCELLED (the user or @cancellable cancelled) or
 *   %CONFAB_MEDIA_ERROR_FAILED (the portal failed or gave an invalid answer)
 */
gboolean
confab_screencast_start_finish (ConfabScreencast  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (CONFAB_IS_SCREENCAST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  GAsyncResult *result;
} SyncData;

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncData *data = user_data;

  data->result = g_object_ref (result);
}

/**
 * confab_screencast_start_sync:
 * @self: a #ConfabScreencast
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * confab_screencast_start_async() on a private main context, for callers that are
 * synchronous; it blocks until the user has answered the portal's dialog.
 *
 * Returns: as confab_screencast_start_finish()
 */
gboolean
confab_screencast_start_sync (ConfabScreencast  *self,
                              GCancellable      *cancellable,
                              GError           **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncData data = { NULL };
  gboolean ok;

  g_return_val_if_fail (CONFAB_IS_SCREENCAST (self), FALSE);

  g_main_context_push_thread_default (context);
  confab_screencast_start_async (self, cancellable, on_sync_done, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);

  ok = confab_screencast_start_finish (self, data.result, error);
  g_object_unref (data.result);

  /* Let the finished task's idle callbacks and D-Bus replies drain. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  return ok;
}

/**
 * confab_screencast_create_source:
 * @self: a started #ConfabScreencast
 * @error: return location for a #GError
 *
 * Returns: (transfer floating): a `pipewiresrc` capturing the shared screen (or what
 *   `CONFAB_PORTAL_SCREENSRC` describes), or %NULL with
 *   %CONFAB_MEDIA_ERROR_WRONG_STATE or %CONFAB_MEDIA_ERROR_MISSING_PLUGIN
 */
GstElement *
confab_screencast_create_source (ConfabScreencast  *self,
                                 GError           **error)
{
  g_autofree char *path = NULL;
  const char *override;
  GstElement *source;

  g_return_val_if_fail (CONFAB_IS_SCREENCAST (self), NULL);

  if (!self->started || self->closed || self->pipewire_fd < 0)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The screen cast is not started");
      return NULL;
    }

  override = portal_source_override ();
  if (override != NULL)
    return _confab_media_make_from_description (override, "CONFAB_PORTAL_SCREENSRC", NULL, error);

  source = gst_element_factory_make ("pipewiresrc", NULL);
  if (source == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "The GStreamer plugin “pipewiresrc” is missing; "
                           "install the package gstreamer1.0-pipewire");
      return NULL;
    }

  /* pipewiresrc connects with its own copy of the fd; ours stays open until the
   * session is closed, which happens after the stream has removed its elements. */
  path = g_strdup_printf ("%u", self->node_id);
  g_object_set (source, "fd", self->pipewire_fd, "path", path, "do-timestamp", TRUE, NULL);

  return source;
}

/**
 * confab_screencast_close:
 * @self: a #ConfabScreencast
 *
 * Closes the portal session (the screen is no longer shared); a start in progress
 * fails with %G_IO_ERROR_CANCELLED. Safe to call twice.
 */
void
confab_screencast_close (ConfabScreencast *self)
{
  g_return_if_fail (CONFAB_IS_SCREENCAST (self));

  if (self->task != NULL)
    fail_cancelled (self);
  close_session (self);

  if (self->pipewire_fd >= 0)
    {
      close (self->pipewire_fd);
      self->pipewire_fd = -1;
    }
  self->started = FALSE;
}

static void
confab_screencast_dispose (GObject *object)
{
  ConfabScreencast *self = CONFAB_SCREENCAST (object);

  confab_screencast_close (self);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (confab_screencast_parent_class)->dispose (object);
}

static void
confab_screencast_finalize (GObject *object)
{
  ConfabScreencast *self = CONFAB_SCREENCAST (object);

  g_free (self->sender);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (confab_screencast_parent_class)->finalize (object);
}

static void
confab_screencast_class_init (ConfabScreencastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_screencast_dispose;
  object_class->finalize = confab_screencast_finalize;

  /*
   * ConfabScreencast::closed:
   *
   * The portal closed the started session (the user stopped sharing from the
   * shell): nothing more will be captured. Emitted on the main context the screen
   * cast was made on.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
confab_screencast_init (ConfabScreencast *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->pipewire_fd = -1;
}
