/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-stream.h: a local or remote audio/video stream */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "confab-media.h"
#include "confab-media-device.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_STREAM (confab_stream_get_type ())

G_DECLARE_FINAL_TYPE (ConfabStream, confab_stream, CONFAB, STREAM, GObject)

ConfabStream *confab_stream_new_local               (GVariant             *options,
                                                     GError              **error);
void          confab_stream_new_local_async         (GVariant             *options,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
ConfabStream *confab_stream_new_local_finish        (GAsyncResult         *result,
                                                     GError              **error);

const char   *confab_stream_get_id                  (ConfabStream         *self);
gboolean      confab_stream_get_is_remote           (ConfabStream         *self);
gboolean      confab_stream_get_has_audio           (ConfabStream         *self);
gboolean      confab_stream_get_has_video           (ConfabStream         *self);
gboolean      confab_stream_get_is_screensharing    (ConfabStream         *self);
gboolean      confab_stream_get_echo_cancellation   (ConfabStream         *self);
gboolean      confab_stream_get_audio_enabled       (ConfabStream         *self);
void          confab_stream_set_audio_enabled       (ConfabStream         *self,
                                                     gboolean              enabled);
gboolean      confab_stream_get_video_enabled       (ConfabStream         *self);
void          confab_stream_set_video_enabled       (ConfabStream         *self,
                                                     gboolean              enabled);
double        confab_stream_get_audio_level         (ConfabStream         *self);
gboolean      confab_stream_get_released            (ConfabStream         *self);

void          confab_stream_set_video_sink          (ConfabStream         *self,
                                                     GstElement           *sink);
void          confab_stream_enable_video_frames     (ConfabStream         *self);
gboolean      confab_stream_set_audio_output_device (ConfabStream         *self,
                                                     ConfabMediaDevice    *device,
                                                     GError              **error);
ConfabMediaDevice *
              confab_stream_get_audio_output_device (ConfabStream         *self);

gboolean      confab_stream_start_recording         (ConfabStream         *self,
                                                     ConfabRecordingMode   mode,
                                                     const char           *path,
                                                     GError              **error);
gboolean      confab_stream_get_is_recording        (ConfabStream         *self);
void          confab_stream_stop_recording_async    (ConfabStream         *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
char         *confab_stream_stop_recording_finish   (ConfabStream         *self,
                                                     GAsyncResult         *result,
                                                     gint64               *duration,
                                                     GError              **error);

void          confab_stream_release                 (ConfabStream         *self);

G_END_DECLS
