/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-util.c: helpers for the libconfab tests */

#define G_LOG_DOMAIN "confab-test-util"

#include "config.h"

#include "confab-test-util.h"
#include "confab-test-server.h"

#include <gio/gio.h>
#include <string.h>

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

ConfabSession *
test_register (const char  *url,
               const char  *uri,
               const char  *password,
               const char  *user_id,
               const char  *username,
               GError     **error)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new (uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  Wait wait = { 0 };
  ConfabSession *session;

  confab_register_information_set_server_url (info, url);
  confab_register_information_set_password (info, password);
  confab_register_information_set_user_id (info, user_id);
  confab_register_information_set_username (info, username);

  confab_user_agent_register_async (user_agent, info, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  session = confab_user_agent_register_finish (user_agent, wait.result, error);
  g_object_unref (wait.result);

  return session;
}

ConfabSession *
test_register_guest (ConfabTestServer *server,
                     const char       *user_id,
                     const char       *username)
{
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(GError) error = NULL;
  ConfabSession *session;

  session = test_register (confab_test_server_get_url (server), uri, NULL, user_id, username, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);

  return session;
}

char *
test_send_message (ConfabContact  *contact,
                   const char     *text,
                   GError        **error)
{
  Wait wait = { 0 };
  char *uuid;

  confab_contact_send_message_async (contact, text, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  uuid = confab_contact_send_message_finish (contact, wait.result, error);
  g_object_unref (wait.result);

  return uuid;
}

gboolean
test_send_data (ConfabContact  *contact,
                JsonObject     *content,
                GError        **error)
{
  Wait wait = { 0 };
  gboolean ok;

  confab_contact_send_data_async (contact, content, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  ok = confab_contact_send_data_finish (contact, wait.result, error);
  g_object_unref (wait.result);

  return ok;
}

gboolean
test_send_custom_event (ConfabContact  *contact,
                        const char     *event,
                        JsonObject     *content,
                        GError        **error)
{
  Wait wait = { 0 };
  gboolean ok;

  confab_contact_send_custom_event_async (contact, event, content, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  ok = confab_contact_send_custom_event_finish (contact, wait.result, error);
  g_object_unref (wait.result);

  return ok;
}

gboolean
test_send_raw_data (ConfabContact  *contact,
                    const char     *data,
                    GError        **error)
{
  Wait wait = { 0 };
  gboolean ok;

  confab_contact_send_raw_data_async (contact, data, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  ok = confab_contact_send_raw_data_finish (contact, wait.result, error);
  g_object_unref (wait.result);

  return ok;
}

void
test_disconnect (ConfabSession *session)
{
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  confab_session_disconnect_async (session, NULL, on_done, &wait);
  confab_test_wait_for (&wait.done, TEST_TIMEOUT_MS);
  g_assert_true (confab_session_disconnect_finish (session, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_DISCONNECTED);
}

static gboolean
on_spin_timeout (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_spin_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* recorder */

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  if (object == NULL)
    return g_strdup ("null");

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

static void
on_contact_message (ConfabSession *session,
                    ConfabContact *contact,
                    ConfabMessage *message,
                    TestRecorder  *recorder)
{
  g_ptr_array_add (recorder->messages, g_object_ref (message));
  g_ptr_array_add (recorder->message_texts,
                   g_strdup_printf ("%s:%s", confab_contact_get_id (contact), confab_message_get_text (message)));
}

static void
on_contact_data (ConfabSession *session,
                 ConfabContact *contact,
                 JsonObject    *content,
                 TestRecorder  *recorder)
{
  g_autofree char *json = object_to_string (content);

  g_ptr_array_add (recorder->data, g_strdup_printf ("%s:%s", confab_contact_get_id (contact), json));
}

static void
on_custom_event (ConfabSession *session,
                 ConfabContact *contact,
                 const char    *event,
                 JsonObject    *content,
                 TestRecorder  *recorder)
{
  g_autofree char *json = object_to_string (content);

  g_ptr_array_add (recorder->custom_events,
                   g_strdup_printf ("%s:%s:%s", confab_contact_get_id (contact), event, json));
}

static void
on_raw_data (ConfabSession *session,
             ConfabContact *contact,
             const char    *data,
             TestRecorder  *recorder)
{
  g_ptr_array_add (recorder->raw_data, g_strdup_printf ("%s:%s", confab_contact_get_id (contact), data));
}

static void
on_error (ConfabSession *session,
          const GError  *error,
          TestRecorder  *recorder)
{
  g_ptr_array_add (recorder->errors, g_error_copy (error));
  g_string_append_printf (recorder->log, "error(%d);", error->code);
}

static void
on_reconnecting (ConfabSession *session,
                 TestRecorder  *recorder)
{
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_RECONNECTING);
  recorder->n_reconnecting++;
  g_string_append (recorder->log, "reconnecting;");
}

static void
on_reconnection (ConfabSession *session,
                 gboolean       resumed,
                 TestRecorder  *recorder)
{
  g_assert_cmpint (confab_session_get_state (session), ==, CONFAB_SESSION_STATE_CONNECTED);
  g_array_append_val (recorder->reconnections, resumed);
  g_string_append_printf (recorder->log, "reconnection(%d);", resumed);
}

static void
on_disconnect (ConfabSession *session,
               const GError  *reason,
               TestRecorder  *recorder)
{
  recorder->n_disconnect++;
  g_string_append (recorder->log, "disconnect;");
  g_clear_error (&recorder->disconnect_reason);
  if (reason != NULL)
    recorder->disconnect_reason = g_error_copy (reason);
}

TestRecorder *
test_recorder_new (ConfabSession *session)
{
  TestRecorder *recorder = g_new0 (TestRecorder, 1);

  recorder->session = g_object_ref (session);
  recorder->messages = g_ptr_array_new_with_free_func (g_object_unref);
  recorder->message_texts = g_ptr_array_new_with_free_func (g_free);
  recorder->data = g_ptr_array_new_with_free_func (g_free);
  recorder->custom_events = g_ptr_array_new_with_free_func (g_free);
  recorder->raw_data = g_ptr_array_new_with_free_func (g_free);
  recorder->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  recorder->reconnections = g_array_new (FALSE, FALSE, sizeof (gboolean));
  recorder->log = g_string_new (NULL);

  g_signal_connect (session, "contact-message", G_CALLBACK (on_contact_message), recorder);
  g_signal_connect (session, "contact-data", G_CALLBACK (on_contact_data), recorder);
  g_signal_connect (session, "custom-event", G_CALLBACK (on_custom_event), recorder);
  g_signal_connect (session, "raw-data", G_CALLBACK (on_raw_data), recorder);
  g_signal_connect (session, "error", G_CALLBACK (on_error), recorder);
  g_signal_connect (session, "reconnecting", G_CALLBACK (on_reconnecting), recorder);
  g_signal_connect (session, "reconnection", G_CALLBACK (on_reconnection), recorder);
  g_signal_connect (session, "disconnect", G_CALLBACK (on_disconnect), recorder);

  return recorder;
}

void
test_recorder_free (TestRecorder *recorder)
{
  if (recorder == NULL)
    return;

  g_signal_handlers_disconnect_by_data (recorder->session, recorder);
  g_object_unref (recorder->session);
  g_ptr_array_unref (recorder->messages);
  g_ptr_array_unref (recorder->message_texts);
  g_ptr_array_unref (recorder->data);
  g_ptr_array_unref (recorder->custom_events);
  g_ptr_array_unref (recorder->raw_data);
  g_ptr_array_unref (recorder->errors);
  g_array_unref (recorder->reconnections);
  g_clear_error (&recorder->disconnect_reason);
  g_string_free (recorder->log, TRUE);
  g_free (recorder);
}

/* proxy */

struct _TestProxy
{
  GSocketService *service;
  GSocketClient  *client;
  char           *url;
  guint16         port;
  guint16         target_port;
  guint           n_accepted;
  GPtrArray      *links;         /* Link: the connections going through */
  gboolean        hold;
  char           *hold_after;    /* hold once this went to a client */
  gsize           hold_from;     /* ... after this offset of @to_clients */
  GPtrArray      *held;          /* Pump waiting for the hold to end */
  GString        *to_clients;    /* every byte the server sent through, in order */
};

/* One proxied connection: two pumps, one each way. */
typedef struct
{
  TestProxy    *proxy;
  guint         n_pumps;
  GIOStream    *client;          /* (owned) */
  GIOStream    *server;          /* (owned) */
  GCancellable *cancellable;     /* (owned) cancelled to end the connection */
} Link;

typedef struct
{
  Link         *link;
  GIOStream    *from;            /* (unowned) */
  GIOStream    *to;              /* (unowned) */
  gboolean      to_client;
  char          buffer[16384];
} Pump;

static void pump_read (Pump *pump);

/* A direction ended (closed, failed or cut): the connection ends. */
static void
pump_finish (Pump *pump)
{
  Link *link = pump->link;

  g_free (pump);
  g_cancellable_cancel (link->cancellable);
  if (--link->n_pumps > 0)
    return;

  g_io_stream_close (link->client, NULL, NULL);
  g_io_stream_close (link->server, NULL, NULL);
  g_ptr_array_remove_fast (link->proxy->links, link);
  g_object_unref (link->client);
  g_object_unref (link->server);
  g_object_unref (link->cancellable);
  g_free (link);
}

static void
on_pump_written (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pump *pump = user_data;
  TestProxy *proxy = pump->link->proxy;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL) ||
      g_cancellable_is_cancelled (pump->link->cancellable))
    {
      pump_finish (pump);
      return;
    }

  if (pump->to_client && proxy->hold_after != NULL &&
      strstr (proxy->to_clients->str + proxy->hold_from, proxy->hold_after) != NULL)
    {
      g_clear_pointer (&proxy->hold_after, g_free);
      proxy->hold = TRUE;
    }

  if (pump->to_client && proxy->hold)
    g_ptr_array_add (proxy->held, pump);
  else
    pump_read (pump);
}

static void
on_pump_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pump *pump = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n <= 0 || g_cancellable_is_cancelled (pump->link->cancellable))
    {
      pump_finish (pump);
      return;
    }

  /* (frame headers may hold zero bytes: kept as spaces, so that the text is a string) */
  if (pump->to_client)
    for (gssize i = 0; i < n; i++)
      g_string_append_c (pump->link->proxy->to_clients, pump->buffer[i] != '\0' ? pump->buffer[i] : ' ');
  g_output_stream_write_all_async (g_io_stream_get_output_stream (pump->to), pump->buffer, n,
                                   G_PRIORITY_DEFAULT, pump->link->cancellable, on_pump_written, pump);
}

static void
pump_read (Pump *pump)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (pump->from), pump->buffer, sizeof pump->buffer,
                             G_PRIORITY_DEFAULT, pump->link->cancellable, on_pump_read, pump);
}

