/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: confab-server's command line: serve, or administer users */

#define G_LOG_DOMAIN "confab-server"

#include "config.h"

#include "confab-accounts.h"
#include "confab-hub.h"
#include "confab-server-config.h"
#include "confab-storage.h"
#include "confab-uv-glib.h"
#include "confab-ws-transport.h"

#include <gio/gio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* How long a shutdown waits for connections to take their close frame. */
#define SHUTDOWN_DRAIN_MS 3000

typedef struct {
  ConfabServerConfig *config;
  ConfabStorage      *storage;
  ConfabHub          *hub;
  ConfabWsTransport  *transport;
  ConfabUvGlib       *bridge;
  uv_loop_t           loop;
  uv_signal_t         sigint;
  uv_signal_t         sigterm;
  uv_timer_t          drain;
  gint64              drain_deadline;
  gboolean            stopping;
} Server;

static gboolean log_verbose;

/* logging */

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  g_autofree char *line = NULL;

  if (!log_verbose && (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)))
    return G_LOG_WRITER_HANDLED;

  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  fprintf (stderr, "%s\n", line);
  fflush (stderr);

  return G_LOG_WRITER_HANDLED;
}

/* options: every one lands in a GKeyFile of overrides, checked like the config file */

typedef struct {
  const char *option;
  const char *group;
  const char *key;
} OptionKey;

static const OptionKey option_keys[] = {
  { "--listen",           "server",  "listen" },
  { "--port",             "server",  "port" },
  { "--data-dir",         "server",  "data-dir" },
  { "--tls-cert",         "server",  "tls-cert" },
  { "--tls-key",          "server",  "tls-key" },
  { "--heartbeat-ms",     "session", "heartbeat-ms" },
  { "--idle-timeout-ms",  "session", "idle-timeout-ms" },
  { "--grace-ms",         "session", "grace-ms" },
  { "--handshake-timeout-ms", "session", "handshake-timeout-ms" },
  { "--max-frame-bytes",  "limits",  "max-frame-bytes" },
  { "--max-string-bytes", "limits",  "max-string-bytes" },
  { "--max-text-bytes",   "limits",  "max-text-bytes" },
  { "--max-data-bytes",   "limits",  "max-data-bytes" },
  { "--rate-per-second",  "limits",  "rate-per-second" },
  { "--rate-burst",       "limits",  "rate-burst" },
  { "--max-violations",   "limits",  "max-violations" },
  { "--turn-secret",      "ice",     "turn-secret" },
  { "--turn-ttl-s",       "ice",     "turn-ttl-s" },
};

static GKeyFile *overrides;
static GPtrArray *override_api_keys;
static GPtrArray *override_stun_urls;
static GPtrArray *override_turn_urls;
static char *config_path;

static gboolean
on_option (const char  *option_name,
           const char  *value,
           gpointer     data,
           GError     **error)
{
  if (g_str_equal (option_name, "--api-key"))
    {
      g_ptr_array_add (override_api_keys, g_strdup (value));
      return TRUE;
    }

  if (g_str_equal (option_name, "--stun"))
    {
      g_ptr_array_add (override_stun_urls, g_strdup (value));
      return TRUE;
    }

  if (g_str_equal (option_name, "--turn"))
    {
      g_ptr_array_add (override_turn_urls, g_strdup (value));
      return TRUE;
    }

  if (g_str_equal (option_name, "--verbose"))
    {
      g_key_file_set_boolean (overrides, "server", "verbose", TRUE);
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (option_keys); i++)
    if (g_str_equal (option_name, option_keys[i].option))
      {
        if (strchr (value, '\n') != NULL)
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "%s: the value may not contain a newline", option_name);
            return FALSE;
          }
        g_key_file_set_value (overrides, option_keys[i].group, option_keys[i].key, value);
        return TRUE;
      }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unknown option %s", option_name);
  return FALSE;
}

#define OPT(long_name, arg, help) \
  { long_name, 0, 0, G_OPTION_ARG_CALLBACK, on_option, help, arg }

