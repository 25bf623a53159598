/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-cli.c: the confab executable's command line, against a real confab-server
 *
 * `confab --server URL --api-key KEY … --open-contact ID --screenshot FILE` signs in
 * without the form, opens the chat, saves a PNG of the window and exits 0; a refused
 * sign-in exits non-zero with a message; wrong options are refused before anything runs.
 * `--call-video ID --screenshot FILE` calls an in-process session that answers with a
 * blue test pattern, and shoots once the blue video shows.
 */

#define G_LOG_DOMAIN "test-ui-cli"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include <confab.h>
#include <gtk/gtk.h>

#include "confab-test-server.h"

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
on_communicated (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (G_SUBPROCESS (object));
  g_assert_true (g_subprocess_get_if_exited (G_SUBPROCESS (object)));
}

/* Runs confab with @args on the default main context (the test server's process is
 * watched there too) and returns its exit status and output. */
static void
run_confab (Run                *run,
            const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *app = g_getenv ("CONFAB_APP");

  g_assert_nonnull (app);

  g_ptr_array_add (argv, (gpointer) app);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);

  run->status = -1;
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, on_communicated, run);
  while (run->status == -1)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("confab exited %d; stderr: %s", run->status, run->err);
}

static void
assert_png (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint32 width;
  guint32 height;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 8 + 25);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (contents + 12, 4, "IHDR", 4);
  memcpy (&width, contents + 16, sizeof width);
  memcpy (&height, contents + 20, sizeof height);
  width = GUINT32_FROM_BE (width);
  height = GUINT32_FROM_BE (height);
  g_test_message ("%s: %u×%u, %" G_GSIZE_FORMAT " bytes", path, width, height, len);
  g_assert_cmpuint (width, >=, 360);
  g_assert_cmpuint (height, >=, 294);
  g_assert_cmpuint (len, >, 10000);
}

static char *
output_path (const char *name)
{
  const char *dir = g_getenv ("CONFAB_UI_OUTDIR");

  return g_build_filename (dir != NULL ? dir : ".", name, NULL);
}

