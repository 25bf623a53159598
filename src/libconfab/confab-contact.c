/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-contact.c: another user, as seen from a session */

#define G_LOG_DOMAIN "confab-contact"

#include "config.h"

#include "confab-call-engine.h"
#include "confab-call-private.h"
#include "confab-contact-private.h"
#include "confab-error.h"
#include "confab-message-private.h"
#include "confab-session-private.h"

#include "confab-wire.h"

#include <string.h>

/**
 * ConfabContact:
 *
 * Another user, known by its user id. A #ConfabSession owns one contact object per id
 * (confab_session_get_or_create_contact()); it keeps the messages exchanged with that
 * user as a #GListModel (confab_contact_get_messages()) and sends messages, data,
 * custom events and raw data to it.
 *
 * Sends made while the session is reconnecting are queued and go out, in order, once
 * the session is back; each carries a uuid made here, so a send repeated after a
 * reconnection is never delivered twice.
 */
struct _ConfabContact
{
  GObject      parent_instance;

  /* borrowed */
  GWeakRef     session;

  /* owned */
  char        *id;
  char        *username;
  GListStore  *messages;
};

G_DEFINE_FINAL_TYPE (ConfabContact, confab_contact, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_USERNAME,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* helpers */

/* Common to the four sends: checks the session and hands the request to it. */
static void
submit (ConfabContact *self,
        JsonObject    *request,
        const char    *uuid,
        ConfabMessage *message,
        GTask         *task)
{
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  g_autoptr(GError) error = NULL;

  if (session == NULL || !_confab_session_can_send (session, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                                     "The session of this contact is gone");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  json_object_set_string_member (request, "to", self->id);
  json_object_set_string_member (request, "uuid", uuid);

  if (message != NULL)
    g_list_store_append (self->messages, message);

  _confab_session_submit (session, request, uuid, message, task);
}

static gboolean
check_object_size (ConfabContact  *self,
                   JsonObject     *object,
                   const char     *field,
                   GError        **error)
{
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  guint max = session != NULL ? _confab_session_get_limits (session)->max_data_bytes : 32768;
  gsize size;

  json_node_set_object (node, object);
  size = confab_wire_node_size (node);
  if (size > max)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_LARGE,
                   "The %s is %" G_GSIZE_FORMAT " bytes long as JSON; the limit is %u",
                   field, size, max);
      return FALSE;
    }

  return TRUE;
}

static void
confab_contact_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabContact *self = CONFAB_CONTACT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_SESSION:
      g_value_take_object (value, g_weak_ref_get (&self->session));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_contact_finalize (GObject *object)
{
  ConfabContact *self = CONFAB_CONTACT (object);

  g_weak_ref_clear (&self->session);
  g_free (self->id);
  g_free (self->username);
  g_clear_object (&self->messages);

  G_OBJECT_CLASS (confab_contact_parent_class)->finalize (object);
}

static void
confab_contact_class_init (ConfabContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_contact_get_property;
  object_class->finalize = confab_contact_finalize;

  /**
   * ConfabContact:id:
   *
   * The contact's user id.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabContact:username:
   *
   * The contact's display name, as last stamped by the server on something it sent;
   * its id until then.
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabContact:session:
   *
   * The session this contact belongs to (a weak reference: %NULL once it is gone).
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CONFAB_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabContact::message:
   * @self: the contact
   * @message: the #ConfabMessage received
   *
   * A message from this contact has arrived (it is already in
   * confab_contact_get_messages()). Emitted once per message, even when the server
   * delivers it again after a reconnection.
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_MESSAGE);
}

static void
confab_contact_init (ConfabContact *self)
{
  g_weak_ref_init (&self->session, NULL);
  self->messages = g_list_store_new (CONFAB_TYPE_MESSAGE);
}

ConfabContact *
_confab_contact_new (ConfabSession *session,
                     const char    *id)
{
  ConfabContact *self = g_object_new (CONFAB_TYPE_CONTACT, NULL);

  g_weak_ref_set (&self->session, session);
  self->id = g_strdup (id);
  self->username = g_strdup (id);

  return self;
}

void
_confab_contact_set_username (ConfabContact *self,
                              const char    *username)
{
  g_return_if_fail (CONFAB_IS_CONTACT (self));

  if (username == NULL || g_strcmp0 (self->username, username) == 0)
    return;

  g_free (self->username);
  self->username = g_strdup (username);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

/* Appends an incoming message and emits ::message. */
void
_confab_contact_take_incoming (ConfabContact *self,
                               ConfabMessage *message)
{
  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (CONFAB_IS_MESSAGE (message));

  g_list_store_append (self->messages, message);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

/**
 * confab_contact_get_id:
 * @self: a #ConfabContact
 *
 * Returns: the contact's user id
 */
const char *
confab_contact_get_id (ConfabContact *self)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  return self->id;
}

/**
 * confab_contact_get_username:
 * @self: a #ConfabContact
 *
 * Returns: the contact's display name (its id until the server told another)
 */
const char *
confab_contact_get_username (ConfabContact *self)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  return self->username;
}

