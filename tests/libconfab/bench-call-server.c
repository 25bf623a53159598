/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-call-server.c: one-to-one calls between two ConfabSessions through the real
 * confab-server over loopback, the whole call layer included (signaling relayed by the
 * server, webrtcbin media), measured over N calls:
 *  - dial → ringing: confab_contact_call() until the caller's call says it rings
 *  - accept → ICE connected: accept_async() until the callee's call is media-connected
 *  - accept → first decoded frame: until the callee's appsink gets the caller's video
 * then, on one steady 640×480@30 VP8 + Opus call (both sides sending):
 *  - CPU per client (the process's CPU time over wall time, halved: two clients)
 *  - glass to glass: the caller's test pattern flips between black and white; the time
 *    from the flip to the callee's appsink receiving the new shade, median.
 * tests/media/bench-call measures the media engine alone, in process, without signaling.
 * Prints one machine-readable line. */

#define G_LOG_DOMAIN "bench-call-server"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define WAIT_SECONDS 20

typedef struct
{
  GMutex      lock;
  gint64      first_frame_at;
  gint64      last_frame_at;
  guint       luma;
  GstElement *sink;
} Watch;

static gboolean timed_out;

static gboolean
on_timeout (gpointer data)
{
  timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL(condition) \
  G_STMT_START { \
    guint id_; \
    timed_out = FALSE; \
    id_ = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, NULL); \
    while (!(condition) && !timed_out) \
      g_main_context_iteration (NULL, TRUE); \
    if (!timed_out) \
      g_source_remove (id_); \
    else \
      g_printerr ("bench-call-server: timed out waiting for %s\n", #condition); \
  } G_STMT_END

static GstFlowReturn
on_new_sample (GstAppSink *appsink,
               gpointer    user_data)
{
  Watch *watch = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (appsink);
  gint64 now = g_get_monotonic_time ();
  GstVideoInfo info;
  GstMapInfo map;

  if (sample == NULL || !gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ))
    return GST_FLOW_OK;

  g_mutex_lock (&watch->lock);
  {
    gsize offset = (gsize) (GST_VIDEO_INFO_HEIGHT (&info) / 2) * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) +
                   (gsize) (GST_VIDEO_INFO_WIDTH (&info) / 2) * 4;

    if (offset + 3 <= map.size)
      watch->luma = (map.data[offset] + map.data[offset + 1] + map.data[offset + 2]) / 3;
    if (watch->first_frame_at == 0)
      watch->first_frame_at = now;
    watch->last_frame_at = now;
  }
  g_mutex_unlock (&watch->lock);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);

  return GST_FLOW_OK;
}

static gint64
watch_first (Watch *watch)
{
  gint64 value;

  g_mutex_lock (&watch->lock);
  value = watch->first_frame_at;
  g_mutex_unlock (&watch->lock);
  return value;
}