static const GOptionEntry server_entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
    "Read settings from FILE (a key file: groups [server], [auth], [session], [limits], [ice])", "FILE" },
  OPT ("listen", "ADDR", "Address to listen on, IPv4 or IPv6 (default 127.0.0.1; 0.0.0.0 or :: for all)"),
  OPT ("port", "N", "TCP port (default 8470; 0 picks a free one)"),
  OPT ("data-dir", "DIR", "Where the database lives (default $XDG_DATA_HOME/confab-server)"),
  OPT ("api-key", "KEY", "An API key guests may register with; repeat for several (replaces [auth] api-keys)"),
  OPT ("heartbeat-ms", "N", "Interval at which clients are told to ping (default 15000)"),
  OPT ("idle-timeout-ms", "N", "Close a connection silent this long, with 4000 (default 45000)"),
  OPT ("grace-ms", "N", "Keep a dropped session this long for resume (default 30000)"),
  OPT ("handshake-timeout-ms", "N", "Close a connection not registered or resumed this long after it opened, with 4001 (default 10000)"),
  OPT ("max-frame-bytes", "N", "Largest frame accepted (default 65536)"),
  OPT ("max-string-bytes", "N", "Longest string member (default 4096)"),
  OPT ("max-text-bytes", "N", "Longest contact message text (default 16384)"),
  OPT ("max-data-bytes", "N", "Largest serialized data/content/userData object (default 32768)"),
  OPT ("rate-per-second", "N", "Frames per second a connection may send (default 50)"),
  OPT ("rate-burst", "N", "Frames a connection may send in a burst (default 200)"),
  OPT ("max-violations", "N", "Bad frames within 10 s before the connection is closed with 1008 (default 50)"),
  OPT ("stun", "URL", "A STUN server for clients (stun:HOST:PORT); repeat for several (replaces [ice] stun-urls)"),
  OPT ("turn", "URL", "A TURN server for clients (turn:HOST:PORT?transport=udp); repeat (replaces [ice] turn-urls)"),
  OPT ("turn-secret", "SECRET", "Shared secret of the TURN server (coturn use-auth-secret)"),
  OPT ("turn-ttl-s", "N", "Lifetime of TURN credentials in seconds (default 86400)"),
  OPT ("tls-cert", "FILE", "PEM certificate: serve wss:// (needs --tls-key)"),
  OPT ("tls-key", "FILE", "PEM private key of --tls-cert"),
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, on_option,
    "Log debugging information", NULL },
  { NULL }
};

static const GOptionEntry user_entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Read settings from FILE", "FILE" },
  OPT ("data-dir", "DIR", "Where the database lives (default $XDG_DATA_HOME/confab-server)"),
  { NULL }
};

static void
set_override_list (GPtrArray  *values,
                   const char *group,
                   const char *key)
{
  if (values->len == 0)
    return;

  g_key_file_set_string_list (overrides, group, key,
                              (const char * const *) values->pdata, values->len);
}

static ConfabServerConfig *
load_config (GError **error)
{
  g_autoptr(ConfabServerConfig) config = confab_server_config_new ();

  if (config_path != NULL && !confab_server_config_load_file (config, config_path, error))
    return NULL;

  set_override_list (override_api_keys, "auth", "api-keys");
  set_override_list (override_stun_urls, "ice", "stun-urls");
  set_override_list (override_turn_urls, "ice", "turn-urls");

  if (!confab_server_config_load_key_file (config, overrides, error))
    {
      g_prefix_error (error, "on the command line: ");
      return NULL;
    }

  return g_steal_pointer (&config);
}

static int
usage_error (GError *error)
{
  g_printerr ("confab-server: %s\n", error->message);
  g_printerr ("Run 'confab-server --help' for the options.\n");
  return EXIT_USAGE;
}

/* user administration */

typedef struct {
  gboolean  done;
  gboolean  ok;
  char    **list;
  GError   *error;
} AdminResult;

static void
on_admin_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AdminResult *admin = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == confab_storage_list_accounts_async)
    {
      admin->list = confab_storage_list_accounts_finish (CONFAB_STORAGE (source), result, &admin->error);
      admin->ok = admin->list != NULL;
    }
  else
    {
      admin->ok = confab_storage_edit_finish (CONFAB_STORAGE (source), result, &admin->error);
    }
  admin->done = TRUE;
}

static char *
read_password (GError **error)
{
  char buffer[CONFAB_WIRE_MAX_PASSWORD_BYTES + 3];
  gsize length;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "no password: write it as the first line of standard input");
      return NULL;
    }

  length = strlen (buffer);
  if (length > 0 && buffer[length - 1] == '\n')
    buffer[--length] = '\0';
  else if (!feof (stdin))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the password is longer than %d bytes", CONFAB_WIRE_MAX_PASSWORD_BYTES);
      return NULL;
    }
  if (length > 0 && buffer[length - 1] == '\r')
    buffer[--length] = '\0';

  if (length == 0 || length > CONFAB_WIRE_MAX_PASSWORD_BYTES || !g_utf8_validate (buffer, length, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the password must be 1 to %d bytes of UTF-8", CONFAB_WIRE_MAX_PASSWORD_BYTES);
      return NULL;
    }

  return g_strdup (buffer);
}

