/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-device-list-private.h: devices for streams (internal) */

#pragma once

#include "confab-device-list.h"

G_BEGIN_DECLS

ConfabMediaDevice *_confab_media_device_new            (GstDevice              *device,
                                                        ConfabMediaDeviceKind   kind,
                                                        const char             *id);
void               _confab_media_device_set_is_default (ConfabMediaDevice      *self,
                                                        gboolean                is_default);
char              *_confab_media_device_make_id        (GstDevice              *device);
GstElement        *_confab_media_device_create_element (ConfabMediaDeviceKind   kind,
                                                        const char             *id,
                                                        GError                **error);

G_END_DECLS
