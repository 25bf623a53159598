/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-peer-connection.c: one WebRTC connection to one remote peer (internal) */

#define G_LOG_DOMAIN "confab-peer-connection"

#include "config.h"

#include "confab-peer-connection.h"
#include "confab-stream-private.h"

#include <gst/sdp/sdp.h>
#include <nice/nice.h>
#include <math.h>
#include <string.h>

/*
 * ConfabPeerConnection: a webrtcbin, fed by the encoder tees of the local streams
 * added to it (VP8 and Opus, max-bundle, DTLS-SRTP), whose received tracks become
 * remote #ConfabStreams. It does no signaling: descriptions and candidates go out in
 * ::local-description and ::local-ice-candidate and come in through
 * set_remote_description() and add_ice_candidate(), for the call layer to relay.
 *
 * Negotiation is caller-offers: the side that calls create_offer() first is the
 * offerer, and the other side answers. Once the first negotiation has started, a
 * stream added or removed on either side makes that side offer at once (either party
 * may renegotiate, PROTOCOL.md §7): webrtcbin's own "negotiation needed" is not
 * relied on for that, as it stays silent while its flag is still up from an earlier
 * change, and comes late otherwise (a second, empty round). On the answerer it is
 * passed on as ::negotiation-needed, for information.
 *
 * webrtcbin calls back on its own threads: every callback goes through a weak handle
 * to the main context before it touches this object or emits a signal.
 */

#define JITTER_BUFFER_LATENCY_MS 50
#define VP8_PAYLOAD 96
#define OPUS_PAYLOAD 111

typedef enum {
  ROLE_UNDECIDED,
  ROLE_OFFERER,
  ROLE_ANSWERER,
} Role;

typedef struct {
  ConfabStream *stream;
  char         *msid;           /* the MediaStream id its tracks carry in the SDP */
  GPtrArray    *elements;
  GPtrArray    *tee_pads;
  GPtrArray    *held_pads;      /* queue pads dropping buffers until negotiated */
} Sender;

/* One track received from the peer: its m-line, and the remote stream holding it. */
typedef struct {
  guint         mline;
  gboolean      video;
  char         *msid;           /* NULL: the peer did not advertise one */
  ConfabStream *stream;         /* NULL once the track was removed */
} Received;

typedef struct {
  guint  mline;
  char  *candidate;
} Candidate;

typedef struct {
  guint64 bytes;
  guint64 frames;
  gint64  time;
} Counter;

struct _ConfabPeerConnection
{
  GObject                      parent_instance;

  /* owned */
  ConfabMediaEngine           *engine;
  ConfabWeakHandle            *handle;
  GstElement                  *webrtc;
  GPtrArray                   *senders;
  GListStore                  *remote_streams;
  GPtrArray                   *received;          /* Received */
  GPtrArray                   *parked_tracks;     /* unplayable, or no longer sent */
  GPtrArray                   *idle_pads;         /* webrtcbin sink pads of stopped senders */
  GArray                      *remote_sending;    /* gboolean per m-line, last remote description */
  GArray                      *pending_candidates;

  Role                         role;
  GstWebRTCICEConnectionState  ice_state;
  gboolean                     connected;
  gboolean                     closed;
  gboolean                     remote_description_set;
  gboolean                     awaiting_answer;
  gboolean                     negotiating;
  gboolean                     offer_pending;
  gboolean                     pending_ice_restart;
  gint64                       connected_time;
  gint64                       last_offer_time;
  Counter                      last_in[2];
  Counter                      last_out[2];
};

G_DEFINE_FINAL_TYPE (ConfabPeerConnection, confab_peer_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ICE_STATE,
  PROP_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LOCAL_DESCRIPTION,
  SIGNAL_LOCAL_ICE_CANDIDATE,
  SIGNAL_REMOTE_STREAM_ADDED,
  SIGNAL_REMOTE_STREAM_REMOVED,
  SIGNAL_ICE_STATE_CHANGED,
  SIGNAL_CONNECTED,
  SIGNAL_NEGOTIATION_NEEDED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void do_create_offer (ConfabPeerConnection *self, gboolean ice_restart);

/* helpers */

static void
candidate_clear (gpointer data)
{
  Candidate *candidate = data;

  g_free (candidate->candidate);
}

static void
sender_free (gpointer data)
{
  Sender *sender = data;

  g_clear_object (&sender->stream);
  g_free (sender->msid);
  g_clear_pointer (&sender->elements, g_ptr_array_unref);
  g_clear_pointer (&sender->tee_pads, g_ptr_array_unref);
  g_clear_pointer (&sender->held_pads, g_ptr_array_unref);
  g_free (sender);
}

static void
received_free (gpointer data)
{
  Received *received = data;

  g_free (received->msid);
  g_clear_object (&received->stream);
  g_free (received);
}

/* The msid the peer gave @stream's tracks, if any. */
static const char *
remote_msid (ConfabPeerConnection *self,
             ConfabStream         *stream)
{
  for (guint i = 0; i < self->received->len; i++)
    {
      Received *received = g_ptr_array_index (self->received, i);

      if (received->stream == stream && received->msid != NULL)
        return received->msid;
    }

  return NULL;
}

static void
report_error (ConfabPeerConnection *self,
              GError               *error)
{
  g_debug ("Peer connection: %s", error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static void
report_error_main (GObject  *object,
                   gpointer  data)
{
  report_error (CONFAB_PEER_CONNECTION (object), data);
}

/* Any thread: takes @error. */
static void
report_error_later (ConfabWeakHandle *handle,
                    GError           *error)
{
  _confab_weak_handle_invoke (handle, report_error_main, error, (GDestroyNotify) g_error_free);
}

static GstWebRTCSignalingState
signaling_state (ConfabPeerConnection *self)
{
  GstWebRTCSignalingState state = GST_WEBRTC_SIGNALING_STATE_CLOSED;

  if (self->webrtc != NULL)
    g_object_get (self->webrtc, "signaling-state", &state, NULL);

  return state;
}

static void
on_message (GObject    *owner,
            GstMessage *message)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (owner);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) gst_error = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &gst_error, &debug);
      error = g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED, "%s: %s",
                           GST_MESSAGE_SRC_NAME (message), gst_error->message);
      g_debug ("%s", debug ? debug : "");
      report_error (self, error);
    }
}

/* Reads an error out of a promise's reply, if any. */
static GError *
promise_error (GstPromise *promise,
               const char *what)
{
  const GstStructure *reply;
  GError *error = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED, "%s was interrupted", what);

  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error"))
    {
      GError *gst_error = NULL;

      gst_structure_get (reply, "error", G_TYPE_ERROR, &gst_error, NULL);
      error = g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED, "%s failed: %s",
                           what, gst_error != NULL ? gst_error->message : "unknown error");
      g_clear_error (&gst_error);
    }

  return error;
}

/* Local descriptions */

typedef struct {
  char *type;
  char *sdp;
} Description;

static void
description_free (gpointer data)
{
  Description *description = data;

  g_free (description->type);
  g_free (description->sdp);
  g_free (description);
}

static void
emit_local_description (GObject  *object,
                        gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  Description *description = data;

  if (self->closed)
    return;

  if (g_str_equal (description->type, "offer"))
    self->awaiting_answer = TRUE;
  g_signal_emit (self, signals[SIGNAL_LOCAL_DESCRIPTION], 0, description->type, description->sdp);
}

static GstPadProbeReturn
drop_until_negotiated (GstPad          *pad,
                       GstPadProbeInfo *info,
                       gpointer         user_data)
{
  return GST_PAD_PROBE_DROP;
}

static void request_key_frames (ConfabPeerConnection *self);

/* Whether the transceiver behind @webrtc_pad was negotiated to send. */
static gboolean
negotiated_to_send (GstPad *webrtc_pad)
{
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  GstWebRTCRTPTransceiverDirection current = GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_NONE;

  if (webrtc_pad == NULL)
    return TRUE;

  g_object_get (webrtc_pad, "transceiver", &transceiver, NULL);
  if (transceiver != NULL)
    g_object_get (transceiver, "current-direction", &current, NULL);

  return current == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY ||
         current == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV;
}

/* webrtcbin answers "not linked" for a track that is not negotiated yet, which would
 * stop the shared encoder (and error out the sender's queue): a new track's buffers
 * are dropped until a negotiation included it, then it starts with a key frame. A
 * track added while another negotiation was under way waits for the next one. */
static void
release_held_senders (ConfabPeerConnection *self)
{
  gboolean released = FALSE;

  for (guint i = 0; i < self->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (self->senders, i);

      for (guint j = sender->held_pads->len; j > 0; j--)
        {
          GstPad *pad = g_ptr_array_index (sender->held_pads, j - 1);
          gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (pad), "confab-hold"));

          if (!negotiated_to_send (g_object_get_data (G_OBJECT (pad), "confab-webrtc-pad")))
            continue;

          if (id != 0)
            gst_pad_remove_probe (pad, id);
          g_object_set_data (G_OBJECT (pad), "confab-hold", NULL);
          g_object_set_data (G_OBJECT (pad), "confab-webrtc-pad", NULL);
          g_ptr_array_remove_index (sender->held_pads, j - 1);
          released = TRUE;
        }
    }

  if (released)
    request_key_frames (self);
}

static void
after_negotiation (GObject  *object,
                   gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);

  if (self->closed || signaling_state (self) != GST_WEBRTC_SIGNALING_STATE_STABLE)
    return;

  self->negotiating = FALSE;
  release_held_senders (self);
  if (self->offer_pending)
    {
      gboolean ice_restart = self->pending_ice_restart;

      self->offer_pending = FALSE;
      self->pending_ice_restart = FALSE;
      do_create_offer (self, ice_restart);
    }
}

