/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-call.c: one-to-one calls over loopback inside one process (two peer
 * connections relaying SDP and ICE to each other directly), measured:
 *  - accept → ICE connected and accept → first decoded frame (p50, p95) over N calls
 *  - CPU per client during a steady 640×480@30 VP8 + Opus call (both sides sending)
 *  - glass-to-glass latency: the sender's test pattern flips between black and white;
 *    the time from the flip to the receiver's first decoded frame of the new shade,
 *    as the application would get it (main-context frame signal), median.
 * Prints one machine-readable line. The dial → ringing leg belongs to the call layer
 * (signaling through the server) and is not measured here. */

#include "config.h"

#include "confab-media-engine.h"
#include "confab-peer-connection.h"
#include "confab-stream-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define WAIT_SECONDS 60

typedef struct {
  ConfabPeerConnection *pc;
  ConfabStream         *local;
  ConfabStream         *remote;
  gint64                connected_at;
  gint64                first_frame_at;
  gint64                last_frame_at;
  guint8                luma;
  guint                 frames;
} Side;

typedef struct {
  Side a;
  Side b;
} Pair;

static gboolean timed_out;
static int bench_width = 640, bench_height = 480, bench_fps = 30;

static gboolean
on_timeout (gpointer data)
{
  timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for (gboolean (*condition) (gpointer), gpointer data)
{
  guint id;

  timed_out = FALSE;
  id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, NULL);
  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  return !timed_out;
}

static void
on_frame (ConfabStream *stream,
          GBytes       *pixels,
          int           width,
          int           height,
          int           stride,
          Side         *side)
{
  const guint8 *data = g_bytes_get_data (pixels, NULL);
  const guint8 *pixel = data + (gsize) (height / 2) * stride + (gsize) (width / 2) * 4;

  side->last_frame_at = g_get_monotonic_time ();
  if (side->first_frame_at == 0)
    side->first_frame_at = side->last_frame_at;
  side->luma = (guint8) ((pixel[0] + pixel[1] + pixel[2]) / 3);
  side->frames++;
}

static void
on_remote_stream_added (ConfabPeerConnection *pc,
                        ConfabStream         *stream,
                        Side                 *side)
{
  side->remote = g_object_ref (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_frame), side);
  confab_stream_enable_video_frames (stream);
}

static void
relay_description (ConfabPeerConnection *pc,
                   const char           *type,
                   const char           *sdp,
                   Side                 *other)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_set_remote_description (other->pc, type, sdp, &error))
    g_error ("set-remote-description: %s", error->message);
}

static void
relay_candidate (ConfabPeerConnection *pc,
                 guint                 mline,
                 const char           *candidate,
                 Side                 *other)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_add_ice_candidate (other->pc, mline, candidate, &error))
    g_error ("add-ice-candidate: %s", error->message);
}

static void
on_connected (ConfabPeerConnection *pc,
              Side                 *side)
{
  if (side->connected_at == 0)
    side->connected_at = g_get_monotonic_time ();
}

static void
side_init (Side       *side,
           Side       *other,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *video = g_strdup_printf ("videotestsrc name=%s is-live=true pattern=solid-color foreground-color=0xffffffff", name);
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "width", g_variant_new_int32 (bench_width));
  g_variant_builder_add (&options, "{sv}", "height", g_variant_new_int32 (bench_height));
  g_variant_builder_add (&options, "{sv}", "framerate", g_variant_new_int32 (bench_fps));
  g_variant_builder_add (&options, "{sv}", "video-source", g_variant_new_string (video));
  g_variant_builder_add (&options, "{sv}", "audio-source",
                         g_variant_new_string ("audiotestsrc is-live=true wave=sine volume=0.3"));

  side->local = confab_stream_new_local (g_variant_builder_end (&options), &error);
  if (side->local == NULL)
    g_error ("stream: %s", error->message);
  side->pc = confab_peer_connection_new (&error);
  if (side->pc == NULL)
    g_error ("peer connection: %s", error->message);

  g_signal_connect (side->pc, "remote-stream-added", G_CALLBACK (on_remote_stream_added), side);
  g_signal_connect (side->pc, "local-description", G_CALLBACK (relay_description), other);
  g_signal_connect (side->pc, "local-ice-candidate", G_CALLBACK (relay_candidate), other);
  g_signal_connect (side->pc, "connected", G_CALLBACK (on_connected), side);

  if (!confab_peer_connection_add_stream (side->pc, side->local, &error))
    g_error ("add-stream: %s", error->message);
}

static void
side_clear (Side *side)
{
  if (side->remote != NULL)
    g_signal_handlers_disconnect_by_data (side->remote, side);
  confab_peer_connection_close (side->pc);
  g_clear_object (&side->pc);
  g_clear_object (&side->remote);
  confab_stream_release (side->local);
  g_clear_object (&side->local);
}