static void
link_start (TestProxy *proxy,
            GIOStream *client,
            GIOStream *server)
{
  Link *link = g_new0 (Link, 1);

  link->proxy = proxy;
  link->client = g_object_ref (client);
  link->server = g_object_ref (server);
  link->cancellable = g_cancellable_new ();
  g_ptr_array_add (proxy->links, link);

  for (guint i = 0; i < 2; i++)
    {
      Pump *pump = g_new0 (Pump, 1);

      pump->link = link;
      pump->to_client = i == 1;
      pump->from = pump->to_client ? server : client;
      pump->to = pump->to_client ? client : server;
      link->n_pumps++;
      pump_read (pump);
    }
}

/* Held pumps wake up (and see that they were cut, if so). */
static void
release_held (TestProxy *proxy)
{
  while (proxy->held->len > 0)
    pump_read (g_ptr_array_steal_index (proxy->held, 0));
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  TestProxy *proxy = user_data;
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GError) error = NULL;

  proxy->n_accepted++;

  upstream = g_socket_client_connect_to_host (proxy->client, "127.0.0.1", proxy->target_port,
                                              NULL, &error);
  if (upstream == NULL)
    {
      /* the server is down: the client sees its connection refused-like close */
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  link_start (proxy, G_IO_STREAM (connection), G_IO_STREAM (upstream));
  return TRUE;
}

