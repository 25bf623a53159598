/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-call-signaling.c: the call state machine of libconfab (invitations, ringing,
 * accept, decline, cancel, hang-up, busy, timeouts, the end of a session) against a
 * scripted in-process server that routes call messages as docs/PROTOCOL.md §7 says,
 * and, with CONFAB_TEST_REAL_SERVER=1, against the real confab-server.
 * Every frame a client sends is checked with the codec. Calls here are signaling only
 * (CONFAB_CALL_MEDIA=none): media is test-call-media.c's. */

#define G_LOG_DOMAIN "test-call-signaling"

#include "config.h"

#include "confab.h"

#include "confab-call-router.h"
#include "confab-test-server.h"
#include "confab-wire.h"

#include <libsoup/soup.h>
#include <string.h>

/* the clients */

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the test did not finish in time");
  return G_SOURCE_REMOVE;
}

#define RUN_UNTIL(condition) \
  G_STMT_START { \
    guint timeout_id_ = g_timeout_add_seconds (20, on_timeout, NULL); \
    while (!(condition)) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (timeout_id_); \
  } G_STMT_END

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Where the calls go: the scripted router, or (CONFAB_TEST_REAL_SERVER=1) the real
 * confab-server. */
typedef struct
{
  Router           *router;
  ConfabTestServer *server;
  char             *url;
  char             *uri;
} Backend;

static Backend *
backend_new (void)
{
  Backend *backend = g_new0 (Backend, 1);

  if (g_strcmp0 (g_getenv ("CONFAB_TEST_REAL_SERVER"), "1") == 0)
    {
      backend->server = confab_test_server_new (NULL);
      backend->url = g_strdup (confab_test_server_get_url (backend->server));
      backend->uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (backend->server), NULL);
    }
  else
    {
      backend->router = router_new ();
      backend->url = g_strdup (backend->router->url);
      backend->uri = g_strdup ("apiKey:key");
    }

  return backend;
}

static void
backend_free (Backend *backend)
{
  g_clear_pointer (&backend->router, router_free);
  g_clear_pointer (&backend->server, confab_test_server_free);
  g_free (backend->url);
  g_free (backend->uri);
  g_free (backend);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Backend, backend_free)

static ConfabSession *
sign_in (Backend    *backend,
         const char *user_id)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new (backend->uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConfabSession *session;

  confab_register_information_set_server_url (info, backend->url);
  confab_register_information_set_user_id (info, user_id);
  confab_user_agent_register_async (user_agent, info, NULL, on_done, &result);
  RUN_UNTIL (result != NULL);
  session = confab_user_agent_register_finish (user_agent, result, &error);
  g_assert_no_error (error);

  return session;
}

static void
sign_out (ConfabSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_session_disconnect_async (session, NULL, on_done, &result);
  RUN_UNTIL (result != NULL);
  g_assert_true (confab_session_disconnect_finish (session, result, NULL));
}

/* Records what a session and its calls and invitations say, as one line. */
typedef struct
{
  ConfabSession                *session;
  GString                      *log;
  ConfabReceivedCallInvitation *invitation;   /* the last one */
  GPtrArray                    *calls;        /* calls watched */
  GPtrArray                    *custom_events;
  guint                         n_ended;
} Watch;

static void
on_call_status (ConfabCall *call,
                GParamSpec *pspec,
                Watch      *watch)
{
  static const char *names[] = { "waiting", "ringing", "ongoing", "ended" };

  g_string_append_printf (watch->log, "status:%s;", names[confab_call_get_status (call)]);
}

static void
on_call_accepted (ConfabCall *call,
                  Watch      *watch)
{
  g_string_append (watch->log, "accepted;");
}

static void
on_call_declined (ConfabCall *call,
                  const char *reason,
                  Watch      *watch)
{
  g_string_append_printf (watch->log, "declined(%s);", reason);
}

static void
on_call_hangup (ConfabCall *call,
                const char *from,
                const char *reason,
                Watch      *watch)
{
  g_string_append_printf (watch->log, "hangup(%s,%s);", from, reason);
}

static void
on_call_error (ConfabCall   *call,
               const GError *error,
               Watch        *watch)
{
  g_string_append_printf (watch->log, "error(%d);", error->code);
}

