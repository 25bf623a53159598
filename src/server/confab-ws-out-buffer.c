/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ws-out-buffer.c: WebSocket frames gathered for one write, and a pool of them */

#define G_LOG_DOMAIN "confab-ws-out-buffer"

#include "config.h"

#include "confab-ws-out-buffer.h"

#include <string.h>

/* A fresh buffer's room: a few typical frames. */
#define INITIAL_SIZE 2048

ConfabWsOutBuffer *
confab_ws_out_buffer_new (void)
{
  ConfabWsOutBuffer *self = g_new0 (ConfabWsOutBuffer, 1);

  self->size = INITIAL_SIZE;
  self->data = g_malloc (self->size);

  return self;
}

void
confab_ws_out_buffer_free (ConfabWsOutBuffer *self)
{
  if (self == NULL)
    return;

  g_free (self->data);
  g_free (self);
}

gsize
confab_ws_frame_header (guint8 *header,
                        gsize   length)
{
  /* FIN + text opcode; a server never masks (RFC 6455 §5.1). */
  header[0] = 0x81;

  if (length < 126)
    {
      header[1] = (guint8) length;
      return 2;
    }

  if (length < 65536)
    {
      header[1] = 126;
      header[2] = (guint8) (length >> 8);
      header[3] = (guint8) (length & 0xff);
      return 4;
    }

  header[1] = 127;
  for (guint i = 0; i < 8; i++)
    header[2 + i] = (guint8) (((guint64) length >> (56 - 8 * i)) & 0xff);
  return 10;
}

void
confab_ws_out_buffer_append_text (ConfabWsOutBuffer *self,
                                  const char        *data,
                                  gsize              length)
{
  gsize needed = self->length + CONFAB_WS_MAX_HEADER_BYTES + length;

  if (needed > self->size)
    {
      gsize size = self->size;

      while (size < needed)
        size *= 2;
      self->data = g_realloc (self->data, size);
      self->size = size;
    }

  self->length += confab_ws_frame_header (self->data + self->length, length);
  memcpy (self->data + self->length, data, length);
  self->length += length;
}

void
confab_ws_out_pool_init (ConfabWsOutPool *pool,
                         guint            max_kept,
                         gsize            max_size_kept)
{
  pool->kept = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_ws_out_buffer_free);
  pool->max_kept = max_kept;
  pool->max_size_kept = max_size_kept;
}

void
confab_ws_out_pool_clear (ConfabWsOutPool *pool)
{
  g_clear_pointer (&pool->kept, g_ptr_array_unref);
}

ConfabWsOutBuffer *
confab_ws_out_pool_take (ConfabWsOutPool *pool)
{
  if (pool->kept->len > 0)
    return g_ptr_array_steal_index_fast (pool->kept, pool->kept->len - 1);

  return confab_ws_out_buffer_new ();
}

void
confab_ws_out_pool_give (ConfabWsOutPool   *pool,
                         ConfabWsOutBuffer *buffer)
{
  if (pool->kept->len >= pool->max_kept || buffer->size > pool->max_size_kept)
    {
      confab_ws_out_buffer_free (buffer);
      return;
    }

  buffer->length = 0;
  g_ptr_array_add (pool->kept, buffer);
}
