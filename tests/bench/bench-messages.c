/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-messages.c: 1:1 contactMessage throughput and delivery latency through one
 * confab-server (issue 2 §8).
 *
 * 100 sender/receiver pairs (200 registered sessions) spread over forked load-generator
 * workers. Each sender pipelines contactMessage requests to its receiver with a bounded
 * window of requests in flight; the text carries a sequence number and the CLOCK_MONOTONIC
 * send time, so each receiver measures delivery latency and checks that every message
 * arrives exactly once and in order.
 *
 * Two timed phases: "saturated" (every sender keeps its window full: the most the server
 * delivers) and "paced" (the senders together offer a fixed rate, by default the target
 * 50,000/s: the latency a user sees at that load). With --messages the run is instead a
 * fixed count, as the smoke test in the unit suite does.
 *
 * Prints one machine-readable line on stdout, the story on stderr. Exits non-zero only if
 * the benchmark could not run or a message was refused, lost, duplicated or reordered.
 * In that line `deliveries_per_s` and `sat_*` are the saturated phase, `p50_ms`/`p99_ms`
 * (and `paced_*`) the paced one: a closed loop's latency is only its window over its
 * throughput (Little's law), so latency is measured at a fixed offered rate.
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

#define PROGRAM "bench-messages"

enum {
  CMD_CONNECT = 1,
  CMD_RUN,
  CMD_QUIT,
};

enum {
  MODE_SATURATE = 1,
  MODE_PACED,
  MODE_COUNT,
};

#define ACK_EVERY 256
#define NS_PER_S G_GINT64_CONSTANT (1000000000)
#define NS_PER_MS G_GINT64_CONSTANT (1000000)

typedef struct {
  guint16      port;
  const char  *api_key;
  guint        n_workers;
  guint        n_pairs;
  guint        window;
  guint        text_bytes;
  BenchHist   *hists;       /* shared, one per worker */
  gint64       generator_cpu_us;  /* parent only: the workers' CPU time at the last report */
  gboolean     pinned;            /* server on CPU 0, generator on CPU 1 */
} Config;

typedef struct {
  BenchConn sender;
  BenchConn receiver;
  guint     global;
  gint64    sent;          /* messages sent, over all phases */
  gint64    run_sent;      /* … in this phase */
  gint64    results;
  gint64    errors;
  gint64    received;      /* deliveries counted */
  gint64    last_n;        /* the highest message number delivered */
  gint64    last_seq;
  gint64    acked_seq;
  gint64    disorder;
  /* the counters when this phase began */
  gint64    base_sent;
  gint64    base_results;
  gint64    base_errors;
  gint64    base_received;
  gint64    base_disorder;
} Pair;

typedef struct {
  const Config *config;
  BenchLoop    *loop;
  int           report_fd;
  guint         index;
  Pair         *pairs;
  guint         n_pairs;
  guint         ready;
  guint         failed;
  guint         closed;
  guint         pending;
  gboolean      connecting;
  gboolean      quit;
  char         *why;
  guint32       nonce;
  GString      *buf;

  /* the phase being run */
  gboolean      running;
  guint         mode;
  gint64        t_start;
  gint64        t_measure;
  gint64        t_end;
  gint64        per_sender;  /* messages/s (paced) or messages (count) */
  gint64        in_window;
  gboolean      stopped_sending;
  gint64        drain_deadline;
  BenchHist    *hist;
} Worker;

/* ---- worker side -------------------------------------------------------------------- */

static void
worker_note (Worker     *w,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
worker_note (Worker     *w,
             const char *format,
             ...)
{
  va_list args;

  if (w->why != NULL)
    return;
  va_start (args, format);
  w->why = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
on_ready (BenchConn *conn,
          gpointer   user_data)
{
  Worker *w = user_data;

  w->ready++;
  w->pending--;
}

static void
on_closed (BenchConn *conn,
           gpointer   user_data)
{
  Worker *w = user_data;

  if (conn->state == BENCH_CONN_FAILED)
    {
      w->failed++;
      w->pending--;
    }
  else
    w->closed++;
  worker_note (w, "%s: %s", bench_conn_get_user_id (conn), conn->error ? conn->error : "closed");
}

static void
receiver_frame (Worker         *w,
                Pair           *pair,
                const BenchMsg *msg)
{
  gint64 now, n, t;

  if (!bench_span_equal (&msg->type, "contactMessage"))
    {
      if (bench_span_equal (&msg->type, "error"))
        worker_note (w, "receiver %u got error %.*s: %.*s", pair->global,
                     (int) msg->code.len, msg->code.p, (int) msg->message.len, msg->message.p);
      return;
    }

  now = bench_now_ns ();
  if (!msg->has_seq || msg->seq != pair->last_seq + 1)
    {
      pair->disorder++;
      worker_note (w, "receiver %u: seq %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
                   pair->global, msg->seq, pair->last_seq);
    }
  if (msg->has_seq)
    pair->last_seq = msg->seq;

  if (!bench_span_get_int (&msg->text, "n=", &n) || !bench_span_get_int (&msg->text, "t=", &t))
    {
      pair->disorder++;
      worker_note (w, "receiver %u: unexpected text %.*s", pair->global,
                   (int) MIN (msg->text.len, 80), msg->text.p);
      return;
    }
  pair->received++;
  if (n != pair->last_n + 1)
    {
      pair->disorder++;
      worker_note (w, "receiver %u: message %" G_GINT64_FORMAT " arrived after message %" G_GINT64_FORMAT,
                   pair->global, n, pair->last_n);
    }
  pair->last_n = MAX (pair->last_n, n);

  if (w->running)
    {
      if (t >= w->t_measure && t < w->t_end)
        bench_hist_add (w->hist, now - t);
      if (now >= w->t_measure && now < w->t_end)
        w->in_window++;
    }

  if (pair->last_seq - pair->acked_seq >= ACK_EVERY)
    {
      char ping[64];
      int len = g_snprintf (ping, sizeof ping, "{\"type\":\"ping\",\"ack\":%" G_GINT64_FORMAT "}",
                            pair->last_seq);

      bench_conn_send_text (&pair->receiver, ping, (gsize) len);
      pair->acked_seq = pair->last_seq;
    }
}

static void
sender_frame (Worker         *w,
              Pair           *pair,
              const BenchMsg *msg)
{
  if (bench_span_equal (&msg->type, "result"))
    pair->results++;
  else if (bench_span_equal (&msg->type, "error"))
    {
      pair->errors++;
      worker_note (w, "sender %u: error %.*s: %.*s", pair->global,
                   (int) msg->code.len, msg->code.p, (int) msg->message.len, msg->message.p);
    }
}

static void
on_frame (BenchConn      *conn,
          const BenchMsg *msg,
          gpointer        user_data)
{
  Worker *w = user_data;
  Pair *pair = conn->user_data;

  if (conn == &pair->receiver)
    receiver_frame (w, pair, msg);
  else
    sender_frame (w, pair, msg);
}

static void
sender_send (Worker *w,
             Pair   *pair,
             gint64  now)
{
  GString *buf = w->buf;
  gint64 n = ++pair->sent;
  gsize text_start;

  pair->run_sent++;
  g_string_truncate (buf, 0);
  g_string_append_printf (buf,
                          "{\"type\":\"contactMessage\",\"id\":%" G_GINT64_FORMAT ","
                          "\"to\":\"rcv-%u\",\"uuid\":\"%08x-%04x-4%03x-8%03x-%012" G_GINT64_MODIFIER "x\","
                          "\"text\":\"",
                          bench_conn_next_id (&pair->sender), pair->global,
                          w->nonce, pair->global & 0xffff, (guint) (n >> 48) & 0xfff, w->index & 0xfff,
                          n & G_GINT64_CONSTANT (0xffffffffffff));
  text_start = buf->len;
  g_string_append_printf (buf, "n=%" G_GINT64_FORMAT " t=%" G_GINT64_FORMAT " ", n, now);
  while (buf->len - text_start < w->config->text_bytes)
    g_string_append_c (buf, 'x');
  g_string_append (buf, "\"}");
  bench_conn_send_text (&pair->sender, buf->str, buf->len);
}

static void
worker_top_up (Worker *w)
{
  gint64 now = bench_now_ns ();
  guint window = w->config->window;
  guint i;

  if (now < w->t_start)
    return;
  if (w->mode != MODE_COUNT && now >= w->t_end)
    {
      w->stopped_sending = TRUE;
      return;
    }

  for (i = 0; i < w->n_pairs; i++)
    {
      Pair *pair = &w->pairs[i];
      gint64 target;

      if (pair->sender.state != BENCH_CONN_READY)
        continue;
      switch (w->mode)
        {
        case MODE_PACED:
          target = (now - w->t_start) * w->per_sender / NS_PER_S + 1;
          break;
        case MODE_COUNT:
          target = w->per_sender;
          break;
        case MODE_SATURATE:
        default:
          target = G_MAXINT64;
          break;
        }
      if (pair->run_sent < target && pair->sent - pair->results - pair->errors < window)
        {
          while (pair->run_sent < target && pair->sent - pair->results - pair->errors < window)
            sender_send (w, pair, now);
          /* write now, so the stamped time is the time it left */
          bench_loop_flush (w->loop);
          now = bench_now_ns ();
        }
    }

  if (w->mode == MODE_COUNT)
    {
      for (i = 0; i < w->n_pairs; i++)
        if (w->pairs[i].sender.state == BENCH_CONN_READY && w->pairs[i].run_sent < w->per_sender)
          return;
      w->stopped_sending = TRUE;
    }
}

static gboolean
worker_drained (Worker *w)
{
  guint i;

  for (i = 0; i < w->n_pairs; i++)
    {
      Pair *pair = &w->pairs[i];

      if (pair->sender.state != BENCH_CONN_READY || pair->receiver.state != BENCH_CONN_READY)
        continue;
      if (pair->results + pair->errors < pair->sent || pair->received < pair->sent)
        return FALSE;
    }
  return TRUE;
}

static void
worker_finish_run (Worker *w)
{
  BenchReport report = { 0 };
  struct rusage usage;
  guint i;

  report.worker = w->index;
  report.ok = w->ready - w->closed;
  report.failed = w->failed;
  report.closed = w->closed;
  for (i = 0; i < w->n_pairs; i++)
    {
      Pair *pair = &w->pairs[i];

      report.v[0] += pair->sent - pair->base_sent;
      report.v[1] += pair->results - pair->base_results;
      report.v[2] += pair->errors - pair->base_errors;
      report.v[3] += pair->received - pair->base_received;
      report.v[5] += pair->disorder - pair->base_disorder;
      report.v[6] += MAX (pair->sent - pair->received, 0);
      /* acknowledge everything, so the server may forget it */
      if (pair->receiver.state == BENCH_CONN_READY && pair->last_seq > pair->acked_seq)
        {
          char ping[64];
          int len = g_snprintf (ping, sizeof ping, "{\"type\":\"ping\",\"ack\":%" G_GINT64_FORMAT "}",
                                pair->last_seq);

          bench_conn_send_text (&pair->receiver, ping, (gsize) len);
          pair->acked_seq = pair->last_seq;
        }
    }
  report.v[4] = w->in_window;
  getrusage (RUSAGE_SELF, &usage);
  report.v[7] = (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 +
                usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  if (w->why != NULL)
    g_strlcpy (report.why, w->why, sizeof report.why);
  bench_worker_report (w->report_fd, &report);
  w->running = FALSE;
}

static void
on_command (int      fd,
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
      w->n_pairs = cmd.arg;
      w->pairs = g_new0 (Pair, w->n_pairs);
      for (i = 0; i < w->n_pairs; i++)
        {
          Pair *pair = &w->pairs[i];
          g_autofree char *sender_id = g_strdup_printf ("snd-%u", (guint) cmd.a + i);
          g_autofree char *receiver_id = g_strdup_printf ("rcv-%u", (guint) cmd.a + i);

          pair->global = (guint) cmd.a + i;
          bench_conn_init (&pair->sender, 0, pair);
          bench_conn_init (&pair->receiver, 1, pair);
          w->pending += 2;
          bench_conn_start (w->loop, &pair->receiver, receiver_id);
          bench_conn_start (w->loop, &pair->sender, sender_id);
        }
      w->connecting = TRUE;
      break;

    case CMD_RUN:
      w->running = TRUE;
      w->mode = cmd.arg;
      w->t_start = cmd.a;
      w->t_measure = cmd.b;
      w->t_end = cmd.c;
      w->per_sender = cmd.d;
      w->in_window = 0;
      w->stopped_sending = FALSE;
      w->drain_deadline = 0;
      w->hist = &w->config->hists[w->index];
      memset (w->hist, 0, sizeof *w->hist);
      for (i = 0; i < w->n_pairs; i++)
        {
          Pair *pair = &w->pairs[i];

          pair->run_sent = 0;
          pair->base_sent = pair->sent;
          pair->base_results = pair->results;
          pair->base_errors = pair->errors;
          pair->base_received = pair->received;
          pair->base_disorder = pair->disorder;
        }
      break;

    case CMD_QUIT:
      w->quit = TRUE;
      break;

    default:
      break;
    }
}

static int
message_worker (guint    index,
                int      cmd_fd,
                int      report_fd,
                gpointer user_data)
{
  const Config *config = user_data;
  BenchCallbacks callbacks = { on_ready, on_frame, on_closed };
  g_autofree char *source = g_strdup_printf ("127.0.0.%u", 2 + index);
  Worker w = { 0 };
  guint i;

  w.config = config;
  w.index = index;
  w.report_fd = report_fd;
  w.nonce = g_random_int ();
  w.buf = g_string_sized_new (256 + config->text_bytes);
  w.loop = bench_loop_new ("127.0.0.1", config->port, source, config->api_key, &callbacks, &w);
  bench_loop_watch_fd (w.loop, cmd_fd, on_command, &w);

  while (!w.quit)
    {
      int timeout = 100;

      if (w.connecting && w.pending == 0)
        {
          BenchReport report = { 0 };

          w.connecting = FALSE;
          report.worker = index;
          report.ok = w.ready;
          report.failed = w.failed;
          if (w.why != NULL)
            g_strlcpy (report.why, w.why, sizeof report.why);
          bench_worker_report (report_fd, &report);
        }

      if (w.running)
        {
          if (!w.stopped_sending)
            {
              worker_top_up (&w);
              timeout = 1;
            }
          if (w.stopped_sending)
            {
              gint64 now = bench_now_ns ();

              if (w.drain_deadline == 0)
                w.drain_deadline = now + 30 * NS_PER_S;
              if (worker_drained (&w) || now > w.drain_deadline)
                worker_finish_run (&w);
              timeout = 1;
            }
        }

      if (bench_loop_iterate (w.loop, timeout) < 0)
        break;
    }

  for (i = 0; i < w.n_pairs; i++)
    {
      bench_conn_clear (&w.pairs[i].sender);
      bench_conn_clear (&w.pairs[i].receiver);
    }
  g_free (w.pairs);
  g_free (w.why);
  g_string_free (w.buf, TRUE);
  bench_loop_free (w.loop);
  return 0;
}

/* ---- parent side -------------------------------------------------------------------- */

typedef struct {
  const char *name;
  gint64      sent;
  gint64      results;
  gint64      errors;
  gint64      delivered;
  gint64      in_window;
  gint64      disorder;
  gint64      lost;
  guint       dropped;
  double      seconds;
  double      per_s;
  double      p50;
  double      p99;
  double      p999;
  double      max;
  double      server_cpu_pct;
  double      generator_cpu_pct;
  double      server_core_pct;     /* everything on the server's CPU, softirq included */
  double      generator_core_pct;  /* everything on the generator's CPU */
  char       *why;
} Phase;

static gboolean
run_phase (BenchWorkers *workers,
           Config       *config,
           BenchServer  *server,
           guint         mode,
           gint64        warmup_ms,
           gint64        duration_ms,
           gint64        per_sender,
           Phase        *phase,
           GError      **error)
{
  g_autofree BenchReport *reports = g_new0 (BenchReport, config->n_workers);
  BenchHist *total = g_new0 (BenchHist, 1);
  gint64 t_start = bench_now_ns () + 50 * NS_PER_MS;
  gint64 t_measure = t_start + warmup_ms * NS_PER_MS;
  gint64 t_end = mode == MODE_COUNT ? G_MAXINT64 : t_measure + duration_ms * NS_PER_MS;
  gint64 gen_cpu_us = 0;
  double cpu_before, cpu_after;
  guint64 core_busy[2][2] = { { 0 } }, core_total[2][2] = { { 0 } };
  gint64 wall_start, wall_end;
  guint timeout_ms;
  guint i;

  cpu_before = bench_server_cpu_seconds (server);
  for (i = 0; i < 2 && config->pinned; i++)
    bench_cpu_ticks (i, &core_busy[i][0], &core_total[i][0]);
  wall_start = bench_now_ns ();
  for (i = 0; i < config->n_workers; i++)
    {
      BenchCmd cmd = { CMD_RUN, mode, t_start, t_measure, t_end, per_sender };

      bench_workers_send (workers, i, &cmd);
    }
  timeout_ms = (guint) (mode == MODE_COUNT ? 120000 : warmup_ms + duration_ms + 60000);
  if (!bench_workers_collect (workers, reports, timeout_ms, error))
    {
      g_free (total);
      return FALSE;
    }
  wall_end = bench_now_ns ();
  cpu_after = bench_server_cpu_seconds (server);
  for (i = 0; i < 2 && config->pinned; i++)
    bench_cpu_ticks (i, &core_busy[i][1], &core_total[i][1]);

  {
    const char *name = phase->name;

    memset (phase, 0, sizeof *phase);
    phase->name = name;
  }
  for (i = 0; i < config->n_workers; i++)
    {
      phase->sent += reports[i].v[0];
      phase->results += reports[i].v[1];
      phase->errors += reports[i].v[2];
      phase->delivered += reports[i].v[3];
      phase->in_window += reports[i].v[4];
      phase->disorder += reports[i].v[5];
      phase->lost += reports[i].v[6];
      phase->dropped += reports[i].closed;
      gen_cpu_us += reports[i].v[7];
      if (phase->why == NULL && reports[i].why[0] != '\0')
        phase->why = g_strdup (reports[i].why);
      bench_hist_merge (total, &config->hists[i]);
    }

  if (mode == MODE_COUNT)
    {
      phase->seconds = (double) (wall_end - t_start) / 1e9;
      phase->per_s = phase->seconds > 0 ? phase->delivered / phase->seconds : 0;
    }
  else
    {
      phase->seconds = (double) duration_ms / 1e3;
      phase->per_s = phase->in_window / phase->seconds;
    }
  phase->p50 = bench_hist_percentile (total, 50);
  phase->p99 = bench_hist_percentile (total, 99);
  phase->p999 = bench_hist_percentile (total, 99.9);
  phase->max = (double) total->max / 1e6;
  phase->server_cpu_pct = 100.0 * (cpu_after - cpu_before) / ((double) (wall_end - wall_start) / 1e9);
  /* the workers report their CPU time so far: this phase's share is the increase */
  phase->generator_cpu_pct = 100.0 * (double) (gen_cpu_us - config->generator_cpu_us) / 1e6 /
                             ((double) (wall_end - wall_start) / 1e9);
  config->generator_cpu_us = gen_cpu_us;
  if (config->pinned && core_total[0][1] > core_total[0][0] && core_total[1][1] > core_total[1][0])
    {
      phase->server_core_pct = 100.0 * (double) (core_busy[0][1] - core_busy[0][0]) /
                               (double) (core_total[0][1] - core_total[0][0]);
      phase->generator_core_pct = 100.0 * (double) (core_busy[1][1] - core_busy[1][0]) /
                                  (double) (core_total[1][1] - core_total[1][0]);
    }
  g_free (total);
  return TRUE;
}

static void
print_phase (const Phase *phase)
{
  g_printerr ("%s: %" G_GINT64_FORMAT " sent, %" G_GINT64_FORMAT " delivered (%.0f/s),"
              " latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms;"
              " server CPU %.0f%%, generator CPU %.0f%% (their cores busy %.0f%%, %.0f%%); %" G_GINT64_FORMAT " errors, %" G_GINT64_FORMAT " lost, %"
              G_GINT64_FORMAT " out of order\n",
              phase->name, phase->sent, phase->delivered, phase->per_s,
              phase->p50, phase->p99, phase->p999, phase->max, phase->server_cpu_pct,
              phase->generator_cpu_pct, phase->server_core_pct, phase->generator_core_pct, phase->errors, phase->lost, phase->disorder);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server_path = NULL;
  gint64 n_pairs = bench_env_int ("CONFAB_BENCH_PAIRS", 100);
  gint64 n_workers = bench_env_int ("CONFAB_BENCH_WORKERS", 1);
  gint64 window = bench_env_int ("CONFAB_BENCH_WINDOW", 32);
  gint64 duration_ms = bench_env_int ("CONFAB_BENCH_DURATION_MS", 5000);
  gint64 warmup_ms = bench_env_int ("CONFAB_BENCH_WARMUP_MS", 1000);
  gint64 rate = bench_env_int ("CONFAB_BENCH_RATE", 50000);
  gint64 n_messages = bench_env_int ("CONFAB_BENCH_MESSAGES", 0);
  gint64 text_bytes = bench_env_int ("CONFAB_BENCH_TEXT_BYTES", 64);
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "confab-server to run (default: $CONFAB_SERVER)", "PATH" },
    { "pairs", 0, 0, G_OPTION_ARG_INT64, &n_pairs, "Sender/receiver pairs (default 100)", "N" },
    { "workers", 0, 0, G_OPTION_ARG_INT64, &n_workers, "Generator processes (default 1: the generator has one core)", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT64, &window, "Requests in flight per sender (default 32)", "N" },
    { "duration-ms", 0, 0, G_OPTION_ARG_INT64, &duration_ms, "Measured time of each phase (default 5000)", "MS" },
    { "warmup-ms", 0, 0, G_OPTION_ARG_INT64, &warmup_ms, "Unmeasured time before it (default 1000)", "MS" },
    { "rate", 0, 0, G_OPTION_ARG_INT64, &rate, "Messages/s offered in the paced phase (default 50000; 0: skip it)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT64, &n_messages, "Send this many messages in all instead of timed phases", "N" },
    { "text-bytes", 0, 0, G_OPTION_ARG_INT64, &text_bytes, "Length of each message's text (default 64)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- 1:1 message throughput and latency of confab-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autofree char *exe = NULL;
  g_autofree BenchReport *reports = NULL;
  BenchWorkers *workers = NULL;
  Config config = { 0 };
  Phase saturated = { "saturated" }, paced = { "paced" }, counted = { "counted" };
  BenchSetup setup;
  guint64 ready = 0, failed = 0;
  g_autofree char *why = NULL;
  gboolean ran_ok = TRUE;
  int server_exit;
  guint i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bench_fail (PROGRAM, NULL, "%s", error->message);
  if (n_pairs < 1 || n_workers < 1 || window < 1 || duration_ms < 1 || warmup_ms < 0 ||
      rate < 0 || n_messages < 0 || text_bytes < 24 || text_bytes > 16000)
    return bench_fail (PROGRAM, NULL, "bad option value (see --help)");
  n_workers = MIN (n_workers, n_pairs);
  if (n_pairs * 2 / n_workers > 5000 || n_workers > 250)
    return bench_fail (PROGRAM, NULL, "at most 2500 pairs per worker and 250 workers");

  exe = bench_find_server_exe (server_path, &error);
  if (exe == NULL)
    return bench_fail (PROGRAM, NULL, "%s", error->message);

  bench_setup_init (&setup, PROGRAM);
  g_printerr ("bench-messages: %" G_GINT64_FORMAT " pairs in %" G_GINT64_FORMAT " workers, window %"
              G_GINT64_FORMAT ", %" G_GINT64_FORMAT "-byte texts, %s\n",
              n_pairs, n_workers, window, text_bytes,
              bench_setup_describe_cpus (&setup));

  server = bench_setup_start_server (&setup, exe, "10000000", &error);
  if (server == NULL)
    return bench_fail (PROGRAM, NULL, "could not start the server: %s", error->message);

  config.port = server->port;
  config.api_key = server->api_key;
  config.n_workers = (guint) n_workers;
  config.n_pairs = (guint) n_pairs;
  config.window = (guint) window;
  config.text_bytes = (guint) text_bytes;
  config.pinned = setup.server_cpu >= 0;
  config.hists = bench_shared_alloc (sizeof (BenchHist) * config.n_workers);

  workers = bench_workers_spawn (config.n_workers, setup.generator_cpu, message_worker, &config, &error);
  if (workers == NULL)
    {
      bench_shared_free (config.hists, sizeof (BenchHist) * config.n_workers);
      return bench_fail (PROGRAM, server, "could not start the load generator: %s", error->message);
    }

  reports = g_new0 (BenchReport, config.n_workers);
  for (i = 0; i < config.n_workers; i++)
    {
      BenchCmd cmd = { CMD_CONNECT, 0, 0, 0, 0, 0 };
      gint64 first = i * n_pairs / n_workers;
      gint64 next = (i + 1) * n_pairs / n_workers;

      cmd.arg = (guint32) (next - first);
      cmd.a = first;
      bench_workers_send (workers, i, &cmd);
    }
  if (!bench_workers_collect (workers, reports, 60000, &error))
    {
      ran_ok = FALSE;
      why = g_strdup (error->message);
      goto out;
    }
  for (i = 0; i < config.n_workers; i++)
    {
      ready += reports[i].ok;
      failed += reports[i].failed;
      if (why == NULL && reports[i].why[0] != '\0')
        why = g_strdup (reports[i].why);
    }
  g_printerr ("%" G_GUINT64_FORMAT " sessions registered, %" G_GUINT64_FORMAT " failed\n", ready, failed);
  if (failed > 0 || ready != (guint64) n_pairs * 2)
    {
      ran_ok = FALSE;
      goto out;
    }

  if (n_messages > 0)
    {
      gint64 per_sender = (n_messages + n_pairs - 1) / n_pairs;

      if (!run_phase (workers, &config, server, MODE_COUNT, 0, 0, per_sender, &counted, &error))
        {
          ran_ok = FALSE;
          why = g_strdup (error->message);
          goto out;
        }
      print_phase (&counted);
    }
  else
    {
      if (!run_phase (workers, &config, server, MODE_SATURATE, warmup_ms, duration_ms, 0, &saturated, &error))
        {
          ran_ok = FALSE;
          why = g_strdup (error->message);
          goto out;
        }
      print_phase (&saturated);
      if (rate > 0)
        {
          gint64 per_sender = MAX (rate / n_pairs, 1);

          if (!run_phase (workers, &config, server, MODE_PACED, warmup_ms, duration_ms, per_sender, &paced, &error))
            {
              ran_ok = FALSE;
              why = g_strdup (error->message);
              goto out;
            }
          print_phase (&paced);
        }
    }

out:
  for (i = 0; i < config.n_workers; i++)
    {
      BenchCmd cmd = { CMD_QUIT, 0, 0, 0, 0, 0 };

      bench_workers_send (workers, i, &cmd);
    }
  if (bench_workers_finish (workers, 10000) > 0)
    {
      ran_ok = FALSE;
      g_printerr ("some load-generator workers did not exit cleanly\n");
    }
  bench_shared_free (config.hists, sizeof (BenchHist) * config.n_workers);

  server_exit = bench_server_stop (server);
  if (server_exit != 0)
    g_printerr ("the server exited with status %d after SIGTERM (expected 0)\n", server_exit);

  {
    const Phase *phases[] = { &saturated, &paced, &counted };

    for (i = 0; i < G_N_ELEMENTS (phases); i++)
      {
        const Phase *p = phases[i];

        if (p->errors > 0 || p->lost > 0 || p->disorder > 0 || p->dropped > 0 || p->results + p->errors != p->sent)
          {
            ran_ok = FALSE;
            if (why == NULL && p->why != NULL)
              why = g_strdup (p->why);
          }
      }
  }

  if (n_messages > 0)
    g_print ("bench-messages pairs=%" G_GINT64_FORMAT " sessions=%" G_GUINT64_FORMAT " window=%" G_GINT64_FORMAT
             " text_bytes=%" G_GINT64_FORMAT " messages=%" G_GINT64_FORMAT " sent=%" G_GINT64_FORMAT
             " delivered=%" G_GINT64_FORMAT " deliveries_per_s=%.0f p50_ms=%.3f p99_ms=%.3f"
             " errors=%" G_GINT64_FORMAT " lost=%" G_GINT64_FORMAT " disorder=%" G_GINT64_FORMAT
             " server_exit=%d\n",
             n_pairs, ready, window, text_bytes, n_messages, counted.sent, counted.delivered,
             counted.per_s, counted.p50, counted.p99, counted.errors, counted.lost, counted.disorder,
             server_exit);
  else
    g_print ("bench-messages pairs=%" G_GINT64_FORMAT " sessions=%" G_GUINT64_FORMAT " window=%" G_GINT64_FORMAT
             " text_bytes=%" G_GINT64_FORMAT " duration_s=%.1f"
             " deliveries_per_s=%.0f sat_p50_ms=%.3f sat_p99_ms=%.3f sat_server_cpu_pct=%.0f"
             " sat_generator_cpu_pct=%.0f sat_server_core_pct=%.0f sat_generator_core_pct=%.0f"
             " paced_rate=%" G_GINT64_FORMAT " paced_deliveries_per_s=%.0f p50_ms=%.3f p99_ms=%.3f"
             " p999_ms=%.3f paced_server_cpu_pct=%.0f paced_generator_cpu_pct=%.0f"
             " sent=%" G_GINT64_FORMAT " delivered=%" G_GINT64_FORMAT " errors=%" G_GINT64_FORMAT
             " lost=%" G_GINT64_FORMAT " disorder=%" G_GINT64_FORMAT " server_exit=%d\n",
             n_pairs, ready, window, text_bytes, (double) duration_ms / 1e3,
             saturated.per_s, saturated.p50, saturated.p99, saturated.server_cpu_pct,
             saturated.generator_cpu_pct, saturated.server_core_pct, saturated.generator_core_pct,
             rate, paced.per_s, paced.p50, paced.p99, paced.p999, paced.server_cpu_pct,
             paced.generator_cpu_pct,
             saturated.sent + paced.sent, saturated.delivered + paced.delivered,
             saturated.errors + paced.errors, saturated.lost + paced.lost,
             saturated.disorder + paced.disorder, server_exit);

  g_free (saturated.why);
  g_free (paced.why);
  g_free (counted.why);

  if (!ran_ok)
    {
      g_printerr ("bench-messages: FAILED to run: %s\n", why ? why : "see above");
      bench_server_print_log (server, 30);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
