/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-portal.c: Wayland screen sharing against a fake xdg-desktop-portal ScreenCast
 * on a private session bus. The fake runs on its own thread and connection (as the
 * real portal runs in its own process) and speaks the portal's protocol: Request
 * objects answered with Response signals, a Session object closed with Close or by
 * the Closed signal, OpenPipeWireRemote handing over a socket. There is no PipeWire
 * here: CONFAB_PORTAL_SCREENSRC stands in for the pipewiresrc of the portal's node. */

#include "config.h"

#include "confab-media.h"
#include "confab-stream.h"

#include <gio/gunixfdlist.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A safety net against hangs, not a measurement. */
#define WAIT_SECONDS 60
#define NODE_ID 42
#define SCREEN "videotestsrc is-live=true pattern=ball"

/* The fake portal */

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.ScreenCast'>"
  "    <method name='CreateSession'>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='SelectSources'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='Start'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <method name='OpenPipeWireRemote'>"
  "      <arg type='o' name='session_handle' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='h' name='fd' direction='out'/>"
  "    </method>"
  "    <property name='AvailableSourceTypes' type='u' access='read'/>"
  "    <property name='AvailableCursorModes' type='u' access='read'/>"
  "    <property name='version' type='%s' access='read'/>"
  "  </interface>"
  "</node>";

static const char request_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Request'>"
  "    <method name='Close'/>"
  "    <signal name='Response'>"
  "      <arg type='u' name='response'/>"
  "      <arg type='a{sv}' name='results'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static const char session_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Session'>"
  "    <method name='Close'/>"
  "    <signal name='Closed'>"
  "      <arg type='a{sv}' name='details'/>"
  "    </signal>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "</node>";

typedef struct {
  /* set before the client starts, read on the fake's thread */
  gboolean          garbage_version;
  gboolean          hold_start;       /* withhold Start's Response until answered */
  guint             start_response;   /* 0 success, 1 the user cancelled, 2 failed */
  GVariant         *start_results;    /* NULL: one stream, NODE_ID */

  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  GDBusConnection  *connection;
  GDBusNodeInfo    *portal_info;
  GDBusNodeInfo    *request_info;
  GDBusNodeInfo    *session_info;
  guint             portal_id;

  /* shared with the test's thread */
  GMutex            lock;
  GCond             cond;
  gboolean          ready;
  GHashTable       *requests;         /* path → registration id */
  GHashTable       *sessions;         /* path → registration id */
  char             *client;           /* unique name of the client */
  char             *session_path;     /* the last session created */
  char             *held_request;
  guint             start_calls;
  guint             request_closes;
  guint             session_closes;
  guint             remotes_opened;
  GVariant         *select_options;
} FakePortal;

static void
fake_unregister (FakePortal *fake,
                 GHashTable *table,
                 const char *path)
{
  gpointer id;

  if (g_hash_table_lookup_extended (table, path, NULL, &id))
    {
      g_dbus_connection_unregister_object (fake->connection, GPOINTER_TO_UINT (id));
      g_hash_table_remove (table, path);
    }
}

static void
on_request_or_session_call (GDBusConnection       *connection,
                            const char            *sender,
                            const char            *object_path,
                            const char            *interface_name,
                            const char            *method_name,
                            GVariant              *parameters,
                            GDBusMethodInvocation *invocation,
                            gpointer               user_data)
{
  FakePortal *fake = user_data;

  g_mutex_lock (&fake->lock);
  if (g_str_equal (interface_name, "org.freedesktop.portal.Request"))
    {
      fake->request_closes++;
      fake_unregister (fake, fake->requests, object_path);
      if (g_strcmp0 (object_path, fake->held_request) == 0)
        g_clear_pointer (&fake->held_request, g_free);
    }
  else
    {
      fake->session_closes++;
      fake_unregister (fake, fake->sessions, object_path);
    }
  g_mutex_unlock (&fake->lock);

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
on_session_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *object_path,
                     const char       *interface_name,
                     const char       *property_name,
                     GError          **error,
                     gpointer          user_data)
{
  return g_variant_new_uint32 (1);
}

