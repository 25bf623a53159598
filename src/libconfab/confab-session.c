/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-session.c: a signed-in session with a confab-server */

#define G_LOG_DOMAIN "confab-session"

#include "config.h"

#include "confab-backoff.h"
#include "confab-call-engine.h"
#include "confab-call-private.h"
#include "confab-connection.h"
#include "confab-contact-private.h"
#include "confab-device-list.h"
#include "confab-enum-types.h"
#include "confab-error-private.h"
#include "confab-message-private.h"
#include "confab-received-call-invitation-private.h"
#include "confab-session-private.h"
#include "confab-user-agent.h"

#include <libsoup/soup.h>

/**
 * ConfabSession:
 *
 * The connected environment of a #ConfabUserAgent, made by
 * confab_user_agent_register_async(). It owns one #ConfabContact per user id and
 * reports what other users send as signals.
 *
 * When the connection drops, the session emits #ConfabSession::reconnecting, tries
 * again with jittered exponential backoff (1 s doubling to 30 s; the environment
 * variables `CONFAB_RECONNECT_MIN_MS` and `CONFAB_RECONNECT_MAX_MS` change the
 * bounds), resumes where it left off and emits #ConfabSession::reconnection with
 * %TRUE. If the server no longer knows the session (its grace period passed, or it
 * restarted) the session registers again with the same credentials and emits
 * #ConfabSession::reconnection with %FALSE. Sends made meanwhile are queued and go
 * out afterwards, in order; nothing is delivered twice. If the credentials are
 * refused, it emits #ConfabSession::error and then #ConfabSession::disconnect.
 */

/* How many (sender, uuid) pairs are remembered to drop redelivered events. */
#define SEEN_CAPACITY 8192
#define RATE_LIMITED_PAUSE_MS 1000
#define SOUP_MAX_CONNS 4
#define SOUP_MAX_CONNS_PER_HOST 2

typedef struct {
  int             ref_count;
  ConfabSession  *session;        /* unowned; valid while the op is in its queue */
  JsonObject     *request;
  char           *uuid;
  GTask          *task;           /* NULL once answered or cancelled */
  ConfabMessage  *message;
  GCancellable   *cancellable;
  gulong          cancelled_id;
  gboolean        in_flight;
  gboolean        done;
} Op;

struct _ConfabSession
{
  GObject                     parent_instance;

  /* owned */
  ConfabUserAgent            *user_agent;
  ConfabRegisterInformation  *info;
  SoupSession                *soup_session;
  ConfabConnection           *connection;
  GCancellable               *cancellable;
  GTask                      *register_task;
  GCancellable               *register_cancellable;
  GPtrArray                  *disconnect_tasks;
  GSource                    *reconnect_source;
  GSource                    *flush_source;
  GSource                    *release_source;
  GMainContext               *context;
  GRand                      *rand;
  char                       *id;
  char                       *session_id;
  char                       *username;
  JsonObject                 *user_data;
  char                       *resume_token;
  char                       *welcome_token;
  char                       *welcome_session_id;
  GHashTable                 *contacts_by_id;
  GListStore                 *contacts;
  GQueue                      ops;
  GHashTable                 *seen;
  GQueue                      seen_order;
  GQueue                      held_events;
  JsonArray                  *ice_servers;
  GHashTable                 *calls_by_id;      /* every call of the session, ended too */
  GListStore                 *calls;            /* the calls not ended */
  GHashTable                 *invitations;      /* call id → pending ConfabReceivedCallInvitation */
  GNetworkMonitor            *network_monitor;
  ConfabDeviceList           *devices;
  GListStore                 *empty_devices;
  gulong                      network_changed_id;
  guint                       stats_interval_ms;
  gboolean                    quality_evaluating;

  ConfabWireLimits            limits;
  ConfabBackoff               backoff;
  ConfabSessionState          state;
  gint64                      last_seq;
  gint64                      gap_seq;
  gboolean                    holding_events;
  gboolean                    disconnecting;
  gboolean                    allow_multiple_calls;
  gulong                      register_cancelled_id;
  gboolean                    is_guest;
};

G_DEFINE_FINAL_TYPE (ConfabSession, confab_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SESSION_ID,
  PROP_USERNAME,
  PROP_USER_DATA,
  PROP_STATE,
  PROP_USER_AGENT,
  PROP_ALLOW_MULTIPLE_CALLS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CONTACT_MESSAGE,
  SIGNAL_CONTACT_DATA,
  SIGNAL_CUSTOM_EVENT,
  SIGNAL_RAW_DATA,
  SIGNAL_DISCONNECT,
  SIGNAL_ERROR,
  SIGNAL_RECONNECTING,
  SIGNAL_RECONNECTION,
  SIGNAL_INCOMING_CALL,
  SIGNAL_INCOMING_SCREEN_SHARING_CALL_INVITATION,
  SIGNAL_INCOMING_SCREEN_SHARING_CALL,
  SIGNAL_CALL_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_connection (ConfabSession    *self);
static void flush_queue      (ConfabSession    *self);
static void connection_lost  (ConfabSession    *self,
                              ConfabConnection *connection,
                              const GError     *error);

/* helpers */

static GSource *
add_timeout (ConfabSession *self,
             guint          ms,
             GSourceFunc    func)
{
  GSource *source = ms == 0 ? g_idle_source_new () : g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GDateTime *
date_time_from_ms (gint64 ms)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_local (ms / 1000);

  if (seconds == NULL)
    return g_date_time_new_now_local ();

  return g_date_time_add (seconds, (ms % 1000) * G_TIME_SPAN_MILLISECOND);
}

static void
set_string_property (ConfabSession  *self,
                     char          **field,
                     const char     *value,
                     guint           prop)
{
  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_state (ConfabSession      *self,
           ConfabSessionState  state)
{
  if (self->state == state)
    return;

  g_debug ("Session %s: state %d → %d", self->id != NULL ? self->id : "(new)", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Held events are copies made here, freed here (not by the codec). */
static ConfabWireMessage *
held_event_new (const ConfabWireMessage *message)
{
  ConfabWireMessage *copy = g_new0 (ConfabWireMessage, 1);

  *copy = *message;
  copy->object = json_object_ref (message->object);
  return copy;
}

static void
held_event_free (ConfabWireMessage *message)
{
  json_object_unref (message->object);
  g_free (message);
}

static void
forget_register_cancellable (ConfabSession *self)
{
  if (self->register_cancellable != NULL)
    {
      g_cancellable_disconnect (self->register_cancellable, self->register_cancelled_id);
      self->register_cancelled_id = 0;
      g_clear_object (&self->register_cancellable);
    }
}

/* ops: one logical send, kept until the server answers it */

static Op *
op_ref (Op *op)
{
  op->ref_count++;
  return op;
}

static void
op_unref (gpointer data)
{
  Op *op = data;

  if (--op->ref_count > 0)
    return;

  g_clear_pointer (&op->request, json_object_unref);
  g_clear_object (&op->task);
  g_clear_object (&op->message);
  g_clear_object (&op->cancellable);
  g_free (op->uuid);
  g_free (op);
}

/* Answers the op's caller and forgets the op. */
static void
op_finish (Op           *op,
           JsonObject   *result,
           const GError *error)
{
  ConfabSession *self = op->session;
  g_autoptr(GTask) task = NULL;

  if (op->done)
    return;

  op->done = TRUE;
  if (op->cancellable != NULL && op->cancelled_id != 0)
    {
      g_signal_handler_disconnect (op->cancellable, op->cancelled_id);
      op->cancelled_id = 0;
    }

  if (op->message != NULL)
    {
      if (error != NULL)
        {
          _confab_message_set_status (op->message, CONFAB_MESSAGE_STATUS_FAILED);
        }
      else
        {
          const char *delivered = json_object_get_string_member_with_default (result, "delivered", "online");
          JsonNode *time = json_object_get_member (result, "time");

          if (time != NULL && json_node_get_value_type (time) == G_TYPE_INT64)
            {
              g_autoptr(GDateTime) date_time = date_time_from_ms (json_node_get_int (time));

              _confab_message_set_time (op->message, date_time);
            }
          _confab_message_set_status (op->message,
                                      g_strcmp0 (delivered, "stored") == 0
                                      ? CONFAB_MESSAGE_STATUS_STORED
                                      : CONFAB_MESSAGE_STATUS_SENT);
        }
    }

  task = g_steal_pointer (&op->task);

  if (self != NULL && g_queue_remove (&self->ops, op))
    op_unref (op);

  if (task != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_strdup (op->uuid), g_free);
    }
}

static void
on_op_reply (ConfabConnection *connection,
             JsonObject       *data,
             const GError     *error,
             gpointer          user_data)
{
  Op *op = user_data;
  ConfabSession *self = op->session;

  op->in_flight = FALSE;

  if (op->done || self == NULL)
    return;

  if (error == NULL)
    {
      if (json_object_get_boolean_member_with_default (data, "duplicate", FALSE))
        g_debug ("Send %s was already accepted before a reconnection", op->uuid);
      op_finish (op, data, NULL);
      return;
    }

  if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED) &&
      self->state != CONFAB_SESSION_STATE_DISCONNECTED)
    {
      /* stays in the queue, in its place; goes again, same uuid, once reconnected */
      return;
    }

  if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_RATE_LIMITED) &&
      self->state != CONFAB_SESSION_STATE_DISCONNECTED)
    {
      if (self->flush_source == NULL)
        {
          g_debug ("Rate limited; sending again in %d ms", RATE_LIMITED_PAUSE_MS);
          self->flush_source = add_timeout (self, RATE_LIMITED_PAUSE_MS, (GSourceFunc) flush_queue);
        }
      return;
    }

  op_finish (op, NULL, error);
}

