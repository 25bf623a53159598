/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-user.h: one user id known to the hub, its sessions and its recent uuids */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_HUB_USER_MAX_UUIDS 4096
/* A user with no session is remembered this long, so uuid retries stay deduplicated. */
#define CONFAB_HUB_USER_LINGER_MS (10 * 60 * 1000)

typedef struct _ConfabHubConnection ConfabHubConnection;

/**
 * ConfabHubWaiter:
 * @connection: (owned): where the repeat came from
 * @re: the repeat's request id
 *
 * A repeated send waiting for the first one's answer.
 */
typedef struct {
  ConfabHubConnection *connection;
  gint64               re;
} ConfabHubWaiter;

/* Takes a reference to @connection. */
ConfabHubWaiter *confab_hub_waiter_new  (ConfabHubConnection *connection,
                                         gint64               re);
void             confab_hub_waiter_free (ConfabHubWaiter     *waiter);

typedef enum {
  CONFAB_DELIVERED_ONLINE,
  CONFAB_DELIVERED_STORED,
} ConfabDelivered;

/**
 * ConfabHubSent:
 *
 * The remembered answer to one send, by uuid. While @pending (the message is being
 * stored), repeats wait in @waiters (ConfabHubWaiter).
 */
typedef struct {
  GList            link;          /* in the user's eviction order */
  char             uuid[37];
  gboolean         pending;
  ConfabDelivered  delivered;
  gint64           time;
  GSList          *waiters;
} ConfabHubSent;

typedef struct _ConfabHubUser ConfabHubUser;

struct _ConfabHubUser {
  char        *id;
  gboolean     is_account;
  GQueue       sessions;      /* ConfabHubSession, via their user_link */
  GHashTable  *sent;          /* uuid → ConfabHubSent, created on first send */
  GQueue       sent_order;    /* oldest first */
  GList        linger_link;   /* in the hub's list of users without session */
  gint64       linger_since_ms;
};

ConfabHubUser *confab_hub_user_new         (const char     *id,
                                            gboolean        is_account);
void           confab_hub_user_free        (ConfabHubUser  *self);
ConfabHubSent *confab_hub_user_lookup_sent (ConfabHubUser  *self,
                                            const char     *uuid);
/* Remembers a new uuid (forgetting the oldest past the cap, unless pending). */
ConfabHubSent *confab_hub_user_add_sent    (ConfabHubUser  *self,
                                            const char     *uuid);
void           confab_hub_user_remove_sent (ConfabHubUser  *self,
                                            ConfabHubSent  *sent);

G_END_DECLS
