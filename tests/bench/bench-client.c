/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-client.c: the benchmarks' epoll WebSocket client (see bench-client.h) */

#define G_LOG_DOMAIN "confab-bench"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "config.h"

#include "bench-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define KIND_CONN  1
#define KIND_WATCH 2

#define SCRATCH_BYTES (256 * 1024)
#define MAX_EVENTS 256
#define MAX_FRAME_BYTES (16 * 1024 * 1024)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct {
  guint8       kind;
  int          fd;
  BenchFdFunc  func;
  gpointer     user_data;
} BenchWatch;

struct _BenchLoop {
  int                 epfd;
  struct sockaddr_in  server;
  struct sockaddr_in  source;
  gboolean            bind_source;
  char               *host_header;
  char               *api_key;
  BenchCallbacks      callbacks;
  gpointer            user_data;
  guint8             *scratch;
  GPtrArray          *dirty;
  GPtrArray          *watches;
  guint32             rng;
};

/* ---- JSON scanning ------------------------------------------------------------------ */

static const char *
skip_ws (const char *p,
         const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* @p points at the opening quote; returns the position after the closing one, or NULL. */
static const char *
skip_string (const char *p,
             const char *end)
{
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return NULL;
}

static const char *
skip_value (const char *p,
            const char *end)
{
  int depth = 0;

  if (p >= end)
    return NULL;

  if (*p == '"')
    return skip_string (p, end);

  if (*p != '{' && *p != '[')
    {
      const char *start = p;

      while (p < end && strchr (",}] \t\r\n", *p) == NULL)
        p++;
      return p > start ? p : NULL;
    }

  while (p < end)
    {
      if (*p == '"')
        {
          p = skip_string (p, end);
          if (p == NULL)
            return NULL;
          continue;
        }
      if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        {
          depth--;
          if (depth == 0)
            return p + 1;
        }
      p++;
    }
  return NULL;
}

static gboolean
parse_int (const char *p,
           gsize       len,
           gint64     *out)
{
  gboolean neg = FALSE;
  gint64 v = 0;
  gsize i = 0;

  if (len > 0 && p[0] == '-')
    {
      neg = TRUE;
      i = 1;
    }
  if (i >= len || len - i > 18)
    return FALSE;
  for (; i < len; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return FALSE;
      v = v * 10 + (p[i] - '0');
    }
  *out = neg ? -v : v;
  return TRUE;
}

static gboolean
key_is (const char *key,
        gsize       key_len,
        const char *name)
{
  return strlen (name) == key_len && memcmp (key, name, key_len) == 0;
}

gboolean
bench_msg_parse (const char *text,
                 gsize       len,
                 BenchMsg   *msg)
{
  const char *p = text;
  const char *end = text + len;

  memset (msg, 0, sizeof *msg);

  p = skip_ws (p, end);
  if (p >= end || *p != '{')
    return FALSE;
  p = skip_ws (p + 1, end);
  if (p < end && *p == '}')
    return TRUE;

  while (p < end)
    {
      const char *key, *key_end, *value, *value_end;
      gsize key_len;
      gboolean is_string;

      if (*p != '"')
        return FALSE;
      key = p + 1;
      key_end = skip_string (p, end);
      if (key_end == NULL)
        return FALSE;
      key_len = (gsize) (key_end - 1 - key);

      p = skip_ws (key_end, end);
      if (p >= end || *p != ':')
        return FALSE;
      value = skip_ws (p + 1, end);
      value_end = skip_value (value, end);
      if (value_end == NULL)
        return FALSE;
      is_string = *value == '"';

      if (is_string)
        {
          BenchSpan span = { value + 1, (gsize) (value_end - value - 2) };

          if (key_is (key, key_len, "type"))
            msg->type = span;
          else if (key_is (key, key_len, "code"))
            msg->code = span;
          else if (key_is (key, key_len, "message"))
            msg->message = span;
          else if (key_is (key, key_len, "text"))
            msg->text = span;
          else if (key_is (key, key_len, "uuid"))
            msg->uuid = span;
        }
      else if (key_is (key, key_len, "re"))
        msg->has_re = parse_int (value, (gsize) (value_end - value), &msg->re);
      else if (key_is (key, key_len, "seq"))
        msg->has_seq = parse_int (value, (gsize) (value_end - value), &msg->seq);

      if (key_is (key, key_len, "data"))
        {
          msg->data.p = value;
          msg->data.len = (gsize) (value_end - value);
        }

      p = skip_ws (value_end, end);
      if (p >= end)
        return FALSE;
      if (*p == '}')
        return skip_ws (p + 1, end) == end;
      if (*p != ',')
        return FALSE;
      p = skip_ws (p + 1, end);
    }

  return FALSE;
}

gboolean
bench_span_equal (const BenchSpan *span,
                  const char      *str)
{
  return span->p != NULL && strlen (str) == span->len && memcmp (span->p, str, span->len) == 0;
}

gboolean
bench_span_get_int (const BenchSpan *span,
                    const char      *key,
                    gint64          *out)
{
  gsize key_len = strlen (key);
  gsize i;

  if (span->p == NULL)
    return FALSE;

  for (i = 0; i + key_len <= span->len; i++)
    {
      if ((i == 0 || span->p[i - 1] == ' ') && memcmp (span->p + i, key, key_len) == 0)
        {
          gsize start = i + key_len;
          gsize stop = start;

          while (stop < span->len && span->p[stop] >= '0' && span->p[stop] <= '9')
            stop++;
          return parse_int (span->p + start, stop - start, out);
        }
    }
  return FALSE;
}

/* ---- helpers ------------------------------------------------------------------------ */

static guint32
loop_random (BenchLoop *loop)
{
  /* xorshift32: masks only need to be unpredictable to a cache, not cryptographic */
  guint32 x = loop->rng;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  loop->rng = x;
  return x;
}

static void
buffer_reserve (guint8 **buf,
                gsize   *cap,
                gsize    need)
{
  gsize new_cap;

  if (need <= *cap)
    return;
  new_cap = MAX (*cap * 2, 256);
  while (new_cap < need)
    new_cap *= 2;
  *buf = g_realloc (*buf, new_cap);
  *cap = new_cap;
}

static void
conn_set_error (BenchConn  *conn,
                const char *format,
                ...) G_GNUC_PRINTF (2, 3);

static void
conn_set_error (BenchConn  *conn,
                const char *format,
                ...)
{
  va_list args;

  if (conn->error != NULL)
    return;
  va_start (args, format);
  conn->error = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
conn_release (BenchConn *conn)
{
  if (conn->fd >= 0)
    {
      epoll_ctl (conn->loop->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
      close (conn->fd);
      conn->fd = -1;
    }
  g_clear_pointer (&conn->in, g_free);
  g_clear_pointer (&conn->frag, g_free);
  g_clear_pointer (&conn->out, g_free);
  conn->in_len = conn->in_cap = 0;
  conn->frag_len = conn->frag_cap = 0;
  conn->out_off = conn->out_len = conn->out_cap = 0;
}

/* The connection ended, for a reason already in conn->error / close_code. */
static void
conn_end (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;

  if (conn->state == BENCH_CONN_CLOSED || conn->state == BENCH_CONN_FAILED)
    return;
  conn->state = conn->state == BENCH_CONN_READY ? BENCH_CONN_CLOSED : BENCH_CONN_FAILED;
  conn_release (conn);
  if (loop->callbacks.closed != NULL)
    loop->callbacks.closed (conn, loop->user_data);
}

static void
conn_update_events (BenchConn *conn,
                    gboolean   want_out)
{
  struct epoll_event ev = { 0 };

  if (conn->fd < 0 || conn->want_out == (want_out ? 1 : 0))
    return;
  conn->want_out = want_out;
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
  ev.data.ptr = conn;
  epoll_ctl (conn->loop->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
}

static void
conn_mark_dirty (BenchConn *conn)
{
  if (!conn->dirty)
    {
      conn->dirty = TRUE;
      g_ptr_array_add (conn->loop->dirty, conn);
    }
}

static void
conn_queue_raw (BenchConn  *conn,
                const void *data,
                gsize       len)
{
  buffer_reserve (&conn->out, &conn->out_cap, conn->out_len + len);
  memcpy (conn->out + conn->out_len, data, len);
  conn->out_len += len;
  conn_mark_dirty (conn);
}

static void
conn_queue_frame (BenchConn  *conn,
                  guint8      opcode,
                  const void *payload,
                  gsize       len)
{
  const guint8 *src = payload;
  guint8 *dst;
  guint8 mask[4];
  guint32 m = loop_random (conn->loop);
  gsize header = 2 + 4 + (len < 126 ? 0 : len <= 0xffff ? 2 : 8);
  gsize i;

  if (conn->fd < 0)
    return;

  buffer_reserve (&conn->out, &conn->out_cap, conn->out_len + header + len);
  dst = conn->out + conn->out_len;
  *dst++ = 0x80 | opcode;
  if (len < 126)
    *dst++ = 0x80 | (guint8) len;
  else if (len <= 0xffff)
    {
      *dst++ = 0x80 | 126;
      *dst++ = (guint8) (len >> 8);
      *dst++ = (guint8) len;
    }
  else
    {
      *dst++ = 0x80 | 127;
      for (i = 0; i < 8; i++)
        *dst++ = (guint8) ((guint64) len >> (56 - 8 * i));
    }
  memcpy (mask, &m, 4);
  memcpy (dst, mask, 4);
  dst += 4;
  for (i = 0; i < len; i++)
    dst[i] = src[i] ^ mask[i & 3];
  conn->out_len += header + len;
  conn_mark_dirty (conn);
}

static void
conn_flush (BenchConn *conn)
{
  conn->dirty = FALSE;
  if (conn->fd < 0 || conn->state == BENCH_CONN_CONNECTING)
    return;

  while (conn->out_off < conn->out_len)
    {
      ssize_t n = send (conn->fd, conn->out + conn->out_off, conn->out_len - conn->out_off,
                        MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              conn_update_events (conn, TRUE);
              return;
            }
          conn_set_error (conn, "send: %s", g_strerror (errno));
          conn_end (conn);
          return;
        }
      conn->out_off += (gsize) n;
    }

  conn->out_off = conn->out_len = 0;
  if (conn->out_cap > 64 * 1024)
    {
      g_clear_pointer (&conn->out, g_free);
      conn->out_cap = 0;
    }
  conn_update_events (conn, FALSE);
}

/* ---- protocol ----------------------------------------------------------------------- */

static void
conn_send_hello (BenchConn *conn)
{
  static const char hello[] = "{\"type\":\"hello\",\"versions\":[1],\"client\":\"confab-bench\"}";

  conn->state = BENCH_CONN_HELLO;
  conn_queue_frame (conn, 0x1, hello, sizeof hello - 1);
}

static void
conn_send_register (BenchConn *conn)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"register\",\"id\":1,\"uri\":\"apiKey:%s\","
                                           "\"userId\":\"%s\"}",
                                           conn->loop->api_key, conn->user_id);

  conn->state = BENCH_CONN_REGISTERING;
  conn_queue_frame (conn, 0x1, text, strlen (text));
}

static void
conn_handle_text (BenchConn  *conn,
                  const char *text,
                  gsize       len)
{
  BenchLoop *loop = conn->loop;
  BenchMsg msg;

  if (!bench_msg_parse (text, len, &msg))
    {
      conn_set_error (conn, "unparsable frame from server: %.*s", (int) MIN (len, 200), text);
      conn_end (conn);
      return;
    }

  switch (conn->state)
    {
    case BENCH_CONN_HELLO:
      if (!bench_span_equal (&msg.type, "welcome"))
        {
          conn_set_error (conn, "expected welcome, got: %.*s", (int) MIN (len, 200), text);
          conn_end (conn);
          return;
        }
      conn_send_register (conn);
      break;

    case BENCH_CONN_REGISTERING:
      if (bench_span_equal (&msg.type, "result") && msg.has_re && msg.re == 1)
        {
          conn->state = BENCH_CONN_READY;
          if (loop->callbacks.ready != NULL)
            loop->callbacks.ready (conn, loop->user_data);
        }
      else
        {
          conn_set_error (conn, "register refused: %.*s", (int) MIN (len, 200), text);
          conn_end (conn);
        }
      break;

    case BENCH_CONN_READY:
      if (loop->callbacks.frame != NULL)
        loop->callbacks.frame (conn, &msg, loop->user_data);
      break;

    case BENCH_CONN_IDLE:
    case BENCH_CONN_CONNECTING:
    case BENCH_CONN_UPGRADING:
    case BENCH_CONN_CLOSED:
    case BENCH_CONN_FAILED:
    default:
      break;
    }
}

/* Handles the HTTP 101 answer; returns how many bytes it used, 0 if incomplete, -1 on error. */
static gssize
conn_handle_upgrade (BenchConn    *conn,
                     const guint8 *data,
                     gsize         len)
{
  const char *text = (const char *) data;
  const char *header_end = g_strstr_len (text, (gssize) len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GChecksum) sha1 = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  if (header_end == NULL)
    {
      if (len > 8192)
        {
          conn_set_error (conn, "HTTP upgrade answer too long");
          return -1;
        }
      return 0;
    }

  head = g_ascii_strdown (text, header_end - text);
  if (!g_str_has_prefix (head, "http/1.1 101"))
    {
      conn_set_error (conn, "upgrade refused: %.*s", (int) MIN ((gsize) (header_end - text), 120), text);
      return -1;
    }

  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) conn->key, strlen (conn->key));
  g_checksum_update (sha1, (const guchar *) WS_GUID, strlen (WS_GUID));
  g_checksum_get_digest (sha1, digest, &digest_len);
  expected = g_base64_encode (digest, digest_len);
  {
    /* header names are case-insensitive, the value is not: find the name in the lowered
     * copy, compare the value in the original */
    const char *found = strstr (head, "\r\nsec-websocket-accept:");

    if (found == NULL)
      {
        conn_set_error (conn, "upgrade answer has no Sec-WebSocket-Accept");
        return -1;
      }
    found = text + (found - head) + strlen ("\r\nsec-websocket-accept:");
    while (*found == ' ')
      found++;
    if (strncmp (found, expected, strlen (expected)) != 0)
      {
        conn_set_error (conn, "wrong Sec-WebSocket-Accept");
        return -1;
      }
  }

  conn_send_hello (conn);
  return (header_end - text) + 4;
}

