/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call.h: a one-to-one audio/video call with a contact */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-call-stats.h"
#include "confab-contact.h"
#include "confab-enums.h"
#include "confab-record-information.h"
#include "confab-stream.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CALL (confab_call_get_type ())

G_DECLARE_FINAL_TYPE (ConfabCall, confab_call, CONFAB, CALL, GObject)

const char          *confab_call_get_id                          (ConfabCall           *self);
ConfabContact       *confab_call_get_contact                     (ConfabCall           *self);
ConfabCallStatus     confab_call_get_status                      (ConfabCall           *self);
ConfabCallDirection  confab_call_get_direction                   (ConfabCall           *self);
ConfabCallMedia      confab_call_get_media                       (ConfabCall           *self);
GDateTime           *confab_call_get_start_time                  (ConfabCall           *self);
ConfabCallQuality    confab_call_get_quality                     (ConfabCall           *self);
gboolean             confab_call_get_media_connected             (ConfabCall           *self);
void                 confab_call_hang_up                         (ConfabCall           *self);
GPtrArray           *confab_call_get_published_streams           (ConfabCall           *self);
GPtrArray           *confab_call_get_received_streams            (ConfabCall           *self);
void                 confab_call_replace_published_stream_async  (ConfabCall           *self,
                                                                  ConfabStream         *old_stream,
                                                                  ConfabStream         *new_stream,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
gboolean             confab_call_replace_published_stream_finish (ConfabCall           *self,
                                                                  GAsyncResult         *result,
                                                                  GError              **error);
void                 confab_call_set_audio_enabled               (ConfabCall           *self,
                                                                  gboolean              enabled);
gboolean             confab_call_set_speaker                     (ConfabCall           *self,
                                                                  ConfabMediaDevice    *speaker,
                                                                  GError              **error);
ConfabMediaDevice   *confab_call_get_speaker                     (ConfabCall           *self);
void                 confab_call_set_video_enabled               (ConfabCall           *self,
                                                                  gboolean              enabled);
void                 confab_call_share_screen_async              (ConfabCall           *self,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
gboolean             confab_call_share_screen_finish             (ConfabCall           *self,
                                                                  GAsyncResult         *result,
                                                                  GError              **error);
void                 confab_call_add_stream_async                (ConfabCall           *self,
                                                                  ConfabStream         *stream,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
gboolean             confab_call_add_stream_finish               (ConfabCall           *self,
                                                                  GAsyncResult         *result,
                                                                  GError              **error);
gboolean             confab_call_remove_stream                   (ConfabCall           *self,
                                                                  ConfabStream         *stream,
                                                                  GError              **error);
void                 confab_call_restart_ice                     (ConfabCall           *self);
gboolean             confab_call_start_recording                 (ConfabCall           *self,
                                                                  ConfabRecordMode      mode,
                                                                  const char           *filename,
                                                                  GError              **error);
ConfabRecordInformation *confab_call_stop_recording              (ConfabCall           *self,
                                                                  GError              **error);

G_END_DECLS
