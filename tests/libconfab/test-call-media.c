/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-call-media.c: real calls with real media between two ConfabSessions through the
 * real confab-server: each side sends its own solid colour and decodes the other's,
 * audio flows both ways (stats), muting is seen and told, renegotiation adds video or
 * an audio+video stream, the screen share is told by msid and can be stopped (or
 * released) and shared again while the camera flows, an ICE restart keeps the call, recording makes a playable file, a stranger cannot
 * signal into the call, a hang-up from either side ends both. */

#define G_LOG_DOMAIN "test-call-media"

#include "config.h"

#include "confab-call-router.h"
#include "confab-test-server.h"
#include "confab-test-util.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define RED   0xffff0000u
#define BLUE  0xff0000ffu
#define GREEN 0xff00ff00u
#define WHITE 0xffffffffu

/* frames seen by an appsink, written on a streaming thread */
typedef struct
{
  GMutex      lock;
  guint       n_frames;
  guint       n_black;
  guint8      rgb[3];
  int         width;
  GstElement *sink;
} Frames;

typedef struct
{
  ConfabTestServer *server;
  char             *guest_uri;
  ConfabSession    *alice;
  ConfabSession    *bob;
  ConfabCall       *alice_call;
  ConfabCall       *bob_call;
  GPtrArray        *alice_received;   /* ConfabStream */
  GPtrArray        *bob_received;
  GPtrArray        *bob_removed;      /* ConfabStream, from stream-removed */
  GPtrArray        *alice_removed;
  guint             bob_updates;
  ConfabCallStats   alice_stats;
  ConfabCallStats   bob_stats;
  guint             alice_n_stats;
  guint             bob_n_stats;
  ConfabReceivedCallInvitation *invitation;
} Fixture;

static GstFlowReturn
on_new_sample (GstAppSink *appsink,
               gpointer    user_data)
{
  Frames *frames = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (appsink);
  GstBuffer *buffer;
  GstCaps *caps;
  GstVideoInfo info;
  GstMapInfo map;

  if (sample == NULL)
    return GST_FLOW_OK;

  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps) || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;

  g_mutex_lock (&frames->lock);
  {
    gsize offset = (gsize) (GST_VIDEO_INFO_HEIGHT (&info) / 2) * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) +
                   (gsize) (GST_VIDEO_INFO_WIDTH (&info) / 2) * 4;

    if (offset + 3 <= map.size)
      {
        memcpy (frames->rgb, map.data + offset, 3);
        frames->n_frames++;
        frames->width = GST_VIDEO_INFO_WIDTH (&info);
        if (frames->rgb[0] < 40 && frames->rgb[1] < 40 && frames->rgb[2] < 40)
          frames->n_black++;
      }
  }
  g_mutex_unlock (&frames->lock);
  gst_buffer_unmap (buffer, &map);

  return GST_FLOW_OK;
}

static Frames *
frames_attach (ConfabStream *stream)
{
  Frames *frames = g_new0 (Frames, 1);
  GstAppSinkCallbacks callbacks;

  memset (&callbacks, 0, sizeof callbacks);
  callbacks.new_sample = on_new_sample;
  g_mutex_init (&frames->lock);
  frames->sink = gst_object_ref_sink (gst_element_factory_make ("appsink", NULL));
  g_object_set (frames->sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (frames->sink), &callbacks, frames, NULL);
  confab_stream_attach_video_sink (stream, frames->sink);
  return frames;
}

static void
frames_free (ConfabStream *stream,
             Frames       *frames)
{
  confab_stream_detach_video_sink (stream, frames->sink);
  gst_object_unref (frames->sink);
  g_mutex_clear (&frames->lock);
  g_free (frames);
}

static guint
frames_count (Frames *frames)
{
  guint n;

  g_mutex_lock (&frames->lock);
  n = frames->n_frames;
  g_mutex_unlock (&frames->lock);
  return n;
}

/* Whether the last frame is mostly of @colour (0xAARRGGBB). */
static gboolean
frames_show (Frames  *frames,
             guint32  colour)
{
  guint8 want[3] = { (colour >> 16) & 0xff, (colour >> 8) & 0xff, colour & 0xff };
  gboolean match = TRUE;

  g_mutex_lock (&frames->lock);
  if (frames->n_frames == 0)
    match = FALSE;
  for (int i = 0; i < 3 && match; i++)
    match = ABS ((int) frames->rgb[i] - (int) want[i]) < 60;
  g_mutex_unlock (&frames->lock);

  return match;
}