static void
on_local_description_set (GstPromise *promise,
                          gpointer    user_data)
{
  ConfabWeakHandle *handle = user_data;
  GError *error = promise_error (promise, "Setting the local description");

  if (error != NULL)
    report_error_later (handle, error);
  else
    _confab_weak_handle_invoke (handle, after_negotiation, NULL, NULL);

  gst_promise_unref (promise);
}

/* New ICE credentials for every media of @sdp: what an ICE restart is. */
static void
renew_ice_credentials (GstSDPMessage *sdp)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  GString *random = g_string_new (NULL);

  for (guint i = 0; i < 24; i++)
    g_string_append_c (random, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[g_random_int_range (0, 62)]);
  ufrag = g_strndup (random->str, 8);
  pwd = g_strdup (random->str);
  g_string_free (random, TRUE);

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

      for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
        {
          const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, j);
          GstSDPAttribute replacement;

          if (g_strcmp0 (attribute->key, "ice-ufrag") == 0)
            gst_sdp_attribute_set (&replacement, "ice-ufrag", ufrag);
          else if (g_strcmp0 (attribute->key, "ice-pwd") == 0)
            gst_sdp_attribute_set (&replacement, "ice-pwd", pwd);
          else
            continue;

          gst_sdp_media_replace_attribute (media, j, &replacement);
        }
    }
}

typedef struct {
  ConfabWeakHandle *handle;
  GstElement       *webrtc;
  gboolean          ice_restart;
} CreateData;

static void
create_data_free (gpointer data)
{
  CreateData *create = data;

  _confab_weak_handle_unref (create->handle);
  gst_object_unref (create->webrtc);
  g_free (create);
}

/* webrtcbin's thread: an offer or answer is made; announce it, then apply it (in this
 * order, so that the description goes out before its candidates). */
static void
on_description_created (GstPromise *promise,
                        gpointer    user_data)
{
  CreateData *create = user_data;
  GstWebRTCSessionDescription *description = NULL;
  const GstStructure *reply;
  GError *error = promise_error (promise, "Creating the session description");
  Description *out;

  if (error != NULL)
    {
      report_error_later (create->handle, error);
      gst_promise_unref (promise);
      return;
    }

  reply = gst_promise_get_reply (promise);
  if (!gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, NULL) &&
      !gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, NULL))
    {
      report_error_later (create->handle,
                          g_error_new_literal (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                                               "webrtcbin made no session description"));
      gst_promise_unref (promise);
      return;
    }
  gst_promise_unref (promise);

  if (create->ice_restart)
    renew_ice_credentials (description->sdp);

  out = g_new0 (Description, 1);
  out->type = g_strdup (gst_webrtc_sdp_type_to_string (description->type));
  out->sdp = gst_sdp_message_as_text (description->sdp);

  /* This runs on webrtcbin's operation thread: setting the description only queues
   * the operation, which starts (and gathers candidates) after we return. So the
   * description is applied before any answer can come back, and it goes out before
   * its candidates. */
  g_signal_emit_by_name (create->webrtc, "set-local-description", description,
                         gst_promise_new_with_change_func (on_local_description_set,
                                                           _confab_weak_handle_ref (create->handle),
                                                           (GDestroyNotify) _confab_weak_handle_unref));
  _confab_weak_handle_invoke (create->handle, emit_local_description, out, description_free);
  gst_webrtc_session_description_free (description);
}

static void
do_create_offer (ConfabPeerConnection *self,
                 gboolean              ice_restart)
{
  CreateData *create;
  GstPromise *promise;

  if (self->negotiating || signaling_state (self) != GST_WEBRTC_SIGNALING_STATE_STABLE)
    {
      /* One negotiation at a time: offer again once this one is over. */
      self->offer_pending = TRUE;
      self->pending_ice_restart |= ice_restart;
      return;
    }

  self->negotiating = TRUE;
  self->last_offer_time = g_get_monotonic_time ();
  create = g_new0 (CreateData, 1);
  create->handle = _confab_weak_handle_ref (self->handle);
  create->webrtc = gst_object_ref (self->webrtc);
  create->ice_restart = ice_restart;

  promise = gst_promise_new_with_change_func (on_description_created, create, create_data_free);
  g_signal_emit_by_name (self->webrtc, "create-offer", NULL, promise);
}

static void
create_answer (ConfabPeerConnection *self)
{
  CreateData *create = g_new0 (CreateData, 1);
  GstPromise *promise;

  create->handle = _confab_weak_handle_ref (self->handle);
  create->webrtc = gst_object_ref (self->webrtc);

  promise = gst_promise_new_with_change_func (on_description_created, create, create_data_free);
  g_signal_emit_by_name (self->webrtc, "create-answer", NULL, promise);
}

/* Remote descriptions */

static void
flush_candidates (ConfabPeerConnection *self)
{
  for (guint i = 0; i < self->pending_candidates->len; i++)
    {
      Candidate *candidate = &g_array_index (self->pending_candidates, Candidate, i);

      g_signal_emit_by_name (self->webrtc, "add-ice-candidate", candidate->mline, candidate->candidate);
    }
  g_array_set_size (self->pending_candidates, 0);
}

/* Main context: the peer no longer sends on some m-lines (a stream it stopped: the
 * m-line is recvonly or inactive on its side, or rejected with port 0). Each track
 * received there leaves its stream (parked until the connection closes: webrtcbin
 * keeps the pad); a stream left with no track is removed and ends. */
static void
remove_stopped_tracks (ConfabPeerConnection *self)
{
  g_autoptr(GPtrArray) emptied = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->received->len; i++)
    {
      Received *received = g_ptr_array_index (self->received, i);
      ConfabRemoteTrack *track;

      if (received->stream == NULL || received->mline >= self->remote_sending->len ||
          g_array_index (self->remote_sending, gboolean, received->mline))
        continue;

      g_debug ("The peer stopped sending the %s of m-line %u", received->video ? "video" : "audio",
               received->mline);
      track = _confab_stream_take_remote_track (received->stream, received->video);
      if (track != NULL)
        g_ptr_array_add (self->parked_tracks, track);

      if (!_confab_stream_has_remote_track (received->stream, TRUE) &&
          !_confab_stream_has_remote_track (received->stream, FALSE))
        g_ptr_array_add (emptied, g_object_ref (received->stream));
      g_clear_object (&received->stream);
    }

  for (guint i = 0; i < emptied->len; i++)
    {
      ConfabStream *stream = g_ptr_array_index (emptied, i);
      guint position;

      if (!g_list_store_find (self->remote_streams, stream, &position))
        continue;

      g_list_store_remove (self->remote_streams, position);
      g_signal_emit (self, signals[SIGNAL_REMOTE_STREAM_REMOVED], 0, stream);
      confab_stream_release (stream);
      if (self->closed)
        return;
    }
}

typedef struct {
  ConfabWeakHandle *handle;
  gboolean          is_offer;
  GArray           *sending;     /* gboolean per m-line: the peer sends there */
} RemoteData;

static void
remote_data_free (gpointer data)
{
  RemoteData *remote = data;

  _confab_weak_handle_unref (remote->handle);
  g_clear_pointer (&remote->sending, g_array_unref);
  g_free (remote);
}

static void
on_remote_description_applied (GObject  *object,
                               gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  RemoteData *remote = data;

  if (self->closed)
    return;

  self->remote_description_set = TRUE;
  flush_candidates (self);

  g_array_set_size (self->remote_sending, 0);
  g_array_append_vals (self->remote_sending, remote->sending->data, remote->sending->len);
  remove_stopped_tracks (self);
  if (self->closed)
    return;

  if (remote->is_offer)
    create_answer (self);
  else
    after_negotiation (object, NULL);
}

static void
on_remote_description_set (GstPromise *promise,
                           gpointer    user_data)
{
  RemoteData *remote = user_data;
  GError *error = promise_error (promise, "Setting the remote description");

  if (error != NULL)
    report_error_later (remote->handle, error);
  else
    {
      RemoteData *applied = g_new0 (RemoteData, 1);

      applied->handle = _confab_weak_handle_ref (remote->handle);
      applied->is_offer = remote->is_offer;
      applied->sending = g_array_ref (remote->sending);
      _confab_weak_handle_invoke (remote->handle, on_remote_description_applied, applied, remote_data_free);
    }

  gst_promise_unref (promise);
}

/* Whether the sender of @sdp sends on each of its m-lines. */
static GArray *
sending_media (const GstSDPMessage *sdp)
{
  GArray *sending = g_array_new (FALSE, TRUE, sizeof (gboolean));

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      /* port 0 is a rejected m-line, unless it only shares the bundle's transport */
      gboolean sends = (gst_sdp_media_get_port (media) != 0 ||
                        gst_sdp_media_get_attribute_val (media, "bundle-only") != NULL) &&
                       gst_sdp_media_get_attribute_val (media, "recvonly") == NULL &&
                       gst_sdp_media_get_attribute_val (media, "inactive") == NULL;

      g_array_append_val (sending, sends);
    }

  return sending;
}

/* webrtcbin callbacks (its threads) */

static void
negotiation_needed_main (GObject  *object,
                         gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  gint64 when = *(gint64 *) data;

  /* An offer made since webrtcbin said so already covers the change. */
  if (self->closed || when < self->last_offer_time)
    return;

  switch (self->role)
    {
    case ROLE_OFFERER:
      /* what we change (streams added or removed) is offered at once already;
       * another offer now would only repeat it */
      g_debug ("webrtcbin says negotiation is needed; nothing left to offer");
      break;

    case ROLE_ANSWERER:
      g_signal_emit (self, signals[SIGNAL_NEGOTIATION_NEEDED], 0);
      break;

    case ROLE_UNDECIDED:
    default:
      /* Both sides hear this when streams are added: only an explicit
       * create_offer() makes the first offer. */
      break;
    }
}

