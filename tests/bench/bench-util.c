/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-util.c: server process, workers, clocks and statistics for the benchmarks */

#define G_LOG_DOMAIN "confab-bench"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "config.h"

#include "bench-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- process and clock -------------------------------------------------------------- */

gint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

void
bench_sleep_ms (guint ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

guint64
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return 0;
  if (rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
      getrlimit (RLIMIT_NOFILE, &rl);
    }
  return rl.rlim_cur;
}

void
bench_raise_priority (void)
{
  gint64 nice_value = -5;
  const char *env = g_getenv ("CONFAB_BENCH_NICE");

  if (env != NULL && *env != '\0' &&
      !g_ascii_string_to_signed (env, 10, -20, 19, &nice_value, NULL))
    g_printerr ("ignoring CONFAB_BENCH_NICE=%s: not a nice value\n", env);
  if (nice_value < getpriority (PRIO_PROCESS, 0) &&
      setpriority (PRIO_PROCESS, 0, (int) nice_value) < 0)
    g_printerr ("could not set nice %d (%s): running at normal priority\n",
                (int) nice_value, g_strerror (errno));
}

/* The CPUs we were given at start, before any pinning of our own: the numbering of
 * bench_pin_to_cpu() counts among them, even in a child of an already pinned parent. */
static const cpu_set_t *
initial_cpus (void)
{
  static cpu_set_t set;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      CPU_ZERO (&set);
      if (sched_getaffinity (0, sizeof set, &set) < 0)
        CPU_SET (0, &set);
      g_once_init_leave (&done, 1);
    }
  return &set;
}

guint
bench_n_cpus (void)
{
  return (guint) CPU_COUNT (initial_cpus ());
}

gboolean
bench_pin_to_cpu (pid_t pid,
                  guint cpu)
{
  const cpu_set_t *allowed = initial_cpus ();
  cpu_set_t set;
  guint i, seen = 0;

  for (i = 0; i < CPU_SETSIZE; i++)
    {
      if (!CPU_ISSET (i, allowed))
        continue;
      if (seen++ == cpu)
        {
          CPU_ZERO (&set);
          CPU_SET (i, &set);
          return sched_setaffinity (pid, sizeof set, &set) == 0;
        }
    }
  return FALSE;
}

gboolean
bench_cpu_ticks (guint    cpu,
                 guint64 *busy,
                 guint64 *total)
{
  const cpu_set_t *allowed = initial_cpus ();
  g_autofree char *contents = NULL;
  g_autofree char *prefix = NULL;
  g_auto(GStrv) fields = NULL;
  const char *line;
  guint i, seen = 0, id = G_MAXUINT;

  for (i = 0; i < CPU_SETSIZE && id == G_MAXUINT; i++)
    if (CPU_ISSET (i, allowed) && seen++ == cpu)
      id = i;
  if (id == G_MAXUINT || !g_file_get_contents ("/proc/stat", &contents, NULL, NULL))
    return FALSE;

  prefix = g_strdup_printf ("\ncpu%u ", id);
  line = strstr (contents, prefix);
  if (line == NULL)
    return FALSE;
  {
    const char *end = strchr (line + 1, '\n');
    g_autofree char *copy = g_strndup (line + strlen (prefix), end ? (gsize) (end - line) - strlen (prefix) : strlen (line));

    fields = g_strsplit (copy, " ", -1);
  }
  /* user nice system idle iowait irq softirq steal … */
  if (g_strv_length (fields) < 8)
    return FALSE;
  *total = 0;
  for (i = 0; i < 8; i++)
    *total += g_ascii_strtoull (fields[i], NULL, 10);
  *busy = *total - g_ascii_strtoull (fields[3], NULL, 10) - g_ascii_strtoull (fields[4], NULL, 10);
  return TRUE;
}

gint64
bench_env_int (const char *name,
               gint64      fallback)
{
  const char *value = g_getenv (name);
  gint64 v;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, &v, NULL))
    {
      g_printerr ("ignoring %s=%s: not a non-negative integer\n", name, value);
      return fallback;
    }
  return v;
}

/* ---- the server under test ---------------------------------------------------------- */

char *
bench_find_server_exe (const char  *explicit_path,
                       GError     **error)
{
  const char *path = explicit_path != NULL ? explicit_path : g_getenv ("CONFAB_SERVER");

  if (path == NULL || *path == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no confab-server: pass --server PATH or set CONFAB_SERVER");
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not an executable file", path);
      return NULL;
    }
  return g_strdup (path);
}

