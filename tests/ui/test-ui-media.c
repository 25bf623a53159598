/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-media.c: the app's own media pieces, without a server
 *
 * ConfabVideoPaintable: frames pushed on a streaming thread reach the main thread as
 * textures of the right colour and size, only the newest of a burst is kept. The
 * preferences window: live camera preview, microphone meter, echo-cancellation key.
 * The ring tone starts and stops.
 */

#define G_LOG_DOMAIN "test-ui-media"

#include "config.h"

#include <adwaita.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "confab-preferences-window.h"
#include "confab-resources.h"
#include "confab-ringer.h"
#include "confab-test-server.h"
#include "confab-video-paintable.h"

#define WAIT_MS 20000

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GstBuffer *
solid_frame (guint8 r,
             guint8 g,
             guint8 b,
             int    width,
             int    height)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, (gsize) width * height * 4, NULL);
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_WRITE));
  for (gsize i = 0; i < map.size; i += 4)
    {
      map.data[i] = r;
      map.data[i + 1] = g;
      map.data[i + 2] = b;
      map.data[i + 3] = 0xff;
    }
  gst_buffer_unmap (buffer, &map);

  return buffer;
}

/* Runs "appsrc ! paintable's appsink" and pushes @n frames, @colors[i] each, without
 * letting the main context run; returns once the sink has taken them all. */
static void
push_frames (ConfabVideoPaintable *paintable,
             const guint8        (*colors)[3],
             guint                 n,
             int                   width,
             int                   height)
{
  g_autoptr(GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *src = gst_element_factory_make ("appsrc", NULL);
  GstElement *sink = confab_video_paintable_get_sink (paintable);

  caps = gst_caps_new_simple ("video/x-raw",
                              "format", G_TYPE_STRING, "RGBA",
                              "width", G_TYPE_INT, width,
                              "height", G_TYPE_INT, height,
                              "framerate", GST_TYPE_FRACTION, 30, 1,
                              NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  /* the sink's own pacing would drop frames of a burst; this test wants them all in */
  g_object_set (sink, "max-buffers", 0, "drop", FALSE, NULL);

  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  g_assert_true (gst_element_link (src, sink));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  for (guint i = 0; i < n; i++)
    {
      GstBuffer *buffer = solid_frame (colors[i][0], colors[i][1], colors[i][2], width, height);

      GST_BUFFER_PTS (buffer) = i * GST_SECOND / 30;
      GST_BUFFER_DURATION (buffer) = GST_SECOND / 30;
      g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src), buffer), ==, GST_FLOW_OK);
    }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipeline), sink);
  g_object_set (sink, "max-buffers", 1, "drop", TRUE, NULL);
}

static void
on_invalidate (gpointer  paintable,
               guint    *count)
{
  (*count)++;
}

static void
test_paintable_newest_frame (void)
{
  g_autoptr(ConfabVideoPaintable) paintable = confab_video_paintable_new ();
  static const guint8 burst[][3] = {
    { 0xff, 0, 0 }, { 0, 0xff, 0 }, { 0xff, 0xff, 0 }, { 0, 0, 0xff },
  };
  static const guint8 one[][3] = { { 0xff, 0, 0 } };
  guint contents_changes = 0;
  guint size_changes = 0;
  GdkRGBA color;

  g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (on_invalidate), &contents_changes);
  g_signal_connect (paintable, "invalidate-size", G_CALLBACK (on_invalidate), &size_changes);

  g_assert_null (confab_video_paintable_get_texture (paintable));
  g_assert_false (confab_video_paintable_get_center_color (paintable, &color));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);

  /* a burst while the main thread is busy: only the newest (blue) is shown */
  push_frames (paintable, burst, G_N_ELEMENTS (burst), 64, 48);
  g_assert_cmpuint (confab_video_paintable_get_n_frames (paintable), ==, 0);
  g_assert_cmpuint (contents_changes, ==, 0);
  drain_main_context ();
  g_assert_cmpuint (confab_video_paintable_get_n_frames (paintable), ==, 1);
  g_assert_cmpuint (contents_changes, ==, 1);
  g_assert_cmpuint (size_changes, ==, 1);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 64);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 48);
  g_assert_true (confab_video_paintable_get_center_color (paintable, &color));
  g_assert_cmpfloat (color.red, <, 0.1);
  g_assert_cmpfloat (color.green, <, 0.1);
  g_assert_cmpfloat (color.blue, >, 0.9);

  /* a new size says so; the same size would not */
  push_frames (paintable, one, 1, 32, 24);
  drain_main_context ();
  g_assert_cmpuint (confab_video_paintable_get_n_frames (paintable), ==, 2);
  g_assert_cmpuint (size_changes, ==, 2);
  push_frames (paintable, one, 1, 32, 24);
  drain_main_context ();
  g_assert_cmpuint (size_changes, ==, 2);
  g_assert_cmpuint (contents_changes, ==, 3);
  g_assert_true (confab_video_paintable_get_center_color (paintable, &color));
  g_assert_cmpfloat (color.red, >, 0.9);

  /* clearing forgets the frame */
  confab_video_paintable_clear (paintable);
  g_assert_null (confab_video_paintable_get_texture (paintable));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);
}

