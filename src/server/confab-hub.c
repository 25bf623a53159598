/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub.c: sessions, users and routing; sees connections and frames, not sockets */

#define G_LOG_DOMAIN "confab-hub"

#include "config.h"

#include "confab-account-set.h"
#include "confab-accounts.h"
#include "confab-hub.h"
#include "confab-hub-call.h"
#include "confab-json-writer.h"

#include <sodium.h>
#include <string.h>

#define SWEEP_INTERVAL_MS    250

struct _ConfabHub
{
  const ConfabServerConfig *config;
  ConfabStorage            *storage;
  ConfabAccountSet         *accounts;   /* every account's login, kept current */

  GHashTable *users;          /* id → ConfabHubUser (owned) */
  GHashTable *tokens;         /* resume token → ConfabHubSession (borrowed) */

  GQueue      by_activity;    /* ConfabHubConnection, least recently active first */
  GQueue      handshaking;    /* ConfabHubConnection not yet registered, oldest first */
  GQueue      grace;          /* ConfabHubSession in grace, soonest deadline first */
  GQueue      lingering;      /* ConfabHubUser without session, oldest first */
  GHashTable *calls;          /* callId → ConfabHubCall (owned) */
  GQueue      invitations;    /* ConfabHubCall not yet answered, oldest first */

  guint       n_sessions;
  guint       n_connections;
  guint       n_pending;
  guint       sweep_id;
  gboolean    stopping;

  GString    *buf;
};

/* helpers */

static inline gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static inline gint64
wall_ms (void)
{
  return g_get_real_time () / 1000;
}

static GString *
take_buf (ConfabHub *self)
{
  g_string_truncate (self->buf, 0);
  return self->buf;
}

static gboolean
error_is_violation (ConfabWireError code)
{
  switch (code)
    {
    case CONFAB_WIRE_ERROR_BAD_FORMAT:
    case CONFAB_WIRE_ERROR_UNKNOWN_TYPE:
    case CONFAB_WIRE_ERROR_BAD_PARAMETER:
    case CONFAB_WIRE_ERROR_TOO_LARGE:
    case CONFAB_WIRE_ERROR_RATE_LIMITED:
    case CONFAB_WIRE_ERROR_WRONG_STATE:
    case CONFAB_WIRE_ERROR_UNAUTHORIZED:
    case CONFAB_WIRE_ERROR_INVALID_CREDENTIALS:
    case CONFAB_WIRE_ERROR_NOT_ALLOWED:
    case CONFAB_WIRE_ERROR_UNSUPPORTED_VERSION:
      return TRUE;
    case CONFAB_WIRE_ERROR_NOT_FOUND:
    case CONFAB_WIRE_ERROR_INTERNAL:
    case CONFAB_WIRE_ERROR_TIMED_OUT:
    case CONFAB_WIRE_ERROR_DISCONNECTED:
    default:
      return FALSE;
    }
}

static void
answer_error (ConfabHub           *self,
              ConfabHubConnection *connection,
              gint64               re,
              ConfabWireError      code,
              const char          *field,
              const char          *message)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!confab_hub_connection_is_open (connection) || self->stopping)
    return;

  text = confab_wire_encode_error (re, code, field, message, &length);
  confab_hub_connection_send (connection, text, length);

  g_debug ("connection %p: %s: %s", connection, confab_wire_error_to_string (code), message);

  if (error_is_violation (code) &&
      confab_rate_limiter_violation (&connection->limiter, self->config->limits.max_violations,
                                     now_ms ()))
    {
      g_info ("closing connection %p: too many bad frames", connection);
      confab_hub_connection_close (connection, 1008, "too many bad frames");
    }
}

static void
answer_result (ConfabHub           *self,
               ConfabHubConnection *connection,
               gint64               re,
               const char          *data_json)
{
  GString *out;

  if (!confab_hub_connection_is_open (connection) || self->stopping)
    return;

  out = take_buf (self);
  g_string_append (out, "{\"type\":\"result\",\"re\":");
  confab_json_append_int (out, re);
  g_string_append (out, ",\"data\":");
  g_string_append (out, data_json);
  g_string_append_c (out, '}');
  confab_hub_connection_send (connection, out->str, out->len);
}

