/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-video-paintable.h: video frames from an appsink, drawn by GTK */

#pragma once

#include <gtk/gtk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_VIDEO_PAINTABLE (confab_video_paintable_get_type ())

G_DECLARE_FINAL_TYPE (ConfabVideoPaintable, confab_video_paintable, CONFAB, VIDEO_PAINTABLE, GObject)

ConfabVideoPaintable *confab_video_paintable_new           (void);
GstElement           *confab_video_paintable_get_sink      (ConfabVideoPaintable *self);
GstElement           *confab_video_paintable_create_sink   (ConfabVideoPaintable *self);
void                  confab_video_paintable_set_mirrored  (ConfabVideoPaintable *self,
                                                           gboolean              mirrored);
GdkTexture           *confab_video_paintable_get_texture   (ConfabVideoPaintable *self);
guint64               confab_video_paintable_get_n_frames  (ConfabVideoPaintable *self);
void                  confab_video_paintable_clear         (ConfabVideoPaintable *self);
gboolean              confab_video_paintable_get_center_color (ConfabVideoPaintable *self,
                                                              GdkRGBA              *color);

G_END_DECLS
