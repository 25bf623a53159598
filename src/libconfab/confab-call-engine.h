/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-engine.h: a call's media, on top of the media engine (internal) */

#pragma once

#include "confab-call.h"
#include "confab-stream.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _ConfabCallEngine ConfabCallEngine;

typedef enum {
  CONFAB_CALL_MEDIA_STATE_CONNECTED,
  CONFAB_CALL_MEDIA_STATE_DISCONNECTED,
  CONFAB_CALL_MEDIA_STATE_FAILED,
} ConfabCallMediaState;

/* What the call does for its engine (confab-call.c). All run in the call's main context. */
void              _confab_call_on_media_send_sdp       (ConfabCall            *call,
                                                        const char            *type,
                                                        const char            *sdp);
void              _confab_call_on_media_send_ice       (ConfabCall            *call,
                                                        guint                  mline,
                                                        const char            *mid,
                                                        const char            *candidate);
void              _confab_call_on_media_connected      (ConfabCall            *call,
                                                        ConfabCallMediaState   state);
void              _confab_call_on_media_stream_updated (ConfabCall            *call,
                                                        ConfabStream          *stream);
void              _confab_call_on_media_stream_added   (ConfabCall            *call,
                                                        ConfabStream          *stream);
void              _confab_call_on_media_stream_removed (ConfabCall            *call,
                                                        ConfabStream          *stream);
void              _confab_call_on_media_error          (ConfabCall            *call,
                                                        const GError          *error);
void              _confab_call_on_media_stats          (ConfabCall            *call,
                                                        const ConfabCallStats *stats);

/* The engine (confab-call-engine.c). */
ConfabCallEngine *_confab_call_engine_new              (ConfabCall            *call,
                                                        JsonArray             *ice_servers,
                                                        GError               **error);
void              _confab_call_engine_stop             (ConfabCallEngine      *self);
void              _confab_call_engine_free             (ConfabCallEngine      *self);
void              _confab_call_engine_add_stream       (ConfabCallEngine      *self,
                                                        ConfabStream          *stream);
gboolean          _confab_call_engine_add_stream_renegotiate (ConfabCallEngine *self,
                                                        ConfabStream          *stream,
                                                        GError               **error);
gboolean          _confab_call_engine_remove_stream    (ConfabCallEngine      *self,
                                                        ConfabStream          *stream,
                                                        GError               **error);
const char       *_confab_call_engine_get_local_msid   (ConfabCallEngine      *self,
                                                        ConfabStream          *stream);
const char       *_confab_call_engine_get_remote_msid  (ConfabCallEngine      *self,
                                                        ConfabStream          *stream);
gboolean          _confab_call_engine_replace_stream   (ConfabCallEngine      *self,
                                                        ConfabStream          *old_stream,
                                                        ConfabStream          *new_stream,
                                                        GError               **error);
void              _confab_call_engine_offer            (ConfabCallEngine      *self);
void              _confab_call_engine_restart_ice      (ConfabCallEngine      *self);
void              _confab_call_engine_take_sdp         (ConfabCallEngine      *self,
                                                        const char            *type,
                                                        const char            *sdp);
void              _confab_call_engine_take_ice         (ConfabCallEngine      *self,
                                                        guint                  mline,
                                                        const char            *candidate);
void              _confab_call_engine_request_stats    (ConfabCallEngine      *self);

/* Streams (no engine needed). -1 leaves a flag as it is. */
void              _confab_call_engine_set_local_enabled  (ConfabStream        *stream,
                                                          int                  audio,
                                                          int                  video);
void              _confab_call_engine_set_remote_enabled (ConfabStream        *stream,
                                                          int                  audio,
                                                          int                  video);
gboolean          _confab_call_engine_start_recording  (ConfabStream          *stream,
                                                        ConfabRecordMode       mode,
                                                        const char            *filename,
                                                        GError               **error);
ConfabRecordInformation *_confab_call_engine_stop_recording (ConfabStream     *stream,
                                                        ConfabRecordMode       mode,
                                                        GError               **error);
ConfabStream     *_confab_call_engine_create_default_stream (ConfabCallMedia media,
                                                            GError          **error);
void              _confab_call_engine_create_screen_async  (GCancellable      *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer           user_data);
GObject          *_confab_call_engine_create_screen_finish (GAsyncResult      *result,
                                                            GError           **error);

G_END_DECLS
