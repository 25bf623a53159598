/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-rate-limiter.c: per-connection frame rate and misbehaviour accounting */

#define G_LOG_DOMAIN "confab-rate-limiter"

#include "config.h"

#include "confab-rate-limiter.h"

void
confab_rate_limiter_init (ConfabRateLimiter *self,
                          guint              burst,
                          gint64             now_ms)
{
  self->last_refill_ms = now_ms;
  self->window_start_ms = now_ms;
  self->tokens_milli = MIN ((guint64) burst * 1000, G_MAXUINT);
  self->violations = 0;
}

gboolean
confab_rate_limiter_take (ConfabRateLimiter *self,
                          guint              rate_per_second,
                          guint              burst,
                          gint64             now_ms)
{
  guint64 cap = MIN ((guint64) burst * 1000, G_MAXUINT);

  if (now_ms > self->last_refill_ms)
    {
      /* rate tokens per 1000 ms = rate milli-tokens per ms */
      guint64 elapsed = (guint64) (now_ms - self->last_refill_ms);
      guint64 tokens = self->tokens_milli + MIN (elapsed, 1000000) * rate_per_second;

      self->tokens_milli = (guint) MIN (tokens, cap);
      self->last_refill_ms = now_ms;
    }
  else if (self->tokens_milli > cap)
    {
      self->tokens_milli = (guint) cap;
    }

  if (self->tokens_milli < 1000)
    return FALSE;

  self->tokens_milli -= 1000;
  return TRUE;
}

gboolean
confab_rate_limiter_violation (ConfabRateLimiter *self,
                               guint              max_violations,
                               gint64             now_ms)
{
  if (now_ms - self->window_start_ms >= CONFAB_RATE_LIMITER_VIOLATION_WINDOW_MS ||
      now_ms < self->window_start_ms)
    {
      self->window_start_ms = now_ms;
      self->violations = 0;
    }

  if (self->violations < G_MAXUINT)
    self->violations++;

  return self->violations > max_violations;
}
