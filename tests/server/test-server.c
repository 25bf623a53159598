/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server.c: the real confab-server binary, driven by raw WebSocket clients */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "confab-test-server.h"
#include "server-test-client.h"

#define UUID_A "00000000-0000-4000-8000-00000000000a"
#define UUID_B "00000000-0000-4000-8000-00000000000b"
#define UUID_C "00000000-0000-4000-8000-00000000000c"
#define UUID_D "00000000-0000-4000-8000-00000000000d"

static char *
uuid_n (guint n)
{
  return g_strdup_printf ("00000000-0000-4000-8000-%012x", n);
}

/* The text of message @i of a burst: every third one large (frames with 16-bit
 * lengths, and more than the 64 KiB a connection gathers before it waits), the
 * others short. */
static char *
burst_text (guint i)
{
  g_autofree char *padding = g_strnfill (i % 3 == 0 ? 15000 + i : i % 200, 'a' + i % 26);

  return g_strdup_printf ("%05u%s", i, padding);
}

/* A message from @from to @to arrives, with the server's stamp. */
static void
assert_round_trip (TestClient *from,
                   TestClient *to,
                   guint       n)
{
  g_autofree char *uuid = uuid_n (0xf0000 + n);
  g_autoptr(JsonObject) result = test_client_message (from, to->user_id, uuid, "still here");
  g_autoptr(JsonObject) event = test_client_expect (to, "contactMessage");

  g_assert_cmpstr (json_object_get_string_member (result, "delivered"), ==, "online");
  g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, uuid);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "from"), "id"),
                   ==, from->user_id);
}

static int
run_binary (const char * const *args,
            const char         *input,
            char              **out,
            char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CONFAB_SERVER"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("%s %s did not exit (signal %d); its stderr: %s", (const char *) argv->pdata[0],
             args[0], g_subprocess_get_if_signaled (process) ? g_subprocess_get_term_sig (process) : 0,
             *err);

  return g_subprocess_get_exit_status (process);
}

/* hello / welcome */

static void
test_hello (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) client = test_client_connect (server);
  g_autoptr(TestClient) old = test_client_connect (server);
  g_autoptr(TestClient) early = test_client_connect (server);
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) error2 = NULL;
  JsonObject *limits;

  /* Anything before hello is WRONG_STATE. */
  test_client_request (early, "register", "\"uri\":\"apiKey:x\"");
  error2 = test_client_expect_error (early, 1, "WRONG_STATE");

  welcome = test_client_hello (client);
  g_assert_cmpint (json_object_get_int_member (welcome, "version"), ==, 1);
  g_assert_cmpuint (strlen (json_object_get_string_member (welcome, "sessionId")), >, 0);
  g_assert_cmpuint (strlen (json_object_get_string_member (welcome, "resumeToken")), ==, 43);
  g_assert_cmpint (json_object_get_int_member (welcome, "heartbeatMs"), ==, 15000);
  g_assert_cmpint (json_object_get_int_member (welcome, "idleTimeoutMs"), ==, 45000);
  g_assert_cmpint (json_object_get_int_member (welcome, "graceMs"), ==, 30000);
  g_assert_cmpint (json_object_get_int_member (welcome, "serverTime"), >, 1600000000000);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (welcome, "iceServers")), ==, 0);
  limits = json_object_get_object_member (welcome, "limits");
  g_assert_cmpint (json_object_get_int_member (limits, "maxFrameBytes"), ==, 65536);
  g_assert_cmpint (json_object_get_int_member (limits, "maxStringBytes"), ==, 4096);
  g_assert_cmpint (json_object_get_int_member (limits, "maxTextBytes"), ==, 16384);
  g_assert_cmpint (json_object_get_int_member (limits, "maxDataBytes"), ==, 32768);
  g_assert_cmpint (json_object_get_int_member (limits, "ratePerSecond"), ==, 50);
  g_assert_cmpint (json_object_get_int_member (limits, "rateBurst"), ==, 200);

  /* A second hello is WRONG_STATE. */
  test_client_send (client, "{\"type\":\"hello\",\"versions\":[1]}");
  error = test_client_expect_error (client, 0, "WRONG_STATE");
  test_client_assert_quiet (client);

  /* No version in common: UNSUPPORTED_VERSION, then close 1000. */
  {
    g_autoptr(JsonObject) unsupported = NULL;

    test_client_send (old, "{\"type\":\"hello\",\"versions\":[7,8]}");
    unsupported = test_client_expect_error (old, 0, "UNSUPPORTED_VERSION");
    g_assert_cmpint (test_client_wait_closed (old), ==, 1000);
  }
}

static void
test_ice_servers (void)
{
  const char *args[] = { "--stun", "stun:127.0.0.1:3478", "--turn", "turn:127.0.0.1:3478?transport=udp",
                         "--turn-secret", "s3cret", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) client = test_client_connect (server);
  g_autoptr(JsonObject) welcome = test_client_hello (client);
  JsonArray *servers = json_object_get_array_member (welcome, "iceServers");
  JsonObject *stun, *turn;
  const char *username;
  g_autofree char *suffix = NULL;
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) "s3cret", 6);
  guint8 digest[20];
  gsize length = sizeof digest;
  g_autofree char *expected = NULL;

  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  stun = json_array_get_object_element (servers, 0);
  turn = json_array_get_object_element (servers, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (stun, "urls"), 0), ==,
                   "stun:127.0.0.1:3478");
  g_assert_false (json_object_has_member (stun, "credential"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (turn, "urls"), 0), ==,
                   "turn:127.0.0.1:3478?transport=udp");

  /* EXPIRY:SESSIONID, credential = base64 (HMAC-SHA1 (secret, username)) */
  username = json_object_get_string_member (turn, "username");
  suffix = g_strconcat (":", json_object_get_string_member (welcome, "sessionId"), NULL);
  g_assert_true (g_str_has_suffix (username, suffix));
  g_assert_cmpint (g_ascii_strtoll (username, NULL, 10), >,
                   json_object_get_int_member (welcome, "serverTime") / 1000);
  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  expected = g_base64_encode (digest, length);
  g_assert_cmpstr (json_object_get_string_member (turn, "credential"), ==, expected);
}

/* register */

static void
test_register_guest (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) anonymous = test_client_connect (server);
  g_autoptr(TestClient) named = test_client_connect (server);
  g_autoptr(TestClient) intruder = test_client_connect (server);
  g_autoptr(TestClient) wrong_key = test_client_connect (server);
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(JsonObject) data2 = NULL;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) welcome2 = NULL;
  gint64 id;

  data = test_client_register_guest (anonymous, server, NULL);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (data, "userId"), "guest-"));
  g_assert_cmpuint (strlen (json_object_get_string_member (data, "userId")), ==, 6 + 12);
  g_assert_cmpstr (json_object_get_string_member (data, "username"), ==,
                   json_object_get_string_member (data, "userId"));
  g_assert_nonnull (json_object_get_object_member (data, "userData"));

  /* With a chosen id, name and user data. */
  welcome = test_client_hello (named);
  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"alice\","
                                                "\"username\":\"Alice A.\",\"userData\":{\"color\":\"red\"}",
                                                confab_test_server_get_api_key (server));
    g_autoptr(JsonObject) result = NULL;
    JsonObject *result_data;

    id = test_client_request (named, "register", members);
    result = test_client_expect (named, "result");
    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    result_data = json_object_get_object_member (result, "data");
    g_assert_cmpstr (json_object_get_string_member (result_data, "userId"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (result_data, "username"), ==, "Alice A.");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (result_data, "userData"),
                                                    "color"), ==, "red");
    g_assert_cmpstr (json_object_get_string_member (result_data, "kind"), ==, "guest");
  }

  /* Registering twice is WRONG_STATE. */
  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\"", confab_test_server_get_api_key (server));
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (named, "register", members);
    error = test_client_expect_error (named, id, "WRONG_STATE");
  }

  /* An id held by a live session is NOT_ALLOWED. */
  welcome2 = test_client_hello (intruder);
  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"alice\"",
                                                confab_test_server_get_api_key (server));
    g_autoptr(JsonObject) error = NULL;
    g_autoptr(JsonObject) error2 = NULL;

    id = test_client_request (intruder, "register", members);
    error = test_client_expect_error (intruder, id, "NOT_ALLOWED");

    /* Sending before registering is UNAUTHORIZED. */
    id = test_client_request (intruder, "contactMessage",
                              "\"to\":\"alice\",\"uuid\":\"" UUID_A "\",\"text\":\"hi\"");
    error2 = test_client_expect_error (intruder, id, "UNAUTHORIZED");
  }

  /* A wrong API key is INVALID_CREDENTIALS, and the connection may try again. */
  {
    g_autoptr(JsonObject) G_GNUC_UNUSED w = test_client_hello (wrong_key);
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (wrong_key, "register", "\"uri\":\"apiKey:not-the-key\"");
    error = test_client_expect_error (wrong_key, id, "INVALID_CREDENTIALS");

    id = test_client_request (wrong_key, "register", "\"uri\":\"nope:x\"");
    g_clear_pointer (&error, json_object_unref);
    error = test_client_expect_error (wrong_key, id, "BAD_PARAMETER");
    g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "uri");
  }

  /* The refused connection may register with another id. */
  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"bob\"",
                                                confab_test_server_get_api_key (server));

    id = test_client_request (intruder, "register", members);
    data2 = test_client_expect (intruder, "result");
    g_assert_cmpint (json_object_get_int_member (data2, "re"), ==, id);
    intruder->user_id = g_strdup ("bob");
    g_free (named->user_id);
    named->user_id = g_strdup ("alice");
  }
  assert_round_trip (intruder, named, 1);
}

