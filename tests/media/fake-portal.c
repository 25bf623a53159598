/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-portal.c: a fake xdg-desktop-portal ScreenCast for tests (see fake-portal.h) */

#include "config.h"

#include "fake-portal.h"

#include "confab-media.h"

#include <gst/gst.h>

#include <gio/gunixfdlist.h>
#include <sys/socket.h>
#include <unistd.h>


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
  return g_variant_new_parsed ("{'streams': <[(%u, {'source_type': <uint32 1>})]>}", (guint32) FAKE_PORTAL_NODE_ID);
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

FakePortal *
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

void
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
void
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
void
fake_portal_close_session (FakePortal *fake)
{
  g_main_context_invoke (fake->context, close_session_from_portal, fake);
}


FakeCounts
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

int
fake_portal_run_tests (const char *screen)
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (!confab_media_init (&error))
    {
      g_print ("1..0 # SKIP %s\n", error->message);
      return 0;
    }

  g_setenv ("CONFAB_SCREENCAST", "portal", TRUE);
  g_unsetenv ("CONFAB_SCREENSRC");
  g_setenv ("CONFAB_PORTAL_SCREENSRC", screen, TRUE);

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  status = g_test_run ();

  g_test_dbus_down (bus);

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
