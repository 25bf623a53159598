/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-connections.c: how many idle registered sessions one confab-server holds, how fast
 * they are established, what each costs in server RSS, and whether an active client's
 * round trip stays flat while they are held (issue 2 §8).
 *
 * The parent starts the server (pinned to one CPU), forks load-generator workers (pinned to
 * the other, ≤ 5,000 connections each, each from its own 127.0.0.x source address) and
 * drives them over pipes; it measures ping → pong round trips itself on one more session.
 * Prints one machine-readable line on stdout, the story on stderr. Exits non-zero only if
 * the benchmark could not run (the server did not start, sessions failed or dropped).
 */

#define G_LOG_DOMAIN "confab-bench"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "config.h"

#include "bench-client.h"
#include "bench-setup.h"
#include "bench-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define PROGRAM "bench-connections"

enum {
  CMD_CONNECT = 1,
  CMD_CHECK,
  CMD_QUIT,
};

typedef struct {
  guint16      port;
  const char  *api_key;
  guint        n_workers;
  guint        concurrency;
} Config;

typedef struct {
  BenchLoop   *loop;
  int          report_fd;
  guint        index;
  BenchConn   *conns;
  guint        n_conns;
  guint        started;
  guint        pending;
  guint        ready;
  guint        failed;
  guint        closed;
  gboolean     connecting;
  gboolean     quit;
  char        *first_failure;
  char        *first_close;
} Worker;

/* ---- worker side -------------------------------------------------------------------- */

static void
on_worker_ready (BenchConn *conn,
                 gpointer   user_data)
{
  Worker *w = user_data;

  w->ready++;
  w->pending--;
}

static void
on_worker_frame (BenchConn      *conn,
                 const BenchMsg *msg,
                 gpointer        user_data)
{
  /* idle sessions expect nothing; anything that comes is ignored */
}

static void
on_worker_closed (BenchConn *conn,
                  gpointer   user_data)
{
  Worker *w = user_data;

  if (conn->state == BENCH_CONN_FAILED)
    {
      w->failed++;
      w->pending--;
      if (w->first_failure == NULL)
        w->first_failure = g_strdup_printf ("%s: %s", bench_conn_get_user_id (conn),
                                            conn->error ? conn->error : "failed");
    }
  else
    {
      w->closed++;
      if (w->first_close == NULL)
        w->first_close = g_strdup_printf ("%s: %s", bench_conn_get_user_id (conn),
                                          conn->error ? conn->error : "closed");
    }
}