static void
test_register_account (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) client = test_client_connect (server);
  g_autoptr(TestClient) guest = test_client_connect (server);
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) welcome2 = NULL;
  g_autoptr(JsonObject) data = NULL;
  gint64 id;

  confab_test_server_add_user (server, "carol", "s3cret pass");

  welcome = test_client_hello (client);

  {
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;
    g_autoptr(JsonObject) e3 = NULL;

    id = test_client_request (client, "register", "\"uri\":\"confab:carol\",\"password\":\"wrong\"");
    e1 = test_client_expect_error (client, id, "INVALID_CREDENTIALS");
    id = test_client_request (client, "register", "\"uri\":\"confab:nobody\",\"password\":\"wrong\"");
    e2 = test_client_expect_error (client, id, "INVALID_CREDENTIALS");
    /* Same message either way: it does not tell which. */
    g_assert_cmpstr (json_object_get_string_member (e1, "message"), ==,
                     json_object_get_string_member (e2, "message"));
    id = test_client_request (client, "register", "\"uri\":\"confab:carol\"");
    e3 = test_client_expect_error (client, id, "BAD_PARAMETER");
    g_assert_cmpstr (json_object_get_string_member (e3, "field"), ==, "password");
  }

  id = test_client_request (client, "register", "\"uri\":\"confab:carol\",\"password\":\"s3cret pass\"");
  {
    g_autoptr(JsonObject) result = test_client_expect (client, "result");
    JsonObject *result_data = json_object_get_object_member (result, "data");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (result_data, "userId"), ==, "carol");
    g_assert_cmpstr (json_object_get_string_member (result_data, "kind"), ==, "account");
  }
  g_free (client->user_id);
  client->user_id = g_strdup ("carol");

  /* A guest may not take an account's id. */
  welcome2 = test_client_hello (guest);
  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"carol\"",
                                                confab_test_server_get_api_key (server));
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (guest, "register", members);
    error = test_client_expect_error (guest, id, "NOT_ALLOWED");
  }

  {
    g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"dave\"",
                                                confab_test_server_get_api_key (server));

    id = test_client_request (guest, "register", members);
    data = test_client_expect (guest, "result");
    g_assert_cmpint (json_object_get_int_member (data, "re"), ==, id);
    guest->user_id = g_strdup ("dave");
  }
  assert_round_trip (guest, client, 1);
  assert_round_trip (client, guest, 2);
}

/* A guest never gets an account's id, however the account came and went (the
 * server keeps the logins in memory and notices changes made by `user add/remove`,
 * which runs in another process). */
static void
try_guest_id (TestClient       *client,
              ConfabTestServer *server,
              const char       *user_id,
              const char       *expected_error)
{
  g_autofree char *members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"%s\"",
                                              confab_test_server_get_api_key (server), user_id);
  gint64 id = test_client_request (client, "register", members);

  if (expected_error != NULL)
    {
      g_autoptr(JsonObject) error = test_client_expect_error (client, id, expected_error);

      g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "userId");
    }
  else
    {
      g_autoptr(JsonObject) result = test_client_expect (client, "result");
      JsonObject *data = json_object_get_object_member (result, "data");

      g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
      g_assert_cmpstr (json_object_get_string_member (data, "userId"), ==, user_id);
      g_assert_cmpstr (json_object_get_string_member (data, "kind"), ==, "guest");
    }
}

static void
test_register_guest_vs_accounts (void)
{
  g_autoptr(ConfabTestServer) server = NULL;
  g_autoptr(TestClient) first = NULL;
  g_autoptr(TestClient) second = NULL;
  g_autoptr(TestClient) third = NULL;
  g_autoptr(TestClient) sender = NULL;
  g_autoptr(JsonObject) w1 = NULL;
  g_autoptr(JsonObject) w2 = NULL;
  g_autoptr(JsonObject) w3 = NULL;
  g_autoptr(JsonObject) s = NULL;

  server = confab_test_server_new (NULL);

  /* An account made while the server runs, never signed in. */
  confab_test_server_add_user (server, "lee", "pw lee");
  first = test_client_connect (server);
  w1 = test_client_hello (first);
  try_guest_id (first, server, "lee", "NOT_ALLOWED");
  try_guest_id (first, server, "lee", "NOT_ALLOWED");

  /* A message to it is kept for it; to an id that is nobody's, NOT_FOUND. */
  sender = test_client_connect (server);
  s = test_client_register_guest (sender, server, "sender");
  {
    g_autoptr(JsonObject) result = test_client_message (sender, "lee", UUID_A, "for later");
    g_autofree char *members = g_strdup_printf ("\"to\":\"nobody\",\"uuid\":\"%s\",\"text\":\"hi\"", UUID_B);
    g_autoptr(JsonObject) error = NULL;
    gint64 id;

    g_assert_cmpstr (json_object_get_string_member (result, "delivered"), ==, "stored");
    id = test_client_request (sender, "contactMessage", members);
    error = test_client_expect_error (sender, id, "NOT_FOUND");
    g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "to");
  }

  /* Removed: the id is free again. */
  {
    const char *args[] = { "user", "remove", "lee", "--data-dir",
                           confab_test_server_get_data_dir (server), NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 0);
  }
  second = test_client_connect (server);
  w2 = test_client_hello (second);
  try_guest_id (second, server, "lee", NULL);

  /* Added again while a guest holds it: the guest keeps it, nobody else gets it. */
  confab_test_server_add_user (server, "lee", "pw lee 2");
  third = test_client_connect (server);
  w3 = test_client_hello (third);
  try_guest_id (third, server, "lee", "NOT_ALLOWED");
  try_guest_id (third, server, "mae", NULL);
}

/* Many frames for one connection within one loop iteration leave gathered in a few
 * writes: every one arrives whole and in order, answers and events alike. */
static void
test_burst (void)
{
  const char *args[] = { "--rate-per-second", "100000", "--rate-burst", "100000", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  const guint n = 150;  /* about 750 KB of events: within what a session keeps unacknowledged */
  gint64 first_id = 0;
  gint64 last_seq = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uuid = uuid_n (0x8000 + i);
      g_autofree char *text = burst_text (i);
      g_autofree char *members = g_strdup_printf ("\"to\":\"bob\",\"uuid\":\"%s\",\"text\":\"%s\"",
                                                  uuid, text);
      gint64 id = test_client_request (alice, "contactMessage", members);

      if (i == 0)
        first_id = id;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) result = test_client_expect (alice, "result");
      g_autoptr(JsonObject) event = test_client_expect (bob, "contactMessage");
      g_autofree char *uuid = uuid_n (0x8000 + i);
      g_autofree char *text = burst_text (i);

      g_assert_cmpint (json_object_get_int_member (result, "re"), ==, first_id + i);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (result, "data"), "uuid"),
                       ==, uuid);
      g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, uuid);
      g_assert_cmpstr (json_object_get_string_member (event, "text"), ==, text);
      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, last_seq + 1);
      last_seq = json_object_get_int_member (event, "seq");
    }

  test_client_assert_quiet (alice);
  test_client_assert_quiet (bob);
  g_assert_false (alice->closed);

  /* Nothing was acknowledged: resuming from 0 elsewhere replays all of it at once,
   * far more than one flush's worth for one connection. */
  {
    g_autoptr(TestClient) bob2 = test_client_connect (server);
    g_autoptr(JsonObject) G_GNUC_UNUSED welcome = test_client_hello (bob2);
    g_autofree char *members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":0", bob->resume_token);
    g_autoptr(JsonObject) result = NULL;
    gint64 id;

    bob2->last_seq = 0;
    id = test_client_request (bob2, "resume", members);
    result = test_client_expect (bob2, "result");
    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "data"), "replayed"),
                     ==, last_seq);

    for (guint i = 0; i < n; i++)
      {
        g_autoptr(JsonObject) event = test_client_expect (bob2, "contactMessage");
        g_autofree char *text = burst_text (i);

        g_assert_cmpstr (json_object_get_string_member (event, "text"), ==, text);
      }
    test_client_assert_quiet (bob2);
    g_assert_cmpint (test_client_wait_closed (bob), ==, 4002);
  }
}

