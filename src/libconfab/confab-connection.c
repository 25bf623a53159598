/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-connection.c: one WebSocket connection to a confab-server (internal) */

#define G_LOG_DOMAIN "confab-connection"

#include "config.h"

#include "confab-connection.h"
#include "confab-error-private.h"

#include "confab-wire.h"

/*
 * ConfabConnection is the life of one socket: it opens the WebSocket (libsoup3), says
 * `hello` and waits for `welcome`, sends requests with fresh ids and hands each answer
 * (or a timeout, or the socket's end) to the request's callback exactly once, sends a
 * `ping` with `ack` every heartbeat, decodes every frame with the shared codec, and
 * passes on events in `seq` order: duplicates are dropped, a gap closes the connection
 * so that the session resumes from the last event it really processed.
 *
 * It is used by one ConfabSession, which makes a new one for every (re)connection
 * attempt. Everything runs on the main context it was created in.
 */

#define DEFAULT_REQUEST_TIMEOUT_MS 15000
#define DEFAULT_HEARTBEAT_MS 15000
#define MIN_HEARTBEAT_MS 100
/* A frame from the server may be larger than what a client may send: leave headroom. */
#define INCOMING_PAYLOAD_FACTOR 4
#define CLIENT_CLOSE_CODE 4100

typedef enum {
  STATE_NEW,
  STATE_CONNECTING,
  STATE_WELCOMING,
  STATE_OPEN,
  STATE_CLOSED,
} State;

typedef struct {
  ConfabConnection          *self;     /* unowned */
  gint64                     id;
  ConfabConnectionReplyFunc  func;
  gpointer                   user_data;
  GDestroyNotify             destroy;
  GSource                   *timeout;
} Pending;

struct _ConfabConnection
{
  GObject            parent_instance;

  /* owned */
  SoupSession               *soup_session;
  SoupWebsocketConnection   *websocket;
  char                      *url;
  GTask                     *open_task;
  GHashTable                *pending;        /* gint64* id → Pending */
  GSource                   *ping_source;
  GSource                   *handshake_timeout;
  GMainContext              *context;

  ConfabWireLimits   limits;
  ConfabWireLimits   decode_limits;
  State              state;
  gint64             next_id;
  gint64             last_seq;
  gint64             tolerated_gap_seq;
  gboolean           closed_on_gap;
  gushort            close_code;
  guint              heartbeat_ms;
  gint64             last_received_us;
  guint              request_timeout_ms;

  /* token bucket mirroring the server's per-connection rate limit */
  double             tokens;
  double             token_capacity;
  double             tokens_per_ms;
  gint64             tokens_at_us;

  gulong             message_handler;
  gulong             closed_handler;
};

G_DEFINE_FINAL_TYPE (ConfabConnection, _confab_connection, G_TYPE_OBJECT)

enum {
  SIGNAL_EVENT,
  SIGNAL_CLOSED,
  SIGNAL_SERVER_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void finish_closed (ConfabConnection *self,
                           const GError     *reason);

/* helpers */

guint
_confab_connection_get_request_timeout (void)
{
  const char *value = g_getenv ("CONFAB_REQUEST_TIMEOUT_MS");
  guint64 parsed;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT / 2, &parsed, NULL))
    return (guint) parsed;

  return DEFAULT_REQUEST_TIMEOUT_MS;
}

static GSource *
add_timeout (ConfabConnection *self,
             guint             ms,
             GSourceFunc       func,
             gpointer          data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  clear_source (&pending->timeout);
  if (pending->destroy != NULL)
    pending->destroy (pending->user_data);
  g_free (pending);
}

/* Takes @pending out of the table and calls its callback once. */
static void
pending_complete (ConfabConnection *self,
                  gint64            id,
                  JsonObject       *data,
                  const GError     *error)
{
  gpointer key = NULL;
  gpointer value = NULL;
  Pending *pending;

  if (!g_hash_table_steal_extended (self->pending, &id, &key, &value))
    return;

  pending = value;
  g_free (key);
  clear_source (&pending->timeout);
  pending->func (self, data, error, pending->user_data);
  pending_free (pending);
}

