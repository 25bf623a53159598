/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-unit.c: the server's pieces that stand alone */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "confab-account-set.h"
#include "confab-hub-connection.h"
#include "confab-hub-event.h"
#include "confab-hub-user.h"
#include "confab-json-writer.h"
#include "confab-rate-limiter.h"
#include "confab-replay-buffer.h"
#include "confab-server-config.h"
#include "confab-ws-out-buffer.h"

/* rate limiter */

static void
test_rate_limiter_burst (void)
{
  ConfabRateLimiter limiter;
  guint taken = 0;

  confab_rate_limiter_init (&limiter, 200, 1000);
  for (guint i = 0; i < 500; i++)
    taken += confab_rate_limiter_take (&limiter, 50, 200, 1000);
  g_assert_cmpuint (taken, ==, 200);

  /* 100 ms later: 5 more tokens at 50/s */
  taken = 0;
  for (guint i = 0; i < 100; i++)
    taken += confab_rate_limiter_take (&limiter, 50, 200, 1100);
  g_assert_cmpuint (taken, ==, 5);

  /* a long pause refills to the burst, not beyond */
  taken = 0;
  for (guint i = 0; i < 1000; i++)
    taken += confab_rate_limiter_take (&limiter, 50, 200, 1000000);
  g_assert_cmpuint (taken, ==, 200);
}

static void
test_rate_limiter_steady (void)
{
  ConfabRateLimiter limiter;
  guint refused = 0;

  confab_rate_limiter_init (&limiter, 10, 0);
  /* one frame every 20 ms is exactly 50/s: never refused */
  for (gint64 t = 0; t < 10000; t += 20)
    refused += !confab_rate_limiter_take (&limiter, 50, 10, t);
  g_assert_cmpuint (refused, ==, 0);

  /* one every 10 ms is twice too fast: about half refused once the burst is spent */
  refused = 0;
  for (gint64 t = 10000; t < 20000; t += 10)
    refused += !confab_rate_limiter_take (&limiter, 50, 10, t);
  g_assert_cmpuint (refused, >=, 480);
  g_assert_cmpuint (refused, <=, 520);
}

static void
test_rate_limiter_violations (void)
{
  ConfabRateLimiter limiter;

  confab_rate_limiter_init (&limiter, 10, 0);
  for (guint i = 0; i < 5; i++)
    g_assert_false (confab_rate_limiter_violation (&limiter, 5, 100));
  g_assert_true (confab_rate_limiter_violation (&limiter, 5, 200));

  /* a new window forgets */
  g_assert_false (confab_rate_limiter_violation (&limiter, 5, 100 + CONFAB_RATE_LIMITER_VIOLATION_WINDOW_MS));
}

/* replay buffer */

static ConfabHubEvent *
event_new (guint n)
{
  g_autofree char *body = g_strdup_printf ("\"type\":\"contactMessage\",\"n\":%u}", n);

  return confab_hub_event_new (CONFAB_WIRE_CONTACT_MESSAGE, body, strlen (body));
}

static void
collect_seq (ConfabHubEvent *event,
             gint64          seq,
             gpointer        user_data)
{
  g_array_append_val ((GArray *) user_data, seq);
}

static void
test_replay_buffer_ack (void)
{
  ConfabReplayBuffer buffer;
  g_autoptr(GArray) acked = g_array_new (FALSE, FALSE, sizeof (gint64));

  confab_replay_buffer_init (&buffer, 100, 1 << 20);
  g_assert_cmpint (confab_replay_buffer_last_seq (&buffer), ==, 0);
  g_assert_null (buffer.ring);

  for (guint i = 1; i <= 20; i++)
    {
      g_autoptr(ConfabHubEvent) event = event_new (i);

      g_assert_cmpint (confab_replay_buffer_push (&buffer, event, NULL, NULL), ==, i);
      g_assert_cmpuint (event->ref_count, ==, 2);
    }

  g_assert_cmpint (confab_replay_buffer_last_seq (&buffer), ==, 20);
  g_assert_nonnull (confab_replay_buffer_lookup (&buffer, 1));
  g_assert_null (confab_replay_buffer_lookup (&buffer, 21));
  g_assert_null (confab_replay_buffer_lookup (&buffer, 0));

  confab_replay_buffer_ack (&buffer, 7, collect_seq, acked);
  g_assert_cmpuint (acked->len, ==, 7);
  g_assert_cmpint (g_array_index (acked, gint64, 6), ==, 7);
  g_assert_null (confab_replay_buffer_lookup (&buffer, 7));
  g_assert_nonnull (confab_replay_buffer_lookup (&buffer, 8));
  g_assert_cmpstr (confab_replay_buffer_lookup (&buffer, 8)->body, ==, "\"type\":\"contactMessage\",\"n\":8}");

  /* acknowledging again, or backwards, does nothing */
  confab_replay_buffer_ack (&buffer, 3, collect_seq, acked);
  g_assert_cmpuint (acked->len, ==, 7);

  /* acknowledging everything releases the ring; numbering continues */
  confab_replay_buffer_ack (&buffer, 20, NULL, NULL);
  g_assert_null (buffer.ring);
  {
    g_autoptr(ConfabHubEvent) event = event_new (21);

    g_assert_cmpint (confab_replay_buffer_push (&buffer, event, NULL, NULL), ==, 21);
  }
  g_assert_cmpint (buffer.dropped_through, ==, 0);

  confab_replay_buffer_clear (&buffer);
}

