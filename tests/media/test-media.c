/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-media.c: two peer connections in one process, relaying their SDP and ICE to each
 * other directly, with solid-colour test sources */

#include "config.h"

#include "confab-device-list.h"
#include "confab-device-list-private.h"
#include "confab-peer-connection.h"
#include "confab-stream.h"
#include "confab-test-speaker.h"

#include <glib/gstdio.h>
#include <string.h>

/* A safety net against hangs, not a measurement: conditions normally hold within a
 * few seconds. */
#define WAIT_SECONDS 60

#define RED   "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff0000"
#define BLUE  "videotestsrc is-live=true pattern=solid-color foreground-color=0xff0000ff"
#define GREEN "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00ff00"
#define TONE  "audiotestsrc is-live=true wave=sine volume=0.5"

typedef struct {
  ConfabPeerConnection *pc;
  ConfabStream         *local;
  ConfabStream         *extra;
  ConfabStream         *remote;         /* the first stream received */
  GPtrArray            *later;          /* streams received after it */
  guint                 removed;        /* remote-stream-removed */
  guint                 frames;
  guint8                pixel[4];
  guint                 descriptions;
  guint                 connected;
  char                 *remote_ufrag;   /* of the last description received */
  GError               *error;
} Side;

typedef struct {
  Side a;
  Side b;
} Pair;

typedef gboolean (*Condition) (gpointer data);

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for (Condition condition,
          gpointer  data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return !timed_out;
}

static ConfabStream *
make_stream (const char *video,
             const char *audio)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder options;
  ConfabStream *stream;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "width", g_variant_new_int32 (320));
  g_variant_builder_add (&options, "{sv}", "height", g_variant_new_int32 (240));
  g_variant_builder_add (&options, "{sv}", "framerate", g_variant_new_int32 (15));
  g_variant_builder_add (&options, "{sv}", "video", g_variant_new_boolean (video != NULL));
  g_variant_builder_add (&options, "{sv}", "audio", g_variant_new_boolean (audio != NULL));
  if (video != NULL)
    g_variant_builder_add (&options, "{sv}", "video-source", g_variant_new_string (video));
  if (audio != NULL)
    g_variant_builder_add (&options, "{sv}", "audio-source", g_variant_new_string (audio));

  stream = confab_stream_new_local (g_variant_builder_end (&options), &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);

  return stream;
}

static void
on_video_frame (ConfabStream *stream,
                GBytes       *pixels,
                int           width,
                int           height,
                int           stride,
                Side         *side)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pixels, &size);
  gsize offset = (gsize) (height / 2) * stride + (gsize) (width / 2) * 4;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpint (stride, >=, width * 4);
  g_assert_cmpuint (size, >=, (gsize) stride * height);

  memcpy (side->pixel, data + offset, 4);
  side->frames++;
}

static void
on_remote_stream_added (ConfabPeerConnection *pc,
                        ConfabStream         *stream,
                        Side                 *side)
{
  g_assert_true (confab_stream_get_is_remote (stream));
  if (side->remote == NULL)
    side->remote = g_object_ref (stream);
  else
    g_ptr_array_add (side->later, g_object_ref (stream));

  /* Asked for at once, even if the video comes later (an audio call gaining video). */
  confab_stream_enable_video_frames (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_video_frame), side);
}

static void
on_remote_stream_removed (ConfabPeerConnection *pc,
                          ConfabStream         *stream,
                          Side                 *side)
{
  g_autoptr(ConfabStream) item = NULL;
  guint n = g_list_model_get_n_items (confab_peer_connection_get_remote_streams (pc));

  g_assert_true (confab_stream_get_is_remote (stream));
  /* out of the list already, released right after */
  for (guint i = 0; i < n; i++)
    {
      g_clear_object (&item);
      item = g_list_model_get_item (confab_peer_connection_get_remote_streams (pc), i);
      g_assert_true (item != stream);
    }
  g_assert_false (confab_stream_get_released (stream));
  side->removed++;
}

static void
relay_description (ConfabPeerConnection *pc,
                   const char           *type,
                   const char           *sdp,
                   Side                 *other)
{
  g_autoptr(GError) error = NULL;

  gboolean ok = confab_peer_connection_set_remote_description (other->pc, type, sdp, &error);
  const char *ufrag = strstr (sdp, "a=ice-ufrag:");

  g_assert_nonnull (ufrag);
  ufrag += strlen ("a=ice-ufrag:");
  g_free (other->remote_ufrag);
  other->remote_ufrag = g_strndup (ufrag, strcspn (ufrag, "\r\n"));

  g_assert_no_error (error);
  g_assert_true (ok);
  other->descriptions++;
}

