/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call.c: a one-to-one audio/video call with a contact */

#define G_LOG_DOMAIN "confab-call"

#include "config.h"

#include "confab-call-private.h"
#include "confab-call-engine.h"
#include "confab-contact.h"
#include "confab-enum-types.h"
#include "confab-media-enum-types.h"
#include "confab-error.h"
#include "confab-session-private.h"
#include "confab-stream-private.h"

/**
 * ConfabCall:
 *
 * A one-to-one call between this session and a #ConfabContact, made by
 * confab_contact_call() or by accepting a #ConfabReceivedCallInvitation. The session
 * owns its calls (confab_session_get_call()): a call stays valid for the session's
 * life, also once it has ended.
 *
 * An outgoing call starts as %CONFAB_CALL_STATUS_WAITING_FOR_CALLEE, moves to
 * %CONFAB_CALL_STATUS_RINGING when the callee's client rings, to
 * %CONFAB_CALL_STATUS_ONGOING when it is accepted (#ConfabCall::accepted), and to
 * %CONFAB_CALL_STATUS_ENDED when it is declined (#ConfabCall::declined) or hung up
 * (#ConfabCall::hangup). The caller makes the first WebRTC offer once the call is
 * accepted (docs/PROTOCOL.md §7).
 *
 * Media recovers by itself: when ICE fails, or the network changes, the caller
 * restarts ICE; a call whose media does not come back within a bound (15 s; the
 * environment variable `CONFAB_CALL_MEDIA_TIMEOUT_MS` changes it) ends with the
 * reason `Ice_failed`. An invitation nobody answers ends with the reason `Timeout`
 * (after 60 s on the server; `CONFAB_CALL_INVITE_TIMEOUT_MS` sets the client's own
 * bound, 65 s by default). `CONFAB_CALL_MEDIA=none` in the environment makes calls
 * signaling only, with no media at all.
 */

#define DEFAULT_INVITE_TIMEOUT_MS 65000
#define DEFAULT_MEDIA_TIMEOUT_MS  15000

typedef enum {
  END_HANGUP,
  END_DECLINED,
} EndKind;

struct _ConfabCall
{
  GObject              parent_instance;

  /* borrowed */
  GWeakRef             session;

  /* owned */
  ConfabContact       *contact;
  char                *id;
  GDateTime           *start_time;
  GPtrArray           *published_streams;   /* ConfabStream */
  GPtrArray           *received_streams;    /* ConfabStream */
  ConfabMediaDevice   *speaker;             /* NULL: the default output */
  ConfabCallEngine    *engine;        /* NULL until accepted, and after the end */
  GSource             *invite_timeout;
  GSource             *media_timeout;
  GSource             *stats_source;

  ConfabCallStatus     status;
  ConfabCallDirection  direction;
  ConfabCallMedia      media;
  ConfabCallQuality    quality;
  ConfabRecordMode     record_mode;
  gboolean             audio_enabled;
  gboolean             video_enabled;
  gboolean             remote_screen;       /* the other party says it shares its screen */
  char                *remote_screen_msid;  /* and which of its streams it is; NULL: unsaid */
  gboolean             media_connected;
  gboolean             owns_published_streams;
  gboolean             stats_pending;
};

G_DEFINE_FINAL_TYPE (ConfabCall, confab_call, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CONTACT,
  PROP_STATUS,
  PROP_DIRECTION,
  PROP_MEDIA,
  PROP_START_TIME,
  PROP_QUALITY,
  PROP_MEDIA_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ACCEPTED,
  SIGNAL_DECLINED,
  SIGNAL_HANGUP,
  SIGNAL_STREAM_ADDED,
  SIGNAL_STREAM_REMOVED,
  SIGNAL_REMOTE_STREAM_UPDATED,
  SIGNAL_STATS_UPDATE,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void end_call     (ConfabCall  *self,
                          EndKind      kind,
                          const char  *from,
                          const char  *reason);
static void media_start  (ConfabCall  *self);
static void tell_media_state (ConfabCall *self);

/* marks a published stream the call made itself */
static GQuark
made_stream_quark (void)
{
  return g_quark_from_static_string ("confab-call-made-stream");
}

/* helpers */

static guint
env_ms (const char *name,
        guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 parsed;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32, &parsed, NULL))
    return fallback;

  return (guint) parsed;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
