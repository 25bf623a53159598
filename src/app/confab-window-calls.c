/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-window-calls.c: the calls of a ConfabWindow
 *
 * Starting a call from a contact (win.call-audio, win.call-video), answering one
 * (an in-app ConfabIncomingCallDialog, a ring tone and a GNotification, all three
 * withdrawn when the call is answered, declined or given up), and showing the call in
 * progress on the window's "call" page until it ends.
 */

#define G_LOG_DOMAIN "confab-window-calls"

#include "config.h"

#include "confab-application.h"
#include "confab-util.h"
#include "confab-window-private.h"

#include <glib/gi18n.h>

static const char *
contact_name (ConfabContact *contact)
{
  const char *name = confab_contact_get_username (contact);

  if (name == NULL || *name == '\0')
    name = confab_contact_get_id (contact);

  return name;
}

static void
update_call_actions (ConfabWindow *self)
{
  gboolean can_call = self->session != NULL && self->call == NULL &&
                      self->invitation == NULL && !self->starting_call;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.call-audio", can_call);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.call-video", can_call);
}

/* Local streams: the devices picked in the preferences; the default ones when a
 * picked device is gone; audio only when the camera cannot be used. */

typedef struct {
  gboolean video;
  gboolean with_picked_devices;
} StreamRequest;

static ConfabStreamOptions *
stream_options (ConfabWindow  *self,
                StreamRequest *request)
{
  ConfabStreamOptions *options = confab_stream_options_new ();

  confab_stream_options_set_audio (options, TRUE);
  confab_stream_options_set_video (options, request->video);
  confab_stream_options_set_echo_cancellation (options,
                                               g_settings_get_boolean (self->settings, "echo-cancellation"));

  if (request->with_picked_devices)
    {
      g_autofree char *camera = g_settings_get_string (self->settings, "camera");
      g_autofree char *microphone = g_settings_get_string (self->settings, "microphone");

      if (*microphone != '\0')
        confab_stream_options_set_audio_device (options, microphone);
      if (request->video && *camera != '\0')
        confab_stream_options_set_video_device (options, camera);
    }

  return options;
}

static void
on_local_stream_created (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabWindow *self = g_task_get_source_object (task);
  StreamRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  ConfabStream *stream;

  stream = confab_stream_create_finish (CONFAB_SESSION (object), result, &error);
  if (stream != NULL)
    {
      g_task_return_pointer (task, stream, g_object_unref);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  if (request->with_picked_devices &&
      g_error_matches (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NO_DEVICE))
    {
      g_debug ("A picked device is gone (%s); trying the default ones", error->message);
      request->with_picked_devices = FALSE;
    }
  else if (request->video)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The camera cannot be used: %s"), error->message);
      confab_window_show_toast (self, message);
      request->video = FALSE;
    }
  else
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  {
    g_autoptr(ConfabStreamOptions) options = stream_options (self, request);

    confab_stream_create_async (CONFAB_SESSION (object), options, g_task_get_cancellable (task),
                                on_local_stream_created, g_object_ref (task));
  }
}

static void
make_local_stream_async (ConfabWindow        *self,
                         gboolean             video,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, self->call_cancellable, callback, user_data);
  g_autoptr(ConfabStreamOptions) options = NULL;
  StreamRequest *request = g_new0 (StreamRequest, 1);

  request->video = video;
  request->with_picked_devices = TRUE;
  g_task_set_task_data (task, request, g_free);
  g_task_set_source_tag (task, make_local_stream_async);

  options = stream_options (self, request);
  confab_stream_create_async (self->session, options, self->call_cancellable,
                              on_local_stream_created, g_steal_pointer (&task));
}

