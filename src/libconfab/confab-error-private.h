/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-error-private.h: helpers shared inside libconfab */

#pragma once

#include "confab-error.h"

G_BEGIN_DECLS

ConfabError _confab_error_from_wire     (const char   *code);
gboolean    _confab_error_is_retryable  (const GError *error);

G_END_DECLS