static guint16
find_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  guint16 port = 0;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return 0;
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
    port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static char *
random_hex (guint n_bytes)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n_bytes; i++)
    g_string_append_printf (s, "%02x", g_random_int_range (0, 256));
  return g_string_free (s, FALSE);
}

static gboolean
server_exited (BenchServer *server,
               int         *status)
{
  pid_t r;

  if (server->pid <= 0)
    return TRUE;
  r = waitpid (server->pid, status, WNOHANG);
  if (r == server->pid || (r < 0 && errno == ECHILD))
    {
      server->pid = 0;
      return TRUE;
    }
  return FALSE;
}

static char *
log_tail (BenchServer *server,
          guint        lines)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  gsize pos;
  guint found = 0;

  if (!g_file_get_contents (server->log_path, &contents, &len, NULL) || len == 0)
    return g_strdup ("(no output)");
  pos = len;
  if (contents[pos - 1] == '\n')
    pos--;
  while (pos > 0)
    {
      if (contents[pos - 1] == '\n' && ++found == lines)
        break;
      pos--;
    }
  return g_strdup (contents + pos);
}

BenchServer *
bench_server_start (const char          *exe,
                    int                  cpu,
                    const char * const  *extra_args,
                    GError             **error)
{
  g_autoptr(BenchServer) server = g_new0 (BenchServer, 1);
  guint attempt;

  server->exe = g_strdup (exe);
  server->api_key = random_hex (16);
  server->tmp_dir = g_dir_make_tmp ("confab-bench-XXXXXX", error);
  if (server->tmp_dir == NULL)
    return NULL;
  server->data_dir = g_build_filename (server->tmp_dir, "data", NULL);
  server->log_path = g_build_filename (server->tmp_dir, "server.log", NULL);
  if (g_mkdir (server->data_dir, 0700) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "mkdir %s: %s", server->data_dir, g_strerror (errno));
      return NULL;
    }

  for (attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      gint64 deadline;
      int status = 0;
      guint i;

      server->port = find_free_port ();
      g_ptr_array_add (argv, g_strdup (exe));
      g_ptr_array_add (argv, g_strdup ("--listen"));
      g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", server->port));
      g_ptr_array_add (argv, g_strdup ("--data-dir"));
      g_ptr_array_add (argv, g_strdup (server->data_dir));
      g_ptr_array_add (argv, g_strdup ("--api-key"));
      g_ptr_array_add (argv, g_strdup (server->api_key));
      for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (extra_args[i]));
      g_ptr_array_add (argv, NULL);

      fflush (stdout);
      fflush (stderr);
      server->pid = fork ();
      if (server->pid < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                       "fork: %s", g_strerror (errno));
          return NULL;
        }
      if (server->pid == 0)
        {
          int log_fd = open (server->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
          int null_fd = open ("/dev/null", O_RDONLY);

          if (cpu >= 0)
            bench_pin_to_cpu (0, (guint) cpu);
          bench_raise_nofile ();
          if (log_fd >= 0)
            {
              dup2 (log_fd, STDOUT_FILENO);
              dup2 (log_fd, STDERR_FILENO);
            }
          if (null_fd >= 0)
            dup2 (null_fd, STDIN_FILENO);
          execv (exe, (char **) argv->pdata);
          _exit (127);
        }

      deadline = bench_now_ns () + 15 * G_GINT64_CONSTANT (1000000000);
      while (bench_now_ns () < deadline)
        {
          if (server_exited (server, &status))
            break;
          if (bench_server_healthz (server) >= 0)
            return g_steal_pointer (&server);
          bench_sleep_ms (20);
        }

      if (server->pid > 0)
        {
          g_autofree char *tail = log_tail (server, 20);

          kill (server->pid, SIGKILL);
          waitpid (server->pid, NULL, 0);
          server->pid = 0;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "%s did not answer /healthz on port %u within 15 s; its output:\n%s",
                       exe, server->port, tail);
          return NULL;
        }

      if (attempt == 2)
        {
          g_autofree char *tail = log_tail (server, 20);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "%s exited (status %d) before it was ready; its output:\n%s",
                       exe, WIFEXITED (status) ? WEXITSTATUS (status) : -1, tail);
          return NULL;
        }
      /* perhaps someone took the port in between: try another */
    }

  g_assert_not_reached ();
  return NULL;
}

