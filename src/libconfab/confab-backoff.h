/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-backoff.h: jittered exponential backoff for reconnection (internal) */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_BACKOFF_DEFAULT_MIN_MS 1000
#define CONFAB_BACKOFF_DEFAULT_MAX_MS 30000

typedef struct
{
  guint  min_ms;
  guint  max_ms;
  guint  attempt;
} ConfabBackoff;

void  _confab_backoff_init          (ConfabBackoff *backoff,
                                     guint          min_ms,
                                     guint          max_ms);
void  _confab_backoff_init_from_env (ConfabBackoff *backoff);
guint _confab_backoff_ceiling       (const ConfabBackoff *backoff);
guint _confab_backoff_next          (ConfabBackoff *backoff,
                                     GRand         *rand);
void  _confab_backoff_reset         (ConfabBackoff *backoff);

G_END_DECLS
