/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-account-set.h: the logins of all accounts, in memory, kept current */

#pragma once

#include <glib.h>

#include "confab-storage.h"

G_BEGIN_DECLS

typedef enum {
  CONFAB_ACCOUNT_NO,      /* certainly not an account */
  CONFAB_ACCOUNT_YES,     /* certainly an account */
  CONFAB_ACCOUNT_UNSURE,  /* ask the storage (the set is loading or out of date) */
} ConfabAccountAnswer;

typedef struct _ConfabAccountSet ConfabAccountSet;

/* Starts loading every login from @storage; until that is done, lookups are UNSURE.
 * Loop thread only. */
ConfabAccountSet   *confab_account_set_new       (ConfabStorage     *storage);
ConfabAccountSet   *confab_account_set_ref       (ConfabAccountSet  *self);
void                confab_account_set_unref     (ConfabAccountSet  *self);

/* Whether @login is an account, without a storage round trip when the set is known
 * to be current: its stamp (confab_storage_get_accounts_stamp()) is still the one it
 * was loaded at. When it is not (another process, such as `confab-server user add`,
 * changed the accounts), the answer is UNSURE and the set reloads itself. */
ConfabAccountAnswer confab_account_set_lookup    (ConfabAccountSet  *self,
                                                  const char        *login);
/* A storage result said whether @login is an account: keep the set in step. */
void                confab_account_set_note      (ConfabAccountSet  *self,
                                                  const char        *login,
                                                  gboolean           is_account);
/* Whether a load is done (and none is in flight). */
gboolean            confab_account_set_is_loaded (ConfabAccountSet  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabAccountSet, confab_account_set_unref)

G_END_DECLS