static ConfabStream *
make_local_stream_finish (ConfabWindow  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* the incoming call's dialog, ring and notification */

static void
withdraw_notification (ConfabWindow *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (self->notification_id == NULL)
    return;

  if (app != NULL)
    g_application_withdraw_notification (app, self->notification_id);
  g_clear_pointer (&self->notification_id, g_free);
}

static void
send_notification (ConfabWindow                 *self,
                   ConfabReceivedCallInvitation *invitation)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  ConfabContact *contact = confab_received_call_invitation_get_contact (invitation);
  const char *call_id = confab_received_call_invitation_get_call_id (invitation);
  gboolean video = confab_received_call_invitation_get_media (invitation) == CONFAB_CALL_MEDIA_VIDEO;
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *body = NULL;

  /* without a notification service GIO would warn; the dialog is enough then */
  if (!CONFAB_IS_APPLICATION (app) || !confab_application_can_notify (CONFAB_APPLICATION (app)))
    return;

  withdraw_notification (self);

  notification = g_notification_new (video ? _("Incoming Video Call") : _("Incoming Call"));
  /* Translators: %s is a contact's name */
  body = g_strdup_printf (_("%s is calling you."), contact_name (contact));
  g_notification_set_body (notification, body);
  g_notification_set_category (notification, "call.incoming");
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
  icon = g_themed_icon_new ("call-start-symbolic");
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action_and_target (notification, "app.show-call", "s", call_id);
  g_notification_add_button_with_target (notification, _("Decline"),
                                         "app.answer-call", "(ss)", call_id, "decline");
  g_notification_add_button_with_target (notification, _("Accept"),
                                         "app.answer-call", "(ss)", call_id, video ? "video" : "audio");

  self->notification_id = g_strconcat ("incoming-call-", call_id, NULL);
  g_application_send_notification (G_APPLICATION (app), self->notification_id, notification);
}

/* Forgets the pending invitation: stops the ring, withdraws the notification, closes
 * the dialog if it is still open. */
static void
dismiss_invitation (ConfabWindow *self)
{
  if (self->ringer != NULL)
    confab_ringer_stop (self->ringer);
  withdraw_notification (self);

  if (self->incoming_dialog != NULL)
    {
      ConfabIncomingCallDialog *dialog = self->incoming_dialog;

      g_signal_handlers_disconnect_by_data (dialog, self);
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->incoming_dialog);
      self->incoming_dialog = NULL;
      gtk_window_destroy (GTK_WINDOW (dialog));
    }

  if (self->invitation != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->invitation, self);
      g_clear_object (&self->invitation);
    }

  update_call_actions (self);
}

/* the call shown */

static char *
describe_end (ConfabCall *call,
              const char *from,
              const char *reason)
{
  const char *name = contact_name (confab_call_get_contact (call));

  if (g_strcmp0 (reason, "User_Busy") == 0)
    /* Translators: %s is a contact's name */
    return g_strdup_printf (_("%s is busy."), name);

  if (g_strcmp0 (reason, "User_Refused_Call") == 0)
    /* Translators: %s is a contact's name */
    return g_strdup_printf (_("%s declined the call."), name);

  if (g_strcmp0 (reason, "Timeout") == 0)
    /* Translators: %s is a contact's name */
    return g_strdup_printf (_("%s did not answer."), name);

  if (g_strcmp0 (reason, "Ice_failed") == 0 || g_strcmp0 (reason, "disconnected") == 0)
    return g_strdup (_("The call was cut off: the connection was lost."));

  if (g_strcmp0 (reason, "User_Not_Found") == 0 || g_strcmp0 (reason, "Not_Found") == 0)
    /* Translators: %s is a contact's name */
    return g_strdup_printf (_("%s cannot be reached."), name);

  if (g_strcmp0 (from, "remote") == 0)
    /* Translators: %s is a contact's name */
    return g_strdup_printf (_("%s ended the call."), name);

  return g_strdup (_("Call ended."));
}

static void
hide_call (ConfabWindow *self)
{
  g_autoptr(ConfabCall) call = g_steal_pointer (&self->call);
  g_autoptr(ConfabStream) stream = g_steal_pointer (&self->local_stream);

  if (call != NULL)
    g_signal_handlers_disconnect_by_data (call, self);

  confab_call_view_set_call (self->call_view, NULL);

  if (stream != NULL)
    confab_stream_release (stream);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "call") == 0)
    gtk_stack_set_visible_child_name (self->stack, self->session != NULL ? "main" : "sign-in");

  update_call_actions (self);
}

