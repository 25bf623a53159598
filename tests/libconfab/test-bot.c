/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-bot.c: confab-bot, run as a real process, echoes what it is sent */

#define G_LOG_DOMAIN "test-bot"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static const char *
bot_binary (void)
{
  const char *path = g_getenv ("CONFAB_BOT");

  if (path == NULL || *path == '\0')
    g_error ("CONFAB_BOT is not set: the test must be run by meson");

  return path;
}

/* Sends @text to @bot_id until it is there (the bot signs in in its own time). */
static void
send_when_online (ConfabSession *session,
                  const char    *bot_id,
                  const char    *text)
{
  ConfabContact *bot = confab_session_get_or_create_contact (session, bot_id);
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uuid = test_send_message (bot, text, &error);

      if (uuid != NULL)
        return;

      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      test_spin (100);
    }
}

static void
wait_echo (TestRecorder *events,
           guint         n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  while (events->messages->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (events->messages->len, ==, n);
}

static void
stop_bot (GSubprocess *bot)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (bot, SIGTERM);
  g_subprocess_wait (bot, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (bot));
  g_assert_cmpint (g_subprocess_get_exit_status (bot), ==, 0);
}

static void
test_guest_bot_echoes (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(GSubprocess) bot = NULL;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(TestRecorder) events = NULL;
  g_autoptr(GError) error = NULL;
  ConfabContact *bot_contact;

  bot = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, bot_binary (),
                          "--server", confab_test_server_get_url (server),
                          "--api-key", confab_test_server_get_api_key (server),
                          "--user-id", "echo-bot", "--username", "Echo Bot",
                          NULL);
  g_assert_no_error (error);

  alice = test_register (confab_test_server_get_url (server), uri, NULL, "alice", NULL, &error);
  g_assert_no_error (error);
  events = test_recorder_new (alice);

  send_when_online (alice, "echo-bot", "hello bot");
  wait_echo (events, 1);
  g_assert_cmpstr (g_ptr_array_index (events->message_texts, 0), ==, "echo-bot:echo: hello bot");
  bot_contact = confab_session_get_or_create_contact (alice, "echo-bot");
  g_assert_cmpstr (confab_contact_get_username (bot_contact), ==, "Echo Bot");

  g_free (test_send_message (bot_contact, "ça marche ✓", &error));
  g_assert_no_error (error);
  wait_echo (events, 2);
  g_assert_cmpstr (g_ptr_array_index (events->message_texts, 1), ==, "echo-bot:echo: ça marche ✓");

  stop_bot (bot);
  test_disconnect (alice);
}

static void
test_account_bot_echoes (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autofree char *password_file = NULL;
  g_autoptr(GSubprocess) bot = NULL;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(TestRecorder) events = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  confab_test_server_add_user (server, "robot", "robot-password");
  fd = g_file_open_tmp ("confab-bot-password-XXXXXX", &password_file, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (password_file, "robot-password\n", -1, &error));

  bot = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, bot_binary (),
                          "--server", confab_test_server_get_url (server),
                          "--login", "robot", "--password-file", password_file,
                          NULL);
  g_assert_no_error (error);

  alice = test_register (confab_test_server_get_url (server), uri, NULL, "alice", NULL, &error);
  g_assert_no_error (error);
  events = test_recorder_new (alice);

  /* an account: a message sent before it signs in is stored, and echoed once it does */
  g_free (test_send_message (confab_session_get_or_create_contact (alice, "robot"), "are you there?", &error));
  g_assert_no_error (error);
  wait_echo (events, 1);
  g_assert_cmpstr (g_ptr_array_index (events->message_texts, 0), ==, "robot:echo: are you there?");

  stop_bot (bot);
  g_unlink (password_file);
  test_disconnect (alice);
}

static void
test_bot_bad_credentials (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(GSubprocess) bot = NULL;
  g_autoptr(GError) error = NULL;

  bot = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, bot_binary (),
                          "--server", confab_test_server_get_url (server),
                          "--api-key", "not-the-key",
                          NULL);
  g_assert_no_error (error);
  g_subprocess_wait (bot, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (bot));
  g_assert_cmpint (g_subprocess_get_exit_status (bot), ==, 1);
}

/* calls */

static gint n_frames;
static gint frame_width;

static GstFlowReturn
on_new_sample (GstAppSink *appsink,
               gpointer    user_data)
{
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (appsink);
  GstStructure *structure;
  int width = 0;

  if (sample != NULL && gst_sample_get_caps (sample) != NULL)
    {
      structure = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
      gst_structure_get_int (structure, "width", &width);
      g_atomic_int_set (&frame_width, width);
      g_atomic_int_inc (&n_frames);
    }

  return GST_FLOW_OK;
}

static GstElement *
watch_frames (ConfabStream *stream)
{
  GstElement *sink = gst_object_ref_sink (gst_element_factory_make ("appsink", NULL));
  GstAppSinkCallbacks callbacks;

  memset (&callbacks, 0, sizeof callbacks);
  callbacks.new_sample = on_new_sample;
  g_atomic_int_set (&n_frames, 0);
  g_object_set (sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, NULL, NULL);
  confab_stream_attach_video_sink (stream, sink);
  return sink;
}