static void
watch_call (Watch      *watch,
            ConfabCall *call)
{
  g_ptr_array_add (watch->calls, g_object_ref (call));
  g_signal_connect (call, "notify::status", G_CALLBACK (on_call_status), watch);
  g_signal_connect (call, "accepted", G_CALLBACK (on_call_accepted), watch);
  g_signal_connect (call, "declined", G_CALLBACK (on_call_declined), watch);
  g_signal_connect (call, "hangup", G_CALLBACK (on_call_hangup), watch);
  g_signal_connect (call, "error", G_CALLBACK (on_call_error), watch);
}

static void
on_invitation_cancelled (ConfabReceivedCallInvitation *invitation,
                         const char                   *reason,
                         Watch                        *watch)
{
  g_string_append_printf (watch->log, "cancelled(%s);", reason);
}

static void
on_incoming_call (ConfabSession                *session,
                  ConfabReceivedCallInvitation *invitation,
                  Watch                        *watch)
{
  static const char *media[] = { "audio", "video", "screen" };

  g_string_append_printf (watch->log, "incoming(%s,%s);",
                          confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)),
                          media[confab_received_call_invitation_get_media (invitation)]);
  g_set_object (&watch->invitation, invitation);
  g_signal_connect (invitation, "cancelled", G_CALLBACK (on_invitation_cancelled), watch);
}

static void
on_call_ended (ConfabSession *session,
               ConfabCall    *call,
               Watch         *watch)
{
  watch->n_ended++;
  g_string_append (watch->log, "call-ended;");
}

static void
on_custom_event (ConfabSession *session,
                 ConfabContact *contact,
                 const char    *event,
                 JsonObject    *content,
                 Watch         *watch)
{
  g_ptr_array_add (watch->custom_events, g_strdup (event));
}

static Watch *
watch_new (ConfabSession *session)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->session = g_object_ref (session);
  watch->log = g_string_new (NULL);
  watch->calls = g_ptr_array_new_with_free_func (g_object_unref);
  watch->custom_events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (session, "incoming-call", G_CALLBACK (on_incoming_call), watch);
  g_signal_connect (session, "incoming-screen-sharing-call-invitation", G_CALLBACK (on_incoming_call), watch);
  g_signal_connect (session, "call-ended", G_CALLBACK (on_call_ended), watch);
  g_signal_connect (session, "custom-event", G_CALLBACK (on_custom_event), watch);
  return watch;
}

static void
watch_free (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->session, watch);
  for (guint i = 0; i < watch->calls->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (watch->calls, i), watch);
  if (watch->invitation != NULL)
    g_signal_handlers_disconnect_by_data (watch->invitation, watch);
  g_clear_object (&watch->invitation);
  g_ptr_array_unref (watch->calls);
  g_ptr_array_unref (watch->custom_events);
  g_object_unref (watch->session);
  g_string_free (watch->log, TRUE);
  g_free (watch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watch, watch_free)

static void
log_reset (Watch *watch)
{
  g_string_truncate (watch->log, 0);
}

static ConfabCall *
accept (ConfabReceivedCallInvitation *invitation,
        GError                      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_received_call_invitation_accept_async (invitation, NULL, NULL, on_done, &result);
  RUN_UNTIL (result != NULL);
  return confab_received_call_invitation_accept_finish (invitation, result, error);
}

/* A scene: alice, bob and, when asked, carol signed in on a fresh backend, each watched
 * from the moment it signed in. The tests take it as their fixture. */
typedef struct
{
  Backend       *backend;
  ConfabSession *alice;
  ConfabSession *bob;
  ConfabSession *carol;
  Watch         *alice_watch;
  Watch         *bob_watch;
  Watch         *carol_watch;
} Scene;

/* The number of users of a test: 1 (alice), 2 (and bob) or 3 (and carol). */
#define USERS(n) GUINT_TO_POINTER (n)

static void
sign_in_watched (Scene          *scene,
                 const char     *user_id,
                 ConfabSession **session,
                 Watch         **watch)
{
  *session = sign_in (scene->backend, user_id);
  *watch = watch_new (*session);
}

static void
scene_setup (Scene         *scene,
             gconstpointer  data)
{
  guint n_users = GPOINTER_TO_UINT (data);

  scene->backend = backend_new ();
  sign_in_watched (scene, "alice", &scene->alice, &scene->alice_watch);
  if (n_users >= 2)
    sign_in_watched (scene, "bob", &scene->bob, &scene->bob_watch);
  if (n_users >= 3)
    sign_in_watched (scene, "carol", &scene->carol, &scene->carol_watch);
}

