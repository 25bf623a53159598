/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-message.h: one chat message to or from a contact */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib-object.h>

#include "confab-contact.h"
#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_MESSAGE (confab_message_get_type ())

G_DECLARE_FINAL_TYPE (ConfabMessage, confab_message, CONFAB, MESSAGE, GObject)

const char             *confab_message_get_uuid      (ConfabMessage *self);
const char             *confab_message_get_text      (ConfabMessage *self);
GDateTime              *confab_message_get_time      (ConfabMessage *self);
ConfabMessageDirection  confab_message_get_direction (ConfabMessage *self);
ConfabMessageStatus     confab_message_get_status    (ConfabMessage *self);
ConfabContact          *confab_message_dup_contact   (ConfabMessage *self);
gboolean                confab_message_get_offline   (ConfabMessage *self);

G_END_DECLS
