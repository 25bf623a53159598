/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-device-list.h: the cameras, microphones and speakers of this machine */

#pragma once

#include <gio/gio.h>

#include "confab-media-device.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_DEVICE_LIST (confab_device_list_get_type ())

G_DECLARE_FINAL_TYPE (ConfabDeviceList, confab_device_list, CONFAB, DEVICE_LIST, GObject)

ConfabDeviceList  *confab_device_list_new         (GError                 **error);
ConfabMediaDevice *confab_device_list_get_default (ConfabDeviceList        *self,
                                                   ConfabMediaDeviceKind    kind);
ConfabMediaDevice *confab_device_list_lookup      (ConfabDeviceList        *self,
                                                   const char              *id);

G_END_DECLS
