/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-peer-connection.h: one WebRTC connection to one remote peer (internal) */

#pragma once

#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>

#include "confab-stream.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_PEER_CONNECTION (confab_peer_connection_get_type ())

G_DECLARE_FINAL_TYPE (ConfabPeerConnection, confab_peer_connection, CONFAB, PEER_CONNECTION, GObject)

ConfabPeerConnection        *confab_peer_connection_new                    (GError               **error);

gboolean                     confab_peer_connection_set_ice_servers        (ConfabPeerConnection  *self,
                                                                            const char * const    *urls,
                                                                            const char            *username,
                                                                            const char            *credential,
                                                                            GError               **error);
gboolean                     confab_peer_connection_add_stream             (ConfabPeerConnection  *self,
                                                                            ConfabStream          *stream,
                                                                            GError               **error);
gboolean                     confab_peer_connection_remove_stream          (ConfabPeerConnection  *self,
                                                                            ConfabStream          *stream,
                                                                            GError               **error);
const char                  *confab_peer_connection_get_local_msid         (ConfabPeerConnection  *self,
                                                                            ConfabStream          *stream);
const char                  *confab_peer_connection_get_remote_msid        (ConfabPeerConnection  *self,
                                                                            ConfabStream          *stream);
gboolean                     confab_peer_connection_replace_stream         (ConfabPeerConnection  *self,
                                                                            ConfabStream          *old_stream,
                                                                            ConfabStream          *new_stream,
                                                                            GError               **error);
gboolean                     confab_peer_connection_create_offer           (ConfabPeerConnection  *self,
                                                                            gboolean               ice_restart,
                                                                            GError               **error);
gboolean                     confab_peer_connection_set_remote_description (ConfabPeerConnection  *self,
                                                                            const char            *type,
                                                                            const char            *sdp,
                                                                            GError               **error);
gboolean                     confab_peer_connection_add_ice_candidate      (ConfabPeerConnection  *self,
                                                                            guint                  mline,
                                                                            const char            *candidate,
                                                                            GError               **error);
GstWebRTCICEConnectionState  confab_peer_connection_get_ice_state          (ConfabPeerConnection  *self);
gboolean                     confab_peer_connection_get_connected          (ConfabPeerConnection  *self);
GListModel                  *confab_peer_connection_get_remote_streams     (ConfabPeerConnection  *self);
void                         confab_peer_connection_get_stats_async        (ConfabPeerConnection  *self,
                                                                            GCancellable          *cancellable,
                                                                            GAsyncReadyCallback    callback,
                                                                            gpointer               user_data);
GVariant                    *confab_peer_connection_get_stats_finish       (ConfabPeerConnection  *self,
                                                                            GAsyncResult          *result,
                                                                            GError               **error);
void                         confab_peer_connection_close                  (ConfabPeerConnection  *self);

G_END_DECLS
