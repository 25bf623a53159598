/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-router.c: a scripted in-process server that routes call messages as
 * docs/PROTOCOL.md §7 says. Every frame a client sends is checked with the codec. */

#define G_LOG_DOMAIN "confab-call-router"

#include "config.h"

#include "confab-call-router.h"

#include "confab-wire.h"



typedef struct
{
  Router                  *router;
  SoupWebsocketConnection *websocket;
  char                    *user_id;
  gint64                   seq;
} Peer;

typedef struct
{
  char       *id;
  Peer       *caller;
  char       *callee_id;
  char       *media;
  Peer       *callee;     /* the session that accepted */
  gboolean    accepted;
  GPtrArray  *ringing;    /* Peer (borrowed): the callee's sessions it rings at */
  guint       n_busy;
  GHashTable *relayed;    /* "c"/"e" + uuid of the callSdp/callIce relayed */
} RouterCall;


static void
router_call_free (gpointer data)
{
  RouterCall *call = data;

  g_free (call->id);
  g_free (call->callee_id);
  g_free (call->media);
  g_ptr_array_unref (call->ringing);
  g_hash_table_unref (call->relayed);
  g_free (call);
}

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  g_signal_handlers_disconnect_by_data (peer->websocket, peer);
  g_object_unref (peer->websocket);
  g_free (peer->user_id);
  g_free (peer);
}

static void
peer_send_object (Peer       *peer,
                  JsonObject *object)
{
  g_autofree char *text = confab_wire_encode (object, NULL);

  if (soup_websocket_connection_get_state (peer->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (peer->websocket, text);
}

static void
reply_result (Peer   *peer,
              gint64  re)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autofree char *text = confab_wire_encode_result (re, data, NULL);

  soup_websocket_connection_send_text (peer->websocket, text);
}

/* A call request sent again by the session that made it (§7 "Repeats"). */
static void
reply_duplicate (Peer   *peer,
                 gint64  re)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_boolean_member (data, "duplicate", TRUE);
  text = confab_wire_encode_result (re, data, NULL);
  soup_websocket_connection_send_text (peer->websocket, text);
}

static void
reply_error (Peer            *peer,
             gint64           re,
             ConfabWireError  code,
             const char      *message)
{
  g_autofree char *text = confab_wire_encode_error (re, code, NULL, message, NULL);

  soup_websocket_connection_send_text (peer->websocket, text);
}

