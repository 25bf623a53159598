/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-libconfab-unit.c: the pieces of libconfab that need no server */

#define G_LOG_DOMAIN "test-libconfab-unit"

#include "config.h"

#include "confab.h"
#include "confab-backoff.h"
#include "confab-session-private.h"

#include "confab-wire.h"

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static void
wait_done (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
}

/* backoff */

static void
test_backoff_doubles_to_the_cap (void)
{
  ConfabBackoff backoff;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint expected_ceiling[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };

  _confab_backoff_init (&backoff, 1000, 30000);

  for (guint i = 0; i < G_N_ELEMENTS (expected_ceiling); i++)
    {
      guint ceiling = _confab_backoff_ceiling (&backoff);
      guint delay;

      g_assert_cmpuint (ceiling, ==, expected_ceiling[i]);
      delay = _confab_backoff_next (&backoff, rand);
      /* equal jitter: somewhere in the upper half of the ceiling */
      g_assert_cmpuint (delay, >=, ceiling / 2);
      g_assert_cmpuint (delay, <=, ceiling);
    }

  _confab_backoff_reset (&backoff);
  g_assert_cmpuint (_confab_backoff_ceiling (&backoff), ==, 1000);
}

static void
test_backoff_jitter_spreads (void)
{
  ConfabBackoff backoff;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  /* many clients dropped at once must not come back in lockstep */
  for (guint i = 0; i < 50; i++)
    {
      _confab_backoff_init (&backoff, 1000, 30000);
      g_hash_table_add (seen, GUINT_TO_POINTER (_confab_backoff_next (&backoff, rand)));
    }

  g_assert_cmpuint (g_hash_table_size (seen), >, 10);
}

static void
test_backoff_bounds (void)
{
  ConfabBackoff backoff;

  /* nonsense bounds are made sane: min ≥ 1, max ≥ min */
  _confab_backoff_init (&backoff, 0, 0);
  g_assert_cmpuint (backoff.min_ms, ==, 1);
  g_assert_cmpuint (backoff.max_ms, ==, 1);
  g_assert_cmpuint (_confab_backoff_next (&backoff, NULL), ==, 1);

  _confab_backoff_init (&backoff, 500, 100);
  g_assert_cmpuint (backoff.max_ms, ==, 500);

  /* no overflow after very many attempts */
  _confab_backoff_init (&backoff, 1000, 30000);
  backoff.attempt = G_MAXUINT - 1;
  g_assert_cmpuint (_confab_backoff_next (&backoff, NULL), <=, 30000);
  g_assert_cmpuint (_confab_backoff_next (&backoff, NULL), <=, 30000);
}

static void
test_backoff_from_env (void)
{
  ConfabBackoff backoff;

  g_setenv ("CONFAB_RECONNECT_MIN_MS", "50", TRUE);
  g_setenv ("CONFAB_RECONNECT_MAX_MS", "400", TRUE);
  _confab_backoff_init_from_env (&backoff);
  g_assert_cmpuint (backoff.min_ms, ==, 50);
  g_assert_cmpuint (backoff.max_ms, ==, 400);

  g_setenv ("CONFAB_RECONNECT_MIN_MS", "soon", TRUE);
  g_unsetenv ("CONFAB_RECONNECT_MAX_MS");
  _confab_backoff_init_from_env (&backoff);
  g_assert_cmpuint (backoff.min_ms, ==, CONFAB_BACKOFF_DEFAULT_MIN_MS);
  g_assert_cmpuint (backoff.max_ms, ==, CONFAB_BACKOFF_DEFAULT_MAX_MS);
  g_unsetenv ("CONFAB_RECONNECT_MIN_MS");
}

/* register information */