static void
test_paintable_outlives_nothing (void)
{
  ConfabVideoPaintable *paintable = confab_video_paintable_new ();
  static const guint8 one[][3] = { { 0, 0xff, 0 } };
  g_autoptr(GstElement) sink G_GNUC_UNUSED = gst_object_ref (confab_video_paintable_get_sink (paintable));

  /* a frame is still on its way to the main thread when the paintable goes: it is
   * dropped without harm */
  push_frames (paintable, one, 1, 16, 16);
  g_object_unref (paintable);
  drain_main_context ();
}

static gboolean
preview_has_frames (gpointer data)
{
  return confab_video_paintable_get_n_frames (confab_preferences_window_get_preview (data)) >= 3;
}

static gboolean
meter_moves (gpointer data)
{
  return confab_preferences_window_get_microphone_level (data) > 0.5;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
widget_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

typedef struct {
  GtkWidget  *window;
  char       *path;
  gboolean    done;
} Shot;

/* After a paint, everything is allocated: render the window into a PNG. */
static void
on_after_paint (GdkFrameClock *clock,
                Shot          *shot)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (shot->window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (shot->window);
  int height = gtk_widget_get_height (shot->window);
  GdkRGBA background;

  g_signal_handlers_disconnect_by_func (clock, on_after_paint, shot);
  gdk_rgba_parse (&background, "#fafafa");
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (shot->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, shot->path));
  shot->done = TRUE;
}

static void
save_window_png (GtkWidget  *window,
                 const char *name)
{
  const char *dir = g_getenv ("CONFAB_UI_OUTDIR");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : ".", name, NULL);
  Shot shot = { window, path, FALSE };

  confab_test_wait_until (widget_drawn, window, WAIT_MS, "the window to be shown");
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (on_after_paint), &shot);
  gtk_widget_queue_draw (window);
  confab_test_wait_until (flag_set, &shot.done, WAIT_MS, "a paint");
  g_test_message ("saved %s", path);
}

static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.confab.Confab");
  GtkWidget *window = confab_preferences_window_new (NULL, NULL);
  GtkWidget *weak = window;
  GtkSwitch *echo;
  AdwComboRow *camera_row;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &weak);

  gtk_window_present (GTK_WINDOW (window));

  /* the test sources of the environment: a test pattern and a sine */
  confab_test_wait_until (preview_has_frames, window, WAIT_MS, "the camera preview");
  confab_test_wait_until (meter_moves, window, WAIT_MS, "the microphone meter");

  /* the pickers start at the default device */
  camera_row = ADW_COMBO_ROW (gtk_widget_get_template_child (window, CONFAB_TYPE_PREFERENCES_WINDOW, "camera_row"));
  g_assert_cmpuint (adw_combo_row_get_selected (camera_row), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (camera_row)), >=, 1);

  /* echo cancellation is a setting */
  echo = GTK_SWITCH (gtk_widget_get_template_child (window, CONFAB_TYPE_PREFERENCES_WINDOW, "echo_switch"));
  g_assert_true (g_settings_get_boolean (settings, "echo-cancellation"));
  if (gtk_widget_get_sensitive (GTK_WIDGET (echo)))
    {
      gtk_switch_set_active (echo, FALSE);
      g_assert_false (g_settings_get_boolean (settings, "echo-cancellation"));
      gtk_switch_set_active (echo, TRUE);
    }
  g_assert_true (g_settings_get_boolean (settings, "echo-cancellation"));

  save_window_png (window, "confab-preferences.png");

  /* closing stops the pipelines */
  gtk_window_close (GTK_WINDOW (window));
  confab_test_wait_until (pointer_cleared, &weak, WAIT_MS, "the preferences to go");
}

static void
test_ringer (void)
{
  g_autoptr(ConfabRinger) ringer = confab_ringer_new ();

  g_assert_false (confab_ringer_get_ringing (ringer));
  confab_ringer_start (ringer);
  g_assert_true (confab_ringer_get_ringing (ringer));
  /* starting twice is one ring */
  confab_ringer_start (ringer);
  g_assert_true (confab_ringer_get_ringing (ringer));
  drain_main_context ();
  confab_ringer_stop (ringer);
  g_assert_false (confab_ringer_get_ringing (ringer));
  confab_ringer_stop (ringer);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  adw_init ();
  /* screenshots show the end of transitions */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  (void) confab_get_resource ();

  g_test_add_func ("/ui/media/paintable-newest-frame", test_paintable_newest_frame);
  g_test_add_func ("/ui/media/paintable-gone", test_paintable_outlives_nothing);
  g_test_add_func ("/ui/media/preferences", test_preferences);
  g_test_add_func ("/ui/media/ringer", test_ringer);

  status = g_test_run ();

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