add_timeout (ConfabCall  *self,
             guint        ms,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
set_status (ConfabCall       *self,
            ConfabCallStatus  status)
{
  if (self->status == status)
    return;

  g_debug ("Call %s: status %d → %d", self->id, self->status, status);
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
emit_error (ConfabCall   *self,
            const GError *error)
{
  g_debug ("Call %s: %s", self->id, error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

/* published streams */

static void on_published_stream_ended (ConfabStream *stream,
                                       ConfabCall   *self);

static void
publish (ConfabCall   *self,
         ConfabStream *stream)
{
  g_ptr_array_add (self->published_streams, g_object_ref (stream));
  g_signal_connect_object (stream, "ended", G_CALLBACK (on_published_stream_ended), self, 0);
}

/* Stops sending @stream (the peer is told by renegotiation, and by the media event
 * when it was the screen); a stream the call made itself stops capturing. */
static gboolean
unpublish (ConfabCall    *self,
           ConfabStream  *stream,
           GError       **error)
{
  g_autoptr(ConfabStream) hold = g_object_ref (stream);
  gboolean was_screen = confab_stream_get_is_screensharing (stream);

  if (self->engine != NULL && !_confab_call_engine_remove_stream (self->engine, stream, error))
    return FALSE;

  g_debug ("Call %s: no longer sending stream %s", self->id, confab_stream_get_id (stream));
  g_signal_handlers_disconnect_by_func (stream, on_published_stream_ended, self);
  g_ptr_array_remove (self->published_streams, stream);
  if (was_screen)
    tell_media_state (self);
  if (g_object_get_qdata (G_OBJECT (stream), made_stream_quark ()) != NULL)
    confab_stream_release (stream);

  return TRUE;
}

/* A published stream ended by itself (released: a closed screen-share portal, a
 * camera the application stopped): the call stops sending it. */
static void
on_published_stream_ended (ConfabStream *stream,
                           ConfabCall   *self)
{
  g_autoptr(GError) error = NULL;

  if (self->status == CONFAB_CALL_STATUS_ENDED || !g_ptr_array_find (self->published_streams, stream, NULL))
    return;

  /* One that shares its media lines with what the other party sends (the streams a
   * call starts with) cannot be taken off them: it stays published, sending nothing,
   * and can still be replaced (confab_call_replace_published_stream_async()). */
  if (!unpublish (self, stream, &error))
    {
      if (g_error_matches (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED))
        g_debug ("Call %s: stream %s ended but stays published: %s", self->id,
                 confab_stream_get_id (stream), error->message);
      else
        emit_error (self, error);
    }
}

const char *
_confab_call_media_to_string (ConfabCallMedia media)
{
  switch (media)
    {
    case CONFAB_CALL_MEDIA_AUDIO:
      return "audio";
    case CONFAB_CALL_MEDIA_VIDEO:
      return "video";
    case CONFAB_CALL_MEDIA_SCREEN:
      return "screen";
    default:
      return NULL;
    }
}

gboolean
_confab_call_media_from_string (const char      *name,
                                ConfabCallMedia *out_media)
{
  for (ConfabCallMedia media = CONFAB_CALL_MEDIA_AUDIO; media <= CONFAB_CALL_MEDIA_SCREEN; media++)
    {
      if (g_strcmp0 (name, _confab_call_media_to_string (media)) == 0)
        {
          *out_media = media;
          return TRUE;
        }
    }

  return FALSE;
}

/* requests to the server */

typedef struct {
  ConfabWireType type;
} RequestData;

static void
on_request_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ConfabCall *self = CONFAB_CALL (object);
  ConfabWireType type = GPOINTER_TO_INT (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = NULL;

  ok = g_task_propagate_pointer (G_TASK (result), &error);
  if (ok != NULL)
    return;

  if (type == CONFAB_WIRE_CALL_INVITE && self->status != CONFAB_CALL_STATUS_ENDED)
    {
      /* the callee cannot be called: an offline or unknown user, ourselves, too many calls */
      emit_error (self, error);
      end_call (self, END_HANGUP, "local",
                g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NOT_FOUND) ? "User_Not_Found" : "Call_Failed");
      return;
    }

  if (self->status == CONFAB_CALL_STATUS_ENDED)
    {
      /* e.g. a hang-up that crossed the other party's: the server already ended it */
      g_debug ("Call %s: %s after the end: %s", self->id, confab_wire_type_to_string (type), error->message);
      return;
    }

  emit_error (self, error);
}

/* Sends a call request; @request gets "callId". Errors become ::error (or end an invite). */
static void
send_request (ConfabCall *self,
              JsonObject *request)
{
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  ConfabWireType type = confab_wire_type_from_string (json_object_get_string_member (request, "type"));
  g_autoptr(GTask) task = g_task_new (self, NULL, on_request_done, GINT_TO_POINTER (type));
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, send_request);
  json_object_set_string_member (request, "callId", self->id);

  if (session == NULL || !_confab_session_can_send (session, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (CONFAB_ERROR, CONFAB_ERROR_DISCONNECTED, "The session of this call is gone");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _confab_session_submit (session, request, self->id, NULL, task);
}

static void
send_simple (ConfabCall     *self,
             ConfabWireType  type,
             const char     *reason)
{
  g_autoptr(JsonObject) request = confab_wire_object_new (type, 0);

  if (reason != NULL)
    json_object_set_string_member (request, "reason", reason);
  send_request (self, request);
}

/* the end */

static void
stop_timers (ConfabCall *self)
{
  clear_source (&self->invite_timeout);
  clear_source (&self->media_timeout);
  clear_source (&self->stats_source);
}

static void
end_call (ConfabCall *self,
          EndKind     kind,
          const char *from,
          const char *reason)
{
  g_autoptr(ConfabCall) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);

  if (self->status == CONFAB_CALL_STATUS_ENDED)
    return;

  g_debug ("Call %s ends (%s, %s)", self->id, from, reason);
  stop_timers (self);
  _confab_call_engine_stop (self->engine);
  set_status (self, CONFAB_CALL_STATUS_ENDED);

  if (kind == END_DECLINED)
    g_signal_emit (self, signals[SIGNAL_DECLINED], 0, reason);
  else
    g_signal_emit (self, signals[SIGNAL_HANGUP], 0, from, reason);

  /* the remote media is gone */
  while (self->received_streams->len > 0)
    {
      g_autoptr(GObject) stream = g_object_ref (g_ptr_array_index (self->received_streams, self->received_streams->len - 1));

      g_ptr_array_remove_index (self->received_streams, self->received_streams->len - 1);
      g_signal_emit (self, signals[SIGNAL_STREAM_REMOVED], 0, stream);
    }

  g_clear_pointer (&self->engine, _confab_call_engine_free);

  /* the streams the call made itself stop capturing (a shared screen too) */
  for (guint i = 0; i < self->published_streams->len; i++)
    {
      ConfabStream *stream = g_ptr_array_index (self->published_streams, i);

      if (self->owns_published_streams || g_object_get_qdata (G_OBJECT (stream), made_stream_quark ()) != NULL)
        confab_stream_release (stream);
    }

  if (session != NULL)
    _confab_session_call_ended (session, self);
}

void
_confab_call_end (ConfabCall *self,
                  const char *from,
                  const char *reason,
                  gboolean    tell_peer)
{
  g_return_if_fail (CONFAB_IS_CALL (self));

  if (self->status == CONFAB_CALL_STATUS_ENDED)
    return;

  if (tell_peer)
    {
      if (self->status == CONFAB_CALL_STATUS_ONGOING)
        send_simple (self, CONFAB_WIRE_CALL_HANGUP, reason);
      else if (self->direction == CONFAB_CALL_DIRECTION_OUTGOING)
        send_simple (self, CONFAB_WIRE_CALL_CANCEL, reason);
    }

  end_call (self, END_HANGUP, from, reason);
}

void
_confab_call_set_owns_published_streams (ConfabCall *self)
{
  self->owns_published_streams = TRUE;
  for (guint i = 0; i < self->published_streams->len; i++)
    g_object_set_qdata (g_ptr_array_index (self->published_streams, i), made_stream_quark (), GINT_TO_POINTER (1));
}

/* CONFAB_CALL_MEDIA=none: calls are signaled but set up no media at all (tests of the
 * signaling state machine; taking media out of the picture when debugging). */
gboolean
_confab_call_signaling_only (void)
{
  return g_strcmp0 (g_getenv ("CONFAB_CALL_MEDIA"), "none") == 0;
}

gboolean
_confab_call_is_active (ConfabCall *self)
{
  return self->status != CONFAB_CALL_STATUS_ENDED;
}

/* timers */

static gboolean
on_invite_timeout (gpointer data)
{
  ConfabCall *self = data;

  g_clear_pointer (&self->invite_timeout, g_source_unref);
  if (self->status == CONFAB_CALL_STATUS_WAITING_FOR_CALLEE || self->status == CONFAB_CALL_STATUS_RINGING)
    {
      send_simple (self, CONFAB_WIRE_CALL_CANCEL, "Timeout");
      end_call (self, END_DECLINED, "local", "Timeout");
    }

  return G_SOURCE_REMOVE;
}

static gboolean
on_media_timeout (gpointer data)
{
  ConfabCall *self = data;

  g_clear_pointer (&self->media_timeout, g_source_unref);
  if (self->status == CONFAB_CALL_STATUS_ONGOING && !self->media_connected)
    {
      g_debug ("Call %s: media did not connect in time", self->id);
      _confab_call_end (self, "local", "Ice_failed", TRUE);
    }

  return G_SOURCE_REMOVE;
}

static void
arm_media_timeout (ConfabCall *self)
{
  if (self->media_timeout != NULL || self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  self->media_timeout = add_timeout (self, env_ms ("CONFAB_CALL_MEDIA_TIMEOUT_MS", DEFAULT_MEDIA_TIMEOUT_MS),
                                     on_media_timeout);
}

/* media: the call's side of the engine (confab-call-media.c) */

void
_confab_call_on_media_send_sdp (ConfabCall *self,
                             const char *type,
                             const char *sdp)
{
  g_autoptr(JsonObject) request = NULL;

  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  g_debug ("Call %s: sending an %s", self->id, type);
  request = confab_wire_object_new (CONFAB_WIRE_CALL_SDP, 0);
  json_object_set_string_member (request, "sdpType", type);
  json_object_set_string_member (request, "sdp", sdp);
  send_request (self, request);
}

void
_confab_call_on_media_send_ice (ConfabCall *self,
                             guint       mline,
                             const char *mid,
                             const char *candidate)
{
  g_autoptr(JsonObject) request = NULL;

  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  request = confab_wire_object_new (CONFAB_WIRE_CALL_ICE, 0);
  json_object_set_string_member (request, "candidate", candidate != NULL ? candidate : "");
  json_object_set_int_member (request, "sdpMLineIndex", mline);
  if (mid != NULL && *mid != '\0')
    json_object_set_string_member (request, "sdpMid", mid);
  send_request (self, request);
}

void
_confab_call_on_media_connected (ConfabCall           *self,
                                 ConfabCallMediaState  state)
{
  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  if (self->media_connected != (state == CONFAB_CALL_MEDIA_STATE_CONNECTED))
    {
      self->media_connected = state == CONFAB_CALL_MEDIA_STATE_CONNECTED;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEDIA_CONNECTED]);
    }
  if (self->media_connected)
    {
      g_debug ("Call %s: media connected", self->id);
      clear_source (&self->media_timeout);
      return;
    }

  /* lost: ICE may come back by itself from "disconnected"; after "failed" the caller
   * restarts it. Either side gives up after the bound. */
  g_debug ("Call %s: media %s", self->id, state == CONFAB_CALL_MEDIA_STATE_FAILED ? "failed" : "disconnected");
  if (state == CONFAB_CALL_MEDIA_STATE_FAILED &&
      self->direction == CONFAB_CALL_DIRECTION_OUTGOING && self->engine != NULL)
    _confab_call_engine_restart_ice (self->engine);
  arm_media_timeout (self);
}

void
_confab_call_on_media_stream_updated (ConfabCall   *self,
                                      ConfabStream *stream)
{
  if (self->status == CONFAB_CALL_STATUS_ONGOING)
    g_signal_emit (self, signals[SIGNAL_REMOTE_STREAM_UPDATED], 0, stream);
}

/* Which received stream is the other party's screen share: PROTOCOL.md §7 — the one
 * whose msid the media event names; from a sender that names none, the stream the
 * screen's renegotiation added (the last of two or more), or the only one in a call
 * that was not started with the camera. */
static void
apply_remote_screen (ConfabCall *self)
{
  ConfabStream *screen = NULL;
  guint n = self->received_streams->len;

  if (self->remote_screen && self->remote_screen_msid != NULL)
    {
      for (guint i = 0; i < n && screen == NULL && self->engine != NULL; i++)
        {
          ConfabStream *stream = g_ptr_array_index (self->received_streams, i);

          if (g_strcmp0 (_confab_call_engine_get_remote_msid (self->engine, stream),
                         self->remote_screen_msid) == 0)
            screen = stream;
        }
    }
  else if (self->remote_screen)
    {
      if (n >= 2)
        screen = g_ptr_array_index (self->received_streams, n - 1);
      else if (n == 1 && self->media != CONFAB_CALL_MEDIA_VIDEO)
        screen = g_ptr_array_index (self->received_streams, 0);
    }

  for (guint i = 0; i < n; i++)
    {
      ConfabStream *stream = g_ptr_array_index (self->received_streams, i);
      gboolean is_screen = stream == screen;

      if (confab_stream_get_is_screensharing (stream) == is_screen)
        continue;

      _confab_stream_set_is_screensharing (stream, is_screen);
      if (self->status == CONFAB_CALL_STATUS_ONGOING)
        g_signal_emit (self, signals[SIGNAL_REMOTE_STREAM_UPDATED], 0, stream);
    }
}

void
_confab_call_on_media_stream_added (ConfabCall   *self,
                                 ConfabStream *stream)
{
  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  g_ptr_array_add (self->received_streams, g_object_ref (stream));
  if (self->speaker != NULL)
    confab_stream_set_audio_output_device (stream, self->speaker, NULL);
  g_signal_emit (self, signals[SIGNAL_STREAM_ADDED], 0, stream);
  apply_remote_screen (self);
}

void
_confab_call_on_media_stream_removed (ConfabCall   *self,
                                      ConfabStream *stream)
{
  g_autoptr(ConfabStream) hold G_GNUC_UNUSED = g_object_ref (stream);

  if (g_ptr_array_remove (self->received_streams, stream))
    g_signal_emit (self, signals[SIGNAL_STREAM_REMOVED], 0, stream);
}

void
_confab_call_on_media_error (ConfabCall   *self,
                          const GError *error)
{
  emit_error (self, error);
}

static void
media_start (ConfabCall *self)
{
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  g_autoptr(GError) error = NULL;

  if (session == NULL || self->engine != NULL)
    return;

  if (_confab_call_signaling_only ())
    {
      g_debug ("Call %s: signaling only, no media", self->id);
      return;
    }

  self->engine = _confab_call_engine_new (self, _confab_session_get_ice_servers (session), &error);
  if (self->engine == NULL)
    {
      emit_error (self, error);
      _confab_call_end (self, "local", "User_Media_Error", TRUE);
      return;
    }

  for (guint i = 0; i < self->published_streams->len; i++)
    _confab_call_engine_add_stream (self->engine, g_ptr_array_index (self->published_streams, i));

  arm_media_timeout (self);
  _confab_call_update_monitoring (self);

  if (self->direction == CONFAB_CALL_DIRECTION_OUTGOING)
    _confab_call_engine_offer (self->engine);
}

/* events from the other party */

void
_confab_call_handle_event (ConfabCall        *self,
                           ConfabWireMessage *message)
{
  g_autoptr(ConfabCall) hold G_GNUC_UNUSED = g_object_ref (self);
  JsonObject *object = message->object;
  const char *reason = json_object_get_string_member_with_default (object, "reason", NULL);
  gboolean outgoing = self->direction == CONFAB_CALL_DIRECTION_OUTGOING;
  gboolean waiting = self->status == CONFAB_CALL_STATUS_WAITING_FOR_CALLEE ||
                     self->status == CONFAB_CALL_STATUS_RINGING;

  switch (message->type)
    {
    case CONFAB_WIRE_CALL_RINGING:
      if (outgoing && self->status == CONFAB_CALL_STATUS_WAITING_FOR_CALLEE)
        set_status (self, CONFAB_CALL_STATUS_RINGING);
      break;

    case CONFAB_WIRE_CALL_ACCEPT:
      if (outgoing && waiting)
        {
          clear_source (&self->invite_timeout);
          self->start_time = g_date_time_new_now_local ();
          set_status (self, CONFAB_CALL_STATUS_ONGOING);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
          g_signal_emit (self, signals[SIGNAL_ACCEPTED], 0);
          if (self->status == CONFAB_CALL_STATUS_ONGOING)
            media_start (self);
        }
      break;

    case CONFAB_WIRE_CALL_DECLINE:
      if (outgoing && waiting)
        end_call (self, END_DECLINED, "remote", reason != NULL ? reason : "User_Refused_Call");
      break;

    case CONFAB_WIRE_CALL_CANCEL:
      /* only a callee's pending invitation is cancelled; a call object is past that */
      if (!outgoing)
        end_call (self, END_HANGUP, "remote", reason != NULL ? reason : "Hangup_From_Caller");
      break;

    case CONFAB_WIRE_CALL_HANGUP:
      end_call (self, END_HANGUP, "remote",
                reason != NULL ? reason : (outgoing ? "Hangup_From_Callee" : "Hangup_From_Caller"));
      break;

    case CONFAB_WIRE_CALL_SDP:
      g_debug ("Call %s: received an %s", self->id, json_object_get_string_member (object, "sdpType"));
      if (self->status == CONFAB_CALL_STATUS_ONGOING && self->engine != NULL)
        _confab_call_engine_take_sdp (self->engine,
                                     json_object_get_string_member (object, "sdpType"),
                                     json_object_get_string_member (object, "sdp"));
      break;

    case CONFAB_WIRE_CALL_ICE:
      if (self->status == CONFAB_CALL_STATUS_ONGOING && self->engine != NULL)
        _confab_call_engine_take_ice (self->engine,
                                     json_object_get_int_member (object, "sdpMLineIndex"),
                                     json_object_get_string_member (object, "candidate"));
      break;

    case CONFAB_WIRE_CALL_INVITE:
    case CONFAB_WIRE_UNKNOWN:
    case CONFAB_WIRE_HELLO:
    case CONFAB_WIRE_WELCOME:
    case CONFAB_WIRE_REGISTER:
    case CONFAB_WIRE_RESUME:
    case CONFAB_WIRE_DISCONNECT:
    case CONFAB_WIRE_PING:
    case CONFAB_WIRE_PONG:
    case CONFAB_WIRE_RESULT:
    case CONFAB_WIRE_ERROR_MESSAGE:
    case CONFAB_WIRE_CONTACT_MESSAGE:
    case CONFAB_WIRE_CONTACT_DATA:
    case CONFAB_WIRE_CUSTOM_EVENT:
    case CONFAB_WIRE_RAW_DATA:
    default:
      break;
    }
}

/* The other party muted or unmuted: {callId, audio, video}. */
void
_confab_call_handle_media_event (ConfabCall *self,
                                 JsonObject *content)
{
  JsonNode *audio = json_object_get_member (content, "audio");
  JsonNode *video = json_object_get_member (content, "video");
  JsonNode *screen = json_object_get_member (content, "screen");
  JsonNode *screen_msid = json_object_get_member (content, "screenMsid");

  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  /* absent (an older sender): what was said before stands */
  if (screen != NULL && json_node_get_value_type (screen) == G_TYPE_BOOLEAN)
    {
      self->remote_screen = json_node_get_boolean (screen);
      g_clear_pointer (&self->remote_screen_msid, g_free);
      if (self->remote_screen && screen_msid != NULL &&
          json_node_get_value_type (screen_msid) == G_TYPE_STRING &&
          *json_node_get_string (screen_msid) != '\0')
        self->remote_screen_msid = g_strdup (json_node_get_string (screen_msid));
      apply_remote_screen (self);
    }

  for (guint i = 0; i < self->received_streams->len; i++)
    {
      ConfabStream *stream = g_ptr_array_index (self->received_streams, i);

      _confab_call_engine_set_remote_enabled (stream,
                                             audio != NULL && json_node_get_value_type (audio) == G_TYPE_BOOLEAN
                                             ? json_node_get_boolean (audio) ? 1 : 0 : -1,
                                             video != NULL && json_node_get_value_type (video) == G_TYPE_BOOLEAN
                                             ? json_node_get_boolean (video) ? 1 : 0 : -1);
      g_signal_emit (self, signals[SIGNAL_REMOTE_STREAM_UPDATED], 0, stream);
    }
}

/* statistics */

static void
on_stats (ConfabCall            *self,
          const ConfabCallStats *stats)
{
  ConfabCallStats copy;
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);

  self->stats_pending = FALSE;
  if (stats == NULL || self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  copy = *stats;
  if (session != NULL && _confab_session_get_quality_evaluating (session))
    {
      if (self->quality != copy.quality)
        {
          self->quality = copy.quality;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUALITY]);
        }
    }
  else
    {
      copy.mos = 0;
      copy.quality = CONFAB_CALL_QUALITY_UNKNOWN;
    }

  g_signal_emit (self, signals[SIGNAL_STATS_UPDATE], 0, &copy);
}

