/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-screencast.h: a screen shared through the xdg-desktop-portal ScreenCast
 * interface (Wayland), captured with pipewiresrc (internal) */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_SCREENCAST (confab_screencast_get_type ())

G_DECLARE_FINAL_TYPE (ConfabScreencast, confab_screencast, CONFAB, SCREENCAST, GObject)

gboolean          confab_screencast_is_wanted      (void);
ConfabScreencast *confab_screencast_new            (void);
void              confab_screencast_start_async    (ConfabScreencast     *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          confab_screencast_start_finish   (ConfabScreencast     *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
gboolean          confab_screencast_start_sync     (ConfabScreencast     *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GstElement       *confab_screencast_create_source  (ConfabScreencast     *self,
                                                    GError              **error);
void              confab_screencast_close          (ConfabScreencast     *self);

G_END_DECLS
