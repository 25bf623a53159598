/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-storage.c: accounts and offline messages in SQLite, on a worker thread */

#define G_LOG_DOMAIN "confab-storage"

#include "config.h"

#include "confab-storage.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_BATCH 512
#define SCHEMA_VERSION 1

typedef enum {
  OP_STORE,
  OP_LOAD,
  OP_DELETE,
  OP_LOOKUP,
  OP_ADD,
  OP_REMOVE,
  OP_LIST,
  OP_FLUSH,
  OP_STOP,
} OpKind;

typedef struct {
  OpKind    kind;
  GTask    *task;
  char     *str[5];
  gint64    num;
  gboolean  flag;

  /* results, set on the worker */
  gint64          result_num;
  gpointer        result_ptr;
  GDestroyNotify  result_free;
  GError         *error;

  /* OP_FLUSH */
  GMutex   *mutex;
  GCond    *cond;
  gboolean *done;
} StorageOp;

typedef enum {
  STMT_STORE,
  STMT_IS_ACCOUNT,
  STMT_LOAD,
  STMT_DELETE,
  STMT_LOOKUP,
  STMT_ADD,
  STMT_REMOVE,
  STMT_REMOVE_MESSAGES,
  STMT_LIST,
  N_STMTS
} StmtId;

static const char *stmt_sql[N_STMTS] = {
  [STMT_STORE] = "INSERT INTO offline_messages (recipient, sender_id, sender_name, uuid, text, time) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_IS_ACCOUNT] = "SELECT 1 FROM accounts WHERE login = ?1",
  [STMT_LOAD] = "SELECT id, sender_id, sender_name, uuid, text, time FROM offline_messages "
                "WHERE recipient = ?1 ORDER BY id",
  [STMT_DELETE] = "DELETE FROM offline_messages WHERE id = ?1",
  [STMT_LOOKUP] = "SELECT hash FROM accounts WHERE login = ?1",
  [STMT_ADD] = "INSERT INTO accounts (login, hash, created) VALUES (?1, ?2, ?3)",
  [STMT_REMOVE] = "DELETE FROM accounts WHERE login = ?1",
  [STMT_REMOVE_MESSAGES] = "DELETE FROM offline_messages WHERE recipient = ?1",
  [STMT_LIST] = "SELECT login FROM accounts ORDER BY login",
};

struct _ConfabStorage
{
  GObject parent_instance;

  GMainContext *context;  /* where the tasks were made and their callbacks run */
  char         *stamp_path;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  GAsyncQueue  *queue;
  GThread      *thread;
};

G_DEFINE_FINAL_TYPE (ConfabStorage, confab_storage, G_TYPE_OBJECT)

/* helpers */

void
confab_stored_message_free (ConfabStoredMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->sender_id);
  g_free (message->sender_name);
  g_free (message->uuid);
  g_free (message->text);
  g_free (message);
}

static void
storage_op_free (StorageOp *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (op->str); i++)
    g_free (op->str[i]);
  if (op->result_ptr != NULL && op->result_free != NULL)
    op->result_free (op->result_ptr);
  g_clear_error (&op->error);
  g_clear_object (&op->task);
  g_free (op);
}

static StorageOp *
storage_op_new (ConfabStorage       *self,
                OpKind               kind,
                gpointer             source_tag,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  StorageOp *op = g_new0 (StorageOp, 1);

  op->kind = kind;
  if (source_tag != NULL)
    {
      op->task = g_task_new (self, NULL, callback, user_data);
      g_task_set_source_tag (op->task, source_tag);
    }

  return op;
}

static void
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "storage: %s: %s", what, sqlite3_errmsg (db));
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "storage: %s: %s", sql,
                   message ? message : "failed");
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

static sqlite3_stmt *
get_stmt (ConfabStorage *self,
          StmtId         id)
{
  sqlite3_stmt *stmt = self->stmts[id];

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? (const char *) text : "");
}

/* the worker thread */

static gboolean
is_account (ConfabStorage  *self,
            const char     *login,
            GError        **error)
{
  sqlite3_stmt *stmt = get_stmt (self, STMT_IS_ACCOUNT);
  int rc;

  bind_text (stmt, 1, login);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    set_sqlite_error (error, self->db, "looking up an account");
  sqlite3_reset (stmt);

  return rc == SQLITE_ROW;
}

