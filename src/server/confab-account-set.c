/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-account-set.c: the logins of all accounts, in memory, kept current */

#define G_LOG_DOMAIN "confab-account-set"

#include "config.h"

#include "confab-account-set.h"

struct _ConfabAccountSet
{
  guint                ref_count;
  ConfabStorage       *storage;
  GHashTable          *logins;        /* login → itself (owned) */
  ConfabAccountsStamp  stamp;         /* what the set reflects */
  gboolean             loaded;
  gboolean             loading;
  ConfabAccountsStamp  loading_stamp; /* taken before the load was queued */
};

static void start_load (ConfabAccountSet *self);

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ConfabAccountSet) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) logins = NULL;

  self->loading = FALSE;
  logins = confab_storage_list_accounts_finish (CONFAB_STORAGE (source), result, &error);
  if (logins == NULL)
    {
      /* Keep what we had; the stamp still differs, so the next lookup tries again. */
      g_message ("cannot load the accounts: %s", error->message);
      return;
    }

  g_hash_table_remove_all (self->logins);
  for (guint i = 0; logins[i] != NULL; i++)
    g_hash_table_add (self->logins, g_steal_pointer (&logins[i]));

  /* Anything changed after the stamp was taken shows as a newer stamp later. */
  self->stamp = self->loading_stamp;
  self->loaded = TRUE;
  g_debug ("%u accounts loaded", g_hash_table_size (self->logins));
}

static void
start_load (ConfabAccountSet *self)
{
  if (self->loading)
    return;

  /* The stamp first: a change committed after this point makes the stamp differ. */
  self->loading = TRUE;
  confab_storage_get_accounts_stamp (self->storage, &self->loading_stamp);
  confab_storage_list_accounts_async (self->storage, on_loaded, confab_account_set_ref (self));
}

ConfabAccountSet *
confab_account_set_new (ConfabStorage *storage)
{
  ConfabAccountSet *self = g_new0 (ConfabAccountSet, 1);

  self->ref_count = 1;
  self->storage = g_object_ref (storage);
  self->logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  start_load (self);

  return self;
}

ConfabAccountSet *
confab_account_set_ref (ConfabAccountSet *self)
{
  self->ref_count++;
  return self;
}

void
confab_account_set_unref (ConfabAccountSet *self)
{
  if (--self->ref_count > 0)
    return;

  g_hash_table_unref (self->logins);
  g_object_unref (self->storage);
  g_free (self);
}

ConfabAccountAnswer
confab_account_set_lookup (ConfabAccountSet *self,
                           const char       *login)
{
  ConfabAccountsStamp now;

  if (!self->loaded)
    return CONFAB_ACCOUNT_UNSURE;

  confab_storage_get_accounts_stamp (self->storage, &now);
  if (!confab_accounts_stamp_equal (&now, &self->stamp))
    {
      start_load (self);
      return CONFAB_ACCOUNT_UNSURE;
    }

  return g_hash_table_contains (self->logins, login) ? CONFAB_ACCOUNT_YES : CONFAB_ACCOUNT_NO;
}

void
confab_account_set_note (ConfabAccountSet *self,
                         const char       *login,
                         gboolean          is_account)
{
  if (is_account)
    g_hash_table_add (self->logins, g_strdup (login));
  else
    g_hash_table_remove (self->logins, login);
}

gboolean
confab_account_set_is_loaded (ConfabAccountSet *self)
{
  return self->loaded && !self->loading;
}