/**
 * confab_contact_get_messages:
 * @self: a #ConfabContact
 *
 * The messages exchanged with this contact during this session, both directions,
 * oldest first: a #GListModel of #ConfabMessage, for a list view to bind to.
 *
 * Returns: (transfer none): the messages
 */
GListModel *
confab_contact_get_messages (ConfabContact *self)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  return G_LIST_MODEL (self->messages);
}

/**
 * confab_contact_send_message_async:
 * @self: a #ConfabContact
 * @text: the text, 1 to 16384 bytes of UTF-8 (the server's `maxTextBytes`)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has accepted or refused it
 * @user_data: (closure): data for @callback
 *
 * Sends a text message. The message is appended to confab_contact_get_messages() at
 * once with status %CONFAB_MESSAGE_STATUS_SENDING, and moves to
 * %CONFAB_MESSAGE_STATUS_SENT or %CONFAB_MESSAGE_STATUS_STORED (the contact is an
 * offline account) when the server answers, or to %CONFAB_MESSAGE_STATUS_FAILED.
 * Invalid text fails at once with %CONFAB_ERROR_BAD_PARAMETER or
 * %CONFAB_ERROR_TOO_LARGE and appends nothing. While the session is reconnecting the
 * message waits in a queue.
 */
void
confab_contact_send_message_async (ConfabContact       *self,
                                   const char          *text,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  g_autofree char *uuid = NULL;
  guint max_text;

  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_contact_send_message_async);

  session = g_weak_ref_get (&self->session);
  max_text = session != NULL ? _confab_session_get_limits (session)->max_text_bytes : 16384;

  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "A message must be non-empty valid UTF-8 text");
      return;
    }

  if (strlen (text) > max_text)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_TOO_LARGE,
                               "The message is %" G_GSIZE_FORMAT " bytes long; the limit is %u",
                               strlen (text), max_text);
      return;
    }

  uuid = g_uuid_string_random ();
  request = confab_wire_object_new (CONFAB_WIRE_CONTACT_MESSAGE, 0);
  json_object_set_string_member (request, "text", text);
  message = _confab_message_new (self, CONFAB_MESSAGE_DIRECTION_OUTGOING, uuid, text, NULL, FALSE);

  submit (self, request, uuid, message, task);
}

/**
 * confab_contact_send_message_finish:
 * @self: a #ConfabContact
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the uuid of the message sent, or %NULL with @error set
 */
