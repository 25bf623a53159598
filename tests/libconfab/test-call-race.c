/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-call-race.c: calls placed at the very moment a session signs in, resumes, gives up,
 * or has a twin, through the real confab-server, many times over (issue 3: a session that
 * had just signed in once saw no call event at all, and its cancel was refused with
 * WRONG_STATE: its cancel had crossed the callee's answer, /call-race/cancel-crosses-accept).
 *
 * Every round uses fresh guests (and fresh sessions of three accounts). Whatever the
 * timing, both sides must hear what the other did, and the caller's cancel (or hang-up)
 * must reach the callee: the server relays a cancel only when it accepted it, so a refused
 * cancel shows as an invitation that never ends. Calls are signaling only
 * (CONFAB_CALL_MEDIA=none).
 *
 * CONFAB_TEST_RACE_ROUNDS=N changes the number of rounds of each case. */

#define G_LOG_DOMAIN "test-call-race"

#include "config.h"

#include "confab-test-server.h"
#include "confab-test-util.h"

#include <string.h>

/* How long one step of a round may take before the round fails. */
#define STEP_TIMEOUT_MS 10000
/* Sanitized builds run several times slower: fewer rounds unless asked. */
#ifndef __has_feature
#define __has_feature(feature) 0
#endif
#if defined (__SANITIZE_ADDRESS__) || __has_feature (address_sanitizer)
#define DEFAULT_ROUNDS  15
#else
#define DEFAULT_ROUNDS  50
#endif
#define N_ACCOUNTS      3
#define PASSWORD        "race password"

static ConfabTestServer *server;
static char             *guest_uri;
static guint             n_rounds;

/* One side of a call: a session, and what it reported, in order. */
typedef struct _Party Party;
typedef void (*PartyFunc) (Party *party);

struct _Party
{
  char                         *name;          /* for messages: "caller-3" */
  guint                         round;
  char                         *user_id;
  char                         *uri;
  const char                   *password;
  const char                   *url;           /* NULL: the server's */
  ConfabSession                *session;
  GError                       *sign_in_error;
  gboolean                      signed_in;
  PartyFunc                     then;          /* run in the turn the sign-in completes */
  Party                        *peer;          /* whom @then calls */

  gboolean                      auto_accept;   /* accept in the turn the invitation arrives */
  const char                   *auto_decline;  /* decline so in the turn the invitation arrives */
  gboolean                      pong;          /* answers raw data "ping" to its user with "pong" */
  guint                         n_pongs;       /* "pong"s received */
  GPtrArray                    *invitations;   /* ConfabReceivedCallInvitation */
  ConfabCall                   *call;          /* the call this party placed */
  ConfabCall                   *answered;      /* the call this party accepted */
  GError                       *accept_error;
  gboolean                      accept_done;

  GString                      *in_log;        /* invitations: "incoming(bob);cancelled(…);" */
  GString                      *out_log;       /* the call placed: "ringing;accepted;…" */
  GString                      *answered_log;  /* the call accepted */
};

/* logs */

static void
on_call_status (ConfabCall *call,
                GParamSpec *pspec,
                GString    *log)
{
  static const char *names[] = { "waiting", "ringing", "ongoing", "ended" };

  g_string_append_printf (log, "%s;", names[confab_call_get_status (call)]);
}

static void
on_call_accepted (ConfabCall *call,
                  GString    *log)
{
  g_string_append (log, "accepted;");
}

static void
on_call_declined (ConfabCall *call,
                  const char *reason,
                  GString    *log)
{
  g_string_append_printf (log, "declined(%s);", reason);
}

static void
on_call_hangup (ConfabCall *call,
                const char *from,
                const char *reason,
                GString    *log)
{
  g_string_append_printf (log, "hangup(%s,%s);", from, reason);
}

static void
on_call_error (ConfabCall   *call,
               const GError *error,
               GString      *log)
{
  g_string_append_printf (log, "error(%d);", error->code);
}

static void
log_call (ConfabCall *call,
          GString    *log)
{
  g_signal_connect (call, "notify::status", G_CALLBACK (on_call_status), log);
  g_signal_connect (call, "accepted", G_CALLBACK (on_call_accepted), log);
  g_signal_connect (call, "declined", G_CALLBACK (on_call_declined), log);
  g_signal_connect (call, "hangup", G_CALLBACK (on_call_hangup), log);
  g_signal_connect (call, "error", G_CALLBACK (on_call_error), log);
}

static void
unlog_call (ConfabCall *call,
            GString    *log)
{
  if (call != NULL)
    g_signal_handlers_disconnect_by_data (call, log);
}

/* parties */

static Party *
party_new (const char *role,
           guint       round)
{
  Party *party = g_new0 (Party, 1);

  party->name = g_strdup_printf ("%s-%u", role, round);
  party->round = round;
  party->user_id = g_strdup_printf ("race-%s-%u-%08x", role, round, g_test_rand_int ());
  party->uri = g_strdup (guest_uri);
  party->invitations = g_ptr_array_new_with_free_func (g_object_unref);
  party->in_log = g_string_new (NULL);
  party->out_log = g_string_new (NULL);
  party->answered_log = g_string_new (NULL);
  return party;
}

/* A session of account @login (made by setup_accounts()). */
static Party *
party_new_account (const char *role,
                   guint       round,
                   const char *login)
{
  Party *party = party_new (role, round);

  g_free (party->user_id);
  party->user_id = g_strdup (login);
  g_free (party->uri);
  party->uri = g_strconcat ("confab:", login, NULL);
  party->password = PASSWORD;
  return party;
}

static void
on_disconnected (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  guint *n_left = user_data;

  g_assert_true (confab_session_disconnect_finish (CONFAB_SESSION (object), result, NULL));
  (*n_left)--;
}

static gboolean
none_left (gpointer data)
{
  return *(guint *) data == 0;
}

/* Signs every party out (at once) and frees them. */
static void
parties_free (Party **parties,
              guint   n)
{
  guint n_left = 0;

  for (guint i = 0; i < n; i++)
    if (parties[i]->session != NULL &&
        confab_session_get_state (parties[i]->session) != CONFAB_SESSION_STATE_DISCONNECTED)
      {
        n_left++;
        confab_session_disconnect_async (parties[i]->session, NULL, on_disconnected, &n_left);
      }
  confab_test_wait_until (none_left, &n_left, STEP_TIMEOUT_MS, "the sessions to sign out");

  for (guint i = 0; i < n; i++)
    {
      Party *party = parties[i];

      if (party->session != NULL)
        g_signal_handlers_disconnect_by_data (party->session, party);
      for (guint j = 0; j < party->invitations->len; j++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (party->invitations, j), party);
      unlog_call (party->call, party->out_log);
      unlog_call (party->answered, party->answered_log);
      g_clear_object (&party->call);
      g_clear_object (&party->answered);
      g_clear_object (&party->session);
      g_clear_error (&party->sign_in_error);
      g_clear_error (&party->accept_error);
      g_ptr_array_unref (party->invitations);
      g_string_free (party->in_log, TRUE);
      g_string_free (party->out_log, TRUE);
      g_string_free (party->answered_log, TRUE);
      g_free (party->name);
      g_free (party->user_id);
      g_free (party->uri);
      g_free (party);
    }
}

static void
on_invitation_cancelled (ConfabReceivedCallInvitation *invitation,
                         const char                   *reason,
                         Party                        *party)
{
  g_string_append_printf (party->in_log, "cancelled(%s);", reason);
}

static void
on_accepted (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Party *party = user_data;

  ConfabCall *call;

  call = confab_received_call_invitation_accept_finish (CONFAB_RECEIVED_CALL_INVITATION (object),
                                                        result, &party->accept_error);
  party->accept_done = TRUE;
  if (call != NULL)
    {
      party->answered = g_object_ref (call);
      g_string_append (party->answered_log, "answered;");
      log_call (party->answered, party->answered_log);
    }
}

static void
on_incoming_call (ConfabSession                *session,
                  ConfabReceivedCallInvitation *invitation,
                  Party                        *party)
{
  g_string_append_printf (party->in_log, "incoming(%s);",
                          confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)));
  g_ptr_array_add (party->invitations, g_object_ref (invitation));
  g_signal_connect (invitation, "cancelled", G_CALLBACK (on_invitation_cancelled), party);

  if (party->auto_accept)
    confab_received_call_invitation_accept_async (invitation, NULL, NULL, on_accepted, party);
  else if (party->auto_decline != NULL)
    confab_received_call_invitation_decline (invitation, party->auto_decline);
}