/* the time of the last frame if it shows the shade asked for, else 0 */
static gint64
watch_shade_since (Watch    *watch,
                   gint64    since,
                   gboolean  white)
{
  gint64 value = 0;

  g_mutex_lock (&watch->lock);
  if (watch->last_frame_at > since && (white ? watch->luma > 160 : watch->luma < 90))
    value = watch->last_frame_at;
  g_mutex_unlock (&watch->lock);
  return value;
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
on_incoming (ConfabSession                 *session,
             ConfabReceivedCallInvitation  *invitation,
             ConfabReceivedCallInvitation **out)
{
  g_set_object (out, invitation);
}

static void
on_stream_added (ConfabCall    *call,
                 ConfabStream  *stream,
                 ConfabStream **out)
{
  g_set_object (out, stream);
}

static ConfabStream *
make_stream (ConfabSession *session,
             const char    *source_name,
             int            width,
             int            height,
             int            fps)
{
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_strdup_printf ("videotestsrc name=%s is-live=true pattern=solid-color "
                                             "foreground-color=0xff000000", source_name);
  ConfabStream *stream;

  confab_stream_options_set_video_source (options, source);
  confab_stream_options_set_video_format (options, width, height, fps);
  confab_stream_create_async (session, options, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  stream = confab_stream_create_finish (session, result, &error);
  if (stream == NULL)
    g_error ("bench-call-server: no stream: %s", error->message);
  return stream;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return -1;

  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, (guint) MIN ((double) values->len - 1, p / 100.0 * values->len));
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* The media engine runs one pipeline per main context: the caller's source is in the
 * same one as the callee's appsink. */
static GstElement *
find_in_pipeline (GstElement *inside,
                  const char *name)
{
  GstObject *top = GST_OBJECT (inside);

  while (GST_OBJECT_PARENT (top) != NULL)
    top = GST_OBJECT_PARENT (top);

  return GST_IS_BIN (top) ? gst_bin_get_by_name (GST_BIN (top), name) : NULL;
}

static void
spin_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ConfabTestServer) server = NULL;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabSession) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ringing_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ice_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) g2g_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *uri = NULL;
  ConfabReceivedCallInvitation *invitation = NULL;
  int calls = 20, steady_seconds = 5, width = 640, height = 480, fps = 30;
  double cpu_percent = -1;
  int status;
  const GOptionEntry entries[] = {
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "Calls to measure (20)", "N" },
    { "steady-seconds", 0, 0, G_OPTION_ARG_INT, &steady_seconds, "Length of the CPU measurement (5)", "S" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Video width (640)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Video height (480)", "PX" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate (30)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— calls through confab-server, measured");

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || calls < 1 || steady_seconds < 1)
    {
      g_printerr ("bench-call-server: %s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }

  server = confab_test_server_new (NULL);
  uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  alice = test_register (confab_test_server_get_url (server), uri, NULL, "bench-alice", NULL, &error);
  g_assert_no_error (error);
  bob = test_register (confab_test_server_get_url (server), uri, NULL, "bench-bob", NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (bob, "incoming-call", G_CALLBACK (on_incoming), &invitation);

  /* the first webrtcbin of a process makes its DTLS certificate: not part of a call */
  confab_media_warm_up ();

  for (int i = 0; i <= calls; i++)
    {
      gboolean steady = i == calls;
      g_autofree char *name_a = g_strdup_printf ("bench-a-%d", i);
      g_autofree char *name_b = g_strdup_printf ("bench-b-%d", i);
      g_autoptr(ConfabStream) stream_a = make_stream (alice, name_a, width, height, fps);
      g_autoptr(ConfabStream) stream_b = make_stream (bob, name_b, width, height, fps);
      g_autoptr(ConfabStream) received = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      Watch watch = { 0 };
      GstAppSinkCallbacks callbacks;
      ConfabCall *call, *answered;
      gint64 dial, accept;

      g_mutex_init (&watch.lock);
      g_clear_object (&invitation);

      dial = g_get_monotonic_time ();
      call = confab_contact_call (confab_session_get_or_create_contact (alice, "bench-bob"), stream_a,
                                  CONFAB_CALL_MEDIA_VIDEO, &error);
      g_assert_no_error (error);
      WAIT_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_RINGING);
      if (!steady)
        {
          double ms = (g_get_monotonic_time () - dial) / 1000.0;

          g_array_append_val (ringing_ms, ms);
        }
      WAIT_UNTIL (invitation != NULL);

      accept = g_get_monotonic_time ();
      confab_received_call_invitation_accept_async (invitation, stream_b, NULL, on_done, &result);
      WAIT_UNTIL (result != NULL);
      answered = confab_received_call_invitation_accept_finish (invitation, result, &error);
      g_assert_no_error (error);
      g_signal_connect (answered, "stream-added", G_CALLBACK (on_stream_added), &received);

      WAIT_UNTIL (confab_call_get_media_connected (answered));
      if (!steady && !timed_out)
        {
          double ms = (g_get_monotonic_time () - accept) / 1000.0;

          g_array_append_val (ice_ms, ms);
        }

      WAIT_UNTIL (received != NULL);
      watch.sink = gst_object_ref_sink (gst_element_factory_make ("appsink", NULL));
      g_object_set (watch.sink, "sync", FALSE, "max-buffers", 1, "drop", TRUE, NULL);
      memset (&callbacks, 0, sizeof callbacks);
      callbacks.new_sample = on_new_sample;
      gst_app_sink_set_callbacks (GST_APP_SINK (watch.sink), &callbacks, &watch, NULL);
      if (received != NULL)
        confab_stream_attach_video_sink (received, watch.sink);
      WAIT_UNTIL (watch_first (&watch) != 0);
      if (!steady && !timed_out)
        {
          double ms = (watch_first (&watch) - accept) / 1000.0;

          g_array_append_val (frame_ms, ms);
        }

      if (steady)
        {
          g_autoptr(GstElement) source = find_in_pipeline (watch.sink, name_a);
          double cpu_start = cpu_seconds ();
          gint64 wall_start = g_get_monotonic_time ();

          spin_ms (steady_seconds * 1000);
          cpu_percent = (cpu_seconds () - cpu_start) / ((g_get_monotonic_time () - wall_start) / 1e6) * 100.0 / 2.0;

          for (guint flip = 0; source != NULL && flip < 20; flip++)
            {
              gboolean white = flip % 2 == 0;
              gint64 flipped, seen = 0;

              spin_ms (200);
              flipped = g_get_monotonic_time ();
              g_object_set (source, "foreground-color", white ? 0xffffffffu : 0xff000000u, NULL);
              WAIT_UNTIL ((seen = watch_shade_since (&watch, flipped, white)) != 0);
              if (seen != 0)
                {
                  double ms = (seen - flipped) / 1000.0;

                  g_array_append_val (g2g_ms, ms);
                }
            }
        }

      if (received != NULL)
        confab_stream_detach_video_sink (received, watch.sink);
      g_signal_handlers_disconnect_by_data (answered, &received);
      confab_call_hang_up (call);
      WAIT_UNTIL (confab_call_get_status (answered) == CONFAB_CALL_STATUS_ENDED);
      confab_stream_release (stream_a);
      confab_stream_release (stream_b);
      gst_object_unref (watch.sink);
      g_mutex_clear (&watch.lock);
    }

  g_print ("bench-call-server calls=%d dial_to_ringing_p50_ms=%.1f dial_to_ringing_p95_ms=%.1f "
           "accept_to_ice_connected_p50_ms=%.0f accept_to_ice_connected_p95_ms=%.0f "
           "accept_to_first_frame_p50_ms=%.0f accept_to_first_frame_p95_ms=%.0f "
           "cpu_per_client_percent=%.1f glass_to_glass_median_ms=%.0f width=%d height=%d fps=%d\n",
           calls, percentile (ringing_ms, 50), percentile (ringing_ms, 95),
           percentile (ice_ms, 50), percentile (ice_ms, 95),
           percentile (frame_ms, 50), percentile (frame_ms, 95),
           cpu_percent, percentile (g2g_ms, 50), width, height, fps);

  g_signal_handlers_disconnect_by_data (bob, &invitation);
  g_clear_object (&invitation);
  test_disconnect (alice);
  test_disconnect (bob);
  status = ringing_ms->len == (guint) calls && frame_ms->len == (guint) calls ? 0 : 1;
  g_clear_object (&alice);
  g_clear_object (&bob);

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