static void
on_stream_added (ConfabCall    *call,
                 ConfabStream  *stream,
                 ConfabStream **out)
{
  g_set_object (out, stream);
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

/* The user calls the bot; it answers with its test pattern (and tone). */
static void
test_bot_answers_call (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(GSubprocess) bot = NULL;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabStream) received = NULL;
  g_autoptr(ConfabStream) local = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GError) error = NULL;
  ConfabCall *call = NULL;
  GVariantDict options;

  bot = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, bot_binary (),
                          "--server", confab_test_server_get_url (server),
                          "--api-key", confab_test_server_get_api_key (server),
                          "--user-id", "call-bot", NULL);
  g_assert_no_error (error);
  alice = test_register (confab_test_server_get_url (server), uri, NULL, "alice", NULL, &error);
  g_assert_no_error (error);

  /* a small video call (CONFAB_VIDEOSRC, CONFAB_AUDIOSRC), again until the bot is online */
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "width", "i", 320);
  g_variant_dict_insert (&options, "height", "i", 240);
  g_variant_dict_insert (&options, "framerate", "i", 15);
  local = confab_stream_new_local (g_variant_dict_end (&options), &error);
  g_assert_no_error (error);
  while (call == NULL || confab_call_get_status (call) != CONFAB_CALL_STATUS_ONGOING)
    {
      if (call != NULL && confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
        {
          g_signal_handlers_disconnect_by_data (call, &received);
          call = NULL;
          test_spin (200);
        }
      if (call == NULL)
        {
          call = confab_contact_call (confab_session_get_or_create_contact (alice, "call-bot"), local,
                                      CONFAB_CALL_MEDIA_VIDEO, &error);
          g_assert_no_error (error);
          g_signal_connect (call, "stream-added", G_CALLBACK (on_stream_added), &received);
        }
      g_main_context_iteration (NULL, TRUE);
    }

  WAIT_UNTIL (received != NULL);
  WAIT_UNTIL (confab_stream_get_has_audio (received));
  sink = watch_frames (received);
  WAIT_UNTIL (g_atomic_int_get (&n_frames) > 10);
  g_assert_cmpint (g_atomic_int_get (&frame_width), ==, 640);

  confab_call_hang_up (call);
  g_signal_handlers_disconnect_by_data (call, &received);
  confab_stream_detach_video_sink (received, sink);
  confab_stream_release (local);
  stop_bot (bot);
  test_disconnect (alice);
}

static void
on_incoming_call (ConfabSession                 *session,
                  ConfabReceivedCallInvitation  *invitation,
                  ConfabReceivedCallInvitation **out)
{
  g_set_object (out, invitation);
}

static void
on_accepted (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* confab-bot --call USER: the bot calls the user, who sees its pattern. */
static void
test_bot_calls_user (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(GSubprocess) bot = NULL;
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabReceivedCallInvitation) invitation = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConfabStream) received = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  /* alice first: the bot retries while she is not online anyway */
  alice = test_register (confab_test_server_get_url (server), uri, NULL, "alice", NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (alice, "incoming-call", G_CALLBACK (on_incoming_call), &invitation);

  bot = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, bot_binary (),
                          "--server", confab_test_server_get_url (server),
                          "--api-key", confab_test_server_get_api_key (server),
                          "--user-id", "caller-bot", "--call", "alice", NULL);
  g_assert_no_error (error);

  WAIT_UNTIL (invitation != NULL);
  g_assert_cmpstr (confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)), ==, "caller-bot");
  g_assert_cmpint (confab_received_call_invitation_get_media (invitation), ==, CONFAB_CALL_MEDIA_VIDEO);

  /* watch only */
  confab_received_call_invitation_accept_async (invitation, NULL, NULL, on_accepted, &result);
  WAIT_UNTIL (result != NULL);
  call = confab_received_call_invitation_accept_finish (invitation, result, &error);
  g_assert_no_error (error);
  g_signal_connect (call, "stream-added", G_CALLBACK (on_stream_added), &received);
  WAIT_UNTIL (received != NULL);
  sink = watch_frames (received);
  WAIT_UNTIL (g_atomic_int_get (&n_frames) > 10);

  /* the bot signs out: the call ends with it */
  stop_bot (bot);
  WAIT_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED);

  g_signal_handlers_disconnect_by_data (call, &received);
  g_signal_handlers_disconnect_by_data (alice, &invitation);
  confab_stream_detach_video_sink (received, sink);
  test_disconnect (alice);
}

int
main (int    argc,
      char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/confab-bot/answers-call", test_bot_answers_call);
  g_test_add_func ("/confab-bot/calls-user", test_bot_calls_user);

  g_test_add_func ("/confab-bot/guest-echoes", test_guest_bot_echoes);
  g_test_add_func ("/confab-bot/account-echoes", test_account_bot_echoes);
  g_test_add_func ("/confab-bot/bad-credentials", test_bot_bad_credentials);

  status = g_test_run ();

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