static gint64
read_status_kib (pid_t       pid,
                 const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, field);
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (field), NULL, 10);
}

gint64
bench_server_rss_kib (BenchServer *server)
{
  if (server->pid <= 0)
    return -1;
  return read_status_kib (server->pid, "VmRSS:");
}

double
bench_server_cpu_seconds (BenchServer *server)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (server->pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/stat", (int) server->pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  after = strrchr (contents, ')');
  if (after == NULL)
    return -1;
  /* after ") ": state(3) ppid(4) … utime(14) stime(15) */
  fields = g_strsplit (after + 2, " ", 16);
  if (g_strv_length (fields) < 14)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         (double) sysconf (_SC_CLK_TCK);
}

gint64
bench_server_healthz (BenchServer *server)
{
  struct sockaddr_in addr = { 0 };
  struct timeval tv = { 2, 0 };
  g_autofree char *request = NULL;
  char buf[4096];
  gsize len = 0;
  const char *body, *sessions;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  addr.sin_family = AF_INET;
  addr.sin_port = htons (server->port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      close (fd);
      return -1;
    }

  request = g_strdup_printf ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "Connection: close\r\n\r\n", server->port);
  if (send (fd, request, strlen (request), MSG_NOSIGNAL) != (ssize_t) strlen (request))
    {
      close (fd);
      return -1;
    }

  /* read until the JSON body is complete (or EOF, or the timeout) */
  for (;;)
    {
      ssize_t n = recv (fd, buf + len, sizeof buf - 1 - len, 0);

      if (n <= 0)
        break;
      len += (gsize) n;
      buf[len] = '\0';
      body = strstr (buf, "\r\n\r\n");
      if (body != NULL && strchr (body, '}') != NULL)
        break;
      if (len == sizeof buf - 1)
        break;
    }
  close (fd);
  buf[len] = '\0';

  if (!g_str_has_prefix (buf, "HTTP/1.1 200") && !g_str_has_prefix (buf, "HTTP/1.0 200"))
    return -1;
  body = strstr (buf, "\r\n\r\n");
  if (body == NULL)
    return -1;
  sessions = strstr (body, "\"sessions\"");
  if (sessions == NULL)
    return 0;
  sessions = strchr (sessions, ':');
  return sessions != NULL ? g_ascii_strtoll (sessions + 1, NULL, 10) : 0;
}

int
bench_server_stop (BenchServer *server)
{
  gint64 deadline;
  int status = 0;

  if (server->pid <= 0)
    return -1;
  kill (server->pid, SIGTERM);
  deadline = bench_now_ns () + 20 * G_GINT64_CONSTANT (1000000000);
  while (bench_now_ns () < deadline)
    {
      pid_t r = waitpid (server->pid, &status, WNOHANG);

      if (r == server->pid)
        {
          server->pid = 0;
          if (WIFEXITED (status))
            return WEXITSTATUS (status);
          return -1;
        }
      bench_sleep_ms (10);
    }
  kill (server->pid, SIGKILL);
  waitpid (server->pid, NULL, 0);
  server->pid = 0;
  return -1;
}

void
bench_server_print_log (BenchServer *server,
                        guint        lines)
{
  g_autofree char *tail = log_tail (server, lines);

  g_printerr ("--- last lines of the server's output ---\n%s\n---\n", tail);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
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
      g_dir_close (dir);
    }
  g_rmdir (path);
}

void
bench_server_free (BenchServer *server)
{
  if (server == NULL)
    return;
  if (server->pid > 0)
    {
      kill (server->pid, SIGKILL);
      waitpid (server->pid, NULL, 0);
    }
  if (server->tmp_dir != NULL && g_getenv ("CONFAB_BENCH_KEEP") == NULL)
    remove_tree (server->tmp_dir);
  g_free (server->exe);
  g_free (server->api_key);
  g_free (server->tmp_dir);
  g_free (server->data_dir);
  g_free (server->log_path);
  g_free (server);
}

/* ---- latency statistics ------------------------------------------------------------- */

#define HALF (BENCH_HIST_SUB / 2)