static void
on_negotiation_needed (GstElement *webrtc,
                       gpointer    user_data)
{
  gint64 *when = g_new (gint64, 1);

  *when = g_get_monotonic_time ();
  _confab_weak_handle_invoke (user_data, negotiation_needed_main, when, g_free);
}

static void
emit_local_candidate (GObject  *object,
                      gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  Candidate *candidate = data;

  if (self->closed)
    return;

  g_signal_emit (self, signals[SIGNAL_LOCAL_ICE_CANDIDATE], 0, candidate->mline, candidate->candidate);
}

static void
candidate_free (gpointer data)
{
  candidate_clear (data);
  g_free (data);
}

static void
on_ice_candidate (GstElement *webrtc,
                  guint       mline,
                  const char *text,
                  gpointer    user_data)
{
  Candidate *candidate = g_new0 (Candidate, 1);

  candidate->mline = mline;
  candidate->candidate = g_strdup (text);
  _confab_weak_handle_invoke (user_data, emit_local_candidate, candidate, candidate_free);
}

static void
request_key_frames (ConfabPeerConnection *self)
{
  for (guint i = 0; i < self->senders->len; i++)
    _confab_stream_request_key_frame (((Sender *) g_ptr_array_index (self->senders, i))->stream);
}

static void
ice_state_main (GObject  *object,
                gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  GstWebRTCICEConnectionState state;
  gboolean connected;

  if (self->closed)
    return;

  g_object_get (self->webrtc, "ice-connection-state", &state, NULL);
  if (state == self->ice_state)
    return;

  self->ice_state = state;
  g_object_notify_by_pspec (object, properties[PROP_ICE_STATE]);
  g_signal_emit (self, signals[SIGNAL_ICE_STATE_CHANGED], 0, (int) state);

  connected = state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
              state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED;
  if (connected == self->connected)
    return;

  self->connected = connected;
  g_object_notify_by_pspec (object, properties[PROP_CONNECTED]);
  if (connected)
    {
      if (self->connected_time == 0)
        self->connected_time = g_get_monotonic_time ();
      /* Frames dropped before the connection was up: start the picture afresh. */
      request_key_frames (self);
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
    }
}

static void
on_ice_state_notify (GObject    *webrtc,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  _confab_weak_handle_invoke (user_data, ice_state_main, NULL, NULL);
}

typedef struct {
  ConfabRemoteTrack *track;
  char              *msid;
  guint              mline;
} TrackData;

static void
track_data_free (gpointer data)
{
  TrackData *track_data = data;

  /* Not taken by a stream: the connection is gone. */
  g_clear_pointer (&track_data->track, _confab_remote_track_free);
  g_free (track_data->msid);
  g_free (track_data);
}

/* The remote stream a new track of @video kind joins: the one with the same msid
 * (the peer's MediaStream); from a peer that names none, the first such stream
 * lacking this kind. NULL: a new stream. */
static ConfabStream *
stream_for_track (ConfabPeerConnection *self,
                  const char           *msid,
                  gboolean              video)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->remote_streams));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabStream) candidate = g_list_model_get_item (G_LIST_MODEL (self->remote_streams), i);

      if (g_strcmp0 (remote_msid (self, candidate), msid) == 0 &&
          !_confab_stream_has_remote_track (candidate, video))
        return g_steal_pointer (&candidate);
    }

  return NULL;
}

static void
track_added_main (GObject  *object,
                  gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  TrackData *track_data = data;
  ConfabRemoteTrack *track = g_steal_pointer (&track_data->track);
  gboolean video = _confab_remote_track_is_video (track);
  g_autoptr(ConfabStream) stream = NULL;
  Received *received;
  gboolean is_new = FALSE;

  if (self->closed)
    {
      _confab_remote_track_free (track);
      return;
    }

  /* Unplayable, or on an m-line the peer stopped sending on already. */
  if (!_confab_remote_track_is_playable (track) ||
      (track_data->mline < self->remote_sending->len &&
       !g_array_index (self->remote_sending, gboolean, track_data->mline)))
    {
      g_debug ("Parking a received %s track (m-line %u)", video ? "video" : "audio", track_data->mline);
      g_ptr_array_add (self->parked_tracks, track);
      return;
    }

  g_debug ("Received %s on m-line %u, msid %s", video ? "video" : "audio", track_data->mline,
           track_data->msid != NULL ? track_data->msid : "(none)");
  stream = stream_for_track (self, track_data->msid, video);
  if (stream == NULL)
    {
      stream = _confab_stream_new_remote (self->engine);
      is_new = TRUE;
    }

  received = g_new0 (Received, 1);
  received->mline = track_data->mline;
  received->video = video;
  received->msid = g_strdup (track_data->msid);
  received->stream = g_object_ref (stream);
  g_ptr_array_add (self->received, received);

  _confab_stream_add_remote_track (stream, track);

  if (is_new)
    {
      g_list_store_append (self->remote_streams, stream);
      g_signal_emit (self, signals[SIGNAL_REMOTE_STREAM_ADDED], 0, stream);
    }
}

/* webrtcbin describes a transceiver in an offer from its codec preferences, else from
 * the caps of its pad: the sink pad's, or the src pad's for a recvonly one, whose peer
 * (our depayloader) answers only a template once the peer stops sending there ("Could
 * not reuse transceiver"). Pins what @caps (negotiated) say as its preferences. */
static void
pin_codec (GstWebRTCRTPTransceiver *transceiver,
           GstCaps                 *caps)
{
  g_autoptr(GstCaps) preferences = NULL;
  g_autoptr(GstCaps) existing = NULL;
  const GstStructure *structure;
  GstStructure *pinned;
  static const char *fields[] = { "media", "encoding-name", "clock-rate", "payload", "encoding-params" };

  g_object_get (transceiver, "codec-preferences", &existing, NULL);
  if (existing != NULL || caps == NULL || gst_caps_get_size (caps) == 0)
    return;

  structure = gst_caps_get_structure (caps, 0);
  pinned = gst_structure_new_empty ("application/x-rtp");
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const GValue *value = gst_structure_get_value (structure, fields[i]);

      if (value != NULL)
        gst_structure_set_value (pinned, fields[i], value);
    }

  preferences = gst_caps_new_full (pinned, NULL);
  g_object_set (transceiver, "codec-preferences", preferences, NULL);
}

/* Streaming thread: a transceiver webrtcbin made for a track the peer offered has no
 * sink pad to take its caps from. */
static void
pin_received_codec (GstWebRTCRTPTransceiver *transceiver,
                    GstPad                  *pad)
{
  g_autoptr(GstCaps) current = gst_pad_get_current_caps (pad);
  GstWebRTCRTPTransceiverDirection direction = GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_NONE;

  g_object_get (transceiver, "direction", &direction, NULL);
  if (direction == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY)
    pin_codec (transceiver, current);
}

static void
on_pad_added (GstElement *webrtc,
              GstPad     *pad,
              gpointer    user_data)
{
  ConfabWeakHandle *handle = user_data;
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  ConfabMediaEngine *engine;
  TrackData *track_data;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  engine = g_object_get_data (G_OBJECT (webrtc), "confab-engine");
  track_data = g_new0 (TrackData, 1);
  track_data->mline = G_MAXUINT;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "msid") != NULL)
    g_object_get (pad, "msid", &track_data->msid, NULL);
  g_object_get (pad, "transceiver", &transceiver, NULL);
  if (transceiver != NULL)
    {
      g_object_get (transceiver, "mlineindex", &track_data->mline, NULL);
      pin_received_codec (transceiver, pad);
    }
  track_data->track = _confab_remote_track_new (engine, pad);
  _confab_weak_handle_invoke (handle, track_added_main, track_data, track_data_free);
}

/* Stats */

static double
structure_double (const GstStructure *structure,
                  const char         *field)
{
  const GValue *value = gst_structure_get_value (structure, field);

  if (value == NULL)
    return 0.0;
  if (G_VALUE_HOLDS_DOUBLE (value))
    return g_value_get_double (value);
  if (G_VALUE_HOLDS_UINT64 (value))
    return (double) g_value_get_uint64 (value);
  if (G_VALUE_HOLDS_INT64 (value))
    return (double) g_value_get_int64 (value);
  if (G_VALUE_HOLDS_UINT (value))
    return (double) g_value_get_uint (value);
  if (G_VALUE_HOLDS_INT (value))
    return (double) g_value_get_int (value);

  return 0.0;
}

typedef struct {
  double bytes_in[2];
  double bytes_out[2];
  double packets_in[2];
  double packets_lost[2];
  double jitter[2];
  double remote_lost[2];
  double remote_jitter[2];
  double rtt;
  gboolean have_rtt;
} RawStats;

/* Which track (0 audio, 1 video) an RTP stats entry is about. webrtcbin 1.22 says
 * "audio" and names one codec for every stream of a bundle, so go by the clock rate of
 * the RTP source behind it (90 kHz is video). */
static int
stats_kind (const GstStructure *entry)
{
  const GstStructure *source = NULL;
  int clock_rate = 0;
  int kind = 0;

  if (gst_structure_get (entry, "gst-rtpsource-stats", GST_TYPE_STRUCTURE, &source, NULL) && source != NULL)
    {
      if (gst_structure_get_int (source, "clock-rate", &clock_rate))
        kind = clock_rate == 90000 ? 1 : 0;
      gst_structure_free ((GstStructure *) source);
    }

  return kind;
}