static void
test_replay_buffer_caps (void)
{
  ConfabReplayBuffer buffer;
  g_autoptr(GArray) dropped = g_array_new (FALSE, FALSE, sizeof (gint64));

  confab_replay_buffer_init (&buffer, 10, 1 << 20);
  for (guint i = 1; i <= 25; i++)
    {
      g_autoptr(ConfabHubEvent) event = event_new (i);

      confab_replay_buffer_push (&buffer, event, collect_seq, dropped);
    }

  g_assert_cmpuint (buffer.length, ==, 10);
  g_assert_cmpuint (dropped->len, ==, 15);
  g_assert_cmpint (buffer.dropped_through, ==, 15);
  g_assert_null (confab_replay_buffer_lookup (&buffer, 15));
  g_assert_nonnull (confab_replay_buffer_lookup (&buffer, 16));
  g_assert_nonnull (confab_replay_buffer_lookup (&buffer, 25));
  confab_replay_buffer_clear (&buffer);

  /* the byte cap */
  g_array_set_size (dropped, 0);
  confab_replay_buffer_init (&buffer, 1000, 100);
  for (guint i = 1; i <= 10; i++)
    {
      g_autoptr(ConfabHubEvent) event = event_new (i);

      confab_replay_buffer_push (&buffer, event, collect_seq, dropped);
    }
  g_assert_cmpuint (buffer.bytes, <=, 100);
  g_assert_cmpuint (buffer.length + dropped->len, ==, 10);
  g_assert_cmpuint (dropped->len, >, 0);
  confab_replay_buffer_clear (&buffer);
}

static void
test_event_format (void)
{
  g_autoptr(ConfabHubEvent) event = event_new (3);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonObject) parsed = NULL;

  confab_hub_event_format (event, 42, out);
  g_assert_cmpstr (out->str, ==, "{\"seq\":42,\"type\":\"contactMessage\",\"n\":3}");
  parsed = confab_hub_event_parse (event);
  g_assert_nonnull (parsed);
  g_assert_cmpint (json_object_get_int_member (parsed, "n"), ==, 3);
}

static void
test_json_writer (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *tricky = "quote\" backslash\\ nl\n tab\t ctl\001 é ✓";

  confab_json_append_string (out, tricky);
  g_assert_cmpstr (out->str, ==, "\"quote\\\" backslash\\\\ nl\\n tab\\t ctl\\u0001 é ✓\"");
  g_assert_true (json_parser_load_from_data (parser, out->str, -1, NULL));
  g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, tricky);

  /* Integers, without printf, agree with printf. */
  {
    const gint64 values[] = { 0, 7, -7, 10, 1700000000123, -1, G_MAXINT64, G_MININT64 };

    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        g_autofree char *expected = g_strdup_printf ("%" G_GINT64_FORMAT, values[i]);

        g_string_truncate (out, 0);
        confab_json_append_int (out, values[i]);
        g_assert_cmpstr (out->str, ==, expected);
      }
  }
}

/* configuration */

static ConfabServerConfig *
config_from (const char  *text,
             GError     **error)
{
  g_autoptr(ConfabServerConfig) config = confab_server_config_new ();
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_assert_true (g_key_file_load_from_data (key_file, text, -1, G_KEY_FILE_NONE, NULL));
  if (!confab_server_config_load_key_file (config, key_file, error))
    return NULL;

  return g_steal_pointer (&config);
}