/* Signs out whoever the test left signed in. */
static void
scene_teardown (Scene         *scene,
                gconstpointer  data)
{
  ConfabSession *sessions[] = { scene->alice, scene->bob, scene->carol };

  for (guint i = 0; i < G_N_ELEMENTS (sessions); i++)
    if (sessions[i] != NULL &&
        confab_session_get_state (sessions[i]) != CONFAB_SESSION_STATE_DISCONNECTED)
      sign_out (sessions[i]);

  g_clear_pointer (&scene->alice_watch, watch_free);
  g_clear_pointer (&scene->bob_watch, watch_free);
  g_clear_pointer (&scene->carol_watch, watch_free);
  g_clear_object (&scene->alice);
  g_clear_object (&scene->bob);
  g_clear_object (&scene->carol);
  g_clear_pointer (&scene->backend, backend_free);
}

/* @caller calls @callee (watched by @watch); the call must be placed. */
static ConfabCall *
place_call (ConfabSession   *caller,
            Watch           *watch,
            const char      *callee,
            ConfabCallMedia  media)
{
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  call = confab_contact_call (confab_session_get_or_create_contact (caller, callee), NULL, media, &error);
  g_assert_no_error (error);
  g_assert_nonnull (call);
  if (watch != NULL)
    watch_call (watch, call);
  return call;
}

/* @session may not call @callee: @code says why. */
static void
assert_call_refused (ConfabSession *session,
                     const char    *callee,
                     gint           code)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (confab_contact_call (confab_session_get_or_create_contact (session, callee), NULL,
                                      CONFAB_CALL_MEDIA_AUDIO, &error));
  g_assert_error (error, CONFAB_ERROR, code);
}

/* Accepting @invitation is too late now. */
static void
assert_accept_refused (ConfabReceivedCallInvitation *invitation)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (accept (invitation, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE);
}

