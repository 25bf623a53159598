/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-received-call-invitation.c: a contact is calling */

#define G_LOG_DOMAIN "confab-received-call-invitation"

#include "config.h"

#include "confab-call-private.h"
#include "confab-enum-types.h"
#include "confab-error.h"
#include "confab-received-call-invitation-private.h"
#include "confab-session-private.h"

/**
 * ConfabReceivedCallInvitation:
 *
 * A call from a contact, as given by #ConfabSession::incoming-call (or
 * #ConfabSession::incoming-screen-sharing-call-invitation). The caller's client has
 * already been told that this one rings. Answer it with
 * confab_received_call_invitation_accept_async() or
 * confab_received_call_invitation_decline(); if the caller gives up first (or another
 * session of the same user answers or declines), #ConfabReceivedCallInvitation::cancelled
 * is emitted and the invitation can no longer be answered.
 */
struct _ConfabReceivedCallInvitation
{
  GObject          parent_instance;

  /* borrowed */
  GWeakRef         session;

  /* owned */
  ConfabContact   *contact;
  char            *call_id;

  ConfabCallMedia  media;
  gboolean         pending;
};

G_DEFINE_FINAL_TYPE (ConfabReceivedCallInvitation, confab_received_call_invitation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CALL_ID,
  PROP_CONTACT,
  PROP_MEDIA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CANCELLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* GObject */

static void
confab_received_call_invitation_get_property (GObject    *object,
                                              guint       prop_id,
                                              GValue     *value,
                                              GParamSpec *pspec)
{
  ConfabReceivedCallInvitation *self = CONFAB_RECEIVED_CALL_INVITATION (object);

  switch (prop_id)
    {
    case PROP_CALL_ID:
      g_value_set_string (value, self->call_id);
      break;

    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;

    case PROP_MEDIA:
      g_value_set_enum (value, self->media);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_received_call_invitation_finalize (GObject *object)
{
  ConfabReceivedCallInvitation *self = CONFAB_RECEIVED_CALL_INVITATION (object);

  g_weak_ref_clear (&self->session);
  g_clear_object (&self->contact);
  g_free (self->call_id);

  G_OBJECT_CLASS (confab_received_call_invitation_parent_class)->finalize (object);
}

static void
confab_received_call_invitation_class_init (ConfabReceivedCallInvitationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_received_call_invitation_get_property;
  object_class->finalize = confab_received_call_invitation_finalize;

  /**
   * ConfabReceivedCallInvitation:call-id:
   *
   * The id of the call offered.
   */
  properties[PROP_CALL_ID] =
    g_param_spec_string ("call-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabReceivedCallInvitation:contact:
   *
   * Who is calling.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, CONFAB_TYPE_CONTACT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabReceivedCallInvitation:media:
   *
   * What the caller offers: audio, video or a screen share.
   */
  properties[PROP_MEDIA] =
    g_param_spec_enum ("media", NULL, NULL,
                       CONFAB_TYPE_CALL_MEDIA, CONFAB_CALL_MEDIA_AUDIO,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabReceivedCallInvitation::cancelled:
   * @self: the invitation
   * @reason: why: `Hangup_From_Caller`, `Answered_Elsewhere`, `Declined_Elsewhere`,
   *   `Timeout`, `disconnected`, …
   *
   * The invitation can no longer be answered: the caller gave up, another session of
   * the same user answered or declined it, nobody answered in time, or this session
   * ended.
   */
  signals[SIGNAL_CANCELLED] =
    g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
confab_received_call_invitation_init (ConfabReceivedCallInvitation *self)
{
  g_weak_ref_init (&self->session, NULL);
}

ConfabReceivedCallInvitation *
_confab_received_call_invitation_new (ConfabSession   *session,
                                      ConfabContact   *contact,
                                      const char      *call_id,
                                      ConfabCallMedia  media)
{
  ConfabReceivedCallInvitation *self = g_object_new (CONFAB_TYPE_RECEIVED_CALL_INVITATION, NULL);

  g_weak_ref_set (&self->session, session);
  self->contact = g_object_ref (contact);
  self->call_id = g_strdup (call_id);
  self->media = media;
  self->pending = TRUE;

  return self;
}

void
_confab_received_call_invitation_cancel (ConfabReceivedCallInvitation *self,
                                         const char                   *reason)
{
  g_autoptr(ConfabReceivedCallInvitation) hold G_GNUC_UNUSED = g_object_ref (self);

  if (!self->pending)
    return;

  self->pending = FALSE;
  g_signal_emit (self, signals[SIGNAL_CANCELLED], 0, reason != NULL ? reason : "Hangup_From_Caller");
}

/**
 * confab_received_call_invitation_get_call_id:
 * @self: a #ConfabReceivedCallInvitation
 *
 * Returns: the id of the call offered
 */
const char *
confab_received_call_invitation_get_call_id (ConfabReceivedCallInvitation *self)
{
  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self), NULL);
  return self->call_id;
}

/**
 * confab_received_call_invitation_get_contact:
 * @self: a #ConfabReceivedCallInvitation
 *
 * Returns: (transfer none): who is calling
 */
ConfabContact *
confab_received_call_invitation_get_contact (ConfabReceivedCallInvitation *self)
{
  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self), NULL);
  return self->contact;
}

/**
 * confab_received_call_invitation_get_media:
 * @self: a #ConfabReceivedCallInvitation
 *
 * Returns: what the caller offers
 */
ConfabCallMedia
confab_received_call_invitation_get_media (ConfabReceivedCallInvitation *self)
{
  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self), CONFAB_CALL_MEDIA_AUDIO);
  return self->media;
}