void
_confab_call_on_media_stats (ConfabCall            *self,
                          const ConfabCallStats *stats)
{
  on_stats (self, stats);
}

static gboolean
on_stats_tick (gpointer data)
{
  ConfabCall *self = data;

  if (self->engine != NULL && !self->stats_pending)
    {
      self->stats_pending = TRUE;
      _confab_call_engine_request_stats (self->engine);
    }

  return G_SOURCE_CONTINUE;
}

void
_confab_call_update_monitoring (ConfabCall *self)
{
  g_autoptr(ConfabSession) session = g_weak_ref_get (&self->session);
  guint interval = session != NULL ? _confab_session_get_stats_interval (session) : 0;

  clear_source (&self->stats_source);
  if (interval == 0 || self->status != CONFAB_CALL_STATUS_ONGOING || self->engine == NULL)
    return;

  self->stats_source = g_timeout_source_new (interval);
  g_source_set_callback (self->stats_source, on_stats_tick, self, NULL);
  g_source_attach (self->stats_source, g_main_context_get_thread_default ());
}

void
_confab_call_network_changed (ConfabCall *self)
{
  if (self->status != CONFAB_CALL_STATUS_ONGOING || self->engine == NULL)
    return;

  if (self->direction == CONFAB_CALL_DIRECTION_OUTGOING)
    _confab_call_engine_restart_ice (self->engine);
}

