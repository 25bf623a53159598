/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-reconnect.c: cut sockets and restart the server mid-stream; nothing is lost,
 * nothing is delivered twice */

#define G_LOG_DOMAIN "test-reconnect"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <glib/gstdio.h>

#define N_MESSAGES 60

typedef struct
{
  const char    *name;
  ConfabSession *session;
  ConfabContact *peer;
  TestRecorder  *events;
  guint          n_sent;
  guint          n_confirmed;
  GPtrArray     *send_errors;
} Side;

static void
side_init (Side          *side,
           const char    *name,
           ConfabSession *session,
           const char    *peer_id)
{
  side->name = name;
  side->session = session;
  side->peer = confab_session_get_or_create_contact (session, peer_id);
  side->events = test_recorder_new (session);
  side->send_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

static void
side_clear (Side *side)
{
  g_clear_pointer (&side->events, test_recorder_free);
  g_clear_pointer (&side->send_errors, g_ptr_array_unref);
  g_clear_object (&side->session);
}

static void
on_stream_sent (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Side *side = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = confab_contact_send_message_finish (CONFAB_CONTACT (object), result, &error);
  if (uuid == NULL)
    {
      g_test_message ("%s: send failed: %s", side->name, error->message);
      g_ptr_array_add (side->send_errors, g_steal_pointer (&error));
    }
  else
    {
      side->n_confirmed++;
    }
}

static void
side_send_until (Side  *side,
                 guint  n)
{
  for (; side->n_sent < n; side->n_sent++)
    {
      g_autofree char *text = g_strdup_printf ("%s #%03u", side->name, side->n_sent);

      confab_contact_send_message_async (side->peer, text, NULL, on_stream_sent, side);
    }
}

static gboolean
stream_done (Side *a,
             Side *b)
{
  return a->n_confirmed + a->send_errors->len == N_MESSAGES &&
         b->n_confirmed + b->send_errors->len == N_MESSAGES &&
         a->events->messages->len >= N_MESSAGES &&
         b->events->messages->len >= N_MESSAGES;
}

static void
wait_stream_done (Side *a,
                  Side *b)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while (!stream_done (a, b) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%s: %u confirmed, %u received; %s: %u confirmed, %u received",
                  a->name, a->n_confirmed, a->events->messages->len,
                  b->name, b->n_confirmed, b->events->messages->len);
  g_assert_true (stream_done (a, b));
}

/* Waits until both have received at least @n, calling @in_between as soon as they have. */
static void
wait_received (Side  *a,
               Side  *b,
               guint  n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  while ((a->events->messages->len < n || b->events->messages->len < n) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (a->events->messages->len, >=, n);
  g_assert_cmpuint (b->events->messages->len, >=, n);
}

/* Every message of @from arrived at @to exactly once, in order, and every send was confirmed. */
static void
assert_stream_exact (Side *from,
                     Side *to)
{
  const char *from_id = confab_session_get_id (from->session);

  g_assert_cmpuint (from->send_errors->len, ==, 0);
  g_assert_cmpuint (from->n_confirmed, ==, N_MESSAGES);
  g_assert_cmpuint (to->events->messages->len, ==, N_MESSAGES);

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s:%s #%03u", from_id, from->name, i);

      g_assert_cmpstr (g_ptr_array_index (to->events->message_texts, i), ==, expected);
    }

  /* the sender's own list: every message there once, none failed */
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (from->peer)), ==, 2 * N_MESSAGES);
  for (guint i = 0; i < 2 * N_MESSAGES; i++)
    {
      g_autoptr(ConfabMessage) message = g_list_model_get_item (confab_contact_get_messages (from->peer), i);

      g_assert_cmpint (confab_message_get_status (message), !=, CONFAB_MESSAGE_STATUS_FAILED);
      g_assert_cmpint (confab_message_get_status (message), !=, CONFAB_MESSAGE_STATUS_SENDING);
    }
}

static void
test_cut_socket (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestProxy) proxy = test_proxy_new (confab_test_server_get_port (server));
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(GError) error = NULL;
  Side alice = { 0 };
  Side bob = { 0 };
  ConfabSession *session;

  session = test_register (test_proxy_get_url (proxy), uri, NULL, "alice", NULL, &error);
  g_assert_no_error (error);
  side_init (&alice, "alice", session, "bob");
  session = test_register (test_proxy_get_url (proxy), uri, NULL, "bob", NULL, &error);
  g_assert_no_error (error);
  side_init (&bob, "bob", session, "alice");
  g_assert_cmpuint (test_proxy_get_n_accepted (proxy), ==, 2);

  side_send_until (&alice, N_MESSAGES / 2);
  side_send_until (&bob, N_MESSAGES / 2);
  wait_received (&alice, &bob, N_MESSAGES / 6);

  g_test_message ("cutting both connections");
  test_proxy_cut (proxy);

  /* sent while the sockets are dead or being replaced: queued, then flushed */
  side_send_until (&alice, N_MESSAGES);
  side_send_until (&bob, N_MESSAGES);

  wait_stream_done (&alice, &bob);
  test_spin (300);  /* a late duplicate would show up here */

  assert_stream_exact (&alice, &bob);
  assert_stream_exact (&bob, &alice);

  /* they noticed, came back through the proxy, and resumed (no fresh register) */
  g_assert_cmpuint (test_proxy_get_n_accepted (proxy), >=, 4);
  for (Side *side = &alice; side != NULL; side = side == &alice ? &bob : NULL)
    {
      g_test_message ("%s: %s", side->name, side->events->log->str);
      g_assert_cmpuint (side->events->n_reconnecting, >=, 1);
      g_assert_cmpuint (side->events->reconnections->len, ==, side->events->n_reconnecting);
      for (guint i = 0; i < side->events->reconnections->len; i++)
        g_assert_true (g_array_index (side->events->reconnections, gboolean, i));
      g_assert_cmpint (confab_session_get_state (side->session), ==, CONFAB_SESSION_STATE_CONNECTED);
      g_assert_cmpuint (side->events->n_disconnect, ==, 0);
    }

  test_disconnect (alice.session);
  test_disconnect (bob.session);
  side_clear (&alice);
  side_clear (&bob);
}