static void
on_call_declined (ConfabWindow *self,
                  const char   *reason,
                  ConfabCall   *call)
{
  g_autofree char *message = describe_end (call, "remote", reason);

  confab_window_show_toast (self, message);
  hide_call (self);
}

static void
on_call_hangup (ConfabWindow *self,
                const char   *from,
                const char   *reason,
                ConfabCall   *call)
{
  g_autofree char *message = describe_end (call, from, reason);

  confab_window_show_toast (self, message);
  hide_call (self);
}

/* The speaker picked in the preferences or the call's devices menu (transfer full), or
 * NULL for the default output. */
static ConfabMediaDevice *
picked_speaker_device (ConfabWindow *self)
{
  g_autofree char *id = g_settings_get_string (self->settings, "speaker");
  GListModel *devices;
  guint n;

  if (*id == '\0' || self->session == NULL)
    return NULL;

  devices = confab_session_get_media_devices (self->session);
  n = g_list_model_get_n_items (devices);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (devices, i);

      if (confab_media_device_get_kind (device) == CONFAB_MEDIA_DEVICE_KIND_SPEAKER &&
          g_strcmp0 (confab_media_device_get_id (device), id) == 0)
        return g_steal_pointer (&device);
    }

  return NULL;
}

static GstDevice *
picked_speaker (ConfabWindow *self)
{
  g_autoptr(ConfabMediaDevice) device = picked_speaker_device (self);

  return device != NULL ? confab_media_device_get_device (device) : NULL;
}

/* The call's remote audio follows the picked speaker. */
static void
apply_speaker (ConfabWindow *self)
{
  g_autoptr(ConfabMediaDevice) speaker = NULL;
  g_autoptr(GError) error = NULL;

  if (self->call == NULL || confab_call_get_status (self->call) == CONFAB_CALL_STATUS_ENDED)
    return;

  speaker = picked_speaker_device (self);
  if (!confab_call_set_speaker (self->call, speaker, &error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The speaker could not be switched: %s"), error->message);
      confab_window_show_toast (self, message);
    }
}

static void
on_call_status_changed (ConfabWindow *self,
                        GParamSpec   *pspec,
                        ConfabCall   *call)
{
  /* "declined" and "hangup" say why; this catches any other end */
  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
    hide_call (self);
  else if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ONGOING && call == self->call)
    apply_speaker (self);
}

static void
on_call_error (ConfabWindow *self,
               const GError *error,
               ConfabCall   *call)
{
  g_autofree char *message = NULL;

  g_debug ("Call error: %s", error->message);
  /* Translators: %s is what went wrong */
  message = g_strdup_printf (_("Call problem: %s"), error->message);
  confab_window_show_toast (self, message);
}