static guint
hist_index (gint64 v)
{
  guint shift;
  guint idx;

  if (v < 0)
    v = 0;
  if (v < BENCH_HIST_SUB)
    return (guint) v;
  /* shift so that v >> shift lands in [HALF, SUB) */
  shift = (guint) (63 - __builtin_clzll ((guint64) v)) - 6;
  idx = shift * HALF + (guint) (v >> shift);
  return MIN (idx, BENCH_HIST_BUCKETS - 1);
}

static double
hist_bucket_mid (guint idx)
{
  guint shift, m;

  if (idx < BENCH_HIST_SUB)
    return idx;
  shift = idx / HALF - 1;
  m = idx - shift * HALF;
  return ((double) ((guint64) m << shift) + (double) ((guint64) (m + 1) << shift)) / 2.0;
}

void
bench_hist_add (BenchHist *hist,
                gint64     value_ns)
{
  hist->buckets[hist_index (value_ns)]++;
  hist->count++;
  if (value_ns > hist->max)
    hist->max = value_ns;
}

void
bench_hist_merge (BenchHist       *dest,
                  const BenchHist *src)
{
  guint i;

  for (i = 0; i < BENCH_HIST_BUCKETS; i++)
    dest->buckets[i] += src->buckets[i];
  dest->count += src->count;
  dest->max = MAX (dest->max, src->max);
}

double
bench_hist_percentile (const BenchHist *hist,
                       double           pct)
{
  guint64 rank, seen = 0;
  guint i;

  if (hist->count == 0)
    return 0;
  rank = (guint64) ((pct / 100.0) * (double) hist->count + 0.999999);
  rank = CLAMP (rank, 1, hist->count);
  for (i = 0; i < BENCH_HIST_BUCKETS; i++)
    {
      seen += hist->buckets[i];
      if (seen >= rank)
        return MIN (hist_bucket_mid (i), (double) hist->max) / 1e6;
    }
  return (double) hist->max / 1e6;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

double
bench_samples_percentile (gint64 *samples,
                          gsize   n,
                          double  pct)
{
  gsize rank;

  if (n == 0)
    return 0;
  qsort (samples, n, sizeof (gint64), compare_gint64);
  rank = (gsize) ((pct / 100.0) * (double) n + 0.999999);
  rank = CLAMP (rank, 1, n);
  return (double) samples[rank - 1] / 1e6;
}

gpointer
bench_shared_alloc (gsize size)
{
  gpointer mem = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  if (mem == MAP_FAILED)
    g_error ("mmap of %" G_GSIZE_FORMAT " bytes: %s", size, g_strerror (errno));
  return mem;
}

void
bench_shared_free (gpointer mem,
                   gsize    size)
{
  if (mem != NULL)
    munmap (mem, size);
}

/* ---- forked workers ----------------------------------------------------------------- */

struct _BenchWorkers {
  guint  n;
  pid_t *pids;
  int   *cmd_fds;     /* parent writes */
  int   *report_fds;  /* parent reads */
};

static gboolean
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
read_all (int   fd,
          void *data,
          gsize len)
{
  char *p = data;

  while (len > 0)
    {
      ssize_t n = read (fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      if (n == 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

BenchWorkers *
bench_workers_spawn (guint             n,
                     int               cpu,
                     BenchWorkerFunc   func,
                     gpointer          user_data,
                     GError          **error)
{
  BenchWorkers *workers = g_new0 (BenchWorkers, 1);
  guint i, j;

  workers->pids = g_new0 (pid_t, n);
  workers->cmd_fds = g_new (int, n);
  workers->report_fds = g_new (int, n);
  for (i = 0; i < n; i++)
    workers->cmd_fds[i] = workers->report_fds[i] = -1;

  for (i = 0; i < n; i++)
    {
      int cmd_pipe[2], report_pipe[2];

      if (pipe2 (cmd_pipe, O_CLOEXEC) < 0 || pipe2 (report_pipe, O_CLOEXEC) < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "pipe: %s", g_strerror (errno));
          bench_workers_finish (workers, 1000);
          return NULL;
        }

      fflush (stdout);
      fflush (stderr);
      workers->pids[i] = fork ();
      if (workers->pids[i] < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "fork: %s", g_strerror (errno));
          close (cmd_pipe[0]);
          close (cmd_pipe[1]);
          close (report_pipe[0]);
          close (report_pipe[1]);
          workers->pids[i] = 0;
          bench_workers_finish (workers, 1000);
          return NULL;
        }
      if (workers->pids[i] == 0)
        {
          int status;

          /* the ends that belong to the parent, ours and the earlier workers' */
          close (cmd_pipe[1]);
          close (report_pipe[0]);
          for (j = 0; j < i; j++)
            {
              close (workers->cmd_fds[j]);
              close (workers->report_fds[j]);
            }
          if (cpu >= 0)
            bench_pin_to_cpu (0, (guint) cpu);
          bench_raise_nofile ();
          signal (SIGPIPE, SIG_IGN);
          /* every child inherited the parent's generator state */
          g_random_set_seed ((guint32) getpid () ^ (guint32) bench_now_ns ());
          status = func (i, cmd_pipe[0], report_pipe[1], user_data);
          /* _exit: the parent's stdio buffers and atexit handlers are not ours */
          _exit (status);
        }

      close (cmd_pipe[0]);
      close (report_pipe[1]);
      workers->cmd_fds[i] = cmd_pipe[1];
      workers->report_fds[i] = report_pipe[0];
      workers->n = i + 1;
    }

  return workers;
}

gboolean
bench_workers_send (BenchWorkers   *workers,
                    guint           index,
                    const BenchCmd *cmd)
{
  g_return_val_if_fail (index < workers->n, FALSE);
  return write_all (workers->cmd_fds[index], cmd, sizeof *cmd);
}

gboolean
bench_workers_collect (BenchWorkers  *workers,
                       BenchReport   *reports,
                       guint          timeout_ms,
                       GError       **error)
{
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, workers->n);
  g_autofree gboolean *done = g_new0 (gboolean, workers->n);
  gint64 deadline = bench_now_ns () + (gint64) timeout_ms * 1000000;
  guint remaining = workers->n;
  guint i;

  while (remaining > 0)
    {
      gint64 left = (deadline - bench_now_ns ()) / 1000000;
      int r;

      if (left <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "%u of %u load-generator workers did not report within %u ms",
                       remaining, workers->n, timeout_ms);
          return FALSE;
        }
      for (i = 0; i < workers->n; i++)
        {
          fds[i].fd = done[i] ? -1 : workers->report_fds[i];
          fds[i].events = POLLIN;
          fds[i].revents = 0;
        }
      r = poll (fds, workers->n, (int) MIN (left, 1000));
      if (r < 0 && errno != EINTR)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "poll: %s", g_strerror (errno));
          return FALSE;
        }
      for (i = 0; r > 0 && i < workers->n; i++)
        {
          if (done[i] || fds[i].revents == 0)
            continue;
          if (!read_all (workers->report_fds[i], &reports[i], sizeof reports[i]))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                           "load-generator worker %u died", i);
              return FALSE;
            }
          done[i] = TRUE;
          remaining--;
        }
    }
  return TRUE;
}