static guint
frames_black (Frames *frames)
{
  guint n;

  g_mutex_lock (&frames->lock);
  n = frames->n_black;
  g_mutex_unlock (&frames->lock);
  return n;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("still waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL(condition) \
  G_STMT_START { \
    guint timeout_id_ = g_timeout_add_seconds (30, on_wait_timeout, (gpointer) #condition); \
    while (!(condition)) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (timeout_id_); \
  } G_STMT_END

static gboolean
on_colour_timeout (gpointer user_data)
{
  Frames *frames = user_data;

  g_error ("still waiting for a colour: %u frames, the last %02x%02x%02x",
           frames->n_frames, frames->rgb[0], frames->rgb[1], frames->rgb[2]);
  return G_SOURCE_REMOVE;
}

static void
wait_colour (Frames  *frames,
             guint32  colour)
{
  guint timeout_id = g_timeout_add_seconds (30, on_colour_timeout, frames);

  while (!(frames_count (frames) > 5 && frames_show (frames, colour)))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* A local stream showing one solid colour (CONFAB_VIDEOSRC), small to spare the CPU. */
static ConfabStream *
make_stream_full (ConfabSession *session,
                  gboolean       audio,
                  gboolean       video,
                  guint32        colour)
{
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_strdup_printf ("videotestsrc is-live=true pattern=solid-color foreground-color=0x%08x",
                                             colour);
  ConfabStream *stream;

  confab_stream_options_set_video_source (options, source);
  confab_stream_options_set_audio (options, audio);
  confab_stream_options_set_video (options, video);
  confab_stream_options_set_video_format (options, 320, 240, 15);
  confab_stream_create_async (session, options, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  stream = confab_stream_create_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);
  g_assert_false (confab_stream_get_is_remote (stream));
  g_assert_cmpint (confab_stream_get_has_video (stream), ==, video);
  return stream;
}

static ConfabStream *
make_stream (ConfabSession *session,
             gboolean       video,
             guint32        colour)
{
  return make_stream_full (session, TRUE, video, colour);
}

static void
on_stream_added (ConfabCall   *call,
                 ConfabStream *stream,
                 GPtrArray    *received)
{
  g_assert_true (confab_stream_get_is_remote (stream));
  g_ptr_array_add (received, g_object_ref (stream));
}

static void
on_stream_removed (ConfabCall   *call,
                   ConfabStream *stream,
                   GPtrArray    *removed)
{
  g_assert_true (confab_stream_get_is_remote (stream));
  g_ptr_array_add (removed, g_object_ref (stream));
}

static void
on_remote_stream_updated (ConfabCall   *call,
                          ConfabStream *stream,
                          Fixture      *fixture)
{
  fixture->bob_updates++;
}

static void
on_stats_update (ConfabCall      *call,
                 ConfabCallStats *stats,
                 Fixture         *fixture)
{
  if (call == fixture->alice_call)
    {
      fixture->alice_stats = *stats;
      fixture->alice_n_stats++;
    }
  else
    {
      fixture->bob_stats = *stats;
      fixture->bob_n_stats++;
    }
}

static void
on_incoming_call (ConfabSession                *session,
                  ConfabReceivedCallInvitation *invitation,
                  Fixture                      *fixture)
{
  g_set_object (&fixture->invitation, invitation);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = confab_test_server_new (NULL);
  fixture->guest_uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (fixture->server), NULL);
  fixture->alice = test_register (confab_test_server_get_url (fixture->server), fixture->guest_uri,
                                  NULL, "alice", "Alice", &error);
  g_assert_no_error (error);
  fixture->bob = test_register (confab_test_server_get_url (fixture->server), fixture->guest_uri,
                                NULL, "bob", "Bob", &error);
  g_assert_no_error (error);
  fixture->alice_received = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->bob_received = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->bob_removed = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->alice_removed = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (fixture->bob, "incoming-call", G_CALLBACK (on_incoming_call), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->alice_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->alice_call, fixture->alice_received);
  if (fixture->bob_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->bob_call, fixture->bob_received);
  if (fixture->bob_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->bob_call, fixture->bob_removed);
  if (fixture->alice_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->alice_call, fixture->alice_removed);
  if (fixture->alice_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->alice_call, fixture);
  if (fixture->bob_call != NULL)
    g_signal_handlers_disconnect_by_data (fixture->bob_call, fixture);
  g_signal_handlers_disconnect_by_data (fixture->bob, fixture);
  test_disconnect (fixture->alice);
  test_disconnect (fixture->bob);
  g_clear_object (&fixture->invitation);
  g_clear_object (&fixture->alice);
  g_clear_object (&fixture->bob);
  g_ptr_array_unref (fixture->alice_received);
  g_ptr_array_unref (fixture->bob_received);
  g_ptr_array_unref (fixture->bob_removed);
  g_ptr_array_unref (fixture->alice_removed);
  g_clear_pointer (&fixture->server, confab_test_server_free);
  g_free (fixture->guest_uri);
}

/* alice calls bob with her stream, bob answers with his; both receive a stream */
static void
connect_call (Fixture         *fixture,
              ConfabStream    *alice_stream,
              ConfabStream    *bob_stream,
              ConfabCallMedia  media)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  fixture->alice_call = confab_contact_call (confab_session_get_or_create_contact (fixture->alice, "bob"),
                                             alice_stream, media, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->alice_call, "stream-added", G_CALLBACK (on_stream_added), fixture->alice_received);
  g_signal_connect (fixture->alice_call, "stream-removed", G_CALLBACK (on_stream_removed), fixture->alice_removed);
  g_signal_connect (fixture->alice_call, "stats-update", G_CALLBACK (on_stats_update), fixture);

  WAIT_UNTIL (fixture->invitation != NULL);
  confab_received_call_invitation_accept_async (fixture->invitation, bob_stream, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  fixture->bob_call = confab_received_call_invitation_accept_finish (fixture->invitation, result, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->bob_call, "stream-added", G_CALLBACK (on_stream_added), fixture->bob_received);
  g_signal_connect (fixture->bob_call, "stream-removed", G_CALLBACK (on_stream_removed), fixture->bob_removed);
  g_signal_connect (fixture->bob_call, "remote-stream-updated", G_CALLBACK (on_remote_stream_updated), fixture);
  g_signal_connect (fixture->bob_call, "stats-update", G_CALLBACK (on_stats_update), fixture);

  WAIT_UNTIL (confab_call_get_status (fixture->alice_call) == CONFAB_CALL_STATUS_ONGOING);
  WAIT_UNTIL ((alice_stream == NULL || fixture->bob_received->len > 0) &&
              (bob_stream == NULL || fixture->alice_received->len > 0));
}

static void
hang_up_and_check (Fixture    *fixture,
                   ConfabCall *from)
{
  confab_call_hang_up (from);
  WAIT_UNTIL (confab_call_get_status (fixture->alice_call) == CONFAB_CALL_STATUS_ENDED &&
              confab_call_get_status (fixture->bob_call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_calls (fixture->alice)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_calls (fixture->bob)), ==, 0);
}

#define WHITE_SCREENSRC "videotestsrc is-live=true pattern=solid-color foreground-color=0xffffffff"

/* A video call in which alice (red) and bob (blue) may share a white screen. */
static void
connect_video_call_with_screen (Fixture       *fixture,
                                ConfabStream **red,
                                ConfabStream **blue)
{
  *red = make_stream (fixture->alice, TRUE, RED);
  *blue = make_stream (fixture->bob, TRUE, BLUE);
  g_setenv ("CONFAB_SCREENSRC", WHITE_SCREENSRC, TRUE);
  connect_call (fixture, *red, *blue, CONFAB_CALL_MEDIA_VIDEO);
}

/* @from hangs up the call connect_video_call_with_screen() made; both streams are released. */
static void
end_video_call_with_screen (Fixture      *fixture,
                            ConfabCall   *from,
                            ConfabStream *red,
                            ConfabStream *blue)
{
  hang_up_and_check (fixture, from);
  g_unsetenv ("CONFAB_SCREENSRC");
  confab_stream_release (red);
  confab_stream_release (blue);
}

/* @call publishes @stream too, and the call renegotiates. */
static void
add_stream (ConfabCall   *call,
            ConfabStream *stream)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  confab_call_add_stream_async (call, stream, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (confab_call_add_stream_finish (call, result, &error));
  g_assert_no_error (error);
}

/* @call shares the screen; the other side's @received gets it as its @expected-th stream,
 * flagged. */
static void
share_screen_from (ConfabCall *call,
                   GPtrArray  *received,
                   guint       expected)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  confab_call_share_screen_async (call, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (confab_call_share_screen_finish (call, result, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (received->len >= expected &&
              confab_stream_get_is_screensharing (g_ptr_array_index (received, expected - 1)));
}

/* alice shares her screen; bob gets it as his @expected-th stream */
static void
share_screen (Fixture *fixture,
              guint    expected)
{
  share_screen_from (fixture->alice_call, fixture->bob_received, expected);
}

static ConfabStream *
published_screen (ConfabCall *call)
{
  g_autoptr(GPtrArray) published = confab_call_get_published_streams (call);

  for (guint i = 0; i < published->len; i++)
    if (confab_stream_get_is_screensharing (g_ptr_array_index (published, i)))
      return g_object_ref (g_ptr_array_index (published, i));

  return NULL;
}

/* The camera stream @at_camera keeps flowing (and shows @colour). */
static void
camera_flows (Frames  *at_camera,
              guint32  colour)
{
  guint before = frames_count (at_camera);

  WAIT_UNTIL (frames_count (at_camera) > before + 10);
  wait_colour (at_camera, colour);
}

/* @call publishes @new_stream instead of @old_stream, and only it. */
static ConfabStream *
switch_published (ConfabCall   *call,
                  ConfabStream *old_stream,
                  ConfabStream *new_stream)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) published = NULL;

  confab_call_replace_published_stream_async (call, old_stream, new_stream, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (confab_call_replace_published_stream_finish (call, result, &error));
  g_assert_no_error (error);
  published = confab_call_get_published_streams (call);
  g_assert_cmpuint (published->len, ==, 1);
  g_assert_true (g_ptr_array_index (published, 0) == new_stream);
  return new_stream;
}

static void
test_video_call (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  g_autoptr(ConfabStream) blue = make_stream (fixture->bob, TRUE, BLUE);
  Frames *at_alice, *at_bob;
  guint seen;

  confab_session_set_call_stats_monitoring_enabled (fixture->alice, TRUE, 300);
  confab_session_set_call_stats_monitoring_enabled (fixture->bob, TRUE, 300);
  confab_session_set_quality_evaluating_enabled (fixture->bob, TRUE);
  connect_call (fixture, red, blue, CONFAB_CALL_MEDIA_VIDEO);

  /* each side decodes the other's colour */
  at_alice = frames_attach (g_ptr_array_index (fixture->alice_received, 0));
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));
  wait_colour (at_alice, BLUE);
  wait_colour (at_bob, RED);
  g_assert_cmpint (at_bob->width, ==, 320);

  /* audio flows both ways, and the numbers are plausible */
  WAIT_UNTIL (fixture->alice_stats.audio_received.bitrate > 0 && fixture->bob_stats.audio_received.bitrate > 0 &&
              fixture->bob_stats.audio_sent.bitrate > 0 && fixture->bob_stats.video_received.width > 0);
  g_assert_cmpuint (fixture->bob_stats.video_received.width, ==, 320);
  g_assert_cmpuint (fixture->bob_stats.video_received.height, ==, 240);
  g_assert_cmpuint (fixture->alice_stats.audio_received.bitrate, <, 1000000);
  g_assert_cmpfloat (fixture->bob_stats.rtt, >=, 0.0);
  g_assert_cmpfloat (fixture->bob_stats.rtt, <, 1.0);
  g_assert_cmpfloat (fixture->bob_stats.video_received.packet_loss, <=, 1.0);
  /* only bob evaluates quality */
  g_assert_cmpfloat (fixture->alice_stats.mos, ==, 0.0);
  WAIT_UNTIL (fixture->bob_stats.quality != CONFAB_CALL_QUALITY_UNKNOWN);
  g_assert_cmpfloat (fixture->bob_stats.mos, >=, 1.0);
  g_assert_cmpfloat (fixture->bob_stats.mos, <=, 4.5);
  g_assert_cmpint (confab_call_get_quality (fixture->bob_call), ==, fixture->bob_stats.quality);

  /* alice stops her camera: bob is told, and her frames stop or turn black */
  fixture->bob_updates = 0;
  confab_call_set_video_enabled (fixture->alice_call, FALSE);
  WAIT_UNTIL (fixture->bob_updates > 0);
  g_assert_false (confab_stream_get_video_enabled (g_ptr_array_index (fixture->bob_received, 0)));
  seen = frames_count (at_bob);
  for (;;)
    {
      guint before = frames_count (at_bob);

      if (frames_black (at_bob) > 0)
        break;
      test_spin (1500);
      if (frames_count (at_bob) == before && before >= seen)
        break;
    }

  /* and back */
  fixture->bob_updates = 0;
  confab_call_set_video_enabled (fixture->alice_call, TRUE);
  WAIT_UNTIL (fixture->bob_updates > 0);
  g_assert_true (confab_stream_get_video_enabled (g_ptr_array_index (fixture->bob_received, 0)));

  frames_free (g_ptr_array_index (fixture->alice_received, 0), at_alice);
  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);

  /* the callee hangs up: both end */
  hang_up_and_check (fixture, fixture->bob_call);
  confab_stream_release (red);
  confab_stream_release (blue);
}

