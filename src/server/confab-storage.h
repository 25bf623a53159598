/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-storage.h: accounts and offline messages in SQLite, on a worker thread */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_STORAGE (confab_storage_get_type ())
G_DECLARE_FINAL_TYPE (ConfabStorage, confab_storage, CONFAB, STORAGE, GObject)

/**
 * ConfabStoredMessage:
 *
 * A contact message kept for an account that had no session.
 */
typedef struct {
  gint64  id;
  char   *sender_id;
  char   *sender_name;
  char   *uuid;
  char   *text;
  gint64  time;
} ConfabStoredMessage;

void confab_stored_message_free (ConfabStoredMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabStoredMessage, confab_stored_message_free)

/* Opens (creating if needed) `confab.db` in @data_dir, in WAL mode, and starts the
 * worker thread. Every operation below runs on that thread; writes queued together
 * share one transaction, and a write's callback runs only after its commit. */
ConfabStorage *confab_storage_new                   (const char           *data_dir,
                                                     GError              **error);

/* Stores a message for @recipient. With @only_if_account, stores it only if
 * @recipient is an account and returns 0 otherwise. Returns the row id (> 0). */
void           confab_storage_store_message_async   (ConfabStorage        *self,
                                                     const char           *recipient,
                                                     gboolean              only_if_account,
                                                     const char           *sender_id,
                                                     const char           *sender_name,
                                                     const char           *uuid,
                                                     const char           *text,
                                                     gint64                time,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gint64         confab_storage_store_message_finish  (ConfabStorage        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* The messages stored for @recipient, oldest first: a GPtrArray of ConfabStoredMessage. */
void           confab_storage_load_messages_async   (ConfabStorage        *self,
                                                     const char           *recipient,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray     *confab_storage_load_messages_finish  (ConfabStorage        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Forgets a stored message (fire and forget; batched with other writes). */
void           confab_storage_delete_message        (ConfabStorage        *self,
                                                     gint64                id);

/* The password hash of account @login, or %NULL without error when there is none. */
void           confab_storage_lookup_account_async  (ConfabStorage        *self,
                                                     const char           *login,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
char          *confab_storage_lookup_account_finish (ConfabStorage        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Admin operations: add (fails with G_IO_ERROR_EXISTS), remove (G_IO_ERROR_NOT_FOUND,
 * also drops its stored messages), list (a GStrv of logins, sorted). */
void           confab_storage_add_account_async     (ConfabStorage        *self,
                                                     const char           *login,
                                                     const char           *hash,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
void           confab_storage_remove_account_async  (ConfabStorage        *self,
                                                     const char           *login,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
void           confab_storage_list_accounts_async   (ConfabStorage        *self,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean       confab_storage_edit_finish           (ConfabStorage        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
char         **confab_storage_list_accounts_finish  (ConfabStorage        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/**
 * ConfabAccountsStamp:
 *
 * Identifies the last change to the accounts of a data directory, by whichever
 * process made it (every add and remove, once committed, replaces the file
 * `accounts.stamp` beside the database). Two stamps that differ mean the accounts
 * may have changed in between.
 */
typedef struct {
  gboolean exists;
  guint64  device;
  guint64  inode;
  gint64   size;
  gint64   mtime_ns;
  gint64   ctime_ns;
} ConfabAccountsStamp;

/* The current stamp: one stat(), no storage round trip; any thread. */
void           confab_storage_get_accounts_stamp    (ConfabStorage        *self,
                                                     ConfabAccountsStamp  *stamp);
gboolean       confab_accounts_stamp_equal          (const ConfabAccountsStamp *a,
                                                     const ConfabAccountsStamp *b);

/* Blocks until every operation queued so far has been executed and committed. Their
 * callbacks are still dispatched later, by the main context. */
void           confab_storage_flush                 (ConfabStorage        *self);

G_END_DECLS
