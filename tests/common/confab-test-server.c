/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-test-server.c: runs the real confab-server binary for a test */

#define G_LOG_DOMAIN "confab-test"

#include "config.h"

#include "confab-test-server.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

struct _ConfabTestServer
{
  char        *binary;
  char        *data_dir;
  char        *api_key;
  char        *url;
  char       **extra_args;
  guint16      port;
  GSubprocess *process;
};

static const char *
server_binary (void)
{
  const char *path = g_getenv ("CONFAB_SERVER");

  if (path == NULL || *path == '\0')
    g_error ("CONFAB_SERVER is not set: the test must be run by meson");

  return path;
}

/* Asks the kernel for a free loopback port. */
static guint16
pick_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  guint16 port;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (fd, >=, 0);

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);

  return port;
}

/* One plain HTTP GET /healthz; TRUE when it answers 200. */
static gboolean
healthz_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *request = NULL;
  char buffer[256] = { 0 };
  GOutputStream *out;
  GInputStream *in;
  gssize n;

  g_socket_client_set_timeout (client, 2);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  if (connection == NULL)
    return FALSE;

  request = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", port);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL, NULL))
    return FALSE;

  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  n = g_input_stream_read (in, buffer, sizeof buffer - 1, NULL, NULL);
  if (n <= 0)
    return FALSE;

  return g_str_has_prefix (buffer, "HTTP/1.1 200") || g_str_has_prefix (buffer, "HTTP/1.0 200");
}

/* Runs in the child before exec: if the test dies, the server it started goes too, so a
 * failing test never leaves a server behind holding meson's pipes. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_process (ConfabTestServer *self)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  gint64 deadline;

  g_ptr_array_add (argv, g_strdup (self->binary));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", self->port));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (self->data_dir));
  g_ptr_array_add (argv, g_strdup ("--api-key"));
  g_ptr_array_add (argv, g_strdup (self->api_key));
  for (guint i = 0; self->extra_args != NULL && self->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!healthz_answers (self->port))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("confab-server did not answer /healthz on port %u within 10 s", self->port);
      if (g_subprocess_get_identifier (self->process) == NULL)
        g_error ("confab-server exited before it was ready");
      g_usleep (20 * 1000);
    }
}

ConfabTestServer *
confab_test_server_new (const char * const *extra_args)
{
  ConfabTestServer *self = g_new0 (ConfabTestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  self->binary = g_strdup (server_binary ());
  self->data_dir = g_dir_make_tmp ("confab-test-XXXXXX", &error);
  g_assert_no_error (error);
  key = g_uuid_string_random ();
  self->api_key = g_strdup_printf ("test-%s", key);
  self->extra_args = g_strdupv ((char **) extra_args);
  self->port = pick_free_port ();
  self->url = g_strdup_printf ("ws://127.0.0.1:%u/ws", self->port);

  start_process (self);

  return self;
}

const char *
confab_test_server_get_url (ConfabTestServer *self)
{
  return self->url;
}

guint16
confab_test_server_get_port (ConfabTestServer *self)
{
  return self->port;
}

const char *
confab_test_server_get_api_key (ConfabTestServer *self)
{
  return self->api_key;
}

const char *
confab_test_server_get_data_dir (ConfabTestServer *self)
{
  return self->data_dir;
}

void
confab_test_server_add_user (ConfabTestServer *self,
                             const char       *login,
                             const char       *password)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                              G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error,
                              self->binary, "user", "add", login,
                              "--data-dir", self->data_dir,
                              NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("confab-server user add %s failed: %s", login, err != NULL ? err : "");
}

void
confab_test_server_stop (ConfabTestServer *self)
{
  g_autoptr(GError) error = NULL;

  if (self->process == NULL)
    return;

  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (self->process));
  g_assert_cmpint (g_subprocess_get_exit_status (self->process), ==, 0);
  g_clear_object (&self->process);
}

void
confab_test_server_restart (ConfabTestServer *self)
{
  g_assert_null (self->process);
  start_process (self);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
    }

  g_rmdir (path);
}

void
confab_test_server_free (ConfabTestServer *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    confab_test_server_stop (self);

  remove_tree (self->data_dir);

  g_free (self->binary);
  g_free (self->data_dir);
  g_free (self->api_key);
  g_free (self->url);
  g_strfreev (self->extra_args);
  g_free (self);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
confab_test_wait_until (ConfabTestPredicate  predicate,
                        gpointer             data,
                        guint                timeout_ms,
                        const char          *what)
{
  gboolean timed_out = FALSE;
  guint id;

  id = g_timeout_add (timeout_ms, on_wait_timeout, &timed_out);
  while (!predicate (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  if (!predicate (data))
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
}

void
confab_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_wait_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
confab_test_wait_for (gboolean *flag,
                      guint     timeout_ms)
{
  confab_test_wait_until (flag_is_set, flag, timeout_ms, "a condition");
}
