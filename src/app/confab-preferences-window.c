/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-preferences-window.c: camera, microphone, speaker and echo cancellation
 *
 * Pickers for the devices calls use (GSettings keys camera, microphone, speaker: a
 * ConfabMediaDevice id, empty for the default), a live preview of the camera picked
 * and a level meter of the microphone picked, and the echo-cancellation switch.
 *
 * The preview and the meter are two small pipelines of the window's own, running
 * while it is shown: "camera ! videoconvert ! appsink" into a ConfabVideoPaintable,
 * and "microphone ! level ! fakesink", whose level messages reach the main thread
 * through a bus watch. Sources follow the library's rules: CONFAB_VIDEOSRC and
 * CONFAB_AUDIOSRC (GStreamer descriptions, for tests) win over the device picked.
 */

#define G_LOG_DOMAIN "confab-preferences-window"

#include "config.h"

#include "confab-preferences-window.h"
#include "confab-util.h"

#include <confab.h>
#include <glib/gi18n.h>

/* dB below which the meter shows nothing */
#define LEVEL_FLOOR_DB -60.0

typedef struct {
  AdwComboRow  *row;
  GPtrArray    *ids;          /* device id per row; "" first, for the default */
  const char   *key;
  int           kind;
} DevicePicker;

struct _ConfabPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  GtkStack             *preview_stack;
  AdwStatusPage        *preview_status;
  GtkPicture           *preview_picture;
  AdwComboRow          *camera_row;
  AdwComboRow          *microphone_row;
  AdwComboRow          *speaker_row;
  GtkLevelBar          *level_bar;
  AdwActionRow         *echo_row;
  GtkSwitch            *echo_switch;

  /* owned references */
  GSettings            *settings;
  GListModel           *devices;
  ConfabVideoPaintable *preview;
  GstElement           *video_pipeline;
  GstElement           *audio_pipeline;

  DevicePicker          pickers[3];
  guint                 video_bus_watch;
  guint                 audio_bus_watch;
  double                level;
  guint                 filling : 1;
};

G_DEFINE_FINAL_TYPE (ConfabPreferencesWindow, confab_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PICKER_CAMERA,
  PICKER_MICROPHONE,
  PICKER_SPEAKER,
};

/* pipelines */

static GstElement *
make_source (ConfabPreferencesWindow  *self,
             const char               *variable,
             int                       picker,
             const char               *fallback,
             GError                  **error)
{
  const char *description = g_getenv (variable);
  g_autofree char *id = g_settings_get_string (self->settings, self->pickers[picker].key);
  GstElement *element;

  if (description != NULL && *description != '\0')
    return gst_parse_bin_from_description (description, TRUE, error);

  if (*id != '\0' && self->devices != NULL)
    {
      guint n = g_list_model_get_n_items (self->devices);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (self->devices, i);

          if (g_strcmp0 (confab_media_device_get_id (device), id) == 0)
            {
              element = gst_device_create_element (confab_media_device_get_device (device), NULL);
              if (element != NULL)
                return element;
            }
        }
    }

  element = gst_element_factory_make (fallback, NULL);
  if (element == NULL)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                 _("The GStreamer element “%s” is missing"), fallback);

  return element;
}

static void
stop_pipeline (GstElement **pipeline,
               guint       *bus_watch)
{
  g_clear_handle_id (bus_watch, g_source_remove);

  if (*pipeline != NULL)
    {
      gst_element_set_state (*pipeline, GST_STATE_NULL);
      gst_clear_object (pipeline);
    }
}

static void
stop_video (ConfabPreferencesWindow *self)
{
  GstElement *sink = confab_video_paintable_get_sink (self->preview);

  if (self->video_pipeline != NULL)
    {
      gst_element_set_state (self->video_pipeline, GST_STATE_NULL);
      /* the sink is ours: take it out for the next pipeline */
      if (sink != NULL && GST_ELEMENT_PARENT (sink) == self->video_pipeline)
        gst_bin_remove (GST_BIN (self->video_pipeline), sink);
    }

  stop_pipeline (&self->video_pipeline, &self->video_bus_watch);
  confab_video_paintable_clear (self->preview);
}

