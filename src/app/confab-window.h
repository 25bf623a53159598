/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-window.h: the main window: sign-in, contacts and chat */

#pragma once

#include <adwaita.h>
#include <confab.h>

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

G_END_DECLS
