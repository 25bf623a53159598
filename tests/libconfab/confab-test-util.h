/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-util.h: helpers for the libconfab tests: synchronous wrappers, an event
 * recorder and a TCP proxy whose connections can be cut */

#pragma once

#include <confab.h>

#include "confab-test-server.h"

G_BEGIN_DECLS

#define TEST_TIMEOUT_MS 20000

/* Synchronous wrappers: they iterate the default main context until the call is done. */
ConfabSession *test_register         (const char     *url,
                                      const char     *uri,
                                      const char     *password,
                                      const char     *user_id,
                                      const char     *username,
                                      GError        **error);
/* A guest session on a harness server; fails the test if it is refused. */
ConfabSession *test_register_guest   (ConfabTestServer *server,
                                      const char     *user_id,
                                      const char     *username);
char          *test_send_message     (ConfabContact  *contact,
                                      const char     *text,
                                      GError        **error);
gboolean       test_send_data        (ConfabContact  *contact,
                                      JsonObject     *content,
                                      GError        **error);
gboolean       test_send_custom_event (ConfabContact *contact,
                                      const char     *event,
                                      JsonObject     *content,
                                      GError        **error);
gboolean       test_send_raw_data    (ConfabContact  *contact,
                                      const char     *data,
                                      GError        **error);
void           test_disconnect       (ConfabSession  *session);
/* Iterates the main context for about @ms (for "nothing more happens" checks only). */
void           test_spin             (guint           ms);

/* Everything a session reports, in order. */
typedef struct
{
  ConfabSession *session;
  GPtrArray     *messages;        /* ConfabMessage (ref) */
  GPtrArray     *message_texts;   /* "from:text" */
  GPtrArray     *data;            /* "from:{json}" */
  GPtrArray     *custom_events;   /* "from:event:{json}|null" */
  GPtrArray     *raw_data;        /* "from:data" */
  GPtrArray     *errors;          /* GError copies */
  GArray        *reconnections;   /* gboolean resumed */
  guint          n_reconnecting;
  guint          n_disconnect;
  GError        *disconnect_reason;
  GString       *log;             /* "reconnecting;reconnection(1);error(8);disconnect;" */
} TestRecorder;

TestRecorder  *test_recorder_new     (ConfabSession  *session);
void           test_recorder_free    (TestRecorder   *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestRecorder, test_recorder_free)

/* A TCP proxy on 127.0.0.1 that splices bytes to a target port. */
typedef struct _TestProxy TestProxy;

TestProxy     *test_proxy_new        (guint16         target_port);
const char    *test_proxy_get_url    (TestProxy      *proxy);
guint          test_proxy_get_n_accepted (TestProxy  *proxy);
/* Closes every connection going through the proxy (both sides), ending a hold; new ones
 * are accepted. */
void           test_proxy_cut        (TestProxy      *proxy);
/* From now until the next cut, what the server sends stops at the proxy (what clients
 * send still goes through): requests reach the server but their answers do not come
 * back, so a client sends them again once reconnected. */
void           test_proxy_hold       (TestProxy      *proxy);
/* The same, from when the server has sent @text through (from now on). */
void           test_proxy_hold_after (TestProxy      *proxy,
                                      const char     *text);
/* Every byte the server sent to clients through the proxy, in order, zero bytes as spaces
 * (WebSocket frames: the server's are not masked, so their JSON text can be searched). */
const char    *test_proxy_get_received (TestProxy    *proxy);
void           test_proxy_free       (TestProxy      *proxy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestProxy, test_proxy_free)

G_END_DECLS