/* GObject */

static void
confab_call_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ConfabCall *self = CONFAB_CALL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;

    case PROP_MEDIA:
      g_value_set_enum (value, self->media);
      break;

    case PROP_START_TIME:
      g_value_set_boxed (value, self->start_time);
      break;

    case PROP_QUALITY:
      g_value_set_enum (value, self->quality);
      break;

    case PROP_MEDIA_CONNECTED:
      g_value_set_boolean (value, self->media_connected);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_call_dispose (GObject *object)
{
  ConfabCall *self = CONFAB_CALL (object);

  stop_timers (self);
  g_clear_pointer (&self->engine, _confab_call_engine_free);

  G_OBJECT_CLASS (confab_call_parent_class)->dispose (object);
}

static void
confab_call_finalize (GObject *object)
{
  ConfabCall *self = CONFAB_CALL (object);

  g_weak_ref_clear (&self->session);
  g_clear_object (&self->contact);
  g_clear_pointer (&self->start_time, g_date_time_unref);
  g_clear_pointer (&self->published_streams, g_ptr_array_unref);
  g_clear_pointer (&self->received_streams, g_ptr_array_unref);
  g_clear_object (&self->speaker);
  g_free (self->remote_screen_msid);
  g_free (self->id);

  G_OBJECT_CLASS (confab_call_parent_class)->finalize (object);
}