static gboolean
collect_stats (GQuark        field_id,
               const GValue *value,
               gpointer      user_data)
{
  RawStats *raw = ((gpointer *) user_data)[0];
  GHashTable *kinds = ((gpointer *) user_data)[1];
  const GstStructure *entry;
  guint ssrc = 0;
  GstWebRTCStatsType type;
  int kind;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;

  entry = gst_value_get_structure (value);
  if (!gst_structure_get (entry, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
    return TRUE;

  switch (type)
    {
    case GST_WEBRTC_STATS_INBOUND_RTP:
      kind = stats_kind (entry);
      raw->bytes_in[kind] += structure_double (entry, "bytes-received");
      raw->packets_in[kind] += structure_double (entry, "packets-received");
      raw->packets_lost[kind] += MAX (0.0, structure_double (entry, "packets-lost"));
      raw->jitter[kind] = MAX (raw->jitter[kind], structure_double (entry, "jitter"));
      break;

    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      kind = stats_kind (entry);
      raw->bytes_out[kind] += structure_double (entry, "bytes-sent");
      if (kinds != NULL && gst_structure_get_uint (entry, "ssrc", &ssrc))
        g_hash_table_insert (kinds, GUINT_TO_POINTER (ssrc), GINT_TO_POINTER (kind + 1));
      break;

    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      if (kinds == NULL)
        break;
      /* About one of our outbound streams: same SSRC. */
      gst_structure_get_uint (entry, "ssrc", &ssrc);
      kind = MAX (0, GPOINTER_TO_INT (g_hash_table_lookup (kinds, GUINT_TO_POINTER (ssrc))) - 1);
      raw->remote_lost[kind] += MAX (0.0, structure_double (entry, "packets-lost"));
      raw->remote_jitter[kind] = MAX (raw->remote_jitter[kind], structure_double (entry, "jitter"));
      if (gst_structure_has_field (entry, "round-trip-time"))
        {
          double rtt = structure_double (entry, "round-trip-time");

          if (rtt > 0 && (!raw->have_rtt || rtt > raw->rtt))
            raw->rtt = rtt;
          raw->have_rtt = raw->have_rtt || rtt > 0;
        }
      break;

    case GST_WEBRTC_STATS_CODEC:
    case GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP:
    case GST_WEBRTC_STATS_CSRC:
    case GST_WEBRTC_STATS_PEER_CONNECTION:
    case GST_WEBRTC_STATS_DATA_CHANNEL:
    case GST_WEBRTC_STATS_STREAM:
    case GST_WEBRTC_STATS_TRANSPORT:
    case GST_WEBRTC_STATS_CANDIDATE_PAIR:
    case GST_WEBRTC_STATS_LOCAL_CANDIDATE:
    case GST_WEBRTC_STATS_REMOTE_CANDIDATE:
    case GST_WEBRTC_STATS_CERTIFICATE:
    default:
      break;
    }

  return TRUE;
}

/* A MOS-like score from the ITU-T G.107 E-model, simplified: delay and loss impair
 * a base transmission rating. */
static double
estimate_mos (double rtt_ms,
              double jitter_ms,
              double loss_percent)
{
  double delay = rtt_ms / 2.0 + jitter_ms * 2.0 + 10.0;
  double r = 93.2;

  r -= 0.024 * delay;
  if (delay > 177.3)
    r -= 0.11 * (delay - 177.3);
  r -= 2.5 * loss_percent;
  r = CLAMP (r, 0.0, 100.0);

  return CLAMP (1.0 + 0.035 * r + 7.0e-6 * r * (r - 60.0) * (100.0 - r), 1.0, 4.5);
}

static void
add_direction (GVariantBuilder *builder,
               const char      *direction,
               const char      *kind,
               double           bitrate)
{
  g_autofree char *key = g_strdup_printf ("%s-%s-bitrate", kind, direction);

  g_variant_builder_add (builder, "{sv}", key, g_variant_new_double (bitrate));
}

static GVariant *
build_stats (ConfabPeerConnection *self,
             const GstStructure   *reply)
{
  static const char *kinds[] = { "audio", "video" };
  RawStats raw = { { 0 } };
  g_autoptr(GHashTable) ssrc_kinds = g_hash_table_new (NULL, NULL);
  gpointer data[2] = { &raw, ssrc_kinds };
  GVariantBuilder builder;
  gint64 now = g_get_monotonic_time ();
  double lost_in = 0, received_in = 0, jitter_ms = 0, rtt_ms, loss_percent, mos;
  ConfabCallQuality quality;
  guint64 frames_out = 0, frames_in = 0;
  int width_out = 0, height_out = 0, width_in = 0, height_in = 0;
  guint n;

  if (g_getenv ("CONFAB_DEBUG_STATS") != NULL)
    {
      g_autofree char *text = gst_structure_to_string (reply);

      g_printerr ("%s\n", text);
    }

  /* Outbound streams first (their kinds), then the peer's reports about them. */
  gst_structure_foreach (reply, collect_stats, data);
  memset (&raw, 0, sizeof raw);
  gst_structure_foreach (reply, collect_stats, data);

  for (guint i = 0; i < self->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (self->senders, i);
      guint64 frames;
      int width, height;

      _confab_stream_get_video_counters (sender->stream, &frames, &width, &height);
      if (width > 0)
        {
          frames_out = frames;
          width_out = width;
          height_out = height;
        }
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->remote_streams));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabStream) stream = g_list_model_get_item (G_LIST_MODEL (self->remote_streams), i);
      guint64 frames;
      int width, height;

      _confab_stream_get_video_counters (stream, &frames, &width, &height);
      if (width > 0 || frames > 0)
        {
          frames_in = frames;
          width_in = width;
          height_in = height;
        }
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

  for (int k = 0; k < 2; k++)
    {
      Counter *last_in = &self->last_in[k];
      Counter *last_out = &self->last_out[k];
      gint64 since_in = last_in->time != 0 ? last_in->time : self->connected_time;
      gint64 since_out = last_out->time != 0 ? last_out->time : self->connected_time;
      double seconds_in = since_in > 0 ? (now - since_in) / (double) G_USEC_PER_SEC : 0;
      double seconds_out = since_out > 0 ? (now - since_out) / (double) G_USEC_PER_SEC : 0;
      double bitrate_in = 0, bitrate_out = 0;

      if (seconds_in > 0.05 && raw.bytes_in[k] >= last_in->bytes)
        bitrate_in = (raw.bytes_in[k] - last_in->bytes) * 8.0 / seconds_in;
      if (seconds_out > 0.05 && raw.bytes_out[k] >= last_out->bytes)
        bitrate_out = (raw.bytes_out[k] - last_out->bytes) * 8.0 / seconds_out;

      add_direction (&builder, "in", kinds[k], bitrate_in);
      add_direction (&builder, "out", kinds[k], bitrate_out);

      if (k == 1)
        {
          double fps_in = seconds_in > 0.05 && frames_in >= last_in->frames
            ? (frames_in - last_in->frames) / seconds_in : 0;
          double fps_out = seconds_out > 0.05 && frames_out >= last_out->frames
            ? (frames_out - last_out->frames) / seconds_out : 0;

          g_variant_builder_add (&builder, "{sv}", "video-in-framerate", g_variant_new_double (fps_in));
          g_variant_builder_add (&builder, "{sv}", "video-out-framerate", g_variant_new_double (fps_out));
          g_variant_builder_add (&builder, "{sv}", "video-in-width", g_variant_new_int32 (width_in));
          g_variant_builder_add (&builder, "{sv}", "video-in-height", g_variant_new_int32 (height_in));
          g_variant_builder_add (&builder, "{sv}", "video-out-width", g_variant_new_int32 (width_out));
          g_variant_builder_add (&builder, "{sv}", "video-out-height", g_variant_new_int32 (height_out));
          last_in->frames = frames_in;
          last_out->frames = frames_out;
        }

      {
        g_autofree char *lost_key = g_strdup_printf ("%s-in-packets-lost", kinds[k]);
        g_autofree char *jitter_key = g_strdup_printf ("%s-in-jitter-ms", kinds[k]);
        g_autofree char *remote_lost_key = g_strdup_printf ("%s-out-packets-lost", kinds[k]);

        g_variant_builder_add (&builder, "{sv}", lost_key, g_variant_new_uint64 ((guint64) raw.packets_lost[k]));
        g_variant_builder_add (&builder, "{sv}", jitter_key, g_variant_new_double (raw.jitter[k] * 1000.0));
        g_variant_builder_add (&builder, "{sv}", remote_lost_key, g_variant_new_uint64 ((guint64) raw.remote_lost[k]));
      }

      if (self->connected_time > 0)
        {
          last_in->bytes = (guint64) raw.bytes_in[k];
          last_in->time = now;
          last_out->bytes = (guint64) raw.bytes_out[k];
          last_out->time = now;
        }

      lost_in += raw.packets_lost[k];
      received_in += raw.packets_in[k];
      jitter_ms = MAX (jitter_ms, raw.jitter[k] * 1000.0);
    }

  rtt_ms = raw.have_rtt ? raw.rtt * 1000.0 : 0.0;
  loss_percent = received_in + lost_in > 0 ? 100.0 * lost_in / (received_in + lost_in) : 0.0;
  mos = estimate_mos (rtt_ms, jitter_ms, loss_percent);

  if (!self->connected || received_in == 0)
    quality = CONFAB_CALL_QUALITY_UNKNOWN;
  else if (mos >= 4.0)
    quality = CONFAB_CALL_QUALITY_GOOD;
  else if (mos >= 3.0)
    quality = CONFAB_CALL_QUALITY_MEDIUM;
  else
    quality = CONFAB_CALL_QUALITY_BAD;

  g_variant_builder_add (&builder, "{sv}", "rtt-ms", g_variant_new_double (rtt_ms));
  g_variant_builder_add (&builder, "{sv}", "packet-loss-percent", g_variant_new_double (loss_percent));
  g_variant_builder_add (&builder, "{sv}", "jitter-ms", g_variant_new_double (jitter_ms));
  g_variant_builder_add (&builder, "{sv}", "mos", g_variant_new_double (quality == CONFAB_CALL_QUALITY_UNKNOWN ? 0.0 : mos));
  g_variant_builder_add (&builder, "{sv}", "quality", g_variant_new_string (confab_call_quality_to_string (quality)));

  return g_variant_builder_end (&builder);
}