static gboolean
on_op_cancelled_idle (gpointer data)
{
  Op *op = data;
  g_autoptr(GTask) task = NULL;

  if (op->done)
    return G_SOURCE_REMOVE;

  if (!op->in_flight)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "The send was cancelled");

      op_finish (op, NULL, error);
      return G_SOURCE_REMOVE;
    }

  /* Already on the wire: answer the caller now; the message's status still follows
   * what the server says. */
  task = g_steal_pointer (&op->task);
  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The send was cancelled");

  return G_SOURCE_REMOVE;
}

static void
on_op_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  Op *op = data;
  ConfabSession *self = op->session;
  GSource *source;

  if (self == NULL)
    return;

  /* may run in any thread: act in the session's context */
  source = g_idle_source_new ();
  g_source_set_callback (source, on_op_cancelled_idle, op_ref (op), op_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
fail_all_ops (ConfabSession *self,
              const GError  *error)
{
  while (!g_queue_is_empty (&self->ops))
    {
      Op *op = op_ref (g_queue_peek_head (&self->ops));

      op_finish (op, NULL, error);
      op->session = NULL;
      op_unref (op);
    }
}

static void
flush_queue (ConfabSession *self)
{
  clear_source (&self->flush_source);

  if (self->state != CONFAB_SESSION_STATE_CONNECTED ||
      self->connection == NULL ||
      !_confab_connection_is_open (self->connection) ||
      self->disconnecting)
    return;

  for (GList *l = self->ops.head; l != NULL; )
    {
      Op *op = l->data;
      guint delay;

      l = l->next;

      if (op->in_flight || op->done)
        continue;

      delay = _confab_connection_get_send_delay (self->connection);
      if (delay > 0)
        {
          self->flush_source = add_timeout (self, delay, (GSourceFunc) flush_queue);
          return;
        }

      op->in_flight = TRUE;
      _confab_connection_request (self->connection, op->request, on_op_reply, op_ref (op), op_unref);

      if (self->connection == NULL || !_confab_connection_is_open (self->connection))
        return;
    }
}

/* events */

static gboolean
remember_seen (ConfabSession *self,
               const char    *from,
               const char    *uuid)
{
  char *key = g_strconcat (from, "\n", uuid, NULL);

  if (g_hash_table_contains (self->seen, key))
    {
      g_free (key);
      return FALSE;
    }

  g_hash_table_add (self->seen, key);
  g_queue_push_tail (&self->seen_order, key);

  if (g_queue_get_length (&self->seen_order) > SEEN_CAPACITY)
    g_hash_table_remove (self->seen, g_queue_pop_head (&self->seen_order));

  return TRUE;
}

/* calls */

static void
on_call_request_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = g_task_propagate_pointer (G_TASK (result), &error);

  if (ok == NULL)
    g_debug ("The server refused a call message: %s", error->message);
}

/* A call message no call object stands behind: ringing, or an automatic decline. */
static void
send_call_message (ConfabSession  *self,
                   ConfabWireType  type,
                   const char     *call_id,
                   const char     *reason)
{
  g_autoptr(JsonObject) request = confab_wire_object_new (type, 0);
  g_autoptr(GTask) task = g_task_new (self, NULL, on_call_request_done, NULL);

  json_object_set_string_member (request, "callId", call_id);
  if (reason != NULL)
    json_object_set_string_member (request, "reason", reason);
  _confab_session_submit (self, request, call_id, NULL, task);
}

static ConfabCall *
find_ongoing_call_with (ConfabSession *self,
                        ConfabContact *contact)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->calls));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabCall) call = g_list_model_get_item (G_LIST_MODEL (self->calls), i);

      if (confab_call_get_contact (call) == contact &&
          confab_call_get_status (call) == CONFAB_CALL_STATUS_ONGOING)
        return call;
    }

  return NULL;
}

static void
on_screen_share_accepted (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(ConfabSession) self = user_data;
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  call = confab_received_call_invitation_accept_finish (CONFAB_RECEIVED_CALL_INVITATION (object), result, &error);
  if (call == NULL)
    {
      g_debug ("Could not take a screen share: %s", error->message);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_INCOMING_SCREEN_SHARING_CALL], 0, call);
}

static void
handle_invite (ConfabSession     *self,
               ConfabContact     *contact,
               ConfabWireMessage *message)
{
  const char *call_id = json_object_get_string_member (message->object, "callId");
  g_autoptr(ConfabReceivedCallInvitation) invitation = NULL;
  ConfabCallMedia media;

  if (!_confab_call_media_from_string (json_object_get_string_member (message->object, "media"), &media))
    {
      g_debug ("Ignoring an invitation with unknown media");
      return;
    }

  if (g_hash_table_contains (self->calls_by_id, call_id) || g_hash_table_contains (self->invitations, call_id))
    return;

  /* A screen share from someone we are talking to joins that call. */
  if (media == CONFAB_CALL_MEDIA_SCREEN && find_ongoing_call_with (self, contact) != NULL)
    {
      invitation = _confab_received_call_invitation_new (self, contact, call_id, media);
      send_call_message (self, CONFAB_WIRE_CALL_RINGING, call_id, NULL);
      confab_received_call_invitation_accept_async (invitation, NULL, NULL, on_screen_share_accepted,
                                                    g_object_ref (self));
      return;
    }

  if (!self->allow_multiple_calls && g_list_model_get_n_items (G_LIST_MODEL (self->calls)) > 0)
    {
      g_debug ("Busy: declining call %s from %s", call_id, confab_contact_get_id (contact));
      send_call_message (self, CONFAB_WIRE_CALL_DECLINE, call_id, "User_Busy");
      return;
    }

  invitation = _confab_received_call_invitation_new (self, contact, call_id, media);
  g_hash_table_insert (self->invitations, g_strdup (call_id), g_object_ref (invitation));
  send_call_message (self, CONFAB_WIRE_CALL_RINGING, call_id, NULL);

  g_signal_emit (self,
                 signals[media == CONFAB_CALL_MEDIA_SCREEN ? SIGNAL_INCOMING_SCREEN_SHARING_CALL_INVITATION
                                                          : SIGNAL_INCOMING_CALL],
                 0, invitation);
}