static gint
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* Fails every pending request, oldest first. */
static void
fail_all_pending (ConfabConnection *self,
                  const GError     *error)
{
  GList *ids = g_hash_table_get_keys (self->pending);
  GList *ids_copy = NULL;

  for (GList *l = ids; l != NULL; l = l->next)
    ids_copy = g_list_prepend (ids_copy, g_memdup2 (l->data, sizeof (gint64)));
  g_list_free (ids);
  ids_copy = g_list_sort (ids_copy, compare_ids);

  for (GList *l = ids_copy; l != NULL; l = l->next)
    pending_complete (self, *(gint64 *) l->data, NULL, error);

  g_list_free_full (ids_copy, g_free);
}

static void
refill_tokens (ConfabConnection *self)
{
  gint64 now = g_get_monotonic_time ();
  double elapsed_ms = (double) (now - self->tokens_at_us) / 1000.0;

  self->tokens = MIN (self->token_capacity, self->tokens + elapsed_ms * self->tokens_per_ms);
  self->tokens_at_us = now;
}

static void
apply_limits (ConfabConnection *self)
{
  /* Stay a little under the server's limits: its bucket and ours do not tick together. */
  self->token_capacity = MAX (1.0, self->limits.rate_burst / 2.0);
  self->tokens_per_ms = MAX (1.0, self->limits.rate_per_second * 0.8) / 1000.0;
  self->tokens = self->token_capacity;
  self->tokens_at_us = g_get_monotonic_time ();

  self->decode_limits = self->limits;
  self->decode_limits.max_frame_bytes = MAX (self->limits.max_frame_bytes, 1) * INCOMING_PAYLOAD_FACTOR;

  if (self->websocket != NULL)
    soup_websocket_connection_set_max_incoming_payload_size (self->websocket,
                                                             self->decode_limits.max_frame_bytes);
}

static gboolean
send_object (ConfabConnection *self,
             JsonObject       *object)
{
  g_autofree char *text = NULL;

  if (self->websocket == NULL ||
      soup_websocket_connection_get_state (self->websocket) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;

  text = confab_wire_encode (object, NULL);
  if (text == NULL)
    return FALSE;

  soup_websocket_connection_send_text (self->websocket, text);
  return TRUE;
}

static guint
json_uint (JsonObject *object,
           const char *member,
           guint       fallback)
{
  JsonNode *node;
  gint64 value;

  if (object == NULL)
    return fallback;

  node = json_object_get_member (object, member);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;

  value = json_node_get_int (node);
  if (value <= 0 || value > G_MAXINT)
    return fallback;

  return (guint) value;
}

/* heartbeat */

static gboolean
on_ping_timeout (gpointer data)
{
  ConfabConnection *self = data;
  gint64 silent_ms = (g_get_monotonic_time () - self->last_received_us) / 1000;

  /* The server answers every ping: two heartbeats of silence mean the path is dead. */
  if (silent_ms > 2 * (gint64) self->heartbeat_ms + 1000)
    {
      g_autoptr(GError) error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_TIMED_OUT,
                                             "Nothing heard from the server for %" G_GINT64_FORMAT " ms",
                                             silent_ms);

      g_debug ("%s", error->message);
      _confab_connection_close (self, error);
      return G_SOURCE_REMOVE;
    }

  _confab_connection_send_ping (self);
  return G_SOURCE_CONTINUE;
}

/* incoming frames */

static void
handle_welcome (ConfabConnection  *self,
                ConfabWireMessage *message)
{
  JsonObject *limits = NULL;
  g_autoptr(GTask) task = NULL;
  JsonNode *node;

  if (self->state != STATE_WELCOMING)
    {
      g_debug ("Ignoring an unexpected welcome");
      return;
    }

  clear_source (&self->handshake_timeout);

  node = json_object_get_member (message->object, "limits");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    limits = json_node_get_object (node);

  self->limits.max_frame_bytes = json_uint (limits, "maxFrameBytes", self->limits.max_frame_bytes);
  self->limits.max_string_bytes = json_uint (limits, "maxStringBytes", self->limits.max_string_bytes);
  self->limits.max_text_bytes = json_uint (limits, "maxTextBytes", self->limits.max_text_bytes);
  self->limits.max_data_bytes = json_uint (limits, "maxDataBytes", self->limits.max_data_bytes);
  self->limits.rate_per_second = json_uint (limits, "ratePerSecond", self->limits.rate_per_second);
  self->limits.rate_burst = json_uint (limits, "rateBurst", self->limits.rate_burst);
  apply_limits (self);

  self->heartbeat_ms = MAX (MIN_HEARTBEAT_MS,
                            json_uint (message->object, "heartbeatMs", DEFAULT_HEARTBEAT_MS));
  self->ping_source = add_timeout (self, self->heartbeat_ms, on_ping_timeout, self);
  self->state = STATE_OPEN;

  task = g_steal_pointer (&self->open_task);
  g_task_return_pointer (task, json_object_ref (message->object), (GDestroyNotify) json_object_unref);
}