/* An event to @to, from @from, copying the call members of @request. */
static void
send_event (Peer       *to,
            Peer       *from,
            const char *type,
            JsonObject *request,
            const char *reason)
{
  g_autoptr(JsonObject) event = json_object_new ();
  JsonObject *from_object = json_object_new ();
  const char *copied[] = { "callId", "media", "sdpType", "sdp", "candidate", "sdpMLineIndex",
                           "sdpMid", "uuid", "event", "content", NULL };

  json_object_set_string_member (event, "type", type);
  json_object_set_int_member (event, "seq", ++to->seq);
  json_object_set_string_member (from_object, "id", from->user_id);
  json_object_set_string_member (from_object, "username", from->user_id);
  json_object_set_object_member (event, "from", from_object);
  for (guint i = 0; copied[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (request, copied[i]);

      /* the uuid of a callSdp/callIce is for the server only */
      if (g_str_has_prefix (type, "call") && g_str_equal (copied[i], "uuid"))
        continue;

      if (node != NULL)
        json_object_set_member (event, copied[i], json_node_copy (node));
    }
  if (reason != NULL)
    json_object_set_string_member (event, "reason", reason);
  json_object_set_int_member (event, "time", g_get_real_time () / 1000);
  peer_send_object (to, event);
}

static void
send_to_user (Router     *router,
              const char *user_id,
              Peer       *except,
              Peer       *from,
              const char *type,
              JsonObject *request,
              const char *reason)
{
  for (guint i = 0; i < router->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (router->peers, i);

      if (peer != except && g_strcmp0 (peer->user_id, user_id) == 0)
        send_event (peer, from, type, request, reason);
    }
}

/* An event to every session the invitation rings at but @except. */
static void
send_to_ringing (RouterCall *call,
                 Peer       *except,
                 Peer       *from,
                 const char *type,
                 JsonObject *request,
                 const char *reason)
{
  for (guint i = 0; i < call->ringing->len; i++)
    {
      Peer *peer = g_ptr_array_index (call->ringing, i);

      if (peer != except)
        send_event (peer, from, type, request, reason);
    }
}

static gboolean
user_online (Router     *router,
             const char *user_id)
{
  for (guint i = 0; i < router->peers->len; i++)
    if (g_strcmp0 (((Peer *) g_ptr_array_index (router->peers, i))->user_id, user_id) == 0)
      return TRUE;
  return FALSE;
}

/* §7: the sender must be a party of the call; the message must fit its state. */
static void
route_call (Peer              *peer,
            ConfabWireMessage *message)
{
  Router *router = peer->router;
  JsonObject *object = message->object;
  const char *call_id = json_object_get_string_member (object, "callId");
  const char *type = confab_wire_type_to_string (message->type);
  const char *reason = json_object_get_string_member_with_default (object, "reason", NULL);
  RouterCall *call = g_hash_table_lookup (router->calls, call_id);
  gboolean is_caller = call != NULL && call->caller == peer;
  gboolean is_callee = call != NULL && !is_caller && g_strcmp0 (call->callee_id, peer->user_id) == 0 &&
                       (call->callee == NULL || call->callee == peer);

  g_ptr_array_add (router->received, g_strdup (type));

  if (message->type == CONFAB_WIRE_CALL_INVITE)
    {
      const char *to = json_object_get_string_member (object, "to");

      if (call != NULL && call->caller == peer)
        return reply_duplicate (peer, message->id);
      if (call != NULL)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_BAD_PARAMETER, "callId in use");
      if (!user_online (router, to))
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "no such user");
      call = g_new0 (RouterCall, 1);
      call->id = g_strdup (call_id);
      call->caller = peer;
      call->callee_id = g_strdup (to);
      call->media = g_strdup (json_object_get_string_member (object, "media"));
      call->ringing = g_ptr_array_new ();
      call->relayed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < router->peers->len; i++)
        if (g_strcmp0 (((Peer *) g_ptr_array_index (router->peers, i))->user_id, to) == 0)
          g_ptr_array_add (call->ringing, g_ptr_array_index (router->peers, i));
      g_hash_table_insert (router->calls, call->id, call);
      reply_result (peer, message->id);
      send_to_ringing (call, NULL, peer, type, object, NULL);
      return;
    }

  if (!is_caller && !is_callee)
    return reply_error (peer, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "no such call");

  /* a session that declined User_Busy no longer rings */
  if (is_callee && !call->accepted && !g_ptr_array_find (call->ringing, peer, NULL))
    {
      if (message->type == CONFAB_WIRE_CALL_DECLINE && g_strcmp0 (reason, "User_Busy") == 0)
        return reply_duplicate (peer, message->id);
      return reply_error (peer, message->id, CONFAB_WIRE_ERROR_NOT_FOUND, "no such call");
    }

  switch (message->type)
    {
    case CONFAB_WIRE_CALL_RINGING:
      if (call->accepted && call->callee == peer)
        return reply_duplicate (peer, message->id);
      if (!is_callee || call->accepted)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      reply_result (peer, message->id);
      send_event (call->caller, peer, type, object, NULL);
      break;

    case CONFAB_WIRE_CALL_ACCEPT:
      if (call->accepted && call->callee == peer)
        return reply_duplicate (peer, message->id);
      if (!is_callee || call->accepted)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      call->accepted = TRUE;
      call->callee = peer;
      reply_result (peer, message->id);
      send_event (call->caller, peer, type, object, NULL);
      send_to_ringing (call, peer, peer, "callCancel", object, "Answered_Elsewhere");
      g_ptr_array_set_size (call->ringing, 0);
      break;

    case CONFAB_WIRE_CALL_DECLINE:
      if (!is_callee || call->accepted)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      reply_result (peer, message->id);
      if (g_strcmp0 (reason, "User_Busy") == 0)
        {
          /* busy here only: told to the caller when no session rings any more */
          g_ptr_array_remove (call->ringing, peer);
          call->n_busy++;
          if (call->ringing->len > 0)
            break;
          send_event (call->caller, peer, type, object, reason);
        }
      else
        {
          send_event (call->caller, peer, type, object, reason != NULL ? reason : "User_Refused_Call");
          send_to_ringing (call, peer, peer, "callCancel", object, "Declined_Elsewhere");
        }
      g_hash_table_remove (router->calls, call_id);
      break;

    case CONFAB_WIRE_CALL_CANCEL:
      if (!is_caller)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      reply_result (peer, message->id);
      /* crossed the callee's accept: a hang-up */
      if (call->accepted)
        send_event (call->callee, peer, "callHangup", object, reason != NULL ? reason : "Hangup_From_Caller");
      else
        send_to_ringing (call, NULL, peer, type, object, reason != NULL ? reason : "Hangup_From_Caller");
      g_hash_table_remove (router->calls, call_id);
      break;

    case CONFAB_WIRE_CALL_HANGUP:
      if (!call->accepted)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      reply_result (peer, message->id);
      send_event (is_caller ? call->callee : call->caller, peer, type, object,
                  reason != NULL ? reason : is_caller ? "Hangup_From_Caller" : "Hangup_From_Callee");
      g_hash_table_remove (router->calls, call_id);
      break;

    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      if (!call->accepted)
        return reply_error (peer, message->id, CONFAB_WIRE_ERROR_WRONG_STATE, "not now");
      if (json_object_has_member (object, "uuid"))
        {
          char *key = g_strconcat (is_caller ? "c" : "e", json_object_get_string_member (object, "uuid"), NULL);

          /* sent again after a reconnection: relayed the first time */
          if (!g_hash_table_add (call->relayed, key))
            return reply_duplicate (peer, message->id);
        }
      reply_result (peer, message->id);
      if (message->type == CONFAB_WIRE_CALL_ICE && router->drop_ice)
        break;
      send_event (is_caller ? call->callee : call->caller, peer, type, object, NULL);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The peer's session is gone: end its calls as the server does. */
static void
end_calls_of (Router *router,
              Peer   *peer)
{
  GHashTableIter iter;
  RouterCall *call;

  g_hash_table_iter_init (&iter, router->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "callId", call->id);
      if (call->caller == peer && call->accepted)
        send_event (call->callee, peer, "callHangup", object, "disconnected");
      else if (call->caller == peer)
        send_to_ringing (call, NULL, peer, "callCancel", object, "disconnected");
      else if (call->callee == peer)
        send_event (call->caller, peer, "callHangup", object, "disconnected");
      else if (g_ptr_array_remove (call->ringing, peer) && call->ringing->len == 0 && call->n_busy > 0)
        send_event (call->caller, peer, "callDecline", object, "User_Busy");
      else
        continue;
      g_hash_table_iter_remove (&iter);
    }
}

