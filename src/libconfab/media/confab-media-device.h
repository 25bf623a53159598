/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media-device.h: a camera, microphone or speaker */

#pragma once

#include <gst/gst.h>

#include "confab-media.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_MEDIA_DEVICE (confab_media_device_get_type ())

G_DECLARE_FINAL_TYPE (ConfabMediaDevice, confab_media_device, CONFAB, MEDIA_DEVICE, GObject)

const char            *confab_media_device_get_id           (ConfabMediaDevice *self);
const char            *confab_media_device_get_display_name (ConfabMediaDevice *self);
ConfabMediaDeviceKind  confab_media_device_get_kind         (ConfabMediaDevice *self);
gboolean               confab_media_device_get_is_default   (ConfabMediaDevice *self);
GstDevice             *confab_media_device_get_device       (ConfabMediaDevice *self);

G_END_DECLS
