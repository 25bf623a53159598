/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-setup.c: how both benchmarks start */

#define G_LOG_DOMAIN "confab-bench"

#include "config.h"

#include "bench-setup.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>

void
bench_setup_init (BenchSetup *setup,
                  const char *program)
{
  setup->program = program;
  setup->server_cpu = -1;
  setup->generator_cpu = -1;

  signal (SIGPIPE, SIG_IGN);
  bench_raise_priority ();
  setup->nofile = bench_raise_nofile ();
  if (bench_n_cpus () >= 2)
    {
      setup->server_cpu = 0;
      setup->generator_cpu = 1;
      bench_pin_to_cpu (0, (guint) setup->generator_cpu);
    }
}

const char *
bench_setup_describe_cpus (const BenchSetup *setup)
{
  return setup->server_cpu >= 0 ? "server on CPU 0, generator on CPU 1" : "no CPU pinning (one CPU)";
}

BenchServer *
bench_setup_start_server (const BenchSetup  *setup,
                          const char        *exe,
                          const char        *rate,
                          GError           **error)
{
  const char *extra_args[] = {
    "--idle-timeout-ms", "3600000",
    "--heartbeat-ms", "1800000",
    "--rate-per-second", rate,
    "--rate-burst", rate,
    NULL
  };
  BenchServer *server;

  server = bench_server_start (exe, setup->server_cpu, extra_args, error);
  if (server != NULL)
    g_printerr ("server pid %d on port %u\n", (int) server->pid, server->port);
  return server;
}

int
bench_fail (const char  *program,
            BenchServer *server,
            const char  *format,
            ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\n", program, message);
  if (server != NULL)
    bench_server_print_log (server, 30);
  return EXIT_FAILURE;
}