/* Parses as many whole frames as @data holds; returns how many bytes it used, -1 if the
 * connection ended. */
static gssize
conn_handle_frames (BenchConn    *conn,
                    const guint8 *data,
                    gsize         len)
{
  gsize pos = 0;

  while (conn->fd >= 0 && len - pos >= 2)
    {
      const guint8 *h = data + pos;
      gboolean fin = (h[0] & 0x80) != 0;
      guint8 opcode = h[0] & 0x0f;
      gboolean masked = (h[1] & 0x80) != 0;
      guint64 plen = h[1] & 0x7f;
      gsize hlen = 2;
      guint8 mask[4] = { 0 };
      guint8 *payload;
      gsize i;

      if (plen == 126)
        {
          if (len - pos < 4)
            break;
          plen = ((guint64) h[2] << 8) | h[3];
          hlen = 4;
        }
      else if (plen == 127)
        {
          if (len - pos < 10)
            break;
          plen = 0;
          for (i = 0; i < 8; i++)
            plen = (plen << 8) | h[2 + i];
          hlen = 10;
        }
      if (plen > MAX_FRAME_BYTES)
        {
          conn_set_error (conn, "frame of %" G_GUINT64_FORMAT " bytes", plen);
          conn_end (conn);
          return -1;
        }
      if (masked)
        {
          if (len - pos < hlen + 4)
            break;
          memcpy (mask, h + hlen, 4);
          hlen += 4;
        }
      if (len - pos < hlen + plen)
        break;

      /* the input buffers are ours: unmask in place */
      payload = (guint8 *) h + hlen;
      if (masked)
        for (i = 0; i < plen; i++)
          payload[i] ^= mask[i & 3];
      pos += hlen + plen;

      switch (opcode)
        {
        case 0x0: /* continuation */
        case 0x1: /* text */
          if (opcode == 0x1 && conn->frag_len > 0)
            {
              conn_set_error (conn, "new text frame inside a fragmented message");
              conn_end (conn);
              return -1;
            }
          if (fin && conn->frag_len == 0)
            conn_handle_text (conn, (const char *) payload, plen);
          else
            {
              buffer_reserve (&conn->frag, &conn->frag_cap, conn->frag_len + plen);
              memcpy (conn->frag + conn->frag_len, payload, plen);
              conn->frag_len += plen;
              if (fin)
                {
                  g_autofree guint8 *whole = g_steal_pointer (&conn->frag);
                  gsize whole_len = conn->frag_len;

                  conn->frag_len = conn->frag_cap = 0;
                  conn_handle_text (conn, (const char *) whole, whole_len);
                }
            }
          break;

        case 0x2:
          conn_set_error (conn, "binary frame from server");
          conn_end (conn);
          return -1;

        case 0x8: /* close */
          conn->close_code = plen >= 2 ? (payload[0] << 8 | payload[1]) : 1005;
          conn_set_error (conn, "closed by server with %d %.*s", conn->close_code,
                          (int) (plen > 2 ? MIN (plen - 2, 120) : 0), (const char *) payload + 2);
          if (plen >= 2)
            conn_queue_frame (conn, 0x8, payload, 2);
          else
            conn_queue_frame (conn, 0x8, NULL, 0);
          conn_flush (conn);
          conn_end (conn);
          return -1;

        case 0x9: /* ping */
          conn_queue_frame (conn, 0xa, payload, plen);
          break;

        case 0xa: /* pong */
          break;

        default:
          conn_set_error (conn, "unknown opcode %u", opcode);
          conn_end (conn);
          return -1;
        }
    }

  return conn->fd >= 0 ? (gssize) pos : -1;
}