static void
test_add_video (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ConfabStream) green = NULL;
  g_autoptr(ConfabStream) bob_audio = make_stream (fixture->bob, FALSE, BLUE);
  ConfabStream *received;
  Frames *at_bob;

  /* an audio call: alice publishes the default microphone */
  connect_call (fixture, NULL, bob_audio, CONFAB_CALL_MEDIA_AUDIO);
  WAIT_UNTIL (fixture->bob_received->len > 0);
  received = g_ptr_array_index (fixture->bob_received, 0);
  g_assert_false (confab_stream_get_has_video (received));

  /* she adds her camera: the call renegotiates and bob sees green */
  green = make_stream_full (fixture->alice, FALSE, TRUE, GREEN);
  add_stream (fixture->alice_call, green);

  WAIT_UNTIL (fixture->bob_received->len > 0 &&
              confab_stream_get_has_video (g_ptr_array_index (fixture->bob_received, fixture->bob_received->len - 1)));
  received = g_ptr_array_index (fixture->bob_received, fixture->bob_received->len - 1);
  at_bob = frames_attach (received);
  wait_colour (at_bob, GREEN);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);
  frames_free (received, at_bob);

  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (green);
  confab_stream_release (bob_audio);
}

/* In a video call alice shares her screen: bob's new stream says it is a screen
 * share (and shows it), his camera stream from her does not. */
