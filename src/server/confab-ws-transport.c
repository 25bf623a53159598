/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ws-transport.c: the socket layer: libwebsockets on the server's libuv loop */

#define G_LOG_DOMAIN "confab-ws-transport"

#include "config.h"

#include "confab-ws-transport.h"

#include <gio/gio.h>
#include <libwebsockets.h>
#include <string.h>
#include <sys/resource.h>

/* lws' own rx buffer per connection: modest, frames larger than it arrive in pieces. */
#define RX_BUFFER_SIZE 4096
/* lws derives its fd table from RLIMIT_NOFILE; over 10 million it falls back to 2560. */
#define MAX_FD_LIMIT (1024 * 1024)

struct _ConfabWsTransport
{
  const ConfabServerConfig *config;
  ConfabHub                *hub;
  struct lws_context       *context;
  struct lws_protocols      protocols[2];
  guint16                   port;
  gboolean                  closing;
  guint                     n_unclosed;  /* established, no close frame sent yet */
  GByteArray               *scratch;    /* LWS_PRE + frame, for writes */
};

/* lws' per-connection user data (zeroed by lws). */
typedef struct {
  struct lws          *wsi;
  ConfabWsTransport   *transport;
  ConfabHubConnection *connection;
  guint8              *rx;           /* only while a frame arrives in pieces */
  gsize                rx_length;    /* bytes of the current frame so far */
  gboolean             rx_binary;
  gboolean             rx_too_large;
  gboolean             broken;
  gboolean             abort;
  gboolean             close_sent;
  guint16              close_code;
  const char          *close_reason;
} PerConnection;

/* A context that could not listen, left for the exit (see confab_ws_transport_new()). */
static struct lws_context *failed_context;

static const lws_retry_bo_t no_idle_policy = {
  .secs_since_valid_ping = 0,
  .secs_since_valid_hangup = 0,
};

/* the hub's view */

