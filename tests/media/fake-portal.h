/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-portal.h: a fake xdg-desktop-portal ScreenCast on its own thread and D-Bus
 * connection (as the real portal runs in its own process), for tests on a private
 * session bus: Request objects answered with Response signals, a Session object
 * closed with Close or by the Closed signal, OpenPipeWireRemote handing over one end
 * of a socketpair. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The PipeWire node id the fake portal hands out. */
#define FAKE_PORTAL_NODE_ID 42

typedef struct {
  /* set before the client starts, read on the fake's thread */
  gboolean          garbage_version;
  gboolean          hold_start;       /* withhold Start's Response until answered */
  guint             start_response;   /* 0 success, 1 the user cancelled, 2 failed */
  GVariant         *start_results;    /* NULL: one stream, NODE_ID */

  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  GDBusConnection  *connection;
  GDBusNodeInfo    *portal_info;
  GDBusNodeInfo    *request_info;
  GDBusNodeInfo    *session_info;
  guint             portal_id;

  /* shared with the test's thread */
  GMutex            lock;
  GCond             cond;
  gboolean          ready;
  GHashTable       *requests;         /* path → registration id */
  GHashTable       *sessions;         /* path → registration id */
  char             *client;           /* unique name of the client */
  char             *session_path;     /* the last session created */
  char             *held_request;
  guint             start_calls;
  guint             request_closes;
  guint             session_closes;
  guint             remotes_opened;
  GVariant         *select_options;
} FakePortal;

typedef struct {
  guint start_calls;
  guint request_closes;
  guint session_closes;
  guint remotes_opened;
  guint open_requests;
  guint open_sessions;
} FakeCounts;

FakePortal *fake_portal_new           (gboolean    garbage_version);
void        fake_portal_free          (FakePortal *fake);
/* The portal answers the Start it withheld (the user picked a screen). */
void        fake_portal_answer_start  (FakePortal *fake);
/* The portal closes the session (the user stopped sharing from the shell). */
void        fake_portal_close_session (FakePortal *fake);
FakeCounts  fake_portal_counts        (FakePortal *fake);

/* Runs the tests registered after g_test_init() as both portal suites need them: the
 * portal screen-cast backend with CONFAB_PORTAL_SCREENSRC showing @screen, on a private
 * session bus; GStreamer's pooled threads joined at the end. Skips them all (TAP) when
 * the media engine cannot start. Returns g_test_run()'s status. */
int         fake_portal_run_tests     (const char *screen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakePortal, fake_portal_free)

G_END_DECLS
