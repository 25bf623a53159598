/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-portal.c: Wayland screen sharing against a fake xdg-desktop-portal ScreenCast
 * on a private session bus. The fake runs on its own thread and connection (as the
 * real portal runs in its own process) and speaks the portal's protocol: Request
 * objects answered with Response signals, a Session object closed with Close or by
 * the Closed signal, OpenPipeWireRemote handing over a socket. There is no PipeWire
 * here: CONFAB_PORTAL_SCREENSRC stands in for the pipewiresrc of the portal's node. */

#include "config.h"

#include "confab-media.h"
#include "confab-stream.h"
#include "fake-portal.h"

#include <string.h>

/* A safety net against hangs, not a measurement. */
#define WAIT_SECONDS 60
#define SCREEN "videotestsrc is-live=true pattern=ball"

/* Waiting on the test's main context */

typedef gboolean (*Condition) (gpointer data);

static gboolean
on_tick (gpointer data)
{
  guint *ticks = data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @condition holds. A tick keeps the loop waking up:
 * some conditions change on the fake portal's thread. */
static void
wait_for_full (Condition   condition,
               gpointer    data,
               const char *what)
{
  gboolean timed_out = FALSE;
  guint ticks = 0;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  guint tick_id = g_timeout_add (5, on_tick, &ticks);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick_id);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

#define wait_for(condition, data) wait_for_full ((condition), (data), #condition)

typedef struct {
  FakePortal   *fake;
  ConfabStream *stream;
  GError       *error;
  gboolean      done;
  guint         frames;
  guint         ended;
  guint         ticks;
} Context;

static void
context_clear (Context *ctx)
{
  if (ctx->stream != NULL)
    confab_stream_release (ctx->stream);
  g_clear_object (&ctx->stream);
  g_clear_error (&ctx->error);
}

static void
on_stream_created (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Context *ctx = user_data;

  g_assert_null (source);
  ctx->stream = confab_stream_new_local_finish (result, &ctx->error);
  g_assert_true ((ctx->stream == NULL) != (ctx->error == NULL));
  ctx->done = TRUE;
}

static void
new_screen_stream (Context      *ctx,
                   GCancellable *cancellable)
{
  confab_stream_new_local_async (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"),
                                 cancellable, on_stream_created, ctx);
  /* Never from within the call. */
  g_assert_false (ctx->done);
}

static gboolean
is_done (gpointer data)
{
  return ((Context *) data)->done;
}

static gboolean
start_was_called (gpointer data)
{
  Context *ctx = data;

  return fake_portal_counts (ctx->fake).start_calls > 0;
}

static gboolean
ticked_five_times (gpointer data)
{
  return ((Context *) data)->ticks >= 5;
}

static gboolean
has_three_frames (gpointer data)
{
  return ((Context *) data)->frames >= 3;
}

static gboolean
has_ended (gpointer data)
{
  return ((Context *) data)->ended > 0;
}

static gboolean
nothing_open (gpointer data)
{
  FakeCounts counts = fake_portal_counts (((Context *) data)->fake);

  return counts.open_requests == 0 && counts.open_sessions == 0;
}

static void
on_video_frame (ConfabStream *stream,
                GBytes       *pixels,
                int           width,
                int           height,
                int           stride,
                gpointer      user_data)
{
  Context *ctx = user_data;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, (gsize) stride * height);
  ctx->frames++;
}

static void
on_ended (ConfabStream *stream,
          gpointer      user_data)
{
  Context *ctx = user_data;

  ctx->ended++;
}

/* The main loop keeps running while the portal's dialog is open; then the screen
 * the user picked is captured and its frames flow. */