static void
on_raw_data_sent (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  confab_contact_send_raw_data_finish (CONFAB_CONTACT (object), result, &error);
  g_assert_no_error (error);
}

/* Raw data to every session of @party's own user (itself included). */
static void
party_send_to_own_user (Party      *party,
                        const char *data)
{
  confab_contact_send_raw_data_async (confab_session_get_or_create_contact (party->session, party->user_id),
                                      data, NULL, on_raw_data_sent, NULL);
}

static void
on_raw_data (ConfabSession *session,
             ConfabContact *contact,
             const char    *data,
             Party         *party)
{
  if (party->pong && g_str_equal (data, "ping"))
    party_send_to_own_user (party, "pong");
  else if (g_str_equal (data, "pong"))
    party->n_pongs++;
}

/* @caller calls @callee now. */
static void
party_call (Party *caller,
            Party *callee)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (caller->call);
  caller->call = confab_contact_call (confab_session_get_or_create_contact (caller->session, callee->user_id),
                                      NULL, CONFAB_CALL_MEDIA_AUDIO, &error);
  g_assert_no_error (error);
  g_assert_nonnull (caller->call);
  g_object_ref (caller->call);
  log_call (caller->call, caller->out_log);
}

static void
call_peer (Party *party)
{
  party_call (party, party->peer);
}

static void
on_registered (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Party *party = user_data;

  party->session = confab_user_agent_register_finish (CONFAB_USER_AGENT (object), result,
                                                      &party->sign_in_error);
  party->signed_in = TRUE;
  if (party->session == NULL)
    return;

  /* what an application does in its sign-in callback */
  g_signal_connect (party->session, "incoming-call", G_CALLBACK (on_incoming_call), party);
  g_signal_connect (party->session, "raw-data", G_CALLBACK (on_raw_data), party);
  if (party->then != NULL)
    party->then (party);
}

static void
party_sign_in_async (Party *party)
{
  g_autoptr(ConfabUserAgent) user_agent = confab_user_agent_new (party->uri);
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();

  confab_register_information_set_server_url (info, party->url != NULL ? party->url
                                                                       : confab_test_server_get_url (server));
  if (party->password != NULL)
    confab_register_information_set_password (info, party->password);
  else
    confab_register_information_set_user_id (info, party->user_id);
  confab_user_agent_register_async (user_agent, info, NULL, on_registered, party);
}

static gboolean
party_is_signed_in (gpointer data)
{
  return ((Party *) data)->signed_in;
}

static void
party_wait_signed_in (Party *party)
{
  confab_test_wait_until (party_is_signed_in, party, STEP_TIMEOUT_MS, party->name);
  g_assert_no_error (party->sign_in_error);
}

static void
party_sign_in (Party *party)
{
  party_sign_in_async (party);
  party_wait_signed_in (party);
}

/* waiting for logs */

typedef struct
{
  GString    *log;
  const char *expected;
  const char *who;
  gboolean    prefix;     /* the log only has to start with @expected */
} Expect;