/* routing */

static void
test_routing (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  gint64 id;

  /* contactMessage, with a forged from that the server ignores */
  id = test_client_request (alice, "contactMessage",
                            "\"to\":\"bob\",\"uuid\":\"" UUID_A "\",\"text\":\"hello \\\"bob\\\"\\n\","
                            "\"from\":{\"id\":\"mallory\"}");
  {
    g_autoptr(JsonObject) result = test_client_expect (alice, "result");
    g_autoptr(JsonObject) event = test_client_expect (bob, "contactMessage");
    JsonObject *data = json_object_get_object_member (result, "data");
    JsonObject *from = json_object_get_object_member (event, "from");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (data, "uuid"), ==, UUID_A);
    g_assert_cmpstr (json_object_get_string_member (data, "delivered"), ==, "online");
    g_assert_false (json_object_has_member (data, "duplicate"));
    g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (from, "id"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (from, "username"), ==, "alice name");
    g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, UUID_A);
    g_assert_cmpstr (json_object_get_string_member (event, "text"), ==, "hello \"bob\"\n");
    g_assert_cmpint (json_object_get_int_member (event, "time"), ==,
                     json_object_get_int_member (data, "time"));
    g_assert_false (json_object_has_member (event, "offline"));
  }

  /* contactData */
  id = test_client_request (alice, "contactData",
                            "\"to\":\"bob\",\"uuid\":\"" UUID_B "\",\"content\":{\"n\":[1,2,{\"x\":null}]}");
  {
    g_autoptr(JsonObject) result = test_client_expect (alice, "result");
    g_autoptr(JsonObject) event = test_client_expect (bob, "contactData");
    JsonObject *content = json_object_get_object_member (event, "content");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpint (json_array_get_length (json_object_get_array_member (content, "n")), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "from"), "id"),
                     ==, "alice");
  }

  /* customEvent, with and without content */
  id = test_client_request (bob, "customEvent",
                            "\"to\":\"alice\",\"uuid\":\"" UUID_C "\",\"event\":\"wave\",\"content\":{\"hand\":\"left\"}");
  {
    g_autoptr(JsonObject) result = test_client_expect (bob, "result");
    g_autoptr(JsonObject) event = test_client_expect (alice, "customEvent");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "wave");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "content"), "hand"),
                     ==, "left");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "from"), "id"),
                     ==, "bob");
  }
  id = test_client_request (bob, "customEvent", "\"to\":\"alice\",\"uuid\":\"" UUID_D "\",\"event\":\"nod\"");
  {
    g_autoptr(JsonObject) result = test_client_expect (bob, "result");
    g_autoptr(JsonObject) event = test_client_expect (alice, "customEvent");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_false (json_object_has_member (event, "content"));
  }

  /* rawData */
  {
    g_autofree char *uuid = uuid_n (5);
    g_autofree char *members = g_strdup_printf ("\"to\":\"bob\",\"uuid\":\"%s\",\"data\":\"opaque\\u0001data\"", uuid);
    g_autoptr(JsonObject) result = NULL;
    g_autoptr(JsonObject) event = NULL;

    id = test_client_request (alice, "rawData", members);
    result = test_client_expect (alice, "result");
    event = test_client_expect (bob, "rawData");
    g_assert_cmpstr (json_object_get_string_member (event, "data"), ==, "opaque\001data");
  }

  /* A repeated uuid: the original answer, duplicate: true, not delivered again. */
  id = test_client_request (alice, "contactMessage",
                            "\"to\":\"bob\",\"uuid\":\"" UUID_A "\",\"text\":\"hello again\"");
  {
    g_autoptr(JsonObject) result = test_client_expect (alice, "result");
    JsonObject *data = json_object_get_object_member (result, "data");

    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_true (json_object_get_boolean_member (data, "duplicate"));
    g_assert_cmpstr (json_object_get_string_member (data, "delivered"), ==, "online");
  }
  assert_round_trip (alice, bob, 1);  /* bob's next event is this one, not the duplicate */

  /* Unknown user: NOT_FOUND. */
  {
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (alice, "contactMessage",
                              "\"to\":\"nobody\",\"uuid\":\"00000000-0000-4000-8000-000000000100\",\"text\":\"anyone?\"");
    error = test_client_expect_error (alice, id, "NOT_FOUND");
    g_clear_pointer (&error, json_object_unref);
    id = test_client_request (alice, "contactData",
                              "\"to\":\"nobody\",\"uuid\":\"00000000-0000-4000-8000-000000000101\",\"content\":{}");
    error = test_client_expect_error (alice, id, "NOT_FOUND");
  }

  /* Sending to oneself reaches one's own sessions. */
  {
    g_autofree char *uuid = uuid_n (6);
    g_autofree char *members = g_strdup_printf ("\"to\":\"alice\",\"uuid\":\"%s\",\"text\":\"note to self\"", uuid);
    g_autoptr(JsonObject) first = NULL;
    g_autoptr(JsonObject) second = NULL;

    test_client_request (alice, "contactMessage", members);
    first = test_client_next (alice);
    second = test_client_next (alice);
    g_assert_true (g_str_equal (json_object_get_string_member (first, "type"), "contactMessage") ||
                   g_str_equal (json_object_get_string_member (second, "type"), "contactMessage"));
  }

  test_client_assert_quiet (bob);
}

/* offline messages */

static void
test_offline (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) sender = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED s = test_client_register_guest (sender, server, "sender");
  gint64 id;

  confab_test_server_add_user (server, "erin", "pw-erin");

  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *uuid = uuid_n (i);
      g_autofree char *text = g_strdup_printf ("offline %u", i);
      g_autoptr(JsonObject) result = test_client_message (sender, "erin", uuid, text);

      g_assert_cmpstr (json_object_get_string_member (result, "delivered"), ==, "stored");
    }

  /* Only messages are stored. */
  {
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (sender, "contactData", "\"to\":\"erin\",\"uuid\":\"" UUID_D "\",\"content\":{}");
    error = test_client_expect_error (sender, id, "NOT_FOUND");
  }

  /* A repeat of a stored message is a duplicate. */
  {
    g_autofree char *uuid = uuid_n (2);
    g_autoptr(JsonObject) result = test_client_message (sender, "erin", uuid, "offline 2");

    g_assert_cmpstr (json_object_get_string_member (result, "delivered"), ==, "stored");
    g_assert_true (json_object_get_boolean_member (result, "duplicate"));
  }

  /* At sign-in, in order, marked offline; not acknowledged → again next time. */
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(TestClient) erin = test_client_connect (server);
      g_autoptr(JsonObject) data = test_client_register_account (erin, "erin", "pw-erin");

      for (guint i = 1; i <= 3; i++)
        {
          g_autoptr(JsonObject) event = test_client_expect (erin, "contactMessage");
          g_autofree char *uuid = uuid_n (i);
          g_autofree char *text = g_strdup_printf ("offline %u", i);

          g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, uuid);
          g_assert_cmpstr (json_object_get_string_member (event, "text"), ==, text);
          g_assert_true (json_object_get_boolean_member (event, "offline"));
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "from"), "id"),
                           ==, "sender");
        }

      if (round == 0)
        {
          /* disconnect without acknowledging */
          g_autoptr(JsonObject) result = NULL;

          id = test_client_request (erin, "disconnect", NULL);
          result = test_client_expect (erin, "result");
          g_assert_cmpint (test_client_wait_closed (erin), ==, 1000);
        }
      else
        {
          /* acknowledge, then they are gone */
          test_client_send (erin, "{\"type\":\"ping\",\"ack\":3}");
          g_clear_pointer (&data, json_object_unref);
          data = test_client_expect (erin, "pong");
          id = test_client_request (erin, "disconnect", NULL);
          g_clear_pointer (&data, json_object_unref);
          data = test_client_expect (erin, "result");
          g_assert_cmpint (test_client_wait_closed (erin), ==, 1000);
        }
    }

  {
    g_autoptr(TestClient) erin = test_client_connect (server);
    g_autoptr(JsonObject) G_GNUC_UNUSED data = test_client_register_account (erin, "erin", "pw-erin");

    assert_round_trip (sender, erin, 1); /* the first event is a live one */
  }
}

