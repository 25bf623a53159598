/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ws-out-buffer.h: WebSocket frames gathered for one write, and a pool of them */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabWsOutBuffer:
 * @data: the framed bytes, ready for the socket
 * @length: how many bytes @data holds
 * @size: how many it has room for
 *
 * Server-to-client WebSocket frames (unmasked, final, text) appended one after the
 * other, so that everything a connection is sent in one loop iteration leaves in one
 * write. Plain data, loop thread only.
 */
typedef struct {
  guint8 *data;
  gsize   length;
  gsize   size;
} ConfabWsOutBuffer;

/* Largest header of a server frame: 2 bytes, 2 more for lengths of 126 to 65535,
 * 8 more beyond. */
#define CONFAB_WS_MAX_HEADER_BYTES 10

ConfabWsOutBuffer *confab_ws_out_buffer_new         (void);
void               confab_ws_out_buffer_free        (ConfabWsOutBuffer  *self);
/* Appends one text frame carrying @data. */
void               confab_ws_out_buffer_append_text (ConfabWsOutBuffer  *self,
                                                     const char         *data,
                                                     gsize               length);
/* Writes the header of an unmasked final text frame of @length bytes into @header
 * (CONFAB_WS_MAX_HEADER_BYTES of room); returns its length. */
gsize              confab_ws_frame_header           (guint8             *header,
                                                     gsize               length);

/**
 * ConfabWsOutPool:
 *
 * Empty buffers kept for reuse, so a busy connection does not allocate one per loop
 * iteration while an idle one holds none. At most @max_kept buffers are kept, each no
 * larger than @max_size_kept; larger or extra ones are freed.
 */
typedef struct {
  GPtrArray *kept;
  guint      max_kept;
  gsize      max_size_kept;
} ConfabWsOutPool;

void               confab_ws_out_pool_init          (ConfabWsOutPool    *pool,
                                                     guint               max_kept,
                                                     gsize               max_size_kept);
void               confab_ws_out_pool_clear         (ConfabWsOutPool    *pool);
/* An empty buffer, from the pool when it has one. (transfer full) */
ConfabWsOutBuffer *confab_ws_out_pool_take          (ConfabWsOutPool    *pool);
/* Gives @buffer back (emptied), or frees it. (transfer full) */
void               confab_ws_out_pool_give          (ConfabWsOutPool    *pool,
                                                     ConfabWsOutBuffer  *buffer);

G_END_DECLS
