/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-session.c: one session: its user, its numbered events, its connection */

#define G_LOG_DOMAIN "confab-hub-session"

#include "config.h"

#include "confab-hub-session.h"
#include "confab-hub-connection.h"
#include "confab-json-writer.h"

#include <sodium.h>

void
confab_hub_random_hex (char  *out,
                       gsize  n_bytes)
{
  static const char hex[] = "0123456789abcdef";
  guint8 bytes[64];

  g_assert (n_bytes <= sizeof bytes);

  randombytes_buf (bytes, n_bytes);
  for (gsize i = 0; i < n_bytes; i++)
    {
      out[2 * i] = hex[bytes[i] >> 4];
      out[2 * i + 1] = hex[bytes[i] & 0xf];
    }
  out[2 * n_bytes] = '\0';
}

ConfabHubSession *
confab_hub_session_new (void)
{
  ConfabHubSession *self = g_new0 (ConfabHubSession, 1);

  self->ref_count = 1;
  confab_hub_random_hex (self->id, CONFAB_HUB_SESSION_ID_LENGTH / 2);
  confab_hub_session_new_token (self);
  self->user_link.data = self;
  self->grace_link.data = self;
  confab_replay_buffer_init (&self->replay, CONFAB_REPLAY_BUFFER_MAX_EVENTS,
                             CONFAB_REPLAY_BUFFER_MAX_BYTES);
  g_queue_init (&self->pending);

  return self;
}

ConfabHubSession *
confab_hub_session_ref (ConfabHubSession *self)
{
  self->ref_count++;
  return self;
}

void
confab_hub_session_unref (ConfabHubSession *self)
{
  if (--self->ref_count > 0)
    return;

  g_assert (self->connection == NULL);
  g_assert (self->calls == NULL);
  confab_replay_buffer_clear (&self->replay);
  g_queue_clear_full (&self->pending, (GDestroyNotify) confab_hub_event_unref);
  g_free (self->username);
  g_free (self->user_data);
  g_free (self);
}

void
confab_hub_session_new_token (ConfabHubSession *self)
{
  guint8 bytes[32];
  g_autofree char *base64 = NULL;

  randombytes_buf (bytes, sizeof bytes);
  base64 = g_base64_encode (bytes, sizeof bytes);
  for (char *p = base64; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        *p = '\0';
    }

  g_assert (strlen (base64) == CONFAB_WIRE_RESUME_TOKEN_LENGTH);
  memcpy (self->token, base64, CONFAB_WIRE_RESUME_TOKEN_LENGTH + 1);
  sodium_memzero (bytes, sizeof bytes);
}

void
confab_hub_session_push_event (ConfabHubSession *self,
                               ConfabHubEvent   *event)
{
  if (self->loading_offline)
    {
      g_queue_push_tail (&self->pending, confab_hub_event_ref (event));
      return;
    }

  confab_replay_buffer_push (&self->replay, event, NULL, NULL);

  if (self->connection != NULL)
    confab_hub_connection_flush (self->connection);
}

void
confab_hub_session_append_peer (ConfabHubSession *self,
                                GString          *out)
{
  g_string_append (out, "{\"id\":");
  confab_json_append_string (out, self->user->id);
  g_string_append (out, ",\"username\":");
  confab_json_append_string (out, self->username);
  g_string_append_c (out, '}');
}