static gssize
conn_process (BenchConn *conn,
              guint8    *data,
              gsize      len)
{
  gsize used = 0;
  gssize n;

  if (conn->state == BENCH_CONN_UPGRADING)
    {
      n = conn_handle_upgrade (conn, data, len);
      if (n < 0)
        {
          conn_end (conn);
          return -1;
        }
      if (n == 0)
        return 0;
      used = (gsize) n;
    }

  n = conn_handle_frames (conn, data + used, len - used);
  if (n < 0)
    return -1;
  return (gssize) (used + (gsize) n);
}

static void
conn_on_readable (BenchConn *conn)
{
  BenchLoop *loop = conn->loop;
  ssize_t n = recv (conn->fd, loop->scratch, SCRATCH_BYTES, MSG_DONTWAIT);
  gssize used;

  if (n < 0)
    {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      conn_set_error (conn, "recv: %s", g_strerror (errno));
      conn_end (conn);
      return;
    }
  if (n == 0)
    {
      conn_set_error (conn, "connection closed by server without a close frame");
      conn_end (conn);
      return;
    }

  if (conn->in_len == 0)
    {
      used = conn_process (conn, loop->scratch, (gsize) n);
      if (used < 0)
        return;
      if ((gsize) used < (gsize) n)
        {
          buffer_reserve (&conn->in, &conn->in_cap, (gsize) n - (gsize) used);
          memcpy (conn->in, loop->scratch + used, (gsize) n - (gsize) used);
          conn->in_len = (gsize) n - (gsize) used;
        }
    }
  else
    {
      buffer_reserve (&conn->in, &conn->in_cap, conn->in_len + (gsize) n);
      memcpy (conn->in + conn->in_len, loop->scratch, (gsize) n);
      conn->in_len += (gsize) n;
      used = conn_process (conn, conn->in, conn->in_len);
      if (used < 0)
        return;
      memmove (conn->in, conn->in + used, conn->in_len - (gsize) used);
      conn->in_len -= (gsize) used;
      if (conn->in_len == 0 && conn->in_cap > 64 * 1024)
        {
          g_clear_pointer (&conn->in, g_free);
          conn->in_cap = 0;
        }
    }
}