static GError *
error_from_message (ConfabWireMessage *message)
{
  const char *code = json_object_get_string_member_with_default (message->object, "code", NULL);
  const char *text = json_object_get_string_member_with_default (message->object, "message", NULL);

  return g_error_new_literal (CONFAB_ERROR, _confab_error_from_wire (code),
                              text != NULL && *text != '\0' ? text : (code != NULL ? code : "Unknown error"));
}

static void
handle_event (ConfabConnection  *self,
              ConfabWireMessage *message)
{
  if (self->state != STATE_OPEN)
    return;

  if (message->seq <= self->last_seq)
    {
      g_debug ("Dropping duplicate event seq %" G_GINT64_FORMAT " (last %" G_GINT64_FORMAT ")",
               message->seq, self->last_seq);
      return;
    }

  if (message->seq != self->last_seq + 1)
    {
      if (self->last_seq == self->tolerated_gap_seq)
        {
          g_debug ("Events %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT " are lost for good; going on",
                     self->last_seq + 1, message->seq - 1);
        }
      else
        {
          g_autoptr(GError) error = NULL;

          error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_INTERNAL,
                               "Events were skipped: expected seq %" G_GINT64_FORMAT ", got %" G_GINT64_FORMAT,
                               self->last_seq + 1, message->seq);
          g_debug ("%s; resuming to get them again", error->message);
          self->closed_on_gap = TRUE;
          _confab_connection_close (self, error);
          return;
        }
    }

  self->last_seq = message->seq;
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, message);
}

static void
handle_frame (ConfabConnection *self,
              const char       *data,
              gsize             length)
{
  g_autoptr(ConfabWireMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;

  message = confab_wire_decode (data, length, CONFAB_WIRE_TO_CLIENT,
                                &self->decode_limits, NULL, &field, &error);
  if (message == NULL)
    {
      g_debug ("Ignoring a frame from the server that does not follow the protocol: %s",
                 error->message);
      return;
    }

  switch (message->type)
    {
    case CONFAB_WIRE_WELCOME:
      handle_welcome (self, message);
      break;

    case CONFAB_WIRE_RESULT:
      {
        JsonObject *result = json_object_get_object_member (message->object, "data");

        pending_complete (self, message->re, result, NULL);
      }
      break;

    case CONFAB_WIRE_ERROR_MESSAGE:
      {
        g_autoptr(GError) server_error = error_from_message (message);

        if (message->re > 0 && g_hash_table_contains (self->pending, &message->re))
          {
            pending_complete (self, message->re, NULL, server_error);
          }
        else if (self->state == STATE_WELCOMING)
          {
            /* e.g. UNSUPPORTED_VERSION in answer to hello */
            g_autoptr(GTask) task = g_steal_pointer (&self->open_task);

            clear_source (&self->handshake_timeout);
            g_task_return_error (task, g_error_copy (server_error));
            _confab_connection_close (self, server_error);
          }
        else
          {
            g_signal_emit (self, signals[SIGNAL_SERVER_ERROR], 0, server_error);
          }
      }
      break;

    case CONFAB_WIRE_PONG:
      break;

    case CONFAB_WIRE_CONTACT_MESSAGE:
    case CONFAB_WIRE_CONTACT_DATA:
    case CONFAB_WIRE_CUSTOM_EVENT:
    case CONFAB_WIRE_RAW_DATA:
    case CONFAB_WIRE_CALL_INVITE:
    case CONFAB_WIRE_CALL_RINGING:
    case CONFAB_WIRE_CALL_ACCEPT:
    case CONFAB_WIRE_CALL_DECLINE:
    case CONFAB_WIRE_CALL_CANCEL:
    case CONFAB_WIRE_CALL_HANGUP:
    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      handle_event (self, message);
      break;

    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_HELLO:
    case CONFAB_WIRE_REGISTER:
    case CONFAB_WIRE_RESUME:
    case CONFAB_WIRE_DISCONNECT:
    case CONFAB_WIRE_PING:
    default:
      g_debug ("Ignoring a %s frame from the server", confab_wire_type_to_string (message->type));
      break;
    }
}

static void
on_websocket_message (SoupWebsocketConnection *websocket,
                      gint                     type,
                      GBytes                  *bytes,
                      gpointer                 data)
{
  g_autoptr(ConfabConnection) self = g_object_ref (data);
  gsize length = 0;
  const char *text = g_bytes_get_data (bytes, &length);

  self->last_received_us = g_get_monotonic_time ();

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_debug ("Ignoring a binary frame from the server");
      return;
    }

  handle_frame (self, text, length);
}

