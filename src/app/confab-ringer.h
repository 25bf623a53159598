/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-ringer.h: the ring tone of an incoming call */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_RINGER (confab_ringer_get_type ())

G_DECLARE_FINAL_TYPE (ConfabRinger, confab_ringer, CONFAB, RINGER, GObject)

ConfabRinger *confab_ringer_new          (void);
void          confab_ringer_start        (ConfabRinger *self);
void          confab_ringer_stop         (ConfabRinger *self);
gboolean      confab_ringer_get_ringing  (ConfabRinger *self);
void          confab_ringer_set_speaker  (ConfabRinger *self,
                                          GstDevice    *speaker);

G_END_DECLS
