/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ws-transport.c: the socket layer: libwebsockets on the server's libuv loop */

#define G_LOG_DOMAIN "confab-ws-transport"

#include "config.h"

#include "confab-ws-transport.h"
#include "confab-ws-out-buffer.h"

#include <gio/gio.h>
#include <libwebsockets.h>
#include <string.h>
#include <sys/resource.h>

/* lws' own rx buffer per connection: modest, frames larger than it arrive in pieces. */
#define RX_BUFFER_SIZE 4096
/* lws derives its fd table from RLIMIT_NOFILE; over 10 million it falls back to 2560. */
#define MAX_FD_LIMIT (1024 * 1024)
/* Framed bytes a connection may gather before the hub is told it is choked (one more
 * frame may always be added). */
#define MAX_PENDING_BYTES (64 * 1024)
/* Empty out buffers kept for reuse, and the largest kept. */
#define POOL_MAX_KEPT 256
#define POOL_MAX_SIZE (16 * 1024)

struct _ConfabWsTransport
{
  const ConfabServerConfig *config;
  ConfabHub                *hub;
  struct lws_context       *context;
  struct lws_protocols      protocols[2];
  guint16                   port;
  gboolean                  closing;
  guint                     n_unclosed;  /* established, no close frame sent yet */

  /* The write path: frames are gathered per connection and flushed once per loop
   * iteration, from a prepare handle (just before the loop polls). */
  uv_prepare_t              flush;
  gboolean                  flush_started;
  GPtrArray                *dirty;      /* PerConnection with frames waiting */
  ConfabWsOutPool           pool;
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
  ConfabWsOutBuffer   *out;          /* frames not yet handed to lws; NULL when none */
  guint                dirty_index;  /* in transport->dirty, when dirty */
  gboolean             dirty;
  gboolean             want_writable; /* the hub waits for room we make ourselves */
} PerConnection;

/* A context that could not listen, left for the exit (see confab_ws_transport_new()). */
static struct lws_context *failed_context;

static const lws_retry_bo_t no_idle_policy = {
  .secs_since_valid_ping = 0,
  .secs_since_valid_hangup = 0,
};

/* the write path */

static void
mark_dirty (PerConnection *pc)
{
  GPtrArray *dirty = pc->transport->dirty;

  if (pc->dirty)
    return;

  pc->dirty = TRUE;
  pc->dirty_index = dirty->len;
  g_ptr_array_add (dirty, pc);
}

static void
unmark_dirty (PerConnection *pc)
{
  GPtrArray *dirty = pc->transport->dirty;
  PerConnection *last;

  if (!pc->dirty)
    return;

  /* Swap with the last one: O(1), order does not matter. */
  last = g_ptr_array_index (dirty, dirty->len - 1);
  dirty->pdata[pc->dirty_index] = last;
  last->dirty_index = pc->dirty_index;
  g_ptr_array_set_size (dirty, dirty->len - 1);
  pc->dirty = FALSE;
}

static void
release_out (PerConnection *pc)
{
  if (pc->out != NULL)
    confab_ws_out_pool_give (&pc->transport->pool, g_steal_pointer (&pc->out));
}

/* Hands what the connection gathered to lws in one write (lws keeps whatever the
 * socket does not take and sends it when the socket drains), then gives the buffer
 * back so an idle connection holds none. */
