/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-connection.c: libconfab against a scripted in-process WebSocket server, for what
 * a well-behaved confab-server never does: duplicate and skipped events, garbage frames,
 * requests never answered. Every frame the client sends is checked with the codec. */

#define G_LOG_DOMAIN "test-connection"

#include "config.h"

#include "confab.h"

#include "confab-wire.h"

#include <libsoup/soup.h>

#define TOKEN_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define TOKEN_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

typedef struct
{
  SoupServer              *server;
  char                    *url;
  SoupWebsocketConnection *websocket;     /* the live one */
  GPtrArray               *websockets;    /* all, kept until the end */
  guint                    n_connections;
  guint                    n_registers;
  guint                    n_resumes;
  gint64                   resume_last_seq;
  gint64                   last_ack;
  gboolean                 resume_not_found;
  gboolean                 ignore_sends;
  guint                    n_sends;
  char                    *session_id;
  /* frames to send right after the next register / resume answer */
  GPtrArray               *after_register;
  GPtrArray               *after_resume;
} FakeServer;

static void
fake_send (FakeServer *fake,
           const char *text)
{
  soup_websocket_connection_send_text (fake->websocket, text);
}

static char *
event (gint64      seq,
       guint       n,
       gboolean    offline)
{
  return g_strdup_printf ("{\"type\":\"contactMessage\",\"seq\":%" G_GINT64_FORMAT ","
                          "\"from\":{\"id\":\"bob\",\"username\":\"Bob\"},"
                          "\"uuid\":\"00000000-0000-4000-8000-%012u\",\"text\":\"m%u\","
                          "\"time\":%" G_GINT64_FORMAT "%s}",
                          seq, n, n, (gint64) 1700000000000 + n, offline ? ",\"offline\":true" : "");
}

static void
send_all (FakeServer *fake,
          GPtrArray  *frames)
{
  for (guint i = 0; i < frames->len; i++)
    fake_send (fake, g_ptr_array_index (frames, i));
  g_ptr_array_set_size (frames, 0);
}