static void
test_config_defaults (void)
{
  g_autoptr(ConfabServerConfig) config = confab_server_config_new ();

  g_assert_cmpstr (config->listen, ==, "127.0.0.1");
  g_assert_cmpuint (config->port, ==, 8470);
  g_assert_true (g_str_has_suffix (config->data_dir, "confab-server"));
  g_assert_cmpuint (g_strv_length (config->api_keys), ==, 0);
  g_assert_cmpuint (config->heartbeat_ms, ==, 15000);
  g_assert_cmpuint (config->idle_timeout_ms, ==, 45000);
  g_assert_cmpuint (config->grace_ms, ==, 30000);
  g_assert_cmpuint (config->handshake_timeout_ms, ==, 10000);
  g_assert_cmpuint (config->limits.max_frame_bytes, ==, 65536);
  g_assert_cmpuint (config->limits.max_string_bytes, ==, 4096);
  g_assert_cmpuint (config->limits.max_text_bytes, ==, 16384);
  g_assert_cmpuint (config->limits.max_data_bytes, ==, 32768);
  g_assert_cmpuint (config->limits.rate_per_second, ==, 50);
  g_assert_cmpuint (config->limits.rate_burst, ==, 200);
  g_assert_cmpuint (config->limits.max_violations, ==, 50);
  g_assert_null (config->tls_cert);
  g_assert_false (config->verbose);
}

static void
test_config_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabServerConfig) config =
    config_from ("[server]\nlisten=::1\nport=9000\ndata-dir=/tmp/x\nverbose=true\n"
                 "[auth]\napi-keys=k1; k2 ;\n"
                 "[session]\nheartbeat-ms=1000\nidle-timeout-ms=3000\ngrace-ms=0\nhandshake-timeout-ms=250\n"
                 "[limits]\nmax-frame-bytes=2048\nmax-string-bytes=100\nmax-text-bytes=1000\n"
                 "max-data-bytes=1500\nrate-per-second=7\nrate-burst=9\nmax-violations=3\n"
                 "[ice]\nstun-urls=stun:a:3478;stuns:b:5349\nturn-urls=turn:c:3478\n"
                 "turn-secret=shh\nturn-ttl-s=600\n",
                 &error);

  g_assert_no_error (error);
  g_assert_cmpstr (config->listen, ==, "::1");
  g_assert_cmpuint (config->port, ==, 9000);
  g_assert_cmpstr (config->data_dir, ==, "/tmp/x");
  g_assert_true (config->verbose);
  g_assert_cmpuint (g_strv_length (config->api_keys), ==, 2);
  g_assert_cmpstr (config->api_keys[0], ==, "k1");
  g_assert_cmpstr (config->api_keys[1], ==, "k2");
  g_assert_cmpuint (config->heartbeat_ms, ==, 1000);
  g_assert_cmpuint (config->idle_timeout_ms, ==, 3000);
  g_assert_cmpuint (config->grace_ms, ==, 0);
  g_assert_cmpuint (config->handshake_timeout_ms, ==, 250);
  g_assert_cmpuint (config->limits.max_frame_bytes, ==, 2048);
  g_assert_cmpuint (config->limits.max_string_bytes, ==, 100);
  g_assert_cmpuint (config->limits.max_text_bytes, ==, 1000);
  g_assert_cmpuint (config->limits.max_data_bytes, ==, 1500);
  g_assert_cmpuint (config->limits.rate_per_second, ==, 7);
  g_assert_cmpuint (config->limits.rate_burst, ==, 9);
  g_assert_cmpuint (config->limits.max_violations, ==, 3);
  g_assert_cmpuint (g_strv_length (config->stun_urls), ==, 2);
  g_assert_cmpstr (config->turn_urls[0], ==, "turn:c:3478");
  g_assert_cmpstr (config->turn_secret, ==, "shh");
  g_assert_cmpuint (config->turn_ttl_s, ==, 600);
}

