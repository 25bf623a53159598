/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-python-launcher.c: starts a confab-server (the test harness) for a command,
 * runs it with CONFAB_TEST_URL and CONFAB_TEST_API_KEY set, and exits as it did */

#define G_LOG_DOMAIN "confab-python-launcher"

#include "config.h"

#include "confab-test-server.h"

#include <gio/gio.h>

int
main (int    argc,
      char **argv)
{
  g_autoptr(ConfabTestServer) server = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (argc < 2)
    {
      g_printerr ("Usage: %s COMMAND [ARG…]\n", argv[0]);
      return 2;
    }

  if (g_strcmp0 (g_getenv ("CONFAB_TEST_NO_INTROSPECTION"), "1") == 0)
    {
      /* nothing to test against: let the command say it skips, without a server */
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    }
  else
    {
      server = confab_test_server_new (NULL);
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_subprocess_launcher_setenv (launcher, "CONFAB_TEST_URL", confab_test_server_get_url (server), TRUE);
      g_subprocess_launcher_setenv (launcher, "CONFAB_TEST_API_KEY", confab_test_server_get_api_key (server), TRUE);
    }

  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv + 1, &error);
  if (child == NULL)
    {
      g_printerr ("%s: cannot run %s: %s\n", argv[0], argv[1], error->message);
      return 1;
    }

  if (!g_subprocess_wait (child, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return 1;
    }

  if (g_subprocess_get_if_exited (child))
    status = g_subprocess_get_exit_status (child);
  else
    status = 128 + g_subprocess_get_term_sig (child);

  return status;
}