static void
on_client_frame (SoupWebsocketConnection *websocket,
                 gint                     type,
                 GBytes                  *bytes,
                 gpointer                 user_data)
{
  FakeServer *fake = user_data;
  g_autoptr(ConfabWireMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (websocket != fake->websocket)
    return;

  /* the client speaks the protocol exactly */
  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  message = confab_wire_decode (data, length, CONFAB_WIRE_TO_SERVER, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  switch (message->type)
    {
    case CONFAB_WIRE_HELLO:
      g_free (fake->session_id);
      fake->session_id = g_strdup_printf ("session-%u", fake->n_connections);
      reply = g_strdup_printf ("{\"type\":\"welcome\",\"version\":1,\"sessionId\":\"%s\","
                               "\"resumeToken\":\"%s\",\"heartbeatMs\":100,\"idleTimeoutMs\":60000,"
                               "\"graceMs\":30000,\"limits\":{\"maxFrameBytes\":65536,\"maxStringBytes\":4096,"
                               "\"maxTextBytes\":16384,\"maxDataBytes\":32768,\"ratePerSecond\":50,\"rateBurst\":200},"
                               "\"iceServers\":[],\"serverTime\":1700000000000}",
                               fake->session_id, fake->n_connections == 1 ? TOKEN_A : TOKEN_B);
      fake_send (fake, reply);
      break;

    case CONFAB_WIRE_REGISTER:
      fake->n_registers++;
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{\"userId\":\"alice\","
                               "\"username\":\"Alice\",\"userData\":{},\"kind\":\"guest\"}}", message->id);
      fake_send (fake, reply);
      send_all (fake, fake->after_register);
      break;

    case CONFAB_WIRE_RESUME:
      fake->n_resumes++;
      fake->resume_last_seq = json_object_get_int_member (message->object, "lastSeq");
      g_assert_cmpstr (json_object_get_string_member (message->object, "resumeToken"), ==, TOKEN_A);
      if (fake->resume_not_found)
        {
          reply = g_strdup_printf ("{\"type\":\"error\",\"re\":%" G_GINT64_FORMAT ",\"code\":\"NOT_FOUND\","
                                   "\"message\":\"unknown or expired resume token\"}", message->id);
          fake_send (fake, reply);
          break;
        }
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{\"sessionId\":\"session-1\","
                               "\"userId\":\"alice\",\"username\":\"Alice\",\"userData\":{},\"kind\":\"guest\","
                               "\"resumeToken\":\"%s\",\"replayed\":2}}", message->id, TOKEN_A);
      fake_send (fake, reply);
      send_all (fake, fake->after_resume);
      break;

    case CONFAB_WIRE_PING:
      fake->last_ack = json_object_get_int_member_with_default (message->object, "ack", -1);
      fake_send (fake, "{\"type\":\"pong\",\"serverTime\":1700000000000}");
      break;

    case CONFAB_WIRE_CONTACT_MESSAGE:
      fake->n_sends++;
      if (fake->ignore_sends)
        break;
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{\"uuid\":\"%s\","
                               "\"time\":1700000000999,\"delivered\":\"online\"}}",
                               message->id, json_object_get_string_member (message->object, "uuid"));
      fake_send (fake, reply);
      break;

    case CONFAB_WIRE_DISCONNECT:
      reply = g_strdup_printf ("{\"type\":\"result\",\"re\":%" G_GINT64_FORMAT ",\"data\":{}}", message->id);
      fake_send (fake, reply);
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      break;

    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_WELCOME:
    case CONFAB_WIRE_PONG:
    case CONFAB_WIRE_RESULT:
    case CONFAB_WIRE_ERROR_MESSAGE:
    case CONFAB_WIRE_CONTACT_DATA:
    case CONFAB_WIRE_CUSTOM_EVENT:
    case CONFAB_WIRE_RAW_DATA:
    default:
      g_assert_not_reached ();
    }
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *websocket,
              gpointer                 user_data)
{
  FakeServer *fake = user_data;

  fake->n_connections++;
  fake->websocket = websocket;
  g_ptr_array_add (fake->websockets, g_object_ref (websocket));
  g_signal_connect (websocket, "message", G_CALLBACK (on_client_frame), fake);
}

static FakeServer *
fake_server_new (void)
{
  FakeServer *fake = g_new0 (FakeServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fake->websockets = g_ptr_array_new_with_free_func (g_object_unref);
  fake->after_register = g_ptr_array_new_with_free_func (g_free);
  fake->after_resume = g_ptr_array_new_with_free_func (g_free);
  fake->resume_last_seq = -1;
  fake->last_ack = -1;
  fake->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (fake->server, "/ws", NULL, NULL, on_websocket, fake, NULL);
  soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  fake->url = g_strdup_printf ("ws://127.0.0.1:%d/ws", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  for (guint i = 0; i < fake->websockets->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (fake->websockets, i), fake);
  soup_server_disconnect (fake->server);
  g_clear_object (&fake->server);
  g_ptr_array_unref (fake->websockets);
  g_ptr_array_unref (fake->after_register);
  g_ptr_array_unref (fake->after_resume);
  g_free (fake->session_id);
  g_free (fake->url);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, fake_server_free)

/* the client side */

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

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the test did not finish in time");
  return G_SOURCE_REMOVE;
}

#define RUN_UNTIL(condition) \
  G_STMT_START { \
    guint timeout_id_ = g_timeout_add_seconds (20, on_timeout, NULL); \
    while (!(condition)) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (timeout_id_); \
  } G_STMT_END

typedef struct
{
  GString *texts;
  GString *log;
  guint    n_messages;
} Seen;

static void
on_contact_message (ConfabSession *session,
                    ConfabContact *contact,
                    ConfabMessage *message,
                    Seen          *seen)
{
  g_string_append_printf (seen->texts, "%s%s,", confab_message_get_text (message),
                          confab_message_get_offline (message) ? "(offline)" : "");
  seen->n_messages++;
}

static void
on_reconnecting (ConfabSession *session,
                 Seen          *seen)
{
  g_string_append (seen->log, "reconnecting;");
}

static void
on_reconnection (ConfabSession *session,
                 gboolean       resumed,
                 Seen          *seen)
{
  g_string_append_printf (seen->log, "reconnection(%d);", resumed);
}

static void
on_error (ConfabSession *session,
          const GError  *error,
          Seen          *seen)
{
  g_string_append_printf (seen->log, "error(%d);", error->code);
}

typedef struct
{
  Seen          *seen;
  ConfabSession *session;
  gboolean       done;
} Registration;

static void
on_registered (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Registration *registration = user_data;
  g_autoptr(GError) error = NULL;

  registration->session = confab_user_agent_register_finish (CONFAB_USER_AGENT (object), result, &error);
  g_assert_no_error (error);

  /* as an application would: connect right away, in the callback */
  if (registration->seen != NULL)
    {
      g_signal_connect (registration->session, "contact-message", G_CALLBACK (on_contact_message), registration->seen);
      g_signal_connect (registration->session, "reconnecting", G_CALLBACK (on_reconnecting), registration->seen);
      g_signal_connect (registration->session, "reconnection", G_CALLBACK (on_reconnection), registration->seen);
      g_signal_connect (registration->session, "error", G_CALLBACK (on_error), registration->seen);
    }
  registration->done = TRUE;
}

static ConfabSession *
register_alice (FakeServer *fake,
                Seen       *seen)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new ("apiKey:key");
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  Registration registration = { seen, NULL, FALSE };

  confab_register_information_set_server_url (info, fake->url);
  confab_user_agent_register_async (user_agent, info, NULL, on_registered, &registration);
  RUN_UNTIL (registration.done);

  return registration.session;
}

static void
test_duplicates_gaps_and_restart (void)
{
  g_autoptr(FakeServer) fake = fake_server_new ();
  g_autoptr(ConfabSession) session = NULL;
  Seen seen = { g_string_new (NULL), g_string_new (NULL), 0 };

  /* after register: 1, 2, 2 again (dropped), garbage (ignored), 3, then 5: a gap */
  g_ptr_array_add (fake->after_register, event (1, 1, FALSE));
  g_ptr_array_add (fake->after_register, event (2, 2, FALSE));
  g_ptr_array_add (fake->after_register, event (2, 2, FALSE));
  g_ptr_array_add (fake->after_register, g_strdup ("this is not JSON"));
  g_ptr_array_add (fake->after_register, g_strdup ("{\"type\":\"contactMessage\",\"seq\":3}"));
  g_ptr_array_add (fake->after_register, event (3, 3, FALSE));
  g_ptr_array_add (fake->after_register, event (5, 5, FALSE));
  /* the resume must ask for what follows 3, and gets 4 and 5 */
  g_ptr_array_add (fake->after_resume, event (4, 4, FALSE));
  g_ptr_array_add (fake->after_resume, event (5, 5, FALSE));
  g_ptr_array_add (fake->after_resume, event (6, 6, FALSE));

  session = register_alice (fake, &seen);

  RUN_UNTIL (seen.n_messages >= 6);
  g_assert_cmpstr (seen.texts->str, ==, "m1,m2,m3,m4,m5,m6,");
  g_assert_cmpuint (fake->n_resumes, ==, 1);
  g_assert_cmpint (fake->resume_last_seq, ==, 3);
  g_assert_cmpstr (seen.log->str, ==, "reconnecting;reconnection(1);");

  /* pings acknowledge what was processed */
  RUN_UNTIL (fake->last_ack == 6);

  /* "server restart": the session is unknown, the client registers afresh; the server
   * sends again, with new seqs, a message already delivered (stored, offline) */
  fake->resume_not_found = TRUE;
  g_ptr_array_add (fake->after_register, event (1, 6, TRUE));
  g_ptr_array_add (fake->after_register, event (2, 7, TRUE));
  soup_websocket_connection_close (fake->websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);

  RUN_UNTIL (seen.n_messages >= 7);
  g_assert_cmpstr (seen.texts->str, ==, "m1,m2,m3,m4,m5,m6,m7(offline),");
  g_assert_cmpuint (fake->n_registers, ==, 2);
  g_assert_cmpstr (seen.log->str, ==, "reconnecting;reconnection(1);reconnecting;reconnection(0);");
  g_assert_cmpstr (confab_session_get_session_id (session), ==, "session-3");
  RUN_UNTIL (fake->last_ack == 2);

  g_signal_handlers_disconnect_by_data (session, &seen);
  g_string_free (seen.texts, TRUE);
  g_string_free (seen.log, TRUE);
}

static void
test_request_timeout (void)
{
  g_autoptr(FakeServer) fake = NULL;
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabContact *bob;
  Wait wait = { 0 };

  g_setenv ("CONFAB_REQUEST_TIMEOUT_MS", "300", TRUE);
  fake = fake_server_new ();
  session = register_alice (fake, NULL);
  fake->ignore_sends = TRUE;

  bob = confab_session_get_or_create_contact (session, "bob");
  confab_contact_send_message_async (bob, "anyone?", NULL, on_done, &wait);
  RUN_UNTIL (wait.done);
  g_assert_null (confab_contact_send_message_finish (bob, wait.result, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TIMED_OUT);
  g_object_unref (wait.result);
  g_assert_cmpuint (fake->n_sends, ==, 1);

  message = g_list_model_get_item (confab_contact_get_messages (bob), 0);
  g_assert_cmpint (confab_message_get_status (message), ==, CONFAB_MESSAGE_STATUS_FAILED);
  /* the session itself is fine */
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTED);
  g_unsetenv ("CONFAB_REQUEST_TIMEOUT_MS");
}

static void
test_error_without_request (void)
{
  g_autoptr(FakeServer) fake = fake_server_new ();
  Seen seen = { g_string_new (NULL), g_string_new (NULL), 0 };
  g_autoptr(ConfabSession) session = register_alice (fake, &seen);

  fake_send (fake, "{\"type\":\"error\",\"code\":\"TOO_LARGE\",\"message\":\"frame over 65536 bytes\"}");
  RUN_UNTIL (seen.log->len > 0);
  g_assert_cmpstr (seen.log->str, ==, "error(3);");
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTED);

  g_signal_handlers_disconnect_by_data (session, &seen);
  g_string_free (seen.texts, TRUE);
  g_string_free (seen.log, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_setenv ("CONFAB_RECONNECT_MIN_MS", "20", TRUE);
  g_setenv ("CONFAB_RECONNECT_MAX_MS", "100", TRUE);

  g_test_add_func ("/libconfab/connection/duplicates-gaps-restart", test_duplicates_gaps_and_restart);
  g_test_add_func ("/libconfab/connection/request-timeout", test_request_timeout);
  g_test_add_func ("/libconfab/connection/error-without-request", test_error_without_request);

  return g_test_run ();
}