static void
test_async_start (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };
  FakeCounts counts;
  guint32 types = 0, cursor_mode = 0;
  guint tick_id;

  fake->hold_start = TRUE;
  new_screen_stream (&ctx, NULL);

  wait_for (start_was_called, &ctx);

  /* The dialog is open: the main context runs a timeout again and again meanwhile. */
  tick_id = g_timeout_add (1, on_tick, &ctx.ticks);
  wait_for (ticked_five_times, &ctx);
  g_source_remove (tick_id);
  g_assert_false (ctx.done);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.remotes_opened, ==, 0);
  g_assert_cmpuint (counts.open_sessions, ==, 1);

  fake_portal_answer_start (fake);
  wait_for (is_done, &ctx);
  g_assert_no_error (ctx.error);
  g_assert_nonnull (ctx.stream);
  g_assert_true (confab_stream_get_has_video (ctx.stream));
  g_assert_false (confab_stream_get_has_audio (ctx.stream));
  g_assert_true (confab_stream_get_is_screensharing (ctx.stream));

  /* What the portal was asked for: a monitor or a window, the cursor in the picture. */
  g_mutex_lock (&fake->lock);
  g_assert_true (g_variant_lookup (fake->select_options, "types", "u", &types));
  g_assert_true (g_variant_lookup (fake->select_options, "cursor_mode", "u", &cursor_mode));
  g_mutex_unlock (&fake->lock);
  g_assert_cmpuint (types, ==, 1 | 2);
  g_assert_cmpuint (cursor_mode, ==, 2);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 1);

  g_signal_connect (ctx.stream, "video-frame", G_CALLBACK (on_video_frame), &ctx);
  confab_stream_enable_video_frames (ctx.stream);
  wait_for (has_three_frames, &ctx);

  /* Releasing the stream closes the portal session. */
  confab_stream_release (ctx.stream);
  wait_for (nothing_open, &ctx);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.session_closes, ==, 1);

  context_clear (&ctx);
}

/* The user cancels in the dialog. */
static void
test_user_cancels (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_response = 1;
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ctx.stream);
  wait_for (nothing_open, &ctx);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 0);

  context_clear (&ctx);
}

/* The application cancels while the dialog is open: the dialog and the session close. */
static void
test_cancellable (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Context ctx = { fake };
  FakeCounts counts;

  fake->hold_start = TRUE;
  new_screen_stream (&ctx, cancellable);
  wait_for (start_was_called, &ctx);
  g_assert_false (ctx.done);

  g_cancellable_cancel (cancellable);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ctx.stream);

  wait_for (nothing_open, &ctx);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.request_closes, ==, 1);
  g_assert_cmpuint (counts.session_closes, ==, 1);
  g_assert_cmpuint (counts.remotes_opened, ==, 0);

  context_clear (&ctx);
}

/* Cancelled before anything was asked: nothing reaches the portal. */
static void
test_cancelled_before (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Context ctx = { fake };

  g_cancellable_cancel (cancellable);
  new_screen_stream (&ctx, cancellable);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fake_portal_counts (fake).start_calls, ==, 0);

  context_clear (&ctx);
}

static Context *
start_shared_screen (FakePortal *fake)
{
  Context *ctx = g_new0 (Context, 1);

  ctx->fake = fake;
  new_screen_stream (ctx, NULL);
  wait_for (is_done, ctx);
  g_assert_no_error (ctx->error);
  g_signal_connect (ctx->stream, "ended", G_CALLBACK (on_ended), ctx);

  return ctx;
}

/* The user stops sharing from the shell: the portal closes the session. */
static void
test_portal_closes (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autofree Context *ctx = start_shared_screen (fake);

  g_assert_false (confab_stream_get_released (ctx->stream));
  fake_portal_close_session (fake);
  wait_for (has_ended, ctx);
  g_assert_cmpuint (ctx->ended, ==, 1);
  g_assert_true (confab_stream_get_released (ctx->stream));
  g_assert_cmpuint (fake_portal_counts (fake).open_sessions, ==, 0);

  context_clear (ctx);
  g_assert_cmpuint (ctx->ended, ==, 1);
}

/* The synchronous constructor still works (blocking), and the stream still ends when
 * the portal closes the session: the Closed signal is watched on the main context. */
static void
test_sync (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GError) error = NULL;
  Context ctx = { fake };

  ctx.stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"), &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_screensharing (ctx.stream));
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 1);
  g_signal_connect (ctx.stream, "ended", G_CALLBACK (on_ended), &ctx);

  fake_portal_close_session (fake);
  wait_for (has_ended, &ctx);
  g_assert_true (confab_stream_get_released (ctx.stream));

  context_clear (&ctx);
}

/* PipeWire stops the node: the source ends, and so does the stream. */
static void
test_source_ends (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autofree Context *ctx = NULL;

  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN " num-buffers=5", TRUE);
  ctx = start_shared_screen (fake);
  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN, TRUE);

  wait_for (has_ended, ctx);
  g_assert_true (confab_stream_get_released (ctx->stream));
  wait_for (nothing_open, ctx);
  g_assert_cmpuint (fake_portal_counts (fake).session_closes, ==, 1);

  context_clear (ctx);
}