static gboolean
op_is_write (StorageOp *op)
{
  switch (op->kind)
    {
    case OP_STORE:
    case OP_DELETE:
    case OP_ADD:
    case OP_REMOVE:
      return TRUE;
    case OP_LOAD:
    case OP_LOOKUP:
    case OP_LIST:
    case OP_FLUSH:
    case OP_STOP:
    default:
      return FALSE;
    }
}

static void
run_op (ConfabStorage *self,
        StorageOp     *op)
{
  sqlite3_stmt *stmt;
  GError *local_error = NULL;

  switch (op->kind)
    {
    case OP_STORE:
      if (op->flag && !is_account (self, op->str[0], &local_error))
        {
          if (local_error != NULL)
            g_propagate_error (&op->error, local_error);
          op->result_num = 0;
          break;
        }
      stmt = get_stmt (self, STMT_STORE);
      bind_text (stmt, 1, op->str[0]);
      bind_text (stmt, 2, op->str[1]);
      bind_text (stmt, 3, op->str[2]);
      bind_text (stmt, 4, op->str[3]);
      bind_text (stmt, 5, op->str[4]);
      sqlite3_bind_int64 (stmt, 6, op->num);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        set_sqlite_error (&op->error, self->db, "storing a message");
      else
        op->result_num = sqlite3_last_insert_rowid (self->db);
      sqlite3_reset (stmt);
      break;

    case OP_LOAD:
      {
        GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_stored_message_free);
        int rc;

        stmt = get_stmt (self, STMT_LOAD);
        bind_text (stmt, 1, op->str[0]);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            ConfabStoredMessage *message = g_new0 (ConfabStoredMessage, 1);

            message->id = sqlite3_column_int64 (stmt, 0);
            message->sender_id = column_dup (stmt, 1);
            message->sender_name = column_dup (stmt, 2);
            message->uuid = column_dup (stmt, 3);
            message->text = column_dup (stmt, 4);
            message->time = sqlite3_column_int64 (stmt, 5);
            g_ptr_array_add (messages, message);
          }
        if (rc != SQLITE_DONE)
          set_sqlite_error (&op->error, self->db, "loading messages");
        sqlite3_reset (stmt);
        op->result_ptr = messages;
        op->result_free = (GDestroyNotify) g_ptr_array_unref;
      }
      break;

    case OP_DELETE:
      stmt = get_stmt (self, STMT_DELETE);
      sqlite3_bind_int64 (stmt, 1, op->num);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        set_sqlite_error (&op->error, self->db, "deleting a message");
      sqlite3_reset (stmt);
      break;

    case OP_LOOKUP:
      {
        int rc;

        stmt = get_stmt (self, STMT_LOOKUP);
        bind_text (stmt, 1, op->str[0]);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
          {
            op->result_ptr = column_dup (stmt, 0);
            op->result_free = g_free;
          }
        else if (rc != SQLITE_DONE)
          set_sqlite_error (&op->error, self->db, "looking up an account");
        sqlite3_reset (stmt);
      }
      break;

    case OP_ADD:
      {
        int rc;

        stmt = get_stmt (self, STMT_ADD);
        bind_text (stmt, 1, op->str[0]);
        bind_text (stmt, 2, op->str[1]);
        sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_CONSTRAINT)
          g_set_error (&op->error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "user '%s' already exists", op->str[0]);
        else if (rc != SQLITE_DONE)
          set_sqlite_error (&op->error, self->db, "adding a user");
        sqlite3_reset (stmt);
      }
      break;

    case OP_REMOVE:
      stmt = get_stmt (self, STMT_REMOVE);
      bind_text (stmt, 1, op->str[0]);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        set_sqlite_error (&op->error, self->db, "removing a user");
      else if (sqlite3_changes (self->db) == 0)
        g_set_error (&op->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "no user '%s'", op->str[0]);
      sqlite3_reset (stmt);
      if (op->error == NULL)
        {
          stmt = get_stmt (self, STMT_REMOVE_MESSAGES);
          bind_text (stmt, 1, op->str[0]);
          if (sqlite3_step (stmt) != SQLITE_DONE)
            set_sqlite_error (&op->error, self->db, "removing a user's messages");
          sqlite3_reset (stmt);
        }
      break;

    case OP_LIST:
      {
        GPtrArray *logins = g_ptr_array_new_with_free_func (g_free);
        int rc;

        stmt = get_stmt (self, STMT_LIST);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          g_ptr_array_add (logins, column_dup (stmt, 0));
        if (rc != SQLITE_DONE)
          set_sqlite_error (&op->error, self->db, "listing users");
        sqlite3_reset (stmt);
        g_ptr_array_add (logins, NULL);
        op->result_ptr = g_ptr_array_free (logins, FALSE);
        op->result_free = (GDestroyNotify) g_strfreev;
      }
      break;

    case OP_FLUSH:
    case OP_STOP:
    default:
      break;
    }
}