static void
stats_main (GObject  *object,
            gpointer  data)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);
  GTask *task = data;
  GstStructure *reply = g_object_get_data (G_OBJECT (task), "confab-reply");

  g_object_set_data (G_OBJECT (task), "confab-returned", GINT_TO_POINTER (1));
  if (reply == NULL)
    g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                             "webrtcbin gave no statistics");
  else
    g_task_return_pointer (task, g_variant_ref_sink (build_stats (self, reply)),
                           (GDestroyNotify) g_variant_unref);
}

typedef struct {
  ConfabWeakHandle *handle;
  GTask            *task;
} StatsData;

static void
stats_task_unref (gpointer data)
{
  GTask *task = data;

  /* The connection went away before its stats could be read. */
  if (g_object_get_data (G_OBJECT (task), "confab-returned") == NULL)
    {
      g_object_set_data (G_OBJECT (task), "confab-returned", GINT_TO_POINTER (1));
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                               "The connection was closed");
    }
  g_object_unref (task);
}

static void
stats_data_free (gpointer data)
{
  StatsData *stats = data;

  _confab_weak_handle_unref (stats->handle);
  g_clear_pointer (&stats->task, stats_task_unref);
  g_free (stats);
}

static void
on_stats (GstPromise *promise,
          gpointer    user_data)
{
  StatsData *stats = user_data;
  const GstStructure *reply = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);

  if (reply != NULL)
    g_object_set_data_full (G_OBJECT (stats->task), "confab-reply",
                            gst_structure_copy (reply), (GDestroyNotify) gst_structure_free);

  _confab_weak_handle_invoke (stats->handle, stats_main, g_steal_pointer (&stats->task), stats_task_unref);
  gst_promise_unref (promise);
}

/* Sending */

static GstPad *
link_sender_track (ConfabPeerConnection  *self,
                   Sender                *sender,
                   gboolean               video,
                   GError               **error)
{
  GstElement *tee = _confab_stream_get_encoder_tee (sender->stream, video);
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GstPad) last_src = NULL;
  GstPad *webrtc_sink;
  GstPad *tee_pad;
  GstElement *queue, *payloader, *filter;
  guint first = sender->elements->len;
  /* A fixed SSRC, in the caps from the start: webrtcbin then writes it into every
   * offer, and the peer routes each bundled stream to the right track. */
  guint ssrc = g_random_int_range (1, G_MAXINT32);

  if (video)
    {
      payloader = _confab_media_make_element ("rtpvp8pay", "pt", VP8_PAYLOAD, "picture-id-mode", 2,
                                              "ssrc", ssrc, NULL);
      caps = gst_caps_new_simple ("application/x-rtp",
                                  "media", G_TYPE_STRING, "video",
                                  "encoding-name", G_TYPE_STRING, "VP8",
                                  "clock-rate", G_TYPE_INT, 90000,
                                  "payload", G_TYPE_INT, VP8_PAYLOAD,
                                  "ssrc", G_TYPE_UINT, ssrc,
                                  NULL);
    }
  else
    {
      payloader = _confab_media_make_element ("rtpopuspay", "pt", OPUS_PAYLOAD, "ssrc", ssrc, NULL);
      caps = gst_caps_new_simple ("application/x-rtp",
                                  "media", G_TYPE_STRING, "audio",
                                  "encoding-name", G_TYPE_STRING, "OPUS",
                                  "clock-rate", G_TYPE_INT, 48000,
                                  "payload", G_TYPE_INT, OPUS_PAYLOAD,
                                  "ssrc", G_TYPE_UINT, ssrc,
                                  NULL);
    }

  queue = _confab_media_make_element ("queue", "max-size-buffers", 30, "max-size-bytes", 0,
                                      "max-size-time", (guint64) 0, "leaky", 2, NULL);
  filter = _confab_media_make_element ("capsfilter", "caps", caps, NULL);

  if (queue == NULL || payloader == NULL || filter == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "An RTP payloader is missing");
      return NULL;
    }

  g_ptr_array_add (sender->elements, gst_object_ref_sink (queue));
  g_ptr_array_add (sender->elements, gst_object_ref_sink (payloader));
  g_ptr_array_add (sender->elements, gst_object_ref_sink (filter));
  for (guint i = first; i < sender->elements->len; i++)
    _confab_media_engine_add (self->engine, g_ptr_array_index (sender->elements, i),
                              G_OBJECT (self), on_message);

  if (!gst_element_link_many (queue, payloader, filter, NULL))
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                           "Could not link the RTP payloader");
      return NULL;
    }

  webrtc_sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  last_src = gst_element_get_static_pad (filter, "src");
  if (webrtc_sink == NULL || gst_pad_link (last_src, webrtc_sink) != GST_PAD_LINK_OK)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                           "webrtcbin refused the track (is gstreamer1.0-nice installed?)");
      gst_clear_object (&webrtc_sink);
      return NULL;
    }
  g_object_set_data_full (G_OBJECT (filter), "confab-webrtc-pad", webrtc_sink, gst_object_unref);
  /* The peer groups the tracks of one stream by this id (a=msid). */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (webrtc_sink), "msid") != NULL)
    g_object_set (webrtc_sink, "msid", sender->msid, NULL);

  for (guint i = sender->elements->len; i > first; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (sender->elements, i - 1));

  {
    g_autoptr(GstPad) queue_src = gst_element_get_static_pad (queue, "src");
    gulong id = gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                                   drop_until_negotiated, NULL, NULL);

    g_object_set_data (G_OBJECT (queue_src), "confab-hold", GSIZE_TO_POINTER (id));
    /* borrowed: the capsfilter holds it as long as the sender lives */
    g_object_set_data (G_OBJECT (queue_src), "confab-webrtc-pad", webrtc_sink);
    g_ptr_array_add (sender->held_pads, g_steal_pointer (&queue_src));
  }

  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  queue_sink = gst_element_get_static_pad (queue, "sink");
  gst_pad_link (tee_pad, queue_sink);

  return tee_pad;
}

/* Takes @sender's elements out. Its webrtcbin sink pads are released, or with
 * @keep_pads kept (unlinked) in idle_pads: a transceiver that was negotiated stays in
 * every later offer (webrtcbin 1.22 never removes an m-line), and webrtcbin describes
 * it from its pad's caps. */
static void
remove_sender (ConfabPeerConnection *self,
               Sender               *sender,
               gboolean              keep_pads)
{
  for (guint i = 0; i < sender->tee_pads->len; i++)
    {
      GstPad *tee_pad = g_ptr_array_index (sender->tee_pads, i);
      g_autoptr(GstElement) tee = gst_pad_get_parent_element (tee_pad);
      g_autoptr(GstPad) peer = gst_pad_get_peer (tee_pad);

      if (peer != NULL)
        gst_pad_unlink (tee_pad, peer);
      if (tee != NULL)
        gst_element_release_request_pad (tee, tee_pad);
    }
  g_ptr_array_set_size (sender->tee_pads, 0);

  for (guint i = 0; i < sender->elements->len; i++)
    {
      GstElement *element = g_ptr_array_index (sender->elements, i);
      GstPad *webrtc_pad = g_object_get_data (G_OBJECT (element), "confab-webrtc-pad");

      if (webrtc_pad != NULL && self->webrtc != NULL)
        {
          g_autoptr(GstPad) peer = gst_pad_get_peer (webrtc_pad);
          g_autoptr(GstPad) src = gst_element_get_static_pad (element, "src");

          if (peer != NULL)
            gst_pad_unlink (src, webrtc_pad);
          if (keep_pads)
            g_ptr_array_add (self->idle_pads, gst_object_ref (webrtc_pad));
          else
            gst_element_release_request_pad (self->webrtc, webrtc_pad);
        }
    }

  _confab_media_engine_remove_all (self->engine, sender->elements);
  g_ptr_array_set_size (sender->elements, 0);
}

/* Whether the peer sends on the m-line of @webrtc_pad's transceiver (as its last
 * description said). */
static gboolean
peer_sends_on (ConfabPeerConnection *self,
               GstPad               *webrtc_pad)
{
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  guint mline = G_MAXUINT;

  g_object_get (webrtc_pad, "transceiver", &transceiver, NULL);
  if (transceiver != NULL)
    g_object_get (transceiver, "mlineindex", &mline, NULL);

  return mline < self->remote_sending->len && g_array_index (self->remote_sending, gboolean, mline);
}

/* This side no longer sends on the transceiver of @webrtc_pad, nor will again:
 * webrtcbin 1.22 allows no direction change but to inactive (and none back). */
static void
stop_sending_on (GstPad *webrtc_pad)
{
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  g_autoptr(GstCaps) caps = NULL;

  g_object_get (webrtc_pad, "transceiver", &transceiver, NULL);
  if (transceiver == NULL)
    return;

  /* described in later offers from these, as sent */
  caps = gst_pad_get_current_caps (webrtc_pad);
  if (caps == NULL)
    caps = gst_pad_peer_query_caps (webrtc_pad, NULL);
  pin_codec (transceiver, caps);
  g_object_set (transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE, NULL);
}

static void
confab_peer_connection_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ICE_STATE:
      g_value_set_enum (value, self->ice_state);
      break;

    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_peer_connection_dispose (GObject *object)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);

  confab_peer_connection_close (self);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (confab_peer_connection_parent_class)->dispose (object);
}