char *
confab_contact_send_message_finish (ConfabContact  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_contact_send_data_async:
 * @self: a #ConfabContact
 * @content: a JSON object (at most `maxDataBytes`, 32768 by default, as JSON text)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has accepted or refused it
 * @user_data: (closure): data for @callback
 *
 * Sends a JSON object to the contact, who gets #ConfabSession::contact-data. Data is
 * not stored for offline accounts: sending to a user with no session fails with
 * %CONFAB_ERROR_NOT_FOUND.
 */
void
confab_contact_send_data_async (ConfabContact       *self,
                                JsonObject          *content,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_contact_send_data_async);

  if (content == NULL)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "Data to send must be a JSON object");
      return;
    }

  if (!check_object_size (self, content, "content", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  uuid = g_uuid_string_random ();
  request = confab_wire_object_new (CONFAB_WIRE_CONTACT_DATA, 0);
  json_object_set_object_member (request, "content", json_object_ref (content));

  submit (self, request, uuid, NULL, task);
}

static gboolean
finish_boolean (ConfabContact  *self,
                GAsyncResult   *result,
                GError        **error)
{
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (CONFAB_IS_CONTACT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  uuid = g_task_propagate_pointer (G_TASK (result), error);
  return uuid != NULL;
}

/**
 * confab_contact_send_data_finish:
 * @self: a #ConfabContact
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server accepted the data
 */
gboolean
confab_contact_send_data_finish (ConfabContact  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return finish_boolean (self, result, error);
}

/**
 * confab_contact_send_custom_event_async:
 * @self: a #ConfabContact
 * @event: the event's name (1 to 64 bytes of text)
 * @content: (nullable): a JSON object that goes with it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has accepted or refused it
 * @user_data: (closure): data for @callback
 *
 * Sends a named application event to the contact, who gets
 * #ConfabSession::custom-event.
 */
void
confab_contact_send_custom_event_async (ConfabContact       *self,
                                        const char          *event,
                                        JsonObject          *content,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_contact_send_custom_event_async);

  if (event == NULL || !confab_wire_is_name (event))
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "An event name must be 1 to %d bytes of text without control characters",
                               CONFAB_WIRE_MAX_ID_BYTES);
      return;
    }

  if (content != NULL && !check_object_size (self, content, "content", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  uuid = g_uuid_string_random ();
  request = confab_wire_object_new (CONFAB_WIRE_CUSTOM_EVENT, 0);
  json_object_set_string_member (request, "event", event);
  if (content != NULL)
    json_object_set_object_member (request, "content", json_object_ref (content));

  submit (self, request, uuid, NULL, task);
}

/**
 * confab_contact_send_custom_event_finish:
 * @self: a #ConfabContact
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server accepted the event
 */
gboolean
confab_contact_send_custom_event_finish (ConfabContact  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  return finish_boolean (self, result, error);
}

/**
 * confab_contact_send_raw_data_async:
 * @self: a #ConfabContact
 * @data: a string the server relays without looking at it (at most `maxDataBytes`)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has accepted or refused it
 * @user_data: (closure): data for @callback
 *
 * Sends an opaque string to the contact, who gets #ConfabSession::raw-data.
 */
void
confab_contact_send_raw_data_async (ConfabContact       *self,
                                    const char          *data,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autofree char *uuid = NULL;
  guint max;

  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_contact_send_raw_data_async);

  session = g_weak_ref_get (&self->session);
  max = session != NULL ? _confab_session_get_limits (session)->max_data_bytes : 32768;

  if (data == NULL || !g_utf8_validate (data, -1, NULL))
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "Raw data must be valid UTF-8 text");
      return;
    }

  if (strlen (data) > max)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_TOO_LARGE,
                               "The raw data is %" G_GSIZE_FORMAT " bytes long; the limit is %u",
                               strlen (data), max);
      return;
    }

  uuid = g_uuid_string_random ();
  request = confab_wire_object_new (CONFAB_WIRE_RAW_DATA, 0);
  json_object_set_string_member (request, "data", data);

  submit (self, request, uuid, NULL, task);
}

/**
 * confab_contact_send_raw_data_finish:
 * @self: a #ConfabContact
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the server accepted the data
 */
gboolean
confab_contact_send_raw_data_finish (ConfabContact  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return finish_boolean (self, result, error);
}

/**
 * confab_contact_call:
 * @self: a #ConfabContact
 * @stream: (nullable): the local #ConfabStream to send, or %NULL for an
 *   audio-only call from the default microphone (the screen, for
 *   %CONFAB_CALL_MEDIA_SCREEN) that the call captures and releases by itself
 * @media: what the call is for (what the callee is told)
 * @error: return location for a #GError
 *
 * Calls the contact: the call starts as %CONFAB_CALL_STATUS_WAITING_FOR_CALLEE and
 * tells what happens through its signals. A contact that cannot be reached (offline,
 * unknown) makes the call emit #ConfabCall::error with %CONFAB_ERROR_NOT_FOUND and end
 * with the reason `User_Not_Found`. Fails at once if the session has ended, the
 * contact is this session's own user, or (with #ConfabSession:allow-multiple-calls
 * off) another call is in progress.
 *
 * With no @stream and %CONFAB_CALL_MEDIA_SCREEN on Wayland, the screen is asked for
 * through the ScreenCast portal and this function blocks until the user has answered
 * the portal's dialog: from a thread that runs a user interface, use
 * confab_contact_share_screen_async(), or give a stream made with
 * confab_stream_new_local_async().
 *
 * Returns: (transfer none): the call (the session owns it), or %NULL with @error set
 */