/* alice calls bob and bob accepts: both calls ongoing */
static void
connect_call (Scene       *scene,
              ConfabCall **out_alice_call,
              ConfabCall **out_bob_call)
{
  g_autoptr(GError) error = NULL;
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *call;
  ConfabCall *answered;

  call = place_call (scene->alice, scene->alice_watch, "bob", CONFAB_CALL_MEDIA_AUDIO);
  g_assert_cmpint (confab_call_get_status (call), ==, CONFAB_CALL_STATUS_WAITING_FOR_CALLEE);
  g_assert_cmpint (confab_call_get_direction (call), ==, CONFAB_CALL_DIRECTION_OUTGOING);
  g_assert_true (confab_session_get_call (scene->alice, confab_call_get_id (call)) == call);

  /* the callee's client rings by itself */
  RUN_UNTIL (bob_watch->invitation != NULL && confab_call_get_status (call) == CONFAB_CALL_STATUS_RINGING);
  g_assert_cmpstr (confab_received_call_invitation_get_call_id (bob_watch->invitation), ==, confab_call_get_id (call));

  answered = accept (bob_watch->invitation, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answered);
  watch_call (bob_watch, answered);
  g_assert_cmpint (confab_call_get_status (answered), ==, CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpint (confab_call_get_direction (answered), ==, CONFAB_CALL_DIRECTION_INCOMING);
  g_assert_cmpstr (confab_call_get_id (answered), ==, confab_call_get_id (call));
  g_assert_nonnull (confab_call_get_start_time (answered));
  g_assert_false (confab_received_call_invitation_is_pending (bob_watch->invitation));

  RUN_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpstr (scene->alice_watch->log->str, ==, "status:ringing;status:ongoing;accepted;");
  g_assert_nonnull (confab_call_get_start_time (call));

  *out_alice_call = call;
  *out_bob_call = answered;
}

static guint
n_calls (ConfabSession *session)
{
  return g_list_model_get_n_items (confab_session_get_calls (session));
}

static void
test_accept_and_hang_up (Scene         *scene,
                         gconstpointer  data)
{
  Watch *alice_watch = scene->alice_watch;
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *alice_call, *bob_call;

  for (guint round = 0; round < 2; round++)
    {
      connect_call (scene, &alice_call, &bob_call);
      g_assert_cmpuint (n_calls (scene->alice), ==, 1);
      g_assert_cmpuint (n_calls (scene->bob), ==, 1);
      log_reset (alice_watch);
      log_reset (bob_watch);

      /* first round the caller hangs up, second round the callee */
      confab_call_hang_up (round == 0 ? alice_call : bob_call);
      RUN_UNTIL (confab_call_get_status (alice_call) == CONFAB_CALL_STATUS_ENDED &&
                 confab_call_get_status (bob_call) == CONFAB_CALL_STATUS_ENDED);
      if (round == 0)
        {
          g_assert_cmpstr (alice_watch->log->str, ==, "status:ended;hangup(local,Hangup_From_Caller);call-ended;");
          g_assert_cmpstr (bob_watch->log->str, ==, "status:ended;hangup(remote,Hangup_From_Caller);call-ended;");
        }
      else
        {
          g_assert_cmpstr (alice_watch->log->str, ==, "status:ended;hangup(remote,Hangup_From_Callee);call-ended;");
          g_assert_cmpstr (bob_watch->log->str, ==, "status:ended;hangup(local,Hangup_From_Callee);call-ended;");
        }
      g_assert_cmpuint (n_calls (scene->alice), ==, 0);
      g_assert_cmpuint (n_calls (scene->bob), ==, 0);
      /* an ended call stays known, and hanging up again does nothing */
      g_assert_true (confab_session_get_call (scene->bob, confab_call_get_id (bob_call)) == bob_call);
      confab_call_hang_up (alice_call);
      g_clear_object (&bob_watch->invitation);
      log_reset (alice_watch);
      log_reset (bob_watch);
    }
}

static void
test_decline (Scene         *scene,
              gconstpointer  data)
{
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *call;

  call = place_call (scene->alice, scene->alice_watch, "bob", CONFAB_CALL_MEDIA_VIDEO);
  RUN_UNTIL (bob_watch->invitation != NULL);
  g_assert_cmpstr (bob_watch->log->str, ==, "incoming(alice,video);");

  confab_received_call_invitation_decline (bob_watch->invitation, NULL);
  RUN_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_true (g_str_has_suffix (scene->alice_watch->log->str, "status:ended;declined(User_Refused_Call);call-ended;"));

  /* too late to accept now, and nothing changes */
  assert_accept_refused (bob_watch->invitation);
  g_assert_cmpuint (n_calls (scene->bob), ==, 0);
}

static void
test_busy (Scene         *scene,
           gconstpointer  data)
{
  Watch *bob_watch = scene->bob_watch;
  Watch *carol_watch = scene->carol_watch;
  ConfabCall *alice_call, *bob_call, *carol_call;

  confab_session_set_allow_multiple_calls (scene->bob, FALSE);
  connect_call (scene, &alice_call, &bob_call);
  log_reset (bob_watch);

  carol_call = place_call (scene->carol, carol_watch, "bob", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (confab_call_get_status (carol_call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpstr (carol_watch->log->str, ==, "status:ended;declined(User_Busy);call-ended;");
  /* bob never saw it, and his call goes on */
  g_assert_cmpstr (bob_watch->log->str, ==, "");
  g_assert_cmpint (confab_call_get_status (bob_call), ==, CONFAB_CALL_STATUS_ONGOING);

  /* bob may not start another call either */
  assert_call_refused (scene->bob, "carol", CONFAB_ERROR_WRONG_STATE);

  /* with multiple calls allowed, carol gets through */
  confab_session_set_allow_multiple_calls (scene->bob, TRUE);
  carol_call = place_call (scene->carol, NULL, "bob", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (confab_call_get_status (carol_call) == CONFAB_CALL_STATUS_RINGING);
  g_assert_cmpstr (bob_watch->log->str, ==, "incoming(carol,audio);");
}

static void
test_cancel_before_answer (Scene         *scene,
                           gconstpointer  data)
{
  Backend *backend = scene->backend;
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *call;

  call = place_call (scene->alice, scene->alice_watch, "bob", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_RINGING);

  confab_call_hang_up (call);
  g_assert_cmpint (confab_call_get_status (call), ==, CONFAB_CALL_STATUS_ENDED);
  RUN_UNTIL (!confab_received_call_invitation_is_pending (bob_watch->invitation));
  g_assert_cmpstr (bob_watch->log->str, ==, "incoming(alice,audio);cancelled(Hangup_From_Caller);");
  g_assert_cmpstr (scene->alice_watch->log->str, ==,
                   "status:ringing;status:ended;hangup(local,Hangup_From_Caller);call-ended;");
  /* the caller sent a cancel, not a hang-up */
  if (backend->router != NULL)
    g_assert_cmpstr (g_ptr_array_index (backend->router->received, backend->router->received->len - 1), ==, "callCancel");

  assert_accept_refused (bob_watch->invitation);
}

static void
test_unknown_contact (Scene         *scene,
                      gconstpointer  data)
{
  ConfabCall *call;

  call = place_call (scene->alice, scene->alice_watch, "nobody", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpstr (scene->alice_watch->log->str, ==, "error(9);status:ended;hangup(local,User_Not_Found);call-ended;");

  /* calling oneself fails at once */
  assert_call_refused (scene->alice, "alice", CONFAB_ERROR_NOT_ALLOWED);
}

static void
test_session_end_ends_calls (Scene         *scene,
                             gconstpointer  data)
{
  Watch *alice_watch = scene->alice_watch;
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *alice_call, *bob_call;

  connect_call (scene, &alice_call, &bob_call);
  /* and carol rings alice, unanswered */
  place_call (scene->carol, NULL, "alice", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (alice_watch->invitation != NULL);
  log_reset (alice_watch);
  log_reset (bob_watch);

  sign_out (scene->alice);
  g_assert_cmpint (confab_call_get_status (alice_call), ==, CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpstr (alice_watch->log->str, ==, "cancelled(disconnected);status:ended;hangup(local,disconnected);call-ended;");
  RUN_UNTIL (confab_call_get_status (bob_call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpstr (bob_watch->log->str, ==, "status:ended;hangup(remote,disconnected);call-ended;");
  g_assert_cmpuint (n_calls (scene->alice), ==, 0);
}

static void
test_timeouts (Scene         *scene,
               gconstpointer  data)
{
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *call;

  /* nobody answers (media that never connects: test-call-media.c) */
  g_setenv ("CONFAB_CALL_INVITE_TIMEOUT_MS", "200", TRUE);
  call = place_call (scene->alice, scene->alice_watch, "bob", CONFAB_CALL_MEDIA_AUDIO);
  RUN_UNTIL (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED);
  g_assert_cmpstr (scene->alice_watch->log->str, ==, "status:ringing;status:ended;declined(Timeout);call-ended;");
  RUN_UNTIL (!confab_received_call_invitation_is_pending (bob_watch->invitation));
  g_assert_cmpstr (bob_watch->log->str, ==, "incoming(alice,audio);cancelled(Timeout);");
  g_unsetenv ("CONFAB_CALL_INVITE_TIMEOUT_MS");
}

static void
test_mute_is_told (Scene         *scene,
                   gconstpointer  data)
{
  Backend *backend = scene->backend;
  Watch *bob_watch = scene->bob_watch;
  ConfabCall *alice_call, *bob_call;

  connect_call (scene, &alice_call, &bob_call);

  /* the call layer's own event is not an application custom event */
  confab_call_set_video_enabled (alice_call, FALSE);
  confab_call_set_video_enabled (alice_call, FALSE);  /* no change: not told again */
  confab_call_set_audio_enabled (alice_call, FALSE);
  confab_contact_send_custom_event_async (confab_session_get_or_create_contact (scene->alice, "bob"),
                                          "app.event", NULL, NULL, NULL, NULL);
  RUN_UNTIL (bob_watch->custom_events->len == 1);
  g_assert_cmpstr (g_ptr_array_index (bob_watch->custom_events, 0), ==, "app.event");
  if (backend->router != NULL)
    g_assert_cmpuint (backend->router->n_media_events, ==, 2);

  confab_call_hang_up (alice_call);
  RUN_UNTIL (confab_call_get_status (bob_call) == CONFAB_CALL_STATUS_ENDED);
}

static void
on_screen_call (ConfabSession  *session,
                ConfabCall     *call,
                ConfabCall    **out)
{
  *out = call;
}

/* A screen share from someone we are in a call with joins by itself; from anyone else
 * it is an invitation. */
static void
test_screen_share (Scene         *scene,
                   gconstpointer  data)
{
  Watch *bob_watch = scene->bob_watch;
  g_autoptr(GError) error = NULL;
  ConfabCall *alice_call, *bob_call, *share, *received = NULL;

  connect_call (scene, &alice_call, &bob_call);
  g_clear_object (&bob_watch->invitation);
  log_reset (bob_watch);
  g_signal_connect (scene->bob, "incoming-screen-sharing-call", G_CALLBACK (on_screen_call), &received);

  share = confab_contact_share_screen (confab_session_get_or_create_contact (scene->alice, "bob"), &error);
  g_assert_no_error (error);
  g_assert_cmpint (confab_call_get_media (share), ==, CONFAB_CALL_MEDIA_SCREEN);
  RUN_UNTIL (received != NULL && confab_call_get_status (share) == CONFAB_CALL_STATUS_ONGOING);
  g_assert_cmpstr (confab_call_get_id (received), ==, confab_call_get_id (share));
  g_assert_cmpint (confab_call_get_media (received), ==, CONFAB_CALL_MEDIA_SCREEN);
  g_assert_null (bob_watch->invitation);
  g_assert_cmpuint (n_calls (scene->bob), ==, 2);

  /* carol is in no call with bob: he is asked */
  g_assert_nonnull (confab_contact_share_screen (confab_session_get_or_create_contact (scene->carol, "bob"), &error));
  g_assert_no_error (error);
  RUN_UNTIL (bob_watch->invitation != NULL);
  g_assert_cmpint (confab_received_call_invitation_get_media (bob_watch->invitation), ==, CONFAB_CALL_MEDIA_SCREEN);

  g_signal_handlers_disconnect_by_data (scene->bob, &received);
}

static void
test_boxed_types (void)
{
  ConfabCallStats stats = { 0 };
  g_autoptr(ConfabCallStats) copy = NULL;
  g_autoptr(ConfabRecordInformation) info = NULL;
  GEnumClass *enum_class;

  stats.video_received.width = 320;
  stats.rtt = 0.004;
  stats.quality = CONFAB_CALL_QUALITY_GOOD;
  copy = confab_call_stats_copy (&stats);
  g_assert_cmpuint (copy->video_received.width, ==, 320);
  g_assert_cmpfloat (copy->rtt, ==, 0.004);
  g_assert_cmpint (copy->quality, ==, CONFAB_CALL_QUALITY_GOOD);

  info = confab_record_information_new ("/tmp/x.webm", 5 * G_TIME_SPAN_SECOND, CONFAB_RECORD_MODE_AUDIO_ONLY);
  g_assert_cmpstr (confab_record_information_get_path (info), ==, "/tmp/x.webm");
  g_assert_cmpuint (confab_record_information_get_duration (info), ==, 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (confab_record_information_get_mode (info), ==, CONFAB_RECORD_MODE_AUDIO_ONLY);

  enum_class = g_type_class_ref (CONFAB_TYPE_CALL_STATUS);
  g_assert_cmpstr (g_enum_get_value (enum_class, CONFAB_CALL_STATUS_RINGING)->value_nick, ==, "ringing");
  g_type_class_unref (enum_class);
  g_assert_true (G_TYPE_IS_BOXED (CONFAB_TYPE_CALL_STATS));
  g_assert_true (G_TYPE_IS_BOXED (CONFAB_TYPE_RECORD_INFORMATION));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("CONFAB_CALL_MEDIA", "none", TRUE);

  g_test_add_func ("/libconfab/call/boxed-types", test_boxed_types);
  g_test_add ("/libconfab/call/accept-and-hang-up", Scene, USERS (2), scene_setup, test_accept_and_hang_up, scene_teardown);
  g_test_add ("/libconfab/call/decline", Scene, USERS (2), scene_setup, test_decline, scene_teardown);
  g_test_add ("/libconfab/call/busy", Scene, USERS (3), scene_setup, test_busy, scene_teardown);
  g_test_add ("/libconfab/call/cancel-before-answer", Scene, USERS (2), scene_setup, test_cancel_before_answer, scene_teardown);
  g_test_add ("/libconfab/call/unknown-contact", Scene, USERS (1), scene_setup, test_unknown_contact, scene_teardown);
  g_test_add ("/libconfab/call/session-end", Scene, USERS (3), scene_setup, test_session_end_ends_calls, scene_teardown);
  g_test_add ("/libconfab/call/timeouts", Scene, USERS (2), scene_setup, test_timeouts, scene_teardown);
  g_test_add ("/libconfab/call/mute-is-told", Scene, USERS (2), scene_setup, test_mute_is_told, scene_teardown);
  g_test_add ("/libconfab/call/screen-share", Scene, USERS (3), scene_setup, test_screen_share, scene_teardown);

  return g_test_run ();
}