static void
confab_peer_connection_finalize (GObject *object)
{
  ConfabPeerConnection *self = CONFAB_PEER_CONNECTION (object);

  _confab_weak_handle_unref (self->handle);
  g_clear_pointer (&self->senders, g_ptr_array_unref);
  g_clear_object (&self->remote_streams);
  g_clear_pointer (&self->received, g_ptr_array_unref);
  g_clear_pointer (&self->parked_tracks, g_ptr_array_unref);
  g_clear_pointer (&self->idle_pads, g_ptr_array_unref);
  g_clear_pointer (&self->remote_sending, g_array_unref);
  g_clear_pointer (&self->pending_candidates, g_array_unref);

  G_OBJECT_CLASS (confab_peer_connection_parent_class)->finalize (object);
}

static void
confab_peer_connection_class_init (ConfabPeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_peer_connection_get_property;
  object_class->dispose = confab_peer_connection_dispose;
  object_class->finalize = confab_peer_connection_finalize;

  /**
   * ConfabPeerConnection:ice-state:
   *
   * The ICE connection state.
   */
  properties[PROP_ICE_STATE] =
    g_param_spec_enum ("ice-state", NULL, NULL,
                       GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, GST_WEBRTC_ICE_CONNECTION_STATE_NEW,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabPeerConnection:connected:
   *
   * Whether ICE is connected (or completed).
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabPeerConnection::local-description:
   * @self: the connection
   * @type: "offer" or "answer"
   * @sdp: the session description
   *
   * A description to relay to the peer.
   */
  signals[SIGNAL_LOCAL_DESCRIPTION] =
    g_signal_new ("local-description",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * ConfabPeerConnection::local-ice-candidate:
   * @self: the connection
   * @mline: the media line index
   * @candidate: the candidate line
   *
   * A candidate to relay to the peer.
   */
  signals[SIGNAL_LOCAL_ICE_CANDIDATE] =
    g_signal_new ("local-ice-candidate",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * ConfabPeerConnection::remote-stream-added:
   * @self: the connection
   * @stream: the new remote #ConfabStream
   *
   * The peer's media started arriving. Its tracks are grouped by the msid the peer
   * gives them (from a peer that gives none, its audio and video make one stream):
   * a later track of the same stream shows up as #ConfabStream:has-video or
   * #ConfabStream:has-audio changing.
   */
  signals[SIGNAL_REMOTE_STREAM_ADDED] =
    g_signal_new ("remote-stream-added",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_STREAM);

  /**
   * ConfabPeerConnection::remote-stream-removed:
   * @self: the connection
   * @stream: the remote #ConfabStream
   *
   * The peer stopped sending every track of @stream (a description in which their
   * m-lines no longer send). It is no longer in the remote streams, and it is
   * released (#ConfabStream::ended) once this signal returns.
   */
  signals[SIGNAL_REMOTE_STREAM_REMOVED] =
    g_signal_new ("remote-stream-removed",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_STREAM);

  /**
   * ConfabPeerConnection::ice-state-changed:
   * @self: the connection
   * @state: the new #GstWebRTCICEConnectionState
   */
  signals[SIGNAL_ICE_STATE_CHANGED] =
    g_signal_new ("ice-state-changed",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);

  /**
   * ConfabPeerConnection::connected:
   * @self: the connection
   *
   * ICE connected (first time or after a restart).
   */
  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ConfabPeerConnection::negotiation-needed:
   * @self: the connection
   *
   * On the answering side, webrtcbin says a new offer is needed. Streams added or
   * removed here already made one; what remains (tracks answered with that the offer
   * did not ask for) cannot be offered by this side.
   */
  signals[SIGNAL_NEGOTIATION_NEEDED] =
    g_signal_new ("negotiation-needed",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ConfabPeerConnection::error:
   * @self: the connection
   * @error: what failed
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
confab_peer_connection_init (ConfabPeerConnection *self)
{
  self->senders = g_ptr_array_new_with_free_func (sender_free);
  self->remote_streams = g_list_store_new (CONFAB_TYPE_STREAM);
  self->received = g_ptr_array_new_with_free_func (received_free);
  self->parked_tracks = g_ptr_array_new_with_free_func ((GDestroyNotify) _confab_remote_track_free);
  self->idle_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  self->remote_sending = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->pending_candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  g_array_set_clear_func (self->pending_candidates, candidate_clear);
  self->ice_state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
}

static gboolean
has_non_loopback_address (void)
{
  GList *ips = nice_interfaces_get_local_ips (FALSE);
  gboolean found = ips != NULL;

  g_list_free_full (ips, g_free);
  return found;
}

static void
configure_ice (ConfabPeerConnection *self)
{
  g_autoptr(GstWebRTCICE) ice = NULL;
  g_autoptr(GObject) agent = NULL;
  const char *force_loopback = g_getenv ("CONFAB_ICE_LOOPBACK");

  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;

  /* ICE-TCP triples the candidates for nothing on a desktop: off. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp") != NULL)
    g_object_set (ice, "ice-tcp", FALSE, NULL);

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") != NULL)
    g_object_get (ice, "agent", &agent, NULL);

  if (agent == NULL || !NICE_IS_AGENT (agent))
    return;

  /* No UPnP port mapping: it is slow, pointless for desktops behind NAT with STUN/TURN,
   * and its binding failures are warnings. */
  g_object_set (agent, "upnp", FALSE, NULL);

  /* With no interface but loopback libnice gathers nothing and ICE never connects:
   * give it 127.0.0.1 (it then uses only the addresses given). */
  if ((force_loopback != NULL && g_str_equal (force_loopback, "1")) || !has_non_loopback_address ())
    {
        {
          NiceAddress address;

          nice_address_init (&address);
          if (nice_address_set_from_string (&address, "127.0.0.1"))
            nice_agent_add_local_address (NICE_AGENT (agent), &address);
        }
    }
}

/**
 * confab_peer_connection_new:
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new connection with nothing to send yet, or %NULL if
 *   the media engine cannot start (a plugin is missing)
 */
ConfabPeerConnection *
confab_peer_connection_new (GError **error)
{
  g_autoptr(ConfabPeerConnection) self = NULL;
  g_autoptr(ConfabMediaEngine) engine = _confab_media_engine_get_default (error);

  if (engine == NULL)
    return NULL;

  self = g_object_new (CONFAB_TYPE_PEER_CONNECTION, NULL);
  self->engine = g_steal_pointer (&engine);
  self->handle = _confab_weak_handle_new (self, _confab_media_engine_get_context (self->engine));

  self->webrtc = _confab_media_make_element ("webrtcbin",
                                             "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
                                             "latency", JITTER_BUFFER_LATENCY_MS,
                                             NULL);
  if (self->webrtc == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "The GStreamer plugin “webrtc” is missing");
      return NULL;
    }
  gst_object_ref_sink (self->webrtc);
  g_object_set_data (G_OBJECT (self->webrtc), "confab-engine", self->engine);

  configure_ice (self);

  g_signal_connect_data (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed),
                         _confab_weak_handle_ref (self->handle), (GClosureNotify) _confab_weak_handle_unref, 0);
  g_signal_connect_data (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
                         _confab_weak_handle_ref (self->handle), (GClosureNotify) _confab_weak_handle_unref, 0);
  g_signal_connect_data (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_ice_state_notify),
                         _confab_weak_handle_ref (self->handle), (GClosureNotify) _confab_weak_handle_unref, 0);
  g_signal_connect_data (self->webrtc, "pad-added", G_CALLBACK (on_pad_added),
                         _confab_weak_handle_ref (self->handle), (GClosureNotify) _confab_weak_handle_unref, 0);

  _confab_media_engine_add (self->engine, self->webrtc, G_OBJECT (self), on_message);
  gst_element_sync_state_with_parent (self->webrtc);

  return g_steal_pointer (&self);
}

/**
 * confab_peer_connection_set_ice_servers:
 * @self: a #ConfabPeerConnection
 * @urls: (array zero-terminated=1): `stun:host[:port]` and `turn:host[:port]` URLs
 * @username: (nullable): the TURN user name
 * @credential: (nullable): the TURN password
 * @error: return location for a #GError
 *
 * Uses these STUN and TURN servers (from the server's `welcome`). Call before the
 * first offer or answer. Host candidates (loopback included) work without any.
 *
 * Returns: %TRUE, or %FALSE with %CONFAB_MEDIA_ERROR_BAD_PARAMETER for a URL that is
 *   neither (nothing is changed then)
 */
gboolean
confab_peer_connection_set_ice_servers (ConfabPeerConnection  *self,
                                        const char * const    *urls,
                                        const char            *username,
                                        const char            *credential,
                                        GError               **error)
{
  g_autoptr(GPtrArray) stun = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) turn = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);

  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    {
      const char *url = urls[i];
      const char *host;
      gboolean secure = FALSE;

      if (g_str_has_prefix (url, "stun:"))
        {
          host = url + strlen ("stun:");
          if (*host == '\0' || strchr (host, '@') != NULL)
            goto bad;
          g_ptr_array_add (stun, g_strdup_printf ("stun://%s", host));
          continue;
        }

      if (g_str_has_prefix (url, "turns:"))
        {
          host = url + strlen ("turns:");
          secure = TRUE;
        }
      else if (g_str_has_prefix (url, "turn:"))
        host = url + strlen ("turn:");
      else
        goto bad;

      if (*host == '\0' || username == NULL || credential == NULL)
        goto bad;

      {
        g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);
        g_autofree char *password = g_uri_escape_string (credential, NULL, FALSE);
        g_autofree char *bare = g_strdup (host);
        char *query = strchr (bare, '?');

        if (query != NULL)
          *query = '\0';
        g_ptr_array_add (turn, g_strdup_printf ("%s://%s:%s@%s", secure ? "turns" : "turn",
                                                user, password, bare));
      }
      continue;

bad:
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "“%s” is not a usable STUN or TURN URL%s", url,
                   g_str_has_prefix (url, "turn") ? " (TURN needs a user name and a credential)" : "");
      return FALSE;
    }

  if (stun->len > 0)
    g_object_set (self->webrtc, "stun-server", g_ptr_array_index (stun, 0), NULL);

  for (guint i = 0; i < turn->len; i++)
    {
      gboolean added = FALSE;

      g_signal_emit_by_name (self->webrtc, "add-turn-server", g_ptr_array_index (turn, i), &added);
    }

  return TRUE;
}

