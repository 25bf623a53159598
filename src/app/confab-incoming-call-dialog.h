/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-incoming-call-dialog.h: someone calls: accept with audio or video, or decline */

#pragma once

#include <adwaita.h>
#include <confab.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_INCOMING_CALL_DIALOG (confab_incoming_call_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ConfabIncomingCallDialog, confab_incoming_call_dialog,
                      CONFAB, INCOMING_CALL_DIALOG, AdwMessageDialog)

GtkWidget                    *confab_incoming_call_dialog_new            (GtkWindow                    *parent,
                                                                          ConfabReceivedCallInvitation *invitation);
ConfabReceivedCallInvitation *confab_incoming_call_dialog_get_invitation (ConfabIncomingCallDialog     *self);

G_END_DECLS