static void
confab_call_class_init (ConfabCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_call_get_property;
  object_class->dispose = confab_call_dispose;
  object_class->finalize = confab_call_finalize;

  /**
   * ConfabCall:id:
   *
   * The call id (a uuid made by the caller).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:contact:
   *
   * The other party.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, CONFAB_TYPE_CONTACT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:status:
   *
   * Where the call is in its life.
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       CONFAB_TYPE_CALL_STATUS, CONFAB_CALL_STATUS_WAITING_FOR_CALLEE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:direction:
   *
   * Whether this session called or was called.
   */
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL,
                       CONFAB_TYPE_CALL_DIRECTION, CONFAB_CALL_DIRECTION_OUTGOING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:media:
   *
   * What the call was started for: audio, video or a screen share.
   */
  properties[PROP_MEDIA] =
    g_param_spec_enum ("media", NULL, NULL,
                       CONFAB_TYPE_CALL_MEDIA, CONFAB_CALL_MEDIA_AUDIO,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:start-time:
   *
   * When the call was accepted (a #GDateTime, local time); %NULL before.
   */
  properties[PROP_START_TIME] =
    g_param_spec_boxed ("start-time", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:quality:
   *
   * The last quality grade, while confab_session_set_quality_evaluating_enabled() is
   * on and statistics are monitored.
   */
  properties[PROP_QUALITY] =
    g_param_spec_enum ("quality", NULL, NULL,
                       CONFAB_TYPE_CALL_QUALITY, CONFAB_CALL_QUALITY_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabCall:media-connected:
   *
   * Whether the call's media path (ICE) is up: %FALSE until it first connects, and
   * while it is lost and being restarted.
   */
  properties[PROP_MEDIA_CONNECTED] =
    g_param_spec_boolean ("media-connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabCall::accepted:
   * @self: the call
   *
   * The callee accepted this outgoing call; media is being set up.
   */
  signals[SIGNAL_ACCEPTED] =
    g_signal_new ("accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ConfabCall::declined:
   * @self: the call
   * @reason: why: `User_Refused_Call`, `User_Busy`, `Timeout`, …
   *
   * The callee declined this outgoing call, or nobody answered it; the call has
   * ended.
   */
  signals[SIGNAL_DECLINED] =
    g_signal_new ("declined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * ConfabCall::hangup:
   * @self: the call
   * @from: `"local"` when this side ended the call, `"remote"` when the other did
   * @reason: why: `Hangup_From_Caller`, `Hangup_From_Callee`, `Ice_failed`,
   *   `disconnected`, `User_Not_Found`, …
   *
   * The call has ended.
   */
  signals[SIGNAL_HANGUP] =
    g_signal_new ("hangup", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * ConfabCall::stream-added:
   * @self: the call
   * @stream: the #ConfabStream received
   *
   * Remote media arrived.
   */
  signals[SIGNAL_STREAM_ADDED] =
    g_signal_new ("stream-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_STREAM);

  /**
   * ConfabCall::stream-removed:
   * @self: the call
   * @stream: the #ConfabStream that ended
   *
   * Remote media ended: the other party stopped sending @stream mid-call
   * (confab_call_remove_stream() on its side, e.g. the end of a screen share), or the
   * call ended. @stream is no longer among the received streams, and emits
   * #ConfabStream::ended.
   */
  signals[SIGNAL_STREAM_REMOVED] =
    g_signal_new ("stream-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_STREAM);

  /**
   * ConfabCall::remote-stream-updated:
   * @self: the call
   * @stream: the received #ConfabStream
   *
   * The other party muted or unmuted its audio or video: the stream's
   * `audio-enabled` and `video-enabled` say what it sends now.
   */
  signals[SIGNAL_REMOTE_STREAM_UPDATED] =
    g_signal_new ("remote-stream-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_STREAM);

  /**
   * ConfabCall::stats-update:
   * @self: the call
   * @stats: the #ConfabCallStats sample
   *
   * Periodic statistics, while confab_session_set_call_stats_monitoring_enabled() is on.
   */
  signals[SIGNAL_STATS_UPDATE] =
    g_signal_new ("stats-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, CONFAB_TYPE_CALL_STATS | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * ConfabCall::error:
   * @self: the call
   * @error: what went wrong
   *
   * Something failed that no method call is waiting for: the server refused a call
   * message, or the media engine failed.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
confab_call_init (ConfabCall *self)
{
  g_weak_ref_init (&self->session, NULL);
  self->published_streams = g_ptr_array_new_with_free_func (g_object_unref);
  self->received_streams = g_ptr_array_new_with_free_func (g_object_unref);
  self->audio_enabled = TRUE;
  self->video_enabled = TRUE;
}

ConfabCall *
_confab_call_new (ConfabSession       *session,
                  ConfabContact       *contact,
                  const char          *call_id,
                  ConfabCallDirection  direction,
                  ConfabCallMedia      media,
                  ConfabStream        *stream)
{
  ConfabCall *self = g_object_new (CONFAB_TYPE_CALL, NULL);

  g_weak_ref_set (&self->session, session);
  self->contact = g_object_ref (contact);
  self->id = g_strdup (call_id);
  self->direction = direction;
  self->media = media;
  if (stream != NULL)
    publish (self, stream);

  return self;
}

/* The caller side: sends the invitation. */
void
_confab_call_invite (ConfabCall *self)
{
  g_autoptr(JsonObject) request = confab_wire_object_new (CONFAB_WIRE_CALL_INVITE, 0);

  json_object_set_string_member (request, "to", confab_contact_get_id (self->contact));
  json_object_set_string_member (request, "media", _confab_call_media_to_string (self->media));
  send_request (self, request);

  self->invite_timeout = add_timeout (self, env_ms ("CONFAB_CALL_INVITE_TIMEOUT_MS", DEFAULT_INVITE_TIMEOUT_MS),
                                      on_invite_timeout);
}

/* The callee side, once the server confirmed the accept: wait for the caller's offer. */
void
_confab_call_start_incoming (ConfabCall *self)
{
  self->start_time = g_date_time_new_now_local ();
  /* invited to a screen share: what the caller sends is its screen */
  if (self->media == CONFAB_CALL_MEDIA_SCREEN)
    self->remote_screen = TRUE;
  set_status (self, CONFAB_CALL_STATUS_ONGOING);
  media_start (self);
}

/**
 * confab_call_get_id:
 * @self: a #ConfabCall
 *
 * Returns: the call id
 */
const char *
confab_call_get_id (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);
  return self->id;
}

/**
 * confab_call_get_contact:
 * @self: a #ConfabCall
 *
 * Returns: (transfer none): the other party
 */
ConfabContact *
confab_call_get_contact (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);
  return self->contact;
}

/**
 * confab_call_get_status:
 * @self: a #ConfabCall
 *
 * Returns: where the call is in its life
 */
ConfabCallStatus
confab_call_get_status (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), CONFAB_CALL_STATUS_ENDED);
  return self->status;
}

/**
 * confab_call_get_direction:
 * @self: a #ConfabCall
 *
 * Returns: whether this session called or was called
 */
ConfabCallDirection
confab_call_get_direction (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), CONFAB_CALL_DIRECTION_OUTGOING);
  return self->direction;
}

/**
 * confab_call_get_media:
 * @self: a #ConfabCall
 *
 * Returns: what the call was started for
 */
ConfabCallMedia
confab_call_get_media (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), CONFAB_CALL_MEDIA_AUDIO);
  return self->media;
}

/**
 * confab_call_get_start_time:
 * @self: a #ConfabCall
 *
 * Returns: (transfer none) (nullable): when the call was accepted
 */
GDateTime *
confab_call_get_start_time (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);
  return self->start_time;
}

/**
 * confab_call_get_quality:
 * @self: a #ConfabCall
 *
 * Returns: the last quality grade
 */
ConfabCallQuality
confab_call_get_quality (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), CONFAB_CALL_QUALITY_UNKNOWN);
  return self->quality;
}

/**
 * confab_call_get_media_connected:
 * @self: a #ConfabCall
 *
 * Returns: whether the call's media path is up
 */
gboolean
confab_call_get_media_connected (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), FALSE);
  return self->media_connected;
}

