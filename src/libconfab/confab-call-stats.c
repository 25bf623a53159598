/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-stats.c: one sample of a call's media statistics */

#define G_LOG_DOMAIN "confab-call-stats"

#include "config.h"

#include "confab-call-stats.h"

G_DEFINE_BOXED_TYPE (ConfabCallStats, confab_call_stats, confab_call_stats_copy, confab_call_stats_free)

/**
 * confab_call_stats_copy:
 * @stats: a #ConfabCallStats
 *
 * Returns: (transfer full): a copy of @stats
 */
ConfabCallStats *
confab_call_stats_copy (const ConfabCallStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);

  return g_memdup2 (stats, sizeof *stats);
}

/**
 * confab_call_stats_free:
 * @stats: (transfer full): a #ConfabCallStats
 *
 * Frees @stats.
 */
void
confab_call_stats_free (ConfabCallStats *stats)
{
  g_free (stats);
}