/* Shows @call on the "call" page; @stream is what it publishes (taken). */
static void
show_call (ConfabWindow *self,
           ConfabCall   *call,
           ConfabStream *stream)
{
  g_assert (self->call == NULL);

  self->call = g_object_ref (call);
  self->local_stream = stream;

  g_signal_connect_object (call, "declined", G_CALLBACK (on_call_declined), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (call, "hangup", G_CALLBACK (on_call_hangup), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (call, "notify::status", G_CALLBACK (on_call_status_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (call, "error", G_CALLBACK (on_call_error), self, G_CONNECT_SWAPPED);

  confab_call_view_set_call (self->call_view, call);
  gtk_stack_set_visible_child_name (self->stack, "call");
  update_call_actions (self);

  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
    hide_call (self);
}

/* answering */

static void
on_invitation_accepted (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(ConfabWindow) self = user_data;
  ConfabReceivedCallInvitation *invitation = CONFAB_RECEIVED_CALL_INVITATION (object);
  g_autoptr(ConfabStream) stream = g_object_steal_data (object, "confab-local-stream");
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  self->starting_call = FALSE;

  call = confab_received_call_invitation_accept_finish (invitation, result, &error);
  if (call == NULL)
    {
      g_autofree char *message = NULL;

      if (stream != NULL)
        confab_stream_release (stream);
      update_call_actions (self);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The call could not be answered: %s"), error->message);
      confab_window_show_toast (self, message);
      return;
    }

  if (self->call != NULL || self->closing)
    {
      /* the window moved on meanwhile */
      confab_call_hang_up (call);
      if (stream != NULL)
        confab_stream_release (stream);
      update_call_actions (self);
      return;
    }

  show_call (self, call, g_steal_pointer (&stream));
}

static void
on_answer_stream_created (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(ConfabReceivedCallInvitation) invitation = user_data;
  ConfabWindow *self = CONFAB_WINDOW (object);
  g_autoptr(GError) error = NULL;
  ConfabStream *stream;

  stream = make_local_stream_finish (self, result, &error);
  if (stream == NULL)
    {
      g_autofree char *message = NULL;

      self->starting_call = FALSE;
      update_call_actions (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The microphone cannot be used: %s"), error->message);
      confab_window_show_toast (self, message);
      confab_received_call_invitation_decline (invitation, NULL);
      return;
    }

  g_object_set_data_full (G_OBJECT (invitation), "confab-local-stream", stream, g_object_unref);
  confab_received_call_invitation_accept_async (invitation, stream, self->call_cancellable,
                                                on_invitation_accepted, g_object_ref (self));
}

static void
accept_invitation (ConfabWindow                 *self,
                   ConfabReceivedCallInvitation *invitation,
                   gboolean                      video)
{
  g_autoptr(ConfabReceivedCallInvitation) hold = g_object_ref (invitation);

  dismiss_invitation (self);

  self->starting_call = TRUE;
  update_call_actions (self);

  make_local_stream_async (self, video, on_answer_stream_created, g_steal_pointer (&hold));
}

static void
on_dialog_response (ConfabWindow             *self,
                    const char               *response,
                    ConfabIncomingCallDialog *dialog)
{
  g_autoptr(ConfabReceivedCallInvitation) invitation = NULL;

  if (self->invitation == NULL)
    return;

  invitation = g_object_ref (self->invitation);
  confab_window_answer_call (self, confab_received_call_invitation_get_call_id (invitation), response);
}

static void
on_invitation_cancelled (ConfabWindow                 *self,
                         const char                   *reason,
                         ConfabReceivedCallInvitation *invitation)
{
  const char *name = contact_name (confab_received_call_invitation_get_contact (invitation));
  g_autofree char *message = NULL;

  /* the call was dealt with in another session of this user: not missed */
  if (g_strcmp0 (reason, "Answered_Elsewhere") == 0)
    /* Translators: %s is a contact's name */
    message = g_strdup_printf (_("Call from %s answered on another device"), name);
  else if (g_strcmp0 (reason, "Declined_Elsewhere") == 0)
    /* Translators: %s is a contact's name */
    message = g_strdup_printf (_("Call from %s declined on another device"), name);
  else
    /* Translators: %s is a contact's name */
    message = g_strdup_printf (_("Missed call from %s"), name);
  dismiss_invitation (self);
  confab_window_show_toast (self, message);
}

/* The speaker picked in the preferences, if the session lists it. */

static void
on_incoming_call (ConfabWindow                 *self,
                  ConfabReceivedCallInvitation *invitation,
                  ConfabSession                *session)
{
  GtkWidget *dialog;

  if (self->call != NULL || self->invitation != NULL || self->starting_call)
    {
      g_debug ("Busy: declining a call from %s",
               confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)));
      confab_received_call_invitation_decline (invitation, "User_Busy");
      return;
    }

  if (self->auto_accept_calls)
    {
      accept_invitation (self, invitation,
                         confab_received_call_invitation_get_media (invitation) != CONFAB_CALL_MEDIA_AUDIO);
      return;
    }

  self->invitation = g_object_ref (invitation);
  g_signal_connect_object (invitation, "cancelled",
                           G_CALLBACK (on_invitation_cancelled), self, G_CONNECT_SWAPPED);

  dialog = confab_incoming_call_dialog_new (GTK_WINDOW (self), invitation);
  self->incoming_dialog = CONFAB_INCOMING_CALL_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->incoming_dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_dialog_response), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  confab_ringer_set_speaker (self->ringer, picked_speaker (self));
  confab_ringer_start (self->ringer);
  send_notification (self, invitation);
  update_call_actions (self);
}

/* starting a call */

static void
on_call_started (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ConfabWindow *self = CONFAB_WINDOW (object);
  g_autoptr(ConfabCall) call = NULL;
  g_autoptr(GError) error = NULL;

  call = confab_window_start_call_finish (self, result, &error);
  if (call == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    confab_window_show_toast (self, error->message);
}

static void
call_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ConfabWindow *self = CONFAB_WINDOW (widget);
  const char *contact_id = NULL;

  if (parameter != NULL)
    contact_id = g_variant_get_string (parameter, NULL);
  else if (self->contact != NULL)
    contact_id = confab_contact_get_id (self->contact);

  if (contact_id == NULL)
    return;

  confab_window_start_call_async (self, contact_id, g_str_equal (action_name, "win.call-video"),
                                  NULL, on_call_started, NULL);
}

/* switching devices mid-call */

typedef struct {
  ConfabWindow *window;
  ConfabStream *stream;
} Switch;

static void
switch_free (Switch *sw)
{
  g_clear_object (&sw->window);
  g_clear_object (&sw->stream);
  g_free (sw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Switch, switch_free)

static void
on_published_stream_replaced (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(Switch) sw = user_data;
  g_autoptr(ConfabStream) old = NULL;
  ConfabWindow *self = sw->window;
  ConfabCall *call = CONFAB_CALL (object);
  g_autoptr(GError) error = NULL;

  if (!confab_call_replace_published_stream_finish (call, result, &error))
    {
      g_debug ("Switching devices failed: %s", error->message);
      confab_stream_release (sw->stream);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = NULL;

          /* Translators: %s is the reason */
          message = g_strdup_printf (_("The device could not be switched: %s"), error->message);
          confab_window_show_toast (self, message);
        }
      return;
    }

  if (self->call != call)
    {
      confab_stream_release (sw->stream);
      return;
    }

  /* the view lets go of the old stream before it stops */
  old = g_steal_pointer (&self->local_stream);
  self->local_stream = g_object_ref (sw->stream);
  confab_call_view_update_streams (self->call_view);
  if (old != NULL)
    confab_stream_release (old);
}

static void
on_switch_stream_created (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(ConfabCall) call = user_data;
  ConfabWindow *self = CONFAB_WINDOW (object);
  g_autoptr(GError) error = NULL;
  Switch *sw;
  ConfabStream *stream;

  stream = make_local_stream_finish (self, result, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        confab_window_show_toast (self, error->message);
      return;
    }

  if (self->call != call || self->local_stream == NULL ||
      confab_call_get_status (call) != CONFAB_CALL_STATUS_ONGOING)
    {
      confab_stream_release (stream);
      g_object_unref (stream);
      return;
    }

  sw = g_new0 (Switch, 1);
  sw->window = g_object_ref (self);
  sw->stream = stream;
  confab_call_replace_published_stream_async (call, self->local_stream, stream, self->call_cancellable,
                                              on_published_stream_replaced, sw);
}

/* The devices menu of the call view picked another camera or microphone: the call
 * switches to it (the setting is already saved through the binding). */
static void
on_call_device_changed (ConfabWindow *self)
{
  if (self->call == NULL || self->local_stream == NULL ||
      confab_call_get_status (self->call) != CONFAB_CALL_STATUS_ONGOING)
    return;

  make_local_stream_async (self, confab_stream_get_has_video (self->local_stream),
                           on_switch_stream_created, g_object_ref (self->call));
}

/* private API for confab-window.c */

void
_confab_window_calls_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.call-audio", "s", call_activated);
  gtk_widget_class_install_action (widget_class, "win.call-video", "s", call_activated);
}

void
_confab_window_calls_init (ConfabWindow *self)
{
  self->ringer = confab_ringer_new ();
  self->call_cancellable = g_cancellable_new ();

  g_settings_bind (self->settings, "camera", self->call_view, "camera-device", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "microphone", self->call_view, "microphone-device", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "speaker", self->call_view, "speaker-device", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->call_view, "notify::camera-device",
                           G_CALLBACK (on_call_device_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_view, "notify::microphone-device",
                           G_CALLBACK (on_call_device_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_view, "notify::speaker-device",
                           G_CALLBACK (apply_speaker), self, G_CONNECT_SWAPPED);

  update_call_actions (self);
}

void
_confab_window_calls_dispose (ConfabWindow *self)
{
  if (self->call_cancellable != NULL)
    g_cancellable_cancel (self->call_cancellable);

  if (self->invitation != NULL && confab_received_call_invitation_is_pending (self->invitation))
    confab_received_call_invitation_decline (self->invitation, NULL);
  dismiss_invitation (self);

  if (self->call != NULL && confab_call_get_status (self->call) != CONFAB_CALL_STATUS_ENDED)
    confab_call_hang_up (self->call);
  if (self->call_view != NULL)
    hide_call (self);

  g_clear_object (&self->ringer);
  g_clear_object (&self->call_cancellable);
}

/* Called by set_session() with the new session (its handlers on the old one are gone). */
void
_confab_window_calls_set_session (ConfabWindow  *self,
                                  ConfabSession *session)
{
  dismiss_invitation (self);

  if (self->call != NULL)
    {
      if (confab_call_get_status (self->call) != CONFAB_CALL_STATUS_ENDED)
        confab_call_hang_up (self->call);
      hide_call (self);
    }

  confab_call_view_set_devices (self->call_view,
                                session != NULL ? confab_session_get_media_devices (session) : NULL);

  if (session != NULL)
    {
      g_signal_connect_object (session, "incoming-call",
                               G_CALLBACK (on_incoming_call), self, G_CONNECT_SWAPPED);
      confab_session_set_call_stats_monitoring_enabled (session, TRUE, 2000);
      confab_session_set_quality_evaluating_enabled (session, TRUE);
    }

  update_call_actions (self);
}

/* Called by show_contact(): the chat's header offers to call the contact shown. */
void
_confab_window_calls_set_contact (ConfabWindow  *self,
                                  ConfabContact *contact)
{
  const char *id = contact != NULL ? confab_contact_get_id (contact) : NULL;

  gtk_widget_set_visible (self->call_audio_button, id != NULL);
  gtk_widget_set_visible (self->call_video_button, id != NULL);

  if (id != NULL)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_audio_button), "s", id);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_video_button), "s", id);
    }
}

