/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-rate-limiter.h: per-connection frame rate and misbehaviour accounting */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_RATE_LIMITER_VIOLATION_WINDOW_MS 10000

/**
 * ConfabRateLimiter:
 *
 * A token bucket (`rate` tokens a second, at most `burst` saved up) plus a count of the
 * errors a connection caused within the last 10 s (a fixed window). Embedded by value
 * in each connection: 24 bytes, no allocation, no timer. Times are milliseconds on
 * any monotonic clock, passed in so tests control them.
 */
typedef struct {
  gint64 last_refill_ms;
  gint64 window_start_ms;
  guint  tokens_milli;    /* tokens × 1000 */
  guint  violations;
} ConfabRateLimiter;

void     confab_rate_limiter_init      (ConfabRateLimiter *self,
                                        guint              burst,
                                        gint64             now_ms);
/* Takes one token; FALSE when the bucket is empty (the frame must be refused). */
gboolean confab_rate_limiter_take      (ConfabRateLimiter *self,
                                        guint              rate_per_second,
                                        guint              burst,
                                        gint64             now_ms);
/* Counts one violation; TRUE when more than @max_violations happened in the window. */
gboolean confab_rate_limiter_violation (ConfabRateLimiter *self,
                                        guint              max_violations,
                                        gint64             now_ms);

G_END_DECLS
