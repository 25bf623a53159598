/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-event.c: one event the hub sends to sessions, serialized once */

#define G_LOG_DOMAIN "confab-hub-event"

#include "config.h"

#include "confab-hub-event.h"
#include "confab-json-writer.h"

#include <string.h>

ConfabHubEvent *
confab_hub_event_new (ConfabWireType  type,
                      const char     *body,
                      gsize           body_len)
{
  ConfabHubEvent *self = g_malloc (sizeof (ConfabHubEvent) + body_len + 1);

  self->ref_count = 1;
  self->type = type;
  self->storage_id = 0;
  self->body_len = body_len;
  memcpy (self->body, body, body_len);
  self->body[body_len] = '\0';

  return self;
}

ConfabHubEvent *
confab_hub_event_ref (ConfabHubEvent *self)
{
  self->ref_count++;
  return self;
}

void
confab_hub_event_unref (ConfabHubEvent *self)
{
  if (--self->ref_count == 0)
    g_free (self);
}

void
confab_hub_event_format (ConfabHubEvent *self,
                         gint64          seq,
                         GString        *out)
{
  g_string_append (out, "{\"seq\":");
  confab_json_append_int (out, seq);
  g_string_append_c (out, ',');
  g_string_append_len (out, self->body, self->body_len);
}

JsonObject *
confab_hub_event_parse (ConfabHubEvent *self)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GString) text = g_string_sized_new (self->body_len + 1);
  JsonNode *root;

  g_string_append_c (text, '{');
  g_string_append_len (text, self->body, self->body_len);

  if (!json_parser_load_from_data (parser, text->str, text->len, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}