static const GDBusInterfaceVTable request_vtable = { on_request_or_session_call, NULL, NULL, { 0 } };
static const GDBusInterfaceVTable session_vtable = { on_request_or_session_call, on_session_property, NULL, { 0 } };

/* "/org/freedesktop/portal/desktop/request/1_42/TOKEN" for the client ":1.42". */
static char *
fake_object_path (const char *kind,
                  const char *sender,
                  const char *token)
{
  g_autofree char *escaped = g_strdup (sender + 1);

  g_strdelimit (escaped, ".", '_');
  return g_strdup_printf ("/org/freedesktop/portal/desktop/%s/%s/%s", kind, escaped, token);
}

/* Called with the lock held. */
static char *
fake_add_request (FakePortal *fake,
                  const char *sender,
                  GVariant   *options)
{
  const char *token = "fallback";
  char *path;
  guint id;

  g_variant_lookup (options, "handle_token", "&s", &token);
  path = fake_object_path ("request", sender, token);
  id = g_dbus_connection_register_object (fake->connection, path, fake->request_info->interfaces[0],
                                          &request_vtable, fake, NULL, NULL);
  g_assert_cmpuint (id, !=, 0);
  g_hash_table_insert (fake->requests, g_strdup (path), GUINT_TO_POINTER (id));

  return path;
}

/* Called with the lock held: answers a request and forgets it, as the portal does. */
static void
fake_respond (FakePortal *fake,
              const char *path,
              guint       response,
              GVariant   *results)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (fake->connection, fake->client, path,
                                 "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(u@a{sv})", response, results), &error);
  g_assert_no_error (error);
  fake_unregister (fake, fake->requests, path);
}

static GVariant *
default_start_results (void)
{
  return g_variant_new_parsed ("{'streams': <[(%u, {'source_type': <uint32 1>})]>}", (guint32) NODE_ID);
}

static void
on_portal_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  FakePortal *fake = user_data;
  g_autofree char *request = NULL;
  g_autoptr(GVariant) options = NULL;

  g_mutex_lock (&fake->lock);
  g_free (fake->client);
  fake->client = g_strdup (sender);

  if (g_str_equal (method_name, "CreateSession"))
    {
      const char *token = "session";
      guint id;

      g_variant_get (parameters, "(@a{sv})", &options);
      g_variant_lookup (options, "session_handle_token", "&s", &token);
      g_free (fake->session_path);
      fake->session_path = fake_object_path ("session", sender, token);
      id = g_dbus_connection_register_object (connection, fake->session_path, fake->session_info->interfaces[0],
                                              &session_vtable, fake, NULL, NULL);
      g_assert_cmpuint (id, !=, 0);
      g_hash_table_insert (fake->sessions, g_strdup (fake->session_path), GUINT_TO_POINTER (id));

      request = fake_add_request (fake, sender, options);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request));
      fake_respond (fake, request, 0,
                    g_variant_new_parsed ("{'session_handle': <%s>}", fake->session_path));
    }
  else if (g_str_equal (method_name, "SelectSources"))
    {
      g_variant_get (parameters, "(&o@a{sv})", NULL, &options);
      g_clear_pointer (&fake->select_options, g_variant_unref);
      fake->select_options = g_variant_ref (options);

      request = fake_add_request (fake, sender, options);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request));
      fake_respond (fake, request, 0, g_variant_new_parsed ("@a{sv} {}"));
    }
  else if (g_str_equal (method_name, "Start"))
    {
      g_variant_get (parameters, "(&o&s@a{sv})", NULL, NULL, &options);
      fake->start_calls++;

      request = fake_add_request (fake, sender, options);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request));
      if (fake->hold_start)
        {
          g_free (fake->held_request);
          fake->held_request = g_strdup (request);
        }
      else
        fake_respond (fake, request, fake->start_response,
                      fake->start_results != NULL ? fake->start_results
                                                  : default_start_results ());
    }
  else if (g_str_equal (method_name, "OpenPipeWireRemote"))
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      int pair[2];

      fake->remotes_opened++;
      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
      g_assert_cmpint (g_unix_fd_list_append (fds, pair[0], NULL), ==, 0);
      close (pair[0]);
      close (pair[1]);
      g_dbus_method_invocation_return_value_with_unix_fd_list (invocation, g_variant_new ("(h)", 0), fds);
    }
  else
    g_assert_not_reached ();

  g_mutex_unlock (&fake->lock);
}

