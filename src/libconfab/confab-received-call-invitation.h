/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-received-call-invitation.h: a contact is calling */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <gio/gio.h>

#include "confab-call.h"
#include "confab-contact.h"
#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_RECEIVED_CALL_INVITATION (confab_received_call_invitation_get_type ())

G_DECLARE_FINAL_TYPE (ConfabReceivedCallInvitation, confab_received_call_invitation,
                      CONFAB, RECEIVED_CALL_INVITATION, GObject)

const char      *confab_received_call_invitation_get_call_id   (ConfabReceivedCallInvitation  *self);
ConfabContact   *confab_received_call_invitation_get_contact   (ConfabReceivedCallInvitation  *self);
ConfabCallMedia  confab_received_call_invitation_get_media     (ConfabReceivedCallInvitation  *self);
gboolean         confab_received_call_invitation_is_pending    (ConfabReceivedCallInvitation  *self);
void             confab_received_call_invitation_accept_async  (ConfabReceivedCallInvitation  *self,
                                                                ConfabStream                  *stream,
                                                                GCancellable                  *cancellable,
                                                                GAsyncReadyCallback            callback,
                                                                gpointer                       user_data);
ConfabCall      *confab_received_call_invitation_accept_finish (ConfabReceivedCallInvitation  *self,
                                                                GAsyncResult                  *result,
                                                                GError                       **error);
void             confab_received_call_invitation_decline       (ConfabReceivedCallInvitation  *self,
                                                                const char                    *reason);

G_END_DECLS