static void
answer_sent (ConfabHub           *self,
             ConfabHubConnection *connection,
             gint64               re,
             ConfabHubSent       *sent,
             gboolean             duplicate)
{
  GString *out;

  if (!confab_hub_connection_is_open (connection) || self->stopping)
    return;

  out = take_buf (self);
  g_string_append (out, "{\"type\":\"result\",\"re\":");
  confab_json_append_int (out, re);
  g_string_append (out, ",\"data\":{\"uuid\":\"");
  g_string_append (out, sent->uuid);  /* checked by the decoder: hex digits and dashes */
  g_string_append (out, "\",\"time\":");
  confab_json_append_int (out, sent->time);
  g_string_append (out, sent->delivered == CONFAB_DELIVERED_STORED ? ",\"delivered\":\"stored\""
                                                                    : ",\"delivered\":\"online\"");
  g_string_append (out, duplicate ? ",\"duplicate\":true}}" : "}}");
  confab_hub_connection_send (connection, out->str, out->len);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static char *
member_json (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GString) out = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  out = g_string_new (NULL);
  confab_json_append_node (out, node);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* users and sessions */

static ConfabHubUser *
ensure_user (ConfabHub  *self,
             const char *id,
             gboolean    is_account)
{
  ConfabHubUser *user = g_hash_table_lookup (self->users, id);

  if (user == NULL)
    {
      user = confab_hub_user_new (id, is_account);
      g_hash_table_insert (self->users, user->id, user);
    }
  else if (user->linger_since_ms != 0)
    {
      g_queue_unlink (&self->lingering, &user->linger_link);
      user->linger_since_ms = 0;
    }

  user->is_account = is_account;
  return user;
}

typedef struct {
  ConfabHub        *hub;
  ConfabHubSession *session;
  gint64            after_seq;
} StoreUnacked;

static void
store_event_offline (ConfabHub        *self,
                     ConfabHubSession *session,
                     ConfabHubEvent   *event)
{
  g_autoptr(JsonObject) object = NULL;
  JsonObject *from;
  const char *sender_id, *sender_name, *uuid, *text;

  if (event->type != CONFAB_WIRE_CONTACT_MESSAGE || event->storage_id > 0)
    return;

  object = confab_hub_event_parse (event);
  if (object == NULL || !json_object_has_member (object, "from"))
    return;

  from = json_object_get_object_member (object, "from");
  sender_id = from ? member_string (from, "id") : NULL;
  sender_name = from ? member_string (from, "username") : NULL;
  uuid = member_string (object, "uuid");
  text = member_string (object, "text");
  if (sender_id == NULL || uuid == NULL || text == NULL)
    return;

  confab_storage_store_message_async (self->storage, session->user->id, FALSE,
                                      sender_id, sender_name ? sender_name : sender_id,
                                      uuid, text,
                                      json_object_get_int_member_with_default (object, "time", wall_ms ()),
                                      NULL, NULL);
}

static void
store_unacked_cb (ConfabHubEvent *event,
                  gint64          seq,
                  gpointer        user_data)
{
  StoreUnacked *data = user_data;

  if (seq > data->after_seq)
    store_event_offline (data->hub, data->session, event);
}

/* Moves the unacknowledged contact messages of an account session to the offline store. */
static void
store_unacked (ConfabHub        *self,
               ConfabHubSession *session)
{
  StoreUnacked data = { self, session, session->acked_seq };

  if (session->user == NULL || !session->user->is_account)
    return;

  confab_replay_buffer_foreach (&session->replay, store_unacked_cb, &data);
  for (GList *l = session->pending.head; l != NULL; l = l->next)
    store_event_offline (self, session, l->data);
}

static void
delete_stored_cb (ConfabHubEvent *event,
                  gint64          seq,
                  gpointer        user_data)
{
  ConfabHub *self = user_data;

  if (event->storage_id > 0)
    confab_storage_delete_message (self->storage, event->storage_id);
}

static void
ack_session (ConfabHub        *self,
             ConfabHubSession *session,
             gint64            ack)
{
  ack = MIN (ack, confab_replay_buffer_last_seq (&session->replay));
  if (ack <= session->acked_seq)
    return;

  session->acked_seq = ack;
  confab_replay_buffer_ack (&session->replay, ack, delete_stored_cb, self);
}

static void
detach_connection (ConfabHubSession *session)
{
  ConfabHubConnection *connection = session->connection;

  if (connection == NULL)
    return;

  session->connection = NULL;
  if (connection->session == session)
    {
      connection->session = NULL;
      confab_hub_session_unref (session);
    }
}

static void end_session_calls (ConfabHub        *self,
                               ConfabHubSession *session);
static void stop_ringing_at   (ConfabHub        *self,
                               ConfabHubSession *session);
static void ring_new_session  (ConfabHub        *self,
                               ConfabHubSession *session);

/* Forgets a registered session: no grace, no resume. */
static void
end_session (ConfabHub        *self,
             ConfabHubSession *session,
             gboolean          keep_messages)
{
  ConfabHubUser *user = session->user;

  if (session->ended)
    return;

  session->ended = TRUE;

  if (session->grace_deadline_ms != 0)
    {
      g_queue_unlink (&self->grace, &session->grace_link);
      session->grace_deadline_ms = 0;
    }

  if (session->calls != NULL)
    end_session_calls (self, session);
  if (user != NULL)
    stop_ringing_at (self, session);

  if (user != NULL)
    {
      if (keep_messages)
        store_unacked (self, session);

      g_debug ("session %s of %s ended", session->id, user->id);
      g_hash_table_remove (self->tokens, session->token);
      self->n_sessions--;

      g_queue_unlink (&user->sessions, &session->user_link);
      if (user->sessions.length == 0)
        {
          user->linger_since_ms = now_ms ();
          g_queue_push_tail_link (&self->lingering, &user->linger_link);
        }
    }

  detach_connection (session);

  if (user != NULL)
    confab_hub_session_unref (session); /* the user's reference */
}

static void
touch (ConfabHub           *self,
       ConfabHubConnection *connection,
       gint64               now)
{
  connection->last_activity_ms = now;
  if (self->by_activity.tail != &connection->activity_link)
    {
      g_queue_unlink (&self->by_activity, &connection->activity_link);
      g_queue_push_tail_link (&self->by_activity, &connection->activity_link);
    }
}

static void
end_handshake (ConfabHub           *self,
               ConfabHubConnection *connection)
{
  if (connection->opened_ms != 0)
    {
      g_queue_unlink (&self->handshaking, &connection->handshake_link);
      connection->opened_ms = 0;
    }
}

/* hello */

static void
append_urls (GString     *out,
             char       **urls)
{
  g_string_append (out, "{\"urls\":[");
  for (guint i = 0; urls[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      confab_json_append_string (out, urls[i]);
    }
  g_string_append_c (out, ']');
}

/* STUN servers as configured; TURN with REST credentials (PROTOCOL.md §7.1):
 * username EXPIRY:SESSIONID, credential base64 (HMAC-SHA1 (secret, username)). */
static void
append_ice_servers (ConfabHub        *self,
                    ConfabHubSession *session,
                    GString          *out)
{
  const ConfabServerConfig *config = self->config;

  g_string_append_c (out, '[');

  if (config->stun_urls[0] != NULL)
    {
      append_urls (out, config->stun_urls);
      g_string_append_c (out, '}');
    }

  if (config->turn_urls[0] != NULL)
    {
      g_autofree char *username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s",
                                                   g_get_real_time () / G_USEC_PER_SEC + config->turn_ttl_s,
                                                   session->id);
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) config->turn_secret,
                                          strlen (config->turn_secret));
      guint8 digest[20];
      gsize digest_length = sizeof digest;
      g_autofree char *credential = NULL;

      g_hmac_update (hmac, (const guchar *) username, -1);
      g_hmac_get_digest (hmac, digest, &digest_length);
      credential = g_base64_encode (digest, digest_length);

      if (config->stun_urls[0] != NULL)
        g_string_append_c (out, ',');
      append_urls (out, config->turn_urls);
      g_string_append (out, ",\"username\":");
      confab_json_append_string (out, username);
      g_string_append (out, ",\"credential\":");
      confab_json_append_string (out, credential);
      g_string_append_c (out, '}');
    }

  g_string_append_c (out, ']');
}

static void
handle_hello (ConfabHub           *self,
              ConfabHubConnection *connection,
              ConfabWireMessage   *message)
{
  const ConfabServerConfig *config = self->config;
  JsonArray *versions;
  gboolean speaks_1 = FALSE;
  ConfabHubSession *session;
  GString *out;

  if (connection->state != CONFAB_CONNECTION_NEW)
    {
      answer_error (self, connection, 0, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                    "hello was already sent on this connection");
      return;
    }

  versions = json_object_get_array_member (message->object, "versions");
  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    if (json_array_get_int_element (versions, i) == CONFAB_WIRE_VERSION)
      speaks_1 = TRUE;

  if (!speaks_1)
    {
      answer_error (self, connection, 0, CONFAB_WIRE_ERROR_UNSUPPORTED_VERSION, "versions",
                    "this server speaks protocol version 1 only");
      confab_hub_connection_close (connection, 1000, "unsupported version");
      return;
    }

  session = confab_hub_session_new ();
  session->connection = connection;
  connection->session = session;
  connection->next_event_seq = 1;
  connection->state = CONFAB_CONNECTION_GREETED;

  out = take_buf (self);
  g_string_append_printf (out,
                          "{\"type\":\"welcome\",\"version\":%d,\"sessionId\":\"%s\","
                          "\"resumeToken\":\"%s\",\"heartbeatMs\":%u,\"idleTimeoutMs\":%u,"
                          "\"graceMs\":%u,\"limits\":{\"maxFrameBytes\":%u,\"maxStringBytes\":%u,"
                          "\"maxTextBytes\":%u,\"maxDataBytes\":%u,\"ratePerSecond\":%u,"
                          "\"rateBurst\":%u},\"iceServers\":",
                          CONFAB_WIRE_VERSION, session->id, session->token,
                          config->heartbeat_ms, config->idle_timeout_ms, config->grace_ms,
                          config->limits.max_frame_bytes, config->limits.max_string_bytes,
                          config->limits.max_text_bytes, config->limits.max_data_bytes,
                          config->limits.rate_per_second, config->limits.rate_burst);
  append_ice_servers (self, session, out);
  g_string_append_printf (out, ",\"serverTime\":%" G_GINT64_FORMAT "}", wall_ms ());
  confab_hub_connection_send (connection, out->str, out->len);
}

/* register */

typedef struct {
  ConfabHub           *hub;
  ConfabHubConnection *connection;
  gint64               re;
  char                *user_id;
  gboolean             is_account;
  char                *username;
  char                *user_data;
  char                *password;
} RegisterData;