/* The sender of @stream on this connection, or NULL. */
static Sender *
find_sender (ConfabPeerConnection *self,
             ConfabStream         *stream)
{
  for (guint i = 0; i < self->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (self->senders, i);

      if (sender->stream == stream)
        return sender;
    }

  return NULL;
}

/* Whether @stream may start being sent here: the connection is open, and the stream
 * is a live local one of this engine not sent here already. */
static gboolean
check_can_send (ConfabPeerConnection  *self,
                ConfabStream          *stream,
                GError               **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The connection is closed");
      return FALSE;
    }

  if (confab_stream_get_is_remote (stream) || confab_stream_get_released (stream) ||
      _confab_stream_get_engine (stream) != self->engine)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "Only a live local stream can be sent");
      return FALSE;
    }

  if (find_sender (self, stream) != NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The stream is already sent on this connection");
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_peer_connection_add_stream:
 * @self: a #ConfabPeerConnection
 * @stream: a local #ConfabStream
 * @error: return location for a #GError
 *
 * Sends @stream's audio and video (already encoded, shared with any other connection
 * sending it) to the peer, under an msid of their own. Once negotiation has started
 * (create_offer() or a remote offer), this side offers at once: renegotiation.
 *
 * Returns: %TRUE, or %FALSE with an error (a remote or released stream, one already
 *   sent, a closed connection)
 */
gboolean
confab_peer_connection_add_stream (ConfabPeerConnection  *self,
                                   ConfabStream          *stream,
                                   GError               **error)
{
  Sender *sender;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (CONFAB_IS_STREAM (stream), FALSE);

  if (!check_can_send (self, stream, error))
    return FALSE;

  sender = g_new0 (Sender, 1);
  sender->stream = g_object_ref (stream);
  {
    g_autofree char *uuid = g_uuid_string_random ();

    sender->msid = g_strconcat ("confab-", uuid, NULL);
  }
  sender->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  sender->tee_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  sender->held_pads = g_ptr_array_new_with_free_func (gst_object_unref);

  for (int video = 1; video >= 0; video--)
    {
      GstPad *tee_pad;

      if (_confab_stream_get_encoder_tee (stream, video) == NULL)
        continue;

      tee_pad = link_sender_track (self, sender, video, error);
      if (tee_pad == NULL)
        {
          remove_sender (self, sender, FALSE);
          sender_free (sender);
          return FALSE;
        }
      g_ptr_array_add (sender->tee_pads, tee_pad);
    }

  g_ptr_array_add (self->senders, sender);

  if (self->role != ROLE_UNDECIDED)
    do_create_offer (self, FALSE);

  return TRUE;
}

/**
 * confab_peer_connection_remove_stream:
 * @self: a #ConfabPeerConnection
 * @stream: a #ConfabStream added before
 * @error: return location for a #GError
 *
 * Stops sending @stream on this connection, and tells the peer: its transceivers
 * turn inactive, and once negotiated (this side offers) the peer removes the tracks
 * it received from them. The m-lines stay, unused for good (webrtcbin 1.22 removes
 * none and turns none back on): sending again takes new ones.
 *
 * Returns: %TRUE, or %FALSE with %CONFAB_MEDIA_ERROR_BAD_PARAMETER (@stream is not
 *   sent here), %CONFAB_MEDIA_ERROR_NOT_SUPPORTED (the peer sends on the same
 *   m-lines: they would have to turn recvonly, which webrtcbin 1.22 cannot do) or
 *   %CONFAB_MEDIA_ERROR_WRONG_STATE (closed); nothing changes then
 */
gboolean
confab_peer_connection_remove_stream (ConfabPeerConnection  *self,
                                      ConfabStream          *stream,
                                      GError               **error)
{
  Sender *sender = NULL;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (CONFAB_IS_STREAM (stream), FALSE);

  if (self->closed)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The connection is closed");
      return FALSE;
    }

  sender = find_sender (self, stream);
  if (sender == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "The stream is not sent on this connection");
      return FALSE;
    }

  /* An m-line the peer sends on too (the call's first streams share theirs) would
   * have to turn recvonly, which webrtcbin 1.22 refuses. */
  for (guint i = 0; i < sender->elements->len; i++)
    {
      GstPad *webrtc_pad = g_object_get_data (g_ptr_array_index (sender->elements, i), "confab-webrtc-pad");

      if (webrtc_pad != NULL && peer_sends_on (self, webrtc_pad))
        {
          g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                               "The peer sends on this stream's media lines too, and they cannot "
                               "be made receive-only: mute the stream instead");
          return FALSE;
        }
    }

  for (guint i = 0; i < sender->elements->len; i++)
    {
      GstPad *webrtc_pad = g_object_get_data (g_ptr_array_index (sender->elements, i), "confab-webrtc-pad");

      if (webrtc_pad != NULL)
        stop_sending_on (webrtc_pad);
    }

  remove_sender (self, sender, TRUE);
  g_ptr_array_remove (self->senders, sender);

  /* Releasing a pad does not tell the peer: the new directions go in an offer. */
  if (self->role != ROLE_UNDECIDED)
    do_create_offer (self, FALSE);

  return TRUE;
}

/**
 * confab_peer_connection_get_local_msid:
 * @self: a #ConfabPeerConnection
 * @stream: a local #ConfabStream
 *
 * Returns: (nullable): the MediaStream id (SDP `msid`) under which @stream's tracks
 *   are sent to the peer, or %NULL if @stream is not sent here
 */
const char *
confab_peer_connection_get_local_msid (ConfabPeerConnection *self,
                                       ConfabStream         *stream)
{
  Sender *sender;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), NULL);

  sender = find_sender (self, stream);
  return sender != NULL ? sender->msid : NULL;
}

/**
 * confab_peer_connection_get_remote_msid:
 * @self: a #ConfabPeerConnection
 * @stream: a remote #ConfabStream of this connection
 *
 * Returns: (nullable): the MediaStream id (SDP `msid`) the peer gave the tracks of
 *   @stream, or %NULL if it gave none
 */
const char *
confab_peer_connection_get_remote_msid (ConfabPeerConnection *self,
                                        ConfabStream         *stream)
{
  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), NULL);

  return remote_msid (self, stream);
}

/**
 * confab_peer_connection_replace_stream:
 * @self: a #ConfabPeerConnection
 * @old_stream: a #ConfabStream added before
 * @new_stream: a live local #ConfabStream with the same tracks (audio, video)
 * @error: return location for a #GError
 *
 * Sends @new_stream instead of @old_stream (another camera or microphone) on the
 * tracks already negotiated: the new encoders feed the existing payloaders, so the
 * transceivers, SSRCs and SDP stay the same and nothing is renegotiated.
 *
 * Returns: %TRUE, or %FALSE with an error (closed connection, @old_stream not sent,
 *   @new_stream not live, already sent or with other tracks); nothing changes then
 */
gboolean
confab_peer_connection_replace_stream (ConfabPeerConnection  *self,
                                       ConfabStream          *old_stream,
                                       ConfabStream          *new_stream,
                                       GError               **error)
{
  Sender *sender = NULL;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (CONFAB_IS_STREAM (old_stream), FALSE);
  g_return_val_if_fail (CONFAB_IS_STREAM (new_stream), FALSE);

  if (!check_can_send (self, new_stream, error))
    return FALSE;

  sender = find_sender (self, old_stream);
  if (sender == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "The stream to replace is not sent on this connection");
      return FALSE;
    }

  for (int video = 0; video <= 1; video++)
    {
      if ((_confab_stream_get_encoder_tee (old_stream, video) == NULL) !=
          (_confab_stream_get_encoder_tee (new_stream, video) == NULL))
        {
          g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                               "The new stream must have the same tracks (audio, video) as the old one");
          return FALSE;
        }
    }

  /* each tee pad of the old stream feeds one sender queue: hand that queue to the
   * same kind of tee of the new stream (same codec, so the payloader goes on) */
  for (guint i = 0; i < sender->tee_pads->len; i++)
    {
      GstPad *tee_pad = g_ptr_array_index (sender->tee_pads, i);
      g_autoptr(GstElement) old_tee = gst_pad_get_parent_element (tee_pad);
      g_autoptr(GstPad) queue_sink = gst_pad_get_peer (tee_pad);
      gboolean video = old_tee != NULL && old_tee == _confab_stream_get_encoder_tee (old_stream, TRUE);
      GstElement *new_tee = _confab_stream_get_encoder_tee (new_stream, video);
      GstPad *new_pad;

      if (queue_sink != NULL)
        gst_pad_unlink (tee_pad, queue_sink);
      if (old_tee != NULL)
        gst_element_release_request_pad (old_tee, tee_pad);

      new_pad = gst_element_request_pad_simple (new_tee, "src_%u");
      if (queue_sink != NULL && gst_pad_link (new_pad, queue_sink) != GST_PAD_LINK_OK)
        g_warning ("Could not link the new stream's %s encoder to its sender", video ? "video" : "audio");
      g_ptr_array_index (sender->tee_pads, i) = new_pad;
      gst_object_unref (tee_pad);
    }

  g_set_object (&sender->stream, new_stream);
  _confab_stream_request_key_frame (new_stream);
  return TRUE;
}