static void
show_preview_problem (ConfabPreferencesWindow *self,
                      const char              *problem)
{
  adw_status_page_set_description (self->preview_status, problem);
  gtk_stack_set_visible_child_name (self->preview_stack, "none");
}

/* Bus watches run on the main context: messages posted by streaming threads arrive
 * here already marshalled. */
static gboolean
on_video_bus_message (GstBus     *bus,
                      GstMessage *message,
                      gpointer    user_data)
{
  ConfabPreferencesWindow *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_debug ("Camera preview: %s", error->message);
      self->video_bus_watch = 0;
      stop_video (self);
      show_preview_problem (self, error->message);

      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_audio_bus_message (GstBus     *bus,
                      GstMessage *message,
                      gpointer    user_data)
{
  ConfabPreferencesWindow *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      {
        const GstStructure *s = gst_message_get_structure (message);
        const GValue *peaks;
        double db = -G_MAXDOUBLE;

        if (s == NULL || !gst_structure_has_name (s, "level"))
          break;

        peaks = gst_structure_get_value (s, "peak");
        if (peaks == NULL || !G_VALUE_HOLDS_BOXED (peaks))
          break;

        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        {
          GValueArray *channels = g_value_get_boxed (peaks);

          for (guint i = 0; channels != NULL && i < channels->n_values; i++)
            db = MAX (db, g_value_get_double (&channels->values[i]));
        }
        G_GNUC_END_IGNORE_DEPRECATIONS

        self->level = CLAMP ((db - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB, 0.0, 1.0);
        gtk_level_bar_set_value (self->level_bar, self->level);
      }
      break;

    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &error, NULL);
        g_debug ("Microphone meter: %s", error->message);
        self->audio_bus_watch = 0;
        stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);
        self->level = 0.0;
        gtk_level_bar_set_value (self->level_bar, 0.0);
      }
      return G_SOURCE_REMOVE;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static void
start_video (ConfabPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *source;
  GstElement *pace;
  GstElement *convert;
  GstElement *sink = confab_video_paintable_get_sink (self->preview);

  stop_video (self);

  if (sink == NULL)
    return;

  source = make_source (self, "CONFAB_VIDEOSRC", PICKER_CAMERA, "autovideosrc", &error);
  if (source == NULL)
    {
      show_preview_problem (self, error->message);
      return;
    }

  /* paces a source that is not live (a test pattern) to the clock */
  pace = gst_element_factory_make ("identity", NULL);
  convert = gst_element_factory_make ("videoconvert", NULL);
  if (pace == NULL || convert == NULL)
    {
      gst_object_unref (gst_object_ref_sink (source));
      if (pace != NULL)
        gst_object_unref (gst_object_ref_sink (pace));
      if (convert != NULL)
        gst_object_unref (gst_object_ref_sink (convert));
      show_preview_problem (self, _("A GStreamer element is missing (gstreamer1.0-plugins-base)"));
      return;
    }
  g_object_set (pace, "sync", TRUE, NULL);

  self->video_pipeline = gst_object_ref_sink (gst_pipeline_new ("confab-camera-preview"));
  gst_bin_add_many (GST_BIN (self->video_pipeline), source, pace, convert, sink, NULL);
  if (!gst_element_link_many (source, pace, convert, sink, NULL))
    {
      stop_video (self);
      show_preview_problem (self, _("The camera gives no usable picture"));
      return;
    }

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->video_pipeline));
  self->video_bus_watch = gst_bus_add_watch (bus, on_video_bus_message, self);

  gtk_stack_set_visible_child_name (self->preview_stack, "preview");
  if (gst_element_set_state (self->video_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      stop_video (self);
      show_preview_problem (self, _("The camera cannot be started"));
    }
}