static GVariant *
on_portal_property (GDBusConnection  *connection,
                    const char       *sender,
                    const char       *object_path,
                    const char       *interface_name,
                    const char       *property_name,
                    GError          **error,
                    gpointer          user_data)
{
  FakePortal *fake = user_data;

  if (g_str_equal (property_name, "version"))
    return fake->garbage_version ? g_variant_new_string ("four") : g_variant_new_uint32 (4);
  if (g_str_equal (property_name, "AvailableSourceTypes"))
    return g_variant_new_uint32 (1 | 2);
  if (g_str_equal (property_name, "AvailableCursorModes"))
    return g_variant_new_uint32 (1 | 2 | 4);

  g_assert_not_reached ();
}

static const GDBusInterfaceVTable portal_vtable = { on_portal_call, on_portal_property, NULL, { 0 } };

static gpointer
fake_thread (gpointer data)
{
  FakePortal *fake = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(GVariant) reply = NULL;
  GHashTableIter iter;
  gpointer id;

  g_main_context_push_thread_default (fake->context);

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fake->connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);

  xml = g_strdup_printf (portal_xml, fake->garbage_version ? "s" : "u");
  fake->portal_info = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  fake->request_info = g_dbus_node_info_new_for_xml (request_xml, &error);
  g_assert_no_error (error);
  fake->session_info = g_dbus_node_info_new_for_xml (session_xml, &error);
  g_assert_no_error (error);

  fake->portal_id = g_dbus_connection_register_object (fake->connection, "/org/freedesktop/portal/desktop",
                                                       fake->portal_info->interfaces[0], &portal_vtable,
                                                       fake, NULL, &error);
  g_assert_no_error (error);

  reply = g_dbus_connection_call_sync (fake->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.portal.Desktop", 4 /* do not queue */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  g_mutex_lock (&fake->lock);
  fake->ready = TRUE;
  g_cond_signal (&fake->cond);
  g_mutex_unlock (&fake->lock);

  g_main_loop_run (fake->loop);

  reply = g_dbus_connection_call_sync (fake->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ReleaseName",
                                       g_variant_new ("(s)", "org.freedesktop.portal.Desktop"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fake->lock);
  g_hash_table_iter_init (&iter, fake->requests);
  while (g_hash_table_iter_next (&iter, NULL, &id))
    g_dbus_connection_unregister_object (fake->connection, GPOINTER_TO_UINT (id));
  g_hash_table_iter_init (&iter, fake->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &id))
    g_dbus_connection_unregister_object (fake->connection, GPOINTER_TO_UINT (id));
  g_mutex_unlock (&fake->lock);
  g_dbus_connection_unregister_object (fake->connection, fake->portal_id);

  g_dbus_connection_close_sync (fake->connection, NULL, NULL);
  g_clear_object (&fake->connection);

  /* Registrations free their data from idles on this context. */
  while (g_main_context_iteration (fake->context, FALSE))
    ;
  g_main_context_pop_thread_default (fake->context);

  return NULL;
}

static FakePortal *
fake_portal_new (gboolean garbage_version)
{
  FakePortal *fake = g_new0 (FakePortal, 1);

  fake->garbage_version = garbage_version;
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->cond);
  fake->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);

  fake->thread = g_thread_new ("fake-portal", fake_thread, fake);
  g_mutex_lock (&fake->lock);
  while (!fake->ready)
    g_cond_wait (&fake->cond, &fake->lock);
  g_mutex_unlock (&fake->lock);

  return fake;
}

static gboolean
quit_fake (gpointer data)
{
  FakePortal *fake = data;

  g_main_loop_quit (fake->loop);
  return G_SOURCE_REMOVE;
}

