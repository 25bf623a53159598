/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-error.h: the CONFAB_ERROR GError domain */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * CONFAB_ERROR:
 *
 * The error domain of libconfab. Codes are #ConfabError values; they have the names
 * of the wire protocol's error codes (docs/PROTOCOL.md §3.1).
 */
#define CONFAB_ERROR (confab_error_quark ())

/**
 * ConfabError:
 * @CONFAB_ERROR_BAD_FORMAT: a frame was not JSON, not an object, nested too deep, or binary
 * @CONFAB_ERROR_UNKNOWN_TYPE: the message type is missing or unknown
 * @CONFAB_ERROR_BAD_PARAMETER: a member is missing, has the wrong type or an invalid value
 * @CONFAB_ERROR_TOO_LARGE: a frame or a member is over its limit
 * @CONFAB_ERROR_RATE_LIMITED: the connection sent too fast
 * @CONFAB_ERROR_UNSUPPORTED_VERSION: the server speaks no protocol version the client does
 * @CONFAB_ERROR_WRONG_STATE: the request is not allowed now
 * @CONFAB_ERROR_UNAUTHORIZED: the request needs a registered session
 * @CONFAB_ERROR_INVALID_CREDENTIALS: wrong API key, unknown login or wrong password
 * @CONFAB_ERROR_NOT_FOUND: the addressed user does not exist or is not reachable
 * @CONFAB_ERROR_NOT_ALLOWED: the request is understood but refused
 * @CONFAB_ERROR_INTERNAL: the server failed
 * @CONFAB_ERROR_TIMED_OUT: no answer arrived in time
 * @CONFAB_ERROR_DISCONNECTED: the session ended before an answer
 *
 * Error codes of the %CONFAB_ERROR domain.
 */
typedef enum {
  CONFAB_ERROR_BAD_FORMAT,
  CONFAB_ERROR_UNKNOWN_TYPE,
  CONFAB_ERROR_BAD_PARAMETER,
  CONFAB_ERROR_TOO_LARGE,
  CONFAB_ERROR_RATE_LIMITED,
  CONFAB_ERROR_UNSUPPORTED_VERSION,
  CONFAB_ERROR_WRONG_STATE,
  CONFAB_ERROR_UNAUTHORIZED,
  CONFAB_ERROR_INVALID_CREDENTIALS,
  CONFAB_ERROR_NOT_FOUND,
  CONFAB_ERROR_NOT_ALLOWED,
  CONFAB_ERROR_INTERNAL,
  CONFAB_ERROR_TIMED_OUT,
  CONFAB_ERROR_DISCONNECTED,
} ConfabError;

GQuark confab_error_quark (void);

G_END_DECLS
