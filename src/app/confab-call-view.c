/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-view.c: a call: the outgoing-call page, then the remote and self video
 *
 * While an outgoing call waits for the callee the view shows the contact's avatar,
 * "Calling…" and a Cancel button. Once the call is on it shows the remote video large
 * (or the avatar while there is none), the self-view small in a corner, the call's
 * duration and a quality indicator fed by the call's statistics, and the controls:
 * mute, camera, screen sharing, devices, hang up. Video reaches the widgets through
 * two ConfabVideoPaintables whose appsinks are handed to the streams.
 */

#define G_LOG_DOMAIN "confab-call-view"

#include "config.h"

#include "confab-call-view.h"

#include <glib/gi18n.h>

struct _ConfabCallView
{
  AdwBin                parent_instance;

  /* template widgets */
  AdwWindowTitle       *title;
  GtkImage             *quality_icon;
  GtkStack             *stack;
  AdwAvatar            *outgoing_avatar;
  GtkLabel             *outgoing_name;
  GtkLabel             *outgoing_status;
  GtkStack             *remote_stack;
  AdwAvatar            *remote_avatar;
  GtkLabel             *remote_status;
  GtkPicture           *remote_picture;
  GtkWidget            *remote_muted_badge;
  GtkLabel             *remote_name;
  GtkLabel             *remote_muted_label;
  GtkWidget            *self_view;
  GtkPicture           *self_picture;
  GtkToggleButton      *microphone_button;
  GtkToggleButton      *camera_button;
  GtkMenuButton        *devices_button;
  GMenu                *cameras_section;
  GMenu                *microphones_section;
  GMenu                *speakers_section;

  /* owned references */
  ConfabCall           *call;
  ConfabStream         *remote_stream;   /* its video goes to remote_paintable */
  ConfabStream         *self_stream;     /* its video goes to self_paintable */
  ConfabVideoPaintable *remote_paintable;
  ConfabVideoPaintable *self_paintable;
  GstElement           *remote_sink;     /* attached to remote_stream */
  GstElement           *self_sink;       /* attached to self_stream */
  GListModel           *devices;
  GCancellable         *cancellable;
  GCancellable         *screen_cancellable;  /* while the user picks a screen to share */
  char                 *camera_device;
  char                 *microphone_device;
  char                 *speaker_device;

  gint64                local_start;     /* monotonic, when the call went ongoing */
  guint                 duration_source;
  guint                 microphone_muted : 1;
  guint                 camera_off : 1;
};

