/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-portal-call.c: screen-sharing calls through the real confab-server, the screen
 * asked for from a fake ScreenCast portal (fake-portal.c) on a private session bus:
 * the caller's main loop runs while the portal's dialog is open, cancelling leaves no
 * call, and the shared stream ends when the portal closes the session. */

#define G_LOG_DOMAIN "test-portal-call"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"
#include "fake-portal.h"

#include <string.h>

#define SCREEN "videotestsrc is-live=true pattern=ball"

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("still waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

/* A safety net against hangs, not a measurement. The tick wakes the loop up for
 * conditions that change on the fake portal's thread. */
#define WAIT_UNTIL(condition) \
  G_STMT_START { \
    guint ticks_ = 0; \
    guint tick_id_ = g_timeout_add (5, on_tick, &ticks_); \
    guint timeout_id_ = g_timeout_add_seconds (60, on_wait_timeout, (gpointer) #condition); \
    while (!(condition)) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (timeout_id_); \
    g_source_remove (tick_id_); \
  } G_STMT_END

typedef struct
{
  ConfabTestServer             *server;
  ConfabSession                *alice;
  ConfabSession                *bob;
  FakePortal                   *fake;
  ConfabReceivedCallInvitation *invitation;
} Fixture;

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
on_incoming_call (ConfabSession                *session,
                  ConfabReceivedCallInvitation *invitation,
                  Fixture                      *fixture)
{
  g_set_object (&fixture->invitation, invitation);
}

static void
on_ended (ConfabStream *stream,
          guint        *ended)
{
  (*ended)++;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->server = confab_test_server_new (NULL);
  fixture->alice = test_register_guest (fixture->server, "alice", "Alice");
  fixture->bob = test_register_guest (fixture->server, "bob", "Bob");
  fixture->fake = fake_portal_new (FALSE);
  g_signal_connect (fixture->bob, "incoming-call", G_CALLBACK (on_incoming_call), fixture);
  g_signal_connect (fixture->bob, "incoming-screen-sharing-call-invitation", G_CALLBACK (on_incoming_call), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_signal_handlers_disconnect_by_data (fixture->bob, fixture);
  test_disconnect (fixture->alice);
  test_disconnect (fixture->bob);
  g_clear_object (&fixture->invitation);
  g_clear_object (&fixture->alice);
  g_clear_object (&fixture->bob);
  g_clear_pointer (&fixture->fake, fake_portal_free);
  g_clear_pointer (&fixture->server, confab_test_server_free);
}

static guint
n_calls (ConfabSession *session)
{
  return g_list_model_get_n_items (confab_session_get_calls (session));
}

/* alice's confab_contact_share_screen_async() to bob completed with @result: her call. */
static ConfabCall *
share_screen_finish (Fixture      *fixture,
                     GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  ConfabCall *call = confab_contact_share_screen_finish (confab_session_get_or_create_contact (fixture->alice, "bob"),
                                                         result, &error);

  g_assert_no_error (error);
  return call;
}

/* bob accepts the call alice made; returns his side once hers is ongoing. */
static ConfabCall *
accept_call (Fixture    *fixture,
             ConfabCall *alice_call)
{
  g_autoptr(GAsyncResult) accepted = NULL;
  g_autoptr(GError) error = NULL;
  ConfabCall *bob_call;

  WAIT_UNTIL (fixture->invitation != NULL);
  confab_received_call_invitation_accept_async (fixture->invitation, NULL, NULL, on_done, &accepted);
  WAIT_UNTIL (accepted != NULL);
  bob_call = confab_received_call_invitation_accept_finish (fixture->invitation, accepted, &error);
  g_assert_no_error (error);
  WAIT_UNTIL (confab_call_get_status (alice_call) == CONFAB_CALL_STATUS_ONGOING);
  return bob_call;
}

/* @from hangs up; both sides end. */
static void
hang_up (ConfabCall *from,
         ConfabCall *alice_call,
         ConfabCall *bob_call)
{
  confab_call_hang_up (from);
  WAIT_UNTIL (confab_call_get_status (alice_call) == CONFAB_CALL_STATUS_ENDED &&
              confab_call_get_status (bob_call) == CONFAB_CALL_STATUS_ENDED);
}

/* alice shares her screen with bob: her main loop runs while she picks the screen;
 * bob receives a screen; when she stops sharing from the shell, her stream ends. */
static void
test_contact_share_screen (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ConfabCall) alice_call = NULL;
  g_autoptr(GPtrArray) published = NULL;
  ConfabCall *bob_call;
  ConfabStream *screen;
  guint ticks = 0, tick_id, ended = 0;

  fixture->fake->hold_start = TRUE;
  confab_contact_share_screen_async (confab_session_get_or_create_contact (fixture->alice, "bob"),
                                     NULL, on_done, &result);
  WAIT_UNTIL (fake_portal_counts (fixture->fake).start_calls == 1);

  /* The dialog is open: the loop goes on, and nothing is called yet. */
  tick_id = g_timeout_add (1, on_tick, &ticks);
  WAIT_UNTIL (ticks >= 5);
  g_source_remove (tick_id);
  g_assert_null (result);
  g_assert_cmpuint (n_calls (fixture->alice), ==, 0);
  g_assert_null (fixture->invitation);

  fake_portal_answer_start (fixture->fake);
  WAIT_UNTIL (result != NULL);
  alice_call = share_screen_finish (fixture, result);
  g_assert_nonnull (alice_call);
  g_assert_cmpint (confab_call_get_media (alice_call), ==, CONFAB_CALL_MEDIA_SCREEN);

  bob_call = accept_call (fixture, alice_call);
  g_assert_cmpint (confab_call_get_media (bob_call), ==, CONFAB_CALL_MEDIA_SCREEN);

  published = confab_call_get_published_streams (alice_call);
  g_assert_cmpuint (published->len, ==, 1);
  screen = g_ptr_array_index (published, 0);
  g_assert_true (confab_stream_get_is_screensharing (screen));
  g_signal_connect (screen, "ended", G_CALLBACK (on_ended), &ended);

  /* alice stops sharing from the shell. */
  fake_portal_close_session (fixture->fake);
  WAIT_UNTIL (ended == 1);
  g_assert_true (confab_stream_get_released (screen));
  g_signal_handlers_disconnect_by_data (screen, &ended);

  hang_up (alice_call, alice_call, bob_call);
}

/* alice cancels while the dialog is open: no call, the portal's session closed. */
static void
test_contact_share_screen_cancelled (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConfabContact *bob = confab_session_get_or_create_contact (fixture->alice, "bob");
  ConfabCall *call;

  fixture->fake->hold_start = TRUE;
  confab_contact_share_screen_async (bob, cancellable, on_done, &result);
  WAIT_UNTIL (fake_portal_counts (fixture->fake).start_calls == 1);
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (result != NULL);

  call = confab_contact_share_screen_finish (bob, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (call);
  g_assert_cmpuint (n_calls (fixture->alice), ==, 0);
  WAIT_UNTIL (fake_portal_counts (fixture->fake).open_sessions == 0);
  g_assert_cmpuint (fake_portal_counts (fixture->fake).session_closes, ==, 1);
  test_spin (200);
  g_assert_null (fixture->invitation);
}

/* In a call, the user cancels the portal's dialog: a clear CANCELLED, the call goes on. */
static void
test_call_share_screen_user_cancels (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) shared = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabCall) alice_call = NULL;
  ConfabCall *bob_call;

  /* A screen call to begin with, then a second screen the user refuses to pick. */
  confab_contact_share_screen_async (confab_session_get_or_create_contact (fixture->alice, "bob"),
                                     NULL, on_done, &result);
  WAIT_UNTIL (result != NULL);
  alice_call = share_screen_finish (fixture, result);
  bob_call = accept_call (fixture, alice_call);

  fixture->fake->start_response = 1;
  confab_call_share_screen_async (alice_call, NULL, on_done, &shared);
  WAIT_UNTIL (shared != NULL);
  g_assert_false (confab_call_share_screen_finish (alice_call, shared, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (confab_call_get_status (alice_call), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_status (bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  hang_up (bob_call, alice_call, bob_call);
  WAIT_UNTIL (fake_portal_counts (fixture->fake).open_sessions == 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/portal-call/contact-share-screen", Fixture, NULL,
              fixture_setup, test_contact_share_screen, fixture_teardown);
  g_test_add ("/portal-call/contact-share-screen-cancelled", Fixture, NULL,
              fixture_setup, test_contact_share_screen_cancelled, fixture_teardown);
  g_test_add ("/portal-call/call-share-screen-user-cancels", Fixture, NULL,
              fixture_setup, test_call_share_screen_user_cancels, fixture_teardown);

  return fake_portal_run_tests (SCREEN);
}