static void
fake_portal_free (FakePortal *fake)
{
  g_main_context_invoke (fake->context, quit_fake, fake);
  g_thread_join (fake->thread);

  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_dbus_node_info_unref (fake->portal_info);
  g_dbus_node_info_unref (fake->request_info);
  g_dbus_node_info_unref (fake->session_info);
  g_hash_table_unref (fake->requests);
  g_hash_table_unref (fake->sessions);
  g_clear_pointer (&fake->start_results, g_variant_unref);
  g_clear_pointer (&fake->select_options, g_variant_unref);
  g_free (fake->client);
  g_free (fake->session_path);
  g_free (fake->held_request);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->cond);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakePortal, fake_portal_free)

static gboolean
answer_held_start (gpointer data)
{
  FakePortal *fake = data;

  g_mutex_lock (&fake->lock);
  g_assert_nonnull (fake->held_request);
  fake_respond (fake, fake->held_request, fake->start_response,
                fake->start_results != NULL ? fake->start_results : default_start_results ());
  g_clear_pointer (&fake->held_request, g_free);
  g_mutex_unlock (&fake->lock);

  return G_SOURCE_REMOVE;
}

/* The portal answers the Start it withheld (the user picked a screen). */
static void
fake_portal_answer_start (FakePortal *fake)
{
  g_main_context_invoke (fake->context, answer_held_start, fake);
}

static gboolean
close_session_from_portal (gpointer data)
{
  FakePortal *fake = data;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&fake->lock);
  g_assert_nonnull (fake->session_path);
  g_dbus_connection_emit_signal (fake->connection, fake->client, fake->session_path,
                                 "org.freedesktop.portal.Session", "Closed",
                                 g_variant_new_parsed ("(@a{sv} {},)"), &error);
  g_assert_no_error (error);
  fake_unregister (fake, fake->sessions, fake->session_path);
  g_mutex_unlock (&fake->lock);

  return G_SOURCE_REMOVE;
}

/* The portal closes the session (the user stopped sharing from the shell). */
static void
fake_portal_close_session (FakePortal *fake)
{
  g_main_context_invoke (fake->context, close_session_from_portal, fake);
}

typedef struct {
  guint start_calls;
  guint request_closes;
  guint session_closes;
  guint remotes_opened;
  guint open_requests;
  guint open_sessions;
} FakeCounts;

static FakeCounts
fake_portal_counts (FakePortal *fake)
{
  FakeCounts counts;

  g_mutex_lock (&fake->lock);
  counts.start_calls = fake->start_calls;
  counts.request_closes = fake->request_closes;
  counts.session_closes = fake->session_closes;
  counts.remotes_opened = fake->remotes_opened;
  counts.open_requests = g_hash_table_size (fake->requests);
  counts.open_sessions = g_hash_table_size (fake->sessions);
  g_mutex_unlock (&fake->lock);

  return counts;
}

/* Waiting on the test's main context */

typedef gboolean (*Condition) (gpointer data);

static gboolean
on_tick (gpointer data)
{
  guint *ticks = data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @condition holds. A tick keeps the loop waking up:
 * some conditions change on the fake portal's thread. */
static void
wait_for_full (Condition   condition,
               gpointer    data,
               const char *what)
{
  gboolean timed_out = FALSE;
  guint ticks = 0;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);
  guint tick_id = g_timeout_add (5, on_tick, &ticks);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick_id);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

#define wait_for(condition, data) wait_for_full ((condition), (data), #condition)

typedef struct {
  FakePortal   *fake;
  ConfabStream *stream;
  GError       *error;
  gboolean      done;
  guint         frames;
  guint         ended;
  guint         ticks;
} Context;

static void
context_clear (Context *ctx)
{
  if (ctx->stream != NULL)
    confab_stream_release (ctx->stream);
  g_clear_object (&ctx->stream);
  g_clear_error (&ctx->error);
}

