/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-screencast.c: a screen shared through the xdg-desktop-portal ScreenCast
 * interface (Wayland), captured with pipewiresrc (internal) */

#define G_LOG_DOMAIN "confab-screencast"

#include "config.h"

#include "confab-media.h"
#include "confab-screencast.h"

#include <libportal/portal.h>
#include <unistd.h>

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define SCREENCAST_INTERFACE "org.freedesktop.portal.ScreenCast"
/* How long the probe for the portal may wait for an answer on the bus. */
#define PROBE_TIMEOUT_MS 10000

/*
 * ConfabScreencast:
 *
 * One ScreenCast portal session: the user picks a monitor or a window (cursor
 * embedded), and the PipeWire remote and node the portal hands back become a
 * `pipewiresrc`. Closing it (or dropping the last reference) closes the session.
 */
struct _ConfabScreencast
{
  GObject          parent_instance;

  XdpPortal       *portal;
  XdpSession      *session;
  int              pipewire_fd;
  guint32          node_id;
  guint            started : 1;
  guint            starting : 1;
};

G_DEFINE_FINAL_TYPE (ConfabScreencast, confab_screencast, G_TYPE_OBJECT)

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

static void
set_portal_unavailable (GTask        *task,
                        const GError *cause)
{
  g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                           "The screen-sharing portal is not available (%s)",
                           cause != NULL ? cause->message : "no session bus");
}

static void
return_portal_error (GTask      *task,
                     GError     *error,
                     const char *step)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Screen sharing was cancelled");
  else
    g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                             "The screen-sharing portal could not %s: %s", step, error->message);
  g_error_free (error);
}

static void
on_session_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GVariant) streams = NULL;
  GError *error = NULL;
  GVariantIter iter;
  guint32 node_id;
  int fd;

  if (!xdp_session_start_finish (XDP_SESSION (source), result, &error))
    {
      self->starting = FALSE;
      return_portal_error (task, error, "start the screen cast");
      return;
    }

  streams = xdp_session_get_streams (self->session);
  if (streams == NULL || !g_variant_is_of_type (streams, G_VARIANT_TYPE ("a(ua{sv})")) ||
      g_variant_n_children (streams) == 0)
    {
      self->starting = FALSE;
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                               "The screen-sharing portal gave no stream to capture");
      return;
    }

  g_variant_iter_init (&iter, streams);
  g_variant_iter_next (&iter, "(u@a{sv})", &node_id, NULL);

  fd = xdp_session_open_pipewire_remote (self->session);
  if (fd < 0)
    {
      self->starting = FALSE;
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                               "The screen-sharing portal did not open a PipeWire remote");
      return;
    }

  self->pipewire_fd = fd;
  self->node_id = node_id;
  self->starting = FALSE;
  self->started = TRUE;
  g_debug ("Screen cast started: PipeWire node %u", node_id);
  g_task_return_boolean (task, TRUE);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->session = xdp_portal_create_screencast_session_finish (XDP_PORTAL (source), result, &error);
  if (self->session == NULL)
    {
      self->starting = FALSE;
      return_portal_error (task, error, "create a session");
      return;
    }

  xdp_session_start (self->session, NULL, g_task_get_cancellable (task),
                     on_session_started, g_object_ref (task));
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GstElementFactory) pipewiresrc = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      self->starting = FALSE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "Screen sharing was cancelled");
      else
        set_portal_unavailable (task, error);
      return;
    }

  pipewiresrc = gst_element_factory_find ("pipewiresrc");
  if (pipewiresrc == NULL)
    {
      self->starting = FALSE;
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                               "The GStreamer plugin “pipewiresrc” is missing; "
                               "install the package gstreamer1.0-pipewire");
      return;
    }

  /* The bus is known to work here: xdp_portal_new() aborts without one. */
  self->portal = xdp_portal_new ();
  xdp_portal_create_screencast_session (self->portal,
                                        XDP_OUTPUT_MONITOR | XDP_OUTPUT_WINDOW,
                                        XDP_SCREENCAST_FLAG_NONE,
                                        XDP_CURSOR_MODE_EMBEDDED,
                                        XDP_PERSIST_MODE_NONE,
                                        NULL,
                                        g_task_get_cancellable (task),
                                        on_session_created,
                                        g_object_ref (task));
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabScreencast *self = g_task_get_source_object (task);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      self->starting = FALSE;
      set_portal_unavailable (task, error);
      return;
    }

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
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when the user has picked
 *   what to share, or it failed
 * @user_data: data for @callback
 *
 * Asks the portal for a screen (monitor or window, cursor embedded).
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

  if (self->started || self->starting || self->session != NULL)
    {
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                               "The screen cast was already started");
      return;
    }

  self->starting = TRUE;
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
 *   %CONFAB_MEDIA_ERROR_FAILED
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
  g_main_context_pop_thread_default (context);

  ok = confab_screencast_start_finish (self, data.result, error);
  g_object_unref (data.result);

  /* Let the finished task's idle callbacks and D-Bus replies drain. */
  while (g_main_context_iteration (context, FALSE))
    ;

  return ok;
}

/**
 * confab_screencast_create_source:
 * @self: a started #ConfabScreencast
 * @error: return location for a #GError
 *
 * Returns: (transfer floating): a `pipewiresrc` capturing the shared screen, or
 *   %NULL with %CONFAB_MEDIA_ERROR_WRONG_STATE or %CONFAB_MEDIA_ERROR_MISSING_PLUGIN
 */
GstElement *
confab_screencast_create_source (ConfabScreencast  *self,
                                 GError           **error)
{
  g_autofree char *path = NULL;
  GstElement *source;

  g_return_val_if_fail (CONFAB_IS_SCREENCAST (self), NULL);

  if (!self->started || self->pipewire_fd < 0)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The screen cast is not started");
      return NULL;
    }

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
 * Closes the portal session (the screen is no longer shared). Safe to call twice.
 */
void
confab_screencast_close (ConfabScreencast *self)
{
  g_return_if_fail (CONFAB_IS_SCREENCAST (self));

  if (self->session != NULL)
    {
      if (xdp_session_get_session_state (self->session) != XDP_SESSION_CLOSED)
        xdp_session_close (self->session);
      g_clear_object (&self->session);
    }
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
  g_clear_object (&self->portal);

  G_OBJECT_CLASS (confab_screencast_parent_class)->dispose (object);
}

static void
confab_screencast_class_init (ConfabScreencastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_screencast_dispose;
}

static void
confab_screencast_init (ConfabScreencast *self)
{
  self->pipewire_fd = -1;
}