static void
test_guest_screenshot (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *path = output_path ("confab-cli-window.png");
  g_auto(Run) run = { 0 };
  const char *args[] = {
    "--server", confab_test_server_get_url (server),
    "--api-key", confab_test_server_get_api_key (server),
    "--user-id", "carol",
    "--username", "Carol",
    "--open-contact", "bob",
    "--screenshot", path,
    NULL
  };

  g_unlink (path);
  run_confab (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  assert_png (path);
}

static void
test_account_screenshot (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *path = output_path ("confab-cli-account.png");
  g_autofree char *password_file = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  const char *args[] = {
    "--server", confab_test_server_get_url (server),
    "--login", "dave",
    "--password-file", NULL,
    "--screenshot", path,
    NULL
  };

  confab_test_server_add_user (server, "dave", "correct horse battery");
  password_file = g_build_filename (confab_test_server_get_data_dir (server), "password", NULL);
  g_file_set_contents (password_file, "correct horse battery\n", -1, &error);
  g_assert_no_error (error);
  args[5] = password_file;

  g_unlink (path);
  run_confab (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  assert_png (path);
}

static void
test_refused (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *path = output_path ("confab-cli-refused.png");
  g_auto(Run) run = { 0 };
  const char *args[] = {
    "--server", confab_test_server_get_url (server),
    "--api-key", "not-the-key",
    "--screenshot", path,
    NULL
  };

  g_unlink (path);
  run_confab (&run, args);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "sign-in failed"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_bad_options (void)
{
  static const struct {
    const char *args[8];
    const char *message;
  } cases[] = {
    { { "--login", "dave", "--screenshot", "x.png", NULL }, "--password-file" },
    { { "--api-key", "k", "--login", "dave", NULL }, "not both" },
    { { "--api-key", "k", "--server", "http://example.org", NULL }, "ws://" },
    { { "--api-key", "k", "--open-contact", "no such id", NULL }, "--open-contact" },
    { { "--screenshot", "x.png", NULL }, "needs credentials" },
    { { "--api-key", "k", "--call", "no such id", NULL }, "--call" },
    { { "--api-key", "k", "--call", "bob", "--call-video", "bob" }, "not both" },
    { { "--call-video", "bob", NULL }, "need credentials" },
    { { "--accept-calls", NULL }, "need credentials" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_confab (&run, cases[i].args);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, cases[i].message));
    }
}

/* the callee: answers any call with a blue test pattern */

#define BLUE "videotestsrc is-live=true pattern=solid-color foreground-color=0xff0000ff"

typedef struct {
  ConfabSession *session;
  ConfabStream  *stream;
  ConfabCall    *call;
} Callee;

static void
on_callee_registered (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Callee *callee = user_data;
  g_autoptr(GError) error = NULL;

  callee->session = confab_user_agent_register_finish (CONFAB_USER_AGENT (object), result, &error);
  g_assert_no_error (error);
}

static void
on_callee_accepted (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Callee *callee = user_data;
  g_autoptr(GError) error = NULL;

  callee->call = confab_received_call_invitation_accept_finish (CONFAB_RECEIVED_CALL_INVITATION (object),
                                                                result, &error);
  g_assert_no_error (error);
  g_object_ref (callee->call);
}

static void
on_callee_incoming_call (ConfabSession                *session,
                         ConfabReceivedCallInvitation *invitation,
                         Callee                       *callee)
{
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  /* the library reads its source from the environment as the stream is made */
  g_setenv ("CONFAB_VIDEOSRC", BLUE, TRUE);
  variant = confab_stream_options_to_variant (options);
  callee->stream = confab_stream_new_local (variant, &error);
  g_assert_no_error (error);
  confab_received_call_invitation_accept_async (invitation, callee->stream, NULL, on_callee_accepted, callee);
}

static void
test_call_screenshot (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *path = output_path ("confab-cli-call.png");
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(ConfabUserAgent) ua = confab_user_agent_new (uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *pixels = NULL;
  g_auto(Run) run = { 0 };
  Callee callee = { NULL, NULL, NULL };
  const char *args[] = {
    "--server", confab_test_server_get_url (server),
    "--api-key", confab_test_server_get_api_key (server),
    "--user-id", "carol",
    "--call-video", "bob",
    "--screenshot", path,
    NULL
  };
  guint32 center;
  int width;
  int height;

  confab_register_information_set_server_url (info, confab_test_server_get_url (server));
  confab_register_information_set_user_id (info, "bob");
  confab_user_agent_register_async (ua, info, NULL, on_callee_registered, &callee);
  while (callee.session == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (callee.session, "incoming-call", G_CALLBACK (on_callee_incoming_call), &callee);

  g_unlink (path);
  run_confab (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  assert_png (path);
  g_assert_nonnull (callee.call);

  /* the middle of the window is bob's blue */
  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  center = pixels[(gsize) (height / 2) * width + width / 2];
  g_test_message ("centre pixel %08x", center);
  g_assert_cmpuint ((center >> 16) & 0xff, <, 0x40);
  g_assert_cmpuint ((center >> 8) & 0xff, <, 0x40);
  g_assert_cmpuint (center & 0xff, >, 0xc0);

  g_signal_handlers_disconnect_by_data (callee.session, &callee);
  if (callee.stream != NULL)
    confab_stream_release (callee.stream);
  g_clear_object (&callee.stream);
  g_clear_object (&callee.call);
  g_clear_object (&callee.session);
}

/* The caller: calls carol until she is online and accepts. */
typedef struct {
  ConfabSession *session;
  ConfabStream  *stream;
  ConfabCall    *call;
  gboolean       accepted;
} Caller;

static void
on_caller_accepted (ConfabCall *call,
                    Caller     *caller)
{
  caller->accepted = TRUE;
}

static gboolean
on_caller_tick (gpointer user_data)
{
  Caller *caller = user_data;
  ConfabContact *carol;
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  /* (removed by the test once the app is done) */
  if (caller->accepted)
    return G_SOURCE_CONTINUE;

  /* the last attempt is still ringing or waiting for an answer */
  if (caller->call != NULL && confab_call_get_status (caller->call) != CONFAB_CALL_STATUS_ENDED)
    return G_SOURCE_CONTINUE;

  carol = confab_session_get_or_create_contact (caller->session, "carol");
  call = confab_contact_call (carol, caller->stream, CONFAB_CALL_MEDIA_VIDEO, &error);
  if (call == NULL)
    {
      g_test_message ("calling carol: %s", error->message);
      return G_SOURCE_CONTINUE;
    }

  if (caller->call != NULL)
    g_signal_handlers_disconnect_by_data (caller->call, caller);
  g_set_object (&caller->call, call);
  g_signal_connect (call, "accepted", G_CALLBACK (on_caller_accepted), caller);

  return G_SOURCE_CONTINUE;
}

static void
test_accept_calls_screenshot (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autofree char *path = output_path ("confab-cli-accepted.png");
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  g_autoptr(ConfabUserAgent) ua = confab_user_agent_new (uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_source = NULL;
  g_auto(Run) run = { 0 };
  Callee registered = { NULL, NULL, NULL };
  Caller caller = { NULL, NULL, NULL, FALSE };
  const char *args[] = {
    "--server", confab_test_server_get_url (server),
    "--api-key", confab_test_server_get_api_key (server),
    "--user-id", "carol",
    "--accept-calls",
    "--screenshot", path,
    NULL
  };
  guint tick;

  confab_register_information_set_server_url (info, confab_test_server_get_url (server));
  confab_register_information_set_user_id (info, "dave");
  confab_user_agent_register_async (ua, info, NULL, on_callee_registered, &registered);
  while (registered.session == NULL)
    g_main_context_iteration (NULL, TRUE);
  caller.session = registered.session;

  saved_source = g_strdup (g_getenv ("CONFAB_VIDEOSRC"));
  g_setenv ("CONFAB_VIDEOSRC", BLUE, TRUE);
  variant = confab_stream_options_to_variant (options);
  caller.stream = confab_stream_new_local (variant, &error);
  g_assert_no_error (error);
  /* the app's own camera: the test pattern of the environment */
  if (saved_source != NULL)
    g_setenv ("CONFAB_VIDEOSRC", saved_source, TRUE);
  else
    g_unsetenv ("CONFAB_VIDEOSRC");

  /* dave calls carol again and again until the app is up and accepts by itself */
  tick = g_timeout_add (500, on_caller_tick, &caller);
  g_unlink (path);
  run_confab (&run, args);
  g_source_remove (tick);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (caller.accepted);
  assert_png (path);

  if (caller.call != NULL)
    g_signal_handlers_disconnect_by_data (caller.call, &caller);
  confab_stream_release (caller.stream);
  g_clear_object (&caller.stream);
  g_clear_object (&caller.call);
  g_clear_object (&caller.session);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/cli/guest-screenshot", test_guest_screenshot);
  g_test_add_func ("/ui/cli/account-screenshot", test_account_screenshot);
  g_test_add_func ("/ui/cli/refused", test_refused);
  g_test_add_func ("/ui/cli/bad-options", test_bad_options);
  g_test_add_func ("/ui/cli/call-screenshot", test_call_screenshot);
  g_test_add_func ("/ui/cli/accept-calls-screenshot", test_accept_calls_screenshot);

  status = g_test_run ();

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