static void
on_stream_created (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Context *ctx = user_data;

  g_assert_null (source);
  ctx->stream = confab_stream_new_local_finish (result, &ctx->error);
  g_assert_true ((ctx->stream == NULL) != (ctx->error == NULL));
  ctx->done = TRUE;
}

static void
new_screen_stream (Context      *ctx,
                   GCancellable *cancellable)
{
  confab_stream_new_local_async (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"),
                                 cancellable, on_stream_created, ctx);
  /* Never from within the call. */
  g_assert_false (ctx->done);
}

static gboolean
is_done (gpointer data)
{
  return ((Context *) data)->done;
}

static gboolean
start_was_called (gpointer data)
{
  Context *ctx = data;

  return fake_portal_counts (ctx->fake).start_calls > 0;
}

static gboolean
ticked_five_times (gpointer data)
{
  return ((Context *) data)->ticks >= 5;
}

static gboolean
has_three_frames (gpointer data)
{
  return ((Context *) data)->frames >= 3;
}

static gboolean
has_ended (gpointer data)
{
  return ((Context *) data)->ended > 0;
}

static gboolean
nothing_open (gpointer data)
{
  FakeCounts counts = fake_portal_counts (((Context *) data)->fake);

  return counts.open_requests == 0 && counts.open_sessions == 0;
}

static void
on_video_frame (ConfabStream *stream,
                GBytes       *pixels,
                int           width,
                int           height,
                int           stride,
                gpointer      user_data)
{
  Context *ctx = user_data;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, (gsize) stride * height);
  ctx->frames++;
}

static void
on_ended (ConfabStream *stream,
          gpointer      user_data)
{
  Context *ctx = user_data;

  ctx->ended++;
}

/* The main loop keeps running while the portal's dialog is open; then the screen
 * the user picked is captured and its frames flow. */
static void
test_async_start (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };
  FakeCounts counts;
  guint32 types = 0, cursor_mode = 0;
  guint tick_id;

  fake->hold_start = TRUE;
  new_screen_stream (&ctx, NULL);

  wait_for (start_was_called, &ctx);

  /* The dialog is open: the main context runs a timeout again and again meanwhile. */
  tick_id = g_timeout_add (1, on_tick, &ctx.ticks);
  wait_for (ticked_five_times, &ctx);
  g_source_remove (tick_id);
  g_assert_false (ctx.done);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.remotes_opened, ==, 0);
  g_assert_cmpuint (counts.open_sessions, ==, 1);

  fake_portal_answer_start (fake);
  wait_for (is_done, &ctx);
  g_assert_no_error (ctx.error);
  g_assert_nonnull (ctx.stream);
  g_assert_true (confab_stream_get_has_video (ctx.stream));
  g_assert_false (confab_stream_get_has_audio (ctx.stream));
  g_assert_true (confab_stream_get_is_screensharing (ctx.stream));

  /* What the portal was asked for: a monitor or a window, the cursor in the picture. */
  g_mutex_lock (&fake->lock);
  g_assert_true (g_variant_lookup (fake->select_options, "types", "u", &types));
  g_assert_true (g_variant_lookup (fake->select_options, "cursor_mode", "u", &cursor_mode));
  g_mutex_unlock (&fake->lock);
  g_assert_cmpuint (types, ==, 1 | 2);
  g_assert_cmpuint (cursor_mode, ==, 2);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 1);

  g_signal_connect (ctx.stream, "video-frame", G_CALLBACK (on_video_frame), &ctx);
  confab_stream_enable_video_frames (ctx.stream);
  wait_for (has_three_frames, &ctx);

  /* Releasing the stream closes the portal session. */
  confab_stream_release (ctx.stream);
  wait_for (nothing_open, &ctx);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.session_closes, ==, 1);

  context_clear (&ctx);
}

/* The user cancels in the dialog. */
static void
test_user_cancels (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_response = 1;
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ctx.stream);
  wait_for (nothing_open, &ctx);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 0);

  context_clear (&ctx);
}

