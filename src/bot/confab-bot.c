/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-bot.c: a headless Confab client that stays online, echoes chat and answers calls
 * with a test pattern and a tone */

#define G_LOG_DOMAIN "confab-bot"

#include "config.h"

#include <confab.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_PREFIX "echo: "
#define MAX_TEXT_BYTES 16384
/* what the bot shows and plays in calls, unless --video-source/--audio-source say otherwise */
#define DEFAULT_VIDEO_SOURCE "videotestsrc is-live=true pattern=smpte"
#define DEFAULT_AUDIO_SOURCE "audiotestsrc is-live=true wave=sine freq=523 volume=0.2"
#define CALL_RETRY_MS 1000

typedef struct
{
  GMainLoop     *loop;
  ConfabSession *session;
  int            exit_status;
  gboolean       quitting;
  char          *call_user;      /* --call: the user to call once signed in */
  char          *video_source;
  char          *audio_source;
  guint          call_retries;
  gboolean       audio_only;
} Bot;

static void
log_event (GLogLevelFlags  level,
           const char     *event,
           const char     *format,
           ...) G_GNUC_PRINTF (3, 4);

static void
log_event (GLogLevelFlags  level,
           const char     *event,
           const char     *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_log_structured (G_LOG_DOMAIN, level,
                    "CONFAB_BOT_EVENT", event,
                    "MESSAGE", "%s", text);
}

/* "echo: " + text, cut on a character boundary to fit the server's text limit. */
static char *
make_echo (const char *text)
{
  gsize room = MAX_TEXT_BYTES - strlen (ECHO_PREFIX);
  gsize length = strlen (text);

  if (length > room)
    {
      const char *end = g_utf8_find_prev_char (text, text + room + 1);

      length = end != NULL ? (gsize) (end - text) : 0;
    }

  return g_strdup_printf (ECHO_PREFIX "%.*s", (int) length, text);
}

static void
on_echo_sent (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConfabContact *contact = CONFAB_CONTACT (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = confab_contact_send_message_finish (contact, result, &error);
  if (uuid == NULL)
    log_event (G_LOG_LEVEL_MESSAGE, "echo-failed", "Could not echo to %s: %s",
               confab_contact_get_id (contact), error->message);
  else
    log_event (G_LOG_LEVEL_INFO, "echo-sent", "Echoed to %s (%s)",
               confab_contact_get_id (contact), uuid);
}

static void
on_contact_message (ConfabSession *session,
                    ConfabContact *contact,
                    ConfabMessage *message,
                    Bot           *bot)
{
  g_autofree char *echo = NULL;

  log_event (G_LOG_LEVEL_MESSAGE, "message", "Message from %s%s: %s",
             confab_contact_get_id (contact),
             confab_message_get_offline (message) ? " (stored while offline)" : "",
             confab_message_get_text (message));

  /* Never answer ourselves: two of our own sessions would echo forever. */
  if (g_strcmp0 (confab_contact_get_id (contact), confab_session_get_id (session)) == 0)
    return;

  echo = make_echo (confab_message_get_text (message));
  confab_contact_send_message_async (contact, echo, NULL, on_echo_sent, bot);
}

/* calls */

static ConfabStream *
make_stream (Bot       *bot,
             gboolean   video,
             GError   **error)
{
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  GVariant *variant;
  ConfabStream *stream;

  if (!confab_media_init (error))
    return NULL;

  confab_stream_options_set_video (options, video && !bot->audio_only);
  confab_stream_options_set_video_source (options, bot->video_source);
  confab_stream_options_set_audio_source (options, bot->audio_source);
  confab_stream_options_set_video_format (options, 640, 480, 30);
  variant = confab_stream_options_to_variant (options);
  stream = confab_stream_new_local (variant, error);
  g_variant_unref (variant);
  return stream;
}

static void
on_call_hangup (ConfabCall *call,
                const char *from,
                const char *reason,
                Bot        *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "call-ended", "Call with %s ended (%s, %s)",
             confab_contact_get_id (confab_call_get_contact (call)), from, reason);
}

static void
on_call_declined (ConfabCall *call,
                  const char *reason,
                  Bot        *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "call-declined", "%s declined the call (%s)",
             confab_contact_get_id (confab_call_get_contact (call)), reason);
}

static void
on_call_accepted (ConfabCall *call,
                  Bot        *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "call-accepted", "%s accepted the call",
             confab_contact_get_id (confab_call_get_contact (call)));
}

static void
on_call_error (ConfabCall   *call,
               const GError *error,
               Bot          *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "call-error", "Call with %s: %s",
             confab_contact_get_id (confab_call_get_contact (call)), error->message);
}