static void
conn_on_connected (BenchConn *conn)
{
  int err = 0;
  socklen_t err_len = sizeof err;
  g_autofree char *request = NULL;
  guint8 nonce[16];
  g_autofree char *key = NULL;
  guint i;

  if (getsockopt (conn->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
    err = errno;
  if (err != 0)
    {
      conn_set_error (conn, "connect: %s", g_strerror (err));
      conn_end (conn);
      return;
    }

  for (i = 0; i < sizeof nonce; i += 4)
    {
      guint32 r = loop_random (conn->loop);

      memcpy (nonce + i, &r, 4);
    }
  key = g_base64_encode (nonce, sizeof nonce);
  g_strlcpy (conn->key, key, sizeof conn->key);

  request = g_strdup_printf ("GET /ws HTTP/1.1\r\n"
                             "Host: %s\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n",
                             conn->loop->host_header, conn->key);
  conn->state = BENCH_CONN_UPGRADING;
  conn_queue_raw (conn, request, strlen (request));
  conn_flush (conn);
}

static void
conn_dispatch (BenchConn *conn,
               guint32    events)
{
  if (conn->fd < 0)
    return;

  if (conn->state == BENCH_CONN_CONNECTING)
    {
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        conn_on_connected (conn);
      return;
    }

  if (events & EPOLLOUT)
    conn_flush (conn);
  if (conn->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
    conn_on_readable (conn);
}

/* ---- public ------------------------------------------------------------------------- */

BenchLoop *
bench_loop_new (const char           *server_addr,
                guint16               port,
                const char           *source_addr,
                const char           *api_key,
                const BenchCallbacks *callbacks,
                gpointer              user_data)
{
  BenchLoop *loop = g_new0 (BenchLoop, 1);

  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));

  loop->server.sin_family = AF_INET;
  loop->server.sin_port = htons (port);
  if (inet_pton (AF_INET, server_addr, &loop->server.sin_addr) != 1)
    g_error ("bad server address %s", server_addr);

  if (source_addr != NULL)
    {
      loop->bind_source = TRUE;
      loop->source.sin_family = AF_INET;
      if (inet_pton (AF_INET, source_addr, &loop->source.sin_addr) != 1)
        g_error ("bad source address %s", source_addr);
    }

  loop->host_header = g_strdup_printf ("%s:%u", server_addr, port);
  loop->api_key = g_strdup (api_key);
  if (callbacks != NULL)
    loop->callbacks = *callbacks;
  loop->user_data = user_data;
  loop->scratch = g_malloc (SCRATCH_BYTES);
  loop->dirty = g_ptr_array_new ();
  loop->watches = g_ptr_array_new_with_free_func (g_free);
  loop->rng = g_random_int () | 1;

  return loop;
}

void
bench_loop_free (BenchLoop *loop)
{
  if (loop == NULL)
    return;
  close (loop->epfd);
  g_free (loop->host_header);
  g_free (loop->api_key);
  g_free (loop->scratch);
  g_ptr_array_unref (loop->dirty);
  g_ptr_array_unref (loop->watches);
  g_free (loop);
}

void
bench_loop_watch_fd (BenchLoop   *loop,
                     int          fd,
                     BenchFdFunc  func,
                     gpointer     user_data)
{
  BenchWatch *watch = g_new0 (BenchWatch, 1);
  struct epoll_event ev = { 0 };

  watch->kind = KIND_WATCH;
  watch->fd = fd;
  watch->func = func;
  watch->user_data = user_data;
  g_ptr_array_add (loop->watches, watch);

  ev.events = EPOLLIN;
  ev.data.ptr = watch;
  if (epoll_ctl (loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));
}

void
bench_loop_flush (BenchLoop *loop)
{
  guint i;

  /* a flush may end a connection, whose callback may queue more: index, don't iterate */
  for (i = 0; i < loop->dirty->len; i++)
    conn_flush (g_ptr_array_index (loop->dirty, i));
  g_ptr_array_set_size (loop->dirty, 0);
}

int
bench_loop_iterate (BenchLoop *loop,
                    int        timeout_ms)
{
  struct epoll_event events[MAX_EVENTS];
  int n, i;

  bench_loop_flush (loop);

  n = epoll_wait (loop->epfd, events, MAX_EVENTS, timeout_ms);
  if (n < 0)
    return errno == EINTR ? 0 : -1;

  for (i = 0; i < n; i++)
    {
      guint8 kind = *(guint8 *) events[i].data.ptr;

      if (kind == KIND_WATCH)
        {
          BenchWatch *watch = events[i].data.ptr;

          watch->func (watch->fd, events[i].events, watch->user_data);
        }
      else
        conn_dispatch (events[i].data.ptr, events[i].events);
    }

  bench_loop_flush (loop);
  return n;
}

void
bench_conn_init (BenchConn *conn,
                 guint      index,
                 gpointer   user_data)
{
  memset (conn, 0, sizeof *conn);
  conn->kind = KIND_CONN;
  conn->index = index;
  conn->user_data = user_data;
  conn->fd = -1;
  conn->state = BENCH_CONN_IDLE;
  conn->next_id = 2;
}

gboolean
bench_conn_start (BenchLoop  *loop,
                  BenchConn  *conn,
                  const char *user_id)
{
  struct epoll_event ev = { 0 };
  int one = 1;
  int fd;

  g_return_val_if_fail (conn->state == BENCH_CONN_IDLE, FALSE);

  conn->loop = loop;
  conn->user_id = g_strdup (user_id);
  conn->state = BENCH_CONN_CONNECTING;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      conn_set_error (conn, "socket: %s", g_strerror (errno));
      goto fail;
    }
  conn->fd = fd;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  if (loop->bind_source)
    {
#ifdef IP_BIND_ADDRESS_NO_PORT
      /* let connect() pick the port for the whole 4-tuple */
      setsockopt (fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
      if (bind (fd, (struct sockaddr *) &loop->source, sizeof loop->source) < 0)
        {
          conn_set_error (conn, "bind: %s", g_strerror (errno));
          goto fail;
        }
    }

  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = conn;
  conn->want_out = TRUE;
  if (epoll_ctl (loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    {
      conn_set_error (conn, "epoll_ctl: %s", g_strerror (errno));
      close (fd);
      conn->fd = -1;
      goto fail;
    }

  if (connect (fd, (struct sockaddr *) &loop->server, sizeof loop->server) < 0 &&
      errno != EINPROGRESS)
    {
      conn_set_error (conn, "connect: %s", g_strerror (errno));
      goto fail;
    }

  return TRUE;

fail:
  conn_end (conn);
  return FALSE;
}

void
bench_conn_send_text (BenchConn  *conn,
                      const char *text,
                      gsize       len)
{
  conn_queue_frame (conn, 0x1, text, len);
}

gint64
bench_conn_next_id (BenchConn *conn)
{
  return conn->next_id++;
}

const char *
bench_conn_get_user_id (BenchConn *conn)
{
  return conn->user_id;
}

void
bench_conn_close (BenchConn *conn)
{
  static const guint8 normal[2] = { 0x03, 0xe8 };

  if (conn->fd >= 0 && conn->state >= BENCH_CONN_HELLO)
    {
      conn_queue_frame (conn, 0x8, normal, sizeof normal);
      conn_flush (conn);
    }
  if (conn->loop != NULL)
    conn_release (conn);
  if (conn->state != BENCH_CONN_FAILED)
    conn->state = BENCH_CONN_CLOSED;
}

void
bench_conn_clear (BenchConn *conn)
{
  bench_conn_close (conn);
  g_clear_pointer (&conn->user_id, g_free);
  g_clear_pointer (&conn->error, g_free);
}