static void
assert_invalid (ConfabRegisterInformation *info,
                const char                *why)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("expecting refusal: %s", why);
  g_assert_false (confab_register_information_validate (info, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_assert_nonnull (error->message);
}

static void
test_register_information (void)
{
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(ConfabRegisterInformation) copy = NULL;
  g_autoptr(JsonObject) user_data = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_password = g_strnfill (CONFAB_WIRE_MAX_PASSWORD_BYTES + 1, 'p');

  assert_invalid (info, "no URL");
  confab_register_information_set_server_url (info, "http://example.org/ws");
  assert_invalid (info, "http scheme");
  confab_register_information_set_server_url (info, "not a url");
  assert_invalid (info, "not a URL");
  confab_register_information_set_server_url (info, "ws:///ws");
  assert_invalid (info, "no host");

  confab_register_information_set_server_url (info, "ws://127.0.0.1:8080/ws");
  g_assert_true (confab_register_information_validate (info, &error));
  g_assert_no_error (error);
  confab_register_information_set_server_url (info, "WSS://confab.example.org/ws");
  g_assert_true (confab_register_information_validate (info, &error));
  g_assert_no_error (error);

  confab_register_information_set_user_id (info, "has space");
  assert_invalid (info, "user id with a space");
  confab_register_information_set_user_id (info, "alice.smith@example-1");
  confab_register_information_set_username (info, "");
  assert_invalid (info, "empty username");
  confab_register_information_set_username (info, "Alice\nSmith");
  assert_invalid (info, "control character in username");
  confab_register_information_set_username (info, "Alice Smith");
  confab_register_information_set_password (info, long_password);
  assert_invalid (info, "password too long");
  confab_register_information_set_password (info, "secret");
  g_assert_true (confab_register_information_validate (info, &error));
  g_assert_no_error (error);

  json_object_set_int_member (user_data, "level", 3);
  confab_register_information_set_user_data (info, user_data);

  /* a copy is independent, the user data deep-copied */
  copy = confab_register_information_copy (info);
  confab_register_information_set_username (info, "Someone Else");
  json_object_set_int_member (user_data, "level", 4);
  g_assert_cmpstr (confab_register_information_get_server_url (copy), ==, "WSS://confab.example.org/ws");
  g_assert_cmpstr (confab_register_information_get_username (copy), ==, "Alice Smith");
  g_assert_cmpstr (confab_register_information_get_user_id (copy), ==, "alice.smith@example-1");
  g_assert_cmpstr (confab_register_information_get_password (copy), ==, "secret");
  g_assert_true (confab_register_information_get_user_data (copy) != user_data);
  g_assert_cmpint (json_object_get_int_member (confab_register_information_get_user_data (copy), "level"), ==, 3);

  /* boxed: ref/unref through GValue */
  {
    GValue value = G_VALUE_INIT;

    g_value_init (&value, CONFAB_TYPE_REGISTER_INFORMATION);
    g_value_set_boxed (&value, info);
    g_assert_true (g_value_get_boxed (&value) == info);
    g_value_unset (&value);
  }

  confab_register_information_set_user_data (info, NULL);
  g_assert_null (confab_register_information_get_user_data (info));
}

/* user agent */

static void
assert_register_fails (const char   *uri,
                       const char   *url,
                       const char   *password,
                       GQuark        domain,
                       int           code)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new (uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  confab_register_information_set_server_url (info, url);
  confab_register_information_set_password (info, password);
  confab_user_agent_register_async (user_agent, info, NULL, on_done, &wait);
  wait_done (&wait);
  session = confab_user_agent_register_finish (user_agent, wait.result, &error);
  g_object_unref (wait.result);

  g_assert_null (session);
  g_assert_error (error, domain, code);
}

static void
test_user_agent_checks (void)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new ("apiKey:abc");

  g_assert_cmpstr (confab_user_agent_get_uri (user_agent), ==, "apiKey:abc");

  assert_register_fails ("guest", "ws://127.0.0.1:9/ws", NULL, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  assert_register_fails ("apiKey:", "ws://127.0.0.1:9/ws", NULL, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  assert_register_fails ("confab:not valid", "ws://127.0.0.1:9/ws", "pw", CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  assert_register_fails ("confab:alice", "ws://127.0.0.1:9/ws", NULL, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  assert_register_fails ("apiKey:abc", "ftp://127.0.0.1/ws", NULL, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
}

static void
test_user_agent_unreachable (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  /* a port that is bound but not listening refuses connections */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  assert_register_fails ("apiKey:abc", url, NULL, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* sends before a connection: queued, uuid made, failed when the session goes */

static void
test_send_queued_then_failed (void)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new ("apiKey:abc");
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(GError) error = NULL;
  ConfabSession *session;
  ConfabContact *bob;
  ConfabMessage *message;
  GListModel *messages;
  Wait wait = { 0 };
  Wait bad = { 0 };
  Wait bad_event = { 0 };

  confab_register_information_set_server_url (info, "ws://127.0.0.1:9/ws");
  session = _confab_session_new (user_agent, info);
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTING);

  bob = confab_session_get_or_create_contact (session, "bob");
  g_assert_nonnull (bob);
  g_assert_true (confab_session_get_or_create_contact (session, "bob") == bob);
  g_assert_null (confab_session_get_or_create_contact (session, "not an id"));
  g_assert_null (confab_session_get_or_create_contact (session, ""));
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_contacts (session)), ==, 1);
  g_assert_cmpstr (confab_contact_get_username (bob), ==, "bob");

  messages = confab_contact_get_messages (bob);
  g_object_ref (messages);

  /* bad input: refused at once, nothing appended */
  confab_contact_send_message_async (bob, "", NULL, on_done, &bad);
  wait_done (&bad);
  g_assert_null (confab_contact_send_message_finish (bob, bad.result, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_object_unref (bad.result);

  confab_contact_send_custom_event_async (bob, "bad\tname", NULL, NULL, on_done, &bad_event);
  wait_done (&bad_event);
  g_assert_false (confab_contact_send_custom_event_finish (bob, bad_event.result, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);
  g_object_unref (bad_event.result);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 0);

  /* a good one waits in the queue, visible with its uuid */
  confab_contact_send_message_async (bob, "hello", NULL, on_done, &wait);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 1);
  message = g_list_model_get_item (messages, 0);
  g_assert_true (confab_wire_is_uuid (confab_message_get_uuid (message)));
  g_assert_cmpstr (confab_message_get_text (message), ==, "hello");
  g_assert_cmpint (confab_message_get_direction (message), ==, CONFAB_MESSAGE_DIRECTION_OUTGOING);
  g_assert_cmpint (confab_message_get_status (message), ==, CONFAB_MESSAGE_STATUS_SENDING);
  g_assert_nonnull (confab_message_get_time (message));
  g_assert_false (wait.done);

  /* the session goes away: the send fails with DISCONNECTED, the message FAILED */
  g_object_unref (session);
  wait_done (&wait);
  g_assert_null (confab_contact_send_message_finish (bob, wait.result, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED);
  g_object_unref (wait.result);
  g_assert_cmpint (confab_message_get_status (message), ==, CONFAB_MESSAGE_STATUS_FAILED);

  g_object_unref (message);
  g_object_unref (messages);
}

static void
test_uuids_unique (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* the uuids libconfab makes (GLib's random v4) satisfy the protocol's rule */
  for (guint i = 0; i < 1000; i++)
    {
      char *uuid = g_uuid_string_random ();

      g_assert_true (confab_wire_is_uuid (uuid));
      g_assert_false (g_hash_table_contains (seen, uuid));
      g_hash_table_add (seen, uuid);
    }
}

static void
test_error_domain (void)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (CONFAB_TYPE_SESSION_STATE);
  GEnumValue *value;

  g_assert_cmpint (CONFAB_ERROR_DISCONNECTED, ==, CONFAB_WIRE_ERROR_DISCONNECTED);
  g_assert_cmpint (CONFAB_ERROR_INVALID_CREDENTIALS, ==, CONFAB_WIRE_ERROR_INVALID_CREDENTIALS);
  g_assert_cmpstr (g_quark_to_string (CONFAB_ERROR), ==, "confab-error-quark");

  value = g_enum_get_value (states, CONFAB_SESSION_STATE_RECONNECTING);
  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_nick, ==, "reconnecting");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/libconfab/backoff/doubles-to-the-cap", test_backoff_doubles_to_the_cap);
  g_test_add_func ("/libconfab/backoff/jitter-spreads", test_backoff_jitter_spreads);
  g_test_add_func ("/libconfab/backoff/bounds", test_backoff_bounds);
  g_test_add_func ("/libconfab/backoff/from-env", test_backoff_from_env);
  g_test_add_func ("/libconfab/register-information", test_register_information);
  g_test_add_func ("/libconfab/user-agent/checks", test_user_agent_checks);
  g_test_add_func ("/libconfab/user-agent/unreachable", test_user_agent_unreachable);
  g_test_add_func ("/libconfab/uuid/unique", test_uuids_unique);
  g_test_add_func ("/libconfab/contact/send-queued-then-failed", test_send_queued_then_failed);
  g_test_add_func ("/libconfab/error-domain", test_error_domain);

  return g_test_run ();
}