typedef struct
{
  const Expect *expects;
  guint         n;
} Expects;

static gboolean
expects_met (gpointer data)
{
  const Expects *expects = data;

  for (guint i = 0; i < expects->n; i++)
    {
      const Expect *expect = &expects->expects[i];

      if (expect->prefix ? !g_str_has_prefix (expect->log->str, expect->expected)
                         : !g_str_equal (expect->log->str, expect->expected))
        return FALSE;
    }

  return TRUE;
}

static gboolean
on_step_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until every log is exactly what is expected; fails the test with all of them
 * otherwise. */
static void
expect_logs (const char   *round_name,
             const char   *step,
             const Expect *expects,
             guint         n)
{
  Expects all = { expects, n };
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (STEP_TIMEOUT_MS, on_step_timeout, &timed_out);
  g_autoptr(GString) report = NULL;

  while (!expects_met (&all) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  if (expects_met (&all))
    return;

  report = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (report, "\n  %s: expected \"%s\"%s, got \"%s\"",
                            expects[i].who, expects[i].expected, expects[i].prefix ? "…" : "",
                            expects[i].log->str);
  g_error ("%s, %s: wrong or missing call events after %u ms:%s",
           round_name, step, STEP_TIMEOUT_MS, report->str);
}

static gboolean
out_log_settled (gpointer data)
{
  Party *party = data;

  return g_str_has_prefix (party->out_log->str, "ringing;") ||
         g_str_has_suffix (party->out_log->str, "ended;hangup(local,User_Not_Found);");
}

/* The caller's call either rings, or the callee was not reachable yet (NOT_FOUND); which
 * one, the server decided when the invite arrived. Returns whether it rings, after
 * checking that both sides agree. */
static gboolean
expect_rings_or_not_found (const char *round_name,
                           Party      *caller,
                           Party      *callee)
{
  g_autofree char *incoming = g_strdup_printf ("incoming(%s);", caller->user_id);
  g_autofree char *step = g_strdup_printf ("%s calls %s", caller->name, callee->name);
  g_autofree char *not_found = g_strdup_printf ("error(%d);ended;hangup(local,User_Not_Found);",
                                                CONFAB_ERROR_NOT_FOUND);

  confab_test_wait_until (out_log_settled, caller, STEP_TIMEOUT_MS, step);
  if (g_str_equal (caller->out_log->str, not_found))
    {
      /* the server made no call: nothing reaches the callee (the exact logs of the
       * later steps would show a stray invitation) */
      g_assert_cmpstr (callee->in_log->str, ==, "");
      return FALSE;
    }

  {
    Expect expects[] = {
      { caller->out_log, "ringing;", caller->name, TRUE },
      { callee->in_log, incoming, callee->name, TRUE },
    };

    expect_logs (round_name, step, expects, G_N_ELEMENTS (expects));
  }
  return TRUE;
}

/* @caller's call rings at @callee: @caller cancels it, and the server must accept the
 * cancel (it tells the callee). */
static void
expect_cancel_reaches (const char *round_name,
                       Party      *caller,
                       Party      *callee)
{
  g_autofree char *cancelled = g_strdup_printf ("incoming(%s);cancelled(Hangup_From_Caller);", caller->user_id);
  Expect expects[] = {
    { caller->out_log, "ringing;ended;hangup(local,Hangup_From_Caller);", caller->name },
    { callee->in_log, cancelled, callee->name },
  };

  confab_call_hang_up (caller->call);
  expect_logs (round_name, "cancel", expects, G_N_ELEMENTS (expects));
}

/* @callee accepted @caller's call by itself: both see it ongoing; @caller hangs up. */
static void
expect_answered_then_hang_up (const char *round_name,
                              Party      *caller,
                              Party      *callee)
{
  Expect answered[] = {
    { caller->out_log, "ringing;ongoing;accepted;", caller->name },
    { callee->answered_log, "answered;", callee->name },
  };
  Expect ended[] = {
    { caller->out_log, "ringing;ongoing;accepted;ended;hangup(local,Hangup_From_Caller);", caller->name },
    { callee->answered_log, "answered;ended;hangup(remote,Hangup_From_Caller);", callee->name },
  };

  expect_logs (round_name, "accept", answered, G_N_ELEMENTS (answered));
  g_assert_no_error (callee->accept_error);
  g_assert_cmpstr (confab_call_get_id (callee->answered), ==, confab_call_get_id (caller->call));

  confab_call_hang_up (caller->call);
  expect_logs (round_name, "hang up", ended, G_N_ELEMENTS (ended));
}

/* the cases */

static void
call_callee_of (Party *party)
{
  party_call (party->peer, party);
}

/* Who signs in last, in which turn the call is placed. */
typedef enum
{
  CALLER_SIGNS_IN_LAST,
  CALLER_SIGNS_IN_LAST_AS_ACCOUNT,
  CALLEE_SIGNS_IN_LAST,
} Newcomer;

/* One party is signed in; the other signs in, and the call is placed in the very turn its
 * sign-in completes. The call must ring; every other round the callee answers at once (as
 * the bot does) and the caller hangs up, otherwise the caller cancels. */
static void
test_just_signed_in (gconstpointer data)
{
  Newcomer newcomer = GPOINTER_TO_INT (data);

  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      g_autofree char *login = g_strdup_printf ("race-account-%u", round % N_ACCOUNTS);
      Party *callee = party_new ("callee", round);
      Party *caller = newcomer == CALLER_SIGNS_IN_LAST_AS_ACCOUNT
                      ? party_new_account ("caller", round, login) : party_new ("caller", round);
      Party *parties[] = { caller, callee };
      Party *first = newcomer == CALLEE_SIGNS_IN_LAST ? caller : callee;
      Party *last = newcomer == CALLEE_SIGNS_IN_LAST ? callee : caller;

      callee->auto_accept = round % 2 == 1;
      party_sign_in (first);

      last->then = newcomer == CALLEE_SIGNS_IN_LAST ? call_callee_of : call_peer;
      last->peer = first;
      party_sign_in (last);

      g_assert_true (expect_rings_or_not_found (round_name, caller, callee));
      if (callee->auto_accept)
        expect_answered_then_hang_up (round_name, caller, callee);
      else
        expect_cancel_reaches (round_name, caller, callee);

      parties_free (parties, G_N_ELEMENTS (parties));
    }
}

