/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-backoff.c: jittered exponential backoff for reconnection (internal) */

#define G_LOG_DOMAIN "confab-backoff"

#include "config.h"

#include "confab-backoff.h"

/*
 * The delay before attempt n (0-based) has a ceiling of min·2ⁿ, capped at max; the
 * delay itself is drawn uniformly from [ceiling/2, ceiling] ("equal jitter"), so that
 * many clients dropped at once by a server restart do not come back in lockstep, while
 * each still waits at least half its ceiling.
 */

void
_confab_backoff_init (ConfabBackoff *backoff,
                      guint          min_ms,
                      guint          max_ms)
{
  g_return_if_fail (backoff != NULL);

  backoff->min_ms = MAX (min_ms, 1);
  backoff->max_ms = MAX (max_ms, backoff->min_ms);
  backoff->attempt = 0;
}

static guint
env_ms (const char *name,
        guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 parsed;

  if (value == NULL || *value == '\0')
    return fallback;

  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT / 4, &parsed, NULL))
    {
      g_debug ("Ignoring %s=%s: not a number of milliseconds", name, value);
      return fallback;
    }

  return (guint) parsed;
}

/* Defaults 1 s … 30 s, overridden by CONFAB_RECONNECT_MIN_MS / CONFAB_RECONNECT_MAX_MS. */
void
_confab_backoff_init_from_env (ConfabBackoff *backoff)
{
  _confab_backoff_init (backoff,
                        env_ms ("CONFAB_RECONNECT_MIN_MS", CONFAB_BACKOFF_DEFAULT_MIN_MS),
                        env_ms ("CONFAB_RECONNECT_MAX_MS", CONFAB_BACKOFF_DEFAULT_MAX_MS));
}

/* The ceiling of the next delay, without consuming an attempt. */
guint
_confab_backoff_ceiling (const ConfabBackoff *backoff)
{
  guint64 ceiling = backoff->min_ms;
  guint i;

  for (i = 0; i < backoff->attempt && ceiling < backoff->max_ms; i++)
    ceiling *= 2;

  return (guint) MIN (ceiling, (guint64) backoff->max_ms);
}

/* The delay to wait before the next attempt, in milliseconds; counts one attempt. */
guint
_confab_backoff_next (ConfabBackoff *backoff,
                      GRand         *rand)
{
  guint ceiling = _confab_backoff_ceiling (backoff);
  guint floor_ms = ceiling / 2;
  guint delay;

  if (ceiling > floor_ms)
    delay = floor_ms + (rand != NULL
                        ? (guint) g_rand_int_range (rand, 0, (gint32) MIN (ceiling - floor_ms + 1, G_MAXINT32))
                        : (guint) g_random_int_range (0, (gint32) MIN (ceiling - floor_ms + 1, G_MAXINT32)));
  else
    delay = ceiling;

  if (backoff->attempt < G_MAXUINT)
    backoff->attempt++;

  return MAX (delay, 1);
}

void
_confab_backoff_reset (ConfabBackoff *backoff)
{
  backoff->attempt = 0;
}
