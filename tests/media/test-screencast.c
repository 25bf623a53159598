/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-screencast.c: Wayland screen sharing through the ScreenCast portal, on a
 * private session bus where no portal runs: a clear error, no hang, nothing left */

#include "config.h"

#include "confab-media.h"
#include "confab-screencast.h"
#include "confab-stream.h"

#include <string.h>

static void
test_wanted (void)
{
  g_setenv ("CONFAB_SCREENCAST", "portal", TRUE);
  g_setenv ("DISPLAY", ":0", TRUE);
  g_assert_true (confab_screencast_is_wanted ());

  g_setenv ("CONFAB_SCREENCAST", "x11", TRUE);
  g_unsetenv ("DISPLAY");
  g_setenv ("WAYLAND_DISPLAY", "wayland-0", TRUE);
  g_assert_false (confab_screencast_is_wanted ());

  g_unsetenv ("CONFAB_SCREENCAST");
  g_assert_true (confab_screencast_is_wanted ());

  g_setenv ("DISPLAY", ":0", TRUE);
  g_assert_false (confab_screencast_is_wanted ());

  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  g_assert_false (confab_screencast_is_wanted ());
}

/* What confab_media_can_share_screen() says follows the same choice. */
static void
test_can_share (void)
{
  g_autoptr(GError) error = NULL;

  g_unsetenv ("CONFAB_SCREENSRC");

  g_setenv ("CONFAB_SCREENCAST", "portal", TRUE);
  g_assert_true (confab_media_can_share_screen (&error));
  g_assert_no_error (error);

  g_unsetenv ("CONFAB_SCREENCAST");
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  g_assert_false (confab_media_can_share_screen (&error));
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "portal"));
}

static void
test_not_started (void)
{
  g_autoptr(ConfabScreencast) screencast = confab_screencast_new ();
  g_autoptr(GError) error = NULL;
  GstElement *source;

  source = confab_screencast_create_source (screencast, &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE);
  g_assert_null (source);

  /* Closing a session that never started is harmless, twice too. */
  confab_screencast_close (screencast);
  confab_screencast_close (screencast);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (confab_screencast_start_finish (CONFAB_SCREENCAST (source), result, error));
  g_assert_nonnull (*error);
}

static void
test_no_portal_async (void)
{
  g_autoptr(ConfabScreencast) screencast = confab_screencast_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;

  confab_screencast_start_async (screencast, NULL, on_started, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "The screen-sharing portal is not available"));
  g_test_message ("%s", error->message);

  /* It can be asked again (e.g. after the user installed a portal). */
  g_assert_false (confab_screencast_start_sync (screencast, NULL, &again));
  g_assert_error (again, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
}

static void
test_cancelled (void)
{
  g_autoptr(ConfabScreencast) screencast = confab_screencast_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (confab_screencast_start_sync (screencast, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The public path: a screen stream with the portal forced fails clearly. */
static void
test_stream_no_portal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) stream = NULL;

  g_setenv ("CONFAB_SCREENCAST", "portal", TRUE);
  g_unsetenv ("CONFAB_SCREENSRC");

  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "The screen-sharing portal is not available"));
  g_assert_null (stream);
  g_clear_error (&error);

  /* Not forced: a Wayland session without X11 goes to the portal as well. */
  g_unsetenv ("CONFAB_SCREENCAST");
  g_unsetenv ("DISPLAY");
  g_setenv ("WAYLAND_DISPLAY", "wayland-confab-test", TRUE);
  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>}"), &error);
  g_assert_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "The screen-sharing portal is not available"));
  g_assert_null (stream);
  g_unsetenv ("WAYLAND_DISPLAY");

  /* A screen given as a pipeline description still wins over the portal. */
  g_clear_error (&error);
  stream = confab_stream_new_local (g_variant_new_parsed ("{'screen': <true>, 'audio': <false>, "
                                                          "'video-source': <'videotestsrc is-live=true'>}"),
                                    &error);
  g_assert_no_error (error);
  g_assert_true (confab_stream_get_is_screensharing (stream));
  confab_stream_release (stream);

  g_unsetenv ("CONFAB_SCREENCAST");
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

  /* A private session bus with no services on it: no portal. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  g_test_add_func ("/screencast/wanted", test_wanted);
  g_test_add_func ("/screencast/can-share", test_can_share);
  g_test_add_func ("/screencast/not-started", test_not_started);
  g_test_add_func ("/screencast/no-portal", test_no_portal_async);
  g_test_add_func ("/screencast/cancelled", test_cancelled);
  g_test_add_func ("/screencast/stream-no-portal", test_stream_no_portal);

  status = g_test_run ();

  g_test_dbus_down (bus);

  return status;
}
