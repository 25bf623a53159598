/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-preferences-window.h: camera, microphone, speaker and echo cancellation */

#pragma once

#include <adwaita.h>

#include "confab-video-paintable.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_PREFERENCES_WINDOW (confab_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ConfabPreferencesWindow, confab_preferences_window,
                      CONFAB, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget            *confab_preferences_window_new                 (GtkWindow               *parent,
                                                                     GListModel              *devices);
ConfabVideoPaintable *confab_preferences_window_get_preview         (ConfabPreferencesWindow *self);
double                confab_preferences_window_get_microphone_level (ConfabPreferencesWindow *self);

G_END_DECLS