/* The caller gave up (or the server did, Timeout), or (Answered_Elsewhere,
 * Declined_Elsewhere) another session of our own user answered or declined: the server
 * stamps that session's user as the sender. */
static gboolean
cancel_invitation (ConfabSession     *self,
                   const char        *from_id,
                   ConfabWireMessage *message)
{
  const char *call_id = json_object_get_string_member (message->object, "callId");
  ConfabReceivedCallInvitation *invitation = g_hash_table_lookup (self->invitations, call_id);
  g_autoptr(ConfabReceivedCallInvitation) hold = NULL;

  if (invitation == NULL ||
      (g_strcmp0 (confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)), from_id) != 0 &&
       g_strcmp0 (from_id, self->id) != 0))
    return FALSE;

  hold = g_object_ref (invitation);
  g_hash_table_remove (self->invitations, call_id);
  _confab_received_call_invitation_cancel (hold, json_object_get_string_member_with_default (message->object, "reason", NULL));
  return TRUE;
}

static void
dispatch_call_event (ConfabSession     *self,
                     ConfabWireMessage *message)
{
  JsonObject *object = message->object;
  JsonObject *from = json_object_get_object_member (object, "from");
  const char *from_id = json_object_get_string_member (from, "id");
  const char *call_id = json_object_get_string_member (object, "callId");
  ConfabContact *contact;
  ConfabCall *call;

  if (call_id == NULL)
    return;

  /* before the contact is made: our own user is not a contact */
  if (message->type == CONFAB_WIRE_CALL_CANCEL && cancel_invitation (self, from_id, message))
    return;

  contact = confab_session_get_or_create_contact (self, from_id);
  if (contact == NULL)
    return;
  _confab_contact_set_username (contact, json_object_get_string_member_with_default (from, "username", NULL));

  if (message->type == CONFAB_WIRE_CALL_INVITE)
    {
      handle_invite (self, contact, message);
      return;
    }

  call = g_hash_table_lookup (self->calls_by_id, call_id);
  if (call != NULL)
    {
      if (confab_call_get_contact (call) == contact)
        _confab_call_handle_event (call, message);
      return;
    }

  g_debug ("Ignoring %s for unknown call %s", confab_wire_type_to_string (message->type), call_id);
}

/* Ends every call and invitation: the session ended, or the server forgot it. */
static void
end_all_calls (ConfabSession *self,
               const char    *reason)
{
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GPtrArray) invitations = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->invitations != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->invitations);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (invitations, g_object_ref (value));
      g_hash_table_remove_all (self->invitations);
      for (guint i = 0; i < invitations->len; i++)
        _confab_received_call_invitation_cancel (g_ptr_array_index (invitations, i), reason);
    }

  while (self->calls != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->calls)) > 0)
    {
      g_autoptr(ConfabCall) call = g_list_model_get_item (G_LIST_MODEL (self->calls), 0);

      guint position;

      _confab_call_end (call, "local", reason, FALSE);
      /* _confab_session_call_ended() took it out of the list; make sure of it */
      if (g_list_store_find (self->calls, call, &position))
        g_list_store_remove (self->calls, position);
    }
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    ConfabSession   *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->calls));

  g_debug ("The network changed (%savailable)", available ? "" : "un");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabCall) call = g_list_model_get_item (G_LIST_MODEL (self->calls), i);

      _confab_call_network_changed (call);
    }
}

static gboolean
is_call_media_event (ConfabSession     *self,
                     ConfabContact     *contact,
                     ConfabWireMessage *message)
{
  JsonNode *content = json_object_get_member (message->object, "content");
  ConfabCall *call;
  JsonObject *object;

  if (g_strcmp0 (json_object_get_string_member (message->object, "event"), CONFAB_CALL_MEDIA_EVENT) != 0 ||
      content == NULL || !JSON_NODE_HOLDS_OBJECT (content))
    return FALSE;

  object = json_node_get_object (content);
  call = g_hash_table_lookup (self->calls_by_id,
                              json_object_get_string_member_with_default (object, "callId", ""));
  if (call == NULL || confab_call_get_contact (call) != contact)
    return FALSE;

  _confab_call_handle_media_event (call, object);
  return TRUE;
}

static void
dispatch_contact_event (ConfabSession     *self,
                        ConfabWireMessage *message)
{
  JsonObject *object = message->object;
  JsonObject *from = json_object_get_object_member (object, "from");
  const char *from_id = json_object_get_string_member (from, "id");
  const char *from_name = json_object_get_string_member_with_default (from, "username", NULL);
  const char *uuid = json_object_get_string_member (object, "uuid");
  ConfabContact *contact;
  g_autoptr(GDateTime) time = NULL;

  if (!remember_seen (self, from_id, uuid))
    {
      g_debug ("Dropping %s %s from %s: already delivered",
               confab_wire_type_to_string (message->type), uuid, from_id);
      return;
    }

  contact = confab_session_get_or_create_contact (self, from_id);
  if (contact == NULL)
    return;
  _confab_contact_set_username (contact, from_name);
  time = date_time_from_ms (json_object_get_int_member_with_default (object, "time", 0));

  switch (message->type)
    {
    case CONFAB_WIRE_CONTACT_MESSAGE:
      {
        g_autoptr(ConfabMessage) incoming = NULL;

        incoming = _confab_message_new (contact, CONFAB_MESSAGE_DIRECTION_INCOMING, uuid,
                                        json_object_get_string_member (object, "text"), time,
                                        json_object_get_boolean_member_with_default (object, "offline", FALSE));
        _confab_contact_take_incoming (contact, incoming);
        g_signal_emit (self, signals[SIGNAL_CONTACT_MESSAGE], 0, contact, incoming);
      }
      break;

    case CONFAB_WIRE_CONTACT_DATA:
      g_signal_emit (self, signals[SIGNAL_CONTACT_DATA], 0, contact,
                     json_object_get_object_member (object, "content"));
      break;

    case CONFAB_WIRE_CUSTOM_EVENT:
      if (is_call_media_event (self, contact, message))
        break;
      {
        JsonNode *content = json_object_get_member (object, "content");

        g_signal_emit (self, signals[SIGNAL_CUSTOM_EVENT], 0, contact,
                       json_object_get_string_member (object, "event"),
                       content != NULL && JSON_NODE_HOLDS_OBJECT (content) ? json_node_get_object (content) : NULL);
      }
      break;

    case CONFAB_WIRE_RAW_DATA:
      g_signal_emit (self, signals[SIGNAL_RAW_DATA], 0, contact,
                     json_object_get_string_member (object, "data"));
      break;

    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_HELLO:
    case CONFAB_WIRE_WELCOME:
    case CONFAB_WIRE_REGISTER:
    case CONFAB_WIRE_RESUME:
    case CONFAB_WIRE_DISCONNECT:
    case CONFAB_WIRE_PING:
    case CONFAB_WIRE_PONG:
    case CONFAB_WIRE_RESULT:
    case CONFAB_WIRE_ERROR_MESSAGE:
    default:
      break;
    }
}

