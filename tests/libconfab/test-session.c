/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-session.c: real sessions against the real confab-server */

#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <glib/gstdio.h>

typedef struct
{
  ConfabTestServer *server;
  char             *guest_uri;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->server = confab_test_server_new (NULL);
  fixture->guest_uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (fixture->server), NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->server, confab_test_server_free);
  g_free (fixture->guest_uri);
}

static ConfabSession *
register_guest (Fixture    *fixture,
                const char *user_id,
                const char *username)
{
  g_autoptr(GError) error = NULL;
  ConfabSession *session;

  session = test_register (confab_test_server_get_url (fixture->server), fixture->guest_uri,
                           NULL, user_id, username, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTED);
  return session;
}

static gboolean
count_reached (GPtrArray *array,
               guint      n)
{
  return array->len >= n;
}

#define WAIT_FOR_COUNT(array, n) \
  G_STMT_START { \
    gboolean reached_ = FALSE; \
    gint64 deadline_ = g_get_monotonic_time () + TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND; \
    while (!(reached_ = count_reached ((array), (n))) && g_get_monotonic_time () < deadline_) \
      g_main_context_iteration (NULL, TRUE); \
    g_assert_cmpuint ((array)->len, >=, (n)); \
  } G_STMT_END

static void
on_contact_message_signal (ConfabContact *contact,
                           ConfabMessage *message,
                           guint         *count)
{
  (*count)++;
}