static void
on_call_stream_added (ConfabCall   *call,
                      ConfabStream *stream,
                      Bot          *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "call-media", "Receiving %s%s%s from %s",
             confab_stream_get_has_audio (stream) ? "audio" : "",
             confab_stream_get_has_audio (stream) && confab_stream_get_has_video (stream) ? " and " : "",
             confab_stream_get_has_video (stream) ? "video" : "",
             confab_contact_get_id (confab_call_get_contact (call)));
}

/* The call owns nothing of ours but the stream: release it when the call ends. */
static void
on_call_status (ConfabCall   *call,
                GParamSpec   *pspec,
                ConfabStream *stream)
{
  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
    {
      confab_stream_release (stream);
      g_signal_handlers_disconnect_by_func (call, on_call_status, stream);
    }
}

static void
watch_call (Bot          *bot,
            ConfabCall   *call,
            ConfabStream *stream)
{
  g_signal_connect (call, "accepted", G_CALLBACK (on_call_accepted), bot);
  g_signal_connect (call, "declined", G_CALLBACK (on_call_declined), bot);
  g_signal_connect (call, "hangup", G_CALLBACK (on_call_hangup), bot);
  g_signal_connect (call, "error", G_CALLBACK (on_call_error), bot);
  g_signal_connect (call, "stream-added", G_CALLBACK (on_call_stream_added), bot);
  if (stream != NULL)
    g_signal_connect_data (call, "notify::status", G_CALLBACK (on_call_status),
                           g_object_ref (stream), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
}

typedef struct
{
  Bot          *bot;
  ConfabStream *stream;
} Answer;

static void
on_answered (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Answer *answer = user_data;
  ConfabReceivedCallInvitation *invitation = CONFAB_RECEIVED_CALL_INVITATION (object);
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  call = confab_received_call_invitation_accept_finish (invitation, result, &error);
  if (call == NULL)
    {
      log_event (G_LOG_LEVEL_MESSAGE, "call-failed", "Could not answer %s: %s",
                 confab_contact_get_id (confab_received_call_invitation_get_contact (invitation)), error->message);
      confab_stream_release (answer->stream);
    }
  else
    {
      log_event (G_LOG_LEVEL_MESSAGE, "call-answered", "Answered %s (call %s)",
                 confab_contact_get_id (confab_call_get_contact (call)), confab_call_get_id (call));
      watch_call (answer->bot, call, answer->stream);
    }

  g_object_unref (answer->stream);
  g_free (answer);
}

static void
on_incoming_call (ConfabSession                *session,
                  ConfabReceivedCallInvitation *invitation,
                  Bot                          *bot)
{
  ConfabContact *contact = confab_received_call_invitation_get_contact (invitation);
  g_autoptr(GError) error = NULL;
  Answer *answer;
  ConfabStream *stream;

  log_event (G_LOG_LEVEL_MESSAGE, "call-incoming", "%s is calling", confab_contact_get_id (contact));

  /* video only where the caller offers it */
  stream = make_stream (bot, confab_received_call_invitation_get_media (invitation) != CONFAB_CALL_MEDIA_AUDIO, &error);
  if (stream == NULL)
    {
      log_event (G_LOG_LEVEL_MESSAGE, "call-failed", "No stream to answer with: %s", error->message);
      confab_received_call_invitation_decline (invitation, "User_Media_Error");
      return;
    }

  answer = g_new0 (Answer, 1);
  answer->bot = bot;
  answer->stream = stream;
  confab_received_call_invitation_accept_async (invitation, stream, NULL, on_answered, answer);
}

static gboolean place_call (gpointer user_data);

static void
on_placed_call_status (ConfabCall *call,
                       GParamSpec *pspec,
                       Bot        *bot)
{
  if (confab_call_get_status (call) != CONFAB_CALL_STATUS_ENDED)
    return;

  g_signal_handlers_disconnect_by_func (call, on_placed_call_status, bot);
}

static void
on_placed_call_error (ConfabCall   *call,
                      const GError *error,
                      Bot          *bot)
{
  /* the user is not online yet: try again a little later */
  if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND) && bot->call_retries > 0 && !bot->quitting)
    {
      bot->call_retries--;
      g_timeout_add (CALL_RETRY_MS, place_call, bot);
    }
}