static void
relay_candidate (ConfabPeerConnection *pc,
                 guint                 mline,
                 const char           *candidate,
                 Side                 *other)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (confab_peer_connection_add_ice_candidate (other->pc, mline, candidate, &error));
  g_assert_no_error (error);
}

static void
on_connected (ConfabPeerConnection *pc,
              Side                 *side)
{
  side->connected++;
}

static void
on_error (GObject *object,
          GError  *error,
          Side    *side)
{
  g_test_message ("error: %s", error->message);
  if (side->error == NULL)
    side->error = g_error_copy (error);
}

static void
side_init (Side       *side,
           Side       *other,
           const char *video,
           const char *audio)
{
  g_autoptr(GError) error = NULL;

  side->local = make_stream (video, audio);
  side->later = g_ptr_array_new_with_free_func (g_object_unref);
  side->pc = confab_peer_connection_new (&error);
  g_assert_no_error (error);

  g_signal_connect (side->pc, "remote-stream-added", G_CALLBACK (on_remote_stream_added), side);
  g_signal_connect (side->pc, "remote-stream-removed", G_CALLBACK (on_remote_stream_removed), side);
  g_signal_connect (side->pc, "local-description", G_CALLBACK (relay_description), other);
  g_signal_connect (side->pc, "local-ice-candidate", G_CALLBACK (relay_candidate), other);
  g_signal_connect (side->pc, "connected", G_CALLBACK (on_connected), side);
  g_signal_connect (side->pc, "error", G_CALLBACK (on_error), side);
  g_signal_connect (side->local, "error", G_CALLBACK (on_error), side);

  g_assert_true (confab_peer_connection_add_stream (side->pc, side->local, &error));
  g_assert_no_error (error);
}

static void
side_clear (Side *side)
{
  if (side->remote != NULL)
    g_signal_handlers_disconnect_by_data (side->remote, side);
  for (guint i = 0; i < side->later->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (side->later, i), side);
  g_clear_pointer (&side->later, g_ptr_array_unref);
  confab_peer_connection_close (side->pc);
  g_clear_object (&side->pc);
  g_clear_object (&side->remote);
  if (side->extra != NULL)
    confab_stream_release (side->extra);
  g_clear_object (&side->extra);
  confab_stream_release (side->local);
  g_clear_object (&side->local);
  g_clear_error (&side->error);
  g_clear_pointer (&side->remote_ufrag, g_free);
}

static void
pair_start (Pair       *pair,
            const char *video_a,
            const char *video_b)
{
  g_autoptr(GError) error = NULL;

  memset (pair, 0, sizeof *pair);
  side_init (&pair->a, &pair->b, video_a, TONE);
  side_init (&pair->b, &pair->a, video_b, TONE);

  g_assert_true (confab_peer_connection_create_offer (pair->a.pc, FALSE, &error));
  g_assert_no_error (error);
}

static void
pair_clear (Pair *pair)
{
  side_clear (&pair->a);
  side_clear (&pair->b);

  /* Let the main context run what the teardown queued (pad releases). */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
is_colour (const guint8 *pixel,
           int           r,
           int           g,
           int           b)
{
  return ABS (pixel[0] - r) < 60 && ABS (pixel[1] - g) < 60 && ABS (pixel[2] - b) < 60;
}

typedef struct {
  Side *side;
  int   r, g, b;
  guint after;
} ColourWait;

static gboolean
side_sees_colour (gpointer data)
{
  ColourWait *wait = data;

  g_assert_no_error (wait->side->error);
  return wait->side->frames > wait->after &&
         is_colour (wait->side->pixel, wait->r, wait->g, wait->b);
}

static gboolean
both_hear (gpointer data)
{
  Pair *pair = data;

  g_assert_no_error (pair->a.error);
  g_assert_no_error (pair->b.error);
  return pair->a.remote != NULL && pair->b.remote != NULL &&
         confab_stream_get_audio_level (pair->a.remote) > -40.0 &&
         confab_stream_get_audio_level (pair->b.remote) > -40.0;
}

static void
wait_colour (Side *side,
             int   r,
             int   g,
             int   b)
{
  ColourWait wait = { side, r, g, b, side->frames };

  g_assert_true (wait_for (side_sees_colour, &wait));
}

/* Each side decodes the other's colour, and hears the other's tone. */
static void
test_video_call (void)
{
  Pair pair;

  pair_start (&pair, RED, BLUE);

  /* One microphone at a time goes through the echo canceller (when the plugin is
   * there): the first stream made here. */
  g_assert_cmpint (confab_stream_get_echo_cancellation (pair.a.local), ==, confab_media_has_echo_cancellation ());
  g_assert_false (confab_stream_get_echo_cancellation (pair.b.local));

  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);
  g_assert_true (confab_peer_connection_get_connected (pair.a.pc));
  g_assert_true (confab_peer_connection_get_connected (pair.b.pc));
  g_assert_cmpuint (pair.a.connected, ==, 1);

  g_assert_true (wait_for (both_hear, &pair));
  g_assert_true (confab_stream_get_has_audio (pair.a.remote));
  g_assert_true (confab_stream_get_has_video (pair.b.remote));

  pair_clear (&pair);
}