static void
test_exchange (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = register_guest (fixture, "alice", "Alice");
  g_autoptr(ConfabSession) bob = register_guest (fixture, "bob", "Bob");
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(TestRecorder) bob_events = test_recorder_new (bob);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) content = json_object_new ();
  g_autoptr(ConfabMessage) sent = NULL;
  g_autofree char *uuid = NULL;
  ConfabContact *bob_seen_by_alice;
  ConfabContact *alice_seen_by_bob;
  ConfabMessage *received;
  guint contact_signals = 0;

  g_assert_cmpstr (confab_session_get_id (alice), ==, "alice");
  g_assert_cmpstr (confab_session_get_username (alice), ==, "Alice");
  g_assert_nonnull (confab_session_get_session_id (alice));
  g_assert_cmpstr (confab_session_get_session_id (alice), !=, confab_session_get_session_id (bob));

  bob_seen_by_alice = confab_session_get_or_create_contact (alice, "bob");
  g_assert_true (CONFAB_IS_CONTACT (bob_seen_by_alice));
  g_assert_true (confab_session_get_or_create_contact (alice, "bob") == bob_seen_by_alice);

  /* a message: uuid, status, server time, stamping */
  uuid = test_send_message (bob_seen_by_alice, "hello bob", &error);
  g_assert_no_error (error);
  g_assert_nonnull (uuid);
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (bob_seen_by_alice)), ==, 1);
  sent = g_list_model_get_item (confab_contact_get_messages (bob_seen_by_alice), 0);
  g_assert_cmpstr (confab_message_get_uuid (sent), ==, uuid);
  g_assert_cmpint (confab_message_get_status (sent), ==, CONFAB_MESSAGE_STATUS_SENT);
  g_assert_cmpint (confab_message_get_direction (sent), ==, CONFAB_MESSAGE_DIRECTION_OUTGOING);

  WAIT_FOR_COUNT (bob_events->messages, 1);
  g_assert_cmpstr (g_ptr_array_index (bob_events->message_texts, 0), ==, "alice:hello bob");
  received = g_ptr_array_index (bob_events->messages, 0);
  g_assert_cmpstr (confab_message_get_uuid (received), ==, uuid);
  g_assert_cmpint (confab_message_get_direction (received), ==, CONFAB_MESSAGE_DIRECTION_INCOMING);
  g_assert_cmpint (confab_message_get_status (received), ==, CONFAB_MESSAGE_STATUS_RECEIVED);
  g_assert_false (confab_message_get_offline (received));
  /* both ends show the server's time of the same message */
  g_assert_true (g_date_time_equal (confab_message_get_time (received), confab_message_get_time (sent)));

  /* the contact object that came with it is the session's one for that id, named as stamped */
  alice_seen_by_bob = confab_session_get_or_create_contact (bob, "alice");
  {
    g_autoptr(ConfabContact) contact = confab_message_dup_contact (received);

    g_assert_true (contact == alice_seen_by_bob);
  }
  g_assert_cmpstr (confab_contact_get_username (alice_seen_by_bob), ==, "Alice");
  g_assert_cmpuint (g_list_model_get_n_items (confab_session_get_contacts (bob)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (alice_seen_by_bob)), ==, 1);

  /* a reply, and the per-contact signal */
  g_signal_connect (bob_seen_by_alice, "message", G_CALLBACK (on_contact_message_signal), &contact_signals);
  g_free (test_send_message (alice_seen_by_bob, "hi alice", &error));
  g_assert_no_error (error);
  WAIT_FOR_COUNT (alice_events->messages, 1);
  g_assert_cmpstr (g_ptr_array_index (alice_events->message_texts, 0), ==, "bob:hi alice");
  g_assert_cmpuint (contact_signals, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (bob_seen_by_alice)), ==, 2);
  g_signal_handlers_disconnect_by_data (bob_seen_by_alice, &contact_signals);

  /* data */
  json_object_set_int_member (content, "n", 42);
  json_object_set_string_member (content, "s", "x");
  g_assert_true (test_send_data (bob_seen_by_alice, content, &error));
  g_assert_no_error (error);
  WAIT_FOR_COUNT (bob_events->data, 1);
  g_assert_cmpstr (g_ptr_array_index (bob_events->data, 0), ==, "alice:{\"n\":42,\"s\":\"x\"}");

  /* custom events, with and without content */
  g_assert_true (test_send_custom_event (bob_seen_by_alice, "ring", content, &error));
  g_assert_no_error (error);
  g_assert_true (test_send_custom_event (bob_seen_by_alice, "hang up", NULL, &error));
  g_assert_no_error (error);
  WAIT_FOR_COUNT (bob_events->custom_events, 2);
  g_assert_cmpstr (g_ptr_array_index (bob_events->custom_events, 0), ==, "alice:ring:{\"n\":42,\"s\":\"x\"}");
  g_assert_cmpstr (g_ptr_array_index (bob_events->custom_events, 1), ==, "alice:hang up:null");

  /* raw data */
  g_assert_true (test_send_raw_data (bob_seen_by_alice, "v=0 opaque\r\n{not json", &error));
  g_assert_no_error (error);
  WAIT_FOR_COUNT (bob_events->raw_data, 1);
  g_assert_cmpstr (g_ptr_array_index (bob_events->raw_data, 0), ==, "alice:v=0 opaque\r\n{not json");

  /* nothing was reported twice, nothing went wrong */
  g_assert_cmpuint (bob_events->messages->len, ==, 1);
  g_assert_cmpuint (alice_events->messages->len, ==, 1);
  g_assert_cmpuint (alice_events->errors->len, ==, 0);
  g_assert_cmpuint (bob_events->errors->len, ==, 0);

  test_disconnect (alice);
  test_disconnect (bob);
  g_assert_cmpuint (alice_events->n_disconnect, ==, 1);
  g_assert_null (alice_events->disconnect_reason);
}

