/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ringer.c: the ring tone of an incoming call
 *
 * A generated two-tone ring (GStreamer audiotestsrc) played into the speaker named by
 * CONFAB_AUDIOSINK (tests), the speaker picked in the preferences, or autoaudiosink:
 * one second of tone, two of silence, until stopped. No sound device is not an error worth more than a debug line: the dialog
 * and the notification still say that someone calls.
 */

#define G_LOG_DOMAIN "confab-ringer"

#include "config.h"

#include "confab-ringer.h"

#include <gst/gst.h>

#define TONE_MS    1000
#define SILENCE_MS 2000

struct _ConfabRinger
{
  GObject      parent_instance;

  /* owned references */
  GstElement  *pipeline;
  GstElement  *volume;
  GstDevice   *speaker;

  guint        bus_watch;
  guint        cadence_source;
  gboolean     tone_on;
};

G_DEFINE_FINAL_TYPE (ConfabRinger, confab_ringer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RINGING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean on_cadence (gpointer user_data);

static void
stop_pipeline (ConfabRinger *self)
{
  g_clear_handle_id (&self->cadence_source, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);

  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);

  gst_clear_object (&self->volume);
  gst_clear_object (&self->pipeline);
}

/* Runs on the main context (a bus watch), never on a streaming thread. */
static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ConfabRinger *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_debug ("The ring tone cannot play: %s", error->message);

      /* keep "ringing": the call still rings, silently */
      self->bus_watch = 0;
      g_clear_handle_id (&self->cadence_source, g_source_remove);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);

      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
set_tone (ConfabRinger *self,
          gboolean      on)
{
  self->tone_on = on;
  g_object_set (self->volume, "mute", !on, NULL);
  self->cadence_source = g_timeout_add (on ? TONE_MS : SILENCE_MS, on_cadence, self);
}

static gboolean
on_cadence (gpointer user_data)
{
  ConfabRinger *self = user_data;

  self->cadence_source = 0;
  set_tone (self, !self->tone_on);

  return G_SOURCE_REMOVE;
}

static void
confab_ringer_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConfabRinger *self = CONFAB_RINGER (object);

  switch (prop_id)
    {
    case PROP_RINGING:
      g_value_set_boolean (value, confab_ringer_get_ringing (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_ringer_dispose (GObject *object)
{
  ConfabRinger *self = CONFAB_RINGER (object);

  stop_pipeline (self);
  gst_clear_object (&self->speaker);

  G_OBJECT_CLASS (confab_ringer_parent_class)->dispose (object);
}

static void
confab_ringer_class_init (ConfabRingerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_ringer_get_property;
  object_class->dispose = confab_ringer_dispose;

  /**
   * ConfabRinger:ringing:
   *
   * Whether the ring tone is on (it may be silent when no speaker works).
   */
  properties[PROP_RINGING] =
    g_param_spec_boolean ("ringing", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_ringer_init (ConfabRinger *self)
{
}

ConfabRinger *
confab_ringer_new (void)
{
  return g_object_new (CONFAB_TYPE_RINGER, NULL);
}

/**
 * confab_ringer_start:
 * @self: a #ConfabRinger
 *
 * Starts ringing, if not ringing already.
 */
void
confab_ringer_start (ConfabRinger *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *description = NULL;
  const char *sink;

  g_return_if_fail (CONFAB_IS_RINGER (self));

  if (self->pipeline != NULL)
    return;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  sink = g_getenv ("CONFAB_AUDIOSINK");
  if ((sink == NULL || *sink == '\0') && self->speaker == NULL)
    sink = "autoaudiosink";

  /* two sines a third apart, like a phone's ring */
  description = g_strdup_printf ("audiomixer name=mix ! volume name=volume volume=0.3 "
                                 "! audioconvert ! audioresample name=out %s %s "
                                 "audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! mix. "
                                 "audiotestsrc is-live=true wave=sine freq=554 volume=0.5 ! mix.",
                                 sink != NULL && *sink != '\0' ? "!" : "", sink != NULL ? sink : "");
  self->pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);

  /* the picked speaker, when no sink was described */
  if (self->pipeline != NULL && (sink == NULL || *sink == '\0'))
    {
      g_autoptr(GstElement) out = gst_bin_get_by_name (GST_BIN (self->pipeline), "out");
      GstElement *device_sink = gst_device_create_element (self->speaker, NULL);

      if (device_sink == NULL || out == NULL ||
          !gst_bin_add (GST_BIN (self->pipeline), device_sink) ||
          !gst_element_link (out, device_sink))
        {
          g_debug ("The picked speaker cannot play the ring tone");
          if (device_sink != NULL && GST_OBJECT_PARENT (device_sink) == NULL)
            gst_object_unref (gst_object_ref_sink (device_sink));
          gst_object_unref (gst_object_ref_sink (self->pipeline));
          self->pipeline = NULL;
          g_set_error_literal (&error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "no usable speaker");
        }
    }

  if (self->pipeline == NULL)
    {
      g_debug ("No ring tone: %s", error->message);
      /* still "ringing", silently */
      self->pipeline = gst_pipeline_new ("ringer");
    }
  gst_object_ref_sink (self->pipeline);

  self->volume = gst_bin_get_by_name (GST_BIN (self->pipeline), "volume");
  if (self->volume != NULL)
    {
      bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
      self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);

      set_tone (self, TRUE);
      if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        g_debug ("The ring tone cannot play");
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RINGING]);
}

/**
 * confab_ringer_stop:
 * @self: a #ConfabRinger
 *
 * Stops ringing.
 */
void
confab_ringer_stop (ConfabRinger *self)
{
  g_return_if_fail (CONFAB_IS_RINGER (self));

  if (self->pipeline == NULL)
    return;

  stop_pipeline (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RINGING]);
}

gboolean
confab_ringer_get_ringing (ConfabRinger *self)
{
  g_return_val_if_fail (CONFAB_IS_RINGER (self), FALSE);

  return self->pipeline != NULL;
}

/**
 * confab_ringer_set_speaker:
 * @self: a #ConfabRinger
 * @speaker: (nullable): the device to ring on; %NULL for the default one
 *
 * Takes effect at the next confab_ringer_start(). `CONFAB_AUDIOSINK` wins over it.
 */
void
confab_ringer_set_speaker (ConfabRinger *self,
                           GstDevice    *speaker)
{
  g_return_if_fail (CONFAB_IS_RINGER (self));
  g_return_if_fail (speaker == NULL || GST_IS_DEVICE (speaker));

  gst_object_replace ((GstObject **) &self->speaker, (GstObject *) speaker);
}
