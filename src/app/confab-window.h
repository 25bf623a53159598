/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-window.h: the main window: sign-in, contacts, chat and calls */

#pragma once

#include <adwaita.h>
#include <confab.h>

#include "confab-call-view.h"
#include "confab-incoming-call-dialog.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_WINDOW (confab_window_get_type ())

G_DECLARE_FINAL_TYPE (ConfabWindow, confab_window, CONFAB, WINDOW, AdwApplicationWindow)

ConfabWindow  *confab_window_new             (GtkApplication             *application);
ConfabSession *confab_window_get_session     (ConfabWindow               *self);
ConfabContact *confab_window_get_contact     (ConfabWindow               *self);
void           confab_window_sign_in_async   (ConfabWindow               *self,
                                              const char                 *uri,
                                              ConfabRegisterInformation  *info,
                                              GCancellable               *cancellable,
                                              GAsyncReadyCallback         callback,
                                              gpointer                    user_data);
gboolean       confab_window_sign_in_finish  (ConfabWindow               *self,
                                              GAsyncResult               *result,
                                              GError                    **error);
ConfabContact *confab_window_open_contact    (ConfabWindow               *self,
                                              const char                 *contact_id,
                                              GError                    **error);
void           confab_window_show_toast      (ConfabWindow               *self,
                                              const char                 *title);
gboolean       confab_window_save_screenshot (ConfabWindow               *self,
                                              const char                 *path,
                                              GError                    **error);

void           confab_window_start_call_async (ConfabWindow              *self,
                                              const char                 *contact_id,
                                              gboolean                    video,
                                              GCancellable               *cancellable,
                                              GAsyncReadyCallback         callback,
                                              gpointer                    user_data);
ConfabCall    *confab_window_start_call_finish (ConfabWindow             *self,
                                              GAsyncResult               *result,
                                              GError                    **error);
gboolean       confab_window_answer_call     (ConfabWindow               *self,
                                              const char                 *call_id,
                                              const char                 *response);
ConfabCall    *confab_window_get_call        (ConfabWindow               *self);
ConfabCallView *confab_window_get_call_view  (ConfabWindow               *self);
ConfabIncomingCallDialog *confab_window_get_incoming_dialog (ConfabWindow *self);
gboolean       confab_window_get_ringing     (ConfabWindow               *self);
void           confab_window_set_auto_accept_calls (ConfabWindow         *self,
                                              gboolean                    auto_accept);

G_END_DECLS