static void
on_websocket_closed (SoupWebsocketConnection *websocket,
                     gpointer                 data)
{
  g_autoptr(ConfabConnection) self = g_object_ref (data);
  gushort code = soup_websocket_connection_get_close_code (websocket);
  const char *reason = soup_websocket_connection_get_close_data (websocket);
  g_autoptr(GError) error = NULL;

  self->close_code = code;
  if (code == CONFAB_CLOSE_SESSION_REPLACED)
    error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                 "The session was taken over by another connection");
  else if (code == SOUP_WEBSOCKET_CLOSE_NORMAL)
    error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                         "The server closed the connection%s%s",
                         reason != NULL && *reason != '\0' ? ": " : "", reason != NULL ? reason : "");
  else if (code != 0)
    error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                         "The connection was closed (code %u%s%s)", code,
                         reason != NULL && *reason != '\0' ? ", " : "", reason != NULL ? reason : "");
  else
    error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                 "The connection to the server was lost");

  g_debug ("%s", error->message);
  finish_closed (self, error);
}

static gboolean
on_handshake_timeout (gpointer data)
{
  ConfabConnection *self = data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->handshake_timeout, g_source_unref);
  error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_TIMED_OUT,
                               "The server did not answer the hello in time");
  _confab_connection_close (self, error);
  return G_SOURCE_REMOVE;
}

static void
on_websocket_connected (GObject      *object,
                        GAsyncResult *result,
                        gpointer      data)
{
  g_autoptr(ConfabConnection) self = data;
  g_autoptr(SoupWebsocketConnection) websocket = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) hello = NULL;
  g_autoptr(JsonArray) versions = NULL;

  websocket = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);

  if (self->state == STATE_CLOSED)
    {
      /* closed (or disposed) while connecting; the open task is already answered */
      if (websocket != NULL)
        soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  if (websocket == NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->open_task);

      self->state = STATE_CLOSED;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->websocket = g_steal_pointer (&websocket);
  soup_websocket_connection_set_keepalive_interval (self->websocket, 0);
  apply_limits (self);
  self->message_handler = g_signal_connect (self->websocket, "message",
                                            G_CALLBACK (on_websocket_message), self);
  self->closed_handler = g_signal_connect (self->websocket, "closed",
                                           G_CALLBACK (on_websocket_closed), self);

  self->state = STATE_WELCOMING;
  self->last_received_us = g_get_monotonic_time ();
  self->handshake_timeout = add_timeout (self, self->request_timeout_ms, on_handshake_timeout, self);

  hello = confab_wire_object_new (CONFAB_WIRE_HELLO, 0);
  versions = json_array_new ();
  json_array_add_int_element (versions, CONFAB_WIRE_VERSION);
  json_object_set_array_member (hello, "versions", g_steal_pointer (&versions));
  json_object_set_string_member (hello, "client", "libconfab/" PACKAGE_VERSION);
  send_object (self, hello);
}

