/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-replay-buffer.c: the numbered events of one session not yet acknowledged */

#define G_LOG_DOMAIN "confab-replay-buffer"

#include "config.h"

#include "confab-replay-buffer.h"

void
confab_replay_buffer_init (ConfabReplayBuffer *self,
                           guint               max_events,
                           gsize               max_bytes)
{
  *self = (ConfabReplayBuffer) { 0 };
  self->max_events = MAX (max_events, 1);
  self->max_bytes = max_bytes;
  self->first_seq = 1;
}

void
confab_replay_buffer_clear (ConfabReplayBuffer *self)
{
  for (guint i = 0; i < self->length; i++)
    confab_hub_event_unref (self->ring[(self->head + i) % self->capacity]);

  g_clear_pointer (&self->ring, g_free);
  self->first_seq += self->length;
  self->capacity = 0;
  self->head = 0;
  self->length = 0;
  self->bytes = 0;
}

gint64
confab_replay_buffer_last_seq (ConfabReplayBuffer *self)
{
  return self->first_seq + self->length - 1;
}

static ConfabHubEvent *
pop_head (ConfabReplayBuffer *self)
{
  ConfabHubEvent *event = self->ring[self->head];

  self->ring[self->head] = NULL;
  self->head = (self->head + 1) % self->capacity;
  self->length--;
  self->first_seq++;
  self->bytes -= event->body_len;

  return event;
}

static void
grow (ConfabReplayBuffer *self)
{
  guint new_capacity = self->capacity == 0 ? 8 : self->capacity * 2;
  ConfabHubEvent **ring = g_new0 (ConfabHubEvent *, new_capacity);

  for (guint i = 0; i < self->length; i++)
    ring[i] = self->ring[(self->head + i) % self->capacity];

  g_free (self->ring);
  self->ring = ring;
  self->capacity = new_capacity;
  self->head = 0;
}

gint64
confab_replay_buffer_push (ConfabReplayBuffer     *self,
                           ConfabHubEvent         *event,
                           ConfabReplayBufferFunc  dropped_func,
                           gpointer                user_data)
{
  gint64 seq;

  while (self->length > 0 &&
         (self->length >= self->max_events ||
          self->bytes + event->body_len > self->max_bytes))
    {
      gint64 dropped_seq = self->first_seq;
      ConfabHubEvent *dropped = pop_head (self);

      self->dropped_through = dropped_seq;
      if (dropped_func != NULL)
        dropped_func (dropped, dropped_seq, user_data);
      confab_hub_event_unref (dropped);
    }

  if (self->length == self->capacity)
    grow (self);

  seq = self->first_seq + self->length;
  self->ring[(self->head + self->length) % self->capacity] = confab_hub_event_ref (event);
  self->length++;
  self->bytes += event->body_len;

  return seq;
}

void
confab_replay_buffer_ack (ConfabReplayBuffer     *self,
                          gint64                  seq,
                          ConfabReplayBufferFunc  func,
                          gpointer                user_data)
{
  while (self->length > 0 && self->first_seq <= seq)
    {
      gint64 acked_seq = self->first_seq;
      ConfabHubEvent *event = pop_head (self);

      if (func != NULL)
        func (event, acked_seq, user_data);
      confab_hub_event_unref (event);
    }

  /* Give the memory back once a burst has been acknowledged. */
  if (self->length == 0 && self->capacity > 0)
    {
      g_clear_pointer (&self->ring, g_free);
      self->capacity = 0;
      self->head = 0;
    }
}

ConfabHubEvent *
confab_replay_buffer_lookup (ConfabReplayBuffer *self,
                             gint64              seq)
{
  if (seq < self->first_seq || seq >= self->first_seq + self->length)
    return NULL;

  return self->ring[(self->head + (guint) (seq - self->first_seq)) % self->capacity];
}

void
confab_replay_buffer_foreach (ConfabReplayBuffer     *self,
                              ConfabReplayBufferFunc  func,
                              gpointer                user_data)
{
  for (guint i = 0; i < self->length; i++)
    func (self->ring[(self->head + i) % self->capacity], self->first_seq + i, user_data);
}