/* After a commit that changed accounts: a new stamp file (written aside and renamed,
 * so it is a new inode with new times), for servers running on this data directory
 * in other processes to notice. See confab_storage_get_accounts_stamp(). */
static void
touch_accounts_stamp (ConfabStorage *self)
{
  static guint counter;
  g_autofree char *contents = g_strdup_printf ("%" G_GINT64_FORMAT " %d %u\n", g_get_real_time (),
                                               (int) getpid (), ++counter);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full (self->stamp_path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &error))
    g_message ("cannot write %s: %s (a running server may not see this account change)",
               self->stamp_path, error->message);
}

/* On the worker: what needs no task is finished here. Returns whether @op still has
 * a task to return (done on the tasks' context, see return_batch()). */
static gboolean
complete_op_on_worker (StorageOp *op)
{
  if (op->kind == OP_FLUSH)
    {
      g_mutex_lock (op->mutex);
      *op->done = TRUE;
      g_cond_signal (op->cond);
      g_mutex_unlock (op->mutex);
      g_free (op);
      return FALSE;
    }

  if (op->task != NULL)
    return TRUE;

  if (op->error != NULL)
    g_message ("%s", op->error->message);
  storage_op_free (op);
  return FALSE;
}

static void
return_op (StorageOp *op)
{
  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else if (op->kind == OP_STORE)
    g_task_return_int (op->task, op->result_num);
  else if (op->kind == OP_ADD || op->kind == OP_REMOVE)
    g_task_return_boolean (op->task, TRUE);
  else
    g_task_return_pointer (op->task, g_steal_pointer (&op->result_ptr), op->result_free);

  storage_op_free (op);
}

/* On the tasks' context: returns a committed batch's tasks, in order. Doing it here,
 * not on the worker, means the worker never holds a task, so the last reference to
 * the storage (which tasks hold) is never dropped on the worker thread, whose
 * finalize would then have to join itself. */
static gboolean
return_batch (gpointer data)
{
  GPtrArray *returned = data;

  for (guint i = 0; i < returned->len; i++)
    return_op (g_ptr_array_index (returned, i));
  g_ptr_array_unref (returned);

  return G_SOURCE_REMOVE;
}