static void
dispatch_event (ConfabSession     *self,
                ConfabWireMessage *message)
{
  switch (message->type)
    {
    case CONFAB_WIRE_CALL_INVITE:
    case CONFAB_WIRE_CALL_RINGING:
    case CONFAB_WIRE_CALL_ACCEPT:
    case CONFAB_WIRE_CALL_DECLINE:
    case CONFAB_WIRE_CALL_CANCEL:
    case CONFAB_WIRE_CALL_HANGUP:
    case CONFAB_WIRE_CALL_SDP:
    case CONFAB_WIRE_CALL_ICE:
      dispatch_call_event (self, message);
      break;

    default:
      dispatch_contact_event (self, message);
      break;
    }
}

static void
on_connection_event (ConfabConnection  *connection,
                     ConfabWireMessage *message,
                     ConfabSession     *self)
{
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);

  self->last_seq = message->seq;

  if (self->holding_events || !g_queue_is_empty (&self->held_events))
    {
      g_queue_push_tail (&self->held_events, held_event_new (message));
      return;
    }

  dispatch_event (self, message);
}

static gboolean
release_held_events (gpointer data)
{
  ConfabSession *self = data;
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);
  ConfabWireMessage *message;

  g_clear_pointer (&self->release_source, g_source_unref);
  self->holding_events = FALSE;

  while (!self->holding_events && (message = g_queue_pop_head (&self->held_events)) != NULL)
    {
      dispatch_event (self, message);
      held_event_free (message);
    }

  return G_SOURCE_REMOVE;
}

static void
on_connection_server_error (ConfabConnection *connection,
                            const GError     *error,
                            ConfabSession    *self)
{
  g_debug ("The server reported: %s", error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

/* the end */

static void
drop_connection (ConfabSession *self)
{
  g_autoptr(ConfabConnection) connection = g_steal_pointer (&self->connection);

  if (connection == NULL)
    return;

  self->last_seq = _confab_connection_get_last_seq (connection);
  g_signal_handlers_disconnect_by_data (connection, self);
  _confab_connection_close (connection, NULL);
}

static void
end_session (ConfabSession *self,
             const GError  *reason)
{
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GError) disconnected = NULL;
  g_autoptr(GPtrArray) disconnect_tasks = NULL;

  if (self->state == CONFAB_SESSION_STATE_DISCONNECTED)
    return;

  clear_source (&self->reconnect_source);
  clear_source (&self->flush_source);
  drop_connection (self);
  set_state (self, CONFAB_SESSION_STATE_DISCONNECTED);
  self->disconnecting = FALSE;

  disconnected = reason != NULL
    ? g_error_copy (reason)
    : g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The session was disconnected");
  fail_all_ops (self, disconnected);
  end_all_calls (self, "disconnected");

  if (self->register_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->register_task);

      forget_register_cancellable (self);
      g_task_return_error (task, g_error_copy (disconnected));
      return;  /* nobody has seen this session: no signals */
    }

  g_signal_emit (self, signals[SIGNAL_DISCONNECT], 0, reason);

  disconnect_tasks = g_steal_pointer (&self->disconnect_tasks);
  self->disconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < disconnect_tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (disconnect_tasks, i), TRUE);
}

/* A request the session cannot recover from (e.g. credentials refused). */
static void
fail_session (ConfabSession *self,
              const GError  *error)
{
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);

  g_debug ("Session %s ends: %s", self->id != NULL ? self->id : "(new)", error->message);

  if (self->register_task == NULL)
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);

  end_session (self, error);
}

/* registering and resuming */

static void
registered (ConfabSession *self,
            JsonObject    *data,
            gboolean       resumed)
{
  JsonNode *user_data = json_object_get_member (data, "userData");

  set_string_property (self, &self->id, json_object_get_string_member_with_default (data, "userId", NULL), PROP_ID);
  set_string_property (self, &self->username, json_object_get_string_member_with_default (data, "username", NULL), PROP_USERNAME);
  set_string_property (self, &self->session_id,
                       json_object_get_string_member_with_default (data, "sessionId", self->welcome_session_id),
                       PROP_SESSION_ID);
  if (user_data != NULL && JSON_NODE_HOLDS_OBJECT (user_data))
    {
      g_clear_pointer (&self->user_data, json_object_unref);
      self->user_data = json_node_dup_object (user_data);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_DATA]);
    }
  self->is_guest = g_strcmp0 (json_object_get_string_member_with_default (data, "kind", NULL), "guest") == 0 ||
                   g_str_has_prefix (confab_user_agent_get_uri (self->user_agent), "apiKey:");
  _confab_backoff_reset (&self->backoff);

  if (self->register_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->register_task);

      forget_register_cancellable (self);
      /* Events that follow the result (stored messages) wait until the caller has the
       * session and could connect its handlers. */
      self->holding_events = TRUE;
      set_state (self, CONFAB_SESSION_STATE_CONNECTED);
      g_task_return_boolean (task, TRUE);
      if (self->release_source == NULL)
        self->release_source = add_timeout (self, 0, release_held_events);
    }
  else if (self->state == CONFAB_SESSION_STATE_RECONNECTING)
    {
      g_debug ("Session %s is back (%s)", self->id, resumed ? "resumed" : "registered afresh");
      /* a new session on the server knows none of the old one's calls */
      if (!resumed)
        end_all_calls (self, "disconnected");
      set_state (self, CONFAB_SESSION_STATE_CONNECTED);
      g_signal_emit (self, signals[SIGNAL_RECONNECTION], 0, resumed);
    }

  flush_queue (self);
}

static void
on_register_reply (ConfabConnection *connection,
                   JsonObject       *data,
                   const GError     *error,
                   gpointer          user_data)
{
  ConfabSession *self = user_data;

  if (connection != self->connection)
    return;

  if (error != NULL)
    {
      if (!_confab_connection_is_open (connection))
        return;  /* "closed" follows */

      if (_confab_error_is_retryable (error) && self->register_task == NULL)
        _confab_connection_close (connection, error);
      else
        fail_session (self, error);
      return;
    }

  /* A new session on the server: its events count from 1 again. */
  g_free (self->resume_token);
  self->resume_token = g_strdup (self->welcome_token);
  self->last_seq = 0;
  self->gap_seq = -1;
  _confab_connection_set_last_seq (connection, 0);

  registered (self, data, FALSE);
}

static void
send_register (ConfabSession *self)
{
  g_autoptr(JsonObject) request = confab_wire_object_new (CONFAB_WIRE_REGISTER, 0);
  ConfabRegisterInformation *info = self->info;
  const char *user_id = confab_register_information_get_user_id (info);

  json_object_set_string_member (request, "uri", confab_user_agent_get_uri (self->user_agent));

  if (confab_register_information_get_password (info) != NULL)
    json_object_set_string_member (request, "password", confab_register_information_get_password (info));

  /* A guest coming back keeps the id it had, so that its contacts still reach it. */
  if (self->is_guest && self->id != NULL)
    user_id = self->id;
  if (user_id != NULL && g_str_has_prefix (confab_user_agent_get_uri (self->user_agent), "apiKey:"))
    json_object_set_string_member (request, "userId", user_id);

  if (confab_register_information_get_username (info) != NULL)
    json_object_set_string_member (request, "username", confab_register_information_get_username (info));

  if (confab_register_information_get_user_data (info) != NULL)
    json_object_set_object_member (request, "userData",
                                   json_object_ref (confab_register_information_get_user_data (info)));

  _confab_connection_request (self->connection, request, on_register_reply, self, NULL);
}

