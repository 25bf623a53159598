/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-stream-private.h: what peer connections use of a stream (internal) */

#pragma once

#include "confab-media-engine.h"
#include "confab-stream.h"

G_BEGIN_DECLS

/* The decoding chain of one track received by a peer connection, built on the
 * streaming thread that announced the pad, ending in a tee that a remote stream's
 * outputs hang on. */
typedef struct _ConfabRemoteTrack ConfabRemoteTrack;

ConfabRemoteTrack *_confab_remote_track_new          (ConfabMediaEngine  *engine,
                                                      GstPad             *pad);
gboolean           _confab_remote_track_is_video     (ConfabRemoteTrack  *track);
gboolean           _confab_remote_track_is_playable  (ConfabRemoteTrack  *track);
void               _confab_remote_track_free         (ConfabRemoteTrack  *track);

ConfabStream      *_confab_stream_new_remote         (ConfabMediaEngine  *engine);
void               _confab_stream_add_remote_track   (ConfabStream       *self,
                                                      ConfabRemoteTrack  *track);
gboolean           _confab_stream_has_remote_track   (ConfabStream       *self,
                                                      gboolean            video);
ConfabRemoteTrack *_confab_stream_take_remote_track  (ConfabStream       *self,
                                                      gboolean            video);
void               _confab_stream_set_is_screensharing (ConfabStream     *self,
                                                        gboolean          is_screensharing);

GstElement        *_confab_stream_get_encoder_tee    (ConfabStream       *self,
                                                      gboolean            video);
ConfabMediaEngine *_confab_stream_get_engine         (ConfabStream       *self);
void               _confab_stream_request_key_frame  (ConfabStream       *self);
void               _confab_stream_get_video_counters (ConfabStream       *self,
                                                      guint64            *frames,
                                                      int                *width,
                                                      int                *height);

G_END_DECLS