static void
start_audio (ConfabPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *source;
  GstElement *level;
  GstElement *sink;

  stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);
  self->level = 0.0;
  gtk_level_bar_set_value (self->level_bar, 0.0);

  source = make_source (self, "CONFAB_AUDIOSRC", PICKER_MICROPHONE, "autoaudiosrc", &error);
  if (source == NULL)
    {
      g_debug ("No microphone meter: %s", error->message);
      return;
    }

  level = gst_element_factory_make ("level", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  if (level == NULL || sink == NULL)
    {
      g_debug ("No microphone meter: the level element is missing (gstreamer1.0-plugins-good)");
      gst_object_unref (gst_object_ref_sink (source));
      if (level != NULL)
        gst_object_unref (gst_object_ref_sink (level));
      if (sink != NULL)
        gst_object_unref (gst_object_ref_sink (sink));
      return;
    }
  g_object_set (level, "post-messages", TRUE, "interval", (guint64) 100 * GST_MSECOND, NULL);
  g_object_set (sink, "sync", TRUE, NULL);

  self->audio_pipeline = gst_object_ref_sink (gst_pipeline_new ("confab-microphone-meter"));
  gst_bin_add_many (GST_BIN (self->audio_pipeline), source, level, sink, NULL);
  if (!gst_element_link_many (source, level, sink, NULL))
    {
      g_debug ("No microphone meter: the microphone gives no usable sound");
      stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);
      return;
    }

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->audio_pipeline));
  self->audio_bus_watch = gst_bus_add_watch (bus, on_audio_bus_message, self);

  if (gst_element_set_state (self->audio_pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_debug ("No microphone meter: the microphone cannot be started");
      stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);
    }
}

/* device pickers */

static void
fill_picker (ConfabPreferencesWindow *self,
             DevicePicker            *picker)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *current = g_settings_get_string (self->settings, picker->key);
  guint selected = 0;
  guint n = self->devices != NULL ? g_list_model_get_n_items (self->devices) : 0;

  g_ptr_array_set_size (picker->ids, 0);

  gtk_string_list_append (names, _("Default"));
  g_ptr_array_add (picker->ids, g_strdup (""));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (self->devices, i);

      if ((int) confab_media_device_get_kind (device) != picker->kind)
        continue;

      if (g_strcmp0 (confab_media_device_get_id (device), current) == 0)
        selected = picker->ids->len;

      gtk_string_list_append (names, confab_media_device_get_display_name (device));
      g_ptr_array_add (picker->ids, g_strdup (confab_media_device_get_id (device)));
    }

  self->filling = TRUE;
  adw_combo_row_set_model (picker->row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (picker->row, selected);
  self->filling = FALSE;
}

static void
fill_pickers (ConfabPreferencesWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->pickers); i++)
    fill_picker (self, &self->pickers[i]);
}

static void
on_picker_selected (ConfabPreferencesWindow *self,
                    GParamSpec              *pspec,
                    AdwComboRow             *row)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->filling)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (self->pickers); i++)
    {
      DevicePicker *picker = &self->pickers[i];

      if (picker->row != row || selected >= picker->ids->len)
        continue;

      g_settings_set_string (self->settings, picker->key, g_ptr_array_index (picker->ids, selected));

      if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
        return;
      if (i == PICKER_CAMERA)
        start_video (self);
      else if (i == PICKER_MICROPHONE)
        start_audio (self);
    }
}

/* GtkWidget */

static void
confab_preferences_window_map (GtkWidget *widget)
{
  ConfabPreferencesWindow *self = CONFAB_PREFERENCES_WINDOW (widget);

  GTK_WIDGET_CLASS (confab_preferences_window_parent_class)->map (widget);

  start_video (self);
  start_audio (self);
}

static void
confab_preferences_window_unmap (GtkWidget *widget)
{
  ConfabPreferencesWindow *self = CONFAB_PREFERENCES_WINDOW (widget);

  stop_video (self);
  stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);

  GTK_WIDGET_CLASS (confab_preferences_window_parent_class)->unmap (widget);
}