/* Stops everything, answers what is waiting, and emits "closed" once. */
static void
finish_closed (ConfabConnection *self,
               const GError     *reason)
{
  g_autoptr(GTask) open_task = NULL;
  g_autoptr(GError) disconnected = NULL;

  if (self->state == STATE_CLOSED)
    return;

  self->state = STATE_CLOSED;
  clear_source (&self->ping_source);
  clear_source (&self->handshake_timeout);

  if (self->websocket != NULL)
    {
      g_clear_signal_handler (&self->message_handler, self->websocket);
      g_clear_signal_handler (&self->closed_handler, self->websocket);
    }

  disconnected = reason != NULL
    ? g_error_copy (reason)
    : g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The connection was closed");

  open_task = g_steal_pointer (&self->open_task);
  if (open_task != NULL)
    g_task_return_error (open_task, g_error_copy (disconnected));

  fail_all_pending (self, disconnected);

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, reason);
}

/* GObject */

static void
_confab_connection_dispose (GObject *object)
{
  ConfabConnection *self = CONFAB_CONNECTION (object);

  if (self->state != STATE_CLOSED)
    {
      g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                                     "The connection was dropped");

      g_signal_handlers_destroy (object);  /* nobody is listening any more */
      _confab_connection_close (self, error);
    }

  if (self->websocket != NULL)
    {
      g_clear_signal_handler (&self->message_handler, self->websocket);
      g_clear_signal_handler (&self->closed_handler, self->websocket);
      g_clear_object (&self->websocket);
    }

  G_OBJECT_CLASS (_confab_connection_parent_class)->dispose (object);
}

static void
_confab_connection_finalize (GObject *object)
{
  ConfabConnection *self = CONFAB_CONNECTION (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_object (&self->soup_session);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);

  G_OBJECT_CLASS (_confab_connection_parent_class)->finalize (object);
}

static void
_confab_connection_class_init (ConfabConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _confab_connection_dispose;
  object_class->finalize = _confab_connection_finalize;

  /* (ConfabWireMessage *message): a new event, in seq order */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /* (const GError *reason): the socket is gone; emitted once */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /* (const GError *error): an error frame that answers no request */
  signals[SIGNAL_SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
_confab_connection_init (ConfabConnection *self)
{
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, pending_free);
  self->next_id = 1;
  self->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
  self->request_timeout_ms = _confab_connection_get_request_timeout ();
  self->context = g_main_context_ref_thread_default ();
  self->tolerated_gap_seq = -1;
  confab_wire_limits_init (&self->limits);
  apply_limits (self);
}

ConfabConnection *
_confab_connection_new (SoupSession *soup_session,
                        const char  *url,
                        gint64       last_seq,
                        gint64       tolerated_gap_seq)
{
  ConfabConnection *self;

  g_return_val_if_fail (SOUP_IS_SESSION (soup_session), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (CONFAB_TYPE_CONNECTION, NULL);
  self->soup_session = g_object_ref (soup_session);
  self->url = g_strdup (url);
  self->last_seq = MAX (last_seq, 0);
  self->tolerated_gap_seq = tolerated_gap_seq;

  return self;
}

/* ws://… and wss://… as the http(s) URL of the upgrade request. */
static char *
http_url_for (const char *url)
{
  if (g_ascii_strncasecmp (url, "ws://", 5) == 0)
    return g_strconcat ("http://", url + 5, NULL);
  if (g_ascii_strncasecmp (url, "wss://", 6) == 0)
    return g_strconcat ("https://", url + 6, NULL);
  return g_strdup (url);
}

void
_confab_connection_open_async (ConfabConnection    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *http_url = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_CONNECTION (self));
  g_return_if_fail (self->state == STATE_NEW);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _confab_connection_open_async);

  http_url = http_url_for (self->url);
  msg = soup_message_new (SOUP_METHOD_GET, http_url);
  if (msg == NULL)
    {
      self->state = STATE_CLOSED;
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "The server URL “%s” is not valid", self->url);
      return;
    }

  self->state = STATE_CONNECTING;
  self->open_task = g_steal_pointer (&task);
  soup_session_websocket_connect_async (self->soup_session, msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, cancellable,
                                        on_websocket_connected, g_object_ref (self));
}

