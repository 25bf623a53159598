/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-view.h: a call: the outgoing-call page, then the remote and self video */

#pragma once

#include <adwaita.h>
#include <confab.h>

#include "confab-video-paintable.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CALL_VIEW (confab_call_view_get_type ())

G_DECLARE_FINAL_TYPE (ConfabCallView, confab_call_view, CONFAB, CALL_VIEW, AdwBin)

GtkWidget            *confab_call_view_new                  (void);
ConfabCall           *confab_call_view_get_call             (ConfabCallView *self);
void                  confab_call_view_set_call             (ConfabCallView *self,
                                                             ConfabCall     *call);
ConfabVideoPaintable *confab_call_view_get_remote_paintable (ConfabCallView *self);
ConfabVideoPaintable *confab_call_view_get_self_paintable   (ConfabCallView *self);
gboolean              confab_call_view_get_microphone_muted (ConfabCallView *self);
void                  confab_call_view_set_microphone_muted (ConfabCallView *self,
                                                             gboolean        muted);
gboolean              confab_call_view_get_camera_off       (ConfabCallView *self);
void                  confab_call_view_set_camera_off       (ConfabCallView *self,
                                                             gboolean        off);
void                  confab_call_view_set_devices          (ConfabCallView *self,
                                                             GListModel     *devices);
void                  confab_call_view_update_streams       (ConfabCallView *self);
char                 *confab_call_view_format_duration      (GTimeSpan       duration);

G_END_DECLS