/* public API */

static void
on_call_stream_created (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabWindow *self = CONFAB_WINDOW (object);
  ConfabContact *contact = g_task_get_task_data (task);
  g_autoptr(ConfabStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  self->starting_call = FALSE;
  update_call_actions (self);

  stream = make_local_stream_finish (self, result, &error);
  if (stream == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _("The microphone cannot be used: %s"), error->message);
      return;
    }

  if (self->session == NULL || self->call != NULL || self->closing)
    {
      confab_stream_release (stream);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The window moved on");
      return;
    }

  call = confab_contact_call (contact, stream,
                              confab_stream_get_has_video (stream) ? CONFAB_CALL_MEDIA_VIDEO
                                                                   : CONFAB_CALL_MEDIA_AUDIO,
                              &error);
  if (call == NULL)
    {
      confab_stream_release (stream);
      g_task_return_new_error (task, error->domain, error->code,
                               /* Translators: %s is the reason */
                               _("The call could not start: %s"), error->message);
      return;
    }

  show_call (self, call, g_steal_pointer (&stream));
  g_task_return_pointer (task, g_object_ref (call), g_object_unref);
}

/**
 * confab_window_start_call_async:
 * @self: a #ConfabWindow
 * @contact_id: the user to call
 * @video: %TRUE for a video call, %FALSE for audio only
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the call is placed, or could not be
 * @user_data: data for @callback
 *
 * Captures the microphone (and the camera), calls @contact_id and shows the
 * outgoing-call page.
 */