/**
 * confab_call_hang_up:
 * @self: a #ConfabCall
 *
 * Ends the call: an outgoing call not answered yet is cancelled, an ongoing call is
 * hung up (reason `Hangup_From_Caller` or `Hangup_From_Callee`), and
 * #ConfabCall::hangup is emitted with from `"local"`. Does nothing on an ended call.
 */
void
confab_call_hang_up (ConfabCall *self)
{
  g_return_if_fail (CONFAB_IS_CALL (self));

  _confab_call_end (self, "local",
                    self->direction == CONFAB_CALL_DIRECTION_OUTGOING ? "Hangup_From_Caller" : "Hangup_From_Callee",
                    TRUE);
}

static GPtrArray *
copy_streams (GPtrArray *streams)
{
  GPtrArray *copy = g_ptr_array_new_full (streams->len, g_object_unref);

  for (guint i = 0; i < streams->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (streams, i)));

  return copy;
}

/**
 * confab_call_get_published_streams:
 * @self: a #ConfabCall
 *
 * Returns: (transfer container) (element-type ConfabStream): the local #ConfabStreams this
 *   call sends
 */
GPtrArray *
confab_call_get_published_streams (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);
  return copy_streams (self->published_streams);
}

/**
 * confab_call_get_received_streams:
 * @self: a #ConfabCall
 *
 * Returns: (transfer container) (element-type ConfabStream): the remote #ConfabStreams
 *   this call receives
 */
GPtrArray *
confab_call_get_received_streams (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);
  return copy_streams (self->received_streams);
}

static void
on_media_event_sent (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!confab_contact_send_custom_event_finish (CONFAB_CONTACT (object), result, &error))
    g_debug ("Could not tell the contact about muting: %s", error->message);
}

