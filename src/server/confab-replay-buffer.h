/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-replay-buffer.h: the numbered events of one session not yet acknowledged */

#pragma once

#include <glib.h>

#include "confab-hub-event.h"

G_BEGIN_DECLS

#define CONFAB_REPLAY_BUFFER_MAX_EVENTS 4096
#define CONFAB_REPLAY_BUFFER_MAX_BYTES  (1024 * 1024)

/**
 * ConfabReplayBuffer:
 *
 * A ring of the events a session was sent (or will be sent) and the client has not
 * acknowledged, numbered contiguously: the event at position i has seq `first_seq + i`.
 * It stores nothing until the first event (an idle session costs only this struct).
 * When it holds more than its event or byte cap, the oldest events are dropped and
 * `dropped_through` records the highest seq that can no longer be replayed.
 */
typedef struct {
  ConfabHubEvent **ring;
  guint            capacity;
  guint            head;
  guint            length;
  guint            max_events;
  gsize            max_bytes;
  gsize            bytes;
  gint64           first_seq;       /* seq of ring[head] (or next seq when empty) */
  gint64           dropped_through; /* highest seq dropped without acknowledgement */
} ConfabReplayBuffer;

typedef void (*ConfabReplayBufferFunc) (ConfabHubEvent *event,
                                        gint64          seq,
                                        gpointer        user_data);

void             confab_replay_buffer_init     (ConfabReplayBuffer     *self,
                                                guint                   max_events,
                                                gsize                   max_bytes);
void             confab_replay_buffer_clear    (ConfabReplayBuffer     *self);
/* The seq of the last event pushed (0 when none ever). */
gint64           confab_replay_buffer_last_seq (ConfabReplayBuffer     *self);
/* Numbers @event with the next seq, keeps a reference, returns the seq. Events dropped
 * to stay within the caps are passed to @dropped_func first (may be %NULL). */
gint64           confab_replay_buffer_push     (ConfabReplayBuffer     *self,
                                                ConfabHubEvent         *event,
                                                ConfabReplayBufferFunc  dropped_func,
                                                gpointer                user_data);
/* Forgets every event with seq ≤ @seq, passing each to @func first (may be %NULL). */
void             confab_replay_buffer_ack      (ConfabReplayBuffer     *self,
                                                gint64                  seq,
                                                ConfabReplayBufferFunc  func,
                                                gpointer                user_data);
/* The event numbered @seq, or %NULL when it is not held. (transfer none) */
ConfabHubEvent  *confab_replay_buffer_lookup   (ConfabReplayBuffer     *self,
                                                gint64                  seq);
/* Calls @func on every event held, oldest first. */
void             confab_replay_buffer_foreach  (ConfabReplayBuffer     *self,
                                                ConfabReplayBufferFunc  func,
                                                gpointer                user_data);

G_END_DECLS