/* Both sign in at once, and each calls the other in the turn its own sign-in completes.
 * The one registered first may find the other not there yet; the other's call must ring. */
static void
test_crossed_sign_ins (void)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      Party *a = party_new ("a", round);
      Party *b = party_new ("b", round);
      Party *parties[] = { a, b };
      gboolean a_rings, b_rings;

      a->then = call_peer;
      a->peer = b;
      b->then = call_peer;
      b->peer = a;
      party_sign_in_async (a);
      party_sign_in_async (b);
      party_wait_signed_in (a);
      party_wait_signed_in (b);

      a_rings = expect_rings_or_not_found (round_name, a, b);
      b_rings = expect_rings_or_not_found (round_name, b, a);
      g_assert_true (a_rings || b_rings);

      if (a_rings)
        confab_call_hang_up (a->call);
      if (b_rings)
        confab_call_hang_up (b->call);

      {
        g_autofree char *a_in = b_rings ? g_strdup_printf ("incoming(%s);cancelled(Hangup_From_Caller);", b->user_id)
                                        : g_strdup ("");
        g_autofree char *b_in = a_rings ? g_strdup_printf ("incoming(%s);cancelled(Hangup_From_Caller);", a->user_id)
                                        : g_strdup ("");
        Expect expects[] = {
          { a->in_log, a_in, a->name },
          { b->in_log, b_in, b->name },
        };

        expect_logs (round_name, "cancel both", expects, G_N_ELEMENTS (expects));
      }

      parties_free (parties, G_N_ELEMENTS (parties));
    }
}

typedef struct
{
  Party *caller;
  Party *callee;
} Pair;

static gboolean
on_call_now (gpointer data)
{
  Pair *pair = data;

  party_call (pair->caller, pair->callee);
  return G_SOURCE_REMOVE;
}

/* The callee signs in while the caller's invitation is on its way: the caller calls 0 to
 * 15 ms after the callee started signing in (a sweep over the window). */
static void
test_sign_in_during_invite (void)
{
  guint n_rang = 0;

  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      Party *caller = party_new ("caller", round);
      Party *callee = party_new ("callee", round);
      Party *parties[] = { caller, callee };
      Pair pair = { caller, callee };

      party_sign_in (caller);
      party_sign_in_async (callee);
      g_timeout_add (round % 16, on_call_now, &pair);
      party_wait_signed_in (callee);

      if (expect_rings_or_not_found (round_name, caller, callee))
        {
          n_rang++;
          expect_cancel_reaches (round_name, caller, callee);
        }
      else
        {
          /* the callee is there now: a second call rings */
          g_clear_object (&caller->call);
          g_string_truncate (caller->out_log, 0);
          party_call (caller, callee);
          g_assert_true (expect_rings_or_not_found (round_name, caller, callee));
          expect_cancel_reaches (round_name, caller, callee);
        }

      parties_free (parties, G_N_ELEMENTS (parties));
    }

  g_test_message ("%u of %u first invitations found the callee signed in", n_rang, n_rounds);
}

/* One account, two sessions: the second signs in and is called in that very turn. Both
 * ring; then either the caller cancels (both hear it) or the new session answers (the
 * other hears Answered_Elsewhere). */
static void
test_two_sessions_of_one_user (void)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      g_autofree char *login = g_strdup_printf ("race-account-%u", round % N_ACCOUNTS);
      Party *caller = party_new ("caller", round);
      Party *first = party_new_account ("first", round, login);
      Party *second = party_new_account ("second", round, login);
      Party *parties[] = { caller, first, second };
      g_autofree char *incoming = g_strdup_printf ("incoming(%s);", caller->user_id);

      second->auto_accept = round % 2 == 1;
      party_sign_in (caller);
      party_sign_in (first);

      second->then = call_callee_of;
      second->peer = caller;
      party_sign_in (second);

      {
        Expect expects[] = {
          { caller->out_log, "ringing;", caller->name, TRUE },
          { first->in_log, incoming, first->name, TRUE },
        };

        expect_logs (round_name, "invite", expects, G_N_ELEMENTS (expects));
      }

      if (second->auto_accept)
        {
          g_autofree char *elsewhere = g_strdup_printf ("incoming(%s);cancelled(Answered_Elsewhere);",
                                                        caller->user_id);
          Expect expects[] = {
            { second->in_log, incoming, second->name },
            { first->in_log, elsewhere, first->name },
          };

          expect_answered_then_hang_up (round_name, caller, second);
          expect_logs (round_name, "answered elsewhere", expects, G_N_ELEMENTS (expects));
        }
      else
        {
          g_autofree char *cancelled = g_strdup_printf ("incoming(%s);cancelled(Hangup_From_Caller);",
                                                        caller->user_id);
          Expect expects[] = {
            { second->in_log, cancelled, second->name },
          };

          expect_cancel_reaches (round_name, caller, first);
          expect_logs (round_name, "cancel", expects, G_N_ELEMENTS (expects));
        }

      parties_free (parties, G_N_ELEMENTS (parties));
    }
}

static void
on_ringing_hang_up (ConfabCall *call,
                    GParamSpec *pspec,
                    gpointer    data)
{
  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_RINGING)
    confab_call_hang_up (call);
}

static gboolean
on_hang_up_now (gpointer data)
{
  confab_call_hang_up (data);
  return G_SOURCE_REMOVE;
}