static ConfabStream *
screen_stream (ConfabCall *self)
{
  for (guint i = 0; i < self->published_streams->len; i++)
    if (confab_stream_get_is_screensharing (g_ptr_array_index (self->published_streams, i)))
      return g_ptr_array_index (self->published_streams, i);

  return NULL;
}

static void
tell_media_state (ConfabCall *self)
{
  g_autoptr(JsonObject) content = json_object_new ();

  if (self->status != CONFAB_CALL_STATUS_ONGOING)
    return;

  json_object_set_string_member (content, "callId", self->id);
  json_object_set_boolean_member (content, "audio", self->audio_enabled);
  json_object_set_boolean_member (content, "video", self->video_enabled);
  json_object_set_boolean_member (content, "screen", screen_stream (self) != NULL);
  /* which of the streams it receives is the screen: its msid in the SDP */
  if (screen_stream (self) != NULL && self->engine != NULL)
    {
      const char *msid = _confab_call_engine_get_local_msid (self->engine, screen_stream (self));

      if (msid != NULL)
        json_object_set_string_member (content, "screenMsid", msid);
    }
  confab_contact_send_custom_event_async (self->contact, CONFAB_CALL_MEDIA_EVENT, content,
                                          NULL, on_media_event_sent, NULL);
}

/**
 * confab_call_set_audio_enabled:
 * @self: a #ConfabCall
 * @enabled: %FALSE to mute the published audio
 *
 * Mutes or unmutes the audio this call sends; the other party gets
 * #ConfabCall::remote-stream-updated.
 */
void
confab_call_set_audio_enabled (ConfabCall *self,
                               gboolean    enabled)
{
  g_return_if_fail (CONFAB_IS_CALL (self));

  enabled = !!enabled;
  for (guint i = 0; i < self->published_streams->len; i++)
    _confab_call_engine_set_local_enabled (g_ptr_array_index (self->published_streams, i), enabled, -1);

  if (self->audio_enabled == enabled)
    return;

  self->audio_enabled = enabled;
  tell_media_state (self);
}

/**
 * confab_call_set_speaker:
 * @self: a #ConfabCall
 * @speaker: (nullable): a speaker (%CONFAB_MEDIA_DEVICE_KIND_SPEAKER) from
 *   #ConfabDeviceList, or %NULL for the default output
 * @error: return location for a #GError
 *
 * Plays the other party's audio on @speaker: the remote streams received so far
 * switch over at once, and those received later play there too. See
 * confab_stream_set_audio_output_device().
 *
 * Returns: %TRUE on success; %FALSE with %CONFAB_ERROR_BAD_PARAMETER, changing
 *   nothing, if @speaker is not a speaker
 */
gboolean
confab_call_set_speaker (ConfabCall         *self,
                         ConfabMediaDevice  *speaker,
                         GError            **error)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), FALSE);
  g_return_val_if_fail (speaker == NULL || CONFAB_IS_MEDIA_DEVICE (speaker), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (speaker != NULL && confab_media_device_get_kind (speaker) != CONFAB_MEDIA_DEVICE_KIND_SPEAKER)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                   "“%s” is not a speaker",
                   confab_media_device_get_display_name (speaker) != NULL ?
                   confab_media_device_get_display_name (speaker) : "(unnamed)");
      return FALSE;
    }

  if (!g_set_object (&self->speaker, speaker))
    return TRUE;

  for (guint i = 0; i < self->received_streams->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!confab_stream_set_audio_output_device (g_ptr_array_index (self->received_streams, i),
                                                  speaker, &local_error))
        g_warning ("Could not switch a remote stream's speaker: %s", local_error->message);
    }

  return TRUE;
}

/**
 * confab_call_get_speaker:
 * @self: a #ConfabCall
 *
 * Returns: (transfer none) (nullable): the speaker set with confab_call_set_speaker(),
 *   or %NULL for the default output
 */
ConfabMediaDevice *
confab_call_get_speaker (ConfabCall *self)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);

  return self->speaker;
}

/**
 * confab_call_set_video_enabled:
 * @self: a #ConfabCall
 * @enabled: %FALSE to stop sending video (the peer sees no new frames)
 *
 * Stops or resumes the video this call sends; the other party gets
 * #ConfabCall::remote-stream-updated.
 */
void
confab_call_set_video_enabled (ConfabCall *self,
                               gboolean    enabled)
{
  g_return_if_fail (CONFAB_IS_CALL (self));

  enabled = !!enabled;
  for (guint i = 0; i < self->published_streams->len; i++)
    _confab_call_engine_set_local_enabled (g_ptr_array_index (self->published_streams, i), -1, enabled);

  if (self->video_enabled == enabled)
    return;

  self->video_enabled = enabled;
  tell_media_state (self);
}