static gboolean
transport_write (gpointer    handle,
                 const char *data,
                 gsize       length)
{
  PerConnection *pc = handle;
  GByteArray *scratch = pc->transport->scratch;

  if (pc->broken || pc->abort)
    return FALSE;

  g_byte_array_set_size (scratch, LWS_PRE + length);
  memcpy (scratch->data + LWS_PRE, data, length);

  if (lws_write (pc->wsi, scratch->data + LWS_PRE, length, LWS_WRITE_TEXT) < 0)
    {
      pc->broken = TRUE;
      lws_set_timeout (pc->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
      return FALSE;
    }

  return TRUE;
}

static gboolean
transport_is_choked (gpointer handle)
{
  PerConnection *pc = handle;

  return pc->broken || pc->abort || lws_send_pipe_choked (pc->wsi);
}

static void
transport_request_writable (gpointer handle)
{
  PerConnection *pc = handle;

  lws_callback_on_writable (pc->wsi);
}

static void
transport_close (gpointer    handle,
                 guint16     code,
                 const char *reason)
{
  PerConnection *pc = handle;

  if (code == 0)
    {
      pc->abort = TRUE;
      lws_set_timeout (pc->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
      return;
    }

  if (pc->close_code == 0)
    {
      pc->close_code = code;
      pc->close_reason = reason;
    }
  lws_callback_on_writable (pc->wsi);
}

static const ConfabHubTransport hub_transport = {
  .write = transport_write,
  .is_choked = transport_is_choked,
  .request_writable = transport_request_writable,
  .close = transport_close,
};

/* lws callbacks */

static void
reset_rx (PerConnection *pc)
{
  g_clear_pointer (&pc->rx, g_free);
  pc->rx_length = 0;
  pc->rx_binary = FALSE;
  pc->rx_too_large = FALSE;
}

static int
on_receive (ConfabWsTransport *self,
            PerConnection     *pc,
            const guint8      *in,
            gsize              length)
{
  guint max_frame = self->config->limits.max_frame_bytes;
  gboolean final = lws_is_final_fragment (pc->wsi);
  gsize before = pc->rx_length;

  if (pc->connection == NULL)
    return -1;

  if (before == 0 && pc->rx == NULL)
    pc->rx_binary = lws_frame_is_binary (pc->wsi);

  pc->rx_length += length;

  if (pc->rx_length > (gsize) max_frame * 4)
    {
      static const char reason[] = "frame far over the size limit";

      lws_close_reason (pc->wsi, 1009, (unsigned char *) reason, strlen (reason));
      return -1;
    }

  if (pc->rx_length > max_frame || pc->rx_binary)
    {
      pc->rx_too_large = pc->rx_length > max_frame;
      g_clear_pointer (&pc->rx, g_free);
    }
  else if (final && pc->rx == NULL)
    {
      /* The common case: the whole frame in one piece, no copy. */
      confab_hub_connection_received (self->hub, pc->connection, (const char *) in, length);
      reset_rx (pc);
      return 0;
    }
  else
    {
      if (pc->rx == NULL)
        pc->rx = g_malloc (max_frame);
      memcpy (pc->rx + before, in, length);
    }

  if (!final)
    return 0;

  if (pc->rx_too_large)
    confab_hub_connection_rejected (self->hub, pc->connection, CONFAB_HUB_FRAME_TOO_LARGE,
                                    pc->rx_length);
  else if (pc->rx_binary)
    confab_hub_connection_rejected (self->hub, pc->connection, CONFAB_HUB_FRAME_BINARY,
                                    pc->rx_length);
  else
    confab_hub_connection_received (self->hub, pc->connection, (const char *) pc->rx,
                                    pc->rx_length);
  reset_rx (pc);

  return 0;
}

/* The opcode lws uses internally for close frames (lws-write.h leaves 4 to it). */
#define WRITE_CLOSE ((enum lws_write_protocol) 4)

/* lws 4.1 does not send the reason given to lws_close_reason() when a callback
 * returns -1 from WRITEABLE: write the close frame ourselves. */
static void
send_close_frame (PerConnection *pc)
{
  guint8 frame[LWS_PRE + 2 + 123];
  gsize reason_length = pc->close_reason ? MIN (strlen (pc->close_reason), 123) : 0;

  frame[LWS_PRE] = (guint8) (pc->close_code >> 8);
  frame[LWS_PRE + 1] = (guint8) (pc->close_code & 0xff);
  if (reason_length > 0)
    memcpy (frame + LWS_PRE + 2, pc->close_reason, reason_length);

  if (lws_write (pc->wsi, frame + LWS_PRE, 2 + reason_length, WRITE_CLOSE) < 0)
    g_debug ("could not send the close frame");
}

static int
serve_http (ConfabWsTransport *self,
            struct lws        *wsi,
            const char        *path)
{
  guint8 headers[LWS_PRE + 512];
  guint8 *start = headers + LWS_PRE;
  guint8 *p = start;
  guint8 *end = headers + sizeof headers - 1;
  g_autofree char *body = NULL;
  g_autofree guint8 *buf = NULL;
  gsize length;

  if (g_strcmp0 (path, "/healthz") != 0)
    {
      if (lws_return_http_status (wsi, HTTP_STATUS_NOT_FOUND, NULL))
        return -1;
      return lws_http_transaction_completed (wsi) ? -1 : 0;
    }

  body = g_strdup_printf ("{\"status\":\"ok\",\"sessions\":%u}",
                          confab_hub_get_n_sessions (self->hub));
  length = strlen (body);

  if (lws_add_http_common_headers (wsi, HTTP_STATUS_OK, "application/json", length, &p, end) ||
      lws_add_http_header_by_token (wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                    (const guint8 *) "no-store", 8, &p, end) ||
      lws_finalize_write_http_header (wsi, start, &p, end))
    return -1;

  buf = g_malloc (LWS_PRE + length);
  memcpy (buf + LWS_PRE, body, length);
  if (lws_write (wsi, buf + LWS_PRE, length, LWS_WRITE_HTTP_FINAL) < 0)
    return -1;

  return lws_http_transaction_completed (wsi) ? -1 : 0;
}

static int
on_lws_event (struct lws                *wsi,
              enum lws_callback_reasons  reason,
              void                      *user,
              void                      *in,
              size_t                     len)
{
  struct lws_context *context = lws_get_context (wsi);
  ConfabWsTransport *self = context ? lws_context_user (context) : NULL;
  PerConnection *pc = user;

  switch ((int) reason)
    {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      {
        char uri[64];

        if (lws_hdr_copy (wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 ||
            strcmp (uri, "/ws") != 0)
          return 1;
      }
      return 0;

    case LWS_CALLBACK_ESTABLISHED:
      pc->wsi = wsi;
      pc->transport = self;
      pc->connection = confab_hub_connection_opened (self->hub, pc, &hub_transport);
      self->n_unclosed++;
      return 0;

    case LWS_CALLBACK_RECEIVE:
      if (pc->abort || pc->broken || pc->close_code != 0)
        return 0;
      return on_receive (self, pc, in, len);

    case LWS_CALLBACK_SERVER_WRITEABLE:
      if (pc->abort || pc->broken)
        return -1;
      if (pc->close_code == 0 && pc->connection != NULL)
        confab_hub_connection_writable (self->hub, pc->connection);
      if (pc->close_code != 0 && !pc->close_sent)
        {
          if (lws_send_pipe_choked (wsi))
            {
              lws_callback_on_writable (wsi);
              return 0;
            }
          /* Send our close frame, then keep reading (and ignoring) until the peer
           * answers with its own, so that closing never resets a connection with
           * data still in flight; give up after a few seconds. */
          send_close_frame (pc);
          pc->close_sent = TRUE;
          self->n_unclosed--;
          lws_set_timeout (wsi, PENDING_TIMEOUT_CLOSE_ACK, 3);
        }
      return 0;

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      /* Nonzero: do not echo a close frame when ours was already sent. */
      return pc->close_sent ? 1 : 0;

    case LWS_CALLBACK_CLOSED:
      if (pc != NULL && pc->connection != NULL)
        {
          ConfabHubConnection *connection = g_steal_pointer (&pc->connection);

          if (!pc->close_sent)
            self->n_unclosed--;
          pc->close_sent = TRUE;
          confab_hub_connection_closed (self->hub, connection);
        }
      if (pc != NULL)
        reset_rx (pc);
      return 0;

    case LWS_CALLBACK_HTTP:
      return serve_http (self, wsi, in);

    default:
      return lws_callback_http_dummy (wsi, reason, user, in, len);
    }
}

/* logging */

static void
on_lws_log (int         level,
            const char *line)
{
  g_autofree char *text = g_strchomp (g_strdup (line));

  if (level & LLL_ERR)
    g_message ("lws: %s", text);
  else
    g_debug ("lws: %s", text);
}

/* public */

void
confab_ws_transport_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;

  if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > MAX_FD_LIMIT)
    limit.rlim_cur = MAX (limit.rlim_cur, MIN (MAX_FD_LIMIT, limit.rlim_max));
  else
    limit.rlim_cur = limit.rlim_max;

  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("cannot raise RLIMIT_NOFILE: %s", g_strerror (errno));
}

ConfabWsTransport *
confab_ws_transport_new (const ConfabServerConfig  *config,
                         ConfabHub                 *hub,
                         uv_loop_t                 *loop,
                         GError                   **error)
{
  ConfabWsTransport *self = g_new0 (ConfabWsTransport, 1);
  struct lws_context_creation_info info;
  struct lws_vhost *vhost;
  void *foreign_loops[1] = { loop };
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (config->listen);

  self->config = config;
  self->hub = hub;
  self->scratch = g_byte_array_sized_new (LWS_PRE + 4096);

  lws_set_log_level (config->verbose ? (LLL_ERR | LLL_WARN | LLL_NOTICE) : LLL_ERR, on_lws_log);

  self->protocols[0] = (struct lws_protocols) {
    .name = "confab.v1",
    .callback = on_lws_event,
    .per_session_data_size = sizeof (PerConnection),
    .rx_buffer_size = RX_BUFFER_SIZE,
    .tx_packet_size = (gsize) config->limits.max_frame_bytes * 4 + 64,
  };
  self->protocols[1] = (struct lws_protocols) { NULL, NULL, 0, 0, 0, NULL, 0 };

  memset (&info, 0, sizeof info);
  info.options = LWS_SERVER_OPTION_LIBUV;
  if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.foreign_loops = foreign_loops;
  info.port = (int) config->port;
  /* lws takes an interface name or an address; "any" addresses mean every interface. */
  if (address == NULL || !g_inet_address_get_is_any (address))
    info.iface = config->listen;
  info.protocols = self->protocols;
  info.user = self;
  info.vhost_name = "confab";
  info.server_string = "confab-server";
  info.retry_and_idle_policy = &no_idle_policy;
  info.timeout_secs = 10;
  info.pt_serv_buf_size = RX_BUFFER_SIZE;
  /* lws clears it once the context is really gone (see confab_ws_transport_free()). */
  info.pcontext = &self->context;

  if (config->tls_cert != NULL)
    {
      info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
      info.ssl_cert_filepath = config->tls_cert;
      info.ssl_private_key_filepath = config->tls_key;
    }

  self->context = lws_create_context (&info);
  if (self->context == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot listen on %s port %u%s (address in use, or a bad certificate?)",
                   config->listen, config->port, config->tls_cert ? " with TLS" : "");
      g_byte_array_unref (self->scratch);
      g_free (self);
      return NULL;
    }

  /* lws makes the context even when the vhost cannot listen. */
  vhost = lws_get_vhost_by_name (self->context, "confab");
  if (vhost == NULL || lws_get_vhost_listen_port (vhost) <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "cannot listen on %s port %u (address in use or not available%s)",
                   config->listen, config->port, config->tls_cert ? ", or a bad certificate" : "");
      /* Tearing a foreign-loop context down needs the loop to run while lws' plugin
       * stays loaded; the caller exits instead. Keep it reachable meanwhile. */
      failed_context = self->context;
      g_byte_array_unref (self->scratch);
      g_free (self);
      return NULL;
    }
  self->port = (guint16) lws_get_vhost_listen_port (vhost);

  return self;
}

guint
confab_ws_transport_get_n_unclosed (ConfabWsTransport *self)
{
  return self->n_unclosed;
}

guint16
confab_ws_transport_get_port (ConfabWsTransport *self)
{
  return self->port;
}

void
confab_ws_transport_close (ConfabWsTransport *self)
{
  if (self == NULL || self->closing)
    return;

  self->closing = TRUE;
  /* On a foreign loop this only starts: lws closes its handles as the loop runs. */
  lws_context_destroy (self->context);
}

void
confab_ws_transport_free (ConfabWsTransport *self)
{
  if (self == NULL)
    return;

  confab_ws_transport_close (self);

  /* With the loop drained, a second call finishes what the handles' closing did not. */
  if (self->context != NULL)
    lws_context_destroy (self->context);
  if (self->context != NULL)
    lws_context_destroy (self->context);

  g_byte_array_unref (self->scratch);
  g_free (self);
}