/* resume */

static void
test_resume (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(TestClient) bob2 = NULL;
  g_autoptr(TestClient) bob3 = NULL;
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  g_autoptr(JsonObject) welcome = NULL;
  g_autofree char *token = NULL;
  gint64 id;

  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *uuid = uuid_n (i);
      g_autoptr(JsonObject) G_GNUC_UNUSED result = test_client_message (alice, "bob", uuid, "before");
      g_autoptr(JsonObject) G_GNUC_UNUSED event = test_client_expect (bob, "contactMessage");
    }

  /* bob's socket drops; his session waits */
  token = g_strdup (bob->resume_token);
  soup_websocket_connection_close (bob->ws, 1001, NULL);
  test_client_wait_closed (bob);

  for (guint i = 3; i <= 5; i++)
    {
      g_autofree char *uuid = uuid_n (i);
      g_autoptr(JsonObject) result = test_client_message (alice, "bob", uuid, "while away");

      g_assert_cmpstr (json_object_get_string_member (result, "delivered"), ==, "online");
    }

  bob2 = test_client_connect (server);
  bob2->last_seq = 2;
  welcome = test_client_hello (bob2);

  /* lastSeq past what was sent: BAD_PARAMETER; a wrong token: NOT_FOUND */
  {
    g_autofree char *members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":99", token);
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;

    id = test_client_request (bob2, "resume", members);
    e1 = test_client_expect_error (bob2, id, "BAD_PARAMETER");
    g_assert_cmpstr (json_object_get_string_member (e1, "field"), ==, "lastSeq");
    id = test_client_request (bob2, "resume",
                              "\"resumeToken\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"lastSeq\":0");
    e2 = test_client_expect_error (bob2, id, "NOT_FOUND");
  }

  {
    g_autofree char *members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":2", token);
    g_autoptr(JsonObject) result = NULL;
    JsonObject *data;

    id = test_client_request (bob2, "resume", members);
    result = test_client_expect (bob2, "result");
    data = json_object_get_object_member (result, "data");
    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (data, "userId"), ==, "bob");
    g_assert_cmpstr (json_object_get_string_member (data, "kind"), ==, "guest");
    g_assert_cmpint (json_object_get_int_member (data, "replayed"), ==, 3);
    g_assert_cmpuint (strlen (json_object_get_string_member (data, "resumeToken")), ==, 43);
    g_assert_cmpstr (json_object_get_string_member (data, "resumeToken"), !=, token);
  }

  /* exactly the missed ones, with their original seq (test_client_expect checks 3, 4, 5) */
  for (guint i = 3; i <= 5; i++)
    {
      g_autoptr(JsonObject) event = test_client_expect (bob2, "contactMessage");
      g_autofree char *uuid = uuid_n (i);

      g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, uuid);
    }
  g_free (bob2->user_id);
  bob2->user_id = g_strdup ("bob");
  assert_round_trip (alice, bob2, 1);
  test_client_assert_quiet (bob2);

  /* The old token no longer works. */
  bob3 = test_client_connect (server);
  {
    g_autoptr(JsonObject) G_GNUC_UNUSED w = test_client_hello (bob3);
    g_autofree char *members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":0", token);
    g_autoptr(JsonObject) error = NULL;

    id = test_client_request (bob3, "resume", members);
    error = test_client_expect_error (bob3, id, "NOT_FOUND");
  }
}

static void
test_resume_takeover (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) first = test_client_connect (server);
  g_autoptr(TestClient) second = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (first, server, "frank");
  g_autoptr(JsonObject) G_GNUC_UNUSED w = test_client_hello (second);
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":0", first->resume_token);

  test_client_request (second, "resume", members);
  result = test_client_expect (second, "result");
  g_assert_cmpint (test_client_wait_closed (first), ==, 4002);
}

static void
test_resume_expired (void)
{
  const char *args[] = { "--grace-ms", "200", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(TestClient) bob2 = NULL;
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autofree char *token = g_strdup (bob->resume_token);
  g_autofree char *members = NULL;
  gint64 id;

  soup_websocket_connection_close (bob->ws, 1001, NULL);
  test_client_wait_closed (bob);

  /* Let the grace period pass (the wait is not a measurement). */
  {
    gint64 until = g_get_monotonic_time () + 600 * 1000;

    while (g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
  }

  bob2 = test_client_connect (server);
  welcome = test_client_hello (bob2);
  members = g_strdup_printf ("\"resumeToken\":\"%s\",\"lastSeq\":0", token);
  id = test_client_request (bob2, "resume", members);
  error = test_client_expect_error (bob2, id, "NOT_FOUND");

  /* bob (a guest) is gone: a message to him is NOT_FOUND */
  {
    g_autoptr(JsonObject) e2 = NULL;

    id = test_client_request (alice, "contactMessage", "\"to\":\"bob\",\"uuid\":\"" UUID_A "\",\"text\":\"?\"");
    e2 = test_client_expect_error (alice, id, "NOT_FOUND");
  }

  /* the same connection may register instead */
  {
    g_autofree char *reg = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"bob\"",
                                            confab_test_server_get_api_key (server));
    g_autoptr(JsonObject) result = NULL;

    id = test_client_request (bob2, "register", reg);
    result = test_client_expect (bob2, "result");
    g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
  }
}

/* bad input */

static void
test_bad_input (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) bad = test_client_connect (server);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED x = test_client_register_guest (bad, server, "mallory");
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  g_autoptr(JsonObject) e = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *long_text = NULL;
  g_autofree char *long_name = NULL;
  guint round = 0;
  gint64 id;

  /* malformed JSON */
  test_client_send (bad, "{\"type\":\"contactMessage\",");
  e = test_client_expect_error (bad, 0, "BAD_FORMAT");
  assert_round_trip (alice, bob, round++);

  /* not an object */
  g_clear_pointer (&e, json_object_unref);
  test_client_send (bad, "[1,2,3]");
  e = test_client_expect_error (bad, 0, "BAD_FORMAT");

  /* unknown type */
  g_clear_pointer (&e, json_object_unref);
  test_client_send (bad, "{\"type\":\"launchMissiles\",\"id\":5}");
  e = test_client_expect_error (bad, -1, "UNKNOWN_TYPE");
  assert_round_trip (alice, bob, round++);

  /* a server-only type from a client */
  g_clear_pointer (&e, json_object_unref);
  test_client_send (bad, "{\"type\":\"welcome\"}");
  e = test_client_expect_error (bad, -1, "UNKNOWN_TYPE");

  /* wrong-typed field */
  g_clear_pointer (&e, json_object_unref);
  id = test_client_request (bad, "contactMessage", "\"to\":\"bob\",\"uuid\":\"" UUID_A "\",\"text\":5");
  e = test_client_expect_error (bad, id, "BAD_PARAMETER");
  g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "text");
  assert_round_trip (alice, bob, round++);

  /* missing field */
  g_clear_pointer (&e, json_object_unref);
  id = test_client_request (bad, "contactMessage", "\"to\":\"bob\",\"text\":\"hi\"");
  e = test_client_expect_error (bad, id, "BAD_PARAMETER");
  g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "uuid");

  /* bad uuid */
  g_clear_pointer (&e, json_object_unref);
  id = test_client_request (bad, "contactMessage", "\"to\":\"bob\",\"uuid\":\"not-a-uuid\",\"text\":\"hi\"");
  e = test_client_expect_error (bad, id, "BAD_PARAMETER");
  g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "uuid");

  /* over-long text */
  long_text = g_strnfill (16385, 'x');
  g_clear_pointer (&e, json_object_unref);
  test_client_send (bad, "{\"type\":\"contactMessage\",\"id\":77,\"to\":\"bob\",\"uuid\":\"" UUID_B "\",\"text\":\"%s\"}",
                    long_text);
  e = test_client_expect_error (bad, 77, "TOO_LARGE");
  g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "text");
  assert_round_trip (alice, bob, round++);

  /* over-long event name */
  long_name = g_strnfill (65, 'n');
  g_clear_pointer (&e, json_object_unref);
  test_client_send (bad, "{\"type\":\"customEvent\",\"id\":78,\"to\":\"bob\",\"uuid\":\"" UUID_B "\",\"event\":\"%s\"}",
                    long_name);
  e = test_client_next (bad);
  g_assert_cmpstr (json_object_get_string_member (e, "type"), ==, "error");
  g_assert_cmpint (json_object_get_int_member (e, "re"), ==, 78);
  g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "event");

  /* oversized frame */
  huge = g_strnfill (70000, ' ');
  memcpy (huge, "{\"type\":\"ping\"}", strlen ("{\"type\":\"ping\"}"));
  g_clear_pointer (&e, json_object_unref);
  test_client_send_bytes (bad, SOUP_WEBSOCKET_DATA_TEXT, huge, 70000);
  e = test_client_expect_error (bad, 0, "TOO_LARGE");
  assert_round_trip (alice, bob, round++);

  /* binary frame */
  g_clear_pointer (&e, json_object_unref);
  test_client_send_bytes (bad, SOUP_WEBSOCKET_DATA_BINARY, "\x01\x02\x03", 3);
  e = test_client_expect_error (bad, 0, "BAD_FORMAT");

  /* None of it reached anyone, and the offender still works. */
  test_client_assert_quiet (bob);
  test_client_assert_quiet (alice);
  assert_round_trip (bad, bob, round++);
  g_assert_false (bad->closed);
}

