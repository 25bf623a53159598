/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-engine.c: a call's media, on top of the media engine (internal) */

#define G_LOG_DOMAIN "confab-call-engine"

#include "config.h"

#include "confab-call-engine.h"
#include "confab-error.h"

#include "confab-peer-connection.h"

/*
 * ConfabCallEngine: the one ConfabPeerConnection of a call, wired to it. What the
 * peer connection says (descriptions, candidates, ICE states, remote streams) goes to
 * the call, which relays it over the session; what the other party sends comes in
 * here. The peer connection already hands everything to the main context.
 */
struct _ConfabCallEngine
{
  ConfabCall           *call;   /* borrowed: the call owns its engine */
  ConfabPeerConnection *pc;
  GPtrArray            *remote_streams;
  GCancellable         *cancellable;
  gboolean              stopped;
};

static void
on_local_description (ConfabPeerConnection *pc,
                      const char           *type,
                      const char           *sdp,
                      ConfabCallEngine     *self)
{
  _confab_call_on_media_send_sdp (self->call, type, sdp);
}

static void
on_local_ice_candidate (ConfabPeerConnection *pc,
                        guint                 mline,
                        const char           *candidate,
                        ConfabCallEngine     *self)
{
  _confab_call_on_media_send_ice (self->call, mline, NULL, candidate);
}

static void
on_remote_stream_changed (ConfabStream     *stream,
                          GParamSpec       *pspec,
                          ConfabCallEngine *self)
{
  _confab_call_on_media_stream_updated (self->call, stream);
}

static void
on_remote_stream_added (ConfabPeerConnection *pc,
                        ConfabStream         *stream,
                        ConfabCallEngine     *self)
{
  g_ptr_array_add (self->remote_streams, g_object_ref (stream));
  /* video added to an audio call by renegotiation shows up as has-video changing */
  g_signal_connect (stream, "notify::has-video", G_CALLBACK (on_remote_stream_changed), self);
  g_signal_connect (stream, "notify::has-audio", G_CALLBACK (on_remote_stream_changed), self);
  _confab_call_on_media_stream_added (self->call, stream);
}

static void
on_remote_stream_removed (ConfabPeerConnection *pc,
                          ConfabStream         *stream,
                          ConfabCallEngine     *self)
{
  g_autoptr(ConfabStream) hold = g_object_ref (stream);

  g_signal_handlers_disconnect_by_data (stream, self);
  g_ptr_array_remove (self->remote_streams, stream);
  _confab_call_on_media_stream_removed (self->call, stream);
}

static void
on_ice_state_changed (ConfabPeerConnection *pc,
                      int                   state,
                      ConfabCallEngine     *self)
{
  switch (state)
    {
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      _confab_call_on_media_connected (self->call, CONFAB_CALL_MEDIA_STATE_CONNECTED);
      break;

    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
      _confab_call_on_media_connected (self->call, CONFAB_CALL_MEDIA_STATE_DISCONNECTED);
      break;

    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
      _confab_call_on_media_connected (self->call, CONFAB_CALL_MEDIA_STATE_FAILED);
      break;

    case GST_WEBRTC_ICE_CONNECTION_STATE_NEW:
    case GST_WEBRTC_ICE_CONNECTION_STATE_CHECKING:
    case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED:
    default:
      break;
    }
}

static void
on_negotiation_needed (ConfabPeerConnection *pc,
                       ConfabCallEngine     *self)
{
  /* A stream added or removed here mid-call makes the peer connection offer by
   * itself (either party may offer again, PROTOCOL.md §7). Tracks the callee answered
   * with but the caller did not offer (video answering an audio offer) are not
   * negotiated: the callee's webrtcbin cannot offer them then. */
  g_debug ("Not offering what the caller did not ask for");
}

static void
on_pc_error (ConfabPeerConnection *pc,
             const GError         *error,
             ConfabCallEngine     *self)
{
  _confab_call_on_media_error (self->call, error);
}