/* Muting: video turns black at the peer, audio goes silent; and back. */
static void
test_mute (void)
{
  Pair pair;

  pair_start (&pair, RED, BLUE);
  wait_colour (&pair.b, 255, 0, 0);

  confab_stream_set_video_enabled (pair.a.local, FALSE);
  g_assert_false (confab_stream_get_video_enabled (pair.a.local));
  wait_colour (&pair.b, 0, 0, 0);
  /* The other direction is untouched. */
  wait_colour (&pair.a, 0, 0, 255);

  confab_stream_set_video_enabled (pair.a.local, TRUE);
  wait_colour (&pair.b, 255, 0, 0);

  pair_clear (&pair);
}

static gboolean
remote_is_silent (gpointer data)
{
  Side *side = data;

  return side->remote != NULL && confab_stream_get_audio_level (side->remote) < -60.0;
}

static gboolean
remote_is_loud (gpointer data)
{
  Side *side = data;

  return side->remote != NULL && confab_stream_get_audio_level (side->remote) > -40.0;
}

static void
test_mute_audio (void)
{
  Pair pair;

  pair_start (&pair, RED, BLUE);
  g_assert_true (wait_for (remote_is_loud, &pair.b));

  confab_stream_set_audio_enabled (pair.a.local, FALSE);
  g_assert_true (wait_for (remote_is_silent, &pair.b));
  confab_stream_set_audio_enabled (pair.a.local, TRUE);
  g_assert_true (wait_for (remote_is_loud, &pair.b));

  pair_clear (&pair);
}

/* An audio-only call gains video: the offerer renegotiates by itself, and the video
 * (another local stream, so another msid) arrives as another remote stream. */
static void
test_add_video (void)
{
  g_autoptr(GError) error = NULL;
  Pair pair;

  pair_start (&pair, NULL, NULL);
  g_assert_true (wait_for (both_hear, &pair));
  g_assert_false (confab_stream_get_has_video (pair.b.remote));
  g_assert_cmpuint (pair.b.descriptions, ==, 1);

  pair.a.extra = make_stream (GREEN, NULL);
  g_assert_true (confab_peer_connection_add_stream (pair.a.pc, pair.a.extra, &error));
  g_assert_no_error (error);

  wait_colour (&pair.b, 0, 255, 0);
  g_assert_false (confab_stream_get_has_video (pair.b.remote));
  g_assert_cmpuint (pair.b.later->len, ==, 1);
  g_assert_true (confab_stream_get_has_video (g_ptr_array_index (pair.b.later, 0)));
  g_assert_false (confab_stream_get_has_audio (g_ptr_array_index (pair.b.later, 0)));
  g_assert_cmpuint (pair.b.descriptions, ==, 2);
  /* The audio goes on in both directions. */
  g_assert_true (wait_for (both_hear, &pair));

  pair_clear (&pair);
}

typedef struct {
  Side  *side;
  guint  later;
  guint  removed;
} StreamsWait;

static gboolean
streams_reach (gpointer data)
{
  StreamsWait *wait = data;

  g_assert_no_error (wait->side->error);
  return wait->side->later->len >= wait->later && wait->side->removed >= wait->removed;
}

static void
wait_streams (Side  *side,
              guint  later,
              guint  removed)
{
  StreamsWait wait = { side, later, removed };

  g_assert_true (wait_for (streams_reach, &wait));
  g_assert_cmpuint (side->later->len, ==, later);
  g_assert_cmpuint (side->removed, ==, removed);
}

/* A stream stops being sent mid-call, from the answering side and from the offering
 * side: the peer removes the stream it received (which ends), the rest goes on, and a
 * stream sent afterwards arrives as a new one. */