void
confab_window_start_call_async (ConfabWindow        *self,
                                const char          *contact_id,
                                gboolean             video,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConfabContact *contact;

  g_return_if_fail (CONFAB_IS_WINDOW (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_window_start_call_async);

  if (self->session == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Sign in first."));
      return;
    }

  if (!confab_user_id_is_valid (contact_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is what the user typed */
                               _("“%s” is not a user ID: use 1 to 64 letters, digits or . _ @ -"),
                               contact_id != NULL ? contact_id : "");
      return;
    }

  if (self->call != NULL || self->invitation != NULL || self->starting_call)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, _("You are already in a call."));
      return;
    }

  if (g_strcmp0 (contact_id, confab_session_get_id (self->session)) == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("You cannot call yourself."));
      return;
    }

  contact = confab_session_get_or_create_contact (self->session, contact_id);
  g_task_set_task_data (task, g_object_ref (contact), g_object_unref);

  self->starting_call = TRUE;
  update_call_actions (self);

  make_local_stream_async (self, video, on_call_stream_created, g_steal_pointer (&task));
}

/**
 * confab_window_start_call_finish:
 * @self: a #ConfabWindow
 * @result: the #GAsyncResult
 * @error: set when the call could not be placed
 *
 * Returns: (transfer full) (nullable): the call placed
 */