static void
worker_send_report (Worker     *w,
                    const char *why)
{
  BenchReport report = { 0 };

  report.worker = w->index;
  report.ok = w->ready - w->closed;
  report.failed = w->failed;
  report.closed = w->closed;
  report.v[0] = bench_now_ns ();
  {
    struct rusage usage;

    getrusage (RUSAGE_SELF, &usage);
    report.v[1] = (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 +
                  usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  }
  if (why != NULL)
    g_strlcpy (report.why, why, sizeof report.why);
  bench_worker_report (w->report_fd, &report);
}

static void
on_worker_command (int      fd,
                   guint32  events,
                   gpointer user_data)
{
  Worker *w = user_data;
  BenchCmd cmd;
  guint i;

  if (!bench_worker_read_cmd (fd, &cmd))
    {
      w->quit = TRUE;
      return;
    }

  switch (cmd.cmd)
    {
    case CMD_CONNECT:
      w->n_conns = cmd.arg;
      w->conns = g_new0 (BenchConn, w->n_conns);
      for (i = 0; i < w->n_conns; i++)
        bench_conn_init (&w->conns[i], (guint) cmd.a + i, w);
      w->connecting = TRUE;
      break;

    case CMD_CHECK:
      worker_send_report (w, w->first_close ? w->first_close : w->first_failure);
      break;

    case CMD_QUIT:
      w->quit = TRUE;
      break;

    default:
      break;
    }
}

static int
conn_worker (guint    index,
             int      cmd_fd,
             int      report_fd,
             gpointer user_data)
{
  const Config *config = user_data;
  BenchCallbacks callbacks = { on_worker_ready, on_worker_frame, on_worker_closed };
  g_autofree char *source = g_strdup_printf ("127.0.0.%u", 2 + index);
  Worker w = { 0 };
  guint concurrency = config->concurrency;
  guint i;

  w.index = index;
  w.report_fd = report_fd;
  w.loop = bench_loop_new ("127.0.0.1", config->port, source, config->api_key, &callbacks, &w);
  bench_loop_watch_fd (w.loop, cmd_fd, on_worker_command, &w);

  while (!w.quit)
    {
      if (w.connecting)
        {
          while (w.started < w.n_conns && w.pending < concurrency)
            {
              BenchConn *conn = &w.conns[w.started++];
              g_autofree char *user_id = g_strdup_printf ("idle-%u", conn->index);

              w.pending++;
              bench_conn_start (w.loop, conn, user_id);
            }
          if (w.started == w.n_conns && w.pending == 0)
            {
              w.connecting = FALSE;
              worker_send_report (&w, w.first_failure);
            }
        }
      if (bench_loop_iterate (w.loop, 100) < 0)
        break;
    }

  for (i = 0; i < w.n_conns; i++)
    bench_conn_clear (&w.conns[i]);
  bench_loop_flush (w.loop);
  worker_send_report (&w, NULL);
  g_free (w.conns);
  g_free (w.first_failure);
  g_free (w.first_close);
  bench_loop_free (w.loop);
  return 0;
}

/* ---- the active client, in the parent ----------------------------------------------- */

typedef struct {
  gboolean  ready;
  gboolean  pong;
  gboolean  ended;
} Active;

static void
on_active_ready (BenchConn *conn,
                 gpointer   user_data)
{
  ((Active *) user_data)->ready = TRUE;
}

static void
on_active_frame (BenchConn      *conn,
                 const BenchMsg *msg,
                 gpointer        user_data)
{
  Active *a = user_data;

  if (bench_span_equal (&msg->type, "pong"))
    a->pong = TRUE;
}

static void
on_active_closed (BenchConn *conn,
                  gpointer   user_data)
{
  ((Active *) user_data)->ended = TRUE;
}

/* Measures @n ping → pong round trips (after a short warm-up); FALSE if the session ended
 * or a pong did not come within 10 s. */
static gboolean
measure_rtt (BenchLoop *loop,
             BenchConn *conn,
             Active    *active,
             gint64    *samples,
             guint      n)
{
  static const char ping[] = "{\"type\":\"ping\"}";
  guint warmup = MIN (n / 10, 200);
  guint i;

  for (i = 0; i < warmup + n; i++)
    {
      gint64 start, deadline;

      active->pong = FALSE;
      start = bench_now_ns ();
      deadline = start + 10 * G_GINT64_CONSTANT (1000000000);
      bench_conn_send_text (conn, ping, sizeof ping - 1);
      bench_loop_flush (loop);
      while (!active->pong && !active->ended)
        {
          if (bench_loop_iterate (loop, 100) < 0 || bench_now_ns () > deadline)
            return FALSE;
        }
      if (active->ended)
        return FALSE;
      if (i >= warmup)
        samples[i - warmup] = bench_now_ns () - start;
    }
  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Measures @rounds rounds of @n round trips, 50 ms apart, and gives the median over the
 * rounds of each round's p50 and p99, and the worst round's p99: a burst of some other
 * process's work on the machine spoils one round, not the figure. */
static gboolean
measure_rounds (BenchLoop  *loop,
                BenchConn  *conn,
                Active     *active,
                guint       n,
                guint       rounds,
                const char *label,
                double     *p50,
                double     *p99,
                double     *worst_p99)
{
  g_autofree gint64 *samples = g_new0 (gint64, n);
  g_autofree double *p50s = g_new0 (double, rounds);
  g_autofree double *p99s = g_new0 (double, rounds);
  g_autoptr(GString) list = g_string_new (NULL);
  guint r;

  for (r = 0; r < rounds; r++)
    {
      if (r > 0)
        bench_sleep_ms (50);
      if (!measure_rtt (loop, conn, active, samples, n))
        return FALSE;
      p50s[r] = bench_samples_percentile (samples, n, 50);
      p99s[r] = bench_samples_percentile (samples, n, 99);
      g_string_append_printf (list, "%s%.3f", r > 0 ? " " : "", p99s[r]);
    }
  *worst_p99 = p99s[0];
  for (r = 1; r < rounds; r++)
    *worst_p99 = MAX (*worst_p99, p99s[r]);
  qsort (p50s, rounds, sizeof (double), compare_double);
  qsort (p99s, rounds, sizeof (double), compare_double);
  *p50 = p50s[rounds / 2];
  *p99 = p99s[rounds / 2];
  g_printerr ("round trip with %s: p50 %.3f ms, p99 %.3f ms (median of %u rounds of %u;"
              " p99 of each round: %s ms)\n", label, *p50, *p99, rounds, n, list->str);
  return TRUE;
}

/* ---- main --------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server_path = NULL;
  gint64 n_sessions = bench_env_int ("CONFAB_BENCH_SESSIONS", 19000);
  gint64 per_worker = bench_env_int ("CONFAB_BENCH_PER_WORKER", 5000);
  gint64 n_rtt = bench_env_int ("CONFAB_BENCH_RTT_SAMPLES", 2000);
  gint64 n_rounds = bench_env_int ("CONFAB_BENCH_RTT_ROUNDS", 5);
  gint64 concurrency = bench_env_int ("CONFAB_BENCH_CONCURRENCY", 128);
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "confab-server to run (default: $CONFAB_SERVER)", "PATH" },
    { "sessions", 'n', 0, G_OPTION_ARG_INT64, &n_sessions, "Idle sessions to hold (default 19000, $CONFAB_BENCH_SESSIONS)", "N" },
    { "per-worker", 0, 0, G_OPTION_ARG_INT64, &per_worker, "Connections per generator process, at most 5000 ($CONFAB_BENCH_PER_WORKER)", "N" },
    { "rtt-samples", 0, 0, G_OPTION_ARG_INT64, &n_rtt, "Round trips in each round (default 2000)", "N" },
    { "rtt-rounds", 0, 0, G_OPTION_ARG_INT64, &n_rounds, "Rounds measured each time; the median is reported (default 5)", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT64, &concurrency, "Handshakes in flight per worker (default 128)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- idle sessions, RSS and round trips of confab-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autofree char *exe = NULL;
  g_autofree BenchReport *reports = NULL;
  BenchCallbacks active_callbacks = { on_active_ready, on_active_frame, on_active_closed };
  BenchWorkers *workers = NULL;
  BenchLoop *loop = NULL;
  BenchConn active_conn;
  Active active = { 0 };
  Config config = { 0 };
  BenchSetup setup;
  gint64 rss0, rss1, healthz, t_start, t_end, deadline;
  double cpu0, cpu1, p50_0 = 0, p99_0 = 0, p50_n = 0, p99_n = 0, worst_0 = 0, worst_n = 0, establish_s;
  double generator_cpu_s = 0, server_core_pct = 0, generator_core_pct = 0;
  guint64 core_busy[2][2] = { { 0 } }, core_total[2][2] = { { 0 } };
  guint64 ok = 0, failed = 0, alive = 0, closed = 0;
  const char *why = NULL;
  int server_exit;
  gboolean ran_ok = TRUE;
  guint i, n_workers, bad_workers;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bench_fail (PROGRAM, NULL, "%s", error->message);
  if (n_sessions < 0 || per_worker < 1 || per_worker > 5000 || n_rtt < 1 || n_rounds < 1 ||
      n_rounds > 100 || concurrency < 1)
    return bench_fail (PROGRAM, NULL, "need --sessions >= 0, 1 <= --per-worker <= 5000, --rtt-samples >= 1,"
                       " 1 <= --rtt-rounds <= 100, --concurrency >= 1");
  if ((n_sessions + per_worker - 1) / per_worker > 250)
    return bench_fail (PROGRAM, NULL, "too many sessions for the 127.0.0.2-251 source addresses");

  exe = bench_find_server_exe (server_path, &error);
  if (exe == NULL)
    return bench_fail (PROGRAM, NULL, "%s", error->message);

  bench_setup_init (&setup, PROGRAM);
  g_printerr ("bench-connections: %" G_GINT64_FORMAT " idle sessions, %" G_GINT64_FORMAT
              " per worker, fd limit %" G_GUINT64_FORMAT ", %s\n",
              n_sessions, per_worker, setup.nofile,
              bench_setup_describe_cpus (&setup));

  server = bench_setup_start_server (&setup, exe, "100000", &error);
  if (server == NULL)
    return bench_fail (PROGRAM, NULL, "could not start the server: %s", error->message);

  n_workers = (guint) ((n_sessions + per_worker - 1) / per_worker);
  config.port = server->port;
  config.api_key = server->api_key;
  config.n_workers = n_workers;
  config.concurrency = (guint) concurrency;
  if (n_workers > 0)
    {
      workers = bench_workers_spawn (n_workers, setup.generator_cpu, conn_worker, &config, &error);
      if (workers == NULL)
        return bench_fail (PROGRAM, server, "could not start the load generator: %s", error->message);
    }

  /* the active client: registered before the idle ones, measured with none, then with all */
  loop = bench_loop_new ("127.0.0.1", server->port, NULL, server->api_key, &active_callbacks, &active);
  bench_conn_init (&active_conn, 0, NULL);
  bench_conn_start (loop, &active_conn, "active");
  deadline = bench_now_ns () + 10 * G_GINT64_CONSTANT (1000000000);
  while (!active.ready && !active.ended && bench_now_ns () < deadline)
    bench_loop_iterate (loop, 100);
  if (!active.ready)
    {
      int r = bench_fail (PROGRAM, server, "the active client could not register: %s",
                          active_conn.error ? active_conn.error : "timed out");

      bench_conn_clear (&active_conn);
      bench_loop_free (loop);
      bench_workers_finish (workers, 2000);
      return r;
    }

  if (!measure_rounds (loop, &active_conn, &active, (guint) n_rtt, (guint) n_rounds,
                       "0 idle sessions", &p50_0, &p99_0, &worst_0))
    {
      ran_ok = FALSE;
      why = "round trips with no idle sessions failed";
    }

  bench_sleep_ms (200);
  rss0 = bench_server_rss_kib (server);
  cpu0 = bench_server_cpu_seconds (server);

  /* establish */
  reports = g_new0 (BenchReport, MAX (n_workers, 1));
  for (i = 0; i < 2 && setup.server_cpu >= 0; i++)
    bench_cpu_ticks (i, &core_busy[i][0], &core_total[i][0]);
  t_start = bench_now_ns ();
  for (i = 0; i < n_workers; i++)
    {
      BenchCmd cmd = { CMD_CONNECT, 0, 0, 0, 0, 0 };
      gint64 first = i * n_sessions / n_workers;
      gint64 next = (i + 1) * n_sessions / n_workers;

      cmd.arg = (guint32) (next - first);
      cmd.a = first;
      bench_workers_send (workers, i, &cmd);
    }
  if (n_workers > 0 &&
      !bench_workers_collect (workers, reports, (guint) MAX (120000, n_sessions * 20), &error))
    {
      int r = bench_fail (PROGRAM, server, "establishing sessions: %s", error->message);

      bench_conn_clear (&active_conn);
      bench_loop_free (loop);
      bench_workers_finish (workers, 2000);
      return r;
    }
  t_end = t_start;
  for (i = 0; i < n_workers; i++)
    {
      ok += reports[i].ok;
      failed += reports[i].failed;
      t_end = MAX (t_end, reports[i].v[0]);
      generator_cpu_s += (double) reports[i].v[1] / 1e6;
      if (why == NULL && reports[i].why[0] != '\0')
        why = g_intern_string (reports[i].why);
    }
  establish_s = (double) (t_end - t_start) / 1e9;
  cpu1 = bench_server_cpu_seconds (server);
  for (i = 0; i < 2 && setup.server_cpu >= 0; i++)
    bench_cpu_ticks (i, &core_busy[i][1], &core_total[i][1]);
  if (core_total[0][1] > core_total[0][0] && core_total[1][1] > core_total[1][0])
    {
      server_core_pct = 100.0 * (double) (core_busy[0][1] - core_busy[0][0]) /
                        (double) (core_total[0][1] - core_total[0][0]);
      generator_core_pct = 100.0 * (double) (core_busy[1][1] - core_busy[1][0]) /
                           (double) (core_total[1][1] - core_total[1][0]);
    }
  g_printerr ("established %" G_GUINT64_FORMAT " sessions in %.2f s (%.0f/s), %" G_GUINT64_FORMAT
              " failed; server CPU %.2f s, generator CPU %.2f s (their cores busy %.0f%%, %.0f%%)\n",
              ok, establish_s, establish_s > 0 ? ok / establish_s : 0, failed, cpu1 - cpu0,
              generator_cpu_s, server_core_pct, generator_core_pct);
  if (failed > 0)
    {
      ran_ok = FALSE;
      g_printerr ("first failure: %s\n", why);
    }

  /* let the server settle, then look at it */
  bench_sleep_ms (500);
  rss1 = bench_server_rss_kib (server);
  healthz = bench_server_healthz (server);
  g_printerr ("server RSS %" G_GINT64_FORMAT " KiB -> %" G_GINT64_FORMAT " KiB (%.2f KiB per session);"
              " /healthz says %" G_GINT64_FORMAT " sessions\n",
              rss0, rss1, ok > 0 ? (double) (rss1 - rss0) / ok : 0.0, healthz);

  {
    g_autofree char *label = g_strdup_printf ("%" G_GUINT64_FORMAT " idle sessions", ok);

    if (!measure_rounds (loop, &active_conn, &active, (guint) n_rtt, (guint) n_rounds,
                         label, &p50_n, &p99_n, &worst_n))
      {
        ran_ok = FALSE;
        why = "round trips with the idle sessions held failed";
      }
  }
  g_printerr ("p99 with them / p99 without: %.2f\n", p99_0 > 0 ? p99_n / p99_0 : 0.0);

  /* are they all still there? */
  for (i = 0; i < n_workers; i++)
    {
      BenchCmd cmd = { CMD_CHECK, 0, 0, 0, 0, 0 };

      bench_workers_send (workers, i, &cmd);
    }
  if (n_workers > 0 && !bench_workers_collect (workers, reports, 60000, &error))
    {
      ran_ok = FALSE;
      why = g_intern_string (error->message);
      g_clear_error (&error);
    }
  else
    {
      for (i = 0; i < n_workers; i++)
        {
          alive += reports[i].ok;
          closed += reports[i].closed;
          if (reports[i].closed > 0 && reports[i].why[0] != '\0')
            why = g_intern_string (reports[i].why);
        }
    }
  if (closed > 0 || alive != ok || active.ended)
    {
      ran_ok = FALSE;
      g_printerr ("%" G_GUINT64_FORMAT " sessions dropped: %s\n", closed, why ? why : "?");
    }

  for (i = 0; i < n_workers; i++)
    {
      BenchCmd cmd = { CMD_QUIT, 0, 0, 0, 0, 0 };

      bench_workers_send (workers, i, &cmd);
    }
  if (n_workers > 0 && !bench_workers_collect (workers, reports, 60000, &error))
    g_clear_error (&error);
  bad_workers = bench_workers_finish (workers, 10000);
  if (bad_workers > 0)
    {
      ran_ok = FALSE;
      g_printerr ("%u load-generator workers did not exit cleanly\n", bad_workers);
    }

  bench_conn_clear (&active_conn);
  bench_loop_free (loop);

  server_exit = bench_server_stop (server);
  if (server_exit != 0)
    g_printerr ("the server exited with status %d after SIGTERM (expected 0)\n", server_exit);

  g_print ("bench-connections sessions=%" G_GUINT64_FORMAT " target_sessions=%" G_GINT64_FORMAT
           " failed=%" G_GUINT64_FORMAT " alive=%" G_GUINT64_FORMAT " workers=%u"
           " establish_s=%.3f establish_per_s=%.0f"
           " server_rss_base_kib=%" G_GINT64_FORMAT " server_rss_kib=%" G_GINT64_FORMAT
           " rss_per_session_kib=%.2f healthz_sessions=%" G_GINT64_FORMAT
           " server_cpu_establish_s=%.2f generator_cpu_establish_s=%.2f"
           " server_core_busy_pct=%.0f generator_core_busy_pct=%.0f rtt_samples=%" G_GINT64_FORMAT
           " rtt_rounds=%" G_GINT64_FORMAT
           " rtt_idle0_p50_ms=%.3f rtt_idle0_p99_ms=%.3f rtt_p50_ms=%.3f rtt_p99_ms=%.3f"
           " rtt_p99_ratio=%.2f rtt_idle0_p99_worst_ms=%.3f rtt_p99_worst_ms=%.3f server_exit=%d\n",
           ok, n_sessions, failed, alive, n_workers,
           establish_s, establish_s > 0 ? ok / establish_s : 0,
           rss0, rss1, ok > 0 ? (double) (rss1 - rss0) / ok : 0.0, healthz,
           cpu1 - cpu0, generator_cpu_s, server_core_pct, generator_core_pct, n_rtt, n_rounds,
           p50_0, p99_0, p50_n, p99_n, p99_0 > 0 ? p99_n / p99_0 : 0.0, worst_0, worst_n,
           server_exit);

  if (!ran_ok || ok != (guint64) n_sessions)
    {
      g_printerr ("bench-connections: FAILED to run: %s\n", why ? why : "sessions missing");
      bench_server_print_log (server, 30);
      return EXIT_FAILURE;
    }
  if (server_exit != 0)
    bench_server_print_log (server, 30);
  return EXIT_SUCCESS;
}