static int
run_user_command (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ConfabServerConfig) config = NULL;
  g_autoptr(ConfabStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  AdminResult admin = { 0 };
  const char *command;
  const char *login = NULL;

  context = g_option_context_new ("add LOGIN | remove LOGIN | list");
  g_option_context_set_summary (context,
                                "Manage confab-server accounts.\n\n"
                                "  user add LOGIN      add an account; the password is the first line of stdin\n"
                                "  user remove LOGIN   remove an account and its stored messages\n"
                                "  user list           list the accounts");
  g_option_context_add_main_entries (context, user_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error);

  if (argc < 2)
    {
      g_printerr ("confab-server user: say add, remove or list\n");
      return EXIT_USAGE;
    }

  command = argv[1];
  if (g_str_equal (command, "add") || g_str_equal (command, "remove"))
    {
      if (argc != 3)
        {
          g_printerr ("confab-server user %s: give exactly one LOGIN\n", command);
          return EXIT_USAGE;
        }
      login = argv[2];
      if (!confab_accounts_is_valid_login (login))
        {
          g_printerr ("confab-server user %s: '%s' is not a valid login "
                      "(1-64 of A-Z a-z 0-9 . _ @ -, not starting with 'guest-')\n", command, login);
          return EXIT_USAGE;
        }
    }
  else if (!g_str_equal (command, "list") || argc != 2)
    {
      g_printerr ("confab-server user: unknown command '%s'; say add LOGIN, remove LOGIN or list\n",
                  command);
      return EXIT_USAGE;
    }

  config = load_config (&error);
  if (config == NULL)
    return usage_error (error);

  if (!confab_accounts_init (&error))
    {
      g_printerr ("confab-server: %s\n", error->message);
      return 1;
    }

  storage = confab_storage_new (config->data_dir, &error);
  if (storage == NULL)
    {
      g_printerr ("confab-server: %s\n", error->message);
      return 1;
    }

  if (g_str_equal (command, "add"))
    {
      g_autofree char *password = read_password (&error);
      g_autofree char *hash = NULL;

      if (password == NULL)
        {
          g_printerr ("confab-server user add: %s\n", error->message);
          return EXIT_USAGE;
        }

      hash = confab_accounts_hash_password (password, &error);
      if (hash == NULL)
        {
          g_printerr ("confab-server user add: %s\n", error->message);
          return 1;
        }

      confab_storage_add_account_async (storage, login, hash, on_admin_done, &admin);
    }
  else if (g_str_equal (command, "remove"))
    {
      confab_storage_remove_account_async (storage, login, on_admin_done, &admin);
    }
  else
    {
      confab_storage_list_accounts_async (storage, on_admin_done, &admin);
    }

  while (!admin.done)
    g_main_context_iteration (NULL, TRUE);

  if (!admin.ok)
    {
      g_printerr ("confab-server user %s: %s\n", command, admin.error->message);
      g_clear_error (&admin.error);
      return 1;
    }

  if (admin.list != NULL)
    {
      for (guint i = 0; admin.list[i] != NULL; i++)
        g_print ("%s\n", admin.list[i]);
      g_strfreev (admin.list);
    }
  else
    {
      g_print ("confab-server: user %s %s\n", login, g_str_equal (command, "add") ? "added" : "removed");
    }

  return 0;
}

/* serving */

static void
on_handle_closed (uv_handle_t *handle)
{
}

static void
finish_shutdown (Server *server)
{
  uv_timer_stop (&server->drain);
  uv_close ((uv_handle_t *) &server->drain, on_handle_closed);
  uv_close ((uv_handle_t *) &server->sigint, on_handle_closed);
  uv_close ((uv_handle_t *) &server->sigterm, on_handle_closed);

  /* Closes whatever did not go in time; the hub hears about each. */
  confab_ws_transport_close (server->transport);
  g_clear_pointer (&server->bridge, confab_uv_glib_free);
}

static void
on_drain_tick (uv_timer_t *handle)
{
  Server *server = handle->data;

  /* Every connection has its 1001 close frame on the wire (waiting for the peers'
   * answers would let one silent client hold the exit up). */
  if ((confab_ws_transport_get_n_unclosed (server->transport) == 0 &&
       confab_hub_get_n_pending (server->hub) == 0) ||
      g_get_monotonic_time () >= server->drain_deadline)
    finish_shutdown (server);
}