/* The capture fails: the error is reported and the stream ends. */
static void
on_error (ConfabStream *stream,
          GError       *error,
          gpointer      user_data)
{
  GError **out = user_data;

  if (*out == NULL)
    *out = g_error_copy (error);
}

static void
test_source_fails (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree Context *ctx = NULL;

  /* A source that fails once it starts (as pipewiresrc does when the node is gone). */
  g_setenv ("CONFAB_PORTAL_SCREENSRC", "filesrc location=/nonexistent/confab-screen ! rawvideoparse", TRUE);
  ctx = start_shared_screen (fake);
  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN, TRUE);
  g_signal_connect (ctx->stream, "error", G_CALLBACK (on_error), &error);

  wait_for (has_ended, ctx);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_test_message ("%s", error->message);
  wait_for (nothing_open, ctx);
  g_assert_cmpuint (fake_portal_counts (fake).session_closes, ==, 1);

  context_clear (ctx);
}

typedef struct {
  const char *name;
  const char *results;
  const char *message;
} Garbage;

static const Garbage garbage[] = {
  { "no-streams", "@a{sv} {}", "no stream to capture" },
  { "streams-not-an-array", "{'streams': <'all of them'>}", "streams of type s" },
  { "streams-wrong-tuple", "{'streams': <[('42', 7)]>}", "streams of type a(si)" },
  { "streams-empty", "{'streams': <@a(ua{sv}) []>}", "no stream to capture" },
};

/* A portal answering nonsense: a clear error, nothing left open, no crash. */
static void
test_garbage (gconstpointer data)
{
  const Garbage *g = data;
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_results = g_variant_ref_sink (g_variant_new_parsed (g->results));
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_test_message ("%s", ctx.error->message);
  g_assert_nonnull (strstr (ctx.error->message, "invalid answer"));
  g_assert_nonnull (strstr (ctx.error->message, g->message));
  wait_for (nothing_open, &ctx);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 0);

  context_clear (&ctx);
}

static void
test_garbage_version (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (TRUE);
  Context ctx = { fake };

  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_assert_nonnull (strstr (ctx.error->message, "version of type s"));
  g_assert_cmpuint (fake_portal_counts (fake).open_sessions, ==, 0);

  context_clear (&ctx);
}

/* The portal fails (response 2). */
static void
test_portal_fails (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_response = 2;
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_assert_nonnull (strstr (ctx.error->message, "response 2"));
  wait_for (nothing_open, &ctx);

  context_clear (&ctx);
}

/* Streams that need no portal complete from the main loop as well. */
static void
test_no_portal_needed (void)
{
  Context ctx = { NULL };

  confab_stream_new_local_async (g_variant_new_parsed ("{'audio': <false>, 'video-source': <%s>}", SCREEN),
                                 NULL, on_stream_created, &ctx);
  g_assert_false (ctx.done);
  wait_for (is_done, &ctx);
  g_assert_no_error (ctx.error);
  g_assert_true (confab_stream_get_has_video (ctx.stream));
  context_clear (&ctx);

  /* Bad options: the sync constructor's error, from the main loop too. */
  ctx.done = FALSE;
  confab_stream_new_local_async (g_variant_new_parsed ("{'colour': <'red'>}"), NULL, on_stream_created, &ctx);
  g_assert_false (ctx.done);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  context_clear (&ctx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/portal/async-start", test_async_start);
  g_test_add_func ("/portal/user-cancels", test_user_cancels);
  g_test_add_func ("/portal/cancellable", test_cancellable);
  g_test_add_func ("/portal/cancelled-before", test_cancelled_before);
  g_test_add_func ("/portal/portal-closes", test_portal_closes);
  g_test_add_func ("/portal/sync", test_sync);
  g_test_add_func ("/portal/source-ends", test_source_ends);
  g_test_add_func ("/portal/source-fails", test_source_fails);
  g_test_add_func ("/portal/portal-fails", test_portal_fails);
  g_test_add_func ("/portal/garbage/version", test_garbage_version);
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autofree char *path = g_strdup_printf ("/portal/garbage/%s", garbage[i].name);

      g_test_add_data_func (path, &garbage[i], test_garbage);
    }
  g_test_add_func ("/portal/no-portal-needed", test_no_portal_needed);

  return fake_portal_run_tests (SCREEN);
}