/* The application cancels while the dialog is open: the dialog and the session close. */
static void
test_cancellable (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Context ctx = { fake };
  FakeCounts counts;

  fake->hold_start = TRUE;
  new_screen_stream (&ctx, cancellable);
  wait_for (start_was_called, &ctx);
  g_assert_false (ctx.done);

  g_cancellable_cancel (cancellable);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ctx.stream);

  wait_for (nothing_open, &ctx);
  counts = fake_portal_counts (fake);
  g_assert_cmpuint (counts.request_closes, ==, 1);
  g_assert_cmpuint (counts.session_closes, ==, 1);
  g_assert_cmpuint (counts.remotes_opened, ==, 0);

  context_clear (&ctx);
}

/* Cancelled before anything was asked: nothing reaches the portal. */
static void
test_cancelled_before (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Context ctx = { fake };

  g_cancellable_cancel (cancellable);
  new_screen_stream (&ctx, cancellable);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fake_portal_counts (fake).start_calls, ==, 0);

  context_clear (&ctx);
}

static Context *
start_shared_screen (FakePortal *fake)
{
  Context *ctx = g_new0 (Context, 1);

  ctx->fake = fake;
  new_screen_stream (ctx, NULL);
  wait_for (is_done, ctx);
  g_assert_no_error (ctx->error);
  g_signal_connect (ctx->stream, "ended", G_CALLBACK (on_ended), ctx);

  return ctx;
}

/* The user stops sharing from the shell: the portal closes the session. */
static void
test_portal_closes (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autofree Context *ctx = start_shared_screen (fake);

  g_assert_false (confab_stream_get_released (ctx->stream));
  fake_portal_close_session (fake);
  wait_for (has_ended, ctx);
  g_assert_cmpuint (ctx->ended, ==, 1);
  g_assert_true (confab_stream_get_released (ctx->stream));
  g_assert_cmpuint (fake_portal_counts (fake).open_sessions, ==, 0);

  context_clear (ctx);
  g_assert_cmpuint (ctx->ended, ==, 1);
}

/* The synchronous constructor still works (blocking), and the stream still ends when
 * the portal closes the session: the Closed signal is watched on the main context. */
static void
test_sync (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GError) error = NULL;
  Context ctx = { fake };

  ctx.stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"), &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_screensharing (ctx.stream));
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 1);
  g_signal_connect (ctx.stream, "ended", G_CALLBACK (on_ended), &ctx);

  fake_portal_close_session (fake);
  wait_for (has_ended, &ctx);
  g_assert_true (confab_stream_get_released (ctx.stream));

  context_clear (&ctx);
}

/* PipeWire stops the node: the source ends, and so does the stream. */
static void
test_source_ends (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autofree Context *ctx = NULL;

  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN " num-buffers=5", TRUE);
  ctx = start_shared_screen (fake);
  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN, TRUE);

  wait_for (has_ended, ctx);
  g_assert_true (confab_stream_get_released (ctx->stream));
  wait_for (nothing_open, ctx);
  g_assert_cmpuint (fake_portal_counts (fake).session_closes, ==, 1);

  context_clear (ctx);
}

/* The capture fails: the error is reported and the stream ends. */
static void
on_error (ConfabStream *stream,
          GError       *error,
          gpointer      user_data)
{
  GError **out = user_data;

  if (*out == NULL)
    *out = g_error_copy (error);
}

static void
test_source_fails (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree Context *ctx = NULL;

  /* A source that fails once it starts (as pipewiresrc does when the node is gone). */
  g_setenv ("CONFAB_PORTAL_SCREENSRC", "filesrc location=/nonexistent/confab-screen ! rawvideoparse", TRUE);
  ctx = start_shared_screen (fake);
  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN, TRUE);
  g_signal_connect (ctx->stream, "error", G_CALLBACK (on_error), &error);

  wait_for (has_ended, ctx);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_test_message ("%s", error->message);
  wait_for (nothing_open, ctx);
  g_assert_cmpuint (fake_portal_counts (fake).session_closes, ==, 1);

  context_clear (ctx);
}

typedef struct {
  const char *name;
  const char *results;
  const char *message;
} Garbage;