static void
on_signal (uv_signal_t *handle,
           int          signum)
{
  Server *server = handle->data;

  if (server->stopping)
    return;

  server->stopping = TRUE;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "MESSAGE", "shutting down on signal %d", signum,
                    "CONFAB_SESSIONS", "%u", confab_hub_get_n_sessions (server->hub));

  /* Stop reading; unacknowledged messages of accounts go to the offline store. */
  confab_hub_shutdown (server->hub);
  confab_storage_flush (server->storage);

  server->drain_deadline = g_get_monotonic_time () + SHUTDOWN_DRAIN_MS * G_TIME_SPAN_MILLISECOND;
  uv_timer_start (&server->drain, on_drain_tick, 10, 10);
}

static int
run_server (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url_host = NULL;
  Server server = { 0 };
  int status = 0;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "The Confab signaling server: WebSocket at /ws, health at /healthz.\n\n"
                                "Every setting can come from the --config key file and be overridden\n"
                                "here. Administer accounts with:\n"
                                "  confab-server user add LOGIN [--data-dir DIR] [--config FILE]  (password on stdin)\n"
                                "  confab-server user remove LOGIN\n"
                                "  confab-server user list");
  g_option_context_add_main_entries (context, server_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error);

  if (argc > 1)
    {
      g_printerr ("confab-server: unexpected argument '%s'\n", argv[1]);
      return EXIT_USAGE;
    }

  server.config = load_config (&error);
  if (server.config == NULL)
    return usage_error (error);

  log_verbose = server.config->verbose;

  if (!confab_accounts_init (&error))
    {
      g_printerr ("confab-server: %s\n", error->message);
      return 1;
    }

  if (server.config->api_keys[0] == NULL)
    g_message ("no API key configured: guests cannot register");

  server.storage = confab_storage_new (server.config->data_dir, &error);
  if (server.storage == NULL)
    {
      g_printerr ("confab-server: %s\n", error->message);
      confab_server_config_free (server.config);
      return 1;
    }

  confab_ws_transport_raise_fd_limit ();

  uv_loop_init (&server.loop);
  server.bridge = confab_uv_glib_new (&server.loop, g_main_context_default ());
  server.hub = confab_hub_new (server.config, server.storage);
  server.transport = confab_ws_transport_new (server.config, server.hub, &server.loop, &error);

  if (server.transport == NULL)
    {
      /* lws' half-made context cannot be torn down without running the loop: exit. */
      g_printerr ("confab-server: %s\n", error->message);
      confab_storage_flush (server.storage);
      exit (1);
    }

  uv_signal_init (&server.loop, &server.sigint);
  uv_signal_init (&server.loop, &server.sigterm);
  uv_timer_init (&server.loop, &server.drain);
  server.sigint.data = &server;
  server.sigterm.data = &server;
  server.drain.data = &server;
  uv_signal_start (&server.sigint, on_signal, SIGINT);
  uv_signal_start (&server.sigterm, on_signal, SIGTERM);

  if (strchr (server.config->listen, ':') != NULL)
    url_host = g_strdup_printf ("[%s]", server.config->listen);
  else
    url_host = g_strdup (server.config->listen);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "MESSAGE", "listening on %s port %u",
                    server.config->listen, confab_ws_transport_get_port (server.transport),
                    "CONFAB_DATA_DIR", server.config->data_dir);
  fprintf (stdout, "confab-server: listening on %s://%s:%u/ws\n",
           server.config->tls_cert ? "wss" : "ws", url_host,
           confab_ws_transport_get_port (server.transport));
  fflush (stdout);

  uv_run (&server.loop, UV_RUN_DEFAULT);

  /* Let every handle finish closing. */
  while (uv_run (&server.loop, UV_RUN_NOWAIT) != 0)
    ;
  g_clear_pointer (&server.transport, confab_ws_transport_free);
  while (uv_run (&server.loop, UV_RUN_NOWAIT) != 0)
    ;
  if (uv_loop_close (&server.loop) != 0)
    g_debug ("the uv loop still had handles at exit");

  confab_hub_free (server.hub);
  confab_storage_flush (server.storage);
  g_object_unref (server.storage);
  confab_server_config_free (server.config);

  return status;
}

int
main (int    argc,
      char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  g_log_set_writer_func (log_writer, NULL, NULL);
  signal (SIGPIPE, SIG_IGN);

  overrides = g_key_file_new ();
  override_api_keys = g_ptr_array_new_with_free_func (g_free);
  override_stun_urls = g_ptr_array_new_with_free_func (g_free);
  override_turn_urls = g_ptr_array_new_with_free_func (g_free);

  if (argc > 1 && g_str_equal (argv[1], "user"))
    status = run_user_command (argc - 1, argv + 1);
  else
    status = run_server (argc, argv);

  g_key_file_unref (overrides);
  g_ptr_array_unref (override_api_keys);
  g_ptr_array_unref (override_stun_urls);
  g_ptr_array_unref (override_turn_urls);
  g_free (config_path);

  return status;
}
