/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-router.h: a scripted in-process server that routes call messages as
 * docs/PROTOCOL.md §7 says, for libconfab tests that must not depend on confab-server */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _Router Router;

struct _Router
{
  SoupServer *server;
  char       *url;
  GPtrArray  *peers;          /* Peer, owned */
  GHashTable *calls;          /* id → RouterCall */
  GPtrArray  *received;       /* "type" of every call message a client sent */
  guint       n_guests;
  guint       n_media_events;
  gboolean    drop_ice;       /* answer callIce but relay nothing: media never connects */
};

Router *router_new  (void);
void    router_free (Router *router);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Router, router_free)

G_END_DECLS
