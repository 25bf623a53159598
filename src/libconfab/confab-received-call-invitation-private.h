/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-received-call-invitation-private.h: what the session does to invitations */

#pragma once

#include "confab-received-call-invitation.h"
#include "confab-session.h"

G_BEGIN_DECLS

ConfabReceivedCallInvitation *_confab_received_call_invitation_new    (ConfabSession                *session,
                                                                        ConfabContact                *contact,
                                                                        const char                   *call_id,
                                                                        ConfabCallMedia               media);
/* The caller gave up (or another session answered, or the session ended). */
void                          _confab_received_call_invitation_cancel (ConfabReceivedCallInvitation *self,
                                                                        const char                   *reason);

G_END_DECLS