static gboolean
set_ice_servers (ConfabPeerConnection  *pc,
                 JsonArray             *ice_servers,
                 GError               **error)
{
  guint n = ice_servers != NULL ? json_array_get_length (ice_servers) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (ice_servers, i);
      JsonObject *server;
      JsonNode *urls_node;
      g_autoptr(GPtrArray) urls = g_ptr_array_new ();

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      server = json_node_get_object (node);
      urls_node = json_object_get_member (server, "urls");
      if (urls_node == NULL)
        continue;

      if (JSON_NODE_HOLDS_ARRAY (urls_node))
        {
          JsonArray *array = json_node_get_array (urls_node);

          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              JsonNode *url = json_array_get_element (array, j);

              if (json_node_get_value_type (url) == G_TYPE_STRING)
                g_ptr_array_add (urls, (gpointer) json_node_get_string (url));
            }
        }
      else if (json_node_get_value_type (urls_node) == G_TYPE_STRING)
        {
          g_ptr_array_add (urls, (gpointer) json_node_get_string (urls_node));
        }
      g_ptr_array_add (urls, NULL);

      if (!confab_peer_connection_set_ice_servers (pc, (const char * const *) urls->pdata,
                                                   json_object_get_string_member_with_default (server, "username", NULL),
                                                   json_object_get_string_member_with_default (server, "credential", NULL),
                                                   error))
        return FALSE;
    }

  return TRUE;
}

ConfabCallEngine *
_confab_call_engine_new (ConfabCall  *call,
                         JsonArray   *ice_servers,
                         GError     **error)
{
  g_autoptr(ConfabPeerConnection) pc = NULL;
  ConfabCallEngine *self;

  if (!confab_media_init (error))
    return NULL;

  pc = confab_peer_connection_new (error);
  if (pc == NULL || !set_ice_servers (pc, ice_servers, error))
    return NULL;

  self = g_new0 (ConfabCallEngine, 1);
  self->call = call;
  self->pc = g_steal_pointer (&pc);
  self->remote_streams = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();

  g_signal_connect (self->pc, "local-description", G_CALLBACK (on_local_description), self);
  g_signal_connect (self->pc, "local-ice-candidate", G_CALLBACK (on_local_ice_candidate), self);
  g_signal_connect (self->pc, "remote-stream-added", G_CALLBACK (on_remote_stream_added), self);
  g_signal_connect (self->pc, "remote-stream-removed", G_CALLBACK (on_remote_stream_removed), self);
  g_signal_connect (self->pc, "ice-state-changed", G_CALLBACK (on_ice_state_changed), self);
  g_signal_connect (self->pc, "negotiation-needed", G_CALLBACK (on_negotiation_needed), self);
  g_signal_connect (self->pc, "error", G_CALLBACK (on_pc_error), self);

  return self;
}

void
_confab_call_engine_stop (ConfabCallEngine *self)
{
  if (self == NULL || self->stopped)
    return;

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_signal_handlers_disconnect_by_data (self->pc, self);
  for (guint i = 0; i < self->remote_streams->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->remote_streams, i), self);
  confab_peer_connection_close (self->pc);
}

void
_confab_call_engine_free (ConfabCallEngine *self)
{
  if (self == NULL)
    return;

  _confab_call_engine_stop (self);
  g_clear_object (&self->pc);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->remote_streams);
  g_free (self);
}

void
_confab_call_engine_add_stream (ConfabCallEngine *self,
                                ConfabStream     *stream)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_add_stream (self->pc, stream, &error))
    _confab_call_on_media_error (self->call, error);
}

gboolean
_confab_call_engine_add_stream_renegotiate (ConfabCallEngine  *self,
                                            ConfabStream      *stream,
                                            GError           **error)
{
  /* the peer connection offers by itself, on either side */
  return confab_peer_connection_add_stream (self->pc, stream, error);
}

gboolean
_confab_call_engine_remove_stream (ConfabCallEngine  *self,
                                   ConfabStream      *stream,
                                   GError           **error)
{
  /* either side offers the change itself: the peer must learn the new directions */
  return confab_peer_connection_remove_stream (self->pc, stream, error);
}

const char *
_confab_call_engine_get_local_msid (ConfabCallEngine *self,
                                    ConfabStream     *stream)
{
  return confab_peer_connection_get_local_msid (self->pc, stream);
}

const char *
_confab_call_engine_get_remote_msid (ConfabCallEngine *self,
                                     ConfabStream     *stream)
{
  return confab_peer_connection_get_remote_msid (self->pc, stream);
}

gboolean
_confab_call_engine_replace_stream (ConfabCallEngine  *self,
                                    ConfabStream      *old_stream,
                                    ConfabStream      *new_stream,
                                    GError           **error)
{
  /* same tracks: the new devices feed the negotiated transceivers (removing and
   * re-adding them fails in webrtcbin: "Could not reuse transceiver") */
  return confab_peer_connection_replace_stream (self->pc, old_stream, new_stream, error);
}