static void
confab_preferences_window_dispose (GObject *object)
{
  ConfabPreferencesWindow *self = CONFAB_PREFERENCES_WINDOW (object);

  if (self->preview != NULL)
    stop_video (self);
  stop_pipeline (&self->audio_pipeline, &self->audio_bus_watch);

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  g_clear_object (&self->devices);
  g_clear_object (&self->preview);
  g_clear_object (&self->settings);

  for (guint i = 0; i < G_N_ELEMENTS (self->pickers); i++)
    g_clear_pointer (&self->pickers[i].ids, g_ptr_array_unref);

  G_OBJECT_CLASS (confab_preferences_window_parent_class)->dispose (object);
}

static void
confab_preferences_window_class_init (ConfabPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = confab_preferences_window_dispose;

  widget_class->map = confab_preferences_window_map;
  widget_class->unmap = confab_preferences_window_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/confab/Confab/confab-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, preview_status);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, camera_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, level_bar);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, echo_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabPreferencesWindow, echo_switch);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
confab_preferences_window_init (ConfabPreferencesWindow *self)
{
  static const char *keys[] = { "camera", "microphone", "speaker" };
  static const int kinds[] = {
    CONFAB_MEDIA_DEVICE_KIND_CAMERA,
    CONFAB_MEDIA_DEVICE_KIND_MICROPHONE,
    CONFAB_MEDIA_DEVICE_KIND_SPEAKER,
  };
  AdwComboRow *rows[3];

  gtk_widget_init_template (GTK_WIDGET (self));

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  self->settings = confab_settings_new ();
  self->preview = confab_video_paintable_new ();
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (self->preview));

  rows[PICKER_CAMERA] = self->camera_row;
  rows[PICKER_MICROPHONE] = self->microphone_row;
  rows[PICKER_SPEAKER] = self->speaker_row;
  for (guint i = 0; i < G_N_ELEMENTS (self->pickers); i++)
    {
      self->pickers[i].row = rows[i];
      self->pickers[i].ids = g_ptr_array_new_with_free_func (g_free);
      self->pickers[i].key = keys[i];
      self->pickers[i].kind = kinds[i];
      g_signal_connect_object (rows[i], "notify::selected",
                               G_CALLBACK (on_picker_selected), self, G_CONNECT_SWAPPED);
    }

  fill_pickers (self);

  g_settings_bind (self->settings, "echo-cancellation", self->echo_switch, "active", G_SETTINGS_BIND_DEFAULT);
  if (!confab_media_has_echo_cancellation ())
    {
      adw_action_row_set_subtitle (self->echo_row,
                                   _("Not available: the GStreamer webrtcdsp plugin (gstreamer1.0-plugins-bad) is missing"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->echo_switch), FALSE);
    }
}

/**
 * confab_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @devices: (nullable): the #ConfabMediaDevice list to pick from (a session's);
 *   %NULL to list them here
 *
 * Returns: (transfer floating): the preferences window
 */
GtkWidget *
confab_preferences_window_new (GtkWindow  *parent,
                               GListModel *devices)
{
  ConfabPreferencesWindow *self;

  self = g_object_new (CONFAB_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);

  if (devices != NULL)
    {
      self->devices = g_object_ref (devices);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      self->devices = (GListModel *) confab_device_list_new (&error);
      if (self->devices == NULL)
        g_debug ("No device list: %s", error->message);
    }

  if (self->devices != NULL)
    g_signal_connect_object (self->devices, "items-changed",
                             G_CALLBACK (fill_pickers), self, G_CONNECT_SWAPPED);
  fill_pickers (self);

  return GTK_WIDGET (self);
}

/**
 * confab_preferences_window_get_preview:
 * @self: a #ConfabPreferencesWindow
 *
 * Returns: (transfer none): the paintable showing the camera preview
 */
ConfabVideoPaintable *
confab_preferences_window_get_preview (ConfabPreferencesWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_PREFERENCES_WINDOW (self), NULL);

  return self->preview;
}

/**
 * confab_preferences_window_get_microphone_level:
 * @self: a #ConfabPreferencesWindow
 *
 * Returns: what the meter shows, from 0 (silence) to 1 (full scale)
 */
double
confab_preferences_window_get_microphone_level (ConfabPreferencesWindow *self)
{
  g_return_val_if_fail (CONFAB_IS_PREFERENCES_WINDOW (self), 0.0);

  return self->level;
}
