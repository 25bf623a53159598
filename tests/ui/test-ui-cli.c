/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-cli.c: the confab executable's command line, against a real confab-server
 *
 * `confab --server URL --api-key KEY … --open-contact ID --screenshot FILE` signs in
 * without the form, opens the chat, saves a PNG of the window and exits 0; a refused
 * sign-in exits non-zero with a message; wrong options are refused before anything runs.
 */

#define G_LOG_DOMAIN "test-ui-cli"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

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
    const char *args[6];
    const char *message;
  } cases[] = {
    { { "--login", "dave", "--screenshot", "x.png", NULL }, "--password-file" },
    { { "--api-key", "k", "--login", "dave", NULL }, "not both" },
    { { "--api-key", "k", "--server", "http://example.org", NULL }, "ws://" },
    { { "--api-key", "k", "--open-contact", "no such id", NULL }, "--open-contact" },
    { { "--screenshot", "x.png", NULL }, "needs credentials" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_confab (&run, cases[i].args);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, cases[i].message));
    }
}

int
main (int   argc,
      char *argv[])
{
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

  return g_test_run ();
}
