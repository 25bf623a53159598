/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-event.h: one event the hub sends to sessions, serialized once */

#pragma once

#include <glib.h>

#include "confab-wire.h"

G_BEGIN_DECLS

/**
 * ConfabHubEvent:
 * @type: the event's type
 * @storage_id: the offline-store row it came from (> 0), or 0
 * @body: the JSON text of the event without its `seq` and without the opening brace
 *   (`"type":"contactMessage",…}`); a session prefixes `{"seq":N,`
 * @body_len: its length
 *
 * Reference counted; used only on the loop thread. An event addressed to a user with
 * several sessions is serialized once and shared by their replay buffers.
 */
typedef struct {
  guint           ref_count;
  ConfabWireType  type;
  gint64          storage_id;
  gsize           body_len;
  char            body[];
} ConfabHubEvent;

/* Takes the body text of @body (which starts with `"type":…` and ends with `}`). */
ConfabHubEvent *confab_hub_event_new    (ConfabWireType  type,
                                         const char     *body,
                                         gsize           body_len);
ConfabHubEvent *confab_hub_event_ref    (ConfabHubEvent *self);
void            confab_hub_event_unref  (ConfabHubEvent *self);
/* Appends the complete frame `{"seq":SEQ,…}` to @out. */
void            confab_hub_event_format (ConfabHubEvent *self,
                                         gint64          seq,
                                         GString        *out);
/* Parses the event back into an object (without seq); for rare paths only. */
JsonObject     *confab_hub_event_parse  (ConfabHubEvent *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabHubEvent, confab_hub_event_unref)

G_END_DECLS