void
_confab_call_engine_offer (ConfabCallEngine *self)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_create_offer (self->pc, FALSE, &error))
    _confab_call_on_media_error (self->call, error);
}

void
_confab_call_engine_restart_ice (ConfabCallEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_debug ("Restarting ICE");
  if (!confab_peer_connection_create_offer (self->pc, TRUE, &error))
    _confab_call_on_media_error (self->call, error);
}

void
_confab_call_engine_take_sdp (ConfabCallEngine *self,
                              const char       *type,
                              const char       *sdp)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_set_remote_description (self->pc, type, sdp, &error))
    _confab_call_on_media_error (self->call, error);
}

void
_confab_call_engine_take_ice (ConfabCallEngine *self,
                              guint             mline,
                              const char       *candidate)
{
  g_autoptr(GError) error = NULL;

  if (!confab_peer_connection_add_ice_candidate (self->pc, mline, candidate, &error))
    g_debug ("A remote candidate was refused: %s", error->message);
}

static double
lookup_double (GVariant   *stats,
               const char *key)
{
  double value = 0;

  g_variant_lookup (stats, key, "d", &value);
  return value;
}

static guint64
lookup_uint64 (GVariant   *stats,
               const char *key)
{
  guint64 value = 0;

  g_variant_lookup (stats, key, "t", &value);
  return value;
}

static guint
lookup_int (GVariant   *stats,
            const char *key)
{
  gint32 value = 0;

  g_variant_lookup (stats, key, "i", &value);
  return (guint) MAX (value, 0);
}

static void
fill_direction (ConfabCallMediaStats *out,
                GVariant             *stats,
                const char           *kind,
                const char           *direction)
{
  g_autofree char *bitrate = g_strdup_printf ("%s-%s-bitrate", kind, direction);
  g_autofree char *lost = g_strdup_printf ("%s-%s-packets-lost", kind, direction);
  g_autofree char *jitter = g_strdup_printf ("%s-%s-jitter-ms", kind, direction);
  g_autofree char *framerate = g_strdup_printf ("%s-%s-framerate", kind, direction);
  g_autofree char *width = g_strdup_printf ("%s-%s-width", kind, direction);
  g_autofree char *height = g_strdup_printf ("%s-%s-height", kind, direction);

  out->bitrate = (guint64) lookup_double (stats, bitrate);
  out->packets_lost = (gint64) lookup_uint64 (stats, lost);
  out->jitter = lookup_double (stats, jitter) / 1000.0;
  out->frame_rate = lookup_double (stats, framerate);
  out->width = lookup_int (stats, width);
  out->height = lookup_int (stats, height);
}

static ConfabCallQuality
quality_from_string (const char *name)
{
  if (g_strcmp0 (name, confab_call_quality_to_string (CONFAB_CALL_QUALITY_GOOD)) == 0)
    return CONFAB_CALL_QUALITY_GOOD;
  if (g_strcmp0 (name, confab_call_quality_to_string (CONFAB_CALL_QUALITY_MEDIUM)) == 0)
    return CONFAB_CALL_QUALITY_MEDIUM;
  if (g_strcmp0 (name, confab_call_quality_to_string (CONFAB_CALL_QUALITY_BAD)) == 0)
    return CONFAB_CALL_QUALITY_BAD;
  return CONFAB_CALL_QUALITY_UNKNOWN;
}

static void
on_stats (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  ConfabCallEngine *self = user_data;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  ConfabCallStats out = { 0 };
  const char *quality = NULL;
  double loss_percent;

  stats = confab_peer_connection_get_stats_finish (CONFAB_PEER_CONNECTION (object), result, &error);
  if (stats == NULL)
    {
      /* cancelled: the engine is gone, do not touch it */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _confab_call_on_media_stats (self->call, NULL);
      return;
    }

  fill_direction (&out.audio_sent, stats, "audio", "out");
  fill_direction (&out.audio_received, stats, "audio", "in");
  fill_direction (&out.video_sent, stats, "video", "out");
  fill_direction (&out.video_received, stats, "video", "in");
  loss_percent = lookup_double (stats, "packet-loss-percent");
  out.audio_received.packet_loss = out.video_received.packet_loss = loss_percent / 100.0;
  out.rtt = lookup_double (stats, "rtt-ms") / 1000.0;
  out.mos = lookup_double (stats, "mos");
  g_variant_lookup (stats, "quality", "&s", &quality);
  out.quality = quality_from_string (quality);
  out.timestamp = g_get_monotonic_time ();

  _confab_call_on_media_stats (self->call, &out);
}