static gboolean
both_have_frames (gpointer data)
{
  Pair *pair = data;

  return pair->a.first_frame_at != 0 && pair->b.first_frame_at != 0 &&
         pair->a.connected_at != 0 && pair->b.connected_at != 0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  if (values->len == 0)
    return -1;

  g_array_sort (values, compare_doubles);
  index = (guint) MIN ((double) values->len - 1, p / 100.0 * values->len);
  return g_array_index (values, double, index);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

typedef struct {
  Side   *side;
  gint64  until;
  gboolean white;
} ShadeWait;

static gboolean
sees_shade (gpointer data)
{
  ShadeWait *wait = data;

  return wait->side->last_frame_at > wait->until &&
         (wait->white ? wait->side->luma > 160 : wait->side->luma < 90);
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) connect_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) g2g_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint calls = 20;
  double cpu_percent = -1;
  const char *env_calls = g_getenv ("CONFAB_BENCH_CALLS");

  if (env_calls != NULL && atoi (env_calls) > 0)
    calls = (guint) atoi (env_calls);
  if (g_getenv ("CONFAB_BENCH_FORMAT") != NULL &&
      sscanf (g_getenv ("CONFAB_BENCH_FORMAT"), "%dx%d@%d", &bench_width, &bench_height, &bench_fps) != 3)
    g_error ("CONFAB_BENCH_FORMAT is WIDTHxHEIGHT@FPS");

  if (!confab_media_init (&error))
    {
      g_printerr ("bench-call: %s\n", error->message);
      return 1;
    }
  confab_media_warm_up ();

  for (guint i = 0; i < calls; i++)
    {
      Pair pair;
      gint64 accepted;
      g_autofree char *name_a = g_strdup_printf ("bench-a-%u", i);
      g_autofree char *name_b = g_strdup_printf ("bench-b-%u", i);

      memset (&pair, 0, sizeof pair);
      side_init (&pair.a, &pair.b, name_a);
      side_init (&pair.b, &pair.a, name_b);

      /* "Accept": media set up on both sides, the caller offers. */
      accepted = g_get_monotonic_time ();
      if (!confab_peer_connection_create_offer (pair.a.pc, FALSE, &error))
        g_error ("offer: %s", error->message);
      if (!wait_for (both_have_frames, &pair))
        {
          guint64 fa = 0, fb = 0;
          int w, h;

          if (pair.a.remote) _confab_stream_get_video_counters (pair.a.remote, &fa, &w, &h);
          if (pair.b.remote) _confab_stream_get_video_counters (pair.b.remote, &fb, &w, &h);
          g_printerr ("decoded: a %" G_GUINT64_FORMAT " b %" G_GUINT64_FORMAT "\n", fa, fb);
        }
      if (timed_out)
        g_error ("call %u did not come up (connected %d %d, frames %u %u, remote video %d %d)", i,
                 pair.a.connected_at != 0, pair.b.connected_at != 0, pair.a.frames, pair.b.frames,
                 pair.a.remote ? confab_stream_get_has_video (pair.a.remote) : -1,
                 pair.b.remote ? confab_stream_get_has_video (pair.b.remote) : -1);

      {
        double connected = (MAX (pair.a.connected_at, pair.b.connected_at) - accepted) / 1000.0;

        g_array_append_val (connect_ms, connected);
      }
      {
        double a = (pair.a.first_frame_at - accepted) / 1000.0;
        double b = (pair.b.first_frame_at - accepted) / 1000.0;

        g_array_append_val (frame_ms, a);
        g_array_append_val (frame_ms, b);
      }

      if (i == 0)
        {
          g_autoptr(ConfabMediaEngine) engine = _confab_media_engine_get_default (NULL);
          g_autoptr(GstElement) source = gst_bin_get_by_name (_confab_media_engine_get_bin (engine), name_a);
          gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
          double cpu_start, wall_start;

          /* Let the call settle, then measure both clients for five seconds. */
          wait_for (time_passed, &until);
          cpu_start = cpu_seconds ();
          wall_start = g_get_monotonic_time () / 1e6;
          until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
          wait_for (time_passed, &until);
          cpu_percent = (cpu_seconds () - cpu_start) / (g_get_monotonic_time () / 1e6 - wall_start) * 100.0 / 2.0;

          /* Glass to glass: flip the caller's picture, time the callee's first frame of it. */
          for (guint flip = 0; source != NULL && flip < 20; flip++)
            {
              gboolean white = flip % 2 == 1;
              ShadeWait wait = { &pair.b, 0, white };
              gint64 settle = g_get_monotonic_time () + 200 * 1000;

              wait_for (time_passed, &settle);
              wait.until = g_get_monotonic_time ();
              g_object_set (source, "foreground-color", white ? 0xffffffffu : 0xff000000u, NULL);
              if (wait_for (sees_shade, &wait))
                {
                  double ms = (pair.b.last_frame_at - wait.until) / 1000.0;

                  g_array_append_val (g2g_ms, ms);
                }
            }
        }

      side_clear (&pair.a);
      side_clear (&pair.b);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  g_print ("bench-call calls=%u accept_to_connected_p50_ms=%.0f accept_to_connected_p95_ms=%.0f "
           "accept_to_first_frame_p50_ms=%.0f accept_to_first_frame_p95_ms=%.0f "
           "cpu_per_client_percent=%.1f glass_to_glass_median_ms=%.0f "
           "format=%dx%d@%d codecs=VP8+Opus transport=loopback-in-process\n",
           calls,
           percentile (connect_ms, 50), percentile (connect_ms, 95),
           percentile (frame_ms, 50), percentile (frame_ms, 95),
           cpu_percent, percentile (g2g_ms, 50), bench_width, bench_height, bench_fps);

  gst_deinit ();
  return 0;
}