/* Returns: (transfer full): the welcome object */
JsonObject *
_confab_connection_open_finish (ConfabConnection  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
_confab_connection_is_open (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), FALSE);

  return self->state == STATE_OPEN;
}

/* The WebSocket close code the server sent, or 0 (docs/PROTOCOL.md §1.2). */
gushort
_confab_connection_get_close_code (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), 0);

  return self->close_code;
}

gboolean
_confab_connection_closed_on_gap (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), FALSE);

  return self->closed_on_gap;
}

static gboolean
on_request_timeout (gpointer data)
{
  Pending *pending = data;
  ConfabConnection *self = pending->self;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&pending->timeout, g_source_unref);
  error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_TIMED_OUT,
                       "The server did not answer in %u ms", self->request_timeout_ms);
  pending_complete (self, pending->id, NULL, error);
  return G_SOURCE_REMOVE;
}

/*
 * _confab_connection_request:
 * @request: the request; its "id" member is set here
 * @func: called exactly once, possibly before this returns (when the connection is
 *   not open)
 *
 * Returns: the request id, or 0 when it could not be sent
 */
gint64
_confab_connection_request (ConfabConnection          *self,
                            JsonObject                *request,
                            ConfabConnectionReplyFunc  func,
                            gpointer                   user_data,
                            GDestroyNotify             destroy)
{
  Pending *pending;
  gint64 id;

  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), 0);
  g_return_val_if_fail (request != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  if (self->state != STATE_OPEN && self->state != STATE_WELCOMING)
    {
      g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                                     "Not connected to the server");

      func (self, NULL, error, user_data);
      if (destroy != NULL)
        destroy (user_data);
      return 0;
    }

  id = self->next_id++;
  json_object_set_int_member (request, "id", id);

  pending = g_new0 (Pending, 1);
  pending->self = self;
  pending->id = id;
  pending->func = func;
  pending->user_data = user_data;
  pending->destroy = destroy;
  pending->timeout = add_timeout (self, self->request_timeout_ms, on_request_timeout, pending);
  g_hash_table_insert (self->pending, g_memdup2 (&id, sizeof id), pending);

  refill_tokens (self);
  self->tokens -= 1.0;

  if (!send_object (self, request))
    {
      g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                                     "Not connected to the server");

      pending_complete (self, id, NULL, error);
      return 0;
    }

  return id;
}

/* How long to wait, in ms, before the next request keeps within the rate limit. */
guint
_confab_connection_get_send_delay (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), 0);

  refill_tokens (self);
  if (self->tokens >= 1.0)
    return 0;

  return (guint) ((1.0 - self->tokens) / self->tokens_per_ms) + 1;
}

gint64
_confab_connection_get_last_seq (ConfabConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_CONNECTION (self), 0);

  return self->last_seq;
}

void
_confab_connection_set_last_seq (ConfabConnection *self,
                                 gint64            last_seq)
{
  g_return_if_fail (CONFAB_IS_CONNECTION (self));

  self->last_seq = MAX (last_seq, 0);
}

void
_confab_connection_send_ping (ConfabConnection *self)
{
  g_autoptr(JsonObject) ping = NULL;

  g_return_if_fail (CONFAB_IS_CONNECTION (self));

  if (self->state != STATE_OPEN)
    return;

  ping = confab_wire_object_new (CONFAB_WIRE_PING, 0);
  json_object_set_int_member (ping, "ack", self->last_seq);
  send_object (self, ping);
}

/*
 * _confab_connection_close:
 * @reason: (nullable): why; passed to "closed" and to what is still waiting
 *
 * Closes the socket at once (without waiting for the server's close frame). The server
 * keeps the session for its grace period, so it can be resumed.
 */
void
_confab_connection_close (ConfabConnection *self,
                          const GError     *reason)
{
  g_autoptr(ConfabConnection) hold = NULL;
  SoupWebsocketConnection *websocket;

  g_return_if_fail (CONFAB_IS_CONNECTION (self));

  if (self->state == STATE_CLOSED)
    return;

  hold = g_object_ref (self);
  websocket = self->websocket;
  finish_closed (self, reason);

  if (websocket != NULL &&
      soup_websocket_connection_get_state (websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (websocket, CLIENT_CLOSE_CODE, NULL);
}