static void
flush_out (PerConnection *pc)
{
  unmark_dirty (pc);

  if (pc->out == NULL)
    return;

  if (pc->broken || pc->abort)
    {
      release_out (pc);
      return;
    }

  if (pc->out->length > 0 &&
      lws_write (pc->wsi, pc->out->data, pc->out->length, LWS_WRITE_RAW) < 0)
    {
      pc->broken = TRUE;
      lws_set_timeout (pc->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }

  release_out (pc);
}

static void
on_flush (uv_prepare_t *handle)
{
  ConfabWsTransport *self = handle->data;

  /* flush_out() removes each connection from the list; a hub that was waiting for
   * room may add it again, and it is flushed again before the loop polls. That ends:
   * each round either empties what the hub holds or fills the socket, and then lws
   * keeps the rest and the hub waits for a real WRITEABLE. */
  while (self->dirty->len > 0)
    {
      PerConnection *pc = g_ptr_array_index (self->dirty, self->dirty->len - 1);

      flush_out (pc);

      if (pc->want_writable && !lws_partial_buffered (pc->wsi))
        {
          pc->want_writable = FALSE;
          if (!pc->broken && !pc->abort && pc->close_code == 0 && pc->connection != NULL)
            confab_hub_connection_writable (self->hub, pc->connection);
        }
    }
}

/* the hub's view */

static gboolean
transport_write (gpointer    handle,
                 const char *data,
                 gsize       length)
{
  PerConnection *pc = handle;

  if (pc->broken || pc->abort || pc->close_sent)
    return FALSE;

  if (pc->out == NULL)
    pc->out = confab_ws_out_pool_take (&pc->transport->pool);
  confab_ws_out_buffer_append_text (pc->out, data, length);
  mark_dirty (pc);

  return TRUE;
}

static gboolean
transport_is_choked (gpointer handle)
{
  PerConnection *pc = handle;

  /* No syscall per frame: lws says whether it still holds bytes the socket did not
   * take (the socket is full), and we count what we gathered ourselves. */
  return pc->broken || pc->abort || pc->close_sent ||
         (pc->out != NULL && pc->out->length >= MAX_PENDING_BYTES) ||
         lws_partial_buffered (pc->wsi);
}

static void
transport_request_writable (gpointer handle)
{
  PerConnection *pc = handle;

  /* A full socket: lws calls back once it drains. Only our own buffer is full:
   * the flush makes room without asking epoll (two epoll_ctl under uv). */
  if (lws_partial_buffered (pc->wsi))
    {
      lws_callback_on_writable (pc->wsi);
      return;
    }

  pc->want_writable = TRUE;
  mark_dirty (pc);
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
      unmark_dirty (pc);
      release_out (pc);
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

  /* Whatever was gathered goes first (lws queues the close frame behind it). */
  flush_out (pc);

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
      /* What was gathered leaves before anything the hub adds now. */
      flush_out (pc);
      pc->want_writable = FALSE;
      if (pc->close_code == 0 && pc->connection != NULL)
        confab_hub_connection_writable (self->hub, pc->connection);
      if (pc->close_code != 0 && !pc->close_sent)
        {
          flush_out (pc);
          if (lws_partial_buffered (wsi))
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
      if (pc != NULL && pc->transport != NULL)
        {
          unmark_dirty (pc);
          release_out (pc);
        }
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
  self->dirty = g_ptr_array_new ();
  confab_ws_out_pool_init (&self->pool, POOL_MAX_KEPT, POOL_MAX_SIZE);

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
      g_ptr_array_unref (self->dirty);
      confab_ws_out_pool_clear (&self->pool);
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
      g_ptr_array_unref (self->dirty);
      confab_ws_out_pool_clear (&self->pool);
      g_free (self);
      return NULL;
    }
  self->port = (guint16) lws_get_vhost_listen_port (vhost);

  /* Flush right before the loop polls, after everything this iteration produced;
   * the handle alone does not keep the loop running. */
  uv_prepare_init (loop, &self->flush);
  self->flush.data = self;
  uv_prepare_start (&self->flush, on_flush);
  uv_unref ((uv_handle_t *) &self->flush);
  self->flush_started = TRUE;

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

  if (self->flush_started)
    {
      uv_prepare_stop (&self->flush);
      uv_close ((uv_handle_t *) &self->flush, NULL);
      self->flush_started = FALSE;
    }

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

  g_ptr_array_unref (self->dirty);
  confab_ws_out_pool_clear (&self->pool);
  g_free (self);
}
