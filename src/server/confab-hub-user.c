/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-user.c: one user id known to the hub, its sessions and its recent uuids */

#define G_LOG_DOMAIN "confab-hub-user"

#include "config.h"

#include "confab-hub-user.h"
#include "confab-hub-connection.h"

#include <string.h>

ConfabHubWaiter *
confab_hub_waiter_new (ConfabHubConnection *connection,
                       gint64               re)
{
  ConfabHubWaiter *waiter = g_new0 (ConfabHubWaiter, 1);

  waiter->connection = confab_hub_connection_ref (connection);
  waiter->re = re;

  return waiter;
}

void
confab_hub_waiter_free (ConfabHubWaiter *waiter)
{
  confab_hub_connection_unref (waiter->connection);
  g_free (waiter);
}

static void
sent_free (ConfabHubSent *sent)
{
  g_assert (sent->waiters == NULL);
  g_free (sent);
}

ConfabHubUser *
confab_hub_user_new (const char *id,
                     gboolean    is_account)
{
  ConfabHubUser *self = g_new0 (ConfabHubUser, 1);

  self->id = g_strdup (id);
  self->is_account = is_account;
  g_queue_init (&self->sessions);
  g_queue_init (&self->sent_order);
  self->linger_link.data = self;

  return self;
}

void
confab_hub_user_free (ConfabHubUser *self)
{
  if (self == NULL)
    return;

  g_assert (self->sessions.length == 0);

  while (self->sent_order.head != NULL)
    {
      ConfabHubSent *sent = self->sent_order.head->data;

      g_queue_unlink (&self->sent_order, &sent->link);
      /* Forgotten while a send was being stored: the repeats' connections go too. */
      g_slist_free_full (g_steal_pointer (&sent->waiters), (GDestroyNotify) confab_hub_waiter_free);
      sent_free (sent);
    }
  g_clear_pointer (&self->sent, g_hash_table_unref);
  g_free (self->id);
  g_free (self);
}

ConfabHubSent *
confab_hub_user_lookup_sent (ConfabHubUser *self,
                             const char    *uuid)
{
  if (self->sent == NULL)
    return NULL;

  return g_hash_table_lookup (self->sent, uuid);
}

ConfabHubSent *
confab_hub_user_add_sent (ConfabHubUser *self,
                          const char    *uuid)
{
  ConfabHubSent *sent;

  if (self->sent == NULL)
    self->sent = g_hash_table_new (g_str_hash, g_str_equal);

  /* Forget the oldest completed entries past the cap. */
  for (GList *l = self->sent_order.head;
       l != NULL && self->sent_order.length >= CONFAB_HUB_USER_MAX_UUIDS;)
    {
      ConfabHubSent *old = l->data;

      l = l->next;
      if (!old->pending)
        confab_hub_user_remove_sent (self, old);
    }

  sent = g_new0 (ConfabHubSent, 1);
  g_strlcpy (sent->uuid, uuid, sizeof sent->uuid);
  sent->link.data = sent;
  g_queue_push_tail_link (&self->sent_order, &sent->link);
  g_hash_table_insert (self->sent, sent->uuid, sent);

  return sent;
}

void
confab_hub_user_remove_sent (ConfabHubUser *self,
                             ConfabHubSent *sent)
{
  g_hash_table_remove (self->sent, sent->uuid);
  g_queue_unlink (&self->sent_order, &sent->link);
  sent_free (sent);
}
