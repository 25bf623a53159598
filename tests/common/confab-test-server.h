/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-server.h: runs the real confab-server binary for a test */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabTestServer ConfabTestServer;

/**
 * confab_test_server_new:
 * @extra_args: (nullable): more command-line options for confab-server, %NULL-terminated
 *
 * Starts `confab-server` (the binary of this build tree; $CONFAB_SERVER overrides) on a
 * free loopback port, with a fresh temporary data directory and a random API key, and
 * waits until `/healthz` answers. Aborts the test if it does not start within 10 s.
 */
ConfabTestServer *confab_test_server_new          (const char * const *extra_args);
/* ws://127.0.0.1:PORT/ws */
const char       *confab_test_server_get_url      (ConfabTestServer   *self);
guint16           confab_test_server_get_port     (ConfabTestServer   *self);
const char       *confab_test_server_get_api_key  (ConfabTestServer   *self);
const char       *confab_test_server_get_data_dir (ConfabTestServer   *self);
/* Runs `confab-server user add LOGIN --data-dir DIR` with the password on stdin; asserts exit 0. */
void              confab_test_server_add_user     (ConfabTestServer   *self,
                                                   const char         *login,
                                                   const char         *password);
/* SIGTERM, waits for the process and asserts it exited 0. */
void              confab_test_server_stop         (ConfabTestServer   *self);
/* Starts it again on the same port and data directory (after _stop). */
void              confab_test_server_restart      (ConfabTestServer   *self);
/* Stops it if running, removes the data directory, frees. */
void              confab_test_server_free         (ConfabTestServer   *self);

typedef gboolean (*ConfabTestPredicate) (gpointer data);

/* Iterates the default main context until @predicate holds; fails the test, naming @what,
 * after @timeout_ms. */
void              confab_test_wait_until          (ConfabTestPredicate predicate,
                                                   gpointer            data,
                                                   guint               timeout_ms,
                                                   const char         *what);
/* Iterates the default main context for @ms milliseconds. */
void              confab_test_run_for             (guint              ms);

/* Iterates the default main context until *flag is TRUE; fails the test after @timeout_ms. */
void              confab_test_wait_for            (gboolean           *flag,
                                                   guint               timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabTestServer, confab_test_server_free)

G_END_DECLS