static gboolean
callee_is_done (gpointer data)
{
  Party *callee = data;

  return callee->accept_done &&
         g_list_model_get_n_items (confab_session_get_calls (callee->session)) == 0;
}

/* Calls the peer, and gives up: at once, when it hears the ringing, or a few ms later. */
static void
call_and_give_up (Party *caller)
{
  party_call (caller, caller->peer);

  switch (caller->round % 3)
    {
    case 0:
      confab_call_hang_up (caller->call);
      break;
    case 1:
      g_signal_connect (caller->call, "notify::status", G_CALLBACK (on_ringing_hang_up), NULL);
      break;
    default:
      g_timeout_add (caller->round % 8, on_hang_up_now, caller->call);
      break;
    }
}

/* The caller signs in and calls in that turn; the callee answers the moment it is invited
 * (as the bot does) while the caller gives up: at once, when it hears the ringing (the
 * answer is then already at the server), or a few ms later. However the cancel and the
 * answer cross, both calls end and the callee hears that the caller hung up. */
static void
test_cancel_crosses_accept (void)
{
  guint n_answered = 0;

  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      g_autofree char *step = g_strdup_printf ("%s, the callee's call to end", round_name);
      Party *caller = party_new ("caller", round);
      Party *callee = party_new ("callee", round);
      Party *parties[] = { caller, callee };

      callee->auto_accept = TRUE;
      party_sign_in (callee);
      caller->then = call_and_give_up;
      caller->peer = callee;
      party_sign_in (caller);

      confab_test_wait_until (callee_is_done, callee, STEP_TIMEOUT_MS, step);
      /* (hung up from a status handler, the log has "ended" after "hangup") */
      g_assert_cmpint (confab_call_get_status (caller->call), ==, CONFAB_CALL_STATUS_ENDED);
      if (strstr (caller->out_log->str, "hangup(local,Hangup_From_Caller);") == NULL)
        g_error ("%s: the caller's call says \"%s\"", round_name, caller->out_log->str);
      g_assert_true (g_str_has_prefix (callee->in_log->str, "incoming("));
      if (callee->answered != NULL)
        {
          n_answered++;
          g_assert_cmpstr (callee->answered_log->str, ==, "answered;ended;hangup(remote,Hangup_From_Caller);");
        }
      else
        {
          g_assert_error (callee->accept_error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND);
        }

      g_signal_handlers_disconnect_by_func (caller->call, on_ringing_hang_up, NULL);
      parties_free (parties, G_N_ELEMENTS (parties));
    }

  g_test_message ("the callee's answer got to the server before the cancel in %u of %u rounds",
                  n_answered, n_rounds);
}

static gboolean
is_connected (gpointer data)
{
  return confab_session_get_state (data) == CONFAB_SESSION_STATE_CONNECTED;
}

typedef struct
{
  TestProxy *proxy;
  guint      delay_ms;
  gboolean   done;
} CutLater;

static gboolean
on_cut_now (gpointer data)
{
  CutLater *cut = data;

  test_proxy_cut (cut->proxy);
  cut->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_incoming_cut_later (ConfabSession                *session,
                       ConfabReceivedCallInvitation *invitation,
                       CutLater                     *cut)
{
  g_timeout_add (cut->delay_ms, on_cut_now, cut);
}

static gboolean
cut_is_done (gpointer data)
{
  return ((CutLater *) data)->done;
}

/* A session's socket is cut: before it calls and is called, while a call rings, a few ms
 * after it called (its invite may have reached the server, or not), or a few ms after it
 * answered. Once it has resumed, every call rings, every answer holds, every cancel and
 * hang-up gets through. */
static void
test_resume_after_cut (void)
{
  g_autoptr(TestProxy) proxy = test_proxy_new (confab_test_server_get_port (server));

  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      Party *a = party_new ("a", round);
      Party *b = party_new ("b", round);
      Party *parties[] = { a, b };
      CutLater cut = { proxy, (round / 4) % 6 };

      a->url = test_proxy_get_url (proxy);
      party_sign_in (a);
      party_sign_in (b);

      switch (round % 4)
        {
        case 0:
          test_proxy_cut (proxy);
          party_call (a, b);
          party_call (b, a);
          g_assert_true (expect_rings_or_not_found (round_name, a, b));
          g_assert_true (expect_rings_or_not_found (round_name, b, a));
          expect_cancel_reaches (round_name, a, b);
          expect_cancel_reaches (round_name, b, a);
          break;

        case 1:
          party_call (b, a);
          g_assert_true (expect_rings_or_not_found (round_name, b, a));
          test_proxy_cut (proxy);
          expect_cancel_reaches (round_name, b, a);
          break;

        case 2:
          party_call (a, b);
          g_timeout_add (cut.delay_ms, on_cut_now, &cut);
          g_assert_true (expect_rings_or_not_found (round_name, a, b));
          expect_cancel_reaches (round_name, a, b);
          break;

        default:
          a->auto_accept = TRUE;
          g_signal_connect (a->session, "incoming-call", G_CALLBACK (on_incoming_cut_later), &cut);
          party_call (b, a);
          g_assert_true (expect_rings_or_not_found (round_name, b, a));
          expect_answered_then_hang_up (round_name, b, a);
          g_signal_handlers_disconnect_by_data (a->session, &cut);
          break;
        }

      /* a cut still to come would hit the next round's sign-in */
      if (round % 4 >= 2)
        confab_test_wait_until (cut_is_done, &cut, STEP_TIMEOUT_MS, "the cut");

      confab_test_wait_until (is_connected, a->session, STEP_TIMEOUT_MS, "the session to come back");
      parties_free (parties, G_N_ELEMENTS (parties));
    }
}

