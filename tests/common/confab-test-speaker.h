/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-speaker.h: a speaker for the tests, a GstDevice whose element is a
 * fakesink counting the buffers it plays */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONFAB_TEST_TYPE_SPEAKER (confab_test_speaker_get_type ())
G_DECLARE_FINAL_TYPE (ConfabTestSpeaker, confab_test_speaker, CONFAB_TEST, SPEAKER, GstDevice)

ConfabTestSpeaker *confab_test_speaker_new          (const char        *display_name,
                                                     const char        *device_class,
                                                     gint              *buffers);
gint               confab_test_speaker_get_buffers  (ConfabTestSpeaker *self);
guint              confab_test_speaker_get_elements (ConfabTestSpeaker *self);

G_END_DECLS
