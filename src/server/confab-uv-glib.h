/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-uv-glib.h: drives a GMainContext from a libuv loop */

#pragma once

#include <glib.h>
#include <uv.h>

G_BEGIN_DECLS

typedef struct _ConfabUvGlib ConfabUvGlib;

/**
 * confab_uv_glib_new:
 * @loop: the uv loop that runs in this thread
 * @context: the GLib context to drive (acquired until freed)
 *
 * Each uv iteration then prepares and queries @context before uv polls (watching the
 * few descriptors GLib asks for with uv_poll, and bounding uv's timeout by GLib's),
 * and checks and dispatches it after. GLib timeouts, idles and GTask completions work;
 * no socket of the server is ever on the GMainContext.
 */
ConfabUvGlib *confab_uv_glib_new  (uv_loop_t    *loop,
                                   GMainContext *context);
/* Stops driving the context and closes the uv handles; run the loop afterwards to
 * let them close (the memory is freed by the last close callback). */
void          confab_uv_glib_free (ConfabUvGlib *self);

G_END_DECLS