static void
on_resume_reply (ConfabConnection *connection,
                 JsonObject       *data,
                 const GError     *error,
                 gpointer          user_data)
{
  ConfabSession *self = user_data;

  if (connection != self->connection)
    return;

  if (error != NULL)
    {
      if (!_confab_connection_is_open (connection))
        return;  /* "closed" follows */

      if (_confab_error_is_retryable (error))
        {
          _confab_connection_close (connection, error);
          return;
        }

      /* NOT_FOUND: grace period over or server restarted; anything else that says this
       * session cannot come back: start afresh on this connection. */
      g_debug ("Cannot resume (%s); registering again", error->message);
      send_register (self);
      return;
    }

  g_free (self->resume_token);
  self->resume_token = g_strdup (json_object_get_string_member_with_default (data, "resumeToken", self->welcome_token));
  registered (self, data, TRUE);
}

static void
send_resume (ConfabSession *self)
{
  g_autoptr(JsonObject) request = confab_wire_object_new (CONFAB_WIRE_RESUME, 0);

  json_object_set_string_member (request, "resumeToken", self->resume_token);
  json_object_set_int_member (request, "lastSeq", self->last_seq);
  _confab_connection_request (self->connection, request, on_resume_reply, self, NULL);
}

static void
on_connection_open (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ConfabConnection *connection = CONFAB_CONNECTION (object);
  g_autoptr(ConfabSession) self = user_data;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(GError) error = NULL;

  welcome = _confab_connection_open_finish (connection, result, &error);

  if (connection != self->connection)
    return;

  if (welcome == NULL)
    {
      connection_lost (self, connection, error);
      return;
    }

  g_free (self->welcome_token);
  self->welcome_token = g_strdup (json_object_get_string_member_with_default (welcome, "resumeToken", NULL));
  g_free (self->welcome_session_id);
  self->welcome_session_id = g_strdup (json_object_get_string_member_with_default (welcome, "sessionId", NULL));

  {
    JsonNode *ice_servers = json_object_get_member (welcome, "iceServers");

    g_clear_pointer (&self->ice_servers, json_array_unref);
    if (ice_servers != NULL && JSON_NODE_HOLDS_ARRAY (ice_servers))
      self->ice_servers = json_node_dup_array (ice_servers);
  }

  {
    JsonNode *limits_node = json_object_get_member (welcome, "limits");

    if (limits_node != NULL && JSON_NODE_HOLDS_OBJECT (limits_node))
      {
        JsonObject *limits = json_node_get_object (limits_node);

        self->limits.max_text_bytes = json_object_get_int_member_with_default (limits, "maxTextBytes", self->limits.max_text_bytes);
        self->limits.max_data_bytes = json_object_get_int_member_with_default (limits, "maxDataBytes", self->limits.max_data_bytes);
        self->limits.max_string_bytes = json_object_get_int_member_with_default (limits, "maxStringBytes", self->limits.max_string_bytes);
        self->limits.max_frame_bytes = json_object_get_int_member_with_default (limits, "maxFrameBytes", self->limits.max_frame_bytes);
      }
  }

  if (self->state == CONFAB_SESSION_STATE_RECONNECTING && self->resume_token != NULL)
    send_resume (self);
  else
    send_register (self);
}

