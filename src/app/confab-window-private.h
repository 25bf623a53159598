/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-window-private.h: what the files of ConfabWindow share */

#pragma once

#include "confab-call-view.h"
#include "confab-chat-view.h"
#include "confab-incoming-call-dialog.h"
#include "confab-ringer.h"
#include "confab-sign-in-page.h"
#include "confab-window.h"

G_BEGIN_DECLS

struct _ConfabWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwToastOverlay   *toast_overlay;
  GtkStack          *stack;
  ConfabSignInPage  *sign_in_page;
  AdwLeaflet        *leaflet;
  GtkWidget         *sidebar_box;
  AdwWindowTitle    *sidebar_title;
  GtkEntry          *new_chat_entry;
  GtkStack          *contacts_stack;
  GtkListView       *contacts_view;
  GtkWidget         *content_box;
  AdwWindowTitle    *content_title;
  GtkWidget         *call_audio_button;
  GtkWidget         *call_video_button;
  GtkRevealer       *banner_revealer;
  GtkLabel          *banner_label;
  GtkStack          *content_stack;
  ConfabChatView    *chat_view;
  ConfabCallView    *call_view;

  /* owned references */
  GSettings         *settings;
  ConfabSession     *session;
  ConfabContact     *contact;
  GtkSingleSelection *contacts_selection;
  GCancellable      *close_cancellable;

  /* calls (confab-window-calls.c) */
  ConfabCall                   *call;            /* the call shown */
  ConfabStream                 *local_stream;    /* what the call publishes */
  ConfabReceivedCallInvitation *invitation;      /* the one the dialog asks about */
  ConfabIncomingCallDialog     *incoming_dialog; /* borrowed: it destroys itself */
  ConfabRinger                 *ringer;
  GCancellable                 *call_cancellable;
  char                         *notification_id;

  guint              closing : 1;
  guint              auto_accept_calls : 1;
  guint              starting_call : 1;
};

void _confab_window_calls_class_init  (GtkWidgetClass *widget_class);
void _confab_window_calls_init        (ConfabWindow   *self);
void _confab_window_calls_dispose     (ConfabWindow   *self);
void _confab_window_calls_set_session (ConfabWindow   *self,
                                       ConfabSession  *session);
void _confab_window_calls_set_contact (ConfabWindow   *self,
                                       ConfabContact  *contact);

G_END_DECLS