static gboolean
place_call (gpointer user_data)
{
  Bot *bot = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabStream) stream = NULL;
  ConfabCall *call;

  if (bot->session == NULL || bot->quitting)
    return G_SOURCE_REMOVE;

  stream = make_stream (bot, TRUE, &error);
  if (stream == NULL)
    {
      log_event (G_LOG_LEVEL_MESSAGE, "call-failed", "No stream to call with: %s", error->message);
      return G_SOURCE_REMOVE;
    }

  call = confab_contact_call (confab_session_get_or_create_contact (bot->session, bot->call_user), stream,
                              bot->audio_only ? CONFAB_CALL_MEDIA_AUDIO : CONFAB_CALL_MEDIA_VIDEO, &error);
  if (call == NULL)
    {
      log_event (G_LOG_LEVEL_MESSAGE, "call-failed", "Cannot call %s: %s", bot->call_user, error->message);
      confab_stream_release (stream);
      return G_SOURCE_REMOVE;
    }

  log_event (G_LOG_LEVEL_MESSAGE, "calling", "Calling %s (call %s)", bot->call_user, confab_call_get_id (call));
  watch_call (bot, call, stream);
  g_signal_connect (call, "error", G_CALLBACK (on_placed_call_error), bot);
  g_signal_connect (call, "notify::status", G_CALLBACK (on_placed_call_status), bot);
  return G_SOURCE_REMOVE;
}

static void
on_reconnecting (ConfabSession *session,
                 Bot           *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "reconnecting", "Connection lost; reconnecting");
}

static void
on_reconnection (ConfabSession *session,
                 gboolean       resumed,
                 Bot           *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "reconnection", "Reconnected as %s (%s)",
             confab_session_get_id (session), resumed ? "resumed" : "registered again");
}

static void
on_error (ConfabSession *session,
          const GError  *error,
          Bot           *bot)
{
  log_event (G_LOG_LEVEL_MESSAGE, "error", "Error: %s", error->message);
}

static void
on_disconnect (ConfabSession *session,
               const GError  *reason,
               Bot           *bot)
{
  if (reason != NULL)
    {
      log_event (G_LOG_LEVEL_MESSAGE, "disconnect", "Session ended: %s", reason->message);
      bot->exit_status = EXIT_FAILURE;
    }
  else
    {
      log_event (G_LOG_LEVEL_MESSAGE, "disconnect", "Disconnected");
    }

  g_main_loop_quit (bot->loop);
}

static void
on_disconnected (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Bot *bot = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_session_disconnect_finish (CONFAB_SESSION (object), result, &error))
    log_event (G_LOG_LEVEL_MESSAGE, "disconnect", "Disconnecting failed: %s", error->message);

  g_main_loop_quit (bot->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Bot *bot = user_data;

  if (bot->quitting)
    return G_SOURCE_CONTINUE;

  bot->quitting = TRUE;
  log_event (G_LOG_LEVEL_MESSAGE, "quit", "Signal received; signing out");

  if (bot->session == NULL)
    g_main_loop_quit (bot->loop);
  else
    confab_session_disconnect_async (bot->session, NULL, on_disconnected, bot);

  return G_SOURCE_CONTINUE;
}

static void
on_registered (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Bot *bot = user_data;
  g_autoptr(GError) error = NULL;

  bot->session = confab_user_agent_register_finish (CONFAB_USER_AGENT (object), result, &error);
  if (bot->session == NULL)
    {
      g_printerr ("confab-bot: could not sign in: %s\n", error->message);
      bot->exit_status = EXIT_FAILURE;
      g_main_loop_quit (bot->loop);
      return;
    }

  log_event (G_LOG_LEVEL_MESSAGE, "registered", "Signed in as %s (%s)",
             confab_session_get_id (bot->session), confab_session_get_username (bot->session));

  g_signal_connect (bot->session, "contact-message", G_CALLBACK (on_contact_message), bot);
  g_signal_connect (bot->session, "reconnecting", G_CALLBACK (on_reconnecting), bot);
  g_signal_connect (bot->session, "reconnection", G_CALLBACK (on_reconnection), bot);
  g_signal_connect (bot->session, "error", G_CALLBACK (on_error), bot);
  g_signal_connect (bot->session, "disconnect", G_CALLBACK (on_disconnect), bot);
  g_signal_connect (bot->session, "incoming-call", G_CALLBACK (on_incoming_call), bot);

  if (bot->quitting)
    confab_session_disconnect_async (bot->session, NULL, on_disconnected, bot);
  else if (bot->call_user != NULL)
    place_call (bot);
}

static char *
read_password (const char  *path,
               GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_strcmp0 (path, "-") == 0)
    {
      g_autoptr(GInputStream) input = NULL;
      g_autoptr(GDataInputStream) data = NULL;

      input = g_unix_input_stream_new (0, FALSE);
      data = g_data_input_stream_new (input);
      contents = g_data_input_stream_read_line_utf8 (data, &length, NULL, error);
      if (contents == NULL && error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "No password on standard input");
    }
  else if (!g_file_get_contents (path, &contents, &length, error))
    {
      return NULL;
    }

  if (contents == NULL)
    return NULL;

  /* one line; a trailing newline is not part of the password */
  g_strdelimit (contents, "\r\n", '\0');
  if (*contents == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The password file %s is empty", path);
      return NULL;
    }

  return g_steal_pointer (&contents);
}