static void
register_data_free (RegisterData *data)
{
  data->hub->n_pending--;
  confab_hub_connection_unref (data->connection);
  g_free (data->user_id);
  g_free (data->username);
  g_free (data->user_data);
  if (data->password != NULL)
    {
      sodium_memzero (data->password, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RegisterData, register_data_free)

static gboolean
register_still_wanted (RegisterData *data)
{
  return !data->hub->stopping &&
         confab_hub_connection_is_open (data->connection) &&
         data->connection->state == CONFAB_CONNECTION_AUTHENTICATING &&
         data->connection->session != NULL;
}

static void
register_failed (RegisterData    *data,
                 ConfabWireError  code,
                 const char      *field,
                 const char      *message)
{
  data->connection->state = CONFAB_CONNECTION_GREETED;
  answer_error (data->hub, data->connection, data->re, code, field, message);
}

typedef struct {
  ConfabHub        *hub;
  ConfabHubSession *session;
} LoadData;

static void
on_offline_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoadData *data = user_data;
  ConfabHub *self = data->hub;
  g_autoptr(ConfabHubSession) session = data->session;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  ConfabHubEvent *event;

  g_free (data);
  self->n_pending--;
  messages = confab_storage_load_messages_finish (CONFAB_STORAGE (source), result, &error);
  if (session->ended)
    return;

  if (messages == NULL)
    g_message ("cannot load the offline messages of %s: %s", session->user->id, error->message);

  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      ConfabStoredMessage *stored = g_ptr_array_index (messages, i);
      GString *out = take_buf (self);
      g_autoptr(ConfabHubEvent) stored_event = NULL;

      g_string_append (out, "\"type\":\"contactMessage\",\"from\":{\"id\":");
      confab_json_append_string (out, stored->sender_id);
      g_string_append (out, ",\"username\":");
      confab_json_append_string (out, stored->sender_name);
      g_string_append (out, "},\"uuid\":");
      confab_json_append_string (out, stored->uuid);
      g_string_append (out, ",\"text\":");
      confab_json_append_string (out, stored->text);
      g_string_append_printf (out, ",\"time\":%" G_GINT64_FORMAT ",\"offline\":true}", stored->time);

      stored_event = confab_hub_event_new (CONFAB_WIRE_CONTACT_MESSAGE, out->str, out->len);
      stored_event->storage_id = stored->id;
      confab_replay_buffer_push (&session->replay, stored_event, NULL, NULL);
    }

  session->loading_offline = FALSE;
  while ((event = g_queue_pop_head (&session->pending)) != NULL)
    {
      confab_replay_buffer_push (&session->replay, event, NULL, NULL);
      confab_hub_event_unref (event);
    }

  if (session->connection != NULL)
    confab_hub_connection_flush (session->connection);
}

static void
complete_register (RegisterData *data)
{
  ConfabHub *self = data->hub;
  ConfabHubConnection *connection = data->connection;
  ConfabHubSession *session = connection->session;
  ConfabHubUser *user;
  GString *out;

  user = ensure_user (self, data->user_id, data->is_account);
  session->user = user;
  session->username = g_strdup (data->username ? data->username : data->user_id);
  session->user_data = g_strdup (data->user_data ? data->user_data : "{}");
  g_queue_push_tail_link (&user->sessions, &session->user_link);
  confab_hub_session_ref (session); /* the user's reference */
  g_hash_table_insert (self->tokens, session->token, session);
  self->n_sessions++;

  connection->state = CONFAB_CONNECTION_REGISTERED;
  end_handshake (self, connection);

  g_debug ("session %s registered as %s (%s)", session->id, user->id,
           user->is_account ? "account" : "guest");

  out = g_string_new ("{\"userId\":");
  confab_json_append_string (out, user->id);
  g_string_append (out, ",\"username\":");
  confab_json_append_string (out, session->username);
  g_string_append (out, ",\"userData\":");
  g_string_append (out, session->user_data);
  g_string_append_printf (out, ",\"kind\":\"%s\"}", user->is_account ? "account" : "guest");
  answer_result (self, connection, data->re, out->str);
  g_string_free (out, TRUE);

  ring_new_session (self, session);

  if (user->is_account)
    {
      LoadData *load = g_new0 (LoadData, 1);

      load->hub = self;
      load->session = confab_hub_session_ref (session);
      session->loading_offline = TRUE;
      self->n_pending++;
      confab_storage_load_messages_async (self->storage, user->id, on_offline_loaded, load);
    }
}

static gboolean
user_is_held (ConfabHub  *self,
              const char *user_id)
{
  ConfabHubUser *user = g_hash_table_lookup (self->users, user_id);

  return user != NULL && (user->is_account || user->sessions.length > 0);
}

static void
on_guest_id_checked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(RegisterData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;

  hash = confab_storage_lookup_account_finish (CONFAB_STORAGE (source), result, &error);
  if (error == NULL)
    confab_account_set_note (data->hub->accounts, data->user_id, hash != NULL);
  if (!register_still_wanted (data))
    return;

  if (error != NULL)
    register_failed (data, CONFAB_WIRE_ERROR_INTERNAL, NULL, "storage failed; try again");
  else if (hash != NULL || user_is_held (data->hub, data->user_id))
    register_failed (data, CONFAB_WIRE_ERROR_NOT_ALLOWED, "userId",
                     "this user id is taken");
  else
    complete_register (data);
}

static void
on_password_checked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(RegisterData) data = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = confab_accounts_verify_password_finish (result, &error);
  if (!register_still_wanted (data))
    return;

  if (!ok)
    register_failed (data, CONFAB_WIRE_ERROR_INVALID_CREDENTIALS, NULL,
                     "unknown login or wrong password");
  else
    complete_register (data);
}

static void
on_account_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(RegisterData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;

  hash = confab_storage_lookup_account_finish (CONFAB_STORAGE (source), result, &error);
  if (error == NULL)
    confab_account_set_note (data->hub->accounts, data->user_id, hash != NULL);
  if (!register_still_wanted (data))
    return;

  if (error != NULL)
    {
      register_failed (data, CONFAB_WIRE_ERROR_INTERNAL, NULL, "storage failed; try again");
      return;
    }

  /* Unknown logins cost a hash too, so the answer's timing does not tell them apart. */
  {
    const char *password = data->password;

    confab_accounts_verify_password_async (hash, password, NULL, on_password_checked,
                                           g_steal_pointer (&data));
  }
}

static gboolean
api_key_is_valid (ConfabHub  *self,
                  const char *key)
{
  gsize length = strlen (key);
  gboolean valid = FALSE;

  for (guint i = 0; self->config->api_keys[i] != NULL; i++)
    {
      const char *candidate = self->config->api_keys[i];

      if (strlen (candidate) == length && sodium_memcmp (candidate, key, length) == 0)
        valid = TRUE;
    }

  return valid;
}