static void
test_config_errors (void)
{
  static const struct {
    const char *text;
    const char *mention;
  } cases[] = {
    { "[server]\nport=http\n", "port" },
    { "[server]\nport=70000\n", "port" },
    { "[server]\nport=-1\n", "port" },
    { "[server]\nlisten=localhost\n", "listen" },
    { "[server]\nverbose=maybe\n", "verbose" },
    { "[server]\ntls-cert=/a.pem\n", "tls-key" },
    { "[server]\ncolour=blue\n", "colour" },
    { "[nowhere]\nx=1\n", "nowhere" },
    { "[auth]\napi-keys=has space\n", "api-keys" },
    { "[session]\nheartbeat-ms=5000\nidle-timeout-ms=5000\n", "idle-timeout-ms" },
    { "[session]\ngrace-ms=1.5\n", "grace-ms" },
    { "[session]\nhandshake-timeout-ms=50\n", "handshake-timeout-ms" },
    { "[limits]\nmax-frame-bytes=10\n", "max-frame-bytes" },
    { "[limits]\nmax-frame-bytes=1024\n", "max-frame-bytes" },
    { "[limits]\nrate-burst=0\n", "rate-burst" },
    { "[limits]\nmax-violations=\n", "max-violations" },
    { "[ice]\nstun-urls=http://x\n", "stun-urls" },
    { "[ice]\nturn-urls=turn:x:3478\n", "turn-secret" },
    { "[ice]\nturn-urls=stun:x:3478\nturn-secret=s\n", "turn-urls" },
    { "[ice]\nturn-ttl-s=5\n", "turn-ttl-s" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ConfabServerConfig) config = confab_server_config_new ();
      g_autoptr(GKeyFile) key_file = g_key_file_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (g_key_file_load_from_data (key_file, cases[i].text, -1, G_KEY_FILE_NONE, NULL));
      g_assert_false (confab_server_config_load_key_file (config, key_file, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].mention) == NULL)
        g_error ("case %u: '%s' does not mention %s", i, error->message, cases[i].mention);

      /* nothing changed */
      g_assert_cmpuint (config->port, ==, 8470);
      g_assert_cmpstr (config->listen, ==, "127.0.0.1");
      g_assert_cmpuint (config->limits.max_frame_bytes, ==, 65536);
      g_assert_cmpuint (config->heartbeat_ms, ==, 15000);
    }
}

static void
test_config_layers (void)
{
  g_autoptr(ConfabServerConfig) config = confab_server_config_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GKeyFile) overrides = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_data (file, "[server]\nport=9000\n[auth]\napi-keys=a;b\n", -1, 0, NULL);
  g_key_file_load_from_data (overrides, "[server]\nport=9001\n", -1, 0, NULL);
  g_assert_true (confab_server_config_load_key_file (config, file, &error));
  g_assert_true (confab_server_config_load_key_file (config, overrides, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->port, ==, 9001);
  g_assert_cmpuint (g_strv_length (config->api_keys), ==, 2);
}

/* WebSocket out buffer */

/* Reads back one frame from @data: its payload length and where the payload starts. */
static gsize
parse_frame (const guint8 *data,
             gsize         available,
             gsize        *payload_length)
{
  gsize length;
  gsize header = 2;

  g_assert_cmpuint (available, >=, 2);
  g_assert_cmphex (data[0], ==, 0x81);      /* FIN, text */
  g_assert_cmphex (data[1] & 0x80, ==, 0);  /* not masked */
  length = data[1] & 0x7f;
  if (length == 126)
    {
      length = ((gsize) data[2] << 8) | data[3];
      header = 4;
      g_assert_cmpuint (length, >=, 126);
    }
  else if (length == 127)
    {
      length = 0;
      for (guint i = 0; i < 8; i++)
        length = (length << 8) | data[2 + i];
      header = 10;
      g_assert_cmpuint (length, >=, 65536);
    }

  g_assert_cmpuint (available, >=, header + length);
  *payload_length = length;
  return header;
}

static void
test_out_buffer_frames (void)
{
  const gsize sizes[] = { 0, 1, 125, 126, 127, 65535, 65536, 70000, 3 };
  ConfabWsOutBuffer *buffer = confab_ws_out_buffer_new ();
  gsize offset = 0;
  gsize expected_total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *payload = g_malloc (sizes[i] + 1);

      memset (payload, 'a' + i, sizes[i]);
      confab_ws_out_buffer_append_text (buffer, payload, sizes[i]);
      expected_total += sizes[i] + (sizes[i] < 126 ? 2 : sizes[i] < 65536 ? 4 : 10);
    }
  g_assert_cmpuint (buffer->length, ==, expected_total);
  g_assert_cmpuint (buffer->size, >=, buffer->length);

  /* The frames come back in order, each whole, with its own content. */
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      gsize length = 0;
      gsize header = parse_frame (buffer->data + offset, buffer->length - offset, &length);

      g_assert_cmpuint (length, ==, sizes[i]);
      for (gsize j = 0; j < length; j++)
        if (buffer->data[offset + header + j] != (guint8) ('a' + i))
          g_assert_not_reached ();
      offset += header + length;
    }
  g_assert_cmpuint (offset, ==, buffer->length);

  confab_ws_out_buffer_free (buffer);
}

