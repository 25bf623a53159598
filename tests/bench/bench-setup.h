/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-setup.h: how both benchmarks start: the process made ready, the CPUs shared out,
 * the server started for a benchmark, and the way they give up */

#pragma once

#include "bench-util.h"

G_BEGIN_DECLS

typedef struct {
  const char *program;        /* the prefix of its messages: "bench-messages" */
  int         server_cpu;     /* -1 when nothing is pinned (one CPU) */
  int         generator_cpu;
  guint64     nofile;         /* the descriptor limit now */
} BenchSetup;

/* Ignores SIGPIPE, raises the priority and the descriptor limit, and with two CPUs or
 * more gives the server the first and this process (and so its workers) the second. */
void         bench_setup_init         (BenchSetup        *setup,
                                       const char        *program);
/* "server on CPU 0, generator on CPU 1", or "no CPU pinning (one CPU)". */
const char  *bench_setup_describe_cpus (const BenchSetup *setup);
/* Starts @exe on the server CPU with idle and heartbeat times far beyond a run and a
 * rate limit of @rate frames/s (and as large a burst), and says which pid and port. */
BenchServer *bench_setup_start_server (const BenchSetup  *setup,
                                       const char        *exe,
                                       const char        *rate,
                                       GError           **error);
/* Prints "@program: message" and, with @server, the end of its log; returns EXIT_FAILURE. */
int          bench_fail               (const char        *program,
                                       BenchServer       *server,
                                       const char        *format,
                                       ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