static gboolean
check_ongoing (ConfabCall  *self,
               GError     **error)
{
  if (self->status != CONFAB_CALL_STATUS_ONGOING || self->engine == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE, "The call is not ongoing");
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_call_add_stream_async:
 * @self: a #ConfabCall
 * @stream: a local #ConfabStream to send too (e.g. video added to an audio call)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the stream is part of the call
 * @user_data: (closure): data for @callback
 *
 * Adds a published stream to an ongoing call; the call renegotiates.
 */
void
confab_call_add_stream_async (ConfabCall          *self,
                              ConfabStream        *stream,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CONFAB_IS_CALL (self));
  g_return_if_fail (CONFAB_IS_STREAM (stream));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_call_add_stream_async);

  if (!check_ongoing (self, &error) ||
      !_confab_call_engine_add_stream_renegotiate (self->engine, stream, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  publish (self, stream);
  /* a screen the application captured itself: the other side learns which it is */
  if (confab_stream_get_is_screensharing (stream))
    tell_media_state (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * confab_call_add_stream_finish:
 * @self: a #ConfabCall
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the stream was added
 */
gboolean
confab_call_add_stream_finish (ConfabCall    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_call_remove_stream:
 * @self: a #ConfabCall
 * @stream: a #ConfabStream this call publishes
 * @error: return location for a #GError
 *
 * Stops sending @stream in an ongoing call (e.g. ends a screen share) and
 * renegotiates: the other party gets #ConfabCall::stream-removed for the stream it
 * received, and is told when it was the screen. A stream the call made itself (the
 * screen of confab_call_share_screen_async()) is released; one the application gave
 * stays its own. A published stream that is released
 * (confab_stream_release()) is removed from the call the same way, by itself.
 * Sharing the screen again afterwards adds a new stream.
 *
 * Only a stream on media lines of its own can be stopped: one added mid-call, or a
 * screen share. The streams a call starts with share their media lines with what
 * the other party sends (audio with audio, video with video), which webrtcbin cannot
 * make receive-only: mute them instead (confab_call_set_audio_enabled(),
 * confab_call_set_video_enabled()) or replace them
 * (confab_call_replace_published_stream_async()).
 *
 * Returns: %TRUE if @stream is no longer sent; %FALSE, changing nothing, with
 *   %CONFAB_ERROR_BAD_PARAMETER if this call does not publish @stream,
 *   %CONFAB_ERROR_WRONG_STATE if the call is not ongoing, or
 *   %CONFAB_MEDIA_ERROR_NOT_SUPPORTED if the other party sends on the stream's media
 *   lines too
 */
gboolean
confab_call_remove_stream (ConfabCall    *self,
                           ConfabStream  *stream,
                           GError       **error)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), FALSE);
  g_return_val_if_fail (CONFAB_IS_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_ptr_array_find (self->published_streams, stream, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                           "The stream is not published in this call");
      return FALSE;
    }

  if (!check_ongoing (self, error))
    return FALSE;

  return unpublish (self, stream, error);
}

/**
 * confab_call_replace_published_stream_async:
 * @self: a #ConfabCall
 * @old_stream: the published #ConfabStream to stop sending
 * @new_stream: the local #ConfabStream to send instead (another camera or microphone)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the switch is done
 * @user_data: (closure): data for @callback
 *
 * Switches devices mid-call without dropping the call.
 */
void
confab_call_replace_published_stream_async (ConfabCall          *self,
                                            ConfabStream        *old_stream,
                                            ConfabStream        *new_stream,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  guint index;

  g_return_if_fail (CONFAB_IS_CALL (self));
  g_return_if_fail (CONFAB_IS_STREAM (old_stream));
  g_return_if_fail (CONFAB_IS_STREAM (new_stream));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_call_replace_published_stream_async);

  if (!g_ptr_array_find (self->published_streams, old_stream, &index))
    {
      g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER,
                               "The stream to replace is not published in this call");
      return;
    }

  if (self->engine != NULL &&
      !_confab_call_engine_replace_stream (self->engine, old_stream, new_stream, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_signal_handlers_disconnect_by_func (old_stream, on_published_stream_ended, self);
  g_ptr_array_index (self->published_streams, index) = g_object_ref (new_stream);
  g_signal_connect_object (new_stream, "ended", G_CALLBACK (on_published_stream_ended), self, 0);
  g_object_unref (old_stream);
  g_task_return_boolean (task, TRUE);
}

/**
 * confab_call_replace_published_stream_finish:
 * @self: a #ConfabCall
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the new stream is being sent
 */
gboolean
confab_call_replace_published_stream_finish (ConfabCall    *self,
                                             GAsyncResult  *result,
                                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_screen_stream (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConfabCall *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) stream = NULL;

  stream = _confab_call_engine_create_screen_finish (result, &error);
  if (stream == NULL || !check_ongoing (self, &error) ||
      !_confab_call_engine_add_stream_renegotiate (self->engine, CONFAB_STREAM (stream), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* made here: it stops capturing when the call stops sending it */
  g_object_set_qdata (stream, made_stream_quark (), GINT_TO_POINTER (1));
  publish (self, CONFAB_STREAM (stream));
  /* the other side learns which of its received streams is the screen */
  tell_media_state (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * confab_call_share_screen_async:
 * @self: a #ConfabCall
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the screen is being shared
 * @user_data: (closure): data for @callback
 *
 * Adds a screen stream to an ongoing call (renegotiation). Fails with a clear error
 * where the screen cannot be captured (no X11 display or portal). The other party
 * learns which of its received streams is the screen. Sharing stops with
 * confab_call_remove_stream() on that published stream, or by itself when the stream
 * ends (a closed portal session); the call releases the screen stream then, or when
 * the call ends. The screen can be shared again afterwards.
 */
void
confab_call_share_screen_async (ConfabCall          *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CONFAB_IS_CALL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_call_share_screen_async);

  if (!check_ongoing (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _confab_call_engine_create_screen_async (cancellable, on_screen_stream, g_steal_pointer (&task));
}

/**
 * confab_call_share_screen_finish:
 * @self: a #ConfabCall
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the screen is being shared
 */
gboolean
confab_call_share_screen_finish (ConfabCall    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * confab_call_restart_ice:
 * @self: a #ConfabCall
 *
 * Restarts ICE on an ongoing call (a new offer with fresh credentials). The call does
 * this by itself when ICE fails or the network changes.
 */
void
confab_call_restart_ice (ConfabCall *self)
{
  g_return_if_fail (CONFAB_IS_CALL (self));

  if (self->status == CONFAB_CALL_STATUS_ONGOING && self->engine != NULL)
    _confab_call_engine_restart_ice (self->engine);
}

/**
 * confab_call_start_recording:
 * @self: a #ConfabCall
 * @mode: what to record
 * @filename: the WebM/Matroska file to write
 * @error: return location for a #GError
 *
 * Starts recording the call's published stream to @filename.
 *
 * Returns: %TRUE if recording started
 */
gboolean
confab_call_start_recording (ConfabCall        *self,
                             ConfabRecordMode   mode,
                             const char        *filename,
                             GError           **error)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), FALSE);

  if (filename == NULL || *filename == '\0')
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_PARAMETER, "A recording needs a file name");
      return FALSE;
    }

  if (self->status == CONFAB_CALL_STATUS_ENDED || self->published_streams->len == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE,
                           "Only a call that is not over and sends a stream can be recorded");
      return FALSE;
    }

  if (!_confab_call_engine_start_recording (g_ptr_array_index (self->published_streams, 0), mode, filename, error))
    return FALSE;

  self->record_mode = mode;
  return TRUE;
}

/**
 * confab_call_stop_recording:
 * @self: a #ConfabCall
 * @error: return location for a #GError
 *
 * Stops the recording started by confab_call_start_recording() and finishes its file.
 *
 * Returns: (transfer full) (nullable): the file written and the duration of its media
 */
ConfabRecordInformation *
confab_call_stop_recording (ConfabCall  *self,
                            GError     **error)
{
  g_return_val_if_fail (CONFAB_IS_CALL (self), NULL);

  if (self->published_streams->len == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_WRONG_STATE, "The call is not being recorded");
      return NULL;
    }

  return _confab_call_engine_stop_recording (g_ptr_array_index (self->published_streams, 0), self->record_mode, error);
}