static gboolean verbose_enabled = FALSE;

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  if (!verbose_enabled && (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_standard_streams (level, fields, n_fields, user_data);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *login = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *call_user = NULL;
  g_autofree char *video_source = NULL;
  g_autofree char *audio_source = NULL;
  gboolean audio_only = FALSE;
  gboolean verbose = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabUserAgent) user_agent = NULL;
  g_autoptr(ConfabRegisterInformation) info = NULL;
  Bot bot = { 0 };
  guint sigint_id, sigterm_id;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "Server WebSocket URL (ws://host:port/ws)", "URL" },
    { "api-key", 'k', 0, G_OPTION_ARG_STRING, &api_key, "Sign in as a guest with this API key", "KEY" },
    { "user-id", 'i', 0, G_OPTION_ARG_STRING, &user_id, "Guest user id to ask for", "ID" },
    { "login", 'l', 0, G_OPTION_ARG_STRING, &login, "Sign in to this account", "LOGIN" },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &password_file, "Read the account's password from FILE (- for standard input)", "FILE" },
    { "username", 'u', 0, G_OPTION_ARG_STRING, &username, "Display name", "NAME" },
    { "call", 'c', 0, G_OPTION_ARG_STRING, &call_user, "Once signed in, call this user (retrying while it is not online)", "USER" },
    { "audio-only", 'a', 0, G_OPTION_ARG_NONE, &audio_only, "Send no video in calls", NULL },
    { "video-source", 0, 0, G_OPTION_ARG_STRING, &video_source, "GStreamer source for calls (default: " DEFAULT_VIDEO_SOURCE ")", "DESCRIPTION" },
    { "audio-source", 0, 0, G_OPTION_ARG_STRING, &audio_source, "GStreamer source for calls (default: " DEFAULT_AUDIO_SOURCE ")", "DESCRIPTION" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log more", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("— a Confab contact that echoes every message and answers calls");
  g_option_context_set_summary (context,
                                "Signs in to a confab-server as a guest (--api-key) or an account\n"
                                "(--login with --password-file), answers every contact message with\n"
                                "“echo: <text>”, answers every call with a test pattern and a tone,\n"
                                "can call a user (--call), and reconnects by itself. SIGINT/SIGTERM\n"
                                "sign out and exit 0.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("confab-bot: %s\n", error->message);
      return 2;
    }

  if (server == NULL || (api_key == NULL) == (login == NULL) ||
      (login != NULL && password_file == NULL) || (login != NULL && user_id != NULL))
    {
      g_printerr ("Usage: confab-bot --server URL (--api-key KEY [--user-id ID] | --login LOGIN --password-file FILE) [--username NAME] [--call USER] [--audio-only] [--verbose]\n");
      return 2;
    }

  if (call_user != NULL && !g_regex_match_simple ("^[A-Za-z0-9._@-]{1,64}$", call_user, 0, 0))
    {
      g_printerr ("confab-bot: --call: “%s” is not a user id\n", call_user);
      return 2;
    }


  verbose_enabled = verbose;
  g_log_set_writer_func (log_writer, NULL, NULL);

  info = confab_register_information_new ();
  confab_register_information_set_server_url (info, server);
  confab_register_information_set_username (info, username);

  if (api_key != NULL)
    {
      uri = g_strconcat ("apiKey:", api_key, NULL);
      confab_register_information_set_user_id (info, user_id);
    }
  else
    {
      password = read_password (password_file, &error);
      if (password == NULL)
        {
          g_printerr ("confab-bot: cannot read the password: %s\n", error->message);
          return 2;
        }
      uri = g_strconcat ("confab:", login, NULL);
      confab_register_information_set_password (info, password);
    }

  bot.loop = g_main_loop_new (NULL, FALSE);
  bot.exit_status = EXIT_SUCCESS;
  bot.call_user = g_steal_pointer (&call_user);
  bot.call_retries = 30;
  /* the bot's own picture and tone */
  bot.video_source = video_source != NULL ? g_steal_pointer (&video_source) : g_strdup (DEFAULT_VIDEO_SOURCE);
  bot.audio_source = audio_source != NULL ? g_steal_pointer (&audio_source) : g_strdup (DEFAULT_AUDIO_SOURCE);
  bot.audio_only = audio_only;
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &bot);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &bot);

  log_event (G_LOG_LEVEL_MESSAGE, "start", "Signing in to %s", server);
  user_agent = confab_user_agent_new (uri);
  confab_user_agent_register_async (user_agent, info, NULL, on_registered, &bot);

  g_main_loop_run (bot.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  if (bot.session != NULL)
    g_signal_handlers_disconnect_by_data (bot.session, &bot);
  g_clear_object (&bot.session);
  g_main_loop_unref (bot.loop);
  g_free (bot.call_user);
  g_free (bot.video_source);
  g_free (bot.audio_source);

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return bot.exit_status;
}