static const Garbage garbage[] = {
  { "no-streams", "@a{sv} {}", "no stream to capture" },
  { "streams-not-an-array", "{'streams': <'all of them'>}", "streams of type s" },
  { "streams-wrong-tuple", "{'streams': <[('42', 7)]>}", "streams of type a(si)" },
  { "streams-empty", "{'streams': <@a(ua{sv}) []>}", "no stream to capture" },
};

/* A portal answering nonsense: a clear error, nothing left open, no crash. */
static void
test_garbage (gconstpointer data)
{
  const Garbage *g = data;
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_results = g_variant_ref_sink (g_variant_new_parsed (g->results));
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_test_message ("%s", ctx.error->message);
  g_assert_nonnull (strstr (ctx.error->message, "invalid answer"));
  g_assert_nonnull (strstr (ctx.error->message, g->message));
  wait_for (nothing_open, &ctx);
  g_assert_cmpuint (fake_portal_counts (fake).remotes_opened, ==, 0);

  context_clear (&ctx);
}

static void
test_garbage_version (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (TRUE);
  Context ctx = { fake };

  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_assert_nonnull (strstr (ctx.error->message, "version of type s"));
  g_assert_cmpuint (fake_portal_counts (fake).open_sessions, ==, 0);

  context_clear (&ctx);
}

/* The portal fails (response 2). */
static void
test_portal_fails (void)
{
  g_autoptr(FakePortal) fake = fake_portal_new (FALSE);
  Context ctx = { fake };

  fake->start_response = 2;
  new_screen_stream (&ctx, NULL);
  wait_for (is_done, &ctx);

  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED);
  g_assert_nonnull (strstr (ctx.error->message, "response 2"));
  wait_for (nothing_open, &ctx);

  context_clear (&ctx);
}

/* Streams that need no portal complete from the main loop as well. */
static void
test_no_portal_needed (void)
{
  Context ctx = { NULL };

  confab_stream_new_local_async (g_variant_new_parsed ("{'audio': <false>, 'video-source': <%s>}", SCREEN),
                                 NULL, on_stream_created, &ctx);
  g_assert_false (ctx.done);
  wait_for (is_done, &ctx);
  g_assert_no_error (ctx.error);
  g_assert_true (confab_stream_get_has_video (ctx.stream));
  context_clear (&ctx);

  /* Bad options: the sync constructor's error, from the main loop too. */
  ctx.done = FALSE;
  confab_stream_new_local_async (g_variant_new_parsed ("{'colour': <'red'>}"), NULL, on_stream_created, &ctx);
  g_assert_false (ctx.done);
  wait_for (is_done, &ctx);
  g_assert_error (ctx.error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER);
  context_clear (&ctx);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  if (!confab_media_init (&error))
    {
      g_print ("1..0 # SKIP %s\n", error->message);
      return 0;
    }

  g_setenv ("CONFAB_SCREENCAST", "portal", TRUE);
  g_unsetenv ("CONFAB_SCREENSRC");
  g_setenv ("CONFAB_PORTAL_SCREENSRC", SCREEN, TRUE);

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  g_test_add_func ("/portal/async-start", test_async_start);
  g_test_add_func ("/portal/user-cancels", test_user_cancels);
  g_test_add_func ("/portal/cancellable", test_cancellable);
  g_test_add_func ("/portal/cancelled-before", test_cancelled_before);
  g_test_add_func ("/portal/portal-closes", test_portal_closes);
  g_test_add_func ("/portal/sync", test_sync);
  g_test_add_func ("/portal/source-ends", test_source_ends);
  g_test_add_func ("/portal/source-fails", test_source_fails);
  g_test_add_func ("/portal/portal-fails", test_portal_fails);
  g_test_add_func ("/portal/garbage/version", test_garbage_version);
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autofree char *path = g_strdup_printf ("/portal/garbage/%s", garbage[i].name);

      g_test_add_data_func (path, &garbage[i], test_garbage);
    }
  g_test_add_func ("/portal/no-portal-needed", test_no_portal_needed);

  status = g_test_run ();

  g_test_dbus_down (bus);

  return status;
}
