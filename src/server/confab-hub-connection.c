/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-connection.c: the hub's side of one WebSocket connection */

#define G_LOG_DOMAIN "confab-hub-connection"

#include "config.h"

#include "confab-hub-connection.h"

/* Scratch for formatting events; the loop thread is the only user. */
static GString *scratch;

ConfabHubConnection *
confab_hub_connection_new (gpointer                  handle,
                           const ConfabHubTransport *transport)
{
  ConfabHubConnection *self = g_new0 (ConfabHubConnection, 1);

  self->ref_count = 1;
  self->handle = handle;
  self->transport = transport;
  self->state = CONFAB_CONNECTION_NEW;
  self->next_event_seq = 1;
  self->activity_link.data = self;
  self->handshake_link.data = self;
  g_queue_init (&self->out);

  return self;
}

ConfabHubConnection *
confab_hub_connection_ref (ConfabHubConnection *self)
{
  self->ref_count++;
  return self;
}

void
confab_hub_connection_unref (ConfabHubConnection *self)
{
  if (--self->ref_count > 0)
    return;

  g_assert (self->session == NULL);
  g_queue_clear_full (&self->out, (GDestroyNotify) g_bytes_unref);
  g_free (self);
}

gboolean
confab_hub_connection_is_open (ConfabHubConnection *self)
{
  return self->handle != NULL && self->close_code == 0;
}

static gboolean
has_unwritten_events (ConfabHubConnection *self)
{
  return self->session != NULL &&
         self->session->connection == self &&
         self->next_event_seq <= confab_replay_buffer_last_seq (&self->session->replay);
}

static void
finish_close (ConfabHubConnection *self)
{
  if (self->handle != NULL && self->close_code != 0 &&
      self->out.length == 0 && !has_unwritten_events (self))
    self->transport->close (self->handle, self->close_code, self->close_reason);
}

void
confab_hub_connection_flush (ConfabHubConnection *self)
{
  if (self->handle == NULL)
    return;

  while (self->out.length > 0 || has_unwritten_events (self))
    {
      if (self->transport->is_choked (self->handle))
        {
          self->transport->request_writable (self->handle);
          return;
        }

      if (self->out.length > 0)
        {
          g_autoptr(GBytes) bytes = g_queue_pop_head (&self->out);
          gsize length;
          const char *data = g_bytes_get_data (bytes, &length);

          self->out_bytes -= length;
          if (!self->transport->write (self->handle, data, length))
            return;
        }
      else
        {
          ConfabReplayBuffer *replay = &self->session->replay;
          ConfabHubEvent *event = confab_replay_buffer_lookup (replay, self->next_event_seq);

          if (event == NULL)
            {
              /* Dropped before it could be written: this reader is too slow. */
              self->next_event_seq = confab_replay_buffer_last_seq (replay) + 1;
              g_queue_clear_full (&self->out, (GDestroyNotify) g_bytes_unref);
              self->out_bytes = 0;
              confab_hub_connection_close (self, 1008, "reading too slowly");
              return;
            }

          if (scratch == NULL)
            scratch = g_string_sized_new (4096);
          g_string_truncate (scratch, 0);
          confab_hub_event_format (event, self->next_event_seq, scratch);
          self->next_event_seq++;
          if (!self->transport->write (self->handle, scratch->str, scratch->len))
            return;
        }
    }

  finish_close (self);
}

void
confab_hub_connection_send (ConfabHubConnection *self,
                            const char          *data,
                            gsize                length)
{
  if (self->handle == NULL)
    return;

  if (self->out.length == 0 && !has_unwritten_events (self) &&
      !self->transport->is_choked (self->handle))
    {
      self->transport->write (self->handle, data, length);
      return;
    }

  if (self->out_bytes + length > CONFAB_HUB_CONNECTION_MAX_QUEUED_BYTES)
    {
      if (self->close_code == 0)
        {
          g_queue_clear_full (&self->out, (GDestroyNotify) g_bytes_unref);
          self->out_bytes = 0;
          confab_hub_connection_close (self, 1008, "reading too slowly");
        }
      return;
    }

  g_queue_push_tail (&self->out, g_bytes_new (data, length));
  self->out_bytes += length;
  self->transport->request_writable (self->handle);
}

void
confab_hub_connection_close (ConfabHubConnection *self,
                             guint16              code,
                             const char          *reason)
{
  if (self->close_code != 0)
    return;

  self->close_code = code;
  self->close_reason = reason;
  if (self->state != CONFAB_CONNECTION_CLOSING)
    self->state = CONFAB_CONNECTION_CLOSING;

  if (self->handle == NULL)
    return;

  if (self->out.length == 0 && !has_unwritten_events (self))
    finish_close (self);
  else
    self->transport->request_writable (self->handle);
}