static void
handle_register (ConfabHub           *self,
                 ConfabHubConnection *connection,
                 ConfabWireMessage   *message)
{
  JsonObject *object = message->object;
  const char *uri = member_string (object, "uri");
  const char *user_id = member_string (object, "userId");
  g_autoptr(RegisterData) data = NULL;

  if (connection->state != CONFAB_CONNECTION_GREETED)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                    connection->state == CONFAB_CONNECTION_NEW
                      ? "send hello first"
                      : "this connection is already registered or registering");
      return;
    }

  if (uri == NULL)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "uri",
                    "field 'uri' must be a string");
      return;
    }

  data = g_new0 (RegisterData, 1);
  data->hub = self;
  data->connection = confab_hub_connection_ref (connection);
  data->re = message->id;
  data->username = g_strdup (member_string (object, "username"));
  data->user_data = member_json (object, "userData");
  self->n_pending++;

  if (g_str_has_prefix (uri, "apiKey:"))
    {
      if (!api_key_is_valid (self, uri + strlen ("apiKey:")))
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_INVALID_CREDENTIALS,
                        NULL, "unknown API key");
          return;
        }

      data->is_account = FALSE;
      connection->state = CONFAB_CONNECTION_AUTHENTICATING;

      if (user_id == NULL)
        {
          char hex[13];

          do
            {
              confab_hub_random_hex (hex, 6);
              g_free (data->user_id);
              data->user_id = g_strconcat ("guest-", hex, NULL);
            }
          while (g_hash_table_contains (self->users, data->user_id));

          complete_register (data);
          return;
        }

      if (user_is_held (self, user_id))
        {
          register_failed (data, CONFAB_WIRE_ERROR_NOT_ALLOWED, "userId", "this user id is taken");
          return;
        }

      data->user_id = g_strdup (user_id);

      /* The set answers without a storage round trip when it knows it is current;
       * a guest never takes an account's id either way. */
      switch (confab_account_set_lookup (self->accounts, user_id))
        {
        case CONFAB_ACCOUNT_YES:
          register_failed (data, CONFAB_WIRE_ERROR_NOT_ALLOWED, "userId", "this user id is taken");
          return;

        case CONFAB_ACCOUNT_NO:
          complete_register (data);
          return;

        case CONFAB_ACCOUNT_UNSURE:
        default:
          break;
        }

      confab_storage_lookup_account_async (self->storage, user_id, on_guest_id_checked,
                                           g_steal_pointer (&data));
      return;
    }

  if (g_str_has_prefix (uri, "confab:"))
    {
      const char *login = uri + strlen ("confab:");
      const char *password = member_string (object, "password");

      if (password == NULL)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                        "password", "field 'password' is required with a confab: uri");
          return;
        }

      if (strlen (password) > CONFAB_WIRE_MAX_PASSWORD_BYTES)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_TOO_LARGE,
                        "password", "field 'password' is longer than 1024 bytes");
          return;
        }

      if (user_id != NULL && g_strcmp0 (user_id, login) != 0)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_ALLOWED,
                        "userId", "an account's user id is its login");
          return;
        }

      if (!confab_accounts_is_valid_login (login))
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_INVALID_CREDENTIALS,
                        NULL, "unknown login or wrong password");
          return;
        }

      data->is_account = TRUE;
      data->user_id = g_strdup (login);
      data->password = g_strdup (password);
      connection->state = CONFAB_CONNECTION_AUTHENTICATING;
      confab_storage_lookup_account_async (self->storage, login, on_account_looked_up,
                                           g_steal_pointer (&data));
      return;
    }

  answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "uri",
                "field 'uri' must start with 'apiKey:' or 'confab:'");
}

/* resume */

static void
handle_resume (ConfabHub           *self,
               ConfabHubConnection *connection,
               ConfabWireMessage   *message)
{
  const char *token = member_string (message->object, "resumeToken");
  gint64 last_seq = json_object_get_int_member_with_default (message->object, "lastSeq", -1);
  ConfabHubSession *session;
  ConfabHubSession *fresh;
  ConfabHubConnection *previous;
  gint64 last_sent;
  GString *out;

  if (connection->state != CONFAB_CONNECTION_GREETED)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                    connection->state == CONFAB_CONNECTION_NEW
                      ? "send hello first"
                      : "this connection is already registered or registering");
      return;
    }

  if (token == NULL || last_seq < 0)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                    token == NULL ? "resumeToken" : "lastSeq",
                    token == NULL ? "field 'resumeToken' must be a string"
                                  : "field 'lastSeq' must be an integer >= 0");
      return;
    }

  session = g_hash_table_lookup (self->tokens, token);
  if (session != NULL && session->connection == NULL &&
      session->grace_deadline_ms != 0 && session->grace_deadline_ms <= now_ms ())
    {
      end_session (self, session, TRUE);
      session = NULL;
    }

  if (session == NULL || session == connection->session)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "resumeToken",
                    "no session to resume with this token (unknown or expired)");
      return;
    }

  last_sent = confab_replay_buffer_last_seq (&session->replay);
  if (last_seq > last_sent)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "lastSeq",
                    "field 'lastSeq' is greater than the last event sent");
      return;
    }

  if (last_seq < session->replay.dropped_through)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "lastSeq",
                    "the events after 'lastSeq' are no longer kept; register again");
      return;
    }

  /* Take the session over. */
  previous = session->connection;
  if (previous != NULL)
    {
      detach_connection (session);
      confab_hub_connection_close (previous, 4002, "session resumed elsewhere");
    }
  else if (session->grace_deadline_ms != 0)
    {
      g_queue_unlink (&self->grace, &session->grace_link);
      session->grace_deadline_ms = 0;
    }

  fresh = connection->session;
  connection->session = NULL;
  if (fresh != NULL)
    {
      fresh->connection = NULL;
      confab_hub_session_unref (fresh);
    }

  connection->session = confab_hub_session_ref (session);
  session->connection = connection;

  g_hash_table_remove (self->tokens, session->token);
  confab_hub_session_new_token (session);
  g_hash_table_insert (self->tokens, session->token, session);

  ack_session (self, session, last_seq);
  connection->next_event_seq = last_seq + 1;
  connection->state = CONFAB_CONNECTION_REGISTERED;
  end_handshake (self, connection);

  g_debug ("session %s of %s resumed after seq %" G_GINT64_FORMAT,
           session->id, session->user->id, last_seq);

  out = g_string_new ("{\"sessionId\":");
  confab_json_append_string (out, session->id);
  g_string_append (out, ",\"userId\":");
  confab_json_append_string (out, session->user->id);
  g_string_append (out, ",\"username\":");
  confab_json_append_string (out, session->username);
  g_string_append (out, ",\"userData\":");
  g_string_append (out, session->user_data);
  g_string_append_printf (out, ",\"kind\":\"%s\",\"resumeToken\":\"%s\",\"replayed\":%" G_GINT64_FORMAT "}",
                          session->user->is_account ? "account" : "guest",
                          session->token, last_sent - last_seq);
  answer_result (self, connection, message->id, out->str);
  g_string_free (out, TRUE);

  confab_hub_connection_flush (connection);
}

/* disconnect */

static void
handle_disconnect (ConfabHub           *self,
                   ConfabHubConnection *connection,
                   ConfabWireMessage   *message)
{
  ConfabHubSession *session = connection->session;

  answer_result (self, connection, message->id, "{}");

  if (session != NULL && session->user != NULL)
    end_session (self, session, FALSE);

  confab_hub_connection_close (connection, 1000, "disconnect");
}

/* one-to-one traffic */

typedef struct {
  ConfabHub           *hub;
  ConfabHubConnection *connection;
  gint64               re;
  char                *sender_id;
  char                *uuid;
  gint64               time;
} StoreData;

static void
store_data_free (StoreData *data)
{
  data->hub->n_pending--;
  confab_hub_connection_unref (data->connection);
  g_free (data->sender_id);
  g_free (data->uuid);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreData, store_data_free)

static void
on_message_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(StoreData) data = user_data;
  g_autoptr(GError) error = NULL;
  ConfabHub *self = data->hub;
  ConfabHubUser *sender = g_hash_table_lookup (self->users, data->sender_id);
  ConfabHubSent *sent = sender ? confab_hub_user_lookup_sent (sender, data->uuid) : NULL;
  GSList *waiters = NULL;
  gint64 id;

  id = confab_storage_store_message_finish (CONFAB_STORAGE (source), result, &error);

  if (sent != NULL)
    waiters = g_steal_pointer (&sent->waiters);

  if (id > 0 && sent != NULL)
    {
      sent->pending = FALSE;
      sent->delivered = CONFAB_DELIVERED_STORED;
      sent->time = data->time;
      answer_sent (self, data->connection, data->re, sent, FALSE);
      for (GSList *l = waiters; l != NULL; l = l->next)
        {
          ConfabHubWaiter *waiter = l->data;

          answer_sent (self, waiter->connection, waiter->re, sent, TRUE);
        }
    }
  else
    {
      ConfabWireError code = id == 0 ? CONFAB_WIRE_ERROR_NOT_FOUND : CONFAB_WIRE_ERROR_INTERNAL;
      const char *text = id == 0 ? "no such user" : "storage failed; retry with the same uuid";

      if (error != NULL)
        g_message ("storing a message failed: %s", error->message);

      if (sent != NULL)
        confab_hub_user_remove_sent (sender, sent);
      answer_error (self, data->connection, data->re, code, id == 0 ? "to" : NULL, text);
      for (GSList *l = waiters; l != NULL; l = l->next)
        {
          ConfabHubWaiter *waiter = l->data;

          answer_error (self, waiter->connection, waiter->re, code, id == 0 ? "to" : NULL, text);
        }
    }

  g_slist_free_full (waiters, (GDestroyNotify) confab_hub_waiter_free);
}