G_DEFINE_FINAL_TYPE (ConfabCallView, confab_call_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CALL,
  PROP_MICROPHONE_MUTED,
  PROP_CAMERA_OFF,
  PROP_CAMERA_DEVICE,
  PROP_MICROPHONE_DEVICE,
  PROP_SPEAKER_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
contact_name (ConfabContact *contact)
{
  const char *name;

  if (contact == NULL)
    return "";

  name = confab_contact_get_username (contact);
  if (name == NULL || *name == '\0')
    name = confab_contact_get_id (contact);

  return name;
}

/**
 * confab_call_view_format_duration:
 * @duration: a duration in microseconds
 *
 * Returns: (transfer full): "m:ss", or "h:mm:ss" from an hour on
 */
char *
confab_call_view_format_duration (GTimeSpan duration)
{
  gint64 seconds = MAX (duration, 0) / G_USEC_PER_SEC;

  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d",
                            seconds / 3600, (int) (seconds / 60 % 60), (int) (seconds % 60));

  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static GTimeSpan
call_duration (ConfabCallView *self)
{
  GDateTime *start = confab_call_get_start_time (self->call);

  if (start != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      return g_date_time_difference (now, start);
    }

  return self->local_start != 0 ? g_get_monotonic_time () - self->local_start : 0;
}

static void
update_title (ConfabCallView *self)
{
  g_autofree char *subtitle = NULL;
  ConfabCallStatus status;

  if (self->call == NULL)
    {
      adw_window_title_set_title (self->title, "");
      adw_window_title_set_subtitle (self->title, "");
      return;
    }

  status = confab_call_get_status (self->call);

  /* the outgoing page says who is called in large; the header says it once on */
  adw_window_title_set_title (self->title,
                              status == CONFAB_CALL_STATUS_WAITING_FOR_CALLEE ||
                              status == CONFAB_CALL_STATUS_RINGING
                              ? "" : contact_name (confab_call_get_contact (self->call)));
  switch (status)
    {
    case CONFAB_CALL_STATUS_WAITING_FOR_CALLEE:
    case CONFAB_CALL_STATUS_RINGING:
      break;

    case CONFAB_CALL_STATUS_ONGOING:
      subtitle = confab_call_view_format_duration (call_duration (self));
      break;

    case CONFAB_CALL_STATUS_ENDED:
      subtitle = g_strdup (_("Call Ended"));
      break;

    default:
      break;
    }

  adw_window_title_set_subtitle (self->title, subtitle != NULL ? subtitle : "");
}

static gboolean
on_duration_tick (gpointer user_data)
{
  ConfabCallView *self = user_data;

  update_title (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
remote_video_shown (ConfabCallView *self)
{
  return self->remote_stream != NULL &&
         confab_stream_get_has_video (self->remote_stream) &&
         confab_stream_get_video_enabled (self->remote_stream) &&
         confab_video_paintable_get_n_frames (self->remote_paintable) > 0;
}

static void
update_remote (ConfabCallView *self)
{
  const char *name = self->call != NULL ? contact_name (confab_call_get_contact (self->call)) : "";
  gboolean remote_muted = FALSE;

  /* the name goes with the picture; the avatar page shows it already */
  gtk_widget_set_visible (GTK_WIDGET (self->remote_name), remote_video_shown (self));

  if (remote_video_shown (self))
    {
      gtk_stack_set_visible_child_name (self->remote_stack, "video");
    }
  else
    {
      const char *status;

      if (self->remote_stream == NULL)
        status = _("Connecting…");
      else if (!confab_stream_get_has_video (self->remote_stream))
        status = _("Audio Call");
      else if (!confab_stream_get_video_enabled (self->remote_stream))
        status = _("Camera Off");
      else
        status = _("Waiting for Video…");

      gtk_label_set_label (self->remote_status, status);
      gtk_stack_set_visible_child_name (self->remote_stack, "avatar");
    }

  adw_avatar_set_text (self->remote_avatar, name);
  gtk_label_set_label (self->remote_name, name);

  if (self->remote_stream != NULL && confab_stream_get_has_audio (self->remote_stream))
    remote_muted = !confab_stream_get_audio_enabled (self->remote_stream);

  if (remote_muted)
    {
      g_autofree char *label = NULL;

      /* Translators: %s is a contact's name */
      label = g_strdup_printf (_("%s is muted"), name);
      gtk_label_set_label (self->remote_muted_label, label);
    }
  gtk_widget_set_visible (self->remote_muted_badge, remote_muted);
}

static void
update_self_view (ConfabCallView *self)
{
  gboolean shown = self->self_stream != NULL &&
                   confab_stream_get_has_video (self->self_stream) &&
                   !self->camera_off;

  gtk_widget_set_visible (self->self_view, shown);
}

static void
update_actions (ConfabCallView *self)
{
  ConfabCallStatus status = self->call != NULL ? confab_call_get_status (self->call) : CONFAB_CALL_STATUS_ENDED;
  gboolean live = self->call != NULL && status != CONFAB_CALL_STATUS_ENDED;
  gboolean ongoing = live && status == CONFAB_CALL_STATUS_ONGOING;
  gboolean has_video = self->self_stream != NULL && confab_stream_get_has_video (self->self_stream);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.hang-up", live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.mute-microphone", live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.stop-camera", live && has_video);
  /* one screen picker at a time (the portal's dialog stays open while the user picks) */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.share-screen",
                                 ongoing && self->screen_cancellable == NULL);
}

/* Closes the screen picker (the portal's dialog) of a call that ended or went away. */
static void
cancel_screen_share (ConfabCallView *self)
{
  if (self->screen_cancellable != NULL)
    g_cancellable_cancel (self->screen_cancellable);
}

static void
update_microphone_button (ConfabCallView *self)
{
  gtk_button_set_icon_name (GTK_BUTTON (self->microphone_button),
                            self->microphone_muted ? "microphone-disabled-symbolic"
                                                   : "audio-input-microphone-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->microphone_button),
                               self->microphone_muted ? _("Unmute Microphone") : _("Mute Microphone"));
}

static void
update_camera_button (ConfabCallView *self)
{
  gtk_button_set_icon_name (GTK_BUTTON (self->camera_button),
                            self->camera_off ? "camera-disabled-symbolic" : "camera-web-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->camera_button),
                               self->camera_off ? _("Turn Camera On") : _("Turn Camera Off"));
}

static void
update_status (ConfabCallView *self)
{
  ConfabCallStatus status;

  if (self->call == NULL)
    {
      g_clear_handle_id (&self->duration_source, g_source_remove);
      update_title (self);
      update_actions (self);
      return;
    }

  status = confab_call_get_status (self->call);

  switch (status)
    {
    case CONFAB_CALL_STATUS_WAITING_FOR_CALLEE:
      gtk_label_set_label (self->outgoing_status, _("Calling…"));
      gtk_stack_set_visible_child_name (self->stack, "outgoing");
      break;

    case CONFAB_CALL_STATUS_RINGING:
      gtk_label_set_label (self->outgoing_status, _("Ringing…"));
      gtk_stack_set_visible_child_name (self->stack, "outgoing");
      break;

    case CONFAB_CALL_STATUS_ONGOING:
      if (self->local_start == 0)
        self->local_start = g_get_monotonic_time ();
      if (self->duration_source == 0)
        self->duration_source = g_timeout_add_seconds (1, on_duration_tick, self);
      gtk_stack_set_visible_child_name (self->stack, "ongoing");
      break;

    case CONFAB_CALL_STATUS_ENDED:
      g_clear_handle_id (&self->duration_source, g_source_remove);
      gtk_label_set_label (self->outgoing_status, _("Call Ended"));
      break;

    default:
      break;
    }

  update_title (self);
  update_actions (self);
}

static void
update_names (ConfabCallView *self)
{
  const char *name = self->call != NULL ? contact_name (confab_call_get_contact (self->call)) : "";

  adw_avatar_set_text (self->outgoing_avatar, name);
  gtk_label_set_label (self->outgoing_name, name);
  update_title (self);
  update_remote (self);
}

/* streams */

/* A remote stream may announce its video after it is added: the sink goes in then. */
static void
attach_remote_sink (ConfabCallView *self)
{
  if (self->remote_sink != NULL || self->remote_stream == NULL ||
      !confab_stream_get_has_video (self->remote_stream))
    return;

  g_debug ("Showing the video of stream %s", confab_stream_get_id (self->remote_stream));

  /* a fresh sink each time: a stream lets go of the last one asynchronously */
  self->remote_sink = gst_object_ref_sink (confab_video_paintable_create_sink (self->remote_paintable));
  confab_stream_attach_video_sink (self->remote_stream, self->remote_sink);
}

static void
on_remote_tracks_changed (ConfabCallView *self)
{
  attach_remote_sink (self);
  update_remote (self);
}

static void
set_remote_stream (ConfabCallView *self,
                   ConfabStream   *stream)
{
  if (self->remote_stream == stream)
    return;

  if (self->remote_stream != NULL)
    {
      if (self->remote_sink != NULL)
        confab_stream_detach_video_sink (self->remote_stream, self->remote_sink);
      g_signal_handlers_disconnect_by_data (self->remote_stream, self);
    }

  gst_clear_object (&self->remote_sink);
  g_set_object (&self->remote_stream, stream);
  confab_video_paintable_clear (self->remote_paintable);

  if (stream != NULL)
    {
      g_signal_connect_object (stream, "notify::video-enabled",
                               G_CALLBACK (update_remote), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (stream, "notify::audio-enabled",
                               G_CALLBACK (update_remote), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (stream, "notify::has-video",
                               G_CALLBACK (on_remote_tracks_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (stream, "notify::has-audio",
                               G_CALLBACK (on_remote_tracks_changed), self, G_CONNECT_SWAPPED);
      attach_remote_sink (self);
    }

  update_remote (self);
}

static void
set_self_stream (ConfabCallView *self,
                 ConfabStream   *stream)
{
  if (self->self_stream == stream)
    return;

  if (self->self_stream != NULL && self->self_sink != NULL)
    confab_stream_detach_video_sink (self->self_stream, self->self_sink);
  gst_clear_object (&self->self_sink);

  g_set_object (&self->self_stream, stream);
  confab_video_paintable_clear (self->self_paintable);

  if (stream != NULL && confab_stream_get_has_video (stream))
    {
      self->self_sink = gst_object_ref_sink (confab_video_paintable_create_sink (self->self_paintable));
      confab_stream_attach_video_sink (stream, self->self_sink);
    }

  update_self_view (self);
  update_actions (self);
}

/* The first stream of @streams with video, else the first one. */
static ConfabStream *
pick_stream (GPtrArray *streams)
{
  if (streams == NULL || streams->len == 0)
    return NULL;

  for (guint i = 0; i < streams->len; i++)
    {
      ConfabStream *stream = g_ptr_array_index (streams, i);

      if (confab_stream_get_has_video (stream) && !confab_stream_get_is_screensharing (stream))
        return stream;
    }

  return g_ptr_array_index (streams, 0);
}

/* A remote screen share is shown large while it lasts; else as pick_stream(). */
static ConfabStream *
pick_remote_stream (GPtrArray *streams)
{
  for (guint i = 0; streams != NULL && i < streams->len; i++)
    {
      ConfabStream *stream = g_ptr_array_index (streams, i);

      if (confab_stream_get_is_screensharing (stream))
        return stream;
    }

  return pick_stream (streams);
}

static void
refresh_streams (ConfabCallView *self)
{
  g_autoptr(GPtrArray) received = NULL;
  g_autoptr(GPtrArray) published = NULL;

  if (self->call != NULL)
    {
      received = confab_call_get_received_streams (self->call);
      published = confab_call_get_published_streams (self->call);
    }

  set_remote_stream (self, pick_remote_stream (received));
  set_self_stream (self, pick_stream (published));
}

/* call signals */

static void
on_call_status_changed (ConfabCallView *self)
{
  if (self->call == NULL || confab_call_get_status (self->call) == CONFAB_CALL_STATUS_ENDED)
    cancel_screen_share (self);
  update_status (self);
  if (self->call != NULL && confab_call_get_status (self->call) == CONFAB_CALL_STATUS_ONGOING)
    refresh_streams (self);
}

static void
on_stream_added (ConfabCallView *self,
                 ConfabStream   *stream,
                 ConfabCall     *call)
{
  g_debug ("Stream %s added (audio %d, video %d)", confab_stream_get_id (stream),
           confab_stream_get_has_audio (stream), confab_stream_get_has_video (stream));

  /* prefer a camera over what was shown; a screen share replaces the camera */
  if (self->remote_stream == NULL ||
      confab_stream_get_is_screensharing (stream) ||
      (!confab_stream_get_has_video (self->remote_stream) && confab_stream_get_has_video (stream)))
    set_remote_stream (self, stream);
}

static void
on_stream_removed (ConfabCallView *self,
                   ConfabStream   *stream,
                   ConfabCall     *call)
{
  if (stream == self->remote_stream)
    {
      g_autoptr(GPtrArray) received = confab_call_get_received_streams (call);

      g_ptr_array_remove (received, stream);
      set_remote_stream (self, pick_remote_stream (received));
    }
}

static void
on_remote_stream_updated (ConfabCallView *self,
                          ConfabStream   *stream,
                          ConfabCall     *call)
{
  /* a screen share starting or ending changes which stream is shown large */
  if ((stream != self->remote_stream && confab_stream_get_is_screensharing (stream)) ||
      (stream == self->remote_stream && !confab_stream_get_is_screensharing (stream)))
    {
      g_autoptr(GPtrArray) received = confab_call_get_received_streams (call);

      set_remote_stream (self, pick_remote_stream (received));
    }

  if (stream == self->remote_stream)
    update_remote (self);
}

static void
update_quality (ConfabCallView        *self,
                ConfabCallQuality      quality,
                const ConfabCallStats *stats)
{
  const char *icon = NULL;
  const char *text = NULL;
  g_autofree char *tooltip = NULL;

  switch (quality)
    {
    case CONFAB_CALL_QUALITY_GOOD:
      icon = "network-wireless-signal-excellent-symbolic";
      text = _("Good connection");
      break;

    case CONFAB_CALL_QUALITY_MEDIUM:
      icon = "network-wireless-signal-ok-symbolic";
      text = _("Fair connection");
      break;

    case CONFAB_CALL_QUALITY_BAD:
      icon = "network-wireless-signal-weak-symbolic";
      text = _("Poor connection");
      break;

    case CONFAB_CALL_QUALITY_UNKNOWN:
    default:
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->quality_icon), icon != NULL);
  if (icon == NULL)
    return;

  gtk_image_set_from_icon_name (self->quality_icon, icon);

  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_icon), "good");
  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_icon), "medium");
  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_icon), "bad");
  gtk_widget_add_css_class (GTK_WIDGET (self->quality_icon),
                            quality == CONFAB_CALL_QUALITY_GOOD ? "good" :
                            quality == CONFAB_CALL_QUALITY_MEDIUM ? "medium" : "bad");

  if (stats != NULL)
    {
      /* Translators: the quality indicator's tooltip: the grade, then round-trip time in
       * milliseconds, packet loss in percent and the received video's size */
      tooltip = g_strdup_printf (_("%s\nRound trip: %.0f ms · Loss: %.1f %% · Video: %u×%u"),
                                 text, stats->rtt * 1000.0,
                                 MAX (stats->audio_received.packet_loss, stats->video_received.packet_loss) * 100.0,
                                 stats->video_received.width, stats->video_received.height);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->quality_icon), tooltip);
    }
  else
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->quality_icon), text);
    }
}

