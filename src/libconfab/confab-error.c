/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-error.c: the CONFAB_ERROR GError domain */

#define G_LOG_DOMAIN "confab-error"

#include "config.h"

#include "confab-error-private.h"

#include "confab-wire.h"

/* The public codes mirror the wire codes one to one. */
G_STATIC_ASSERT ((int) CONFAB_ERROR_BAD_FORMAT == (int) CONFAB_WIRE_ERROR_BAD_FORMAT);
G_STATIC_ASSERT ((int) CONFAB_ERROR_INVALID_CREDENTIALS == (int) CONFAB_WIRE_ERROR_INVALID_CREDENTIALS);
G_STATIC_ASSERT ((int) CONFAB_ERROR_INTERNAL == (int) CONFAB_WIRE_ERROR_INTERNAL);
G_STATIC_ASSERT ((int) CONFAB_ERROR_DISCONNECTED == (int) CONFAB_WIRE_ERROR_DISCONNECTED);

/**
 * confab_error_quark:
 *
 * The quark of the %CONFAB_ERROR domain.
 *
 * Returns: the error quark
 */
G_DEFINE_QUARK (confab-error-quark, confab_error)

/*
 * _confab_error_from_wire:
 * @code: a wire error code name such as "NOT_FOUND"
 *
 * Returns: the matching #ConfabError, %CONFAB_ERROR_INTERNAL for an unknown name
 */
ConfabError
_confab_error_from_wire (const char *code)
{
  ConfabWireError wire_code;

  if (code != NULL && confab_wire_error_from_string (code, &wire_code))
    return (ConfabError) wire_code;

  return CONFAB_ERROR_INTERNAL;
}

/*
 * _confab_error_is_retryable:
 *
 * Whether an error that ended a register/resume attempt is worth trying again later
 * (the server or the network failed), rather than final (the credentials or the
 * request itself are wrong).
 */
gboolean
_confab_error_is_retryable (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain != CONFAB_ERROR)
    return TRUE;  /* network: refused, reset, TLS, ... */

  switch ((ConfabError) error->code)
    {
    case CONFAB_ERROR_INTERNAL:
    case CONFAB_ERROR_TIMED_OUT:
    case CONFAB_ERROR_DISCONNECTED:
    case CONFAB_ERROR_RATE_LIMITED:
      return TRUE;

    case CONFAB_ERROR_BAD_FORMAT:
    case CONFAB_ERROR_UNKNOWN_TYPE:
    case CONFAB_ERROR_BAD_PARAMETER:
    case CONFAB_ERROR_TOO_LARGE:
    case CONFAB_ERROR_UNSUPPORTED_VERSION:
    case CONFAB_ERROR_WRONG_STATE:
    case CONFAB_ERROR_UNAUTHORIZED:
    case CONFAB_ERROR_INVALID_CREDENTIALS:
    case CONFAB_ERROR_NOT_FOUND:
    case CONFAB_ERROR_NOT_ALLOWED:
    default:
      return FALSE;
    }
}
