/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-accounts.c: password hashing and checking (libsodium), off the loop thread */

#define G_LOG_DOMAIN "confab-accounts"

#include "config.h"

#include "confab-accounts.h"
#include "confab-wire.h"

#include <sodium.h>
#include <string.h>

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

typedef struct {
  char *hash;
  char *password;
} VerifyData;

/* At most this many hashes at once: each takes MEMLIMIT bytes. */
#define MAX_HASH_THREADS 2

static GThreadPool *verify_pool;

static void verify_thread (gpointer task_pointer,
                           gpointer pool_data);

static void
verify_data_free (VerifyData *data)
{
  g_free (data->hash);
  if (data->password != NULL)
    {
      sodium_memzero (data->password, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

gboolean
confab_accounts_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium cannot be initialized");
      return FALSE;
    }

  if (verify_pool == NULL)
    verify_pool = g_thread_pool_new (verify_thread, NULL, MAX_HASH_THREADS, FALSE, error);

  return verify_pool != NULL;
}

char *
confab_accounts_hash_password (const char  *password,
                               GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (hash, password, strlen (password), OPSLIMIT, MEMLIMIT) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "not enough memory to hash the password");
      return NULL;
    }

  return g_strdup (hash);
}

static void
verify_thread (gpointer task_pointer,
               gpointer pool_data)
{
  g_autoptr(GTask) task = task_pointer;
  VerifyData *data = g_task_get_task_data (task);
  gboolean ok;

  if (data->hash != NULL)
    {
      ok = crypto_pwhash_str_verify (data->hash, data->password, strlen (data->password)) == 0;
    }
  else
    {
      /* Same cost as a real check, so an unknown login takes as long as a wrong password. */
      char dummy[crypto_pwhash_STRBYTES];

      ok = FALSE;
      if (crypto_pwhash_str (dummy, data->password, strlen (data->password), OPSLIMIT, MEMLIMIT) != 0)
        g_debug ("dummy hash failed");
    }

  g_task_return_boolean (task, ok);
}

void
confab_accounts_verify_password_async (const char          *hash,
                                       const char          *password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  VerifyData *data = g_new0 (VerifyData, 1);

  data->hash = g_strdup (hash);
  data->password = g_strdup (password);
  g_task_set_source_tag (task, confab_accounts_verify_password_async);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);
  if (!g_task_return_error_if_cancelled (task))
    g_thread_pool_push (verify_pool, g_steal_pointer (&task), NULL);
}

gboolean
confab_accounts_verify_password_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
confab_accounts_is_valid_login (const char *login)
{
  return login != NULL && confab_wire_is_userid (login) && !g_str_has_prefix (login, "guest-");
}