static void
test_screen_share (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ConfabStream) red = NULL;
  g_autoptr(ConfabStream) blue = NULL;
  ConfabStream *camera;
  ConfabStream *screen;
  Frames *at_bob;

  connect_video_call_with_screen (fixture, &red, &blue);
  camera = g_ptr_array_index (fixture->bob_received, 0);
  g_assert_false (confab_stream_get_is_screensharing (camera));

  share_screen (fixture, 2);
  screen = g_ptr_array_index (fixture->bob_received, 1);
  g_assert_true (confab_stream_get_is_remote (screen));
  g_assert_false (confab_stream_get_is_screensharing (camera));
  at_bob = frames_attach (screen);
  wait_colour (at_bob, WHITE);
  frames_free (screen, at_bob);

  end_video_call_with_screen (fixture, fixture->alice_call, red, blue);
}

/* Switching the camera mid-call: the peer sees the new picture, the call goes on. */
static void
test_replace_stream (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  g_autoptr(ConfabStream) green = NULL;
  Frames *at_bob;

  connect_call (fixture, red, NULL, CONFAB_CALL_MEDIA_VIDEO);
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));
  wait_colour (at_bob, RED);

  green = make_stream (fixture->alice, TRUE, GREEN);
  switch_published (fixture->alice_call, red, green);

  /* the new picture comes on the same remote stream, or as a new one */
  WAIT_UNTIL (frames_show (at_bob, GREEN) || fixture->bob_received->len > 1);
  if (!frames_show (at_bob, GREEN))
    {
      ConfabStream *latest = g_ptr_array_index (fixture->bob_received, fixture->bob_received->len - 1);
      Frames *at_latest;

      WAIT_UNTIL (confab_stream_get_has_video (latest));
      at_latest = frames_attach (latest);
      wait_colour (at_latest, GREEN);
      frames_free (latest, at_latest);
    }
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);
  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (red);
  confab_stream_release (green);
}

/* A call started as a screen share: bob's only stream is one from the start. */
static void
test_screen_call (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ConfabStream) white = make_stream_full (fixture->alice, FALSE, TRUE, WHITE);

  g_signal_connect (fixture->bob, "incoming-screen-sharing-call-invitation", G_CALLBACK (on_incoming_call), fixture);
  connect_call (fixture, white, NULL, CONFAB_CALL_MEDIA_SCREEN);
  g_assert_cmpint (confab_call_get_media (fixture->bob_call), ==, CONFAB_CALL_MEDIA_SCREEN);
  WAIT_UNTIL (fixture->bob_received->len > 0);
  g_assert_true (confab_stream_get_is_screensharing (g_ptr_array_index (fixture->bob_received, 0)));

  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (white);
}

/* The screen share is told by msid, not by arrival order: in an audio call alice
 * shares her screen, then adds her camera (the last stream, which the old rule took
 * for the screen; and the old grouping put the screen's video into her audio stream).
 * Bob gets three streams, and exactly the screen's is flagged. */
