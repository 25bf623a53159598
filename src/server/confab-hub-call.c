/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-hub-call.c: one 1:1 call being signaled between two sessions */

#define G_LOG_DOMAIN "confab-hub-call"

#include "config.h"

#include "confab-hub-call.h"

ConfabHubCall *
confab_hub_call_new (const char       *id,
                     ConfabHubSession *caller,
                     const char       *callee_user_id)
{
  ConfabHubCall *self = g_new0 (ConfabHubCall, 1);

  g_strlcpy (self->id, id, sizeof self->id);
  self->state = CONFAB_HUB_CALL_INVITED;
  self->caller = confab_hub_session_ref (caller);
  self->callee_user_id = g_strdup (callee_user_id);
  self->invite_link.data = self;

  return self;
}

void
confab_hub_call_free (ConfabHubCall *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->caller, confab_hub_session_unref);
  g_clear_pointer (&self->callee, confab_hub_session_unref);
  g_free (self->callee_user_id);
  g_free (self);
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