static gpointer
storage_thread (gpointer data)
{
  ConfabStorage *self = data;
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();
      gboolean in_transaction;
      gboolean any_write = FALSE;
      StorageOp *op = g_async_queue_pop (self->queue);

      g_ptr_array_add (batch, op);
      while (batch->len < MAX_BATCH && op->kind != OP_STOP &&
             (op = g_async_queue_try_pop (self->queue)) != NULL)
        g_ptr_array_add (batch, op);

      in_transaction = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;

      for (guint i = 0; i < batch->len; i++)
        {
          StorageOp *item = g_ptr_array_index (batch, i);

          run_op (self, item);
          any_write |= op_is_write (item);
          stop |= item->kind == OP_STOP;
        }

      if (in_transaction && sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        {
          GError *error = NULL;

          set_sqlite_error (&error, self->db, "commit");
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          for (guint i = 0; i < batch->len; i++)
            {
              StorageOp *item = g_ptr_array_index (batch, i);

              if (op_is_write (item) && item->error == NULL)
                item->error = g_error_copy (error);
            }
          g_error_free (error);
        }
      (void) any_write;

      for (guint i = 0; i < batch->len; i++)
        {
          StorageOp *item = g_ptr_array_index (batch, i);

          if ((item->kind == OP_ADD || item->kind == OP_REMOVE) && item->error == NULL)
            {
              touch_accounts_stamp (self);
              break;
            }
        }

      {
        GPtrArray *returned = NULL;

        for (guint i = 0; i < batch->len; i++)
          {
            StorageOp *item = g_ptr_array_index (batch, i);

            if (item->kind == OP_STOP)
              g_free (item);
            else if (complete_op_on_worker (item))
              {
                if (returned == NULL)
                  returned = g_ptr_array_new ();
                g_ptr_array_add (returned, item);
              }
          }

        /* An idle source, not g_main_context_invoke(), which would run it right here
         * when no thread holds the context. The storage outlives this thread: its
         * finalize joins it. */
        if (returned != NULL)
          {
            GSource *source = g_idle_source_new ();

            g_source_set_priority (source, G_PRIORITY_DEFAULT);
            g_source_set_callback (source, return_batch, returned, NULL);
            g_source_set_static_name (source, "[confab-storage] results");
            g_source_attach (source, self->context);
            g_source_unref (source);
          }
      }
    }

  return NULL;
}

static void
queue_op (ConfabStorage *self,
          StorageOp     *op)
{
  g_async_queue_push (self->queue, op);
}

/* dispose/finalize */

static void
confab_storage_finalize (GObject *object)
{
  ConfabStorage *self = CONFAB_STORAGE (object);

  if (self->thread != NULL)
    {
      StorageOp *stop = g_new0 (StorageOp, 1);

      stop->kind = OP_STOP;
      queue_op (self, stop);
      g_thread_join (self->thread);
    }

  for (guint i = 0; i < N_STMTS; i++)
    if (self->stmts[i] != NULL)
      sqlite3_finalize (self->stmts[i]);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->stamp_path);

  G_OBJECT_CLASS (confab_storage_parent_class)->finalize (object);
}

static void
confab_storage_class_init (ConfabStorageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = confab_storage_finalize;
}

static void
confab_storage_init (ConfabStorage *self)
{
  self->queue = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();
}

/* public */

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS accounts ("
  "  login TEXT PRIMARY KEY NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS offline_messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  recipient TEXT NOT NULL,"
  "  sender_id TEXT NOT NULL,"
  "  sender_name TEXT NOT NULL,"
  "  uuid TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  time INTEGER NOT NULL);"
  "CREATE INDEX IF NOT EXISTS offline_messages_by_recipient "
  "  ON offline_messages (recipient, id);";

ConfabStorage *
confab_storage_new (const char  *data_dir,
                    GError     **error)
{
  g_autoptr(ConfabStorage) self = g_object_new (CONFAB_TYPE_STORAGE, NULL);
  g_autofree char *path = NULL;
  sqlite3_stmt *version_stmt = NULL;
  int version = 0;

  g_return_val_if_fail (data_dir != NULL, NULL);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot create data directory %s: %s", data_dir, g_strerror (saved_errno));
      return NULL;
    }

  path = g_build_filename (data_dir, "confab.db", NULL);
  self->stamp_path = g_build_filename (data_dir, "accounts.stamp", NULL);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);

  if (!exec_sql (self->db, "PRAGMA journal_mode=WAL", error) ||
      !exec_sql (self->db, "PRAGMA synchronous=FULL", error) ||
      !exec_sql (self->db, "PRAGMA foreign_keys=ON", error))
    return NULL;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &version_stmt, NULL) == SQLITE_OK &&
      sqlite3_step (version_stmt) == SQLITE_ROW)
    version = sqlite3_column_int (version_stmt, 0);
  sqlite3_finalize (version_stmt);

  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s was written by a newer confab-server (schema %d, this one knows %d)",
                   path, version, SCHEMA_VERSION);
      return NULL;
    }

  if (!exec_sql (self->db, schema_sql, error) ||
      !exec_sql (self->db, "PRAGMA user_version=1", error))
    return NULL;

  for (guint i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (self->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                            &self->stmts[i], NULL) != SQLITE_OK)
      {
        set_sqlite_error (error, self->db, stmt_sql[i]);
        return NULL;
      }

  self->thread = g_thread_new ("confab-storage", storage_thread, self);

  return g_steal_pointer (&self);
}