static void
on_stats_update (ConfabCallView  *self,
                 ConfabCallStats *stats,
                 ConfabCall      *call)
{
  update_quality (self, stats->quality, stats);
}

static void
on_call_quality_changed (ConfabCallView *self)
{
  if (self->call != NULL)
    update_quality (self, confab_call_get_quality (self->call), NULL);
}

static void
on_remote_frames_changed (ConfabCallView *self)
{
  /* only the first frame changes what is shown */
  if (confab_video_paintable_get_n_frames (self->remote_paintable) == 1 ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->remote_stack), "video") != 0)
    update_remote (self);
}

/* actions */

static void
hang_up_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ConfabCallView *self = CONFAB_CALL_VIEW (widget);

  if (self->call != NULL && confab_call_get_status (self->call) != CONFAB_CALL_STATUS_ENDED)
    confab_call_hang_up (self->call);
}

static void
on_screen_shared (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ConfabCallView) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean shared;

  shared = confab_call_share_screen_finish (CONFAB_CALL (object), result, &error);
  g_clear_object (&self->screen_cancellable);
  if (self->cancellable == NULL)
    return;  /* disposed */
  update_actions (self);

  if (!shared)
    {
      GtkWidget *overlay;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_debug ("Sharing the screen failed: %s", error->message);
      overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
      if (overlay != NULL)
        {
          g_autofree char *title = NULL;

          /* Translators: %s is the reason */
          title = g_strdup_printf (_("The screen cannot be shared: %s"), error->message);
          adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
        }
    }
}