/**
 * confab_received_call_invitation_is_pending:
 * @self: a #ConfabReceivedCallInvitation
 *
 * Returns: %TRUE while the invitation can still be accepted or declined
 */
gboolean
confab_received_call_invitation_is_pending (ConfabReceivedCallInvitation *self)
{
  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self), FALSE);
  return self->pending;
}

static void
on_accept_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabCall *call = CONFAB_CALL (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = NULL;

  ok = g_task_propagate_pointer (G_TASK (result), &error);
  if (ok == NULL)
    {
      /* e.g. WRONG_STATE: the caller cancelled meanwhile */
      _confab_call_end (call, "local", "Call_Failed", FALSE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE,
                               "The call ended while it was being accepted");
      return;
    }

  g_task_return_pointer (task, g_object_ref (call), g_object_unref);
}

/**
 * confab_received_call_invitation_accept_async:
 * @self: a #ConfabReceivedCallInvitation
 * @stream: (nullable): the local #ConfabStream to send, or %NULL to
 *   send nothing (e.g. to watch a screen share)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has confirmed the answer
 * @user_data: (closure): data for @callback
 *
 * Accepts the call. The call is #CONFAB_CALL_STATUS_ONGOING from then on; the caller
 * sends its offer and media follows. Fails with %CONFAB_ERROR_WRONG_STATE if the
 * invitation is no longer pending.
 */
void
confab_received_call_invitation_accept_async (ConfabReceivedCallInvitation *self,
                                              ConfabStream                 *stream,
                                              GCancellable                 *cancellable,
                                              GAsyncReadyCallback           callback,
                                              gpointer                      user_data)
{
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) request_task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabCall) call = NULL;

  g_return_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self));
  g_return_if_fail (stream == NULL || CONFAB_IS_STREAM (stream));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_received_call_invitation_accept_async);

  if (!self->pending)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE,
                               "The invitation is no longer pending");
      return;
    }

  session = g_weak_ref_get (&self->session);
  if (session == NULL || !_confab_session_can_send (session, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The session is gone");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->pending = FALSE;

  /* The call exists from now on, so that the caller's offer, which may follow the
   * server's answer closely, finds it. */
  call = _confab_call_new (session, self->contact, self->call_id, CONFAB_CALL_DIRECTION_INCOMING,
                           self->media, stream);
  _confab_session_add_call (session, call);
  _confab_session_forget_invitation (session, self);

  request = confab_wire_object_new (CONFAB_WIRE_CALL_ACCEPT, 0);
  json_object_set_string_member (request, "callId", self->call_id);
  request_task = g_task_new (call, NULL, on_accept_done, g_steal_pointer (&task));
  _confab_session_submit (session, request, self->call_id, NULL, request_task);

  _confab_call_start_incoming (call);
}

/**
 * confab_received_call_invitation_accept_finish:
 * @self: a #ConfabReceivedCallInvitation
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer none): the ongoing #ConfabCall (the session owns it), or %NULL
 *   with @error set
 */
ConfabCall *
confab_received_call_invitation_accept_finish (ConfabReceivedCallInvitation  *self,
                                               GAsyncResult                  *result,
                                               GError                       **error)
{
  g_autoptr(ConfabCall) call = NULL;

  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  call = g_task_propagate_pointer (G_TASK (result), error);
  /* the session keeps the call for its whole life */
  return call;
}

static void
on_decline_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = g_task_propagate_pointer (G_TASK (result), &error);

  if (ok == NULL)
    g_debug ("The server did not take the decline: %s", error->message);
}

/**
 * confab_received_call_invitation_decline:
 * @self: a #ConfabReceivedCallInvitation
 * @reason: (nullable): why, for the caller (`User_Refused_Call` when %NULL)
 *
 * Declines the call; the caller gets #ConfabCall::declined. Does nothing if the
 * invitation is no longer pending.
 */
void
confab_received_call_invitation_decline (ConfabReceivedCallInvitation *self,
                                         const char                   *reason)
{
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (self));

  if (!self->pending)
    return;

  if (reason == NULL || !confab_wire_is_name (reason))
    reason = "User_Refused_Call";

  self->pending = FALSE;
  session = g_weak_ref_get (&self->session);
  if (session == NULL)
    return;

  _confab_session_forget_invitation (session, self);
  if (!_confab_session_can_send (session, NULL))
    return;

  request = confab_wire_object_new (CONFAB_WIRE_CALL_DECLINE, 0);
  json_object_set_string_member (request, "callId", self->call_id);
  json_object_set_string_member (request, "reason", reason);
  task = g_task_new (self, NULL, on_decline_done, NULL);
  _confab_session_submit (session, request, self->call_id, NULL, task);
}