static void
test_flood (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) flooder = test_client_connect (server);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED x = test_client_register_guest (flooder, server, "flooder");
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");
  guint results = 0, limited = 0;

  for (guint i = 0; i < 400 && soup_websocket_connection_get_state (flooder->ws) == SOUP_WEBSOCKET_STATE_OPEN; i++)
    test_client_send (flooder, "{\"type\":\"customEvent\",\"id\":%u,\"to\":\"flooder\","
                      "\"uuid\":\"00000000-0000-4000-8000-%012x\",\"event\":\"spam\"}", i + 1, i);

  /* Until the close: results, events to itself, then RATE_LIMITED answers. */
  while (!flooder->closed || flooder->frames.length > 0)
    {
      g_autoptr(JsonObject) frame = NULL;
      const char *type;

      if (flooder->frames.length == 0)
        {
          g_main_context_iteration (NULL, TRUE);
          continue;
        }
      frame = g_queue_pop_head (&flooder->frames);
      type = json_object_get_string_member (frame, "type");
      if (g_str_equal (type, "result"))
        results++;
      else if (g_str_equal (type, "error"))
        {
          g_assert_cmpstr (json_object_get_string_member (frame, "code"), ==, "RATE_LIMITED");
          limited++;
        }
    }

  g_assert_cmpint (flooder->close_code, ==, 1008);
  g_assert_cmpuint (limited, >, 0);
  g_assert_cmpuint (results, >=, 1);
  g_assert_cmpuint (results, <=, 400 - limited);

  assert_round_trip (alice, bob, 1);
  assert_round_trip (bob, alice, 2);
}

static void
test_frame_far_too_large (void)
{
  const char *args[] = { "--max-frame-bytes", "1024", "--max-string-bytes", "512",
                         "--max-text-bytes", "512", "--max-data-bytes", "512", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) bad = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED welcome = test_client_hello (bad);
  g_autofree char *huge = g_strnfill (5000, ' ');

  huge[0] = '{';
  huge[4999] = '}';
  test_client_send_bytes (bad, SOUP_WEBSOCKET_DATA_TEXT, huge, 5000);
  g_assert_cmpint (test_client_wait_closed (bad), ==, 1009);
}

static void
test_idle_timeout (void)
{
  const char *args[] = { "--heartbeat-ms", "200", "--idle-timeout-ms", "1000", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) quiet = test_client_connect (server);
  g_autoptr(JsonObject) welcome = test_client_hello (quiet);

  g_assert_cmpint (json_object_get_int_member (welcome, "idleTimeoutMs"), ==, 1000);
  g_assert_cmpint (test_client_wait_closed (quiet), ==, 4000);
}

/* A connection that does not register (or resume) in time is closed with 4001,
 * whether it said hello or nothing at all; a registered one stays. */
static void
test_handshake_timeout (void)
{
  const char *args[] = { "--handshake-timeout-ms", "300", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(TestClient) silent = test_client_connect (server);
  g_autoptr(TestClient) greeted = test_client_connect (server);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED welcome = test_client_hello (greeted);
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(JsonObject) G_GNUC_UNUSED b = test_client_register_guest (bob, server, "bob");

  g_assert_cmpint (test_client_wait_closed (silent), ==, 4001);
  g_assert_cmpint (test_client_wait_closed (greeted), ==, 4001);

  /* Well past the timeout, the registered ones still talk. */
  assert_round_trip (alice, bob, 1);
  assert_round_trip (bob, alice, 2);
  g_assert_false (alice->closed);
  g_assert_false (bob->closed);
}

/* healthz, shutdown */

static char *get_healthz (ConfabTestServer *server);

/* A raw WebSocket client that can stop reading (libsoup always reads). */

static GSocketConnection *
raw_connect (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autofree char *request = NULL;
  GSocketConnection *connection;
  GString *head = g_string_new (NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* A small receive buffer (set before connecting, so the window stays small): the
   * server sees a slow reader soon. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 10);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  connection = g_socket_connection_factory_create_connection (socket);

  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      char c;

      g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                            &c, 1, NULL, &error), ==, 1);
      g_string_append_c (head, c);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101"));
  g_string_free (head, TRUE);

  return connection;
}

static void
raw_send_text (GSocketConnection *connection,
               const char        *text)
{
  gsize length = strlen (text);
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  const guint8 mask[4] = { 1, 2, 3, 4 };
  guint8 header[4] = { 0x81, 0, 0, 0 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (length, <, 65536);
  if (length < 126)
    {
      header[1] = 0x80 | length;
      g_byte_array_append (frame, header, 2);
    }
  else
    {
      header[1] = 0x80 | 126;
      header[2] = length >> 8;
      header[3] = length & 0xff;
      g_byte_array_append (frame, header, 4);
    }
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = ((const guint8 *) text)[i] ^ mask[i % 4];

      g_byte_array_append (frame, &b, 1);
    }

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             frame->data, frame->len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads one frame; returns its opcode (8: close, its code in *close_code). */
static guint8
raw_read_frame (GSocketConnection *connection,
                GByteArray        *payload,
                guint16           *close_code)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GError) error = NULL;
  guint8 header[2];
  guint64 length;
  gsize got = 0;

  g_input_stream_read_all (in, header, 2, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, 2);
  length = header[1] & 0x7f;
  if (length >= 126)
    {
      guint8 ext[8];
      gsize n = length == 126 ? 2 : 8;

      g_input_stream_read_all (in, ext, n, &got, NULL, &error);
      g_assert_no_error (error);
      length = 0;
      for (gsize i = 0; i < n; i++)
        length = (length << 8) | ext[i];
    }
  g_byte_array_set_size (payload, length);
  g_input_stream_read_all (in, payload->data, length, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, length);

  if ((header[0] & 0x0f) == 8 && length >= 2)
    *close_code = (payload->data[0] << 8) | payload->data[1];

  return header[0] & 0x0f;
}

static void
test_slow_reader (void)
{
  const char *args[] = { "--rate-per-second", "100000", "--rate-burst", "100000", NULL };
  g_autoptr(ConfabTestServer) server = confab_test_server_new (args);
  g_autoptr(GSocketConnection) slow = raw_connect (confab_test_server_get_port (server));
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(JsonObject) G_GNUC_UNUSED a = test_client_register_guest (alice, server, "alice");
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autofree char *text = g_strnfill (16000, 'z');
  g_autofree char *reg = g_strdup_printf ("{\"type\":\"register\",\"id\":1,\"uri\":\"apiKey:%s\",\"userId\":\"slow\"}",
                                          confab_test_server_get_api_key (server));
  g_autofree char *health = NULL;
  guint16 close_code = 0;
  guint frames = 0;
  guint8 opcode;

  raw_send_text (slow, "{\"type\":\"hello\",\"versions\":[1]}");
  g_assert_cmpuint (raw_read_frame (slow, payload, &close_code), ==, 1);
  raw_send_text (slow, reg);
  g_assert_cmpuint (raw_read_frame (slow, payload, &close_code), ==, 1);
  g_assert_nonnull (g_strstr_len ((const char *) payload->data, payload->len, "\"result\""));

  /* "slow" stops reading; 9.6 MB go its way, more than the kernel holds and the
   * server keeps (1 MiB of unacknowledged events). */
  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *uuid = uuid_n (0x500 + i);
      g_autofree char *members = g_strdup_printf ("\"to\":\"slow\",\"uuid\":\"%s\",\"text\":\"%s\"", uuid, text);

      test_client_request (alice, "contactMessage", members);
    }
  for (guint i = 0; i < 600; i++)
    {
      g_autoptr(JsonObject) frame = test_client_next (alice);

      g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "result");
    }

  /* The server and everyone else carry on. */
  health = get_healthz (server);
  g_assert_nonnull (strstr (health, "\"ok\""));
  test_client_assert_quiet (alice);

  /* What the slow reader finally reads ends with a 1008 close, well before 600 events. */
  while ((opcode = raw_read_frame (slow, payload, &close_code)) == 1)
    frames++;
  g_assert_cmpuint (opcode, ==, 8);
  g_assert_cmpuint (close_code, ==, 1008);
  g_assert_cmpuint (frames, <, 600);
}