static void
test_server_restart (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  const char *url = confab_test_server_get_url (server);
  g_autoptr(GError) error = NULL;
  Side alice = { 0 };
  Side bob = { 0 };
  ConfabSession *session;
  g_autofree char *alice_session_id = NULL;

  confab_test_server_add_user (server, "alice", "alice-password");
  confab_test_server_add_user (server, "bob", "bob-password");

  session = test_register (url, "confab:alice", "alice-password", NULL, NULL, &error);
  g_assert_no_error (error);
  side_init (&alice, "alice", session, "bob");
  alice_session_id = g_strdup (confab_session_get_session_id (session));
  session = test_register (url, "confab:bob", "bob-password", NULL, NULL, &error);
  g_assert_no_error (error);
  side_init (&bob, "bob", session, "alice");

  side_send_until (&alice, N_MESSAGES / 2);
  side_send_until (&bob, N_MESSAGES / 2);
  wait_received (&alice, &bob, N_MESSAGES / 6);

  g_test_message ("restarting the server");
  confab_test_server_stop (server);
  side_send_until (&alice, N_MESSAGES);
  side_send_until (&bob, N_MESSAGES);
  /* let both notice and fail a few attempts against the closed port */
  test_spin (200);
  confab_test_server_restart (server);

  wait_stream_done (&alice, &bob);
  test_spin (300);

  assert_stream_exact (&alice, &bob);
  assert_stream_exact (&bob, &alice);

  /* the restarted server did not know them: they registered afresh and said so */
  for (Side *side = &alice; side != NULL; side = side == &alice ? &bob : NULL)
    {
      g_test_message ("%s: %s", side->name, side->events->log->str);
      g_assert_cmpuint (side->events->n_reconnecting, ==, 1);
      g_assert_cmpuint (side->events->reconnections->len, ==, 1);
      g_assert_false (g_array_index (side->events->reconnections, gboolean, 0));
      g_assert_cmpint (confab_session_get_state (side->session), ==, CONFAB_SESSION_STATE_CONNECTED);
    }
  g_assert_cmpstr (confab_session_get_id (alice.session), ==, "alice");
  g_assert_cmpstr (confab_session_get_session_id (alice.session), !=, alice_session_id);

  test_disconnect (alice.session);
  test_disconnect (bob.session);
  side_clear (&alice);
  side_clear (&bob);
}

static void
remove_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          remove_files (child);
          g_rmdir (child);
        }
      else
        {
          g_unlink (child);
        }
    }
}

static void
test_credentials_refused_after_restart (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestProxy) proxy = test_proxy_new (confab_test_server_get_port (server));
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabSession) carol = NULL;
  g_autoptr(TestRecorder) events = NULL;
  guint accepted;
  gint64 deadline;

  confab_test_server_add_user (server, "carol", "carol-password");
  carol = test_register (test_proxy_get_url (proxy), "confab:carol", "carol-password", NULL, NULL, &error);
  g_assert_no_error (error);
  events = test_recorder_new (carol);

  /* the account disappears while the server is down */
  confab_test_server_stop (server);
  remove_files (confab_test_server_get_data_dir (server));
  confab_test_server_restart (server);

  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  while (events->n_disconnect == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("carol: %s", events->log->str);
  g_assert_cmpuint (events->n_disconnect, ==, 1);
  g_assert_error (events->disconnect_reason, CONFAB_ERROR, CONFAB_ERROR_INVALID_CREDENTIALS);
  g_assert_true (g_str_has_suffix (events->log->str, "error(8);disconnect;"));
  g_assert_cmpint (CONFAB_ERROR_INVALID_CREDENTIALS, ==, 8);
  g_assert_cmpuint (events->reconnections->len, ==, 0);
  g_assert_cmpint (confab_session_get_state (carol), ==, CONFAB_SESSION_STATE_DISCONNECTED);

  /* and it does not try again */
  accepted = test_proxy_get_n_accepted (proxy);
  test_spin (1500);
  g_assert_cmpuint (test_proxy_get_n_accepted (proxy), ==, accepted);
  g_assert_cmpuint (events->n_disconnect, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/libconfab/reconnect/cut-socket", test_cut_socket);
  g_test_add_func ("/libconfab/reconnect/server-restart", test_server_restart);
  g_test_add_func ("/libconfab/reconnect/credentials-refused", test_credentials_refused_after_restart);

  return g_test_run ();
}