static void
test_out_buffer_pool (void)
{
  ConfabWsOutPool pool;
  ConfabWsOutBuffer *a, *b, *big, *again;
  g_autofree char *large = g_malloc0 (100000);

  confab_ws_out_pool_init (&pool, 1, 8192);

  a = confab_ws_out_pool_take (&pool);
  b = confab_ws_out_pool_take (&pool);
  big = confab_ws_out_pool_take (&pool);
  g_assert_true (a != b);
  confab_ws_out_buffer_append_text (a, "hello", 5);
  confab_ws_out_buffer_append_text (big, large, 100000);
  g_assert_cmpuint (big->size, >, 8192);

  /* Given back emptied; only one kept, and never one larger than the cap. */
  confab_ws_out_pool_give (&pool, big);
  g_assert_cmpuint (pool.kept->len, ==, 0);
  confab_ws_out_pool_give (&pool, a);
  confab_ws_out_pool_give (&pool, b);
  g_assert_cmpuint (pool.kept->len, ==, 1);

  again = confab_ws_out_pool_take (&pool);
  g_assert_true (again == a);
  g_assert_cmpuint (again->length, ==, 0);
  g_assert_cmpuint (pool.kept->len, ==, 0);
  confab_ws_out_pool_give (&pool, again);

  confab_ws_out_pool_clear (&pool);
  g_assert_null (pool.kept);
}

/* users */

static gboolean
fake_write (gpointer    handle,
            const char *data,
            gsize       length)
{
  return TRUE;
}

static gboolean
fake_is_choked (gpointer handle)
{
  return FALSE;
}

static void
fake_request_writable (gpointer handle)
{
}

static void
fake_close (gpointer    handle,
            guint16     code,
            const char *reason)
{
}

static const ConfabHubTransport fake_transport = {
  fake_write, fake_is_choked, fake_request_writable, fake_close,
};

/* A user forgotten while a send is being stored, with repeats of it waiting: the
 * repeats' connections are released with it. */
static void
test_user_forgotten_with_waiters (void)
{
  int handle = 0;
  ConfabHubConnection *connection = confab_hub_connection_new (&handle, &fake_transport);
  ConfabHubUser *user = confab_hub_user_new ("ann", TRUE);
  ConfabHubSent *sent = confab_hub_user_add_sent (user, "00000000-0000-4000-8000-000000000001");

  sent->pending = TRUE;
  sent->waiters = g_slist_append (sent->waiters, confab_hub_waiter_new (connection, 7));
  sent->waiters = g_slist_append (sent->waiters, confab_hub_waiter_new (connection, 8));
  g_assert_cmpuint (connection->ref_count, ==, 3);

  /* Pending entries survive the uuid cap. */
  for (guint i = 0; i < CONFAB_HUB_USER_MAX_UUIDS + 10; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("00000000-0000-4000-8000-%012x", 0x1000 + i);

      confab_hub_user_add_sent (user, uuid);
    }
  g_assert_true (confab_hub_user_lookup_sent (user, "00000000-0000-4000-8000-000000000001") == sent);

  confab_hub_user_free (user);
  g_assert_cmpuint (connection->ref_count, ==, 1);

  confab_hub_connection_unref (connection);
}

/* account set */

static void
on_edit_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (confab_storage_edit_finish (CONFAB_STORAGE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Adds or removes an account through its own storage, as `confab-server user` does
 * from another process. */
static void
edit_elsewhere (const char *dir,
                const char *login,
                gboolean    add)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStorage) other = confab_storage_new (dir, &error);
  gboolean done = FALSE;

  g_assert_no_error (error);
  if (add)
    confab_storage_add_account_async (other, login, "not-a-real-hash", on_edit_done, &done);
  else
    confab_storage_remove_account_async (other, login, on_edit_done, &done);
  iterate_until (&done);
}