static gboolean
on_reconnect_timeout (gpointer data)
{
  ConfabSession *self = data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  start_connection (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (ConfabSession *self)
{
  guint delay = _confab_backoff_next (&self->backoff, self->rand);

  g_debug ("Reconnecting in %u ms", delay);
  clear_source (&self->reconnect_source);
  self->reconnect_source = add_timeout (self, delay, on_reconnect_timeout);
}

/* The socket is gone, or could not be opened: retry, or give up when signing in. */
static void
connection_lost (ConfabSession    *self,
                 ConfabConnection *connection,
                 const GError     *error)
{
  g_autoptr(ConfabSession) hold G_GNUC_UNUSED = g_object_ref (self);

  if (connection != self->connection)
    return;

  if (_confab_connection_closed_on_gap (connection))
    self->gap_seq = _confab_connection_get_last_seq (connection);

  /* Someone else resumed this session with its token: coming back would only take it
   * from them again. */
  if (_confab_connection_get_close_code (connection) == CONFAB_CLOSE_SESSION_REPLACED &&
      self->state != CONFAB_SESSION_STATE_DISCONNECTED)
    {
      drop_connection (self);
      fail_session (self, error);
      return;
    }

  drop_connection (self);

  switch (self->state)
    {
    case CONFAB_SESSION_STATE_CONNECTING:
      /* signing in for the first time: say why it failed, do not insist */
      end_session (self, error);
      break;

    case CONFAB_SESSION_STATE_CONNECTED:
      if (self->disconnecting)
        {
          end_session (self, NULL);
          break;
        }
      g_debug ("Session %s lost its connection: %s; reconnecting",
                 self->id, error != NULL ? error->message : "closed");
      set_state (self, CONFAB_SESSION_STATE_RECONNECTING);
      g_signal_emit (self, signals[SIGNAL_RECONNECTING], 0);
      if (self->state == CONFAB_SESSION_STATE_RECONNECTING)
        schedule_reconnect (self);
      break;

    case CONFAB_SESSION_STATE_RECONNECTING:
      g_debug ("Reconnection attempt failed: %s", error != NULL ? error->message : "closed");
      schedule_reconnect (self);
      break;

    case CONFAB_SESSION_STATE_DISCONNECTED:
    default:
      break;
    }
}

static void
on_connection_closed (ConfabConnection *connection,
                      const GError     *reason,
                      ConfabSession    *self)
{
  connection_lost (self, connection, reason);
}

static void
start_connection (ConfabSession *self)
{
  g_return_if_fail (self->connection == NULL);

  self->connection = _confab_connection_new (self->soup_session,
                                             confab_register_information_get_server_url (self->info),
                                             self->last_seq, self->gap_seq);
  g_signal_connect (self->connection, "event", G_CALLBACK (on_connection_event), self);
  g_signal_connect (self->connection, "closed", G_CALLBACK (on_connection_closed), self);
  g_signal_connect (self->connection, "server-error", G_CALLBACK (on_connection_server_error), self);
  _confab_connection_open_async (self->connection, self->cancellable,
                                 on_connection_open, g_object_ref (self));
}

/* GObject */

static void
confab_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabSession *self = CONFAB_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_USER_DATA:
      g_value_set_boxed (value, self->user_data);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_USER_AGENT:
      g_value_set_object (value, self->user_agent);
      break;

    case PROP_ALLOW_MULTIPLE_CALLS:
      g_value_set_boolean (value, self->allow_multiple_calls);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ConfabSession *self = CONFAB_SESSION (object);

  switch (prop_id)
    {
    case PROP_ALLOW_MULTIPLE_CALLS:
      confab_session_set_allow_multiple_calls (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_session_dispose (GObject *object)
{
  ConfabSession *self = CONFAB_SESSION (object);
  g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                                 "The session was destroyed");
  ConfabWireMessage *message;

  g_cancellable_cancel (self->cancellable);
  end_all_calls (self, "disconnected");
  if (self->network_monitor != NULL)
    {
      g_clear_signal_handler (&self->network_changed_id, self->network_monitor);
      g_clear_object (&self->network_monitor);
    }
  clear_source (&self->reconnect_source);
  clear_source (&self->flush_source);
  clear_source (&self->release_source);
  drop_connection (self);
  self->state = CONFAB_SESSION_STATE_DISCONNECTED;
  fail_all_ops (self, error);

  while ((message = g_queue_pop_head (&self->held_events)) != NULL)
    held_event_free (message);

  if (self->contacts != NULL)
    g_list_store_remove_all (self->contacts);
  g_clear_pointer (&self->contacts_by_id, g_hash_table_unref);
  g_clear_pointer (&self->invitations, g_hash_table_unref);
  if (self->calls != NULL)
    g_list_store_remove_all (self->calls);

  G_OBJECT_CLASS (confab_session_parent_class)->dispose (object);
}

static void
confab_session_finalize (GObject *object)
{
  ConfabSession *self = CONFAB_SESSION (object);

  g_clear_object (&self->user_agent);
  g_clear_pointer (&self->info, confab_register_information_unref);
  g_clear_object (&self->soup_session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->register_cancellable);
  g_clear_pointer (&self->disconnect_tasks, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_object (&self->contacts);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_queue_clear (&self->seen_order);
  g_clear_pointer (&self->user_data, json_object_unref);
  g_clear_pointer (&self->ice_servers, json_array_unref);
  g_clear_pointer (&self->calls_by_id, g_hash_table_unref);
  g_clear_object (&self->devices);
  g_clear_object (&self->empty_devices);
  g_clear_object (&self->calls);
  g_free (self->id);
  g_free (self->session_id);
  g_free (self->username);
  g_free (self->resume_token);
  g_free (self->welcome_token);
  g_free (self->welcome_session_id);

  G_OBJECT_CLASS (confab_session_parent_class)->finalize (object);
}

static void
confab_session_class_init (ConfabSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_session_get_property;
  object_class->set_property = confab_session_set_property;
  object_class->dispose = confab_session_dispose;
  object_class->finalize = confab_session_finalize;

  /**
   * ConfabSession:id:
   *
   * The user id this session is registered as (a guest's may be made up by the server).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:session-id:
   *
   * The server's id for this session; it changes when the session has to register
   * afresh.
   */
  properties[PROP_SESSION_ID] =
    g_param_spec_string ("session-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:username:
   *
   * The display name others see.
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:user-data:
   *
   * The user data the server keeps with the session (a #JsonObject).
   */
  properties[PROP_USER_DATA] =
    g_param_spec_boxed ("user-data", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:state:
   *
   * Whether the session is connected, reconnecting or over.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       CONFAB_TYPE_SESSION_STATE, CONFAB_SESSION_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:user-agent:
   *
   * The #ConfabUserAgent that registered this session.
   */
  properties[PROP_USER_AGENT] =
    g_param_spec_object ("user-agent", NULL, NULL, CONFAB_TYPE_USER_AGENT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabSession:allow-multiple-calls:
   *
   * Whether the user may be in several calls at once. When %FALSE, a call that arrives
   * while another is in progress is declined automatically with `User_Busy`.
   */
  properties[PROP_ALLOW_MULTIPLE_CALLS] =
    g_param_spec_boolean ("allow-multiple-calls", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabSession::contact-message:
   * @self: the session
   * @contact: the sender
   * @message: the #ConfabMessage, already in confab_contact_get_messages()
   *
   * A contact sent a text message. Emitted once per message even when the server
   * delivers it again (after a reconnection, or a stored message).
   */
  signals[SIGNAL_CONTACT_MESSAGE] =
    g_signal_new ("contact-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, CONFAB_TYPE_CONTACT, CONFAB_TYPE_MESSAGE);

  /**
   * ConfabSession::contact-data:
   * @self: the session
   * @contact: the sender
   * @content: the #JsonObject sent
   *
   * A contact sent data.
   */
  signals[SIGNAL_CONTACT_DATA] =
    g_signal_new ("contact-data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, CONFAB_TYPE_CONTACT, JSON_TYPE_OBJECT);

  /**
   * ConfabSession::custom-event:
   * @self: the session
   * @contact: the sender
   * @event: the event's name
   * @content: (nullable): the #JsonObject that came with it
   *
   * A contact sent a custom event.
   */
  signals[SIGNAL_CUSTOM_EVENT] =
    g_signal_new ("custom-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, CONFAB_TYPE_CONTACT, G_TYPE_STRING, JSON_TYPE_OBJECT);

  /**
   * ConfabSession::raw-data:
   * @self: the session
   * @contact: the sender
   * @data: the string sent
   *
   * A contact sent raw data.
   */
  signals[SIGNAL_RAW_DATA] =
    g_signal_new ("raw-data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, CONFAB_TYPE_CONTACT, G_TYPE_STRING);

  /**
   * ConfabSession::disconnect:
   * @self: the session
   * @reason: (nullable): why the session ended; %NULL after
   *   confab_session_disconnect_async()
   *
   * The session has ended: it will not reconnect. Emitted once.
   */
  signals[SIGNAL_DISCONNECT] =
    g_signal_new ("disconnect", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * ConfabSession::error:
   * @self: the session
   * @error: what went wrong
   *
   * Something went wrong that no call is waiting for: e.g. the credentials were
   * refused when registering again (followed by #ConfabSession::disconnect), or the
   * server refused a frame.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * ConfabSession::reconnecting:
   * @self: the session
   *
   * The connection dropped; the session is trying to get back. Sends are queued
   * meanwhile.
   */
  signals[SIGNAL_RECONNECTING] =
    g_signal_new ("reconnecting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ConfabSession::reconnection:
   * @self: the session
   * @resumed: %TRUE if the session was resumed with nothing lost; %FALSE if it had to
   *   register afresh (grace period over, or the server restarted)
   *
   * The session is connected again.
   */
  signals[SIGNAL_RECONNECTION] =
    g_signal_new ("reconnection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  /**
   * ConfabSession::incoming-call:
   * @self: the session
   * @invitation: the #ConfabReceivedCallInvitation
   *
   * A contact is calling (audio or video). The caller has already been told that this
   * session rings. With #ConfabSession:allow-multiple-calls off, a call that arrives
   * while another is in progress is declined with `User_Busy` instead, and this
   * signal is not emitted.
   */
  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_RECEIVED_CALL_INVITATION);

  /**
   * ConfabSession::incoming-screen-sharing-call-invitation:
   * @self: the session
   * @invitation: the #ConfabReceivedCallInvitation
   *
   * A contact with whom no call is ongoing wants to share a screen.
   */
  signals[SIGNAL_INCOMING_SCREEN_SHARING_CALL_INVITATION] =
    g_signal_new ("incoming-screen-sharing-call-invitation", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_RECEIVED_CALL_INVITATION);

  /**
   * ConfabSession::incoming-screen-sharing-call:
   * @self: the session
   * @call: the screen-sharing #ConfabCall
   *
   * A contact with whom a call is ongoing shares a screen: the share was accepted
   * automatically, as a call of its own.
   */
  signals[SIGNAL_INCOMING_SCREEN_SHARING_CALL] =
    g_signal_new ("incoming-screen-sharing-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_CALL);

  /**
   * ConfabSession::call-ended:
   * @self: the session
   * @call: the #ConfabCall
   *
   * A call of this session ended (it has left confab_session_get_calls()).
   */
  signals[SIGNAL_CALL_ENDED] =
    g_signal_new ("call-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_CALL);
}

static void
confab_session_init (ConfabSession *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->rand = g_rand_new ();
  self->disconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->contacts_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->contacts = g_list_store_new (CONFAB_TYPE_CONTACT);
  self->calls_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->calls = g_list_store_new (CONFAB_TYPE_CALL);
  self->empty_devices = g_list_store_new (CONFAB_TYPE_MEDIA_DEVICE);
  self->invitations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = CONFAB_SESSION_STATE_CONNECTING;
  self->allow_multiple_calls = TRUE;
  self->gap_seq = -1;
  g_queue_init (&self->ops);
  g_queue_init (&self->seen_order);
  g_queue_init (&self->held_events);
  confab_wire_limits_init (&self->limits);
  _confab_backoff_init_from_env (&self->backoff);
}

ConfabSession *
_confab_session_new (ConfabUserAgent           *user_agent,
                     ConfabRegisterInformation *info)
{
  ConfabSession *self = g_object_new (CONFAB_TYPE_SESSION, NULL);

  self->user_agent = g_object_ref (user_agent);
  self->info = confab_register_information_copy (info);
  self->is_guest = g_str_has_prefix (confab_user_agent_get_uri (user_agent), "apiKey:");
  self->soup_session = soup_session_new_with_options ("max-conns", SOUP_MAX_CONNS,
                                                      "max-conns-per-host", SOUP_MAX_CONNS_PER_HOST,
                                                      "user-agent", "libconfab/" PACKAGE_VERSION,
                                                      NULL);
  return self;
}

static gboolean
on_register_cancelled_idle (gpointer data)
{
  ConfabSession *self = data;

  if (self->register_task != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Signing in was cancelled");

      end_session (self, error);
    }

  return G_SOURCE_REMOVE;
}

static void
on_register_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  ConfabSession *self = data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, on_register_cancelled_idle, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

void
_confab_session_register_async (ConfabSession       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_SESSION (self));
  g_return_if_fail (self->register_task == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _confab_session_register_async);

  if (cancellable != NULL)
    {
      self->register_cancellable = g_object_ref (cancellable);
      self->register_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_register_cancelled),
                                                           g_object_ref (self), g_object_unref);
    }

  self->register_task = g_steal_pointer (&task);
  start_connection (self);
}

gboolean
_confab_session_register_finish (ConfabSession  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
_confab_session_can_send (ConfabSession  *self,
                          GError        **error)
{
  if (self->state == CONFAB_SESSION_STATE_DISCONNECTED || self->disconnecting)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                           "The session has ended");
      return FALSE;
    }

  return TRUE;
}

/* Queues one send (in order) and answers @task when the server has. A request still in
 * flight when the connection drops goes again, the same object, once reconnected; a
 * callSdp or callIce gets a "uuid" here so that the server relays it once (PROTOCOL.md
 * §7). */
void
_confab_session_submit (ConfabSession *self,
                        JsonObject    *request,
                        const char    *uuid,
                        ConfabMessage *message,
                        GTask         *task)
{
  Op *op;
  GCancellable *cancellable = g_task_get_cancellable (task);
  ConfabWireType type = confab_wire_type_from_string (json_object_get_string_member_with_default (request, "type", ""));

  if ((type == CONFAB_WIRE_CALL_SDP || type == CONFAB_WIRE_CALL_ICE) &&
      !json_object_has_member (request, "uuid"))
    {
      g_autofree char *repeat_id = g_uuid_string_random ();

      json_object_set_string_member (request, "uuid", repeat_id);
    }

  op = g_new0 (Op, 1);
  op->ref_count = 1;
  op->session = self;
  op->request = json_object_ref (request);
  op->uuid = g_strdup (uuid);
  op->task = g_object_ref (task);
  op->message = message != NULL ? g_object_ref (message) : NULL;
  g_queue_push_tail (&self->ops, op);

  if (cancellable != NULL)
    {
      op->cancellable = g_object_ref (cancellable);
      op->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_op_cancelled),
                                                op_ref (op), op_unref);
    }

  if (self->flush_source == NULL)
    flush_queue (self);
}

const ConfabWireLimits *
_confab_session_get_limits (ConfabSession *self)
{
  return &self->limits;
}

/**
 * confab_session_get_id:
 * @self: a #ConfabSession
 *
 * Returns: (nullable): the user id this session is registered as
 */
const char *
confab_session_get_id (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return self->id;
}

/**
 * confab_session_get_session_id:
 * @self: a #ConfabSession
 *
 * Returns: (nullable): the server's id of this session
 */
const char *
confab_session_get_session_id (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return self->session_id;
}

/**
 * confab_session_get_username:
 * @self: a #ConfabSession
 *
 * Returns: (nullable): the display name others see
 */
const char *
confab_session_get_username (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return self->username;
}

/**
 * confab_session_get_user_data:
 * @self: a #ConfabSession
 *
 * Returns: (transfer none) (nullable): the user data kept with the session
 */
JsonObject *
confab_session_get_user_data (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return self->user_data;
}

/**
 * confab_session_get_state:
 * @self: a #ConfabSession
 *
 * Returns: the connection state
 */
ConfabSessionState
confab_session_get_state (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), CONFAB_SESSION_STATE_DISCONNECTED);
  return self->state;
}

/**
 * confab_session_get_user_agent:
 * @self: a #ConfabSession
 *
 * Returns: (transfer none): the user agent that registered this session
 */
ConfabUserAgent *
confab_session_get_user_agent (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return self->user_agent;
}

/**
 * confab_session_get_allow_multiple_calls:
 * @self: a #ConfabSession
 *
 * Returns: whether the user may be in several calls at once
 */
gboolean
confab_session_get_allow_multiple_calls (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), FALSE);
  return self->allow_multiple_calls;
}

/**
 * confab_session_set_allow_multiple_calls:
 * @self: a #ConfabSession
 * @allow: whether the user may be in several calls at once
 *
 * Sets #ConfabSession:allow-multiple-calls (default %TRUE).
 */
void
confab_session_set_allow_multiple_calls (ConfabSession *self,
                                         gboolean       allow)
{
  g_return_if_fail (CONFAB_IS_SESSION (self));

  allow = !!allow;
  if (self->allow_multiple_calls == allow)
    return;

  self->allow_multiple_calls = allow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_MULTIPLE_CALLS]);
}

/**
 * confab_session_get_or_create_contact:
 * @self: a #ConfabSession
 * @id: a user id (1 to 64 characters among letters, digits and `._@-`)
 *
 * Gets the contact for @id, creating it the first time: the same object is returned
 * for the same id for the whole life of the session.
 *
 * Returns: (transfer none) (nullable): the contact, or %NULL if @id is not a valid
 *   user id
 */
ConfabContact *
confab_session_get_or_create_contact (ConfabSession *self,
                                      const char    *id)
{
  ConfabContact *contact;

  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  if (id == NULL || !confab_wire_is_userid (id) || self->contacts_by_id == NULL)
    return NULL;

  contact = g_hash_table_lookup (self->contacts_by_id, id);
  if (contact == NULL)
    {
      contact = _confab_contact_new (self, id);
      g_hash_table_insert (self->contacts_by_id, g_strdup (id), contact);
      g_list_store_append (self->contacts, contact);
    }

  return contact;
}

/**
 * confab_session_get_contacts:
 * @self: a #ConfabSession
 *
 * The contacts this session knows, in the order they were first seen.
 *
 * Returns: (transfer none): a #GListModel of #ConfabContact
 */
GListModel *
confab_session_get_contacts (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->contacts);
}

static void
on_disconnect_reply (ConfabConnection *connection,
                     JsonObject       *data,
                     const GError     *error,
                     gpointer          user_data)
{
  ConfabSession *self = user_data;

  if (connection != self->connection)
    return;

  if (error != NULL)
    g_debug ("The server did not confirm the disconnect: %s", error->message);

  end_session (self, NULL);
}

/**
 * confab_session_disconnect_async:
 * @self: a #ConfabSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the session has ended
 * @user_data: (closure): data for @callback
 *
 * Ends the session: the server forgets it at once (no grace period), sends still
 * queued fail with %CONFAB_ERROR_DISCONNECTED, and #ConfabSession::disconnect is
 * emitted with a %NULL reason. Disconnecting a session that has already ended
 * succeeds at once.
 */
void
confab_session_disconnect_async (ConfabSession       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;

  g_return_if_fail (CONFAB_IS_SESSION (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_session_disconnect_async);

  if (self->state == CONFAB_SESSION_STATE_DISCONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->disconnect_tasks, g_steal_pointer (&task));

  if (self->disconnecting)
    return;

  if (self->state != CONFAB_SESSION_STATE_CONNECTED ||
      self->connection == NULL || !_confab_connection_is_open (self->connection))
    {
      end_session (self, NULL);
      return;
    }

  self->disconnecting = TRUE;
  clear_source (&self->flush_source);
  /* let the server forget what was delivered, then say goodbye */
  _confab_connection_send_ping (self->connection);
  request = confab_wire_object_new (CONFAB_WIRE_DISCONNECT, 0);
  _confab_connection_request (self->connection, request, on_disconnect_reply, self, NULL);
}

/**
 * confab_session_disconnect_finish:
 * @self: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the session has ended
 */
gboolean
confab_session_disconnect_finish (ConfabSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* calls */

void
_confab_session_add_call (ConfabSession *self,
                          ConfabCall    *call)
{
  g_hash_table_insert (self->calls_by_id, g_strdup (confab_call_get_id (call)), g_object_ref (call));
  g_list_store_append (self->calls, call);

  if (self->network_monitor == NULL)
    {
      self->network_monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_changed_id = g_signal_connect (self->network_monitor, "network-changed",
                                                   G_CALLBACK (on_network_changed), self);
    }
}

void
_confab_session_call_ended (ConfabSession *self,
                            ConfabCall    *call)
{
  guint position;

  if (self->calls == NULL || !g_list_store_find (self->calls, call, &position))
    return;

  g_list_store_remove (self->calls, position);
  g_signal_emit (self, signals[SIGNAL_CALL_ENDED], 0, call);
}

void
_confab_session_forget_invitation (ConfabSession                *self,
                                   ConfabReceivedCallInvitation *invitation)
{
  if (self->invitations != NULL)
    g_hash_table_remove (self->invitations, confab_received_call_invitation_get_call_id (invitation));
}

JsonArray *
_confab_session_get_ice_servers (ConfabSession *self)
{
  return self->ice_servers;
}

guint
_confab_session_get_stats_interval (ConfabSession *self)
{
  return self->stats_interval_ms;
}

gboolean
_confab_session_get_quality_evaluating (ConfabSession *self)
{
  return self->quality_evaluating;
}

/* Starts an outgoing call (confab_contact_call()). */
ConfabCall *
_confab_session_start_call (ConfabSession    *self,
                            ConfabContact    *contact,
                            ConfabStream     *stream,
                            ConfabCallMedia   media,
                            GError          **error)
{
  g_autofree char *call_id = NULL;
  g_autoptr(ConfabCall) call = NULL;
  g_autoptr(ConfabStream) own_stream = NULL;

  if (!_confab_session_can_send (self, error))
    return NULL;

  if (g_strcmp0 (confab_contact_get_id (contact), self->id) == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_NOT_ALLOWED, "A user cannot call itself");
      return NULL;
    }

  if (!self->allow_multiple_calls && media != CONFAB_CALL_MEDIA_SCREEN &&
      g_list_model_get_n_items (G_LIST_MODEL (self->calls)) > 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE,
                           "A call is already in progress and multiple calls are not allowed");
      return NULL;
    }

  if (stream == NULL && !_confab_call_signaling_only ())
    {
      own_stream = _confab_call_engine_create_default_stream (media, error);
      if (own_stream == NULL)
        return NULL;
    }

  call_id = g_uuid_string_random ();
  call = _confab_call_new (self, contact, call_id, CONFAB_CALL_DIRECTION_OUTGOING, media,
                           stream != NULL ? stream : own_stream);
  if (own_stream != NULL)
    _confab_call_set_owns_published_streams (call);
  _confab_session_add_call (self, call);
  _confab_call_invite (call);

  return call;  /* the session keeps it */
}

/**
 * confab_session_get_call:
 * @self: a #ConfabSession
 * @call_id: a call id
 *
 * Returns: (transfer none) (nullable): the call of this session with that id (also an
 *   ended one), or %NULL
 */
ConfabCall *
confab_session_get_call (ConfabSession *self,
                         const char    *call_id)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  if (call_id == NULL || self->calls_by_id == NULL)
    return NULL;

  return g_hash_table_lookup (self->calls_by_id, call_id);
}

/**
 * confab_session_get_calls:
 * @self: a #ConfabSession
 *
 * The calls of this session that have not ended, oldest first.
 *
 * Returns: (transfer none): a #GListModel of #ConfabCall
 */
GListModel *
confab_session_get_calls (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->calls);
}

/**
 * confab_session_set_call_stats_monitoring_enabled:
 * @self: a #ConfabSession
 * @enabled: whether to monitor
 * @interval_ms: how often, in milliseconds (at least 100; 0 means 1000)
 *
 * Turns on or off periodic #ConfabCall::stats-update on every ongoing call.
 */
void
confab_session_set_call_stats_monitoring_enabled (ConfabSession *self,
                                                  gboolean       enabled,
                                                  guint          interval_ms)
{
  guint n;

  g_return_if_fail (CONFAB_IS_SESSION (self));

  if (interval_ms == 0)
    interval_ms = 1000;
  self->stats_interval_ms = enabled ? MAX (interval_ms, 100) : 0;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->calls));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabCall) call = g_list_model_get_item (G_LIST_MODEL (self->calls), i);

      _confab_call_update_monitoring (call);
    }
}

/**
 * confab_session_set_quality_evaluating_enabled:
 * @self: a #ConfabSession
 * @enabled: whether to grade
 *
 * Turns on or off the quality grade (#ConfabCall:quality, and the MOS-like score in
 * #ConfabCallStats) of monitored calls.
 */
void
confab_session_set_quality_evaluating_enabled (ConfabSession *self,
                                               gboolean       enabled)
{
  g_return_if_fail (CONFAB_IS_SESSION (self));
  self->quality_evaluating = !!enabled;
}

/**
 * confab_session_get_media_devices:
 * @self: a #ConfabSession
 *
 * The cameras, microphones and speakers of this machine, kept up to date as devices
 * come and go (the list emits `media-device-changed`). Empty where there are none
 * (e.g. a headless machine) or where GStreamer cannot list them.
 *
 * Returns: (transfer none): a #GListModel of #ConfabMediaDevice
 */
GListModel *
confab_session_get_media_devices (ConfabSession *self)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (self), NULL);

  if (self->devices == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->devices = confab_device_list_new (&error);
      if (self->devices == NULL)
        {
          g_debug ("No device list: %s", error->message);
          return G_LIST_MODEL (self->empty_devices);
        }
    }

  return G_LIST_MODEL (self->devices);
}