/* A session signing in while a call to its user rings rings too. */
static void
ring_new_peer (Router *router,
               Peer   *peer)
{
  GHashTableIter iter;
  RouterCall *call;

  g_hash_table_iter_init (&iter, router->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_autoptr(JsonObject) object = NULL;

      if (call->accepted || g_strcmp0 (call->callee_id, peer->user_id) != 0)
        continue;

      object = json_object_new ();
      json_object_set_string_member (object, "callId", call->id);
      json_object_set_string_member (object, "media", call->media);
      g_ptr_array_add (call->ringing, peer);
      send_event (peer, call->caller, "callInvite", object, NULL);
    }
}

static void
on_client_frame (SoupWebsocketConnection *websocket,
                 gint                     type,
                 GBytes                  *bytes,
                 gpointer                 user_data)
{
  Peer *peer = user_data;
  Router *router = peer->router;
  g_autoptr(ConfabWireMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  message = confab_wire_decode (data, length, CONFAB_WIRE_TO_SERVER, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  switch (message->type)
    {
    case CONFAB_WIRE_HELLO:
      soup_websocket_connection_send_text (websocket,
                                           "{\"type\":\"welcome\",\"version\":1,\"sessionId\":\"s\","
                                           "\"resumeToken\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                                           "\"heartbeatMs\":1000,\"idleTimeoutMs\":60000,\"graceMs\":30000,"
                                           "\"limits\":{\"maxFrameBytes\":65536,\"maxStringBytes\":4096,"
                                           "\"maxTextBytes\":16384,\"maxDataBytes\":32768,\"ratePerSecond\":50,"
                                           "\"rateBurst\":200},\"iceServers\":[],\"serverTime\":1700000000000}");
      break;

    case CONFAB_WIRE_REGISTER:
      peer->user_id = g_strdup (json_object_get_string_member_with_default (message->object, "userId", NULL));
      if (peer->user_id == NULL)
        peer->user_id = g_strdup_printf ("guest-%u", ++router->n_guests);
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{\"userId\":\"%s\","
                               "\"username\":\"%s\",\"userData\":{},\"kind\":\"guest\"}}",
                               message->id, peer->user_id, peer->user_id);
      soup_websocket_connection_send_text (websocket, reply);
      ring_new_peer (router, peer);
      break;

    case CONFAB_WIRE_PING:
      soup_websocket_connection_send_text (websocket, "{\"type\":\"pong\",\"serverTime\":1700000000000}");
      break;

    case CONFAB_WIRE_DISCONNECT:
      reply_result (peer, message->id);
      end_calls_of (router, peer);
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      break;

    case CONFAB_WIRE_CUSTOM_EVENT:
      if (g_strcmp0 (json_object_get_string_member (message->object, "event"), "confab.call.media") == 0)
        router->n_media_events++;
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{\"uuid\":\"%s\","
                               "\"time\":1700000000999,\"delivered\":\"online\"}}",
                               message->id, json_object_get_string_member (message->object, "uuid"));
      soup_websocket_connection_send_text (websocket, reply);
      send_to_user (router, json_object_get_string_member (message->object, "to"), NULL, peer,
                    "customEvent", message->object, NULL);
      break;

    case CONFAB_WIRE_CALL_INVITE:
    case CONFAB_WIRE_CALL_RINGING:
    case CONFAB_WIRE_CALL_ACCEPT:
    case CONFAB_WIRE_CALL_DECLINE:
    case CONFAB_WIRE_CALL_CANCEL:
    case CONFAB_WIRE_CALL_HANGUP:
    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      route_call (peer, message);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
on_client_closed (SoupWebsocketConnection *websocket,
                  gpointer                 user_data)
{
  Peer *peer = user_data;

  end_calls_of (peer->router, peer);
  g_clear_pointer (&peer->user_id, g_free);
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *websocket,
              gpointer                 user_data)
{
  Router *router = user_data;
  Peer *peer = g_new0 (Peer, 1);

  peer->router = router;
  peer->websocket = g_object_ref (websocket);
  g_ptr_array_add (router->peers, peer);
  g_signal_connect (websocket, "message", G_CALLBACK (on_client_frame), peer);
  g_signal_connect (websocket, "closed", G_CALLBACK (on_client_closed), peer);
}

Router *
router_new (void)
{
  Router *router = g_new0 (Router, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  router->peers = g_ptr_array_new_with_free_func (peer_free);
  router->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, router_call_free);
  router->received = g_ptr_array_new_with_free_func (g_free);
  router->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (router->server, "/ws", NULL, NULL, on_websocket, router, NULL);
  soup_server_listen_local (router->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (router->server);
  router->url = g_strdup_printf ("ws://127.0.0.1:%d/ws", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return router;
}

static gboolean
all_closed (Router *router)
{
  for (guint i = 0; i < router->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (router->peers, i);

      if (soup_websocket_connection_get_state (peer->websocket) != SOUP_WEBSOCKET_STATE_CLOSED)
        return FALSE;
    }
  return TRUE;
}

void
router_free (Router *router)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  /* finish every closing handshake, or the server side of the sockets stays behind */
  for (guint i = 0; i < router->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (router->peers, i);

      if (soup_websocket_connection_get_state (peer->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (peer->websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  while (!all_closed (router) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  soup_server_disconnect (router->server);
  g_clear_object (&router->server);
  g_hash_table_unref (router->calls);
  g_ptr_array_unref (router->peers);
  g_ptr_array_unref (router->received);
  g_free (router->url);
  g_free (router);

  /* let the connections' last sources run and drop their sockets */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}