/**
 * confab_peer_connection_create_offer:
 * @self: a #ConfabPeerConnection
 * @ice_restart: %TRUE to restart ICE (new credentials, fresh candidates)
 * @error: return location for a #GError
 *
 * Makes an offer, emitted in ::local-description. This side becomes the offerer:
 * from now on it also offers by itself when a stream is added. If a negotiation is in
 * progress the offer is made when it ends.
 *
 * Returns: %TRUE, or %FALSE with %CONFAB_MEDIA_ERROR_WRONG_STATE (closed)
 */
gboolean
confab_peer_connection_create_offer (ConfabPeerConnection  *self,
                                     gboolean               ice_restart,
                                     GError               **error)
{
  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);

  if (self->closed)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The connection is closed");
      return FALSE;
    }

  if (self->role == ROLE_UNDECIDED)
    self->role = ROLE_OFFERER;

  do_create_offer (self, ice_restart);
  return TRUE;
}

/**
 * confab_peer_connection_set_remote_description:
 * @self: a #ConfabPeerConnection
 * @type: "offer" or "answer"
 * @sdp: the peer's session description
 * @error: return location for a #GError
 *
 * Applies the peer's description; for an offer, an answer follows in
 * ::local-description.
 *
 * Returns: %TRUE if accepted for processing; %FALSE with
 *   %CONFAB_MEDIA_ERROR_BAD_PARAMETER (unknown type, SDP that does not parse) or
 *   %CONFAB_MEDIA_ERROR_WRONG_STATE (an answer without an offer, an offer in the
 *   middle of a negotiation), nothing being changed
 */
gboolean
confab_peer_connection_set_remote_description (ConfabPeerConnection  *self,
                                               const char            *type,
                                               const char            *sdp,
                                               GError               **error)
{
  GstSDPMessage *message = NULL;
  GstWebRTCSessionDescription *description;
  gboolean is_offer;
  RemoteData *remote;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);

  if (self->closed)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The connection is closed");
      return FALSE;
    }

  if (g_strcmp0 (type, "offer") != 0 && g_strcmp0 (type, "answer") != 0)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "Unknown session description type “%s” (offer or answer)", type ? type : "");
      return FALSE;
    }
  is_offer = g_str_equal (type, "offer");

  if (sdp == NULL || !g_str_has_prefix (sdp, "v=0") ||
      gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK ||
      gst_sdp_message_medias_len (message) == 0)
    {
      g_clear_pointer (&message, gst_sdp_message_free);
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "The session description is not valid SDP with media");
      return FALSE;
    }

  /* webrtcbin applies descriptions in order on its own thread: judge from what has
   * been sent and received so far, not from its state, which may lag behind. */
  if ((is_offer && (self->awaiting_answer || (self->negotiating && self->role == ROLE_OFFERER))) ||
      (!is_offer && !self->awaiting_answer))
    {
      gst_sdp_message_free (message);
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                   "An %s is not expected now", type);
      return FALSE;
    }

  if (is_offer && self->role == ROLE_UNDECIDED)
    self->role = ROLE_ANSWERER;
  if (is_offer)
    self->negotiating = TRUE;
  else
    self->awaiting_answer = FALSE;

  description = gst_webrtc_session_description_new (is_offer ? GST_WEBRTC_SDP_TYPE_OFFER
                                                             : GST_WEBRTC_SDP_TYPE_ANSWER,
                                                    message);
  remote = g_new0 (RemoteData, 1);
  remote->handle = _confab_weak_handle_ref (self->handle);
  remote->is_offer = is_offer;
  remote->sending = sending_media (message);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", description,
                         gst_promise_new_with_change_func (on_remote_description_set, remote, remote_data_free));
  gst_webrtc_session_description_free (description);

  return TRUE;
}

/**
 * confab_peer_connection_add_ice_candidate:
 * @self: a #ConfabPeerConnection
 * @mline: the media line index the peer gave
 * @candidate: the candidate line (`candidate:…`); empty for end-of-candidates
 * @error: return location for a #GError
 *
 * Adds a candidate of the peer. Candidates that arrive before the peer's description
 * are kept until it is applied.
 *
 * Returns: %TRUE, or %FALSE with %CONFAB_MEDIA_ERROR_BAD_PARAMETER for something that
 *   is not a candidate
 */
gboolean
confab_peer_connection_add_ice_candidate (ConfabPeerConnection  *self,
                                          guint                  mline,
                                          const char            *candidate,
                                          GError               **error)
{
  const char *line = candidate;
  Candidate pending;

  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);

  if (self->closed)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The connection is closed");
      return FALSE;
    }

  if (line == NULL || *line == '\0')
    return TRUE;

  if (g_str_has_prefix (line, "a="))
    line += 2;

  if (!g_str_has_prefix (line, "candidate:") || strlen (line) > 1024 ||
      strchr (line, '\n') != NULL || strchr (line, '\r') != NULL || mline > 64)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "Not an ICE candidate line");
      return FALSE;
    }

  if (!self->remote_description_set)
    {
      pending.mline = mline;
      pending.candidate = g_strdup (line);
      g_array_append_val (self->pending_candidates, pending);
      return TRUE;
    }

  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline, line);
  return TRUE;
}

/**
 * confab_peer_connection_get_ice_state:
 * @self: a #ConfabPeerConnection
 *
 * Returns: the ICE connection state
 */
GstWebRTCICEConnectionState
confab_peer_connection_get_ice_state (ConfabPeerConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED);

  return self->ice_state;
}

/**
 * confab_peer_connection_get_connected:
 * @self: a #ConfabPeerConnection
 *
 * Returns: %TRUE while ICE is connected
 */
gboolean
confab_peer_connection_get_connected (ConfabPeerConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), FALSE);

  return self->connected;
}

/**
 * confab_peer_connection_get_remote_streams:
 * @self: a #ConfabPeerConnection
 *
 * Returns: (transfer none): the #ConfabStreams received from the peer
 */
GListModel *
confab_peer_connection_get_remote_streams (ConfabPeerConnection *self)
{
  g_return_val_if_fail (CONFAB_IS_PEER_CONNECTION (self), NULL);

  return G_LIST_MODEL (self->remote_streams);
}

/**
 * confab_peer_connection_get_stats_async:
 * @self: a #ConfabPeerConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the statistics
 * @user_data: data for @callback
 *
 * Reads webrtcbin's statistics. Rates (bitrates, frame rates) are over the time since
 * the previous call (or since the connection came up, for the first).
 */
void
confab_peer_connection_get_stats_async (ConfabPeerConnection *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  StatsData *stats;

  g_return_if_fail (CONFAB_IS_PEER_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_peer_connection_get_stats_async);

  if (self->closed)
    {
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                               "The connection is closed");
      return;
    }

  stats = g_new0 (StatsData, 1);
  stats->handle = _confab_weak_handle_ref (self->handle);
  stats->task = g_steal_pointer (&task);
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL,
                         gst_promise_new_with_change_func (on_stats, stats, stats_data_free));
}

/**
 * confab_peer_connection_get_stats_finish:
 * @self: a #ConfabPeerConnection
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * The statistics, as a `a{sv}` dictionary: for each of `audio` and `video` and each
 * direction `in` and `out`, `KIND-DIR-bitrate` (d, bit/s), `KIND-in-packets-lost`
 * and `KIND-out-packets-lost` (t, as the peer reports), `KIND-in-jitter-ms` (d);
 * `video-DIR-framerate` (d), `video-DIR-width` and `video-DIR-height` (i);
 * `rtt-ms` (d), `packet-loss-percent` (d), `jitter-ms` (d); `mos` (d, 1 to 4.5, 0
 * when unknown) and `quality` (s: good, medium, bad or unknown).
 *
 * Returns: (transfer full): the statistics, or %NULL with an error
 */
GVariant *
confab_peer_connection_get_stats_finish (ConfabPeerConnection  *self,
                                         GAsyncResult          *result,
                                         GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_peer_connection_close:
 * @self: a #ConfabPeerConnection
 *
 * Ends the connection: stops sending, releases the remote streams (they emit
 * #ConfabStream::ended) and takes webrtcbin down. Idempotent.
 */
void
confab_peer_connection_close (ConfabPeerConnection *self)
{
  guint n;

  g_return_if_fail (CONFAB_IS_PEER_CONNECTION (self));

  if (self->closed)
    return;

  self->closed = TRUE;

  /* webrtcbin holds a track's buffers back (a blocking probe in its transport) until
   * DTLS is up: on a connection that never connected, a sender queue's streaming
   * thread waits there, and stopping the queue would wait for it forever. Taking
   * webrtcbin down first flushes its pads, which lets that thread go. */
  if (self->webrtc != NULL)
    {
      gst_element_set_locked_state (self->webrtc, TRUE);
      gst_element_set_state (self->webrtc, GST_STATE_NULL);
    }

  for (guint i = 0; i < self->senders->len; i++)
    remove_sender (self, g_ptr_array_index (self->senders, i), FALSE);
  g_ptr_array_set_size (self->senders, 0);

  for (guint i = 0; i < self->idle_pads->len && self->webrtc != NULL; i++)
    gst_element_release_request_pad (self->webrtc, g_ptr_array_index (self->idle_pads, i));
  g_ptr_array_set_size (self->idle_pads, 0);

  if (self->webrtc != NULL)
    {
      _confab_media_engine_remove (self->engine, self->webrtc);
      gst_clear_object (&self->webrtc);
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->remote_streams));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabStream) stream = g_list_model_get_item (G_LIST_MODEL (self->remote_streams), i);

      confab_stream_release (stream);
    }
  g_list_store_remove_all (self->remote_streams);
  g_ptr_array_set_size (self->received, 0);
  g_ptr_array_set_size (self->parked_tracks, 0);
  g_array_set_size (self->pending_candidates, 0);

  if (self->connected)
    {
      self->connected = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
    }
}