void
confab_storage_store_message_async (ConfabStorage       *self,
                                    const char          *recipient,
                                    gboolean             only_if_account,
                                    const char          *sender_id,
                                    const char          *sender_name,
                                    const char          *uuid,
                                    const char          *text,
                                    gint64               time,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_STORE, confab_storage_store_message_async, callback, user_data);
  op->str[0] = g_strdup (recipient);
  op->str[1] = g_strdup (sender_id);
  op->str[2] = g_strdup (sender_name);
  op->str[3] = g_strdup (uuid);
  op->str[4] = g_strdup (text);
  op->num = time;
  op->flag = only_if_account;
  queue_op (self, op);
}

gint64
confab_storage_store_message_finish (ConfabStorage  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

void
confab_storage_load_messages_async (ConfabStorage       *self,
                                    const char          *recipient,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_LOAD, confab_storage_load_messages_async, callback, user_data);
  op->str[0] = g_strdup (recipient);
  queue_op (self, op);
}

GPtrArray *
confab_storage_load_messages_finish (ConfabStorage  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
confab_storage_delete_message (ConfabStorage *self,
                               gint64         id)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_DELETE, NULL, NULL, NULL);
  op->num = id;
  queue_op (self, op);
}

void
confab_storage_lookup_account_async (ConfabStorage       *self,
                                     const char          *login,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_LOOKUP, confab_storage_lookup_account_async, callback, user_data);
  op->str[0] = g_strdup (login);
  queue_op (self, op);
}

char *
confab_storage_lookup_account_finish (ConfabStorage  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
confab_storage_add_account_async (ConfabStorage       *self,
                                  const char          *login,
                                  const char          *hash,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_ADD, confab_storage_add_account_async, callback, user_data);
  op->str[0] = g_strdup (login);
  op->str[1] = g_strdup (hash);
  queue_op (self, op);
}

void
confab_storage_remove_account_async (ConfabStorage       *self,
                                     const char          *login,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_REMOVE, confab_storage_remove_account_async, callback, user_data);
  op->str[0] = g_strdup (login);
  queue_op (self, op);
}

gboolean
confab_storage_edit_finish (ConfabStorage  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
confab_storage_list_accounts_async (ConfabStorage       *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  op = storage_op_new (self, OP_LIST, confab_storage_list_accounts_async, callback, user_data);
  queue_op (self, op);
}

char **
confab_storage_list_accounts_finish (ConfabStorage  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
confab_storage_flush (ConfabStorage *self)
{
  GMutex mutex;
  GCond cond;
  gboolean done = FALSE;
  StorageOp *op;

  g_return_if_fail (CONFAB_IS_STORAGE (self));

  g_mutex_init (&mutex);
  g_cond_init (&cond);

  op = g_new0 (StorageOp, 1);
  op->kind = OP_FLUSH;
  op->mutex = &mutex;
  op->cond = &cond;
  op->done = &done;
  queue_op (self, op);

  g_mutex_lock (&mutex);
  while (!done)
    g_cond_wait (&cond, &mutex);
  g_mutex_unlock (&mutex);

  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
}

void
confab_storage_get_accounts_stamp (ConfabStorage       *self,
                                   ConfabAccountsStamp *stamp)
{
  struct stat info;

  memset (stamp, 0, sizeof *stamp);
  if (stat (self->stamp_path, &info) != 0)
    return;  /* no account ever changed here by this version: all zero */

  stamp->exists = TRUE;
  stamp->device = (guint64) info.st_dev;
  stamp->inode = (guint64) info.st_ino;
  stamp->size = (gint64) info.st_size;
  stamp->mtime_ns = (gint64) info.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + info.st_mtim.tv_nsec;
  stamp->ctime_ns = (gint64) info.st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) + info.st_ctim.tv_nsec;
}

gboolean
confab_accounts_stamp_equal (const ConfabAccountsStamp *a,
                             const ConfabAccountsStamp *b)
{
  return a->exists == b->exists && a->device == b->device && a->inode == b->inode &&
         a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}