static char *
get_healthz (ConfabTestServer *server)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/healthz", confab_test_server_get_port (server));
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_get_status (message), ==, 200);

  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
test_healthz (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) client = test_client_connect (server);
  g_autofree char *before = get_healthz (server);
  g_autofree char *after = NULL;
  g_autoptr(JsonObject) data = NULL;

  g_assert_cmpstr (before, ==, "{\"status\":\"ok\",\"sessions\":0}");
  data = test_client_register_guest (client, server, NULL);
  after = get_healthz (server);
  g_assert_cmpstr (after, ==, "{\"status\":\"ok\",\"sessions\":1}");
}

static void
test_sigterm (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) sender = test_client_connect (server);
  g_autoptr(TestClient) gina = test_client_connect (server);
  g_autoptr(TestClient) gina2 = NULL;
  g_autoptr(JsonObject) G_GNUC_UNUSED s = test_client_register_guest (sender, server, "sender");
  g_autoptr(JsonObject) g = NULL;
  g_autoptr(JsonObject) g2 = NULL;

  confab_test_server_add_user (server, "gina", "pw-gina");
  g = test_client_register_account (gina, "gina", "pw-gina");
  {
    g_autoptr(JsonObject) G_GNUC_UNUSED result = test_client_message (sender, "gina", UUID_A, "unacknowledged");
    g_autoptr(JsonObject) G_GNUC_UNUSED event = test_client_expect (gina, "contactMessage");
  }

  /* SIGTERM: close 1001 to everyone, exit status 0 (asserted by the harness). */
  confab_test_server_stop (server);
  g_assert_cmpint (test_client_wait_closed (sender), ==, 1001);
  g_assert_cmpint (test_client_wait_closed (gina), ==, 1001);

  /* The unacknowledged message of the account was kept. */
  confab_test_server_restart (server);
  gina2 = test_client_connect (server);
  g2 = test_client_register_account (gina2, "gina", "pw-gina");
  {
    g_autoptr(JsonObject) event = test_client_expect (gina2, "contactMessage");

    g_assert_cmpstr (json_object_get_string_member (event, "uuid"), ==, UUID_A);
    g_assert_true (json_object_get_boolean_member (event, "offline"));
  }
}

/* command line */