static void
test_remove_stream (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) blue = NULL;
  ConfabStream *received;
  Pair pair;

  pair_start (&pair, NULL, NULL);
  g_assert_true (wait_for (both_hear, &pair));

  /* not sent: refused, nothing changes */
  blue = make_stream (BLUE, NULL);
  g_assert_false (confab_peer_connection_remove_stream (pair.a.pc, blue, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  /* the answering side adds video (it offers by itself), then stops it */
  pair.b.extra = make_stream (GREEN, NULL);
  g_assert_true (confab_peer_connection_add_stream (pair.b.pc, pair.b.extra, &error));
  g_assert_no_error (error);
  wait_streams (&pair.a, 1, 0);
  wait_colour (&pair.a, 0, 255, 0);
  received = g_ptr_array_index (pair.a.later, 0);
  g_assert_nonnull (confab_peer_connection_get_local_msid (pair.b.pc, pair.b.extra));
  g_assert_cmpstr (confab_peer_connection_get_remote_msid (pair.a.pc, received), ==,
                   confab_peer_connection_get_local_msid (pair.b.pc, pair.b.extra));

  g_assert_true (confab_peer_connection_remove_stream (pair.b.pc, pair.b.extra, &error));
  g_assert_no_error (error);
  g_assert_null (confab_peer_connection_get_local_msid (pair.b.pc, pair.b.extra));
  wait_streams (&pair.a, 1, 1);
  g_assert_true (confab_stream_get_released (received));
  g_assert_false (confab_stream_get_released (pair.a.remote));
  g_assert_cmpuint (g_list_model_get_n_items (confab_peer_connection_get_remote_streams (pair.a.pc)), ==, 1);
  g_assert_true (wait_for (both_hear, &pair));

  /* the offering side sends a stream, stops it, and sends it again */
  g_assert_true (confab_peer_connection_add_stream (pair.a.pc, blue, &error));
  g_assert_no_error (error);
  wait_streams (&pair.b, 1, 0);
  wait_colour (&pair.b, 0, 0, 255);
  g_assert_true (confab_peer_connection_remove_stream (pair.a.pc, blue, &error));
  g_assert_no_error (error);
  wait_streams (&pair.b, 1, 1);
  g_assert_true (confab_stream_get_released (g_ptr_array_index (pair.b.later, 0)));

  g_assert_true (confab_peer_connection_add_stream (pair.a.pc, blue, &error));
  g_assert_no_error (error);
  wait_streams (&pair.b, 2, 1);
  wait_colour (&pair.b, 0, 0, 255);
  g_assert_true (wait_for (both_hear, &pair));
  g_assert_no_error (pair.a.error);
  g_assert_no_error (pair.b.error);

  pair_clear (&pair);
  confab_stream_release (blue);
}

/* The stream on the m-lines both sides send on (the call's first audio and video)
 * cannot be stopped (webrtcbin 1.22 cannot make them recvonly): a clear error, and
 * both directions go on. */
static void
test_remove_sendrecv_stream (void)
{
  g_autoptr(GError) error = NULL;
  Pair pair;

  pair_start (&pair, RED, BLUE);
  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);

  g_assert_false (confab_peer_connection_remove_stream (pair.a.pc, pair.a.local, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_nonnull (confab_peer_connection_get_local_msid (pair.a.pc, pair.a.local));

  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);
  g_assert_true (wait_for (both_hear, &pair));
  g_assert_cmpuint (pair.b.removed, ==, 0);
  g_assert_no_error (pair.a.error);
  g_assert_no_error (pair.b.error);

  pair_clear (&pair);
}

typedef struct {
  Pair  *pair;
  guint  a_before;
  guint  b_before;
} RestartWait;

static gboolean
restart_answered (gpointer data)
{
  RestartWait *wait = data;

  g_assert_no_error (wait->pair->a.error);
  g_assert_no_error (wait->pair->b.error);
  return wait->pair->b.descriptions > wait->b_before && wait->pair->a.descriptions > wait->a_before;
}

/* An ICE restart (new credentials, new candidates) keeps media flowing both ways. */
static void
test_ice_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first_ufrag = NULL;
  RestartWait wait = { NULL, 0, 0 };
  Pair pair;

  pair_start (&pair, RED, BLUE);
  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);

  first_ufrag = g_strdup (pair.b.remote_ufrag);
  wait.pair = &pair;
  wait.a_before = pair.a.descriptions;
  wait.b_before = pair.b.descriptions;
  g_assert_true (confab_peer_connection_create_offer (pair.a.pc, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (restart_answered, &wait));
  /* The restart offer carried new ICE credentials. */
  g_assert_nonnull (pair.b.remote_ufrag);
  g_assert_cmpstr (pair.b.remote_ufrag, !=, first_ufrag);

  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);
  g_assert_true (wait_for (both_hear, &pair));

  pair_clear (&pair);
}