static void
test_send_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ConfabSession) alice = register_guest (fixture, NULL, NULL);
  g_autoptr(TestRecorder) alice_events = test_recorder_new (alice);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) failed = NULL;
  g_autofree char *too_long = g_strnfill (16385, 'a');
  g_autofree char *uuid = NULL;
  ConfabContact *nobody;

  /* a guest without an id asked for gets one made up */
  g_assert_true (g_str_has_prefix (confab_session_get_id (alice), "guest-"));
  g_assert_cmpstr (confab_session_get_username (alice), ==, confab_session_get_id (alice));

  nobody = confab_session_get_or_create_contact (alice, "nobody");
  uuid = test_send_message (nobody, "anyone there?", &error);
  g_assert_null (uuid);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  failed = g_list_model_get_item (confab_contact_get_messages (nobody), 0);
  g_assert_cmpint (confab_message_get_status (failed), ==, CONFAB_MESSAGE_STATUS_FAILED);

  g_assert_false (test_send_data (nobody, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER);
  g_clear_error (&error);

  g_assert_null (test_send_message (nobody, too_long, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (nobody)), ==, 1);

  /* still working */
  g_assert_true (test_send_custom_event (confab_session_get_or_create_contact (alice, confab_session_get_id (alice)),
                                         "self", NULL, &error));
  g_assert_no_error (error);

  test_disconnect (alice);
  g_assert_null (test_send_message (nobody, "too late", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* disconnecting twice is fine */
  test_disconnect (alice);
  g_assert_cmpuint (alice_events->n_disconnect, ==, 1);
}

static void
test_offline_delivery (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *url = confab_test_server_get_url (fixture->server);
  g_autoptr(ConfabSession) alice = NULL;
  g_autoptr(ConfabSession) bob = NULL;
  g_autoptr(TestRecorder) bob_events = NULL;
  g_autoptr(GError) error = NULL;
  ConfabContact *bob_contact;
  const guint n = 5;

  confab_test_server_add_user (fixture->server, "alice", "alice-password");
  confab_test_server_add_user (fixture->server, "bob", "bob-password");

  alice = test_register (url, "confab:alice", "alice-password", NULL, "Alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (confab_session_get_id (alice), ==, "alice");

  bob_contact = confab_session_get_or_create_contact (alice, "bob");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("offline %u", i);
      g_autofree char *uuid = test_send_message (bob_contact, text, &error);
      g_autoptr(ConfabMessage) message = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (uuid);
      message = g_list_model_get_item (confab_contact_get_messages (bob_contact), i);
      g_assert_cmpint (confab_message_get_status (message), ==, CONFAB_MESSAGE_STATUS_STORED);
    }

  /* data is not stored for offline accounts */
  {
    g_autoptr(JsonObject) content = json_object_new ();

    g_assert_false (test_send_data (bob_contact, content, &error));
    g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  bob = test_register (url, "confab:bob", "bob-password", NULL, NULL, &error);
  g_assert_no_error (error);
  /* connected from the register callback on: nothing was emitted before */
  bob_events = test_recorder_new (bob);
  WAIT_FOR_COUNT (bob_events->messages, n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("alice:offline %u", i);
      ConfabMessage *message = g_ptr_array_index (bob_events->messages, i);

      g_assert_cmpstr (g_ptr_array_index (bob_events->message_texts, i), ==, expected);
      g_assert_true (confab_message_get_offline (message));
    }

  /* once acknowledged and signed out, they are not delivered again */
  test_disconnect (bob);
  g_clear_pointer (&bob_events, test_recorder_free);
  g_clear_object (&bob);
  bob = test_register (url, "confab:bob", "bob-password", NULL, NULL, &error);
  g_assert_no_error (error);
  bob_events = test_recorder_new (bob);
  g_free (test_send_message (confab_session_get_or_create_contact (alice, "bob"), "live", &error));
  g_assert_no_error (error);
  WAIT_FOR_COUNT (bob_events->messages, 1);
  g_assert_cmpstr (g_ptr_array_index (bob_events->message_texts, 0), ==, "alice:live");

  test_disconnect (alice);
  test_disconnect (bob);
}

static void
test_register_errors (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *url = confab_test_server_get_url (fixture->server);
  g_autoptr(GError) error = NULL;
  ConfabSession *session;

  confab_test_server_add_user (fixture->server, "carol", "carol-password");

  session = test_register (url, "apiKey:wrong-key", NULL, NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);

  session = test_register (url, "confab:carol", "not-her-password", NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);

  session = test_register (url, "confab:nobody", "whatever", NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);

  /* a guest may not take an account's id */
  session = test_register (url, fixture->guest_uri, NULL, "carol", NULL, &error);
  g_assert_null (session);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* and the right ones work */
  session = test_register (url, "confab:carol", "carol-password", NULL, "Carol", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (confab_session_get_id (session), ==, "carol");
  g_assert_cmpstr (confab_session_get_username (session), ==, "Carol");
  test_disconnect (session);
  g_object_unref (session);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/libconfab/session/exchange", Fixture, NULL, fixture_setup, test_exchange, fixture_teardown);
  g_test_add ("/libconfab/session/send-errors", Fixture, NULL, fixture_setup, test_send_errors, fixture_teardown);
  g_test_add ("/libconfab/session/offline-delivery", Fixture, NULL, fixture_setup, test_offline_delivery, fixture_teardown);
  g_test_add ("/libconfab/session/register-errors", Fixture, NULL, fixture_setup, test_register_errors, fixture_teardown);

  return g_test_run ();
}