static void
test_screen_msid (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ConfabStream) alice_audio = make_stream_full (fixture->alice, TRUE, FALSE, RED);
  g_autoptr(ConfabStream) bob_audio = make_stream (fixture->bob, FALSE, BLUE);
  g_autoptr(ConfabStream) camera = NULL;
  ConfabStream *audio, *screen, *received_camera;
  Frames *at_screen, *at_camera;

  g_setenv ("CONFAB_SCREENSRC", WHITE_SCREENSRC, TRUE);
  connect_call (fixture, alice_audio, bob_audio, CONFAB_CALL_MEDIA_AUDIO);
  audio = g_ptr_array_index (fixture->bob_received, 0);

  share_screen (fixture, 2);
  screen = g_ptr_array_index (fixture->bob_received, 1);

  camera = make_stream_full (fixture->alice, FALSE, TRUE, GREEN);
  add_stream (fixture->alice_call, camera);
  WAIT_UNTIL (fixture->bob_received->len >= 3 &&
              confab_stream_get_has_video (g_ptr_array_index (fixture->bob_received, 2)));
  received_camera = g_ptr_array_index (fixture->bob_received, 2);

  /* grouped by msid: three streams, one track kind each */
  g_assert_cmpuint (fixture->bob_received->len, ==, 3);
  g_assert_true (confab_stream_get_has_audio (audio));
  g_assert_false (confab_stream_get_has_video (audio));
  g_assert_true (confab_stream_get_has_video (screen));
  g_assert_false (confab_stream_get_has_audio (screen));
  g_assert_false (confab_stream_get_has_audio (received_camera));

  at_screen = frames_attach (screen);
  at_camera = frames_attach (received_camera);
  wait_colour (at_screen, WHITE);
  wait_colour (at_camera, GREEN);

  /* exactly the screen is flagged, also now that the camera came last */
  g_assert_true (confab_stream_get_is_screensharing (screen));
  g_assert_false (confab_stream_get_is_screensharing (received_camera));
  g_assert_false (confab_stream_get_is_screensharing (audio));

  frames_free (screen, at_screen);
  frames_free (received_camera, at_camera);
  hang_up_and_check (fixture, fixture->alice_call);
  g_unsetenv ("CONFAB_SCREENSRC");
  confab_stream_release (alice_audio);
  confab_stream_release (bob_audio);
  confab_stream_release (camera);
}

static void
on_ended (ConfabStream *stream,
          guint        *ended)
{
  (*ended)++;
}

/* Alice shares her screen, stops, shares again, then releases the shared stream: bob
 * gets stream-added (flagged) and stream-removed each time, the removed stream ends,
 * and her camera keeps flowing throughout. */
