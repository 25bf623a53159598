/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-client.h: a small epoll-driven WebSocket client that speaks just enough of the
 * Confab wire protocol (docs/PROTOCOL.md) to load a server: HTTP upgrade, masked client
 * frames, hello → welcome → register → result, then frames handed to the caller.
 *
 * One BenchLoop per process holds thousands of BenchConns on raw non-blocking sockets.
 * No GLib main loop, no libsoup: the load generator must cost far less than the server.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A slice of a frame's text; not nul-terminated. */
typedef struct {
  const char *p;
  gsize       len;
} BenchSpan;

/**
 * BenchMsg:
 *
 * The top-level members of one JSON frame that the benchmarks look at. String spans are
 * the raw contents between the quotes (escapes are not decoded); `data` is the raw JSON
 * text of the member. Integers are only set when the member is a JSON integer.
 */
typedef struct {
  BenchSpan type;
  BenchSpan code;
  BenchSpan message;
  BenchSpan text;
  BenchSpan uuid;
  BenchSpan data;
  gint64    re;
  gint64    seq;
  guint     has_re : 1;
  guint     has_seq : 1;
} BenchMsg;

gboolean bench_msg_parse      (const char      *text,
                               gsize            len,
                               BenchMsg        *msg);
gboolean bench_span_equal     (const BenchSpan *span,
                               const char      *str);
/* Parses the decimal integer that follows @key (e.g. "t=") in @span; FALSE if absent. */
gboolean bench_span_get_int   (const BenchSpan *span,
                               const char      *key,
                               gint64          *out);

typedef enum {
  BENCH_CONN_IDLE,
  BENCH_CONN_CONNECTING,
  BENCH_CONN_UPGRADING,
  BENCH_CONN_HELLO,
  BENCH_CONN_REGISTERING,
  BENCH_CONN_READY,
  BENCH_CONN_CLOSED,
  BENCH_CONN_FAILED,
} BenchConnState;

typedef struct _BenchLoop BenchLoop;
typedef struct _BenchConn BenchConn;

typedef void (*BenchReadyFunc)  (BenchConn      *conn,
                                 gpointer        user_data);
typedef void (*BenchFrameFunc)  (BenchConn      *conn,
                                 const BenchMsg *msg,
                                 gpointer        user_data);
/* The connection failed before it was ready, or closed after: see conn->state. */
typedef void (*BenchClosedFunc) (BenchConn      *conn,
                                 gpointer        user_data);
typedef void (*BenchFdFunc)     (int             fd,
                                 guint32         events,
                                 gpointer        user_data);

typedef struct {
  BenchReadyFunc  ready;
  BenchFrameFunc  frame;
  BenchClosedFunc closed;
} BenchCallbacks;

/**
 * BenchConn:
 *
 * One WebSocket connection. The caller owns the struct (usually in an array) and
 * initializes it with bench_conn_init(); the fields below the comment are the engine's.
 */
struct _BenchConn {
  guint8          kind;          /* must stay first: tells connections from watches */
  gpointer        user_data;
  guint           index;

  /* read-only for the caller */
  BenchConnState  state;
  char           *error;         /* why it failed or closed, when known */
  int             close_code;    /* WebSocket close code received, or 0 */

  /* engine-private */
  BenchLoop      *loop;
  int             fd;
  char           *user_id;
  char            key[25];       /* Sec-WebSocket-Key */
  guint8         *in;
  gsize           in_len;
  gsize           in_cap;
  guint8         *frag;
  gsize           frag_len;
  gsize           frag_cap;
  guint8         *out;
  gsize           out_off;
  gsize           out_len;
  gsize           out_cap;
  gint64          next_id;
  guint           dirty : 1;
  guint           want_out : 1;
};

BenchLoop *bench_loop_new        (const char           *server_addr,
                                  guint16               port,
                                  const char           *source_addr,
                                  const char           *api_key,
                                  const BenchCallbacks *callbacks,
                                  gpointer              user_data);
void       bench_loop_free       (BenchLoop            *loop);
void       bench_loop_watch_fd   (BenchLoop            *loop,
                                  int                   fd,
                                  BenchFdFunc           func,
                                  gpointer              user_data);
/* Waits at most @timeout_ms (-1: forever) for events, dispatches them, flushes what the
 * callbacks queued. Returns the number of events handled, or -1 on a fatal epoll error. */
int        bench_loop_iterate    (BenchLoop            *loop,
                                  int                   timeout_ms);
/* Writes out every connection's queued frames now. */
void       bench_loop_flush      (BenchLoop            *loop);

void       bench_conn_init       (BenchConn            *conn,
                                  guint                 index,
                                  gpointer              user_data);
/* Starts connecting and registering as guest @user_id; FALSE (and conn->state FAILED,
 * closed callback called) if the socket could not even be created. */
gboolean   bench_conn_start      (BenchLoop            *loop,
                                  BenchConn            *conn,
                                  const char           *user_id);
/* Queues one masked text frame; it is written when the loop flushes. */
void       bench_conn_send_text  (BenchConn            *conn,
                                  const char           *text,
                                  gsize                 len);
gint64     bench_conn_next_id    (BenchConn            *conn);
const char *bench_conn_get_user_id (BenchConn          *conn);
/* Sends a close frame (1000) if open, closes the socket, frees the buffers. No callback. */
void       bench_conn_close      (BenchConn            *conn);
void       bench_conn_clear      (BenchConn            *conn);

G_END_DECLS