static void
wait_loaded (ConfabAccountSet *set)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!confab_account_set_is_loaded (set))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_account_set (void)
{
  g_autofree char *dir = g_dir_make_tmp ("confab-accounts-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  ConfabStorage *storage;
  ConfabAccountSet *set;
  ConfabAccountsStamp before, after;

  storage = confab_storage_new (dir, &error);
  g_assert_no_error (error);
  confab_storage_get_accounts_stamp (storage, &before);
  g_assert_false (before.exists);

  edit_elsewhere (dir, "amy", TRUE);
  confab_storage_get_accounts_stamp (storage, &after);
  g_assert_true (after.exists);
  g_assert_false (confab_accounts_stamp_equal (&before, &after));

  /* Unsure until loaded, then certain both ways. */
  set = confab_account_set_new (storage);
  g_assert_cmpint (confab_account_set_lookup (set, "amy"), ==, CONFAB_ACCOUNT_UNSURE);
  wait_loaded (set);
  g_assert_cmpint (confab_account_set_lookup (set, "amy"), ==, CONFAB_ACCOUNT_YES);
  g_assert_cmpint (confab_account_set_lookup (set, "zed"), ==, CONFAB_ACCOUNT_NO);

  /* Another process adds one: the set does not claim to know until it reloaded. */
  edit_elsewhere (dir, "zed", TRUE);
  g_assert_cmpint (confab_account_set_lookup (set, "zed"), ==, CONFAB_ACCOUNT_UNSURE);
  g_assert_cmpint (confab_account_set_lookup (set, "amy"), ==, CONFAB_ACCOUNT_UNSURE);
  wait_loaded (set);
  g_assert_cmpint (confab_account_set_lookup (set, "zed"), ==, CONFAB_ACCOUNT_YES);

  /* ... and removes one. */
  edit_elsewhere (dir, "amy", FALSE);
  g_assert_cmpint (confab_account_set_lookup (set, "amy"), ==, CONFAB_ACCOUNT_UNSURE);
  wait_loaded (set);
  g_assert_cmpint (confab_account_set_lookup (set, "amy"), ==, CONFAB_ACCOUNT_NO);
  g_assert_cmpint (confab_account_set_lookup (set, "zed"), ==, CONFAB_ACCOUNT_YES);

  /* Storage results keep it in step. */
  confab_account_set_note (set, "kim", TRUE);
  g_assert_cmpint (confab_account_set_lookup (set, "kim"), ==, CONFAB_ACCOUNT_YES);
  confab_account_set_note (set, "kim", FALSE);
  g_assert_cmpint (confab_account_set_lookup (set, "kim"), ==, CONFAB_ACCOUNT_NO);

  confab_account_set_unref (set);
  confab_storage_flush (storage);
  g_object_unref (storage);

  for (const char *const *name = (const char *const[]) { "confab.db", "confab.db-wal", "confab.db-shm",
                                                          "accounts.stamp", NULL };
       *name != NULL; name++)
    {
      g_autofree char *path = g_build_filename (dir, *name, NULL);

      g_unlink (path);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-unit/rate-limiter/burst", test_rate_limiter_burst);
  g_test_add_func ("/server-unit/rate-limiter/steady", test_rate_limiter_steady);
  g_test_add_func ("/server-unit/rate-limiter/violations", test_rate_limiter_violations);
  g_test_add_func ("/server-unit/replay-buffer/ack", test_replay_buffer_ack);
  g_test_add_func ("/server-unit/replay-buffer/caps", test_replay_buffer_caps);
  g_test_add_func ("/server-unit/event/format", test_event_format);
  g_test_add_func ("/server-unit/json-writer", test_json_writer);
  g_test_add_func ("/server-unit/config/defaults", test_config_defaults);
  g_test_add_func ("/server-unit/config/values", test_config_values);
  g_test_add_func ("/server-unit/config/errors", test_config_errors);
  g_test_add_func ("/server-unit/config/layers", test_config_layers);
  g_test_add_func ("/server-unit/out-buffer/frames", test_out_buffer_frames);
  g_test_add_func ("/server-unit/out-buffer/pool", test_out_buffer_pool);
  g_test_add_func ("/server-unit/account-set", test_account_set);
  g_test_add_func ("/server-unit/user/forgotten-with-waiters", test_user_forgotten_with_waiters);

  return g_test_run ();
}
