/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-speaker.c: a speaker for the tests (see the header) */

#include "config.h"

#include "confab-test-speaker.h"

struct _ConfabTestSpeaker
{
  GstDevice  parent_instance;
  gint      *buffers;    /* atomic: counted on the streaming thread */
  gint       own_buffers;
  guint      elements;
};

G_DEFINE_FINAL_TYPE (ConfabTestSpeaker, confab_test_speaker, GST_TYPE_DEVICE)

static void
on_handoff (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            gint       *buffers)
{
  g_atomic_int_inc (buffers);
}

static GstElement *
confab_test_speaker_create_element (GstDevice  *device,
                                    const char *name)
{
  ConfabTestSpeaker *self = CONFAB_TEST_SPEAKER (device);
  GstElement *sink = gst_element_factory_make ("fakesink", name);

  g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), self->buffers);
  self->elements++;
  return sink;
}

static void
confab_test_speaker_class_init (ConfabTestSpeakerClass *klass)
{
  GST_DEVICE_CLASS (klass)->create_element = confab_test_speaker_create_element;
}

static void
confab_test_speaker_init (ConfabTestSpeaker *self)
{
  self->buffers = &self->own_buffers;
}

/**
 * confab_test_speaker_new:
 * @display_name: the device's name
 * @device_class: its class, e.g. "Audio/Sink" (or "Audio/Source", to be refused)
 * @buffers: (nullable): where to count the buffers its elements play, when the count
 *   must outlive the device (a device provider makes new ones at each probe)
 *
 * Returns: (transfer floating): a new device
 */
ConfabTestSpeaker *
confab_test_speaker_new (const char *display_name,
                         const char *device_class,
                         gint       *buffers)
{
  g_autoptr(GstCaps) caps = gst_caps_new_empty_simple ("audio/x-raw");
  /* (with caps: a GstDeviceMonitor matches them against its filters) */
  ConfabTestSpeaker *self = g_object_new (CONFAB_TEST_TYPE_SPEAKER,
                                          "display-name", display_name,
                                          "device-class", device_class,
                                          "caps", caps,
                                          NULL);

  if (buffers != NULL)
    self->buffers = buffers;
  return self;
}

gint
confab_test_speaker_get_buffers (ConfabTestSpeaker *self)
{
  return g_atomic_int_get (self->buffers);
}

/* How many elements the device made (each speaker switch makes one). */
guint
confab_test_speaker_get_elements (ConfabTestSpeaker *self)
{
  return self->elements;
}