static ConfabHubEvent *
build_event (ConfabHub         *self,
             ConfabHubSession  *sender,
             ConfabWireMessage *message,
             const char        *uuid,
             gint64             time)
{
  JsonObject *object = message->object;
  GString *out = take_buf (self);

  g_string_append (out, "\"type\":\"");
  g_string_append (out, confab_wire_type_to_string (message->type));
  g_string_append (out, "\",\"from\":");
  confab_hub_session_append_peer (sender, out);
  g_string_append (out, ",\"uuid\":");
  confab_json_append_string (out, uuid);

  switch (message->type)
    {
    case CONFAB_WIRE_CONTACT_MESSAGE:
      g_string_append (out, ",\"text\":");
      confab_json_append_string (out, member_string (object, "text"));
      break;

    case CONFAB_WIRE_CONTACT_DATA:
      g_string_append (out, ",\"content\":");
      confab_json_append_node (out, json_object_get_member (object, "content"));
      break;

    case CONFAB_WIRE_CUSTOM_EVENT:
      g_string_append (out, ",\"event\":");
      confab_json_append_string (out, member_string (object, "event"));
      if (json_object_has_member (object, "content") &&
          !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "content")))
        {
          g_string_append (out, ",\"content\":");
          confab_json_append_node (out, json_object_get_member (object, "content"));
        }
      break;

    case CONFAB_WIRE_RAW_DATA:
      g_string_append (out, ",\"data\":");
      confab_json_append_string (out, member_string (object, "data"));
      break;

    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_HELLO:
    case CONFAB_WIRE_WELCOME:
    case CONFAB_WIRE_REGISTER:
    case CONFAB_WIRE_RESUME:
    case CONFAB_WIRE_DISCONNECT:
    case CONFAB_WIRE_PING:
    case CONFAB_WIRE_PONG:
    case CONFAB_WIRE_RESULT:
    case CONFAB_WIRE_ERROR_MESSAGE:
    default:
      g_assert_not_reached ();
    }

  g_string_append (out, ",\"time\":");
  confab_json_append_int (out, time);
  g_string_append_c (out, '}');

  return confab_hub_event_new (message->type, out->str, out->len);
}

static void
handle_send (ConfabHub           *self,
             ConfabHubConnection *connection,
             ConfabWireMessage   *message)
{
  ConfabHubSession *session = connection->session;
  const char *to = member_string (message->object, "to");
  const char *uuid = member_string (message->object, "uuid");
  ConfabHubUser *sender;
  ConfabHubUser *recipient;
  ConfabHubSent *sent;
  gint64 time;

  if (connection->state != CONFAB_CONNECTION_REGISTERED)
    {
      if (connection->state == CONFAB_CONNECTION_NEW)
        answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                      "send hello first");
      else
        answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_UNAUTHORIZED, NULL,
                      "register first");
      return;
    }

  if (to == NULL || uuid == NULL)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                    to == NULL ? "to" : "uuid", "missing field");
      return;
    }

  sender = session->user;
  sent = confab_hub_user_lookup_sent (sender, uuid);
  if (sent != NULL)
    {
      if (sent->pending)
        sent->waiters = g_slist_append (sent->waiters,
                                        confab_hub_waiter_new (connection, message->id));
      else
        answer_sent (self, connection, message->id, sent, TRUE);
      return;
    }

  time = wall_ms ();
  recipient = g_hash_table_lookup (self->users, to);

  if (recipient != NULL && recipient->sessions.length > 0)
    {
      g_autoptr(ConfabHubEvent) event = build_event (self, session, message, uuid, time);

      sent = confab_hub_user_add_sent (sender, uuid);
      sent->delivered = CONFAB_DELIVERED_ONLINE;
      sent->time = time;
      answer_sent (self, connection, message->id, sent, FALSE);

      for (GList *l = recipient->sessions.head; l != NULL;)
        {
          ConfabHubSession *target = l->data;

          l = l->next;
          confab_hub_session_push_event (target, event);
        }
      return;
    }

  /* Kept for an account without a session; for an id nobody holds, only if it may be
   * an account (the storage decides when the set is unsure). */
  if (message->type == CONFAB_WIRE_CONTACT_MESSAGE &&
      (recipient != NULL ? recipient->is_account
                         : confab_account_set_lookup (self->accounts, to) != CONFAB_ACCOUNT_NO))
    {
      StoreData *data = g_new0 (StoreData, 1);

      sent = confab_hub_user_add_sent (sender, uuid);
      sent->pending = TRUE;
      sent->time = time;

      data->hub = self;
      data->connection = confab_hub_connection_ref (connection);
      data->re = message->id;
      data->sender_id = g_strdup (sender->id);
      data->uuid = g_strdup (uuid);
      data->time = time;
      self->n_pending++;
      confab_storage_store_message_async (self->storage, to, TRUE, sender->id, session->username,
                                          uuid, member_string (message->object, "text"), time,
                                          on_message_stored, data);
      return;
    }

  answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "to",
                recipient == NULL ? "no such user" : "this user has no session");
}

/* one-to-one calls (PROTOCOL.md §7) */

static char *
peer_json (ConfabHubSession *session)
{
  GString *out = g_string_new (NULL);

  confab_hub_session_append_peer (session, out);
  return g_string_free (out, FALSE);
}

/* Sends a call event: to @target, or else (@to_ringing) to every session the invitation
 * rings at but @except. @extra holds the members after callId, each starting with a comma. */
static void
send_call_event (ConfabHub        *self,
                 const char       *type,
                 const char       *from_json,
                 ConfabHubCall    *call,
                 const char       *extra,
                 ConfabHubSession *target,
                 gboolean          to_ringing,
                 ConfabHubSession *except)
{
  g_autoptr(ConfabHubEvent) event = NULL;
  GString *out = take_buf (self);

  g_string_append_printf (out, "\"type\":\"%s\",\"from\":%s,\"callId\":\"%s\"%s,\"time\":%" G_GINT64_FORMAT "}",
                          type, from_json, call->id, extra ? extra : "", wall_ms ());
  event = confab_hub_event_new (confab_wire_type_from_string (type), out->str, out->len);

  if (target != NULL)
    {
      if (!target->ended)
        confab_hub_session_push_event (target, event);
      return;
    }

  if (to_ringing)
    {
      for (guint i = 0; i < call->ringing->len; i++)
        {
          ConfabHubSession *session = g_ptr_array_index (call->ringing, i);

          if (session != except && !session->ended)
            confab_hub_session_push_event (session, event);
        }
    }
}

static char *
reason_member (const char *reason)
{
  GString *out = g_string_new (",\"reason\":");

  confab_json_append_string (out, reason);
  return g_string_free (out, FALSE);
}

static void
end_call (ConfabHub     *self,
          ConfabHubCall *call)
{
  if (call->state == CONFAB_HUB_CALL_INVITED)
    g_queue_unlink (&self->invitations, &call->invite_link);

  confab_hub_session_remove_call (call->caller, call);
  if (call->callee != NULL)
    confab_hub_session_remove_call (call->callee, call);

  g_hash_table_remove (self->calls, call->id);
}

