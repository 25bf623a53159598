/* SPDX-License-Identifier: GPL-3.0-or-later */
/* server-test-client.c: a raw WebSocket client speaking JSON frames to confab-server */

#include "config.h"

#include "server-test-client.h"

#include <string.h>

#define WAIT_MS 5000

static void
on_message (SoupWebsocketConnection *ws,
            SoupWebsocketDataType    type,
            GBytes                  *message,
            gpointer                 user_data)
{
  TestClient *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  JsonNode *root;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  json_parser_load_from_data (parser, data, length, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_queue_push_tail (&self->frames, json_object_ref (json_node_get_object (root)));
}

static void
on_closed (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  TestClient *self = user_data;

  self->closed = TRUE;
  self->close_code = soup_websocket_connection_get_close_code (ws);
}

typedef struct {
  gboolean                 done;
  SoupWebsocketConnection *ws;
  GError                  *error;
} ConnectData;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectData *data = user_data;

  data->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &data->error);
  data->done = TRUE;
}

TestClient *
test_client_connect (ConfabTestServer *server)
{
  TestClient *self = g_new0 (TestClient, 1);
  g_autoptr(SoupMessage) message = NULL;
  ConnectData data = { 0 };

  self->session = g_object_new (SOUP_TYPE_SESSION, "max-conns", 4, "max-conns-per-host", 4, NULL);
  self->next_id = 1;
  g_queue_init (&self->frames);

  message = soup_message_new ("GET", confab_test_server_get_url (server));
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, on_connected, &data);
  confab_test_wait_for (&data.done, WAIT_MS);
  g_assert_no_error (data.error);

  self->ws = data.ws;
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval (self->ws, 0);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_closed), self);

  return self;
}

void
test_client_free (TestClient *self)
{
  if (self == NULL)
    return;

  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, 1000, NULL);
      g_clear_object (&self->ws);
    }
  g_queue_clear_full (&self->frames, (GDestroyNotify) json_object_unref);
  g_clear_object (&self->session);
  g_free (self->user_id);
  g_free (self->resume_token);
  g_free (self);
}

void
test_client_send (TestClient *self,
                  const char *format,
                  ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  soup_websocket_connection_send_text (self->ws, text);
}

void
test_client_send_bytes (TestClient            *self,
                        SoupWebsocketDataType  type,
                        const char            *data,
                        gsize                  length)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, length);

  soup_websocket_connection_send_message (self->ws, type, bytes);
}

static gboolean
has_frame_or_closed (TestClient *self)
{
  return self->frames.length > 0 || self->closed;
}

JsonObject *
test_client_next (TestClient *self)
{
  gboolean ready = has_frame_or_closed (self);
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!ready && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      ready = has_frame_or_closed (self);
      if (!ready)
        g_usleep (200);
    }

  if (self->frames.length == 0)
    g_error ("expected a frame, got %s", self->closed ? "a close" : "nothing within 5 s");

  return g_queue_pop_head (&self->frames);
}

JsonObject *
test_client_expect (TestClient *self,
                    const char *type)
{
  JsonObject *object = test_client_next (self);
  const char *got = json_object_get_string_member_with_default (object, "type", "");

  if (g_strcmp0 (got, type) != 0)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree char *text = json_to_string (node, FALSE);

      g_error ("expected a '%s' frame, got %s", type, text);
    }

  if (json_object_has_member (object, "seq"))
    {
      gint64 seq = json_object_get_int_member (object, "seq");

      g_assert_cmpint (seq, ==, self->last_seq + 1);
      self->last_seq = seq;
    }

  return object;
}

JsonObject *
test_client_expect_error (TestClient *self,
                          gint64      re,
                          const char *code)
{
  JsonObject *object = test_client_expect (self, "error");

  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, code);
  g_assert_true (json_object_has_member (object, "message"));
  if (re > 0)
    g_assert_cmpint (json_object_get_int_member (object, "re"), ==, re);
  else if (re == 0)
    g_assert_false (json_object_has_member (object, "re"));

  return object;
}

gushort
test_client_wait_closed (TestClient *self)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!self->closed && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }

  g_assert_true (self->closed);
  return self->close_code;
}

void
test_client_assert_quiet (TestClient *self)
{
  g_autoptr(JsonObject) pong = NULL;

  test_client_send (self, "{\"type\":\"ping\"}");
  pong = test_client_expect (self, "pong");
  g_assert_true (json_object_has_member (pong, "serverTime"));
}

JsonObject *
test_client_hello (TestClient *self)
{
  JsonObject *welcome;

  test_client_send (self, "{\"type\":\"hello\",\"versions\":[1],\"client\":\"test-server\"}");
  welcome = test_client_expect (self, "welcome");
  g_free (self->resume_token);
  self->resume_token = g_strdup (json_object_get_string_member (welcome, "resumeToken"));

  return welcome;
}

gint64
test_client_request (TestClient *self,
                     const char *type,
                     const char *members)
{
  gint64 id = self->next_id++;

  test_client_send (self, "{\"type\":\"%s\",\"id\":%" G_GINT64_FORMAT "%s%s}",
                    type, id, members && *members ? "," : "", members ? members : "");
  return id;
}

static JsonObject *
expect_result (TestClient *self,
               gint64      id)
{
  g_autoptr(JsonObject) result = test_client_expect (self, "result");

  g_assert_cmpint (json_object_get_int_member (result, "re"), ==, id);
  return json_object_ref (json_object_get_object_member (result, "data"));
}

JsonObject *
test_client_register_guest (TestClient       *self,
                            ConfabTestServer *server,
                            const char       *user_id)
{
  g_autoptr(JsonObject) G_GNUC_UNUSED welcome = test_client_hello (self);
  g_autofree char *members = NULL;
  JsonObject *data;
  gint64 id;

  if (user_id != NULL)
    members = g_strdup_printf ("\"uri\":\"apiKey:%s\",\"userId\":\"%s\",\"username\":\"%s name\"",
                               confab_test_server_get_api_key (server), user_id, user_id);
  else
    members = g_strdup_printf ("\"uri\":\"apiKey:%s\"", confab_test_server_get_api_key (server));

  id = test_client_request (self, "register", members);
  data = expect_result (self, id);
  g_assert_cmpstr (json_object_get_string_member (data, "kind"), ==, "guest");
  g_free (self->user_id);
  self->user_id = g_strdup (json_object_get_string_member (data, "userId"));
  if (user_id != NULL)
    g_assert_cmpstr (self->user_id, ==, user_id);

  return data;
}

JsonObject *
test_client_register_account (TestClient *self,
                              const char *login,
                              const char *password)
{
  g_autoptr(JsonObject) G_GNUC_UNUSED welcome = test_client_hello (self);
  g_autofree char *members = NULL;
  JsonObject *data;
  gint64 id;

  members = g_strdup_printf ("\"uri\":\"confab:%s\",\"password\":\"%s\"", login, password);
  id = test_client_request (self, "register", members);
  data = expect_result (self, id);
  g_assert_cmpstr (json_object_get_string_member (data, "kind"), ==, "account");
  g_assert_cmpstr (json_object_get_string_member (data, "userId"), ==, login);
  g_free (self->user_id);
  self->user_id = g_strdup (login);

  return data;
}

JsonObject *
test_client_message (TestClient *self,
                     const char *to,
                     const char *uuid,
                     const char *text)
{
  g_autofree char *members = g_strdup_printf ("\"to\":\"%s\",\"uuid\":\"%s\",\"text\":\"%s\"",
                                              to, uuid, text);
  gint64 id = test_client_request (self, "contactMessage", members);

  return expect_result (self, id);
}
