/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-accounts.h: password hashing and checking (libsodium), off the loop thread */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Initializes libsodium; FALSE if it cannot be used. */
gboolean  confab_accounts_init                 (GError              **error);
/* A salted slow hash (crypto_pwhash_str) of @password; blocks: not on the loop thread. */
char     *confab_accounts_hash_password        (const char           *password,
                                                GError              **error);
/* Checks @password against @hash (which may be %NULL: the check then fails, after the
 * same amount of work, so timing does not tell unknown logins from wrong passwords).
 * Runs on a worker thread; @callback runs in the thread-default main context. */
void      confab_accounts_verify_password_async  (const char           *hash,
                                                  const char           *password,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* TRUE when the password matches. */
gboolean  confab_accounts_verify_password_finish (GAsyncResult         *result,
                                                  GError              **error);
/* Whether @login may name an account (a userid of docs/PROTOCOL.md §2 that does not
 * start with `guest-`). */
gboolean  confab_accounts_is_valid_login       (const char           *login);

G_END_DECLS