TestProxy *
test_proxy_new (guint16 target_port)
{
  TestProxy *proxy = g_new0 (TestProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  proxy->target_port = target_port;
  proxy->held = g_ptr_array_new ();
  proxy->links = g_ptr_array_new ();
  proxy->to_clients = g_string_new (NULL);
  proxy->client = g_socket_client_new ();
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  proxy->url = g_strdup_printf ("ws://127.0.0.1:%u/ws", proxy->port);
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (on_incoming), proxy);
  g_socket_service_start (proxy->service);

  return proxy;
}

const char *
test_proxy_get_url (TestProxy *proxy)
{
  return proxy->url;
}

guint
test_proxy_get_n_accepted (TestProxy *proxy)
{
  return proxy->n_accepted;
}

void
test_proxy_cut (TestProxy *proxy)
{
  for (guint i = 0; i < proxy->links->len; i++)
    g_cancellable_cancel (((Link *) g_ptr_array_index (proxy->links, i))->cancellable);
  proxy->hold = FALSE;
  g_clear_pointer (&proxy->hold_after, g_free);
  release_held (proxy);
}

void
test_proxy_hold_after (TestProxy  *proxy,
                       const char *text)
{
  g_free (proxy->hold_after);
  proxy->hold_after = g_strdup (text);
  proxy->hold_from = proxy->to_clients->len;
}

void
test_proxy_hold (TestProxy *proxy)
{
  proxy->hold = TRUE;
}

const char *
test_proxy_get_received (TestProxy *proxy)
{
  return proxy->to_clients->str;
}

void
test_proxy_free (TestProxy *proxy)
{
  if (proxy == NULL)
    return;

  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  test_proxy_cut (proxy);
  /* let the cut connections finish before their data goes away */
  while (proxy->links->len > 0)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handlers_disconnect_by_data (proxy->service, proxy);
  g_clear_object (&proxy->service);
  g_clear_object (&proxy->client);
  g_ptr_array_unref (proxy->held);
  g_ptr_array_unref (proxy->links);
  g_free (proxy->hold_after);
  g_string_free (proxy->to_clients, TRUE);
  g_free (proxy->url);
  g_free (proxy);
}