/* A party's session ended: the other party hears `callHangup` `disconnected`. */
static void
end_session_calls (ConfabHub        *self,
                   ConfabHubSession *session)
{
  g_autofree char *from = session->user ? peer_json (session) : NULL;
  g_autofree char *reason = reason_member ("disconnected");

  while (session->calls != NULL && session->calls->len > 0)
    {
      ConfabHubCall *call = g_ptr_array_index (session->calls, session->calls->len - 1);

      if (from != NULL && !self->stopping)
        {
          if (session == call->caller && call->state == CONFAB_HUB_CALL_INVITED)
            send_call_event (self, "callHangup", from, call, reason, NULL, TRUE, NULL);
          else if (session == call->caller)
            send_call_event (self, "callHangup", from, call, reason, call->callee, FALSE, NULL);
          else
            send_call_event (self, "callHangup", from, call, reason, call->caller, FALSE, NULL);
        }

      end_call (self, call);
    }
}

/* An ended session of the callee no longer rings; when it was the last one and another
 * said it is busy, the caller hears `callDecline` `User_Busy`. */
static void
stop_ringing_at (ConfabHub        *self,
                 ConfabHubSession *session)
{
  g_autoptr(GPtrArray) busy = g_ptr_array_new ();
  g_autofree char *from = NULL;
  g_autofree char *reason = NULL;

  for (GList *l = self->invitations.head; l != NULL; l = l->next)
    {
      ConfabHubCall *call = l->data;

      if (confab_hub_call_remove_ringing (call, session) && call->ringing->len == 0 && call->n_busy > 0)
        g_ptr_array_add (busy, call);
    }

  if (busy->len == 0)
    return;

  from = peer_json (session);
  reason = reason_member ("User_Busy");
  for (guint i = 0; i < busy->len; i++)
    {
      ConfabHubCall *call = g_ptr_array_index (busy, i);

      if (!self->stopping)
        send_call_event (self, "callDecline", from, call, reason, call->caller, FALSE, NULL);
      end_call (self, call);
    }
}

/* A session that signs in while calls to its user ring rings too. */
static void
ring_new_session (ConfabHub        *self,
                  ConfabHubSession *session)
{
  for (GList *l = self->invitations.head; l != NULL; l = l->next)
    {
      ConfabHubCall *call = l->data;
      g_autofree char *from = NULL;
      g_autofree char *extra = NULL;

      if (!g_str_equal (call->callee_user_id, session->user->id))
        continue;

      from = peer_json (call->caller);
      extra = g_strdup_printf (",\"media\":\"%s\"", call->media);
      confab_hub_call_add_ringing (call, session);
      send_call_event (self, "callInvite", from, call, extra, session, FALSE, NULL);
    }
}

static void
expire_invitation (ConfabHub     *self,
                   ConfabHubCall *call)
{
  g_autofree char *caller = peer_json (call->caller);
  g_autofree char *reason = reason_member ("Timeout");
  GString *callee = g_string_new ("{\"id\":");

  confab_json_append_string (callee, call->callee_user_id);
  g_string_append (callee, ",\"username\":");
  confab_json_append_string (callee, call->callee_user_id);
  g_string_append_c (callee, '}');

  send_call_event (self, "callCancel", caller, call, reason, NULL, TRUE, NULL);
  send_call_event (self, "callDecline", callee->str, call, reason, call->caller, FALSE, NULL);
  g_string_free (callee, TRUE);

  end_call (self, call);
}