ConfabCall *
confab_window_start_call_finish (ConfabWindow  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_window_answer_call:
 * @self: a #ConfabWindow
 * @call_id: the id of the call asked about
 * @response: "video" or "audio" to accept, "decline" to decline
 *
 * Answers the incoming call the window asks about (from its dialog or notification).
 *
 * Returns: %FALSE when the window has no such call waiting
 */
gboolean
confab_window_answer_call (ConfabWindow *self,
                           const char   *call_id,
                           const char   *response)
{
  g_autoptr(ConfabReceivedCallInvitation) invitation = NULL;

  g_return_val_if_fail (CONFAB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (response != NULL, FALSE);

  if (self->invitation == NULL ||
      g_strcmp0 (confab_received_call_invitation_get_call_id (self->invitation), call_id) != 0)
    return FALSE;

  invitation = g_object_ref (self->invitation);

  if (g_str_equal (response, "video") || g_str_equal (response, "audio"))
    {
      accept_invitation (self, invitation, g_str_equal (response, "video"));
    }
  else
    {
      dismiss_invitation (self);
      confab_received_call_invitation_decline (invitation, NULL);
    }

  return TRUE;
}

/**
 * confab_window_get_call:
 * @self: a #ConfabWindow
 *
 * Returns: (transfer none) (nullable): the call shown
 */
ConfabCall *
confab_window_get_call (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  return self->call;
}

/**
 * confab_window_get_call_view:
 * @self: a #ConfabWindow
 *
 * Returns: (transfer none): the view of the window's call page
 */
ConfabCallView *
confab_window_get_call_view (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  return self->call_view;
}

/**
 * confab_window_get_incoming_dialog:
 * @self: a #ConfabWindow
 *
 * Returns: (transfer none) (nullable): the dialog asking about an incoming call
 */
ConfabIncomingCallDialog *
confab_window_get_incoming_dialog (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), NULL);

  return self->incoming_dialog;
}

/**
 * confab_window_get_ringing:
 * @self: a #ConfabWindow
 *
 * Returns: whether the ring tone plays
 */
gboolean
confab_window_get_ringing (ConfabWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_WINDOW (self), FALSE);

  return self->ringer != NULL && confab_ringer_get_ringing (self->ringer);
}

/**
 * confab_window_set_auto_accept_calls:
 * @self: a #ConfabWindow
 * @auto_accept: whether to accept incoming calls without asking
 *
 * For demos and tests: incoming calls are accepted at once, with video when they
 * come with video.
 */
void
confab_window_set_auto_accept_calls (ConfabWindow *self,
                                     gboolean      auto_accept)
{
  g_return_if_fail (CONFAB_IS_WINDOW (self));

  self->auto_accept_calls = !!auto_accept;
}