static void
share_screen_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ConfabCallView *self = CONFAB_CALL_VIEW (widget);

  if (self->call == NULL || confab_call_get_status (self->call) != CONFAB_CALL_STATUS_ONGOING ||
      self->screen_cancellable != NULL)
    return;

  /* Asynchronous: on Wayland the portal's dialog is open meanwhile, the window is not
   * frozen. */
  self->screen_cancellable = g_cancellable_new ();
  update_actions (self);
  confab_call_share_screen_async (self->call, self->screen_cancellable, on_screen_shared, g_object_ref (self));
}

/* devices */

static void
fill_device_section (GMenu      *section,
                     GListModel *devices,
                     int         kind,
                     const char *action)
{
  guint n = devices != NULL ? g_list_model_get_n_items (devices) : 0;
  g_autoptr(GMenuItem) automatic = NULL;

  g_menu_remove_all (section);

  automatic = g_menu_item_new (_("Default"), NULL);
  g_menu_item_set_action_and_target (automatic, action, "s", "");
  g_menu_append_item (section, automatic);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (devices, i);
      g_autoptr(GMenuItem) item = NULL;

      if ((int) confab_media_device_get_kind (device) != kind)
        continue;

      item = g_menu_item_new (confab_media_device_get_display_name (device), NULL);
      g_menu_item_set_action_and_target (item, action, "s", confab_media_device_get_id (device));
      g_menu_append_item (section, item);
    }
}

