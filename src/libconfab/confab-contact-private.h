/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-contact-private.h: what the session may do to a contact */

#pragma once

#include "confab-contact.h"
#include "confab-message.h"
#include "confab-session.h"

G_BEGIN_DECLS

ConfabContact *_confab_contact_new           (ConfabSession *session,
                                              const char    *id);
void           _confab_contact_set_username  (ConfabContact *self,
                                              const char    *username);
void           _confab_contact_take_incoming (ConfabContact *self,
                                              ConfabMessage *message);

G_END_DECLS
