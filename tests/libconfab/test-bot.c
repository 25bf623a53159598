/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-bot.c: confab-bot, run as a real process, echoes what it is sent */

#define G_LOG_DOMAIN "test-bot"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/confab-bot/guest-echoes", test_guest_bot_echoes);
  g_test_add_func ("/confab-bot/account-echoes", test_account_bot_echoes);
  g_test_add_func ("/confab-bot/bad-credentials", test_bot_bad_credentials);

  return g_test_run ();
}