static void
fill_devices_menu (ConfabCallView *self)
{
  fill_device_section (self->cameras_section, self->devices,
                       CONFAB_MEDIA_DEVICE_KIND_CAMERA, "call.camera-device");
  fill_device_section (self->microphones_section, self->devices,
                       CONFAB_MEDIA_DEVICE_KIND_MICROPHONE, "call.microphone-device");
  fill_device_section (self->speakers_section, self->devices,
                       CONFAB_MEDIA_DEVICE_KIND_SPEAKER, "call.speaker-device");
}

static void
set_device (ConfabCallView  *self,
            char           **field,
            const char      *id,
            GParamSpec      *pspec)
{
  if (g_strcmp0 (*field, id) == 0)
    return;

  g_free (*field);
  *field = g_strdup (id != NULL ? id : "");
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/* GObject */

static void
confab_call_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ConfabCallView *self = CONFAB_CALL_VIEW (object);

  switch (prop_id)
    {
    case PROP_CALL:
      g_value_set_object (value, self->call);
      break;

    case PROP_MICROPHONE_MUTED:
      g_value_set_boolean (value, self->microphone_muted);
      break;

    case PROP_CAMERA_OFF:
      g_value_set_boolean (value, self->camera_off);
      break;

    case PROP_CAMERA_DEVICE:
      g_value_set_string (value, self->camera_device);
      break;

    case PROP_MICROPHONE_DEVICE:
      g_value_set_string (value, self->microphone_device);
      break;

    case PROP_SPEAKER_DEVICE:
      g_value_set_string (value, self->speaker_device);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_call_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ConfabCallView *self = CONFAB_CALL_VIEW (object);

  switch (prop_id)
    {
    case PROP_CALL:
      confab_call_view_set_call (self, g_value_get_object (value));
      break;

    case PROP_MICROPHONE_MUTED:
      confab_call_view_set_microphone_muted (self, g_value_get_boolean (value));
      break;

    case PROP_CAMERA_OFF:
      confab_call_view_set_camera_off (self, g_value_get_boolean (value));
      break;

    case PROP_CAMERA_DEVICE:
      set_device (self, &self->camera_device, g_value_get_string (value), pspec);
      break;

    case PROP_MICROPHONE_DEVICE:
      set_device (self, &self->microphone_device, g_value_get_string (value), pspec);
      break;

    case PROP_SPEAKER_DEVICE:
      set_device (self, &self->speaker_device, g_value_get_string (value), pspec);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_call_view_dispose (GObject *object)
{
  ConfabCallView *self = CONFAB_CALL_VIEW (object);

  if (self->stack != NULL)
    confab_call_view_set_call (self, NULL);

  cancel_screen_share (self);
  g_clear_object (&self->screen_cancellable);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->duration_source, g_source_remove);

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  g_clear_object (&self->devices);

  if (self->remote_paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->remote_paintable, self);
  g_clear_object (&self->remote_paintable);
  g_clear_object (&self->self_paintable);

  g_clear_pointer (&self->camera_device, g_free);
  g_clear_pointer (&self->microphone_device, g_free);
  g_clear_pointer (&self->speaker_device, g_free);

  G_OBJECT_CLASS (confab_call_view_parent_class)->dispose (object);
}

/* Keyboard shortcuts of the call actions. They work wherever the focus is in the
 * window (a managed shortcut controller), and only while the action is enabled. */
static const struct {
  const char      *action;
  guint            key;
  GdkModifierType  modifiers;
} call_shortcuts[] = {
  { "call.mute-microphone", GDK_KEY_d, GDK_CONTROL_MASK },
  { "call.stop-camera",     GDK_KEY_e, GDK_CONTROL_MASK },
  { "call.hang-up",         GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK },
};

static void
confab_call_view_class_init (ConfabCallViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_call_view_get_property;
  object_class->set_property = confab_call_view_set_property;
  object_class->dispose = confab_call_view_dispose;

  /**
   * ConfabCallView:call:
   *
   * The call shown, or %NULL.
   */
  properties[PROP_CALL] =
    g_param_spec_object ("call", NULL, NULL,
                         CONFAB_TYPE_CALL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCallView:microphone-muted:
   *
   * Whether the microphone is muted in the call; the peer is told.
   */
  properties[PROP_MICROPHONE_MUTED] =
    g_param_spec_boolean ("microphone-muted", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCallView:camera-off:
   *
   * Whether the camera is turned off in the call; the peer is told.
   */
  properties[PROP_CAMERA_OFF] =
    g_param_spec_boolean ("camera-off", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCallView:camera-device:
   *
   * The id of the camera picked in the devices menu; empty for the default.
   */
  properties[PROP_CAMERA_DEVICE] =
    g_param_spec_string ("camera-device", NULL, NULL,
                         "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCallView:microphone-device:
   *
   * The id of the microphone picked in the devices menu; empty for the default.
   */
  properties[PROP_MICROPHONE_DEVICE] =
    g_param_spec_string ("microphone-device", NULL, NULL,
                         "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCallView:speaker-device:
   *
   * The id of the speaker picked in the devices menu; empty for the default.
   */
  properties[PROP_SPEAKER_DEVICE] =
    g_param_spec_string ("speaker-device", NULL, NULL,
                         "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-call-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, title);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, quality_icon);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, outgoing_avatar);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, outgoing_name);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, outgoing_status);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_avatar);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_status);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_picture);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_muted_badge);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_name);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, remote_muted_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, self_view);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, self_picture);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, microphone_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, camera_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, devices_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, cameras_section);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, microphones_section);
  gtk_widget_class_bind_template_child (widget_class, ConfabCallView, speakers_section);

  gtk_widget_class_install_property_action (widget_class, "call.mute-microphone", "microphone-muted");
  gtk_widget_class_install_property_action (widget_class, "call.stop-camera", "camera-off");
  gtk_widget_class_install_property_action (widget_class, "call.camera-device", "camera-device");
  gtk_widget_class_install_property_action (widget_class, "call.microphone-device", "microphone-device");
  gtk_widget_class_install_property_action (widget_class, "call.speaker-device", "speaker-device");
  gtk_widget_class_install_action (widget_class, "call.share-screen", NULL, share_screen_activated);
  gtk_widget_class_install_action (widget_class, "call.hang-up", NULL, hang_up_activated);

  gtk_widget_class_set_css_name (widget_class, "callview");
}

static void
confab_call_view_init (ConfabCallView *self)
{
  GtkEventController *shortcuts;

  self->camera_device = g_strdup ("");
  self->microphone_device = g_strdup ("");
  self->speaker_device = g_strdup ("");

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->remote_paintable = confab_video_paintable_new ();
  self->self_paintable = confab_video_paintable_new ();
  confab_video_paintable_set_mirrored (self->self_paintable, TRUE);
  gtk_picture_set_paintable (self->remote_picture, GDK_PAINTABLE (self->remote_paintable));
  gtk_picture_set_paintable (self->self_picture, GDK_PAINTABLE (self->self_paintable));
  g_signal_connect_object (self->remote_paintable, "notify::n-frames",
                           G_CALLBACK (on_remote_frames_changed), self, G_CONNECT_SWAPPED);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_MANAGED);
  for (guint i = 0; i < G_N_ELEMENTS (call_shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (call_shortcuts[i].key,
                                                                                    call_shortcuts[i].modifiers),
                                                            gtk_named_action_new (call_shortcuts[i].action)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  fill_devices_menu (self);
  update_microphone_button (self);
  update_camera_button (self);
  update_status (self);
  update_remote (self);
  update_self_view (self);
}

GtkWidget *
confab_call_view_new (void)
{
  return g_object_new (CONFAB_TYPE_CALL_VIEW, NULL);
}

ConfabCall *
confab_call_view_get_call (ConfabCallView *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL_VIEW (self), NULL);

  return self->call;
}

/**
 * confab_call_view_set_call:
 * @self: a #ConfabCallView
 * @call: (nullable): the call to show
 *
 * Shows @call: the outgoing-call page while it waits for the callee, the video once
 * it is on. The microphone and camera start unmuted.
 */
void
confab_call_view_set_call (ConfabCallView *self,
                           ConfabCall     *call)
{
  g_return_if_fail (CONFAB_IS_CALL_VIEW (self));
  g_return_if_fail (call == NULL || CONFAB_IS_CALL (call));

  if (self->call == call)
    return;

  if (self->call != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->call, self);
      g_signal_handlers_disconnect_by_data (confab_call_get_contact (self->call), self);
    }
  cancel_screen_share (self);

  g_set_object (&self->call, call);
  self->local_start = 0;
  g_clear_handle_id (&self->duration_source, g_source_remove);

  /* a new call starts with the microphone and camera on */
  if (self->microphone_muted)
    {
      self->microphone_muted = FALSE;
      update_microphone_button (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE_MUTED]);
    }
  if (self->camera_off)
    {
      self->camera_off = FALSE;
      update_camera_button (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_OFF]);
    }

  if (call != NULL)
    {
      ConfabContact *contact = confab_call_get_contact (call);

      g_signal_connect_object (call, "notify::status",
                               G_CALLBACK (on_call_status_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "notify::quality",
                               G_CALLBACK (on_call_quality_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "stream-added",
                               G_CALLBACK (on_stream_added), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "stream-removed",
                               G_CALLBACK (on_stream_removed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "remote-stream-updated",
                               G_CALLBACK (on_remote_stream_updated), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "stats-update",
                               G_CALLBACK (on_stats_update), self, G_CONNECT_SWAPPED);

      g_signal_connect_object (contact, "notify::username",
                               G_CALLBACK (update_names), self, G_CONNECT_SWAPPED);
      update_quality (self, confab_call_get_quality (call), NULL);
    }
  else
    {
      update_quality (self, CONFAB_CALL_QUALITY_UNKNOWN, NULL);
    }

  refresh_streams (self);
  update_status (self);
  update_names (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

ConfabVideoPaintable *
confab_call_view_get_remote_paintable (ConfabCallView *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL_VIEW (self), NULL);

  return self->remote_paintable;
}

ConfabVideoPaintable *
confab_call_view_get_self_paintable (ConfabCallView *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL_VIEW (self), NULL);

  return self->self_paintable;
}

gboolean
confab_call_view_get_microphone_muted (ConfabCallView *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL_VIEW (self), FALSE);

  return self->microphone_muted;
}

/**
 * confab_call_view_set_microphone_muted:
 * @self: a #ConfabCallView
 * @muted: whether to mute
 *
 * Mutes or unmutes the call's microphone; the peer is told.
 */
void
confab_call_view_set_microphone_muted (ConfabCallView *self,
                                       gboolean        muted)
{
  g_return_if_fail (CONFAB_IS_CALL_VIEW (self));

  muted = !!muted;
  if (self->microphone_muted == muted)
    return;

  self->microphone_muted = muted;
  if (self->call != NULL)
    confab_call_set_audio_enabled (self->call, !muted);

  update_microphone_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE_MUTED]);
}

gboolean
confab_call_view_get_camera_off (ConfabCallView *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL_VIEW (self), FALSE);

  return self->camera_off;
}

/**
 * confab_call_view_set_camera_off:
 * @self: a #ConfabCallView
 * @off: whether to turn the camera off
 *
 * Stops or restarts sending video in the call; the peer is told.
 */
void
confab_call_view_set_camera_off (ConfabCallView *self,
                                 gboolean        off)
{
  g_return_if_fail (CONFAB_IS_CALL_VIEW (self));

  off = !!off;
  if (self->camera_off == off)
    return;

  self->camera_off = off;
  if (self->call != NULL)
    confab_call_set_video_enabled (self->call, !off);

  update_camera_button (self);
  update_self_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_OFF]);
}

/**
 * confab_call_view_set_devices:
 * @self: a #ConfabCallView
 * @devices: (nullable): a list model of #ConfabMediaDevice
 *
 * Sets the devices offered in the devices menu; the menu follows the list.
 */
void
confab_call_view_set_devices (ConfabCallView *self,
                              GListModel     *devices)
{
  g_return_if_fail (CONFAB_IS_CALL_VIEW (self));

  if (self->devices == devices)
    return;

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);

  g_set_object (&self->devices, devices);

  if (devices != NULL)
    g_signal_connect_object (devices, "items-changed",
                             G_CALLBACK (fill_devices_menu), self, G_CONNECT_SWAPPED);

  fill_devices_menu (self);
}

/**
 * confab_call_view_update_streams:
 * @self: a #ConfabCallView
 *
 * Looks at the call's streams again, e.g. after the published stream was replaced by
 * one from another camera.
 */
void
confab_call_view_update_streams (ConfabCallView *self)
{
  g_return_if_fail (CONFAB_IS_CALL_VIEW (self));

  refresh_streams (self);
}
