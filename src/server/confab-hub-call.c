/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-call.c: one 1:1 call being signaled between two sessions */

#define G_LOG_DOMAIN "confab-hub-call"

#include "config.h"

#include "confab-hub-call.h"

ConfabHubCall *
confab_hub_call_new (const char       *id,
                     ConfabHubSession *caller,
                     const char       *callee_user_id,
                     const char       *media)
{
  ConfabHubCall *self = g_new0 (ConfabHubCall, 1);

  g_strlcpy (self->id, id, sizeof self->id);
  self->state = CONFAB_HUB_CALL_INVITED;
  self->caller = confab_hub_session_ref (caller);
  self->callee_user_id = g_strdup (callee_user_id);
  self->media = g_strdup (media);
  self->ringing = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_hub_session_unref);
  self->invite_link.data = self;
  g_queue_init (&self->relayed_order);

  return self;
}

void
confab_hub_call_free (ConfabHubCall *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->caller, confab_hub_session_unref);
  g_clear_pointer (&self->callee, confab_hub_session_unref);
  g_clear_pointer (&self->ringing, g_ptr_array_unref);
  g_clear_pointer (&self->relayed, g_hash_table_unref);
  g_queue_clear_full (&self->relayed_order, g_free);
  g_free (self->callee_user_id);
  g_free (self->media);
  g_free (self);
}

void
confab_hub_call_add_ringing (ConfabHubCall    *self,
                             ConfabHubSession *session)
{
  if (!confab_hub_call_is_ringing_at (self, session))
    g_ptr_array_add (self->ringing, confab_hub_session_ref (session));
}

gboolean
confab_hub_call_remove_ringing (ConfabHubCall    *self,
                                ConfabHubSession *session)
{
  return g_ptr_array_remove (self->ringing, session);
}

gboolean
confab_hub_call_is_ringing_at (ConfabHubCall    *self,
                               ConfabHubSession *session)
{
  return g_ptr_array_find (self->ringing, session, NULL);
}

gboolean
confab_hub_call_note_relayed (ConfabHubCall *self,
                              gboolean       from_caller,
                              const char    *uuid)
{
  char *key = g_strconcat (from_caller ? "c" : "e", uuid, NULL);

  if (self->relayed == NULL)
    self->relayed = g_hash_table_new (g_str_hash, g_str_equal);

  if (g_hash_table_contains (self->relayed, key))
    {
      g_free (key);
      return FALSE;
    }

  /* the queue owns the keys */
  g_hash_table_add (self->relayed, key);
  g_queue_push_tail (&self->relayed_order, key);
  if (self->relayed_order.length > CONFAB_HUB_CALL_MAX_RELAYED_UUIDS)
    {
      char *oldest = g_queue_pop_head (&self->relayed_order);

      g_hash_table_remove (self->relayed, oldest);
      g_free (oldest);
    }

  return TRUE;
}

gboolean
confab_hub_call_has_party (ConfabHubCall    *self,
                           ConfabHubSession *session)
{
  if (session == self->caller)
    return TRUE;

  if (self->state == CONFAB_HUB_CALL_ACCEPTED)
    return session == self->callee;

  return session->user != NULL && g_str_equal (session->user->id, self->callee_user_id);
}

void
confab_hub_session_add_call (ConfabHubSession *session,
                             ConfabHubCall    *call)
{
  if (session->calls == NULL)
    session->calls = g_ptr_array_new ();
  g_ptr_array_add (session->calls, call);
}

void
confab_hub_session_remove_call (ConfabHubSession *session,
                                ConfabHubCall    *call)
{
  if (session->calls == NULL)
    return;

  g_ptr_array_remove_fast (session->calls, call);
  if (session->calls->len == 0)
    g_clear_pointer (&session->calls, g_ptr_array_unref);
}

guint
confab_hub_session_n_calls (ConfabHubSession *session)
{
  return session->calls != NULL ? session->calls->len : 0;
}