guint
bench_workers_finish (BenchWorkers *workers,
                      guint         timeout_ms)
{
  gint64 deadline = bench_now_ns () + (gint64) timeout_ms * 1000000;
  guint bad = 0;
  guint i;

  if (workers == NULL)
    return 0;

  for (i = 0; i < workers->n; i++)
    {
      if (workers->cmd_fds[i] >= 0)
        close (workers->cmd_fds[i]);
      if (workers->report_fds[i] >= 0)
        close (workers->report_fds[i]);
    }

  for (i = 0; i < workers->n; i++)
    {
      int status = 0;

      if (workers->pids[i] <= 0)
        continue;
      for (;;)
        {
          pid_t r = waitpid (workers->pids[i], &status, WNOHANG);

          if (r == workers->pids[i])
            break;
          if (r < 0 || bench_now_ns () > deadline)
            {
              kill (workers->pids[i], SIGKILL);
              waitpid (workers->pids[i], &status, 0);
              status = -1;
              break;
            }
          bench_sleep_ms (5);
        }
      if (status != 0)
        bad++;
    }

  g_free (workers->pids);
  g_free (workers->cmd_fds);
  g_free (workers->report_fds);
  g_free (workers);
  return bad;
}

gboolean
bench_worker_read_cmd (int       fd,
                       BenchCmd *cmd)
{
  return read_all (fd, cmd, sizeof *cmd);
}

void
bench_worker_report (int                fd,
                     const BenchReport *report)
{
  G_STATIC_ASSERT (sizeof (BenchReport) <= PIPE_BUF);
  write_all (fd, report, sizeof *report);
}