static void
handle_call (ConfabHub           *self,
             ConfabHubConnection *connection,
             ConfabWireMessage   *message)
{
  ConfabHubSession *session = connection->session;
  JsonObject *object = message->object;
  const char *call_id = member_string (object, "callId");
  const char *reason = member_string (object, "reason");
  g_autofree char *from = NULL;
  g_autofree char *extra = NULL;
  ConfabHubCall *call;
  gboolean is_caller;

  if (connection->state != CONFAB_CONNECTION_REGISTERED)
    {
      if (connection->state == CONFAB_CONNECTION_NEW)
        answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                      "send hello first");
      else
        answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_UNAUTHORIZED, NULL,
                      "register first");
      return;
    }

  if (call_id == NULL)
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "callId",
                    "missing field");
      return;
    }

  from = peer_json (session);

  if (message->type == CONFAB_WIRE_CALL_INVITE)
    {
      const char *to = member_string (object, "to");
      const char *media = member_string (object, "media");
      ConfabHubUser *recipient = to ? g_hash_table_lookup (self->users, to) : NULL;

      if (to == NULL || media == NULL)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                        to == NULL ? "to" : "media", "missing field");
          return;
        }
      call = g_hash_table_lookup (self->calls, call_id);
      if (call != NULL && call->caller == session)
        {
          /* re-sent after a reconnection: it was delivered the first time */
          answer_result (self, connection, message->id, "{\"duplicate\":true}");
          return;
        }
      if (call != NULL)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "callId",
                        "this callId is already in use");
          return;
        }
      if (g_str_equal (to, session->user->id))
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_ALLOWED, "to",
                        "one cannot call oneself");
          return;
        }
      if (recipient == NULL || recipient->sessions.length == 0)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "to",
                        "this user has no session");
          return;
        }
      if (confab_hub_session_n_calls (session) >= CONFAB_HUB_CALL_MAX_PER_SESSION)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_ALLOWED, NULL,
                        "too many calls at once");
          return;
        }

      call = confab_hub_call_new (call_id, session, to, media);
      call->invited_ms = now_ms ();
      g_hash_table_insert (self->calls, call->id, call);
      confab_hub_session_add_call (session, call);
      g_queue_push_tail_link (&self->invitations, &call->invite_link);
      for (GList *l = recipient->sessions.head; l != NULL; l = l->next)
        confab_hub_call_add_ringing (call, l->data);

      answer_result (self, connection, message->id, "{}");
      extra = g_strdup_printf (",\"media\":\"%s\"", media);
      send_call_event (self, "callInvite", from, call, extra, NULL, TRUE, NULL);
      return;
    }

  call = g_hash_table_lookup (self->calls, call_id);
  if (call == NULL || !confab_hub_call_has_party (call, session))
    {
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "callId",
                    "no such call");
      return;
    }

  is_caller = session == call->caller;

  switch (message->type)
    {
    case CONFAB_WIRE_CALL_RINGING:
    case CONFAB_WIRE_CALL_ACCEPT:
    case CONFAB_WIRE_CALL_DECLINE:
      /* the session that accepted, sending again what was in flight when its connection
       * dropped: done already (a late ringing is moot) */
      if (message->type != CONFAB_WIRE_CALL_DECLINE &&
          call->state == CONFAB_HUB_CALL_ACCEPTED && call->callee == session)
        {
          answer_result (self, connection, message->id, "{\"duplicate\":true}");
          return;
        }
      if (is_caller || call->state != CONFAB_HUB_CALL_INVITED)
        goto wrong_state;
      if (!confab_hub_call_is_ringing_at (call, session))
        {
          /* This session declined with User_Busy already: a repeat of that is done; the
           * invitation is over for it otherwise. */
          if (message->type == CONFAB_WIRE_CALL_DECLINE && g_strcmp0 (reason, "User_Busy") == 0)
            answer_result (self, connection, message->id, "{\"duplicate\":true}");
          else
            answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "callId",
                          "no such call");
          return;
        }
      if (message->type == CONFAB_WIRE_CALL_ACCEPT &&
          confab_hub_session_n_calls (session) >= CONFAB_HUB_CALL_MAX_PER_SESSION)
        {
          answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_NOT_ALLOWED, NULL,
                        "too many calls at once");
          return;
        }

      answer_result (self, connection, message->id, "{}");

      if (message->type == CONFAB_WIRE_CALL_RINGING)
        {
          send_call_event (self, "callRinging", from, call, NULL, call->caller, FALSE, NULL);
        }
      else if (message->type == CONFAB_WIRE_CALL_ACCEPT)
        {
          g_autofree char *elsewhere = reason_member ("Answered_Elsewhere");

          call->state = CONFAB_HUB_CALL_ACCEPTED;
          g_queue_unlink (&self->invitations, &call->invite_link);
          call->callee = confab_hub_session_ref (session);
          confab_hub_session_add_call (session, call);
          send_call_event (self, "callAccept", from, call, NULL, call->caller, FALSE, NULL);
          send_call_event (self, "callCancel", from, call, elsewhere, NULL, TRUE, session);
          g_ptr_array_set_size (call->ringing, 0);
        }
      else if (g_strcmp0 (reason, "User_Busy") == 0)
        {
          /* busy here: the call goes on ringing at the user's other sessions */
          confab_hub_call_remove_ringing (call, session);
          call->n_busy++;
          if (call->ringing->len == 0)
            {
              extra = reason_member ("User_Busy");
              send_call_event (self, "callDecline", from, call, extra, call->caller, FALSE, NULL);
              end_call (self, call);
            }
        }
      else
        {
          g_autofree char *elsewhere = reason_member ("Declined_Elsewhere");

          extra = reason_member (reason ? reason : "User_Refused_Call");
          send_call_event (self, "callDecline", from, call, extra, call->caller, FALSE, NULL);
          send_call_event (self, "callCancel", from, call, elsewhere, NULL, TRUE, session);
          end_call (self, call);
        }
      return;

    case CONFAB_WIRE_CALL_CANCEL:
      if (!is_caller)
        goto wrong_state;
      answer_result (self, connection, message->id, "{}");
      extra = reason_member (reason ? reason : "Hangup_From_Caller");
      /* A cancel that crossed the callee's accept: the caller gave up before it heard of
       * the answer, so the call ends as a hang-up (PROTOCOL.md §7). Refusing it would
       * leave the callee in a call nobody else is in. */
      if (call->state == CONFAB_HUB_CALL_ACCEPTED)
        send_call_event (self, "callHangup", from, call, extra, call->callee, FALSE, NULL);
      else
        send_call_event (self, "callCancel", from, call, extra, NULL, TRUE, NULL);
      end_call (self, call);
      return;

    case CONFAB_WIRE_CALL_HANGUP:
      if (call->state != CONFAB_HUB_CALL_ACCEPTED)
        goto wrong_state;
      answer_result (self, connection, message->id, "{}");
      extra = reason_member (reason ? reason : (is_caller ? "Hangup_From_Caller" : "Hangup_From_Callee"));
      send_call_event (self, "callHangup", from, call, extra,
                       is_caller ? call->callee : call->caller, FALSE, NULL);
      end_call (self, call);
      return;

    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      {
        GString *members = g_string_new (NULL);

        if (call->state != CONFAB_HUB_CALL_ACCEPTED)
          {
            g_string_free (members, TRUE);
            goto wrong_state;
          }

        /* re-sent after a reconnection: relayed the first time */
        if (member_string (object, "uuid") != NULL &&
            !confab_hub_call_note_relayed (call, is_caller, member_string (object, "uuid")))
          {
            g_string_free (members, TRUE);
            answer_result (self, connection, message->id, "{\"duplicate\":true}");
            return;
          }

        if (message->type == CONFAB_WIRE_CALL_SDP)
          {
            g_string_append (members, ",\"sdpType\":");
            confab_json_append_string (members, member_string (object, "sdpType"));
            g_string_append (members, ",\"sdp\":");
            confab_json_append_string (members, member_string (object, "sdp"));
          }
        else
          {
            g_string_append (members, ",\"candidate\":");
            confab_json_append_string (members, member_string (object, "candidate"));
            g_string_append_printf (members, ",\"sdpMLineIndex\":%" G_GINT64_FORMAT,
                                    json_object_get_int_member (object, "sdpMLineIndex"));
            if (member_string (object, "sdpMid") != NULL)
              {
                g_string_append (members, ",\"sdpMid\":");
                confab_json_append_string (members, member_string (object, "sdpMid"));
              }
          }

        answer_result (self, connection, message->id, "{}");
        send_call_event (self, confab_wire_type_to_string (message->type), from, call, members->str,
                         is_caller ? call->callee : call->caller, FALSE, NULL);
        g_string_free (members, TRUE);
      }
      return;

    case CONFAB_WIRE_CALL_INVITE:
    default:
      g_assert_not_reached ();
    }

wrong_state:
  answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                "this call message does not fit the call's state or your part in it");
}

/* ping */

static void
handle_ping (ConfabHub           *self,
             ConfabHubConnection *connection,
             ConfabWireMessage   *message)
{
  GString *out;

  if (connection->state == CONFAB_CONNECTION_NEW)
    {
      answer_error (self, connection, 0, CONFAB_WIRE_ERROR_WRONG_STATE, NULL, "send hello first");
      return;
    }

  if (connection->state == CONFAB_CONNECTION_REGISTERED && connection->session != NULL &&
      json_object_has_member (message->object, "ack"))
    ack_session (self, connection->session,
                 json_object_get_int_member (message->object, "ack"));

  out = take_buf (self);
  g_string_append (out, "{\"type\":\"pong\",\"serverTime\":");
  confab_json_append_int (out, wall_ms ());
  g_string_append_c (out, '}');
  confab_hub_connection_send (connection, out->str, out->len);
}

/* sweeping */

static gboolean
sweep (gpointer user_data)
{
  ConfabHub *self = user_data;
  gint64 now = now_ms ();
  GList *link;

  while ((link = self->by_activity.head) != NULL)
    {
      ConfabHubConnection *connection = link->data;

      if (connection->last_activity_ms + self->config->idle_timeout_ms > now)
        break;

      touch (self, connection, now);
      if (connection->close_code != 0)
        {
          /* Asked to close an idle period ago and still not gone: it stopped reading. */
          if (connection->handle != NULL)
            connection->transport->close (connection->handle, 0, NULL);
        }
      else
        {
          g_debug ("connection %p idle: closing", connection);
          confab_hub_connection_close (connection, 4000, "idle timeout");
        }
    }

  while ((link = self->handshaking.head) != NULL)
    {
      ConfabHubConnection *connection = link->data;

      if (connection->opened_ms + self->config->handshake_timeout_ms > now)
        break;

      end_handshake (self, connection);
      confab_hub_connection_close (connection, 4001, "handshake timeout");
    }

  while ((link = self->grace.head) != NULL)
    {
      ConfabHubSession *session = link->data;

      if (session->grace_deadline_ms > now)
        break;

      end_session (self, session, TRUE);
    }

  while ((link = self->invitations.head) != NULL)
    {
      ConfabHubCall *call = link->data;

      if (call->invited_ms + CONFAB_HUB_CALL_INVITE_TIMEOUT_MS > now)
        break;

      expire_invitation (self, call);
    }

  while ((link = self->lingering.head) != NULL)
    {
      ConfabHubUser *user = link->data;

      if (user->linger_since_ms + CONFAB_HUB_USER_LINGER_MS > now)
        break;

      g_queue_unlink (&self->lingering, &user->linger_link);
      g_hash_table_remove (self->users, user->id);
    }

  return G_SOURCE_CONTINUE;
}

/* public */