static void
on_ongoing_hold (ConfabCall *call,
                 GParamSpec *pspec,
                 TestProxy  *proxy)
{
  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ONGOING)
    test_proxy_hold (proxy);
}

typedef struct
{
  TestProxy  *proxy;
  const char *text;
} Seen;

static gboolean
proxy_has_seen (gpointer data)
{
  Seen *seen = data;

  return strstr (test_proxy_get_received (seen->proxy), seen->text) != NULL;
}

static gboolean
media_connected (gpointer data)
{
  Party **pair = data;

  return confab_call_get_media_connected (pair[0]->call) && confab_call_get_media_connected (pair[1]->answered);
}

/* Adds to @set each string value of member @name in @text; fails on one seen already. */
static void
add_values (const char *round_name,
            GHashTable *set,
            const char *text,
            const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":\"", name);

  for (const char *p = strstr (text, key); p != NULL; p = strstr (p + 1, key))
    {
      const char *start = p + strlen (key);
      const char *end = strchr (start, '"');
      char *value;

      g_assert_nonnull (end);
      value = g_strndup (start, end - start);
      if (!g_hash_table_add (set, value))
        g_error ("%s: the callee received this %s twice: %s", round_name, name, value);
    }
}

/* What a session received through @proxy: no SDP twice, and no candidate twice between
 * two SDPs (after a new offer, an ICE restart, the same candidates may come again). */
static void
assert_relayed_once (const char *round_name,
                     TestProxy  *proxy)
{
  g_auto(GStrv) stretches = g_strsplit (test_proxy_get_received (proxy), "\"type\":\"callSdp\"", -1);
  g_autoptr(GHashTable) sdps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (g_strv_length (stretches), >=, 2);   /* the offer at least */
  for (guint i = 0; stretches[i] != NULL; i++)
    {
      g_autoptr(GHashTable) candidates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      add_values (round_name, sdps, stretches[i], "sdp");
      add_values (round_name, candidates, stretches[i], "candidate");
    }
}

/* A real call (media on): the caller's connection stops hearing the server the moment the
 * call is accepted (its offer then reaches the server but the answer to that request does
 * not come back), or the moment it has the callee's SDP answer (the same for its
 * candidates, which follow). Once the callee has the offer, or a candidate, the socket is
 * cut. The caller resumes and sends them again: the callee must get each once (they carry
 * a uuid, which the server relays once), and the call connects. */
static void
test_resume_after_cut_media (void)
{
  guint n_media_rounds = MIN (n_rounds, 4);

  g_unsetenv ("CONFAB_CALL_MEDIA");

  for (guint round = 0; round < n_media_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      g_autoptr(TestProxy) caller_proxy = test_proxy_new (confab_test_server_get_port (server));
      g_autoptr(TestProxy) callee_proxy = test_proxy_new (confab_test_server_get_port (server));
      Party *caller = party_new ("caller", round);
      Party *callee = party_new ("callee", round);
      Party *parties[] = { caller, callee };

      caller->url = test_proxy_get_url (caller_proxy);
      callee->url = test_proxy_get_url (callee_proxy);
      callee->auto_accept = TRUE;
      party_sign_in (caller);
      party_sign_in (callee);

      party_call (caller, callee);
      if (round % 2 == 0)
        {
          Seen seen = { callee_proxy, "\"sdpType\":\"offer\"" };

          g_signal_connect (caller->call, "notify::status", G_CALLBACK (on_ongoing_hold), caller_proxy);
          confab_test_wait_until (proxy_has_seen, &seen, STEP_TIMEOUT_MS, "the offer at the callee");
        }
      else
        {
          Seen seen = { callee_proxy, "\"type\":\"callIce\"" };

          test_proxy_hold_after (caller_proxy, "\"sdpType\":\"answer\"");
          confab_test_wait_until (proxy_has_seen, &seen, STEP_TIMEOUT_MS, "a candidate at the callee");
        }
      test_proxy_cut (caller_proxy);

      confab_test_wait_until (media_connected, parties, 2 * STEP_TIMEOUT_MS, "the media to connect");
      g_assert_cmpstr (caller->out_log->str, ==, "ringing;ongoing;accepted;");
      g_assert_cmpstr (callee->answered_log->str, ==, "answered;");
      assert_relayed_once (round_name, callee_proxy);

      g_signal_handlers_disconnect_by_func (caller->call, on_ongoing_hold, caller_proxy);
      confab_call_hang_up (caller->call);
      {
        Expect expects[] = {
          { callee->answered_log, "answered;ended;hangup(remote,Hangup_From_Caller);", callee->name },
        };

        expect_logs (round_name, "hang up", expects, G_N_ELEMENTS (expects));
      }

      parties_free (parties, G_N_ELEMENTS (parties));
    }

  g_setenv ("CONFAB_CALL_MEDIA", "none", TRUE);
}

/* several sessions of one account (issue 3: a decline at one session left the others
 * ringing; a busy session ended the call for the free ones) */

#define MAX_SESSIONS 3

/* @n sessions of one account, signed in (all but the last when @last_later). */
static void
sessions_new (Party     **sessions,
              guint       n,
              guint       round,
              gboolean    last_later)
{
  static const char *roles[MAX_SESSIONS] = { "first", "second", "third" };
  g_autofree char *login = g_strdup_printf ("race-account-%u", round % N_ACCOUNTS);

  g_assert_cmpuint (n, <=, MAX_SESSIONS);
  for (guint i = 0; i < n; i++)
    {
      sessions[i] = party_new_account (roles[i], round, login);
      if (i < n - 1 || !last_later)
        party_sign_in (sessions[i]);
    }
}

static gboolean
pongs_arrived (gpointer data)
{
  Party *party = data;

  return party->n_pongs >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (party->session), "pongs-expected"));
}

