/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-chat-view.h: the one-to-one chat with a contact */

#pragma once

#include <adwaita.h>
#include <confab.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_CHAT_VIEW (confab_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (ConfabChatView, confab_chat_view, CONFAB, CHAT_VIEW, AdwBin)

GtkWidget     *confab_chat_view_new               (void);
ConfabContact *confab_chat_view_get_contact       (ConfabChatView *self);
void           confab_chat_view_set_contact       (ConfabChatView *self,
                                                   ConfabContact  *contact);
gboolean       confab_chat_view_get_at_bottom     (ConfabChatView *self);
void           confab_chat_view_scroll_to_bottom  (ConfabChatView *self);
void           confab_chat_view_focus_composer    (ConfabChatView *self);

G_END_DECLS