static void
test_user_admin (void)
{
  g_autofree char *dir = g_dir_make_tmp ("confab-admin-XXXXXX", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *db = g_build_filename (dir, "confab.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "confab.db-wal", NULL);
  g_autofree char *shm = g_build_filename (dir, "confab.db-shm", NULL);
  g_autofree char *stamp = g_build_filename (dir, "accounts.stamp", NULL);

  {
    const char *args[] = { "user", "add", "henry", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, "pw henry\n", &out, &err), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_binary (args, "again\n", &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "already exists"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "user", "add", "iris", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, "", &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "password"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_binary (args, "pw iris\n", &out, &err), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "user", "add", "bad login!", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, "pw\n", &out, &err), ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "user", "list", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, "henry\niris\n");
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "user", "remove", "henry", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "user", "list", "--data-dir", dir, NULL };

    g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, "iris\n");
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  /* Each add and remove left a stamp for running servers to notice. */
  g_assert_true (g_file_test (stamp, G_FILE_TEST_IS_REGULAR));
  g_unlink (stamp);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (db);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_bad_config (const char *contents,
                   const char *extra_option,
                   const char *extra_value,
                   const char *expected)
{
  g_autofree char *dir = g_dir_make_tmp ("confab-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.conf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "--config", path, "--port", "1", "--data-dir", dir,
                         extra_option, extra_value, NULL };

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  if (strstr (err, expected) == NULL)
    g_error ("expected '%s' in: %s", expected, err);

  g_unlink (path);
  g_rmdir (dir);  /* nothing was created in it: the database was never opened */
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_port_in_use (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *port = g_strdup_printf ("%u", confab_test_server_get_port (server));
  g_autofree char *dir = g_dir_make_tmp ("confab-port-XXXXXX", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "--port", port, "--data-dir", dir, NULL };
  g_autofree char *health = NULL;

  g_assert_cmpint (run_binary (args, NULL, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "cannot listen"));
  health = get_healthz (server);  /* the first one is unharmed */
  g_assert_nonnull (strstr (health, "\"ok\""));

  for (const char *const *name = (const char *const[]) { "confab.db", "confab.db-wal", "confab.db-shm", NULL };
       *name != NULL; name++)
    {
      g_autofree char *path = g_build_filename (dir, *name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_bad_config (void)
{
  assert_bad_config ("[server]\nport=eighty\n", NULL, NULL, "port");
  assert_bad_config ("[limits]\nmax-frame-bytes=-5\n", NULL, NULL, "max-frame-bytes");
  assert_bad_config ("[session]\nheartbeat-ms=20000\nidle-timeout-ms=10000\n", NULL, NULL, "idle-timeout-ms");
  assert_bad_config ("[server]\nlisten=not-an-address\n", NULL, NULL, "listen");
  assert_bad_config ("[server]\nprot=8470\n", NULL, NULL, "prot");
  assert_bad_config ("not a key file", NULL, NULL, "bad.conf");
  assert_bad_config ("[server]\nport=8470\n", "--rate-per-second", "0", "rate-per-second");
  assert_bad_config ("[server]\nport=8470\n", "--no-such-option", "1", "no-such-option");
}

/* calls */

#define CALL_1 "10000000-0000-4000-8000-000000000001"
#define CALL_2 "10000000-0000-4000-8000-000000000002"
#define CALL_3 "10000000-0000-4000-8000-000000000003"
#define CALL_4 "10000000-0000-4000-8000-000000000004"
#define CALL_5 "10000000-0000-4000-8000-000000000005"
#define CALL_6 "10000000-0000-4000-8000-000000000006"
#define CALL_7 "10000000-0000-4000-8000-000000000007"
#define CALL_8 "10000000-0000-4000-8000-000000000008"
#define CALL_9 "10000000-0000-4000-8000-000000000009"
#define CALL_10 "10000000-0000-4000-8000-000000000010"
#define REPEAT_1 "20000000-0000-4000-8000-000000000001"
#define REPEAT_2 "20000000-0000-4000-8000-000000000002"

static void
expect_ok (TestClient *client,
           gint64      id)
{
  g_autoptr(JsonObject) result = test_client_expect (client, "result");

  g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
}

/* A repeated call request: answered, nothing relayed. */
static void
expect_duplicate (TestClient *client,
                  gint64      id)
{
  g_autoptr(JsonObject) result = test_client_expect (client, "result");

  g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (result, "data"), "duplicate"));
}

static JsonObject *
expect_call_event (TestClient *client,
                   const char *type,
                   const char *call_id,
                   const char *from,
                   const char *reason)
{
  JsonObject *event = test_client_expect (client, type);

  g_assert_cmpstr (json_object_get_string_member (event, "callId"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "from"), "id"), ==, from);
  g_assert_true (json_object_has_member (event, "time"));
  if (reason != NULL)
    g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, reason);

  return event;
}

/* @client sends @type for @call_id, with @reason unless it is %NULL; returns its id. */
static gint64
call_request (TestClient *client,
              const char *type,
              const char *call_id,
              const char *reason)
{
  g_autofree char *members = NULL;

  if (reason != NULL)
    members = g_strdup_printf ("\"callId\":\"%s\",\"reason\":\"%s\"", call_id, reason);
  else
    members = g_strdup_printf ("\"callId\":\"%s\"", call_id);
  return test_client_request (client, type, members);
}

/* The call request is answered. */
static void
call_request_ok (TestClient *client,
                 const char *type,
                 const char *call_id,
                 const char *reason)
{
  expect_ok (client, call_request (client, type, call_id, reason));
}

/* The call request, sent again, is answered as a duplicate. */
static void
call_request_duplicate (TestClient *client,
                        const char *type,
                        const char *call_id,
                        const char *reason)
{
  expect_duplicate (client, call_request (client, type, call_id, reason));
}

/* The next frame @client gets is the call event @type; nothing more is checked of it. */
static void
assert_call_event (TestClient *client,
                   const char *type,
                   const char *call_id,
                   const char *from,
                   const char *reason)
{
  json_object_unref (expect_call_event (client, type, call_id, from, reason));
}

/* @alice invites bob to @call_id with @media and is answered; @ringing1 and @ringing2 (when
 * not %NULL) are bob's sessions that are offered the call. */
static void
invite_bob (TestClient *alice,
            const char *call_id,
            const char *media,
            TestClient *ringing1,
            TestClient *ringing2)
{
  g_autofree char *members = g_strdup_printf ("\"to\":\"bob\",\"callId\":\"%s\",\"media\":\"%s\"",
                                              call_id, media);
  gint64 id = test_client_request (alice, "callInvite", members);

  expect_ok (alice, id);
  assert_call_event (ringing1, "callInvite", call_id, "alice", NULL);
  if (ringing2 != NULL)
    assert_call_event (ringing2, "callInvite", call_id, "alice", NULL);
}

/* Alice signs in as a guest; bob1 and bob2 sign in to the account bob. */
static void
sign_in_alice_and_bob (ConfabTestServer *server,
                       TestClient       *alice,
                       TestClient       *bob1,
                       TestClient       *bob2)
{
  confab_test_server_add_user (server, "bob", "pw-bob");
  json_object_unref (test_client_register_guest (alice, server, "alice"));
  json_object_unref (test_client_register_account (bob1, "bob", "pw-bob"));
  json_object_unref (test_client_register_account (bob2, "bob", "pw-bob"));
}

static void
test_calls (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob1 = test_client_connect (server);
  g_autoptr(TestClient) bob2 = test_client_connect (server);
  gint64 id;

  sign_in_alice_and_bob (server, alice, bob1, bob2);

  /* refusals */
  {
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;
    g_autoptr(JsonObject) e3 = NULL;
    g_autoptr(JsonObject) e4 = NULL;

    id = test_client_request (alice, "callInvite", "\"to\":\"alice\",\"callId\":\"" CALL_1 "\",\"media\":\"audio\"");
    e1 = test_client_expect_error (alice, id, "NOT_ALLOWED");
    id = test_client_request (alice, "callInvite", "\"to\":\"nobody\",\"callId\":\"" CALL_1 "\",\"media\":\"audio\"");
    e2 = test_client_expect_error (alice, id, "NOT_FOUND");
    id = test_client_request (alice, "callInvite", "\"to\":\"bob\",\"callId\":\"" CALL_1 "\",\"media\":\"smell\"");
    e3 = test_client_expect_error (alice, id, "BAD_PARAMETER");
    g_assert_cmpstr (json_object_get_string_member (e3, "field"), ==, "media");
    id = test_client_request (alice, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\"");
    e4 = test_client_expect_error (alice, id, "NOT_FOUND");
  }

  /* invite → ringing → accept → SDP and ICE both ways → hangup */
  id = test_client_request (alice, "callInvite", "\"to\":\"bob\",\"callId\":\"" CALL_1 "\",\"media\":\"video\"");
  expect_ok (alice, id);
  {
    g_autoptr(JsonObject) i1 = expect_call_event (bob1, "callInvite", CALL_1, "alice", NULL);
    g_autoptr(JsonObject) G_GNUC_UNUSED i2 = expect_call_event (bob2, "callInvite", CALL_1, "alice", NULL);
    g_autoptr(JsonObject) e = NULL;

    g_assert_cmpstr (json_object_get_string_member (i1, "media"), ==, "video");

    /* the caller sending it again (after a reconnection): a duplicate, delivered once */
    id = test_client_request (alice, "callInvite", "\"to\":\"bob\",\"callId\":\"" CALL_1 "\",\"media\":\"video\"");
    expect_duplicate (alice, id);
    /* anyone else: the id is taken */
    id = test_client_request (bob2, "callInvite", "\"to\":\"alice\",\"callId\":\"" CALL_1 "\",\"media\":\"video\"");
    e = test_client_expect_error (bob2, id, "BAD_PARAMETER");
    g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, "callId");
    g_clear_pointer (&e, json_object_unref);

    id = test_client_request (bob1, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\"");
    e = test_client_expect_error (bob1, id, "WRONG_STATE");
  }

  call_request_ok (bob1, "callRinging", CALL_1, NULL);
  assert_call_event (alice, "callRinging", CALL_1, "bob", NULL);

  call_request_ok (bob1, "callAccept", CALL_1, NULL);
  assert_call_event (alice, "callAccept", CALL_1, "bob", NULL);
  assert_call_event (bob2, "callCancel", CALL_1, "bob", "Answered_Elsewhere");

  {
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;
    g_autoptr(JsonObject) sdp = NULL;
    g_autoptr(JsonObject) ice = NULL;
    g_autoptr(JsonObject) answer = NULL;

    id = test_client_request (bob2, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"answer\",\"sdp\":\"v=0\"");
    e1 = test_client_expect_error (bob2, id, "NOT_FOUND");
    /* the accepting session sending it (or its ringing) again: duplicates; the caller may
     * not accept */
    call_request_duplicate (bob1, "callAccept", CALL_1, NULL);
    call_request_duplicate (bob1, "callRinging", CALL_1, NULL);
    id = test_client_request (alice, "callAccept", "\"callId\":\"" CALL_1 "\"");
    e2 = test_client_expect_error (alice, id, "WRONG_STATE");

    id = test_client_request (alice, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"");
    expect_ok (alice, id);
    sdp = expect_call_event (bob1, "callSdp", CALL_1, "alice", NULL);
    g_assert_cmpstr (json_object_get_string_member (sdp, "sdpType"), ==, "offer");
    g_assert_cmpstr (json_object_get_string_member (sdp, "sdp"), ==, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");

    id = test_client_request (bob1, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"answer\",\"sdp\":\"v=0\"");
    expect_ok (bob1, id);
    answer = expect_call_event (alice, "callSdp", CALL_1, "bob", NULL);
    g_assert_cmpstr (json_object_get_string_member (answer, "sdpType"), ==, "answer");

    id = test_client_request (bob1, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\",\"sdpMLineIndex\":1,\"sdpMid\":\"video0\"");
    expect_ok (bob1, id);
    ice = expect_call_event (alice, "callIce", CALL_1, "bob", NULL);
    g_assert_cmpint (json_object_get_int_member (ice, "sdpMLineIndex"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (ice, "sdpMid"), ==, "video0");
    g_assert_cmpstr (json_object_get_string_member (ice, "candidate"), ==, "candidate:1 1 UDP 1 127.0.0.1 5000 typ host");
  }

  /* callSdp and callIce sent again with their uuid (after a reconnection): relayed once */
  {
    g_autoptr(JsonObject) sdp = NULL;
    g_autoptr(JsonObject) ice = NULL;
    g_autoptr(JsonObject) other_side = NULL;
    g_autoptr(JsonObject) first = NULL;
    g_autoptr(JsonObject) second = NULL;

    id = test_client_request (alice, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\",\"uuid\":\"" REPEAT_1 "\"");
    expect_ok (alice, id);
    sdp = expect_call_event (bob1, "callSdp", CALL_1, "alice", NULL);
    g_assert_false (json_object_has_member (sdp, "uuid"));
    id = test_client_request (alice, "callSdp", "\"callId\":\"" CALL_1 "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\",\"uuid\":\"" REPEAT_1 "\"");
    expect_duplicate (alice, id);
    id = test_client_request (alice, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"c\",\"sdpMLineIndex\":0,\"uuid\":\"" REPEAT_2 "\"");
    expect_ok (alice, id);
    ice = expect_call_event (bob1, "callIce", CALL_1, "alice", NULL);
    id = test_client_request (alice, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"c\",\"sdpMLineIndex\":0,\"uuid\":\"" REPEAT_2 "\"");
    expect_duplicate (alice, id);
    test_client_assert_quiet (bob1);

    /* the other party's uuids are its own */
    id = test_client_request (bob1, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"c\",\"sdpMLineIndex\":0,\"uuid\":\"" REPEAT_2 "\"");
    expect_ok (bob1, id);
    other_side = expect_call_event (alice, "callIce", CALL_1, "bob", NULL);

    /* without a uuid, each is relayed */
    id = test_client_request (alice, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"\",\"sdpMLineIndex\":0");
    expect_ok (alice, id);
    first = expect_call_event (bob1, "callIce", CALL_1, "alice", NULL);
    id = test_client_request (alice, "callIce", "\"callId\":\"" CALL_1 "\",\"candidate\":\"\",\"sdpMLineIndex\":0");
    expect_ok (alice, id);
    second = expect_call_event (bob1, "callIce", CALL_1, "alice", NULL);
  }

  call_request_ok (alice, "callHangup", CALL_1, NULL);
  assert_call_event (bob1, "callHangup", CALL_1, "alice", "Hangup_From_Caller");

  /* decline */
  invite_bob (alice, CALL_2, "audio", bob1, bob2);
  call_request_ok (bob2, "callDecline", CALL_2, NULL);
  assert_call_event (alice, "callDecline", CALL_2, "bob", "User_Refused_Call");
  /* declined for the user: the other session stops ringing */
  assert_call_event (bob1, "callCancel", CALL_2, "bob", "Declined_Elsewhere");
  test_client_assert_quiet (bob2);

  /* cancel */
  invite_bob (alice, CALL_3, "audio", bob1, bob2);
  call_request_ok (alice, "callCancel", CALL_3, NULL);
  assert_call_event (bob1, "callCancel", CALL_3, "alice", "Hangup_From_Caller");
  assert_call_event (bob2, "callCancel", CALL_3, "alice", "Hangup_From_Caller");

  /* a cancel that crossed the accept ends the call as a hang-up */
  invite_bob (alice, CALL_5, "audio", bob1, bob2);
  call_request_ok (bob2, "callAccept", CALL_5, NULL);
  assert_call_event (bob1, "callCancel", CALL_5, "bob", "Answered_Elsewhere");
  id = test_client_request (alice, "callCancel", "\"callId\":\"" CALL_5 "\"");
  assert_call_event (alice, "callAccept", CALL_5, "bob", NULL);
  expect_ok (alice, id);
  assert_call_event (bob2, "callHangup", CALL_5, "alice", "Hangup_From_Caller");
  {
    g_autoptr(JsonObject) e = NULL;

    /* and it is over */
    id = test_client_request (alice, "callCancel", "\"callId\":\"" CALL_5 "\"");
    e = test_client_expect_error (alice, id, "NOT_FOUND");
  }

  /* the callee's session ends: the caller hears disconnected */
  invite_bob (alice, CALL_4, "screen", bob1, bob2);
  call_request_ok (bob1, "callAccept", CALL_4, NULL);
  assert_call_event (alice, "callAccept", CALL_4, "bob", NULL);
  assert_call_event (bob2, "callCancel", CALL_4, "bob", "Answered_Elsewhere");
  id = test_client_request (bob1, "disconnect", NULL);
  expect_ok (bob1, id);
  assert_call_event (alice, "callHangup", CALL_4, "bob", "disconnected");

  test_client_assert_quiet (alice);
  test_client_assert_quiet (bob2);
}

static void
sign_out (TestClient *client)
{
  gint64 id = test_client_request (client, "disconnect", NULL);

  expect_ok (client, id);
}

/* A user with several sessions: User_Busy only takes one session out of the ringing ones;
 * the caller hears it when none is left. Sessions that sign in while it rings ring too. */
static void
test_calls_busy (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(TestClient) alice = test_client_connect (server);
  g_autoptr(TestClient) bob1 = test_client_connect (server);
  g_autoptr(TestClient) bob2 = test_client_connect (server);
  g_autoptr(TestClient) bob3 = NULL;
  g_autoptr(TestClient) bob4 = NULL;
  gint64 id;

  sign_in_alice_and_bob (server, alice, bob1, bob2);

  /* busy at one session: the other still rings and answers */
  invite_bob (alice, CALL_6, "audio", bob1, bob2);
  call_request_ok (bob1, "callDecline", CALL_6, "User_Busy");
  test_client_assert_quiet (alice);
  {
    g_autoptr(JsonObject) e = NULL;

    /* its repeat is done already; the call is no longer its */
    call_request_duplicate (bob1, "callDecline", CALL_6, "User_Busy");
    id = test_client_request (bob1, "callAccept", "\"callId\":\"" CALL_6 "\"");
    e = test_client_expect_error (bob1, id, "NOT_FOUND");
  }
  test_client_assert_quiet (alice);
  call_request_ok (bob2, "callRinging", CALL_6, NULL);
  assert_call_event (alice, "callRinging", CALL_6, "bob", NULL);
  call_request_ok (bob2, "callAccept", CALL_6, NULL);
  assert_call_event (alice, "callAccept", CALL_6, "bob", NULL);
  call_request_ok (alice, "callHangup", CALL_6, NULL);
  assert_call_event (bob2, "callHangup", CALL_6, "alice", "Hangup_From_Caller");
  /* (it no longer rang: no Answered_Elsewhere) */
  test_client_assert_quiet (bob1);

  /* busy everywhere: the caller hears User_Busy once, when the last one says so */
  invite_bob (alice, CALL_7, "audio", bob1, bob2);
  call_request_ok (bob2, "callDecline", CALL_7, "User_Busy");
  test_client_assert_quiet (alice);
  call_request_ok (bob1, "callDecline", CALL_7, "User_Busy");
  assert_call_event (alice, "callDecline", CALL_7, "bob", "User_Busy");
  test_client_assert_quiet (alice);
  test_client_assert_quiet (bob1);
  test_client_assert_quiet (bob2);

  /* a session signing in while the call rings rings too; one leaving rings no more */
  invite_bob (alice, CALL_8, "video", bob1, bob2);
  bob3 = test_client_connect (server);
  json_object_unref (test_client_register_account (bob3, "bob", "pw-bob"));
  {
    g_autoptr(JsonObject) late = expect_call_event (bob3, "callInvite", CALL_8, "alice", NULL);

    g_assert_cmpstr (json_object_get_string_member (late, "media"), ==, "video");
  }
  call_request_ok (bob1, "callDecline", CALL_8, "User_Busy");
  sign_out (bob3);
  test_client_assert_quiet (alice);
  call_request_ok (bob2, "callDecline", CALL_8, "User_Busy");
  assert_call_event (alice, "callDecline", CALL_8, "bob", "User_Busy");

  /* the last ringing session leaves after another said it is busy: User_Busy */
  invite_bob (alice, CALL_9, "audio", bob1, bob2);
  call_request_ok (bob2, "callDecline", CALL_9, "User_Busy");
  test_client_assert_quiet (alice);
  sign_out (bob1);
  assert_call_event (alice, "callDecline", CALL_9, "bob", "User_Busy");
  test_client_assert_quiet (alice);

  /* every ringing session leaves, none busy: it rings on, at the next one */
  invite_bob (alice, CALL_10, "audio", bob2, NULL);
  sign_out (bob2);
  test_client_assert_quiet (alice);
  bob4 = test_client_connect (server);
  json_object_unref (test_client_register_account (bob4, "bob", "pw-bob"));
  assert_call_event (bob4, "callInvite", CALL_10, "alice", NULL);
  call_request_ok (bob4, "callAccept", CALL_10, NULL);
  assert_call_event (alice, "callAccept", CALL_10, "bob", NULL);
  test_client_assert_quiet (alice);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/hello", test_hello);
  g_test_add_func ("/server/ice-servers", test_ice_servers);
  g_test_add_func ("/server/register/guest", test_register_guest);
  g_test_add_func ("/server/register/account", test_register_account);
  g_test_add_func ("/server/register/guest-vs-accounts", test_register_guest_vs_accounts);
  g_test_add_func ("/server/routing", test_routing);
  g_test_add_func ("/server/burst", test_burst);
  g_test_add_func ("/server/offline", test_offline);
  g_test_add_func ("/server/resume/replay", test_resume);
  g_test_add_func ("/server/resume/takeover", test_resume_takeover);
  g_test_add_func ("/server/resume/expired", test_resume_expired);
  g_test_add_func ("/server/bad-input/answers", test_bad_input);
  g_test_add_func ("/server/bad-input/flood", test_flood);
  g_test_add_func ("/server/bad-input/far-too-large", test_frame_far_too_large);
  g_test_add_func ("/server/slow-reader", test_slow_reader);
  g_test_add_func ("/server/calls", test_calls);
  g_test_add_func ("/server/calls/busy", test_calls_busy);
  g_test_add_func ("/server/idle-timeout", test_idle_timeout);
  g_test_add_func ("/server/handshake-timeout", test_handshake_timeout);
  g_test_add_func ("/server/healthz", test_healthz);
  g_test_add_func ("/server/sigterm", test_sigterm);
  g_test_add_func ("/server/cli/user", test_user_admin);
  g_test_add_func ("/server/cli/bad-config", test_bad_config);
  g_test_add_func ("/server/cli/port-in-use", test_port_in_use);

  return g_test_run ();
}