/* @party tells the sessions of its user that answer pings (they are busy) "ping", and
 * waits for their @n "pong"s: each one sent its pong after its automatic User_Busy
 * decline of every invitation it had seen by then, on the same connection, so the server
 * has taken those declines when the pongs arrive. */
static void
ping_busy_sessions (Party *party,
                    guint  n)
{
  party->n_pongs = 0;
  g_object_set_data (G_OBJECT (party->session), "pongs-expected", GUINT_TO_POINTER (n));
  party_send_to_own_user (party, "ping");
  confab_test_wait_until (pongs_arrived, party, STEP_TIMEOUT_MS, "the busy sessions' pongs");
}

/* @helper calls the account of @sessions and @answerer answers: @answerer is busy from then
 * on (it allows one call). Sessions that ring hear Answered_Elsewhere; the busy ones hear
 * nothing. The invitation logs are emptied afterwards. */
static void
make_busy (const char *round_name,
           Party      *helper,
           Party      *answerer,
           Party     **sessions,
           guint       n,
           gboolean   *busy)
{
  g_autofree char *incoming = g_strdup_printf ("incoming(%s);", helper->user_id);
  g_autofree char *elsewhere = g_strdup_printf ("incoming(%s);cancelled(Answered_Elsewhere);", helper->user_id);
  Expect expects[MAX_SESSIONS + 2];
  guint n_expects = 0;

  answerer->auto_accept = TRUE;
  party_call (helper, answerer);
  expects[n_expects++] = (Expect) { helper->out_log, "ringing;ongoing;accepted;", helper->name };
  expects[n_expects++] = (Expect) { answerer->answered_log, "answered;", answerer->name };
  for (guint i = 0; i < n; i++)
    if (sessions[i]->session != NULL)
      expects[n_expects++] = (Expect) { sessions[i]->in_log,
                                        sessions[i] == answerer ? incoming : busy[i] ? "" : elsewhere,
                                        sessions[i]->name };
  expect_logs (round_name, "make busy", expects, n_expects);

  answerer->auto_accept = FALSE;
  confab_session_set_allow_multiple_calls (answerer->session, FALSE);
  answerer->pong = TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_string_truncate (sessions[i]->in_log, 0);
      if (sessions[i] == answerer)
        busy[i] = TRUE;
    }
}

static ConfabReceivedCallInvitation *
last_invitation (Party *party)
{
  g_assert_cmpuint (party->invitations->len, >, 0);
  return g_ptr_array_index (party->invitations, party->invitations->len - 1);
}

/* Two or three sessions of one account ring; one declines the moment its invitation
 * arrives: the caller hears its reason and every other session hears Declined_Elsewhere. */
static void
test_declined_elsewhere (void)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      guint n = 2 + round % 2;
      Party *caller = party_new ("caller", round);
      Party *parties[MAX_SESSIONS + 1] = { caller };
      Party **sessions = parties + 1;
      Party *decliner;
      const char *reason = (round / 2) % 2 == 0 ? "User_Refused_Call" : "Not_Today";
      g_autofree char *incoming = g_strdup_printf ("incoming(%s);", caller->user_id);
      g_autofree char *elsewhere = g_strdup_printf ("incoming(%s);cancelled(Declined_Elsewhere);", caller->user_id);
      g_autofree char *declined = g_strdup_printf ("ringing;ended;declined(%s);", reason);
      Expect expects[MAX_SESSIONS + 1];

      party_sign_in (caller);
      sessions_new (sessions, n, round, FALSE);
      decliner = sessions[round % n];
      decliner->auto_decline = reason;

      party_call (caller, sessions[0]);

      expects[0] = (Expect) { caller->out_log, declined, caller->name };
      for (guint i = 0; i < n; i++)
        expects[i + 1] = (Expect) { sessions[i]->in_log, sessions[i] == decliner ? incoming : elsewhere,
                                    sessions[i]->name };
      expect_logs (round_name, "decline", expects, n + 1);
      for (guint i = 0; i < n; i++)
        if (sessions[i] != decliner)
          g_assert_false (confab_received_call_invitation_is_pending (last_invitation (sessions[i])));

      parties_free (parties, n + 1);
    }
}

/* Two or three sessions of one account; one is in a call (and allows one call). A call
 * comes: the busy one declines it with User_Busy, and once the server has that decline,
 * another session answers it: the call goes on. With three sessions, the third signs in
 * while the call rings: it rings too, and hears Answered_Elsewhere. */
static void
test_busy_elsewhere (void)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      guint n = 2 + round % 2;
      Party *caller = party_new ("caller", round);
      Party *helper = party_new ("helper", round);
      Party *parties[MAX_SESSIONS + 2] = { caller, helper };
      Party **sessions = parties + 2;
      gboolean busy[MAX_SESSIONS] = { FALSE, };
      Party *busy_one, *answerer;
      g_autofree char *incoming = g_strdup_printf ("incoming(%s);", caller->user_id);
      g_autofree char *elsewhere = g_strdup_printf ("incoming(%s);cancelled(Answered_Elsewhere);", caller->user_id);

      party_sign_in (caller);
      party_sign_in (helper);
      sessions_new (sessions, n, round, n == 3);
      busy_one = sessions[round % 2];
      answerer = sessions[(round + 1) % 2];
      make_busy (round_name, helper, busy_one, sessions, n, busy);

      party_call (caller, answerer);
      {
        Expect expects[] = {
          { caller->out_log, "ringing;", caller->name },
          { answerer->in_log, incoming, answerer->name },
        };

        expect_logs (round_name, "invite", expects, G_N_ELEMENTS (expects));
      }
      if (n == 3)
        {
          Expect expects[] = {
            { sessions[2]->in_log, incoming, sessions[2]->name },
          };

          party_sign_in (sessions[2]);
          expect_logs (round_name, "a session signing in rings", expects, G_N_ELEMENTS (expects));
        }

      ping_busy_sessions (answerer, 1);
      confab_received_call_invitation_accept_async (last_invitation (answerer), NULL, NULL, on_accepted, answerer);
      expect_answered_then_hang_up (round_name, caller, answerer);
      g_assert_cmpstr (busy_one->in_log->str, ==, "");
      g_assert_cmpstr (busy_one->answered_log->str, ==, "answered;");
      if (n == 3)
        {
          Expect expects[] = {
            { sessions[2]->in_log, elsewhere, sessions[2]->name },
          };

          expect_logs (round_name, "answered elsewhere", expects, G_N_ELEMENTS (expects));
        }

      parties_free (parties, n + 2);
    }
}