static void
test_stop_screen_share (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ConfabStream) red = NULL;
  g_autoptr(ConfabStream) blue = NULL;
  g_autoptr(ConfabStream) local_screen = NULL;
  g_autoptr(GError) error = NULL;
  ConfabStream *camera, *screen;
  Frames *at_camera, *at_screen;
  guint ended = 0;

  connect_video_call_with_screen (fixture, &red, &blue);
  camera = g_ptr_array_index (fixture->bob_received, 0);
  at_camera = frames_attach (camera);
  wait_colour (at_camera, RED);

  /* the camera shares its media lines with bob's: it cannot be stopped, nothing changes */
  g_assert_false (confab_call_remove_stream (fixture->alice_call, red, &error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) published = confab_call_get_published_streams (fixture->alice_call);

    g_assert_cmpuint (published->len, ==, 1);
  }

  /* share, then stop */
  share_screen (fixture, 2);
  screen = g_ptr_array_index (fixture->bob_received, 1);
  g_signal_connect (screen, "ended", G_CALLBACK (on_ended), &ended);
  local_screen = published_screen (fixture->alice_call);
  g_assert_nonnull (local_screen);

  g_assert_true (confab_call_remove_stream (fixture->alice_call, local_screen, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) published = confab_call_get_published_streams (fixture->alice_call);

    g_assert_cmpuint (published->len, ==, 1);
    g_assert_true (g_ptr_array_index (published, 0) == red);
  }
  /* the call made the screen stream: it stops capturing */
  g_assert_true (confab_stream_get_released (local_screen));
  /* not published any more: refused, nothing changes */
  g_assert_false (confab_call_remove_stream (fixture->alice_call, local_screen, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  WAIT_UNTIL (fixture->bob_removed->len == 1);
  g_assert_true (g_ptr_array_index (fixture->bob_removed, 0) == screen);
  g_assert_cmpuint (ended, ==, 1);
  g_assert_true (confab_stream_get_released (screen));
  {
    g_autoptr(GPtrArray) received = confab_call_get_received_streams (fixture->bob_call);

    g_assert_cmpuint (received->len, ==, 1);
    g_assert_true (g_ptr_array_index (received, 0) == camera);
  }
  g_assert_false (confab_stream_get_is_screensharing (camera));
  camera_flows (at_camera, RED);
  g_signal_handlers_disconnect_by_data (screen, &ended);
  g_clear_object (&local_screen);

  /* share again: a new stream */
  share_screen (fixture, 3);
  screen = g_ptr_array_index (fixture->bob_received, 2);
  at_screen = frames_attach (screen);
  wait_colour (at_screen, WHITE);
  frames_free (screen, at_screen);
  g_assert_false (confab_stream_get_is_screensharing (camera));

  /* the shared stream ends by itself (a closed portal session releases it): the call
   * stops sending it */
  local_screen = published_screen (fixture->alice_call);
  g_assert_nonnull (local_screen);
  confab_stream_release (local_screen);
  {
    g_autoptr(GPtrArray) published = confab_call_get_published_streams (fixture->alice_call);

    g_assert_cmpuint (published->len, ==, 1);
  }
  WAIT_UNTIL (fixture->bob_removed->len == 2);
  g_assert_true (g_ptr_array_index (fixture->bob_removed, 1) == screen);
  g_assert_true (confab_stream_get_released (screen));
  camera_flows (at_camera, RED);
  g_assert_cmpint (confab_call_get_status (fixture->alice_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  frames_free (camera, at_camera);
  end_video_call_with_screen (fixture, fixture->alice_call, red, blue);
}

/* The callee shares its screen and stops (it offers both changes itself): the caller
 * gets the flagged stream, then stream-removed, and the callee's camera goes on. */
static void
test_callee_stop_screen_share (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(ConfabStream) red = NULL;
  g_autoptr(ConfabStream) blue = NULL;
  g_autoptr(ConfabStream) local_screen = NULL;
  g_autoptr(GError) error = NULL;
  ConfabStream *camera, *screen;
  Frames *at_camera;

  connect_video_call_with_screen (fixture, &red, &blue);
  camera = g_ptr_array_index (fixture->alice_received, 0);
  at_camera = frames_attach (camera);
  wait_colour (at_camera, BLUE);

  share_screen_from (fixture->bob_call, fixture->alice_received, 2);
  screen = g_ptr_array_index (fixture->alice_received, 1);
  g_assert_false (confab_stream_get_is_screensharing (camera));

  local_screen = published_screen (fixture->bob_call);
  g_assert_nonnull (local_screen);
  g_assert_true (confab_call_remove_stream (fixture->bob_call, local_screen, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (fixture->alice_removed->len == 1);
  g_assert_true (g_ptr_array_index (fixture->alice_removed, 0) == screen);
  g_assert_true (confab_stream_get_released (screen));

  camera_flows (at_camera, BLUE);
  g_assert_cmpint (confab_call_get_status (fixture->alice_call), ==, CONFAB_CALL_STATUS_ONGOING);

  frames_free (camera, at_camera);
  end_video_call_with_screen (fixture, fixture->bob_call, red, blue);
}

/* Mid-call, alice adds a stream with both audio and video to an audio call: the call
 * renegotiates and bob gets one new stream with both, decodes its colour and hears it. */
static void
test_add_audio_video (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ConfabStream) bob_audio = make_stream (fixture->bob, FALSE, BLUE);
  g_autoptr(ConfabStream) green = NULL;
  ConfabStream *received;
  Frames *at_bob;

  /* alice publishes the default microphone */
  connect_call (fixture, NULL, bob_audio, CONFAB_CALL_MEDIA_AUDIO);
  WAIT_UNTIL (fixture->bob_received->len > 0);
  g_assert_false (confab_stream_get_has_video (g_ptr_array_index (fixture->bob_received, 0)));

  green = make_stream (fixture->alice, TRUE, GREEN);
  add_stream (fixture->alice_call, green);

  WAIT_UNTIL (fixture->bob_received->len >= 2 &&
              confab_stream_get_has_video (g_ptr_array_index (fixture->bob_received, 1)) &&
              confab_stream_get_has_audio (g_ptr_array_index (fixture->bob_received, 1)));
  g_assert_cmpuint (fixture->bob_received->len, ==, 2);
  received = g_ptr_array_index (fixture->bob_received, 1);
  at_bob = frames_attach (received);
  wait_colour (at_bob, GREEN);
  /* its audio plays: the remote stream's level rises from silence */
  WAIT_UNTIL (confab_stream_get_audio_level (received) > -40.0);
  /* the first stream goes on too */
  WAIT_UNTIL (confab_stream_get_audio_level (g_ptr_array_index (fixture->bob_received, 0)) > -40.0);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);
  frames_free (received, at_bob);

  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (green);
  confab_stream_release (bob_audio);
}

/* Switching camera and microphone on an audio+video call, on the caller and then on
 * the callee: the same transceivers carry the new devices, so the other side keeps
 * decoding, now the new colour, and the call goes on. */
static void
test_replace_stream_both_sides (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  g_autoptr(ConfabStream) blue = make_stream (fixture->bob, TRUE, BLUE);
  g_autoptr(ConfabStream) green = NULL;
  g_autoptr(ConfabStream) white = NULL;
  g_autoptr(ConfabStream) audio_only = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Frames *at_alice, *at_bob;

  connect_call (fixture, red, blue, CONFAB_CALL_MEDIA_VIDEO);
  at_alice = frames_attach (g_ptr_array_index (fixture->alice_received, 0));
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));
  wait_colour (at_alice, BLUE);
  wait_colour (at_bob, RED);

  /* the caller switches: bob's decoder goes on with the new picture */
  green = make_stream (fixture->alice, TRUE, GREEN);
  switch_published (fixture->alice_call, red, green);
  confab_stream_release (red);
  wait_colour (at_bob, GREEN);

  /* the callee switches: so does alice's */
  white = make_stream (fixture->bob, TRUE, WHITE);
  switch_published (fixture->bob_call, blue, white);
  confab_stream_release (blue);
  wait_colour (at_alice, WHITE);
  g_assert_cmpuint (fixture->alice_received->len, ==, 1);
  g_assert_cmpuint (fixture->bob_received->len, ==, 1);

  /* a stream with other tracks is refused, and nothing changes */
  audio_only = make_stream_full (fixture->alice, TRUE, FALSE, GREEN);
  confab_call_replace_published_stream_async (fixture->alice_call, green, audio_only, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_false (confab_call_replace_published_stream_finish (fixture->alice_call, result, &error));
  g_assert_nonnull (error);
  {
    g_autoptr(GPtrArray) published = confab_call_get_published_streams (fixture->alice_call);

    g_assert_true (g_ptr_array_index (published, 0) == green);
  }
  wait_colour (at_bob, GREEN);

  g_assert_cmpint (confab_call_get_status (fixture->alice_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  frames_free (g_ptr_array_index (fixture->alice_received, 0), at_alice);
  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);
  hang_up_and_check (fixture, fixture->bob_call);
  confab_stream_release (green);
  confab_stream_release (white);
  confab_stream_release (audio_only);
}

static void
test_ice_restart (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  Frames *at_bob;
  guint before;

  connect_call (fixture, red, NULL, CONFAB_CALL_MEDIA_VIDEO);
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));
  wait_colour (at_bob, RED);

  confab_call_restart_ice (fixture->alice_call);
  before = frames_count (at_bob);
  WAIT_UNTIL (frames_count (at_bob) > before + 30);
  g_assert_cmpint (confab_call_get_status (fixture->alice_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_true (frames_show (at_bob, RED));

  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);
  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (red);
}

static void
test_recording (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  g_autoptr(ConfabRecordInformation) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstDiscoverer) discoverer = NULL;
  g_autoptr(GstDiscovererInfo) discovered = NULL;
  g_autofree char *dir = g_dir_make_tmp ("confab-record-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "call.webm", NULL);
  g_autofree char *uri = NULL;
  Frames *at_bob;

  connect_call (fixture, red, NULL, CONFAB_CALL_MEDIA_VIDEO);
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));

  /* nothing to record into: a clear error, nothing started */
  g_assert_false (confab_call_start_recording (fixture->alice_call, CONFAB_RECORD_MODE_AUDIO_VIDEO, "", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_true (confab_call_start_recording (fixture->alice_call, CONFAB_RECORD_MODE_AUDIO_VIDEO, path, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (frames_count (at_bob) > 20);
  info = confab_call_stop_recording (fixture->alice_call, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (confab_record_information_get_path (info), ==, path);
  g_assert_cmpuint (confab_record_information_get_duration (info), >, 0);

  /* what gst-discoverer-1.0 would say */
  discoverer = gst_discoverer_new (10 * GST_SECOND, &error);
  g_assert_no_error (error);
  uri = gst_filename_to_uri (path, &error);
  discovered = gst_discoverer_discover_uri (discoverer, uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_discoverer_info_get_result (discovered), ==, GST_DISCOVERER_OK);
  g_assert_cmpuint (gst_discoverer_info_get_duration (discovered), >, 0);

  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);
  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (red);
  g_unlink (path);
  g_rmdir (dir);
}

/* A third client speaking raw protocol sends SDP for someone else's call. */
typedef struct
{
  GPtrArray *frames;
} Raw;

/* Choosing the speaker: a device that is not one is refused and changes nothing; the
 * default output keeps the audio flowing. (Relinking to a chosen speaker is covered by
 * the media suite, which can make a fake speaker device.) */
static void
test_speaker (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ConfabStream) alice_audio = make_stream (fixture->alice, FALSE, RED);
  g_autoptr(ConfabStream) bob_audio = make_stream (fixture->bob, FALSE, BLUE);
  g_autoptr(ConfabMediaDevice) camera = g_object_new (CONFAB_TYPE_MEDIA_DEVICE, NULL);
  g_autoptr(GError) error = NULL;

  confab_session_set_call_stats_monitoring_enabled (fixture->bob, TRUE, 300);
  connect_call (fixture, alice_audio, bob_audio, CONFAB_CALL_MEDIA_AUDIO);
  g_assert_null (confab_call_get_speaker (fixture->bob_call));

  g_assert_cmpint (confab_media_device_get_kind (camera), ==, CONFAB_MEDIA_DEVICE_KIND_CAMERA);
  g_assert_false (confab_call_set_speaker (fixture->bob_call, camera, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_assert_null (confab_call_get_speaker (fixture->bob_call));
  g_assert_null (confab_stream_get_audio_output_device (g_ptr_array_index (fixture->bob_received, 0)));

  g_assert_true (confab_call_set_speaker (fixture->bob_call, NULL, &error));
  g_assert_no_error (error);
  fixture->bob_stats.audio_received.bitrate = 0;
  WAIT_UNTIL (fixture->bob_stats.audio_received.bitrate > 0);

  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (alice_audio);
  confab_stream_release (bob_audio);
}

static void
on_raw_message (SoupWebsocketConnection *websocket,
                gint                     type,
                GBytes                  *bytes,
                Raw                     *raw)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_ptr_array_add (raw->frames, g_strndup (data, length));
}

static gboolean
raw_has (Raw        *raw,
         const char *needle)
{
  for (guint i = 0; i < raw->frames->len; i++)
    if (strstr (g_ptr_array_index (raw->frames, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_stranger (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(ConfabStream) red = make_stream (fixture->alice, TRUE, RED);
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", confab_test_server_get_url (fixture->server));
  g_autoptr(SoupWebsocketConnection) websocket = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *register_frame = NULL;
  g_autofree char *sdp_frame = NULL;
  Raw raw = { g_ptr_array_new_with_free_func (g_free) };
  Frames *at_bob;
  guint before;

  connect_call (fixture, red, NULL, CONFAB_CALL_MEDIA_VIDEO);
  at_bob = frames_attach (g_ptr_array_index (fixture->bob_received, 0));
  WAIT_UNTIL (frames_count (at_bob) > 5);

  soup_session_websocket_connect_async (soup, message, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  websocket = soup_session_websocket_connect_finish (soup, result, &error);
  g_assert_no_error (error);
  g_signal_connect (websocket, "message", G_CALLBACK (on_raw_message), &raw);
  soup_websocket_connection_send_text (websocket, "{\"type\":\"hello\",\"versions\":[1]}");
  register_frame = g_strdup_printf ("{\"type\":\"register\",\"id\":1,\"uri\":\"%s\",\"userId\":\"mallory\"}",
                                    fixture->guest_uri);
  soup_websocket_connection_send_text (websocket, register_frame);
  WAIT_UNTIL (raw_has (&raw, "\"re\":1"));
  sdp_frame = g_strdup_printf ("{\"type\":\"callSdp\",\"id\":2,\"callId\":\"%s\",\"sdpType\":\"offer\","
                               "\"sdp\":\"v=0\\r\\n\"}", confab_call_get_id (fixture->alice_call));
  soup_websocket_connection_send_text (websocket, sdp_frame);
  WAIT_UNTIL (raw_has (&raw, "\"re\":2"));
  g_assert_true (raw_has (&raw, "\"code\":\"NOT_FOUND\""));

  /* the call goes on */
  before = frames_count (at_bob);
  WAIT_UNTIL (frames_count (at_bob) > before + 10);
  g_assert_cmpint (confab_call_get_status (fixture->alice_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_status (fixture->bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  g_signal_handlers_disconnect_by_data (websocket, &raw);
  soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_ptr_array_unref (raw.frames);
  frames_free (g_ptr_array_index (fixture->bob_received, 0), at_bob);
  hang_up_and_check (fixture, fixture->alice_call);
  confab_stream_release (red);
}

static void
on_ice_failed_incoming (ConfabSession                 *session,
                        ConfabReceivedCallInvitation  *invitation,
                        ConfabReceivedCallInvitation **out)
{
  g_set_object (out, invitation);
}

static void
on_ice_failed_hangup (ConfabCall  *call,
                      const char  *from,
                      const char  *reason,
                      char       **out)
{
  g_free (*out);
  *out = g_strdup (reason);
}

/* Media that never comes back ends the call with Ice_failed: the scripted router loses
 * every ICE candidate, so ICE cannot connect. */
static void
test_ice_failed (void)
{
  g_autoptr(Router) router = router_new ();
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabSession) bob = NULL;
  g_autoptr(ConfabReceivedCallInvitation) invitation = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *answered_reason = NULL;
  ConfabCall *call, *answered;

  /* Both sides time out waiting for media (closing a peer connection that never
   * connected must not deadlock), and each ends with Ice_failed. */
  router->drop_ice = TRUE;
  g_setenv ("CONFAB_CALL_MEDIA_TIMEOUT_MS", "1500", TRUE);
  alice = test_register (router->url, "apiKey:key", NULL, "alice", NULL, &error);
  g_assert_no_error (error);
  bob = test_register (router->url, "apiKey:key", NULL, "bob", NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (bob, "incoming-call", G_CALLBACK (on_ice_failed_incoming), &invitation);

  call = confab_contact_call (confab_session_get_or_create_contact (alice, "bob"), NULL,
                              CONFAB_CALL_MEDIA_AUDIO, &error);
  g_assert_no_error (error);
  g_signal_connect (call, "hangup", G_CALLBACK (on_ice_failed_hangup), &reason);
  WAIT_UNTIL (invitation != NULL);
  confab_received_call_invitation_accept_async (invitation, NULL, NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  answered = confab_received_call_invitation_accept_finish (invitation, result, &error);
  g_assert_no_error (error);
  g_signal_connect (answered, "hangup", G_CALLBACK (on_ice_failed_hangup), &answered_reason);

  WAIT_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED &&
              confab_call_get_status (answered) == CONFAB_CALL_STATUS_ENDED);
  g_assert_false (confab_call_get_media_connected (call));
  g_assert_false (confab_call_get_media_connected (answered));
  g_assert_cmpstr (reason, ==, "Ice_failed");
  g_assert_cmpstr (answered_reason, ==, "Ice_failed");
  g_signal_handlers_disconnect_by_data (call, &reason);
  g_signal_handlers_disconnect_by_data (answered, &answered_reason);
  g_unsetenv ("CONFAB_CALL_MEDIA_TIMEOUT_MS");

  g_signal_handlers_disconnect_by_data (bob, &invitation);
  test_disconnect (alice);
  test_disconnect (bob);
}

int
main (int    argc,
      char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/libconfab/call-media/video-both-ways", Fixture, NULL, fixture_setup, test_video_call, fixture_teardown);
  g_test_add ("/libconfab/call-media/add-video", Fixture, NULL, fixture_setup, test_add_video, fixture_teardown);
  g_test_add ("/libconfab/call-media/replace-stream", Fixture, NULL, fixture_setup, test_replace_stream, fixture_teardown);
  g_test_add ("/libconfab/call-media/replace-stream-both-sides", Fixture, NULL, fixture_setup,
              test_replace_stream_both_sides, fixture_teardown);
  g_test_add ("/libconfab/call-media/screen-call", Fixture, NULL, fixture_setup, test_screen_call, fixture_teardown);
  g_test_add ("/libconfab/call-media/screen-share", Fixture, NULL, fixture_setup, test_screen_share, fixture_teardown);
  g_test_add ("/libconfab/call-media/screen-msid", Fixture, NULL, fixture_setup, test_screen_msid, fixture_teardown);
  g_test_add ("/libconfab/call-media/stop-screen-share", Fixture, NULL, fixture_setup, test_stop_screen_share,
              fixture_teardown);
  g_test_add ("/libconfab/call-media/callee-stop-screen-share", Fixture, NULL, fixture_setup,
              test_callee_stop_screen_share, fixture_teardown);
  g_test_add ("/libconfab/call-media/add-audio-video", Fixture, NULL, fixture_setup, test_add_audio_video,
              fixture_teardown);
  g_test_add ("/libconfab/call-media/ice-restart", Fixture, NULL, fixture_setup, test_ice_restart, fixture_teardown);
  g_test_add ("/libconfab/call-media/recording", Fixture, NULL, fixture_setup, test_recording, fixture_teardown);
  g_test_add ("/libconfab/call-media/stranger", Fixture, NULL, fixture_setup, test_stranger, fixture_teardown);
  g_test_add ("/libconfab/call-media/speaker", Fixture, NULL, fixture_setup, test_speaker, fixture_teardown);
  g_test_add_func ("/libconfab/call-media/ice-failed", test_ice_failed);

  status = g_test_run ();
  gst_deinit ();
  return status;
}
