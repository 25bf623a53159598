/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-message-private.h: what the rest of libconfab may do to a message */

#pragma once

#include "confab-message.h"

G_BEGIN_DECLS

ConfabMessage *_confab_message_new        (ConfabContact          *contact,
                                           ConfabMessageDirection  direction,
                                           const char             *uuid,
                                           const char             *text,
                                           GDateTime              *time,
                                           gboolean                offline);
void           _confab_message_set_status (ConfabMessage          *self,
                                           ConfabMessageStatus     status);
void           _confab_message_set_time   (ConfabMessage          *self,
                                           GDateTime              *time);

G_END_DECLS
