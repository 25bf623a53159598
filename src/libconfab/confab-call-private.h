/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-private.h: what the session does to its calls */

#pragma once

#include "confab-call.h"
#include "confab-session.h"

#include "confab-wire.h"

G_BEGIN_DECLS

/* The customEvent that tells the other party of a call what it mutes (PROTOCOL.md §7). */
#define CONFAB_CALL_MEDIA_EVENT "confab.call.media"

ConfabCall *_confab_call_new                  (ConfabSession     *session,
                                               ConfabContact     *contact,
                                               const char        *call_id,
                                               ConfabCallDirection direction,
                                               ConfabCallMedia    media,
                                               ConfabStream      *stream);
void        _confab_call_invite               (ConfabCall        *self);
void        _confab_call_start_incoming       (ConfabCall        *self);
void        _confab_call_handle_event         (ConfabCall        *self,
                                               ConfabWireMessage *message);
void        _confab_call_handle_media_event   (ConfabCall        *self,
                                               JsonObject        *content);
void        _confab_call_end                  (ConfabCall        *self,
                                               const char        *from,
                                               const char        *reason,
                                               gboolean           tell_peer);
void        _confab_call_update_monitoring    (ConfabCall        *self);
void        _confab_call_network_changed      (ConfabCall        *self);
gboolean    _confab_call_is_active            (ConfabCall        *self);
gboolean    _confab_call_signaling_only       (void);
void        _confab_call_set_owns_published_streams (ConfabCall  *self);

const char *_confab_call_media_to_string      (ConfabCallMedia    media);
gboolean    _confab_call_media_from_string    (const char        *name,
                                               ConfabCallMedia   *out_media);

G_END_DECLS