void
_confab_call_engine_request_stats (ConfabCallEngine *self)
{
  confab_peer_connection_get_stats_async (self->pc, self->cancellable, on_stats, self);
}

void
_confab_call_engine_set_local_enabled (ConfabStream *stream,
                                       int           audio,
                                       int           video)
{
  if (audio >= 0)
    confab_stream_set_audio_enabled (stream, audio);
  if (video >= 0)
    confab_stream_set_video_enabled (stream, video);
}

void
_confab_call_engine_set_remote_enabled (ConfabStream *stream,
                                        int           audio,
                                        int           video)
{
  _confab_call_engine_set_local_enabled (stream, audio, video);
}

gboolean
_confab_call_engine_start_recording (ConfabStream      *stream,
                                     ConfabRecordMode   mode,
                                     const char        *filename,
                                     GError           **error)
{
  G_STATIC_ASSERT ((int) CONFAB_RECORD_MODE_AUDIO_ONLY == (int) CONFAB_RECORDING_MODE_AUDIO_ONLY);
  G_STATIC_ASSERT ((int) CONFAB_RECORD_MODE_VIDEO_ONLY == (int) CONFAB_RECORDING_MODE_VIDEO_ONLY);
  G_STATIC_ASSERT ((int) CONFAB_RECORD_MODE_AUDIO_VIDEO == (int) CONFAB_RECORDING_MODE_AUDIO_VIDEO);

  return confab_stream_start_recording (stream, (ConfabRecordingMode) mode, filename, error);
}

typedef struct {
  gboolean  done;
  char     *path;
  gint64    duration;
  GError   *error;
} StopWait;

static void
on_recording_stopped (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  StopWait *wait = user_data;

  wait->path = confab_stream_stop_recording_finish (CONFAB_STREAM (object), result, &wait->duration, &wait->error);
  wait->done = TRUE;
}

/* Synchronous (the public API is): runs the main context until the file is finished. */
ConfabRecordInformation *
_confab_call_engine_stop_recording (ConfabStream      *stream,
                                    ConfabRecordMode   mode,
                                    GError           **error)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  StopWait wait = { 0 };
  ConfabRecordInformation *info = NULL;

  confab_stream_stop_recording_async (stream, NULL, on_recording_stopped, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);

  if (wait.path == NULL)
    {
      g_propagate_error (error, wait.error);
      return NULL;
    }

  info = confab_record_information_new (wait.path, (guint64) MAX (wait.duration, 0), mode);
  g_free (wait.path);
  return info;
}

static void
on_screen_stream_created (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  ConfabStream *stream;

  stream = confab_stream_new_local_finish (result, &error);
  if (stream == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

/* A screen stream, without blocking: on Wayland the portal's dialog stays open while
 * the main context runs; cancelling @cancellable closes it. */
void
_confab_call_engine_create_screen_async (GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);

  g_task_set_source_tag (task, _confab_call_engine_create_screen_async);
  g_variant_dict_insert (options, "audio", "b", FALSE);
  g_variant_dict_insert (options, "video", "b", TRUE);
  g_variant_dict_insert (options, "screen", "b", TRUE);
  confab_stream_new_local_async (g_variant_dict_end (options), cancellable,
                                 on_screen_stream_created, g_steal_pointer (&task));
}

GObject *
_confab_call_engine_create_screen_finish (GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The stream a call publishes when the application gave none: the microphone, or for
 * a screen share the screen. */
ConfabStream *
_confab_call_engine_create_default_stream (ConfabCallMedia   media,
                                           GError          **error)
{
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);

  if (!confab_media_init (error))
    return NULL;

  g_variant_dict_insert (options, "audio", "b", media != CONFAB_CALL_MEDIA_SCREEN);
  g_variant_dict_insert (options, "video", "b", media == CONFAB_CALL_MEDIA_SCREEN);
  if (media == CONFAB_CALL_MEDIA_SCREEN)
    g_variant_dict_insert (options, "screen", "b", TRUE);

  return confab_stream_new_local (g_variant_dict_end (options), error);
}
