/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-stream-options.h: what a local stream captures, and making one for a session */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gst/gst.h>

#include "confab-session.h"
#include "confab-stream.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_STREAM_OPTIONS (confab_stream_options_get_type ())

typedef struct _ConfabStreamOptions ConfabStreamOptions;

GType                confab_stream_options_get_type         (void) G_GNUC_CONST;
ConfabStreamOptions *confab_stream_options_new              (void);
ConfabStreamOptions *confab_stream_options_ref              (ConfabStreamOptions *options);
void                 confab_stream_options_unref            (ConfabStreamOptions *options);
void                 confab_stream_options_set_audio        (ConfabStreamOptions *options,
                                                             gboolean             audio);
void                 confab_stream_options_set_video        (ConfabStreamOptions *options,
                                                             gboolean             video);
void                 confab_stream_options_set_screen       (ConfabStreamOptions *options,
                                                             gboolean             screen);
void                 confab_stream_options_set_audio_device (ConfabStreamOptions *options,
                                                             const char          *device_id);
void                 confab_stream_options_set_video_device (ConfabStreamOptions *options,
                                                             const char          *device_id);
void                 confab_stream_options_set_video_source (ConfabStreamOptions *options,
                                                             const char          *description);
void                 confab_stream_options_set_audio_source (ConfabStreamOptions *options,
                                                             const char          *description);
void                 confab_stream_options_set_video_format (ConfabStreamOptions *options,
                                                             int                  width,
                                                             int                  height,
                                                             int                  framerate);
void                 confab_stream_options_set_echo_cancellation (ConfabStreamOptions *options,
                                                             gboolean             enabled);
GVariant            *confab_stream_options_to_variant       (ConfabStreamOptions *options);

void                 confab_stream_create_async             (ConfabSession       *session,
                                                             ConfabStreamOptions *options,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
ConfabStream        *confab_stream_create_finish            (ConfabSession       *session,
                                                             GAsyncResult        *result,
                                                             GError             **error);
void                 confab_stream_attach_video_sink        (ConfabStream        *stream,
                                                             GstElement          *sink);
void                 confab_stream_detach_video_sink        (ConfabStream        *stream,
                                                             GstElement          *sink);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabStreamOptions, confab_stream_options_unref)

G_END_DECLS