ConfabCall *
confab_contact_call (ConfabContact    *self,
                     ConfabStream     *stream,
                     ConfabCallMedia   media,
                     GError          **error)
{
  g_autoptr(ConfabSession) session = NULL;

  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  g_return_val_if_fail (stream == NULL || CONFAB_IS_STREAM (stream), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (media > CONFAB_CALL_MEDIA_SCREEN)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER, "Unknown call media %d", (int) media);
      return NULL;
    }

  session = g_weak_ref_get (&self->session);
  if (session == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The session of this contact is gone");
      return NULL;
    }

  return _confab_session_start_call (session, self, stream, media, error);
}

/**
 * confab_contact_share_screen:
 * @self: a #ConfabContact
 * @error: return location for a #GError
 *
 * Starts a screen-sharing call with the contact. If a call with the contact is
 * ongoing, the contact's client accepts it into that conversation by itself.
 *
 * On Wayland the screen is asked for through the ScreenCast portal, and this
 * function blocks until the user has answered the portal's dialog: from a thread
 * that runs a user interface, use confab_contact_share_screen_async() instead.
 *
 * Returns: (transfer none): the call (the session owns it), or %NULL with @error set
 */
ConfabCall *
confab_contact_share_screen (ConfabContact  *self,
                             GError        **error)
{
  return confab_contact_call (self, NULL, CONFAB_CALL_MEDIA_SCREEN, error);
}

static void
start_screen_call (GTask        *task,
                   ConfabStream *stream)
{
  ConfabContact *self = g_task_get_source_object (task);
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  g_autoptr(GError) error = NULL;
  ConfabCall *call = NULL;

  if (session == NULL)
    g_set_error_literal (&error, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The session of this contact is gone");
  else
    call = _confab_session_start_call (session, self, stream, CONFAB_CALL_MEDIA_SCREEN, &error);

  if (call == NULL)
    {
      if (stream != NULL)
        confab_stream_release (stream);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The call captures the screen for itself: it releases the stream when it ends. */
  if (stream != NULL)
    _confab_call_set_owns_published_streams (call);
  g_task_return_pointer (task, g_object_ref (call), g_object_unref);
}

static void
on_share_screen_stream (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GObject) stream = NULL;
  GError *error = NULL;

  stream = _confab_call_engine_create_screen_finish (result, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  start_screen_call (task, CONFAB_STREAM (stream));
}

/**
 * confab_contact_share_screen_async:
 * @self: a #ConfabContact
 * @cancellable: (nullable): a #GCancellable; cancelling it while the screen-sharing
 *   portal's dialog is open closes the dialog
 * @callback: (scope async): called with the call once the screen is captured
 * @user_data: (closure): data for @callback
 *
 * Starts a screen-sharing call with the contact, like confab_contact_share_screen(),
 * without blocking: on Wayland the main context keeps running while the user picks a
 * screen or window in the ScreenCast portal's dialog. The call captures the screen
 * itself and stops capturing when it ends.
 */
void
confab_contact_share_screen_async (ConfabContact       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ConfabSession) session = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CONFAB_IS_CONTACT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_contact_share_screen_async);

  /* What would refuse the call is checked before the user is asked for a screen. */
  session = g_weak_ref_get (&self->session);
  if (session == NULL)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED,
                               "The session of this contact is gone");
      return;
    }
  if (!_confab_session_can_send (session, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (confab_session_get_id (session), self->id) == 0)
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_NOT_ALLOWED, "A user cannot call itself");
      return;
    }

  if (_confab_call_signaling_only ())
    {
      start_screen_call (task, NULL);
      return;
    }

  if (!confab_media_init (&error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _confab_call_engine_create_screen_async (cancellable, on_share_screen_stream, g_steal_pointer (&task));
}

/**
 * confab_contact_share_screen_finish:
 * @self: a #ConfabContact
 * @result: the #GAsyncResult
 * @error: return location for a #GError: the errors of confab_contact_call(), and
 *   those of confab_stream_new_local_finish() for the screen
 *
 * Returns: (transfer full): the call (the session keeps it too), or %NULL with @error
 *   set
 */
ConfabCall *
confab_contact_share_screen_finish (ConfabContact  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
