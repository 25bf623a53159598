/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-util.h: what both benchmarks need besides the client: the server process, the
 * forked load-generator workers, clocks, limits and latency statistics */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* ---- process and clock ---- */

gint64   bench_now_ns              (void);           /* CLOCK_MONOTONIC */
void     bench_sleep_ms            (guint ms);
/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
guint64  bench_raise_nofile        (void);
/* Lowers the nice value of this process (and so of the server and workers it starts) to
 * $CONFAB_BENCH_NICE (default -5) when allowed, so that a build running beside the
 * benchmark disturbs it less. */
void     bench_raise_priority      (void);
/* Number of CPUs this process could run on when it first asked (call it before pinning). */
guint    bench_n_cpus              (void);
/* Pins @pid (0: the caller) to the @cpu-th of those CPUs; FALSE if that is not possible. */
gboolean bench_pin_to_cpu          (pid_t     pid,
                                    guint     cpu);
/* Busy and total time of the @cpu-th of those CPUs so far, from /proc/stat (ticks). */
gboolean bench_cpu_ticks           (guint     cpu,
                                    guint64  *busy,
                                    guint64  *total);
/* An integer from the environment variable @name, or @fallback when unset or invalid. */
gint64   bench_env_int             (const char *name,
                                    gint64      fallback);

/* ---- the server under test ---- */

typedef struct {
  pid_t    pid;
  guint16  port;
  char    *exe;
  char    *api_key;
  char    *tmp_dir;
  char    *data_dir;
  char    *log_path;
} BenchServer;

/* The confab-server to run: @explicit_path, else $CONFAB_SERVER; NULL (and @error) if none. */
char        *bench_find_server_exe     (const char          *explicit_path,
                                        GError             **error);
/* Starts it on a free 127.0.0.1 port with a temporary data directory and a random API key,
 * its output in a log file, pinned to @cpu unless @cpu < 0, and waits for /healthz. */
BenchServer *bench_server_start        (const char          *exe,
                                        int                  cpu,
                                        const char * const  *extra_args,
                                        GError             **error);
gint64       bench_server_rss_kib      (BenchServer         *server);
double       bench_server_cpu_seconds  (BenchServer         *server);
/* The "sessions" of GET /healthz, or -1 if it did not answer. */
gint64       bench_server_healthz      (BenchServer         *server);
/* SIGTERM, waits up to 20 s (then SIGKILL). Returns the exit status, or -1 if killed. */
int          bench_server_stop         (BenchServer         *server);
/* Copies the last @lines lines of the server's output to stderr. */
void         bench_server_print_log    (BenchServer         *server,
                                        guint                lines);
/* Stops it if still running, removes the temporary directory, frees. */
void         bench_server_free         (BenchServer         *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_free)

/* ---- latency statistics ---- */

/* A log-linear histogram of nanosecond values with 1/64 relative resolution (exact below
 * 128 ns) up to about 18 minutes. Plain data, so it can live in memory shared between
 * forked workers and their parent. */
#define BENCH_HIST_SUB 128
#define BENCH_HIST_BUCKETS (BENCH_HIST_SUB / 2 * 42)

typedef struct {
  guint64 count;
  gint64  max;
  guint32 buckets[BENCH_HIST_BUCKETS];
} BenchHist;

void   bench_hist_add        (BenchHist       *hist,
                              gint64           value_ns);
void   bench_hist_merge      (BenchHist       *dest,
                              const BenchHist *src);
/* The value below which @pct percent of the samples are, in milliseconds. */
double bench_hist_percentile (const BenchHist *hist,
                              double           pct);

/* Exact percentile of @n samples (sorts them), in milliseconds. */
double bench_samples_percentile (gint64 *samples,
                                 gsize   n,
                                 double  pct);

/* Anonymous memory shared with forked children; zeroed. */
gpointer bench_shared_alloc  (gsize            size);
void     bench_shared_free   (gpointer         mem,
                              gsize            size);

/* ---- forked workers, driven over pipes ---- */

typedef struct {
  guint32 cmd;
  guint32 arg;
  gint64  a;
  gint64  b;
  gint64  c;
  gint64  d;
} BenchCmd;

typedef struct {
  guint32 worker;
  guint32 ok;
  guint32 failed;
  guint32 closed;
  gint64  v[8];
  char    why[200];
} BenchReport;

typedef struct _BenchWorkers BenchWorkers;

/* Runs in the child; its return value is the child's exit status. */
typedef int (*BenchWorkerFunc) (guint    index,
                                int      cmd_fd,
                                int      report_fd,
                                gpointer user_data);

/* Forks @n workers, each pinned to @cpu unless @cpu < 0, running @func. */
BenchWorkers *bench_workers_spawn   (guint                 n,
                                     int                   cpu,
                                     BenchWorkerFunc       func,
                                     gpointer              user_data,
                                     GError              **error);
gboolean      bench_workers_send    (BenchWorkers         *workers,
                                     guint                 index,
                                     const BenchCmd       *cmd);
/* Waits for one report from every worker (reports[i] is worker i's). */
gboolean      bench_workers_collect (BenchWorkers         *workers,
                                     BenchReport          *reports,
                                     guint                 timeout_ms,
                                     GError              **error);
/* Closes the command pipes and reaps the workers (SIGKILL after @timeout_ms). Returns the
 * number of workers that did not exit with status 0. Frees @workers. */
guint         bench_workers_finish  (BenchWorkers         *workers,
                                     guint                 timeout_ms);

/* Worker side */
gboolean bench_worker_read_cmd (int                fd,
                                BenchCmd          *cmd);
void     bench_worker_report   (int                fd,
                                const BenchReport *report);

G_END_DECLS