static void
on_stats (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GVariant **stats = user_data;
  g_autoptr(GError) error = NULL;

  *stats = confab_peer_connection_get_stats_finish (CONFAB_PEER_CONNECTION (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*stats);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static GVariant *
get_stats (ConfabPeerConnection *pc)
{
  GVariant *stats = NULL;

  confab_peer_connection_get_stats_async (pc, NULL, on_stats, &stats);
  g_assert_true (wait_for (is_set, &stats));

  return stats;
}

static double
lookup_double (GVariant   *dict,
               const char *key)
{
  double value = -1;

  g_assert_true (g_variant_lookup (dict, key, "d", &value));
  return value;
}

static int
lookup_int (GVariant   *dict,
            const char *key)
{
  int value = -1;

  g_assert_true (g_variant_lookup (dict, key, "i", &value));
  return value;
}

static void
test_stats (void)
{
  g_autoptr(GVariant) stats = NULL;
  g_autofree char *text = NULL;
  const char *quality = NULL;
  Pair pair;
  double mos;

  pair_start (&pair, RED, BLUE);
  wait_colour (&pair.a, 0, 0, 255);
  wait_colour (&pair.b, 255, 0, 0);
  /* About a second of media at 15 fps. */
  {
    ColourWait wait = { &pair.a, 0, 0, 255, pair.a.frames + 15 };

    g_assert_true (wait_for (side_sees_colour, &wait));
  }

  stats = get_stats (pair.a.pc);
  text = g_variant_print (stats, TRUE);
  g_test_message ("stats: %s", text);

  g_assert_cmpfloat (lookup_double (stats, "video-out-bitrate"), >, 1000.0);
  g_assert_cmpfloat (lookup_double (stats, "video-in-bitrate"), >, 1000.0);
  g_assert_cmpfloat (lookup_double (stats, "audio-out-bitrate"), >, 1000.0);
  g_assert_cmpfloat (lookup_double (stats, "audio-in-bitrate"), >, 1000.0);
  g_assert_cmpfloat (lookup_double (stats, "video-in-bitrate"), <, 50e6);
  g_assert_cmpint (lookup_int (stats, "video-in-width"), ==, 320);
  g_assert_cmpint (lookup_int (stats, "video-in-height"), ==, 240);
  g_assert_cmpint (lookup_int (stats, "video-out-width"), ==, 320);
  g_assert_cmpfloat (lookup_double (stats, "video-in-framerate"), >, 1.0);
  g_assert_cmpfloat (lookup_double (stats, "video-in-framerate"), <, 100.0);
  g_assert_cmpfloat (lookup_double (stats, "video-out-framerate"), >, 1.0);
  g_assert_cmpfloat (lookup_double (stats, "rtt-ms"), >=, 0.0);
  g_assert_cmpfloat (lookup_double (stats, "rtt-ms"), <, 5000.0);
  g_assert_cmpfloat (lookup_double (stats, "packet-loss-percent"), >=, 0.0);
  g_assert_cmpfloat (lookup_double (stats, "packet-loss-percent"), <=, 100.0);
  g_assert_cmpfloat (lookup_double (stats, "jitter-ms"), >=, 0.0);

  mos = lookup_double (stats, "mos");
  g_assert_true (g_variant_lookup (stats, "quality", "&s", &quality));
  g_assert_true (g_strv_contains ((const char *[]) { "good", "medium", "bad", NULL }, quality));
  g_assert_cmpfloat (mos, >=, 1.0);
  g_assert_cmpfloat (mos, <=, 4.5);

  pair_clear (&pair);
}

static void
on_local_frame (ConfabStream *stream,
                GBytes       *pixels,
                int           width,
                int           height,
                int           stride,
                guint        *frames)
{
  (*frames)++;
}

typedef struct {
  guint *frames;
  guint  until;
} CountWait;

static gboolean
enough_frames (gpointer data)
{
  CountWait *wait = data;

  return *wait->frames >= wait->until;
}

static void
on_recording_stopped (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  gpointer *out = user_data;
  g_autoptr(GError) error = NULL;
  gint64 duration = 0;

  out[0] = confab_stream_stop_recording_finish (CONFAB_STREAM (source), result, &duration, &error);
  g_assert_no_error (error);
  *(gint64 *) out[1] = duration;
}

/* Runs gst-discoverer-1.0 (Debian gstreamer1.0-plugins-base-apps) on the file, as a
 * user would, checks it finds one VP8 video and one Opus audio stream in a WebM
 * container, and returns the duration it reports, in seconds. */
static double
discovered_seconds (const char *path)
{
  const char *argv[] = { "gst-discoverer-1.0", path, NULL };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) duration_regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *hours_text = NULL;
  g_autofree char *minutes_text = NULL;
  g_autofree char *seconds_text = NULL;
  int wait_status = 0;
  guint hours, minutes;
  double seconds;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &output, &errors, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  g_test_message ("gst-discoverer-1.0 %s:\n%s", path, output);

  /* The tool exits 0 even when it failed; it then prints an error instead. */
  g_assert_null (strstr (output, "error was encountered"));
  g_assert_nonnull (strstr (output, "container #0: WebM"));
  g_assert_nonnull (strstr (output, ": VP8\n"));
  g_assert_nonnull (strstr (output, ": Opus\n"));

  duration_regex = g_regex_new ("Duration: ([0-9]+):([0-9]{2}):([0-9]{2}\\.[0-9]+)", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match (duration_regex, output, 0, &match));
  hours_text = g_match_info_fetch (match, 1);
  minutes_text = g_match_info_fetch (match, 2);
  seconds_text = g_match_info_fetch (match, 3);
  hours = (guint) g_ascii_strtoull (hours_text, NULL, 10);
  minutes = (guint) g_ascii_strtoull (minutes_text, NULL, 10);
  seconds = g_ascii_strtod (seconds_text, NULL);

  return hours * 3600.0 + minutes * 60.0 + seconds;
}

static void
test_recording (void)
{
  g_autoptr(ConfabStream) stream = make_stream (RED, TONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("confab-media-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *finished = NULL;
  gint64 duration = 0;
  gpointer out[2] = { NULL, &duration };
  guint frames = 0;
  CountWait wait = { &frames, 0 };
  double discovered;

  g_assert_no_error (error);
  path = g_build_filename (directory, "call.webm", NULL);

  /* Refused: a mode asking for what is not there, a path that cannot be written. */
  g_assert_false (confab_stream_start_recording (stream, CONFAB_RECORDING_MODE_AUDIO_VIDEO,
                                                 "/nonexistent/dir/x.webm", &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_assert_false (confab_stream_get_is_recording (stream));

  confab_stream_enable_video_frames (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_local_frame), &frames);

  g_assert_true (confab_stream_start_recording (stream, CONFAB_RECORDING_MODE_AUDIO_VIDEO, path, &error));
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_recording (stream));
  g_assert_false (confab_stream_start_recording (stream, CONFAB_RECORDING_MODE_AUDIO_ONLY, path, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* Two seconds of 15 fps video. */
  wait.until = frames + 30;
  g_assert_true (wait_for (enough_frames, &wait));

  confab_stream_stop_recording_async (stream, NULL, on_recording_stopped, out);
  g_assert_true (wait_for (is_set, &out[0]));
  finished = out[0];
  g_assert_cmpstr (finished, ==, path);
  g_assert_cmpint (duration, >, 0);
  g_assert_false (confab_stream_get_is_recording (stream));

  discovered = discovered_seconds (path);
  /* 30 frames at 15 fps were recorded: about two seconds */
  g_assert_cmpfloat (discovered, >, 1.0);

  confab_stream_release (stream);
  g_unlink (path);
  g_rmdir (directory);
}

static void
test_local_preview (void)
{
  g_autoptr(ConfabStream) stream = make_stream (GREEN, NULL);
  Side side = { 0 };

  g_assert_false (confab_stream_get_is_remote (stream));
  g_assert_true (confab_stream_get_has_video (stream));
  g_assert_false (confab_stream_get_has_audio (stream));
  confab_stream_enable_video_frames (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_video_frame), &side);
  wait_colour (&side, 0, 255, 0);

  confab_stream_set_video_enabled (stream, FALSE);
  wait_colour (&side, 0, 0, 0);

  confab_stream_release (stream);
  g_assert_true (confab_stream_get_released (stream));
}

/* Bad input gets a clear error and changes nothing. */
static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabPeerConnection) pc = confab_peer_connection_new (&error);
  g_autoptr(ConfabStream) stream = NULL;
  const char *urls[] = { "http://example.com", NULL };

  g_assert_no_error (error);

  stream = confab_stream_new_local (g_variant_new_parsed ("{'colour': <'red'>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_assert_null (stream);
  g_clear_error (&error);

  stream = confab_stream_new_local (g_variant_new_parsed ("{'width': <'wide'>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  stream = confab_stream_new_local (g_variant_new_parsed ("{'width': <7>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  stream = confab_stream_new_local (g_variant_new_parsed ("{'video-source': <'nosuchelement ! fakesink'>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_false (confab_peer_connection_set_remote_description (pc, "offer", "not sdp", &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_false (confab_peer_connection_set_remote_description (pc, "pranswer", "v=0\r\n", &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_false (confab_peer_connection_set_remote_description (pc, "answer",
                  "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE);
  g_clear_error (&error);

  g_assert_false (confab_peer_connection_add_ice_candidate (pc, 0, "hello", &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_false (confab_peer_connection_set_ice_servers (pc, urls, NULL, NULL, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_cmpint (confab_peer_connection_get_ice_state (pc), ==, GST_WEBRTC_ICE_CONNECTION_STATE_NEW);

  confab_peer_connection_close (pc);
  g_assert_false (confab_peer_connection_create_offer (pc, FALSE, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE);
  g_clear_error (&error);
}

/* Headless machines have no devices: the list is simply empty, and consistent. */
static void
test_devices (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabDeviceList) list = confab_device_list_new (&error);
  guint n;

  g_assert_no_error (error);
  g_assert_true (G_IS_LIST_MODEL (list));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == CONFAB_TYPE_MEDIA_DEVICE);

  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_test_message ("%u devices", n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_nonnull (confab_media_device_get_id (device));
      g_assert_true (confab_device_list_lookup (list, confab_media_device_get_id (device)) != NULL);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), n));
  g_assert_null (confab_device_list_lookup (list, "no such device"));
  if (n == 0)
    g_assert_null (confab_device_list_get_default (list, CONFAB_MEDIA_DEVICE_KIND_CAMERA));
}

static void
test_screen (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) stream = NULL;
  const char *display = g_getenv ("DISPLAY");
  const char *override = g_getenv ("CONFAB_SCREENSRC");

  if ((display != NULL && *display != '\0') || (override != NULL && *override != '\0'))
    {
      g_test_skip ("a display or a screen source override is present");
      return;
    }

  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_assert_null (stream);
  g_clear_error (&error);

  /* A screen given as a pipeline description (what a bot or a test shares). */
  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>, "
                                                          "'width': <320>, 'height': <240>, "
                                                          "'video-source': <%s>}", GREEN), &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_screensharing (stream));
  g_assert_true (confab_stream_get_has_video (stream));
  confab_stream_release (stream);
}

/* On an X11 display (Xvfb in CI) the screen is captured with ximagesrc: frames come,
 * and the stream can be released. (The leak the capture bin avoids needs a buffer
 * waiting in a queue at that moment, which this test cannot arrange; the ui suite's
 * screen share under the sanitizers is where it showed.) */
static void
test_x11_screen (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) stream = NULL;
  const char *display = g_getenv ("DISPLAY");
  const char *override = g_getenv ("CONFAB_SCREENSRC");
  guint frames = 0;
  CountWait wait = { &frames, 10 };

  if (display == NULL || *display == '\0' || (override != NULL && *override != '\0') ||
      g_getenv ("WAYLAND_DISPLAY") != NULL || g_getenv ("CONFAB_SCREENCAST") != NULL)
    {
      g_test_skip ("no X11 display, or another screen source is asked for");
      return;
    }

  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>, "
                                                          "'width': <320>, 'height': <200>}"), &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_screensharing (stream));
  g_assert_true (confab_stream_get_has_video (stream));

  confab_stream_enable_video_frames (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_local_frame), &frames);
  g_assert_true (wait_for (enough_frames, &wait));

  confab_stream_release (stream);
  g_assert_true (confab_stream_get_released (stream));
}

/* Without options, sources come from the environment (CONFAB_VIDEOSRC and
 * CONFAB_AUDIOSRC, set by the test environment) or else the devices. */
static void
test_environment_sources (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) stream = NULL;
  const char *video = g_getenv ("CONFAB_VIDEOSRC");
  const char *audio = g_getenv ("CONFAB_AUDIOSRC");
  guint frames = 0;
  CountWait wait = { &frames, 3 };

  if (video == NULL || *video == '\0' || audio == NULL || *audio == '\0')
    {
      g_test_skip ("CONFAB_VIDEOSRC and CONFAB_AUDIOSRC are not set");
      return;
    }

  stream = confab_stream_new_local (g_variant_new_parsed ("{'width': <160>, 'height': <120>, 'framerate': <10>}"), &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_has_audio (stream));
  g_assert_true (confab_stream_get_has_video (stream));
  confab_stream_enable_video_frames (stream);
  g_signal_connect (stream, "video-frame", G_CALLBACK (on_local_frame), &frames);
  g_assert_true (wait_for (enough_frames, &wait));
  confab_stream_release (stream);
}

static ConfabMediaDevice *
make_speaker (const char              *name,
              ConfabMediaDeviceKind    kind,
              ConfabTestSpeaker      **out)
{
  ConfabTestSpeaker *speaker =
    confab_test_speaker_new (name, kind == CONFAB_MEDIA_DEVICE_KIND_SPEAKER ? "Audio/Sink" : "Audio/Source", NULL);
  ConfabMediaDevice *device;

  gst_object_ref_sink (speaker);
  device = _confab_media_device_new (GST_DEVICE (speaker), kind, name);
  *out = speaker;   /* still held by @device */
  gst_object_unref (speaker);

  return device;
}

typedef struct {
  Side              *side;
  ConfabTestSpeaker *speaker;
  gint               after;
} SpeakerWait;

static gboolean
speaker_plays (gpointer data)
{
  SpeakerWait *wait = data;

  g_assert_no_error (wait->side->error);
  return confab_test_speaker_get_buffers (wait->speaker) > wait->after;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The remote audio goes to the chosen speaker, switched over mid-call; a device that
 * is not a speaker, or a local stream, is refused and changes nothing. */
static void
test_speaker (void)
{
  g_autoptr(ConfabMediaDevice) first = NULL;
  g_autoptr(ConfabMediaDevice) second = NULL;
  g_autoptr(ConfabMediaDevice) microphone = NULL;
  g_autoptr(GError) error = NULL;
  ConfabTestSpeaker *first_speaker, *second_speaker, *microphone_device;
  SpeakerWait wait;
  Pair pair;
  gint played;
  guint ticker = g_timeout_add (20, tick, NULL);

  first = make_speaker ("First speaker", CONFAB_MEDIA_DEVICE_KIND_SPEAKER, &first_speaker);
  second = make_speaker ("Second speaker", CONFAB_MEDIA_DEVICE_KIND_SPEAKER, &second_speaker);
  microphone = make_speaker ("A microphone", CONFAB_MEDIA_DEVICE_KIND_MICROPHONE, &microphone_device);

  pair_start (&pair, NULL, NULL);
  g_assert_true (wait_for (remote_is_loud, &pair.b));

  g_assert_false (confab_stream_set_audio_output_device (pair.b.local, first, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_assert_false (confab_stream_set_audio_output_device (pair.b.remote, microphone, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_assert_null (confab_stream_get_audio_output_device (pair.b.remote));
  g_assert_cmpuint (confab_test_speaker_get_elements (microphone_device), ==, 0);

  g_assert_true (confab_stream_set_audio_output_device (pair.b.remote, first, &error));
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_audio_output_device (pair.b.remote) == first);
  g_assert_cmpuint (confab_test_speaker_get_elements (first_speaker), ==, 1);
  wait = (SpeakerWait) { &pair.b, first_speaker, 10 };
  g_assert_true (wait_for (speaker_plays, &wait));

  /* Switched over live: the first speaker's element is gone, the second one plays. */
  g_assert_true (confab_stream_set_audio_output_device (pair.b.remote, second, &error));
  g_assert_no_error (error);
  played = confab_test_speaker_get_buffers (first_speaker);
  g_assert_cmpuint (confab_test_speaker_get_elements (second_speaker), ==, 1);
  wait = (SpeakerWait) { &pair.b, second_speaker, 10 };
  g_assert_true (wait_for (speaker_plays, &wait));
  g_assert_cmpint (confab_test_speaker_get_buffers (first_speaker), ==, played);
  g_assert_true (wait_for (remote_is_loud, &pair.b));

  /* Back to the default output. */
  g_assert_true (confab_stream_set_audio_output_device (pair.b.remote, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (confab_stream_get_audio_output_device (pair.b.remote));
  played = confab_test_speaker_get_buffers (second_speaker);
  g_assert_true (wait_for (remote_is_loud, &pair.b));
  g_assert_cmpint (confab_test_speaker_get_buffers (second_speaker), ==, played);
  g_assert_cmpuint (confab_test_speaker_get_elements (first_speaker), ==, 1);

  pair_clear (&pair);
  g_source_remove (ticker);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  if (!confab_media_init (&error))
    {
      g_print ("1..0 # SKIP %s\n", error->message);
      return 0;
    }

  /* The DTLS certificate is made once, before the first call. */
  confab_media_warm_up ();

  g_test_add_func ("/media/bad-input", test_bad_input);
  g_test_add_func ("/media/devices", test_devices);
  g_test_add_func ("/media/screen", test_screen);
  g_test_add_func ("/media/x11-screen", test_x11_screen);
  g_test_add_func ("/media/local-preview", test_local_preview);
  g_test_add_func ("/media/environment-sources", test_environment_sources);
  g_test_add_func ("/media/video-call", test_video_call);
  g_test_add_func ("/media/mute-video", test_mute);
  g_test_add_func ("/media/mute-audio", test_mute_audio);
  g_test_add_func ("/media/add-video", test_add_video);
  g_test_add_func ("/media/remove-stream", test_remove_stream);
  g_test_add_func ("/media/remove-sendrecv-stream", test_remove_sendrecv_stream);
  g_test_add_func ("/media/ice-restart", test_ice_restart);
  g_test_add_func ("/media/stats", test_stats);
  g_test_add_func ("/media/recording", test_recording);
  g_test_add_func ("/media/speaker", test_speaker);

  status = g_test_run ();

  gst_deinit ();
  return status;
}