/* Two or three sessions of one account; all but one are in calls. A call comes: it rings
 * at the free one only, and goes on ringing once the server has every busy session's
 * User_Busy. Then the free one declines with User_Busy too, or signs out: the caller hears
 * User_Busy. */
static void
test_all_busy (void)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_name = g_strdup_printf ("round %u", round);
      guint n = 2 + round % 2;
      Party *caller = party_new ("caller", round);
      Party *helpers[MAX_SESSIONS - 1] = { party_new ("helper1", round), party_new ("helper2", round) };
      Party *parties[MAX_SESSIONS + MAX_SESSIONS] = { caller, helpers[0], helpers[1] };
      Party **sessions = parties + MAX_SESSIONS;
      gboolean busy[MAX_SESSIONS] = { FALSE, };
      Party *free_one;
      g_autofree char *incoming = g_strdup_printf ("incoming(%s);", caller->user_id);

      party_sign_in (caller);
      party_sign_in (helpers[0]);
      party_sign_in (helpers[1]);
      sessions_new (sessions, n, round, FALSE);
      for (guint i = 0; i < n - 1; i++)
        make_busy (round_name, helpers[i], sessions[i], sessions, n, busy);
      free_one = sessions[n - 1];

      party_call (caller, free_one);
      {
        Expect expects[] = {
          { caller->out_log, "ringing;", caller->name },
          { free_one->in_log, incoming, free_one->name },
        };

        expect_logs (round_name, "invite", expects, G_N_ELEMENTS (expects));
      }
      ping_busy_sessions (free_one, n - 1);
      /* every busy session said so: the call still rings at the free one */
      g_assert_cmpstr (caller->out_log->str, ==, "ringing;");
      g_assert_cmpint (confab_call_get_status (caller->call), ==, CONFAB_CALL_STATUS_RINGING);

      if (round % 4 < 2)
        {
          confab_received_call_invitation_decline (last_invitation (free_one), "User_Busy");
        }
      else
        {
          guint n_left = 1;

          confab_session_disconnect_async (free_one->session, NULL, on_disconnected, &n_left);
          confab_test_wait_until (none_left, &n_left, STEP_TIMEOUT_MS, "the free session to sign out");
        }

      {
        Expect expects[] = {
          { caller->out_log, "ringing;ended;declined(User_Busy);", caller->name },
        };

        expect_logs (round_name, "all busy", expects, G_N_ELEMENTS (expects));
      }
      for (guint i = 0; i < n - 1; i++)
        {
          g_assert_cmpstr (sessions[i]->in_log->str, ==, "");
          g_assert_cmpstr (sessions[i]->answered_log->str, ==, "answered;");
        }

      parties_free (parties, MAX_SESSIONS + n);
    }
}

static void
setup_accounts (void)
{
  for (guint i = 0; i < N_ACCOUNTS; i++)
    {
      g_autofree char *login = g_strdup_printf ("race-account-%u", i);

      confab_test_server_add_user (server, login, PASSWORD);
    }
}

int
main (int    argc,
      char **argv)
{
  const char *rounds = g_getenv ("CONFAB_TEST_RACE_ROUNDS");
  int status;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("CONFAB_CALL_MEDIA", "none", TRUE);

  n_rounds = rounds != NULL ? (guint) g_ascii_strtoull (rounds, NULL, 10) : DEFAULT_ROUNDS;
  if (n_rounds == 0)
    n_rounds = DEFAULT_ROUNDS;

  server = confab_test_server_new (NULL);
  guest_uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  setup_accounts ();

  g_test_add_data_func ("/libconfab/call-race/caller-just-signed-in", GINT_TO_POINTER (CALLER_SIGNS_IN_LAST),
                        test_just_signed_in);
  g_test_add_data_func ("/libconfab/call-race/caller-just-signed-in/account",
                        GINT_TO_POINTER (CALLER_SIGNS_IN_LAST_AS_ACCOUNT), test_just_signed_in);
  g_test_add_data_func ("/libconfab/call-race/callee-just-signed-in", GINT_TO_POINTER (CALLEE_SIGNS_IN_LAST),
                        test_just_signed_in);
  g_test_add_func ("/libconfab/call-race/crossed-sign-ins", test_crossed_sign_ins);
  g_test_add_func ("/libconfab/call-race/sign-in-during-invite", test_sign_in_during_invite);
  g_test_add_func ("/libconfab/call-race/two-sessions-of-one-user", test_two_sessions_of_one_user);
  g_test_add_func ("/libconfab/call-race/declined-elsewhere", test_declined_elsewhere);
  g_test_add_func ("/libconfab/call-race/busy-elsewhere", test_busy_elsewhere);
  g_test_add_func ("/libconfab/call-race/all-busy", test_all_busy);
  g_test_add_func ("/libconfab/call-race/cancel-crosses-accept", test_cancel_crosses_accept);
  g_test_add_func ("/libconfab/call-race/resume-after-cut", test_resume_after_cut);
  g_test_add_func ("/libconfab/call-race/resume-after-cut/media", test_resume_after_cut_media);

  status = g_test_run ();

  confab_test_server_free (server);
  g_free (guest_uri);
  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