ConfabHub *
confab_hub_new (const ConfabServerConfig *config,
                ConfabStorage            *storage)
{
  ConfabHub *self = g_new0 (ConfabHub, 1);

  self->config = config;
  self->storage = g_object_ref (storage);
  self->accounts = confab_account_set_new (storage);
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) confab_hub_user_free);
  self->tokens = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->by_activity);
  g_queue_init (&self->handshaking);
  g_queue_init (&self->grace);
  g_queue_init (&self->lingering);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) confab_hub_call_free);
  g_queue_init (&self->invitations);
  self->buf = g_string_sized_new (4096);
  self->sweep_id = g_timeout_add (SWEEP_INTERVAL_MS, sweep, self);

  return self;
}

static void
end_all_sessions (ConfabHub *self,
                  gboolean   keep_messages)
{
  GHashTableIter iter;
  ConfabHubUser *user;

  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &user))
    while (user->sessions.head != NULL)
      end_session (self, user->sessions.head->data, keep_messages);
}

void
confab_hub_free (ConfabHub *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  end_all_sessions (self, FALSE);

  /* Connections still open belong to the socket layer, which reports them closed
   * before the hub is freed. */
  g_warn_if_fail (self->n_connections == 0);

  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->tokens);
  g_hash_table_unref (self->users);
  g_string_free (self->buf, TRUE);
  confab_account_set_unref (self->accounts);
  g_object_unref (self->storage);
  g_free (self);
}

ConfabHubConnection *
confab_hub_connection_opened (ConfabHub                *self,
                              gpointer                  handle,
                              const ConfabHubTransport *transport)
{
  ConfabHubConnection *connection = confab_hub_connection_new (handle, transport);
  gint64 now = now_ms ();

  connection->last_activity_ms = now;
  connection->opened_ms = now;
  confab_rate_limiter_init (&connection->limiter, self->config->limits.rate_burst, now);
  g_queue_push_tail_link (&self->by_activity, &connection->activity_link);
  g_queue_push_tail_link (&self->handshaking, &connection->handshake_link);
  self->n_connections++;

  if (self->stopping)
    confab_hub_connection_close (connection, 1001, "server shutting down");

  return connection;
}

void
confab_hub_connection_received (ConfabHub           *self,
                                ConfabHubConnection *connection,
                                const char          *data,
                                gsize                length)
{
  g_autoptr(ConfabWireMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  gint64 id = 0;
  gint64 now;

  if (self->stopping || connection->state == CONFAB_CONNECTION_CLOSING ||
      !confab_hub_connection_is_open (connection))
    return;

  now = now_ms ();
  touch (self, connection, now);

  message = confab_wire_decode (data, length, CONFAB_WIRE_TO_SERVER, &self->config->limits,
                                &id, &field, &error);

  if (message != NULL && message->type == CONFAB_WIRE_PING)
    {
      handle_ping (self, connection, message);
      return;
    }

  if (!confab_rate_limiter_take (&connection->limiter, self->config->limits.rate_per_second,
                                 self->config->limits.rate_burst, now))
    {
      answer_error (self, connection, message ? message->id : id, CONFAB_WIRE_ERROR_RATE_LIMITED,
                    NULL, "too many frames; slow down");
      return;
    }

  if (message == NULL)
    {
      ConfabWireError code = CONFAB_WIRE_ERROR_BAD_FORMAT;

      if (error != NULL && error->domain == CONFAB_WIRE_ERROR)
        code = (ConfabWireError) error->code;
      answer_error (self, connection, id, code, field,
                    error != NULL ? error->message : "invalid frame");
      return;
    }

  switch (message->type)
    {
    case CONFAB_WIRE_HELLO:
      handle_hello (self, connection, message);
      break;

    case CONFAB_WIRE_REGISTER:
      handle_register (self, connection, message);
      break;

    case CONFAB_WIRE_RESUME:
      handle_resume (self, connection, message);
      break;

    case CONFAB_WIRE_DISCONNECT:
      if (connection->state == CONFAB_CONNECTION_NEW)
        answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, NULL,
                      "send hello first");
      else
        handle_disconnect (self, connection, message);
      break;

    case CONFAB_WIRE_CONTACT_MESSAGE:
    case CONFAB_WIRE_CONTACT_DATA:
    case CONFAB_WIRE_CUSTOM_EVENT:
    case CONFAB_WIRE_RAW_DATA:
      handle_send (self, connection, message);
      break;

    case CONFAB_WIRE_CALL_INVITE:
    case CONFAB_WIRE_CALL_RINGING:
    case CONFAB_WIRE_CALL_ACCEPT:
    case CONFAB_WIRE_CALL_DECLINE:
    case CONFAB_WIRE_CALL_CANCEL:
    case CONFAB_WIRE_CALL_HANGUP:
    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      handle_call (self, connection, message);
      break;

    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_PING:
    case CONFAB_WIRE_WELCOME:
    case CONFAB_WIRE_PONG:
    case CONFAB_WIRE_RESULT:
    case CONFAB_WIRE_ERROR_MESSAGE:
    default:
      answer_error (self, connection, message->id, CONFAB_WIRE_ERROR_UNKNOWN_TYPE, "type",
                    "not a message a client may send");
      break;
    }
}

void
confab_hub_connection_rejected (ConfabHub             *self,
                                ConfabHubConnection   *connection,
                                ConfabHubFrameProblem  problem,
                                gsize                  length)
{
  g_autofree char *text = NULL;

  if (self->stopping || connection->state == CONFAB_CONNECTION_CLOSING)
    return;

  touch (self, connection, now_ms ());

  if (problem == CONFAB_HUB_FRAME_BINARY)
    {
      answer_error (self, connection, 0, CONFAB_WIRE_ERROR_BAD_FORMAT, NULL,
                    "binary frames are not accepted; send JSON text");
      return;
    }

  text = g_strdup_printf ("frame of %" G_GSIZE_FORMAT " bytes is over the limit of %u",
                          length, self->config->limits.max_frame_bytes);
  answer_error (self, connection, 0, CONFAB_WIRE_ERROR_TOO_LARGE, NULL, text);
}

void
confab_hub_connection_writable (ConfabHub           *self,
                                ConfabHubConnection *connection)
{
  confab_hub_connection_flush (connection);
}

void
confab_hub_connection_closed (ConfabHub           *self,
                              ConfabHubConnection *connection)
{
  ConfabHubSession *session = connection->session;

  connection->handle = NULL;
  connection->state = CONFAB_CONNECTION_CLOSING;
  g_queue_unlink (&self->by_activity, &connection->activity_link);
  end_handshake (self, connection);
  self->n_connections--;

  if (session != NULL)
    {
      connection->session = NULL;
      if (session->connection == connection)
        {
          session->connection = NULL;
          if (session->user != NULL && !session->ended && !self->stopping)
            {
              if (self->config->grace_ms == 0)
                {
                  end_session (self, session, TRUE);
                }
              else
                {
                  session->grace_deadline_ms = now_ms () + self->config->grace_ms;
                  g_queue_push_tail_link (&self->grace, &session->grace_link);
                  g_debug ("session %s of %s in its grace period", session->id, session->user->id);
                }
            }
        }
      confab_hub_session_unref (session);
    }

  confab_hub_connection_unref (connection);
}

guint
confab_hub_get_n_sessions (ConfabHub *self)
{
  return self->n_sessions;
}

guint
confab_hub_get_n_connections (ConfabHub *self)
{
  return self->n_connections;
}

guint
confab_hub_get_n_pending (ConfabHub *self)
{
  return self->n_pending;
}

void
confab_hub_shutdown (ConfabHub *self)
{
  GList *link;

  if (self->stopping)
    return;

  self->stopping = TRUE;
  end_all_sessions (self, TRUE);

  for (link = self->by_activity.head; link != NULL; link = link->next)
    confab_hub_connection_close (link->data, 1001, "server shutting down");
}
