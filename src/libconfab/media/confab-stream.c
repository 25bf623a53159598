/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-stream.c: a local or remote audio/video stream */

#define G_LOG_DOMAIN "confab-stream"

#include "config.h"

#include "confab-device-list-private.h"
#include "confab-screencast.h"
#include "confab-stream-private.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

/**
 * ConfabStream:
 *
 * Audio and/or video, either captured here (a *local* stream, made by
 * confab_stream_new_local() and published to calls) or received from a peer (a
 * *remote* stream, handed out by the call that receives it).
 *
 * A local stream captures and encodes (VP8, Opus) once, whatever the number of peers
 * it is sent to. Its sources come from the devices (#ConfabDeviceList), or from the
 * environment for tests: `CONFAB_VIDEOSRC`, `CONFAB_AUDIOSRC` and `CONFAB_SCREENSRC`
 * hold GStreamer pipeline descriptions such as `videotestsrc pattern=red`.
 *
 * Video reaches the application through a sink it hands in
 * (confab_stream_set_video_sink()), or as RGBA frames in the #ConfabStream::video-frame
 * signal (confab_stream_enable_video_frames()), ready to be wrapped into a
 * `GdkMemoryTexture`. The library never links GTK. Remote audio plays on
 * `autoaudiosink`, or on what `CONFAB_AUDIOSINK` describes.
 *
 * Disabling audio or video (confab_stream_set_audio_enabled(),
 * confab_stream_set_video_enabled()) of a local stream sends silence and black
 * frames; of a remote stream, stops playing it here.
 *
 * Every signal and property notification is emitted on the main context the stream
 * was made on.
 */

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define DEFAULT_FRAMERATE 30
#define SILENCE_DB -100.0

typedef struct {
  gatomicrefcount    ref_count;
  GMutex             lock;
  GstSample         *pending;
  gboolean           scheduled;
  ConfabWeakHandle  *handle;
} FrameSlot;

typedef struct {
  GTask        *stop_task;
  char         *path;
  GPtrArray    *elements;
  GstPad       *video_tee_pad;
  GstPad       *audio_tee_pad;
  GMutex        lock;
  GstClockTime  base;
  GstClockTime  end;
  gboolean      waiting_key_frame;
  gboolean      finished;
} Recorder;

struct _ConfabRemoteTrack
{
  gboolean    is_video;
  GPtrArray  *elements;
  GstElement *tee;
  GstElement *decoder;
  gint        frames;
};

struct _ConfabStream
{
  GObject              parent_instance;

  /* owned */
  ConfabMediaEngine   *engine;
  ConfabWeakHandle    *handle;
  char                *id;
  GPtrArray           *elements;          /* capture and encoding, sources first */
  ConfabRemoteTrack   *video_track;       /* remote streams */
  ConfabRemoteTrack   *audio_track;
  GPtrArray           *video_output;      /* what hangs on the raw video tee */
  GstPad              *video_output_pad;
  GPtrArray           *audio_output;      /* remote audio playback */
  GstPad              *audio_output_pad;
  GstElement          *echo_probe;
  FrameSlot           *frames;
  Recorder            *recorder;

  /* borrowed, from elements / outputs */
  GstElement          *video_balance;
  GstElement          *video_raw_tee;
  GstElement          *video_encoder;
  GstElement          *video_encoder_tee;
  GstElement          *audio_volume;
  GstElement          *audio_raw_tee;
  GstElement          *audio_encoder_tee;
  GstElement          *output_volume;

  gint                 encoded_frames;
  int                  width;
  int                  height;
  double               audio_level;
  guint                is_remote : 1;
  guint                has_audio : 1;
  guint                has_video : 1;
  guint                is_screensharing : 1;
  guint                echo_cancellation : 1;
  guint                audio_enabled : 1;
  guint                video_enabled : 1;
  guint                released : 1;
  guint                claimed_echo_probe : 1;
  guint                frames_requested : 1;
  GstElement          *pending_sink;      /* for video that has not arrived yet */
  ConfabScreencast    *screencast;        /* the portal session of a Wayland screen */
  GstElement          *screen_source;     /* borrowed, from elements: what captures it */
  ConfabMediaDevice   *output_device;     /* remote audio plays there; NULL: default */
};

G_DEFINE_FINAL_TYPE (ConfabStream, confab_stream, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_IS_REMOTE,
  PROP_HAS_AUDIO,
  PROP_HAS_VIDEO,
  PROP_IS_SCREENSHARING,
  PROP_ECHO_CANCELLATION,
  PROP_AUDIO_ENABLED,
  PROP_VIDEO_ENABLED,
  PROP_AUDIO_LEVEL,
  PROP_IS_RECORDING,
  PROP_RELEASED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_VIDEO_FRAME,
  SIGNAL_ERROR,
  SIGNAL_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void remove_video_output (ConfabStream *self);
static void remove_audio_output (ConfabStream *self);
static void recorder_free (Recorder *recorder);

/* helpers */

static FrameSlot *
frame_slot_ref (FrameSlot *slot)
{
  g_atomic_ref_count_inc (&slot->ref_count);
  return slot;
}

static void
frame_slot_unref (gpointer data)
{
  FrameSlot *slot = data;

  if (slot == NULL || !g_atomic_ref_count_dec (&slot->ref_count))
    return;

  g_clear_pointer (&slot->pending, gst_sample_unref);
  _confab_weak_handle_unref (slot->handle);
  g_mutex_clear (&slot->lock);
  g_free (slot);
}

typedef struct {
  GstVideoFrame frame;
  GstSample    *sample;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  gst_sample_unref (mapped->sample);
  g_free (mapped);
}

static void
deliver_frame (GObject  *object,
               gpointer  data)
{
  ConfabStream *self = CONFAB_STREAM (object);
  FrameSlot *slot = data;
  g_autoptr(GstSample) sample = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GstVideoInfo info;
  MappedFrame *mapped;
  GstCaps *caps;

  g_mutex_lock (&slot->lock);
  sample = g_steal_pointer (&slot->pending);
  slot->scheduled = FALSE;
  g_mutex_unlock (&slot->lock);

  if (sample == NULL || self->released || self->frames != slot)
    return;

  caps = gst_sample_get_caps (sample);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      gst_sample_get_buffer (sample) == NULL)
    return;

  mapped = g_new0 (MappedFrame, 1);
  if (!gst_video_frame_map (&mapped->frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      g_free (mapped);
      return;
    }
  mapped->sample = g_steal_pointer (&sample);

  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                      (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0) *
                                      GST_VIDEO_FRAME_HEIGHT (&mapped->frame),
                                      mapped_frame_free, mapped);

  g_signal_emit (self, signals[SIGNAL_VIDEO_FRAME], 0, bytes,
                 GST_VIDEO_FRAME_WIDTH (&mapped->frame),
                 GST_VIDEO_FRAME_HEIGHT (&mapped->frame),
                 GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0));
}

/* Streaming thread: keeps only the newest frame; one delivery at a time is queued on
 * the main context, so a slow main loop drops stale frames instead of piling them. */
static GstFlowReturn
on_new_sample (GstAppSink *sink,
               gpointer    user_data)
{
  FrameSlot *slot = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gboolean schedule = FALSE;

  if (sample == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&slot->lock);
  g_clear_pointer (&slot->pending, gst_sample_unref);
  slot->pending = sample;
  if (!slot->scheduled)
    {
      slot->scheduled = TRUE;
      schedule = TRUE;
    }
  g_mutex_unlock (&slot->lock);

  if (schedule)
    _confab_weak_handle_invoke (slot->handle, deliver_frame, frame_slot_ref (slot), frame_slot_unref);

  return GST_FLOW_OK;
}

static GstPadProbeReturn
count_frame (GstPad          *pad,
             GstPadProbeInfo *info,
             gpointer         user_data)
{
  gint *counter = user_data;

  g_atomic_int_inc (counter);
  return GST_PAD_PROBE_OK;
}

static void
report_error (ConfabStream *self,
              GError       *error)
{
  g_debug ("Stream %s: %s", self->id, error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static void
on_message (GObject    *owner,
            GstMessage *message)
{
  ConfabStream *self = CONFAB_STREAM (owner);
  const GstStructure *structure;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gst_error = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &gst_error, &debug);
        error = g_error_new (CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED, "%s: %s",
                             GST_MESSAGE_SRC_NAME (message), gst_error->message);
        g_debug ("%s", debug ? debug : "");
        report_error (self, error);

        /* A shared screen that fails to capture is over: the stream ends. */
        if (self->screen_source != NULL &&
            (GST_MESSAGE_SRC (message) == GST_OBJECT (self->screen_source) ||
             gst_object_has_as_ancestor (GST_MESSAGE_SRC (message), GST_OBJECT (self->screen_source))))
          confab_stream_release (self);
      }
      break;

    case GST_MESSAGE_ELEMENT:
      structure = gst_message_get_structure (message);
      if (gst_structure_has_name (structure, "level"))
        {
          const GValue *rms = gst_structure_get_value (structure, "rms");
          double level = SILENCE_DB;

          /* A GValueArray (deprecated, but it is what level posts) of one RMS per channel. */
          G_GNUC_BEGIN_IGNORE_DEPRECATIONS
          if (rms != NULL && G_VALUE_HOLDS_BOXED (rms) && g_value_get_boxed (rms) != NULL)
            {
              GValueArray *array = g_value_get_boxed (rms);

              for (guint i = 0; i < array->n_values; i++)
                {
                  if (G_VALUE_HOLDS_DOUBLE (&array->values[i]))
                    level = MAX (level, g_value_get_double (&array->values[i]));
                }
            }
          G_GNUC_END_IGNORE_DEPRECATIONS

          level = CLAMP (level, SILENCE_DB, 0.0);
          if (level != self->audio_level)
            {
              self->audio_level = level;
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_LEVEL]);
            }
        }
      break;

    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_EOS:
    default:
      break;
    }
}

static gboolean
add_element (ConfabStream  *self,
             GPtrArray     *elements,
             GstElement    *element,
             GError       **error)
{
  if (element == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "A GStreamer element the stream needs is missing");
      return FALSE;
    }

  g_ptr_array_add (elements, gst_object_ref_sink (element));
  _confab_media_engine_add (self->engine, element, G_OBJECT (self), on_message);
  return TRUE;
}

/* Links the elements of @elements from index @first on, in order. */
static gboolean
link_chain (GPtrArray  *elements,
            guint       first,
            GError    **error)
{
  for (guint i = first; i + 1 < elements->len; i++)
    {
      GstElement *a = g_ptr_array_index (elements, i);
      GstElement *b = g_ptr_array_index (elements, i + 1);

      if (!gst_element_link (a, b))
        {
          g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                       "Could not link %s to %s", GST_ELEMENT_NAME (a), GST_ELEMENT_NAME (b));
          return FALSE;
        }
    }

  return TRUE;
}

/* Starts the elements from index @first on, downstream first, so that nothing pushes
 * into an element that is not ready. */
static void
start_chain (GPtrArray *elements,
             guint      first)
{
  for (guint i = elements->len; i > first; i--)
    gst_element_sync_state_with_parent (g_ptr_array_index (elements, i - 1));
}

static GstElement *
make_leaky_queue (guint max_buffers,
                  guint64 max_time)
{
  return _confab_media_make_element ("queue",
                                     "leaky", 2 /* downstream: drop the oldest */,
                                     "max-size-buffers", max_buffers,
                                     "max-size-bytes", 0,
                                     "max-size-time", max_time,
                                     NULL);
}

static GstElement *
make_capsfilter (const char *description)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (description);

  return _confab_media_make_element ("capsfilter", "caps", caps, NULL);
}

static gboolean
build_video (ConfabStream  *self,
             GstElement    *source,
             int            framerate,
             int            bitrate,
             GError       **error)
{
  g_autofree char *caps = NULL;
  guint first = self->elements->len;
  GstElement *encoder;

  caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                          "pixel-aspect-ratio=1/1", self->width, self->height, framerate);

  if (!add_element (self, self->elements, source, error) ||
      !add_element (self, self->elements, make_leaky_queue (1, 0), error) ||
      !add_element (self, self->elements, _confab_media_make_element ("videoconvert", NULL), error) ||
      !add_element (self, self->elements, _confab_media_make_element ("videoscale", NULL), error) ||
      !add_element (self, self->elements, _confab_media_make_element ("videorate", "drop-only", TRUE, NULL), error) ||
      !add_element (self, self->elements, make_capsfilter (caps), error))
    return FALSE;

  self->video_balance = _confab_media_make_element ("videobalance", NULL);
  self->video_raw_tee = _confab_media_make_element ("tee", "allow-not-linked", TRUE, NULL);
  if (!add_element (self, self->elements, self->video_balance, error) ||
      !add_element (self, self->elements, self->video_raw_tee, error))
    return FALSE;

  /* Before the encoder: a live source must not queue stale frames while the
   * connection is not up, they would come out as a burst. */
  if (!add_element (self, self->elements, make_leaky_queue (1, 0), error))
    return FALSE;

  encoder = _confab_media_make_element ("vp8enc",
                                        "deadline", (gint64) 1,
                                        "cpu-used", 8,
                                        "end-usage", 1 /* CBR */,
                                        "target-bitrate", bitrate,
                                        "lag-in-frames", 0,
                                        "keyframe-max-dist", framerate * 4,
                                        "error-resilient", 1,
                                        /* More threads make libvpx spin: 25 % of a core
                                         * for a still 320x240 picture, against 1 %. */
                                        "threads", 1,
                                        NULL);
  self->video_encoder = encoder;
  self->video_encoder_tee = _confab_media_make_element ("tee", "allow-not-linked", TRUE, NULL);
  if (!add_element (self, self->elements, encoder, error) ||
      !add_element (self, self->elements, self->video_encoder_tee, error))
    return FALSE;

  if (!link_chain (self->elements, first, error))
    return FALSE;

  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (encoder, "src");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &self->encoded_frames, NULL);
  }

  start_chain (self->elements, first);
  self->has_video = TRUE;

  return TRUE;
}

static gboolean
build_audio (ConfabStream  *self,
             GstElement    *source,
             GError       **error)
{
  guint first = self->elements->len;

  if (!add_element (self, self->elements, source, error) ||
      !add_element (self, self->elements, make_leaky_queue (0, 200 * GST_MSECOND), error) ||
      !add_element (self, self->elements, _confab_media_make_element ("audioconvert", NULL), error) ||
      !add_element (self, self->elements, _confab_media_make_element ("audioresample", NULL), error) ||
      !add_element (self, self->elements,
                    make_capsfilter ("audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"),
                    error))
    return FALSE;

  if (self->echo_cancellation)
    {
      const char *probe = _confab_media_engine_claim_echo_probe (self->engine);

      if (probe == NULL)
        self->echo_cancellation = FALSE;
      else if (!add_element (self, self->elements,
                             _confab_media_make_element ("webrtcdsp", "probe", probe, NULL), NULL))
        {
          _confab_media_engine_unclaim_echo_probe (self->engine);
          self->echo_cancellation = FALSE;
        }
      else
        self->claimed_echo_probe = TRUE;
    }

  self->audio_volume = _confab_media_make_element ("volume", NULL);
  self->audio_raw_tee = _confab_media_make_element ("tee", "allow-not-linked", TRUE, NULL);
  self->audio_encoder_tee = _confab_media_make_element ("tee", "allow-not-linked", TRUE, NULL);
  if (!add_element (self, self->elements, self->audio_volume, error) ||
      !add_element (self, self->elements,
                    _confab_media_make_element ("level", "interval", (guint64) 100 * GST_MSECOND,
                                                "post-messages", TRUE, NULL),
                    error) ||
      !add_element (self, self->elements, self->audio_raw_tee, error) ||
      !add_element (self, self->elements, make_leaky_queue (0, 200 * GST_MSECOND), error) ||
      !add_element (self, self->elements,
                    _confab_media_make_element ("opusenc", "bitrate", 48000, NULL), error) ||
      !add_element (self, self->elements, self->audio_encoder_tee, error))
    return FALSE;

  if (!link_chain (self->elements, first, error))
    return FALSE;

  start_chain (self->elements, first);
  self->has_audio = TRUE;

  return TRUE;
}

typedef struct {
  gboolean    audio;
  gboolean    video;
  gboolean    screen;
  gboolean    echo_cancellation;
  const char *audio_device;
  const char *video_device;
  const char *audio_source;
  const char *video_source;
  int         width;
  int         height;
  int         framerate;
  int         bitrate;
} Options;

static gboolean
parse_options (GVariant  *options,
               Options   *out,
               GError   **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  out->audio = TRUE;
  out->video = TRUE;
  out->screen = FALSE;
  out->echo_cancellation = confab_media_has_echo_cancellation ();
  out->width = DEFAULT_WIDTH;
  out->height = DEFAULT_HEIGHT;
  out->framerate = DEFAULT_FRAMERATE;
  out->bitrate = 0;

  if (options == NULL)
    return TRUE;

  if (!g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "Stream options must be of type a{sv}, not %s",
                   g_variant_get_type_string (options));
      return FALSE;
    }

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const char *expected = NULL;

      if (g_str_equal (key, "audio") || g_str_equal (key, "video") ||
          g_str_equal (key, "screen") || g_str_equal (key, "echo-cancellation"))
        expected = "b";
      else if (g_str_equal (key, "audio-device") || g_str_equal (key, "video-device") ||
               g_str_equal (key, "audio-source") || g_str_equal (key, "video-source"))
        expected = "s";
      else if (g_str_equal (key, "width") || g_str_equal (key, "height") ||
               g_str_equal (key, "framerate") || g_str_equal (key, "video-bitrate"))
        expected = "i";

      if (expected == NULL)
        {
          g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                       "Unknown stream option “%s”", key);
          g_variant_unref (value);
          return FALSE;
        }

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (expected)))
        {
          g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                       "Stream option “%s” must be of type %s, not %s",
                       key, expected, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }

      if (g_str_equal (key, "audio"))
        out->audio = g_variant_get_boolean (value);
      else if (g_str_equal (key, "video"))
        out->video = g_variant_get_boolean (value);
      else if (g_str_equal (key, "screen"))
        out->screen = g_variant_get_boolean (value);
      else if (g_str_equal (key, "echo-cancellation"))
        out->echo_cancellation = g_variant_get_boolean (value) && confab_media_has_echo_cancellation ();
      else if (g_str_equal (key, "audio-device"))
        out->audio_device = g_variant_get_string (value, NULL);
      else if (g_str_equal (key, "video-device"))
        out->video_device = g_variant_get_string (value, NULL);
      else if (g_str_equal (key, "audio-source"))
        out->audio_source = g_variant_get_string (value, NULL);
      else if (g_str_equal (key, "video-source"))
        out->video_source = g_variant_get_string (value, NULL);
      else if (g_str_equal (key, "width"))
        out->width = g_variant_get_int32 (value);
      else if (g_str_equal (key, "height"))
        out->height = g_variant_get_int32 (value);
      else if (g_str_equal (key, "framerate"))
        out->framerate = g_variant_get_int32 (value);
      else if (g_str_equal (key, "video-bitrate"))
        out->bitrate = g_variant_get_int32 (value);
    }

  if (out->width < 16 || out->width > 3840 || out->height < 16 || out->height > 2160 ||
      out->width % 2 != 0 || out->height % 2 != 0)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "The video size %dx%d is not supported (even sizes from 16x16 to 3840x2160)",
                   out->width, out->height);
      return FALSE;
    }

  if (out->framerate < 1 || out->framerate > 60)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "The frame rate %d is not supported (1 to 60)", out->framerate);
      return FALSE;
    }

  if (out->bitrate < 0 || out->bitrate > 20000)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "The video bitrate %d kbit/s is not supported (up to 20000)", out->bitrate);
      return FALSE;
    }

  if (!out->audio && !out->video && !out->screen)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "A stream needs audio, video or screen");
      return FALSE;
    }

  return TRUE;
}

/* Whether the screen of @options is asked for through the ScreenCast portal: a
 * pipeline description (option or CONFAB_SCREENSRC) wins over it. */
static gboolean
is_portal_screen (const Options *options)
{
  const char *screen_override = g_getenv ("CONFAB_SCREENSRC");

  return options->screen && options->video_source == NULL &&
         (screen_override == NULL || *screen_override == '\0') &&
         confab_screencast_is_wanted ();
}

/* Wayland: the user picks a screen in the portal's dialog; the session lives as
 * long as the stream. *@screencast is a portal session already started
 * (confab_stream_new_local_async()), or NULL to start one here, blocking. */
static GstElement *
make_portal_source (ConfabScreencast **screencast,
                    GError           **error)
{
  g_autoptr(ConfabScreencast) started = NULL;
  GstElement *source;

  if (*screencast != NULL)
    return confab_screencast_create_source (*screencast, error);

  started = confab_screencast_new ();
  if (!confab_screencast_start_sync (started, NULL, error))
    return NULL;

  source = confab_screencast_create_source (started, error);
  if (source != NULL)
    *screencast = g_steal_pointer (&started);

  return source;
}

/* X11: ximagesrc, converted to I420 on its own streaming thread. ximagesrc keeps the
 * buffers that come back to it for reuse, each holding a reference to it, and empties
 * that cache when it stops: a buffer still waiting in a queue downstream would come
 * back after that and keep the element alive forever. Converted at once, no buffer of
 * its own ever leaves the bin. */
static GstElement *
make_x11_screen_source (GError **error)
{
  g_autoptr(GstCaps) caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", NULL);
  g_autoptr(GstPad) src = NULL;
  GstElement *bin, *capture, *convert, *filter;

  capture = _confab_media_make_element ("ximagesrc", "use-damage", FALSE, "show-pointer", TRUE, NULL);
  convert = _confab_media_make_element ("videoconvert", NULL);
  filter = _confab_media_make_element ("capsfilter", "caps", caps, NULL);
  if (capture == NULL || convert == NULL || filter == NULL)
    {
      GstElement *made[] = { capture, convert, filter };

      for (guint i = 0; i < G_N_ELEMENTS (made); i++)
        if (made[i] != NULL)
          gst_object_unref (gst_object_ref_sink (made[i]));
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "Capturing the X11 screen needs ximagesrc and videoconvert "
                           "(gstreamer1.0-plugins-good, gstreamer1.0-plugins-base)");
      return NULL;
    }

  bin = gst_bin_new (NULL);
  gst_bin_add_many (GST_BIN (bin), capture, convert, filter, NULL);
  if (!gst_element_link_many (capture, convert, filter, NULL))
    {
      gst_object_unref (gst_object_ref_sink (bin));
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                           "Could not link the screen capture");
      return NULL;
    }
  src = gst_element_get_static_pad (filter, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", src));

  return bin;
}

static GstElement *
make_video_source (const Options     *options,
                   ConfabScreencast **screencast,
                   GError           **error)
{
  GstElement *source;
  g_autoptr(GError) local_error = NULL;

  if (options->video_source != NULL)
    return _confab_media_make_from_description (options->video_source, "The video-source option",
                                                NULL, error);

  if (options->screen)
    {
      if (is_portal_screen (options))
        return make_portal_source (screencast, error);

      if (!confab_media_can_share_screen (error))
        return NULL;

      source = _confab_media_make_from_env ("CONFAB_SCREENSRC", NULL, error);
      if (source != NULL)
        return source;
      if (error != NULL && *error != NULL)
        return NULL;

      return make_x11_screen_source (error);
    }

  source = _confab_media_make_from_env ("CONFAB_VIDEOSRC", NULL, &local_error);
  if (source != NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return source;
    }

  return _confab_media_device_create_element (CONFAB_MEDIA_DEVICE_KIND_CAMERA, options->video_device, error);
}

static GstElement *
make_audio_source (const Options  *options,
                   GError        **error)
{
  GstElement *source;
  g_autoptr(GError) local_error = NULL;

  if (options->audio_source != NULL)
    return _confab_media_make_from_description (options->audio_source, "The audio-source option",
                                                NULL, error);

  source = _confab_media_make_from_env ("CONFAB_AUDIOSRC", NULL, &local_error);
  if (source != NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return source;
    }

  return _confab_media_device_create_element (CONFAB_MEDIA_DEVICE_KIND_MICROPHONE, options->audio_device, error);
}

/* A sink joining the running pipeline must not preroll: its ASYNC_START would make
 * the whole pipeline lose its state, and the state change that ends it, run from a
 * streaming thread, would start elements other streams are still linking. */
static void
join_without_preroll (GstElement *sink)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "async") != NULL)
    g_object_set (sink, "async", FALSE, NULL);
  else if (GST_IS_BIN (sink))
    g_object_set (sink, "async-handling", TRUE, NULL);
}

/* The tee pad an output branch hangs on. GStreamer's tee copies the sticky events
 * (stream-start, caps, segment) to a pad it makes before that pad joins the ones it
 * pushes to, so a pad requested while data flows can miss the segment that arrives
 * in between ("data flow before segment event"). A received track's tee has one pad
 * requested before any data came (_confab_remote_track_new): every output of that
 * track reuses it, unlinked and linked again, never released. */
static GstPad *
output_tee_pad (GstElement *tee)
{
  GstPad *kept = g_object_get_data (G_OBJECT (tee), "confab-output-pad");

  if (kept != NULL && !gst_pad_is_linked (kept))
    return gst_object_ref (kept);

  return gst_element_request_pad_simple (tee, "src_%u");
}

/* The output that hangs on a raw video tee (local preview or remote picture). */
static void
set_video_output (ConfabStream *self,
                  GstElement   *tee,
                  GstElement   *sink)
{
  g_autoptr(GstPad) sink_pad = NULL;
  GstPad *tee_pad;
  guint i;

  remove_video_output (self);

  if (tee == NULL || sink == NULL)
    {
      if (sink != NULL)
        {
          g_object_ref_sink (sink);
          gst_object_unref (sink);
        }
      return;
    }

  join_without_preroll (sink);
  self->video_output = g_ptr_array_new_with_free_func (gst_object_unref);
  if (!add_element (self, self->video_output, make_leaky_queue (1, 0), NULL) ||
      !add_element (self, self->video_output, _confab_media_make_element ("videoconvert", NULL), NULL) ||
      !add_element (self, self->video_output, sink, NULL) ||
      !link_chain (self->video_output, 0, NULL))
    {
      g_debug ("Could not attach a video sink to stream %s", self->id);
      remove_video_output (self);
      return;
    }

  for (i = 0; i < self->video_output->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (self->video_output, i));

  tee_pad = output_tee_pad (tee);
  sink_pad = gst_element_get_static_pad (g_ptr_array_index (self->video_output, 0), "sink");
  gst_pad_link (tee_pad, sink_pad);
  self->video_output_pad = tee_pad;
}

static GstElement *
video_tee (ConfabStream *self)
{
  if (self->is_remote)
    return self->video_track != NULL ? self->video_track->tee : NULL;

  return self->video_raw_tee;
}

static void
remove_branch (ConfabStream  *self,
               GPtrArray    **elements,
               GstPad       **tee_pad)
{
  if (*tee_pad != NULL)
    {
      g_autoptr(GstElement) tee = gst_pad_get_parent_element (*tee_pad);
      g_autoptr(GstPad) peer = gst_pad_get_peer (*tee_pad);

      if (peer != NULL)
        gst_pad_unlink (*tee_pad, peer);
      /* a track's kept pad stays for its next output (output_tee_pad()) */
      if (tee != NULL && g_object_get_data (G_OBJECT (tee), "confab-output-pad") != *tee_pad)
        gst_element_release_request_pad (tee, *tee_pad);
      gst_clear_object (tee_pad);
    }

  if (*elements != NULL)
    {
      _confab_media_engine_remove_all (self->engine, *elements);
      g_clear_pointer (elements, g_ptr_array_unref);
    }
}

static void
remove_video_output (ConfabStream *self)
{
  remove_branch (self, &self->video_output, &self->video_output_pad);
}

static void
remove_audio_output (ConfabStream *self)
{
  remove_branch (self, &self->audio_output, &self->audio_output_pad);
  self->output_volume = NULL;

  if (self->echo_probe != NULL)
    _confab_media_engine_release_echo_probe (self->engine, g_steal_pointer (&self->echo_probe));
}

static void
set_audio_output (ConfabStream *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sink_pad = NULL;
  GstElement *sink;

  remove_audio_output (self);

  if (self->audio_track == NULL)
    return;

  if (self->output_device != NULL)
    {
      sink = gst_device_create_element (confab_media_device_get_device (self->output_device), NULL);
      if (sink == NULL)
        g_set_error (&error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                     "The speaker “%s” could not be opened",
                     confab_media_device_get_display_name (self->output_device));
    }
  else
    sink = _confab_media_make_from_env ("CONFAB_AUDIOSINK", "autoaudiosink", &error);
  if (sink == NULL)
    {
      report_error (self, error);
      return;
    }

  join_without_preroll (sink);
  self->audio_output = g_ptr_array_new_with_free_func (gst_object_unref);
  self->output_volume = _confab_media_make_element ("volume", "mute", !self->audio_enabled, NULL);
  if (!add_element (self, self->audio_output, _confab_media_make_element ("queue", NULL), NULL) ||
      !add_element (self, self->audio_output, _confab_media_make_element ("audioconvert", NULL), NULL) ||
      !add_element (self, self->audio_output, _confab_media_make_element ("audioresample", NULL), NULL) ||
      !add_element (self, self->audio_output, self->output_volume, NULL))
    goto failed;

  /* The echo canceller of local microphones listens to what the first remote stream plays. */
  self->echo_probe = _confab_media_engine_acquire_echo_probe (self->engine);
  if (self->echo_probe != NULL)
    {
      if (!add_element (self, self->audio_output, gst_object_ref (self->echo_probe), NULL) ||
          !add_element (self, self->audio_output, _confab_media_make_element ("audioconvert", NULL), NULL))
        goto failed;
    }

  if (!add_element (self, self->audio_output, sink, NULL) ||
      !link_chain (self->audio_output, 0, NULL))
    goto failed;

  start_chain (self->audio_output, 0);

  self->audio_output_pad = output_tee_pad (self->audio_track->tee);
  sink_pad = gst_element_get_static_pad (g_ptr_array_index (self->audio_output, 0), "sink");
  gst_pad_link (self->audio_output_pad, sink_pad);
  return;

failed:
  g_debug ("Could not attach an audio sink to stream %s", self->id);
  remove_audio_output (self);
}

static void
confab_stream_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConfabStream *self = CONFAB_STREAM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_IS_REMOTE:
      g_value_set_boolean (value, self->is_remote);
      break;

    case PROP_HAS_AUDIO:
      g_value_set_boolean (value, self->has_audio);
      break;

    case PROP_HAS_VIDEO:
      g_value_set_boolean (value, self->has_video);
      break;

    case PROP_IS_SCREENSHARING:
      g_value_set_boolean (value, self->is_screensharing);
      break;

    case PROP_ECHO_CANCELLATION:
      g_value_set_boolean (value, self->echo_cancellation);
      break;

    case PROP_AUDIO_ENABLED:
      g_value_set_boolean (value, self->audio_enabled);
      break;

    case PROP_VIDEO_ENABLED:
      g_value_set_boolean (value, self->video_enabled);
      break;

    case PROP_AUDIO_LEVEL:
      g_value_set_double (value, self->audio_level);
      break;

    case PROP_IS_RECORDING:
      g_value_set_boolean (value, confab_stream_get_is_recording (self));
      break;

    case PROP_RELEASED:
      g_value_set_boolean (value, self->released);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_stream_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ConfabStream *self = CONFAB_STREAM (object);

  switch (prop_id)
    {
    case PROP_AUDIO_ENABLED:
      confab_stream_set_audio_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_VIDEO_ENABLED:
      confab_stream_set_video_enabled (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Takes every element out of the pipeline; the object stays usable as a dead stream. */
static void
teardown (ConfabStream *self)
{
  if (self->engine == NULL)
    return;

  if (self->recorder != NULL)
    {
      Recorder *recorder = g_steal_pointer (&self->recorder);

      remove_branch (self, &recorder->elements, &recorder->video_tee_pad);
      remove_branch (self, &recorder->elements, &recorder->audio_tee_pad);
      if (recorder->stop_task != NULL)
        g_task_return_new_error (recorder->stop_task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                                 "The stream was released before the recording was finished");
      recorder_free (recorder);
    }

  remove_video_output (self);
  remove_audio_output (self);
  g_clear_pointer (&self->frames, frame_slot_unref);
  gst_clear_object (&self->pending_sink);

  if (self->elements != NULL)
    {
      _confab_media_engine_remove_all (self->engine, self->elements);
      g_clear_pointer (&self->elements, g_ptr_array_unref);
    }

  self->screen_source = NULL;
  if (self->screencast != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->screencast, self);
      confab_screencast_close (self->screencast);
      g_clear_object (&self->screencast);
    }

  g_clear_pointer (&self->video_track, _confab_remote_track_free);
  g_clear_pointer (&self->audio_track, _confab_remote_track_free);

  if (self->claimed_echo_probe)
    {
      _confab_media_engine_unclaim_echo_probe (self->engine);
      self->claimed_echo_probe = FALSE;
    }

  self->video_balance = NULL;
  self->video_raw_tee = NULL;
  self->video_encoder = NULL;
  self->video_encoder_tee = NULL;
  self->audio_volume = NULL;
  self->audio_raw_tee = NULL;
  self->audio_encoder_tee = NULL;
}

static void
confab_stream_dispose (GObject *object)
{
  ConfabStream *self = CONFAB_STREAM (object);

  teardown (self);
  g_clear_object (&self->engine);
  g_clear_object (&self->output_device);

  G_OBJECT_CLASS (confab_stream_parent_class)->dispose (object);
}

static void
confab_stream_finalize (GObject *object)
{
  ConfabStream *self = CONFAB_STREAM (object);

  _confab_weak_handle_unref (self->handle);
  g_free (self->id);

  G_OBJECT_CLASS (confab_stream_parent_class)->finalize (object);
}

static void
confab_stream_class_init (ConfabStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_stream_get_property;
  object_class->set_property = confab_stream_set_property;
  object_class->dispose = confab_stream_dispose;
  object_class->finalize = confab_stream_finalize;

  /**
   * ConfabStream:id:
   *
   * An identifier of the stream, unique in the process.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:is-remote:
   *
   * %TRUE for a stream received from a peer, %FALSE for one captured here.
   */
  properties[PROP_IS_REMOTE] =
    g_param_spec_boolean ("is-remote", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:has-audio:
   *
   * Whether the stream carries audio. A remote stream may gain audio or video when
   * the call is renegotiated.
   */
  properties[PROP_HAS_AUDIO] =
    g_param_spec_boolean ("has-audio", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:has-video:
   *
   * Whether the stream carries video.
   */
  properties[PROP_HAS_VIDEO] =
    g_param_spec_boolean ("has-video", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:is-screensharing:
   *
   * Whether the video of this local stream is a screen.
   */
  properties[PROP_IS_SCREENSHARING] =
    g_param_spec_boolean ("is-screensharing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:echo-cancellation:
   *
   * Whether the microphone of this local stream goes through the echo canceller. It
   * is %FALSE when the `webrtcdsp` plugin is missing (see
   * confab_media_has_echo_cancellation()) or the option turned it off.
   */
  properties[PROP_ECHO_CANCELLATION] =
    g_param_spec_boolean ("echo-cancellation", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:audio-enabled:
   *
   * %FALSE mutes the audio: a local stream sends silence, a remote one is not played.
   */
  properties[PROP_AUDIO_ENABLED] =
    g_param_spec_boolean ("audio-enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:video-enabled:
   *
   * %FALSE stops the picture: a local stream sends black frames, a remote one is
   * not shown.
   */
  properties[PROP_VIDEO_ENABLED] =
    g_param_spec_boolean ("video-enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:audio-level:
   *
   * The loudness of the audio (RMS, in dB from -100 to 0), updated ten times a
   * second: for a microphone level meter or a speaking indicator.
   */
  properties[PROP_AUDIO_LEVEL] =
    g_param_spec_double ("audio-level", NULL, NULL, SILENCE_DB, 0.0, SILENCE_DB,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:is-recording:
   *
   * Whether confab_stream_start_recording() is writing a file.
   */
  properties[PROP_IS_RECORDING] =
    g_param_spec_boolean ("is-recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabStream:released:
   *
   * Whether the stream has been released (confab_stream_release()) or has ended.
   */
  properties[PROP_RELEASED] =
    g_param_spec_boolean ("released", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConfabStream::video-frame:
   * @self: the stream
   * @pixels: the frame, RGBA, @stride bytes a row
   * @width: its width in pixels
   * @height: its height in pixels
   * @stride: bytes from a row to the next
   *
   * A new picture, after confab_stream_enable_video_frames(). Only the newest frame
   * is delivered when the main loop is late; @pixels stay valid as long as a
   * reference to them is held, ready for `gdk_memory_texture_new()` with
   * `GDK_MEMORY_R8G8B8A8`.
   */
  signals[SIGNAL_VIDEO_FRAME] =
    g_signal_new ("video-frame",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);

  /**
   * ConfabStream::error:
   * @self: the stream
   * @error: what went wrong
   *
   * Capturing, encoding, decoding or playing failed.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * ConfabStream::ended:
   * @self: the stream
   *
   * The stream was released, or the peer stopped sending it.
   */
  signals[SIGNAL_ENDED] =
    g_signal_new ("ended",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
confab_stream_init (ConfabStream *self)
{
  static gint counter;

  self->id = g_strdup_printf ("stream-%d", g_atomic_int_add (&counter, 1) + 1);
  self->audio_enabled = TRUE;
  self->video_enabled = TRUE;
  self->audio_level = SILENCE_DB;
}

static void
on_screen_ended (GObject  *object,
                 gpointer  data)
{
  ConfabStream *self = CONFAB_STREAM (object);

  g_debug ("Stream %s: the shared screen ended", self->id);
  confab_stream_release (self);
}

/* Streaming thread: the screen's source ends (PipeWire stopped the node); the stream
 * ends on the main context. The EOS goes no further: other streams share the pipeline. */
static GstPadProbeReturn
on_screen_event (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  ConfabWeakHandle *handle = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;

  _confab_weak_handle_invoke (handle, on_screen_ended, NULL, NULL);
  return GST_PAD_PROBE_DROP;
}

/* Main context: the portal closed the session (the user stopped sharing). */
static void
on_screencast_closed (ConfabScreencast *screencast,
                      ConfabStream     *self)
{
  g_debug ("Stream %s: the screen-sharing portal closed the session", self->id);
  confab_stream_release (self);
}

/* A portal screen ends the stream when the portal closes its session or its source
 * stops (end of stream or error, see on_message()). */
static void
watch_screen (ConfabStream *self,
              GstElement   *source)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (source, "src");

  self->screen_source = source;
  g_signal_connect_object (self->screencast, "closed", G_CALLBACK (on_screencast_closed), self, 0);
  if (pad != NULL)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_screen_event,
                       _confab_weak_handle_ref (self->handle),
                       (GDestroyNotify) _confab_weak_handle_unref);
}

static gboolean
setup_local (ConfabStream   *self,
             const Options  *options,
             GError        **error)
{
  int bitrate = options->bitrate * 1000;

  self->handle = _confab_weak_handle_new (self, _confab_media_engine_get_context (self->engine));
  self->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  self->width = options->width;
  self->height = options->height;
  self->is_screensharing = options->screen;
  self->echo_cancellation = options->echo_cancellation;

  if (bitrate == 0)
    bitrate = CLAMP (options->width * options->height * options->framerate / 10, 150000, 2500000);

  if (options->video || options->screen)
    {
      GstElement *source = make_video_source (options, &self->screencast, error);

      if (source == NULL || !build_video (self, source, options->framerate, bitrate, error))
        return FALSE;

      if (self->screencast != NULL)
        watch_screen (self, source);
    }

  if (options->audio)
    {
      GstElement *source = make_audio_source (options, error);

      if (source == NULL || !build_audio (self, source, error))
        return FALSE;
    }
  else
    self->echo_cancellation = FALSE;

  return TRUE;
}

/**
 * confab_stream_new_local:
 * @options: (nullable): a #GVariant of type `a{sv}`, floating or not
 * @error: return location for a #GError
 *
 * Captures a local stream. The options (all optional) are:
 *
 * - `audio` (b): capture the microphone (default %TRUE)
 * - `video` (b): capture the camera (default %TRUE)
 * - `screen` (b): capture the screen as the video (default %FALSE); on X11 with
 *   `ximagesrc`; on Wayland (`WAYLAND_DISPLAY` without `DISPLAY`, or
 *   `CONFAB_SCREENCAST=portal`) through the ScreenCast portal, which blocks here
 *   until the user has picked a screen or window (see below). The stream ends
 *   (#ConfabStream::ended) when the portal closes the session, e.g. the user
 *   stopped sharing from the shell, or the capture stops
 * - `audio-device`, `video-device` (s): a #ConfabMediaDevice:id; the default
 *   device otherwise
 * - `audio-source`, `video-source` (s): a GStreamer pipeline description to capture
 *   from instead (a test pattern for a bot, e.g. `videotestsrc pattern=ball`); it
 *   takes precedence over devices, screen and the `CONFAB_*SRC` variables
 * - `width`, `height`, `framerate` (i): the video format (default 640×480 at 30)
 * - `video-bitrate` (i): kbit/s (default from the size)
 * - `echo-cancellation` (b): default %TRUE when available
 *
 * Do not use this function for a portal screen from a thread that runs a user
 * interface: it blocks, freezing every window, for as long as the portal's dialog
 * is open. Use confab_stream_new_local_async() there; it takes the same options.
 *
 * Returns: (transfer full): the stream, capturing; or %NULL with
 *   %CONFAB_MEDIA_ERROR_BAD_PARAMETER (an option is unknown or wrong),
 *   %CONFAB_MEDIA_ERROR_NO_DEVICE, %CONFAB_MEDIA_ERROR_NOT_SUPPORTED (no screen
 *   capture here, or no screen-sharing portal), %CONFAB_MEDIA_ERROR_MISSING_PLUGIN
 *   or %G_IO_ERROR_CANCELLED (the user cancelled the portal's dialog)
 */
ConfabStream *
confab_stream_new_local (GVariant  *options,
                         GError   **error)
{
  g_autoptr(GVariant) owned_options = options != NULL ? g_variant_ref_sink (options) : NULL;
  g_autoptr(ConfabStream) self = NULL;
  g_autoptr(ConfabMediaEngine) engine = NULL;
  Options parsed = { 0 };

  if (!parse_options (owned_options, &parsed, error))
    return NULL;

  engine = _confab_media_engine_get_default (error);
  if (engine == NULL)
    return NULL;

  self = g_object_new (CONFAB_TYPE_STREAM, NULL);
  self->engine = g_steal_pointer (&engine);

  if (!setup_local (self, &parsed, error))
    {
      teardown (self);
      return NULL;
    }

  return g_steal_pointer (&self);
}

typedef struct {
  GVariant          *options;
  Options            parsed;        /* points into options */
  ConfabMediaEngine *engine;
  ConfabScreencast  *screencast;
} NewLocal;

static void
new_local_free (gpointer data)
{
  NewLocal *new_local = data;

  g_clear_pointer (&new_local->options, g_variant_unref);
  g_clear_object (&new_local->engine);
  g_clear_object (&new_local->screencast);
  g_free (new_local);
}

/* Builds the stream of @task; a started portal session, if any, goes with it. */
static void
new_local_build (GTask *task)
{
  NewLocal *new_local = g_task_get_task_data (task);
  g_autoptr(ConfabStream) self = NULL;
  g_autoptr(GError) error = NULL;

  self = g_object_new (CONFAB_TYPE_STREAM, NULL);
  self->engine = g_steal_pointer (&new_local->engine);
  self->screencast = g_steal_pointer (&new_local->screencast);

  if (!setup_local (self, &new_local->parsed, &error))
    {
      teardown (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

static void
on_portal_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NewLocal *new_local = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!confab_screencast_start_finish (CONFAB_SCREENCAST (source), result, &error))
    {
      g_clear_object (&new_local->screencast);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Cancelled as the answer came: the session closes with the screen cast. */
  if (g_task_return_error_if_cancelled (task))
    {
      confab_screencast_close (new_local->screencast);
      g_clear_object (&new_local->screencast);
      return;
    }

  new_local_build (task);
}

/**
 * confab_stream_new_local_async:
 * @options: (nullable): a #GVariant of type `a{sv}`, floating or not: the options
 *   of confab_stream_new_local()
 * @cancellable: (nullable): a #GCancellable; cancelling it while the screen-sharing
 *   portal's dialog is open closes the dialog and the portal session
 * @callback: (scope async): called on the thread-default main context with the
 *   stream
 * @user_data: (closure): data for @callback
 *
 * Captures a local stream like confab_stream_new_local(), without blocking: a screen
 * on Wayland is asked for through the ScreenCast portal while the main context keeps
 * running (the application's windows stay responsive while the user picks a screen
 * or window in the portal's dialog). Any other stream is made at once; @callback is
 * always called from the main context, never from within this call.
 */
void
confab_stream_new_local_async (GVariant            *options,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GVariant) owned_options = options != NULL ? g_variant_ref_sink (options) : NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  NewLocal *new_local;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_stream_new_local_async);

  new_local = g_new0 (NewLocal, 1);
  new_local->options = g_steal_pointer (&owned_options);
  g_task_set_task_data (task, new_local, new_local_free);

  if (!parse_options (new_local->options, &new_local->parsed, &error) ||
      (new_local->engine = _confab_media_engine_get_default (&error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  if ((new_local->parsed.video || new_local->parsed.screen) && is_portal_screen (&new_local->parsed))
    {
      new_local->screencast = confab_screencast_new ();
      confab_screencast_start_async (new_local->screencast, cancellable, on_portal_started,
                                     g_steal_pointer (&task));
      return;
    }

  /* Nothing to wait for: the task completes from an idle of the main context. */
  new_local_build (task);
}

/**
 * confab_stream_new_local_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the stream, capturing; or %NULL with the errors of
 *   confab_stream_new_local(), %G_IO_ERROR_CANCELLED when the user cancelled the
 *   portal's dialog or the cancellable was cancelled, or
 *   %CONFAB_MEDIA_ERROR_FAILED when the portal failed or gave an invalid answer
 */
ConfabStream *
confab_stream_new_local_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == confab_stream_new_local_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_stream_get_id:
 * @self: a #ConfabStream
 *
 * Returns: the stream's identifier
 */
const char *
confab_stream_get_id (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), NULL);

  return self->id;
}

/**
 * confab_stream_get_is_remote:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE if the stream comes from a peer
 */
gboolean
confab_stream_get_is_remote (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->is_remote;
}

/**
 * confab_stream_get_has_audio:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE if the stream carries audio
 */
gboolean
confab_stream_get_has_audio (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->has_audio;
}

/**
 * confab_stream_get_has_video:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE if the stream carries video
 */
gboolean
confab_stream_get_has_video (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->has_video;
}

/**
 * confab_stream_get_is_screensharing:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE if the video is a captured screen
 */
gboolean
confab_stream_get_is_screensharing (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->is_screensharing;
}

/* Main context: a remote stream learns from the sender's media event that its
 * video is a screen share (or no longer is). */
void
_confab_stream_set_is_screensharing (ConfabStream *self,
                                     gboolean      is_screensharing)
{
  g_return_if_fail (CONFAB_IS_STREAM (self));

  is_screensharing = !!is_screensharing;
  if (self->is_screensharing == (guint) is_screensharing)
    return;

  self->is_screensharing = is_screensharing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_SCREENSHARING]);
}

/**
 * confab_stream_get_echo_cancellation:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE if the microphone goes through the echo canceller
 */
gboolean
confab_stream_get_echo_cancellation (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->echo_cancellation;
}

/**
 * confab_stream_get_audio_enabled:
 * @self: a #ConfabStream
 *
 * Returns: %FALSE if the audio is muted
 */
gboolean
confab_stream_get_audio_enabled (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->audio_enabled;
}

/**
 * confab_stream_set_audio_enabled:
 * @self: a #ConfabStream
 * @enabled: %FALSE to mute
 *
 * Mutes or unmutes the audio: a local stream sends silence while muted; a remote
 * stream is not played.
 */
void
confab_stream_set_audio_enabled (ConfabStream *self,
                                 gboolean      enabled)
{
  g_return_if_fail (CONFAB_IS_STREAM (self));

  enabled = !!enabled;
  if (self->audio_enabled == enabled)
    return;

  self->audio_enabled = enabled;
  if (self->audio_volume != NULL)
    g_object_set (self->audio_volume, "mute", !enabled, NULL);
  if (self->output_volume != NULL)
    g_object_set (self->output_volume, "mute", !enabled, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUDIO_ENABLED]);
}

/**
 * confab_stream_get_video_enabled:
 * @self: a #ConfabStream
 *
 * Returns: %FALSE if the video is stopped
 */
gboolean
confab_stream_get_video_enabled (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->video_enabled;
}

static GstPadProbeReturn
drop_buffers (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  return GST_PAD_PROBE_DROP;
}

/**
 * confab_stream_set_video_enabled:
 * @self: a #ConfabStream
 * @enabled: %FALSE to stop the picture
 *
 * Stops or restarts the video: a local stream sends black frames while stopped (so
 * the peer's decoder keeps going, at almost no bitrate); a remote stream is not shown.
 */
void
confab_stream_set_video_enabled (ConfabStream *self,
                                 gboolean      enabled)
{
  g_return_if_fail (CONFAB_IS_STREAM (self));

  enabled = !!enabled;
  if (self->video_enabled == enabled)
    return;

  self->video_enabled = enabled;

  if (self->video_balance != NULL)
    {
      /* Black in any YUV: no luma contrast, lowest brightness, no colour. */
      g_object_set (self->video_balance,
                    "contrast", enabled ? 1.0 : 0.0,
                    "brightness", enabled ? 0.0 : -1.0,
                    "saturation", enabled ? 1.0 : 0.0,
                    NULL);
    }
  else if (self->is_remote && self->video_output != NULL)
    {
      GstElement *queue = g_ptr_array_index (self->video_output, 0);
      g_autoptr(GstPad) pad = gst_element_get_static_pad (queue, "src");
      gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (queue), "confab-drop-probe"));

      if (!enabled && id == 0)
        id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_buffers, NULL, NULL);
      else if (enabled && id != 0)
        {
          gst_pad_remove_probe (pad, id);
          id = 0;
        }
      g_object_set_data (G_OBJECT (queue), "confab-drop-probe", GSIZE_TO_POINTER (id));
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_ENABLED]);
}

/**
 * confab_stream_get_audio_level:
 * @self: a #ConfabStream
 *
 * Returns: the current #ConfabStream:audio-level, in dB
 */
double
confab_stream_get_audio_level (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), SILENCE_DB);

  return self->audio_level;
}

/**
 * confab_stream_get_released:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE once the stream is released or ended
 */
gboolean
confab_stream_get_released (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), TRUE);

  return self->released;
}

/**
 * confab_stream_set_video_sink:
 * @self: a #ConfabStream
 * @sink: (nullable) (transfer floating): a GStreamer sink, e.g. an `appsink`
 *
 * Shows the stream's video on @sink, in place of any sink or frame signal set before;
 * %NULL stops showing it. Frames are converted to whatever @sink's caps ask for (e.g.
 * `video/x-raw,format=RGBA`), and a frame the sink is too slow for is dropped. For a
 * local stream this is the self-view. On a remote stream whose video has not arrived
 * yet, @sink is used once it does. @sink joins a running pipeline, so it does not
 * preroll: its `async` property is turned off (a bin handles its state changes
 * itself).
 */
void
confab_stream_set_video_sink (ConfabStream *self,
                              GstElement   *sink)
{
  g_return_if_fail (CONFAB_IS_STREAM (self));
  g_return_if_fail (sink == NULL || GST_IS_ELEMENT (sink));

  g_clear_pointer (&self->frames, frame_slot_unref);
  self->frames_requested = FALSE;
  gst_clear_object (&self->pending_sink);

  if (!self->released && self->is_remote && video_tee (self) == NULL && sink != NULL)
    {
      /* The peer's video has not arrived yet: show it there when it does. */
      self->pending_sink = gst_object_ref_sink (sink);
      return;
    }

  set_video_output (self, self->released ? NULL : video_tee (self), sink);
}

/**
 * confab_stream_set_audio_output_device:
 * @self: a remote #ConfabStream
 * @device: (nullable): a speaker (%CONFAB_MEDIA_DEVICE_KIND_SPEAKER) from
 *   #ConfabDeviceList, or %NULL for the default output
 * @error: return location for a #GError
 *
 * Plays the stream's audio on @device, switching a playing stream over at once (its
 * audio does not stop for long). With %NULL the stream plays on the default output:
 * `autoaudiosink`, or what the `CONFAB_AUDIOSINK` environment variable describes
 * (which tests use); a chosen speaker is used even when that variable is set. A
 * remote stream whose audio has not arrived yet plays there once it does.
 *
 * Returns: %TRUE on success; %FALSE with %CONFAB_MEDIA_ERROR_BAD_PARAMETER, changing
 *   nothing, if @self is a local stream or @device is not a speaker
 */
gboolean
confab_stream_set_audio_output_device (ConfabStream       *self,
                                       ConfabMediaDevice  *device,
                                       GError            **error)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);
  g_return_val_if_fail (device == NULL || CONFAB_IS_MEDIA_DEVICE (device), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->is_remote)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                           "Only a remote stream plays on a speaker");
      return FALSE;
    }

  if (device != NULL && confab_media_device_get_kind (device) != CONFAB_MEDIA_DEVICE_KIND_SPEAKER)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "“%s” is not a speaker",
                   confab_media_device_get_display_name (device) != NULL ?
                   confab_media_device_get_display_name (device) : "(unnamed)");
      return FALSE;
    }

  if (device == self->output_device)
    return TRUE;

  g_set_object (&self->output_device, device);

  if (!self->released && self->audio_track != NULL)
    set_audio_output (self);

  return TRUE;
}

/**
 * confab_stream_get_audio_output_device:
 * @self: a #ConfabStream
 *
 * Returns: (transfer none) (nullable): the speaker set with
 *   confab_stream_set_audio_output_device(), or %NULL for the default output
 */
ConfabMediaDevice *
confab_stream_get_audio_output_device (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), NULL);

  return self->output_device;
}

/**
 * confab_stream_enable_video_frames:
 * @self: a #ConfabStream
 *
 * Delivers the stream's video as RGBA frames in #ConfabStream::video-frame, on the
 * main context, in place of any sink set before. On a remote stream whose video has
 * not arrived yet (an audio call that may gain video), frames come once it does.
 */
void
confab_stream_enable_video_frames (ConfabStream *self)
{
  g_autoptr(GstCaps) caps = NULL;
  GstElement *sink;
  GstAppSinkCallbacks callbacks;
  FrameSlot *slot;

  g_return_if_fail (CONFAB_IS_STREAM (self));

  gst_clear_object (&self->pending_sink);
  if (self->released)
    return;

  if (video_tee (self) == NULL)
    {
      /* A remote stream whose video comes later (or never): deliver it when it does. */
      self->frames_requested = TRUE;
      return;
    }
  self->frames_requested = FALSE;

  memset (&callbacks, 0, sizeof callbacks);
  callbacks.new_sample = on_new_sample;

  caps = gst_caps_from_string ("video/x-raw,format=RGBA");
  sink = _confab_media_make_element ("appsink",
                                     "caps", caps,
                                     "max-buffers", 1,
                                     "drop", TRUE,
                                     /* Shown as soon as decoded: the jitter buffer has
                                      * already paced the frames, and a clock wait on a
                                      * mis-stamped frame would freeze the picture. */
                                     "sync", FALSE,
                                     /* Joining a playing pipeline: no preroll to wait for. */
                                     "async", FALSE,
                                     "enable-last-sample", FALSE,
                                     NULL);

  slot = g_new0 (FrameSlot, 1);
  g_atomic_ref_count_init (&slot->ref_count);
  g_mutex_init (&slot->lock);
  slot->handle = _confab_weak_handle_ref (self->handle);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, frame_slot_ref (slot), frame_slot_unref);

  set_video_output (self, video_tee (self), sink);
  g_clear_pointer (&self->frames, frame_slot_unref);
  self->frames = slot;
}

/**
 * confab_stream_release:
 * @self: a #ConfabStream
 *
 * Stops the stream: a local stream stops capturing (the camera light goes off) and
 * is no longer sent; a remote stream stops playing. An unfinished recording is
 * abandoned. Emits #ConfabStream::ended once.
 */
void
confab_stream_release (ConfabStream *self)
{
  g_return_if_fail (CONFAB_IS_STREAM (self));

  if (self->released)
    return;

  g_object_ref (self);
  teardown (self);
  self->released = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RELEASED]);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0);
  g_object_unref (self);
}

/* Recording */

static void
recorder_free (Recorder *recorder)
{
  if (recorder == NULL)
    return;

  g_clear_object (&recorder->stop_task);
  g_free (recorder->path);
  g_clear_pointer (&recorder->elements, g_ptr_array_unref);
  gst_clear_object (&recorder->video_tee_pad);
  gst_clear_object (&recorder->audio_tee_pad);
  g_mutex_clear (&recorder->lock);
  g_free (recorder);
}

/* Streaming threads: the file's time starts at the first buffer recorded, and its video
 * at a key frame. */
static GstPadProbeReturn
on_recorded_buffer (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         user_data)
{
  Recorder *recorder = user_data;
  gboolean is_video = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "confab-video"));
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_DROP;

  g_mutex_lock (&recorder->lock);
  if (is_video && recorder->waiting_key_frame)
    {
      if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        ret = GST_PAD_PROBE_DROP;
      else
        recorder->waiting_key_frame = FALSE;
    }

  if (ret == GST_PAD_PROBE_OK)
    {
      if (!GST_CLOCK_TIME_IS_VALID (recorder->base))
        recorder->base = pts;

      if (pts < recorder->base)
        ret = GST_PAD_PROBE_DROP;
      else
        {
          GstClockTime end;

          buffer = gst_buffer_make_writable (buffer);
          GST_BUFFER_PTS (buffer) = pts - recorder->base;
          if (GST_BUFFER_DTS_IS_VALID (buffer))
            GST_BUFFER_DTS (buffer) = GST_BUFFER_DTS (buffer) > recorder->base
              ? GST_BUFFER_DTS (buffer) - recorder->base : 0;
          end = GST_BUFFER_PTS (buffer);
          if (GST_BUFFER_DURATION_IS_VALID (buffer))
            end += GST_BUFFER_DURATION (buffer);
          recorder->end = MAX (recorder->end, end);
          GST_PAD_PROBE_INFO_DATA (info) = buffer;
        }
    }
  g_mutex_unlock (&recorder->lock);

  return ret;
}

static void
finish_recording (GObject  *object,
                  gpointer  data)
{
  ConfabStream *self = CONFAB_STREAM (object);
  Recorder *recorder = self->recorder;
  g_autoptr(GTask) task = NULL;

  if (recorder == NULL || recorder->stop_task == NULL || data != recorder)
    return;

  self->recorder = NULL;
  task = g_steal_pointer (&recorder->stop_task);
  if (recorder->elements != NULL)
    _confab_media_engine_remove_all (self->engine, recorder->elements);

  g_task_set_task_data (task, GINT_TO_POINTER (1), NULL);
  g_object_set_data (G_OBJECT (task), "confab-duration",
                     GSIZE_TO_POINTER ((gsize) (recorder->end / GST_USECOND)));
  g_task_return_pointer (task, g_strdup (recorder->path), g_free);
  recorder_free (recorder);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_RECORDING]);
}

static GstPadProbeReturn
on_file_event (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  ConfabStream *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    {
      /* The muxer has written its index; the file is closed on the main context. */
      _confab_weak_handle_invoke (self->handle, finish_recording,
                                  g_object_get_data (G_OBJECT (pad), "confab-recorder"), NULL);
      return GST_PAD_PROBE_DROP;
    }

  return GST_PAD_PROBE_OK;
}

static GstPad *
record_track (ConfabStream  *self,
              Recorder      *recorder,
              GstElement    *tee,
              GstElement    *muxer,
              gboolean       video,
              GError       **error)
{
  GstElement *queue = _confab_media_make_element ("queue", NULL);
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) mux_pad = NULL;
  GstPad *tee_pad;

  if (!add_element (self, recorder->elements, queue, error))
    return NULL;

  queue_sink = gst_element_get_static_pad (queue, "sink");
  queue_src = gst_element_get_static_pad (queue, "src");
  mux_pad = gst_element_request_pad_simple (muxer, video ? "video_%u" : "audio_%u");
  if (mux_pad == NULL || gst_pad_link (queue_src, mux_pad) != GST_PAD_LINK_OK)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_FAILED,
                   "The recording muxer refused the %s track", video ? "video" : "audio");
      return NULL;
    }

  g_object_set_data (G_OBJECT (queue_sink), "confab-video", GINT_TO_POINTER (video));
  gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER, on_recorded_buffer, recorder, NULL);
  gst_element_sync_state_with_parent (queue);

  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  gst_pad_link (tee_pad, queue_sink);

  return tee_pad;
}

/**
 * confab_stream_start_recording:
 * @self: a local #ConfabStream
 * @mode: what to record
 * @path: (type filename): the file to write (WebM: VP8 and Opus, as sent)
 * @error: return location for a #GError
 *
 * Starts writing the stream, as it is sent to peers (no second encoding), to @path.
 * confab_stream_stop_recording_async() finishes the file.
 *
 * Returns: %TRUE if recording started; %FALSE with %CONFAB_MEDIA_ERROR_WRONG_STATE
 *   (not a local stream, released, already recording) or
 *   %CONFAB_MEDIA_ERROR_BAD_PARAMETER (@mode asks for a track the stream has not,
 *   @path is not writable)
 */
gboolean
confab_stream_start_recording (ConfabStream         *self,
                               ConfabRecordingMode   mode,
                               const char           *path,
                               GError              **error)
{
  gboolean want_video = mode == CONFAB_RECORDING_MODE_VIDEO_ONLY || mode == CONFAB_RECORDING_MODE_AUDIO_VIDEO;
  gboolean want_audio = mode == CONFAB_RECORDING_MODE_AUDIO_ONLY || mode == CONFAB_RECORDING_MODE_AUDIO_VIDEO;
  g_autofree char *directory = NULL;
  Recorder *recorder;
  GstElement *muxer, *sink;
  g_autoptr(GstPad) sink_pad = NULL;

  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  if (self->is_remote || self->released)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "Only a local stream that is not released can be recorded");
      return FALSE;
    }

  if (self->recorder != NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                           "The stream is already being recorded");
      return FALSE;
    }

  if (mode > CONFAB_RECORDING_MODE_AUDIO_VIDEO || (!want_video && !want_audio))
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "Unknown recording mode %d", (int) mode);
      return FALSE;
    }

  if ((want_video && !self->has_video) || (want_audio && !self->has_audio))
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "The stream has no %s to record", want_video && !self->has_video ? "video" : "audio");
      return FALSE;
    }

  if (path == NULL || *path == '\0' ||
      !g_file_test ((directory = g_path_get_dirname (path)), G_FILE_TEST_IS_DIR) ||
      g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "Cannot record to “%s”: not a file in an existing directory", path ? path : "");
      return FALSE;
    }

  recorder = g_new0 (Recorder, 1);
  g_mutex_init (&recorder->lock);
  recorder->path = g_strdup (path);
  recorder->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  recorder->base = GST_CLOCK_TIME_NONE;
  recorder->waiting_key_frame = want_video;

  muxer = _confab_media_make_element ("webmmux", "streamable", FALSE, NULL);
  sink = _confab_media_make_element ("filesink", "location", path, "async", FALSE, "sync", FALSE, NULL);
  if (!add_element (self, recorder->elements, sink, error) ||
      !add_element (self, recorder->elements, muxer, error) ||
      !gst_element_link (muxer, sink))
    goto failed;

  sink_pad = gst_element_get_static_pad (sink, "sink");
  g_object_set_data (G_OBJECT (sink_pad), "confab-recorder", recorder);
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_file_event, self, NULL);

  if (gst_element_set_state (sink, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "Cannot open “%s” for writing", path);
      goto failed;
    }
  gst_element_sync_state_with_parent (muxer);

  if (want_video)
    {
      recorder->video_tee_pad = record_track (self, recorder, self->video_encoder_tee, muxer, TRUE, error);
      if (recorder->video_tee_pad == NULL)
        goto failed;
    }

  if (want_audio)
    {
      recorder->audio_tee_pad = record_track (self, recorder, self->audio_encoder_tee, muxer, FALSE, error);
      if (recorder->audio_tee_pad == NULL)
        goto failed;
    }

  self->recorder = recorder;
  if (want_video)
    _confab_stream_request_key_frame (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_RECORDING]);
  return TRUE;

failed:
  remove_branch (self, &recorder->elements, &recorder->video_tee_pad);
  remove_branch (self, &recorder->elements, &recorder->audio_tee_pad);
  recorder_free (recorder);
  g_unlink (path);
  return FALSE;
}

/**
 * confab_stream_get_is_recording:
 * @self: a #ConfabStream
 *
 * Returns: %TRUE while a recording is being written
 */
gboolean
confab_stream_get_is_recording (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), FALSE);

  return self->recorder != NULL;
}

/**
 * confab_stream_stop_recording_async:
 * @self: a #ConfabStream being recorded
 * @cancellable: (nullable): a #GCancellable (the file is finished anyway)
 * @callback: called when the file is complete
 * @user_data: data for @callback
 *
 * Stops recording and finishes the file (the muxer writes its index), so that it is
 * playable and seekable.
 */
void
confab_stream_stop_recording_async (ConfabStream        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CONFAB_IS_STREAM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_stream_stop_recording_async);

  if (self->recorder == NULL || self->recorder->stop_task != NULL)
    {
      g_task_return_new_error (task, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_WRONG_STATE,
                               "The stream is not being recorded");
      return;
    }

  self->recorder->stop_task = g_steal_pointer (&task);
  if (self->recorder->video_tee_pad != NULL)
    _confab_media_engine_detach_branch (self->engine, self->recorder->video_tee_pad, TRUE);
  if (self->recorder->audio_tee_pad != NULL)
    _confab_media_engine_detach_branch (self->engine, self->recorder->audio_tee_pad, TRUE);
  /* The tee pads are released by the detaching. */
  gst_clear_object (&self->recorder->video_tee_pad);
  gst_clear_object (&self->recorder->audio_tee_pad);
}

/**
 * confab_stream_stop_recording_finish:
 * @self: a #ConfabStream
 * @result: the #GAsyncResult
 * @duration: (out) (optional): the length of the recording, in microseconds
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (type filename): the path of the finished file, or %NULL
 *   with an error
 */
char *
confab_stream_stop_recording_finish (ConfabStream  *self,
                                     GAsyncResult  *result,
                                     gint64        *duration,
                                     GError       **error)
{
  char *path;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  path = g_task_propagate_pointer (G_TASK (result), error);
  if (duration != NULL)
    *duration = path != NULL
      ? (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (result), "confab-duration"))
      : 0;

  return path;
}

/* Internal: remote streams and what peer connections use */

static GstElement *
add_track_element (ConfabMediaEngine *engine,
                   ConfabRemoteTrack *track,
                   GstElement        *element)
{
  if (element == NULL)
    return NULL;

  g_ptr_array_add (track->elements, gst_object_ref_sink (element));
  _confab_media_engine_add (engine, element, NULL, NULL);
  return element;
}

/*
 * Streaming thread (webrtcbin's pad-added): decodes what @pad carries into a tee, and
 * links @pad to it before returning so no buffer is lost. No Confab object is touched
 * here; the track is handed to a stream on the main context.
 */
ConfabRemoteTrack *
_confab_remote_track_new (ConfabMediaEngine *engine,
                          GstPad            *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  ConfabRemoteTrack *track;
  const GstStructure *structure;
  const char *media = NULL, *encoding = NULL;
  gboolean ok = TRUE;
  g_autoptr(GstPad) sink_pad = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  structure = caps != NULL && gst_caps_get_size (caps) > 0 ? gst_caps_get_structure (caps, 0) : NULL;
  if (structure != NULL)
    {
      media = gst_structure_get_string (structure, "media");
      encoding = gst_structure_get_string (structure, "encoding-name");
    }

  track = g_new0 (ConfabRemoteTrack, 1);
  track->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  track->is_video = g_strcmp0 (media, "video") == 0;

  if (g_strcmp0 (encoding, "VP8") == 0)
    {
      GstElement *depay = _confab_media_make_element ("rtpvp8depay", NULL);

      if (depay != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (depay), "request-keyframe"))
        g_object_set (depay, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
      ok = add_track_element (engine, track, depay) != NULL &&
           (track->decoder = add_track_element (engine, track, _confab_media_make_element ("vp8dec", NULL))) != NULL;
    }
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    {
      ok = add_track_element (engine, track, _confab_media_make_element ("rtpopusdepay", NULL)) != NULL &&
           add_track_element (engine, track, _confab_media_make_element ("opusdec", NULL)) != NULL &&
           add_track_element (engine, track, _confab_media_make_element ("audioconvert", NULL)) != NULL &&
           add_track_element (engine, track, _confab_media_make_element ("audioresample", NULL)) != NULL &&
           add_track_element (engine, track,
                              _confab_media_make_element ("level",
                                                          "interval", (guint64) 100 * GST_MSECOND,
                                                          "post-messages", TRUE, NULL)) != NULL;
    }
  else
    {
      g_debug ("Ignoring a received %s track in %s", media ? media : "unknown", encoding ? encoding : "unknown");
      ok = FALSE;
    }

  if (ok)
    {
      track->tee = add_track_element (engine, track, _confab_media_make_element ("tee", "allow-not-linked", TRUE, NULL));
      ok = track->tee != NULL && link_chain (track->elements, 0, NULL);
    }

  if (ok)
    {
      /* the pad the track's outputs hang on, made before any data flows: see
       * output_tee_pad() */
      GstPad *output = gst_element_request_pad_simple (track->tee, "src_%u");

      g_object_set_data_full (G_OBJECT (track->tee), "confab-output-pad", output, gst_object_unref);
    }

  if (!ok)
    {
      /* Swallow what cannot be played so that the rest of the call goes on. */
      _confab_media_engine_remove_all (engine, track->elements);
      g_ptr_array_set_size (track->elements, 0);
      track->tee = NULL;
      track->decoder = NULL;
      add_track_element (engine, track, _confab_media_make_element ("fakesink", "async", FALSE, "sync", FALSE, NULL));
    }

  if (track->decoder != NULL)
    {
      g_autoptr(GstPad) decoded = gst_element_get_static_pad (track->decoder, "src");

      gst_pad_add_probe (decoded, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &track->frames, NULL);
    }

  start_chain (track->elements, 0);
  sink_pad = gst_element_get_static_pad (g_ptr_array_index (track->elements, 0), "sink");
  if (gst_pad_link (pad, sink_pad) != GST_PAD_LINK_OK)
    g_debug ("Could not link the received track");

  if (!ok)
    {
      track->is_video = FALSE;
      g_object_set_data (G_OBJECT (g_ptr_array_index (track->elements, 0)), "confab-unplayable", GINT_TO_POINTER (1));
    }

  return track;
}

gboolean
_confab_remote_track_is_video (ConfabRemoteTrack *track)
{
  return track->is_video;
}

gboolean
_confab_remote_track_is_playable (ConfabRemoteTrack *track)
{
  return track->tee != NULL;
}

/* Main context: stops and removes the track's elements. */
void
_confab_remote_track_free (ConfabRemoteTrack *track)
{
  if (track == NULL)
    return;

  if (track->elements->len > 0)
    {
      GstElement *first = g_ptr_array_index (track->elements, 0);
      GstObject *parent = gst_object_get_parent (GST_OBJECT (first));

      for (guint i = 0; i < track->elements->len; i++)
        {
          GstElement *element = g_ptr_array_index (track->elements, i);

          gst_element_set_locked_state (element, TRUE);
          gst_element_set_state (element, GST_STATE_NULL);
        }

      if (parent != NULL)
        {
          for (guint i = 0; i < track->elements->len; i++)
            {
              GstElement *element = g_ptr_array_index (track->elements, i);

              if (GST_OBJECT_PARENT (element) == parent)
                gst_bin_remove (GST_BIN (parent), element);
            }
          gst_object_unref (parent);
        }
    }

  g_ptr_array_unref (track->elements);
  g_free (track);
}

ConfabStream *
_confab_stream_new_remote (ConfabMediaEngine *engine)
{
  ConfabStream *self = g_object_new (CONFAB_TYPE_STREAM, NULL);

  self->engine = g_object_ref (engine);
  self->handle = _confab_weak_handle_new (self, _confab_media_engine_get_context (engine));
  self->is_remote = TRUE;
  self->echo_cancellation = FALSE;

  return self;
}

gboolean
_confab_stream_has_remote_track (ConfabStream *self,
                                 gboolean      video)
{
  return video ? self->video_track != NULL : self->audio_track != NULL;
}

/* Main context: the peer stopped sending this remote stream's audio or video. Its
 * outputs are taken down and the track is handed back (transfer full; %NULL if there
 * was none): the caller keeps its chain until webrtcbin's pad goes. */
ConfabRemoteTrack *
_confab_stream_take_remote_track (ConfabStream *self,
                                  gboolean      video)
{
  ConfabRemoteTrack *track;

  g_return_val_if_fail (CONFAB_IS_STREAM (self), NULL);

  if (video)
    track = g_steal_pointer (&self->video_track);
  else
    track = g_steal_pointer (&self->audio_track);
  if (track == NULL)
    return NULL;

  if (video)
    {
      /* Frames asked for come again with the next video, if any. */
      if (self->frames != NULL)
        self->frames_requested = TRUE;
      remove_video_output (self);
      self->has_video = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VIDEO]);
    }
  else
    {
      remove_audio_output (self);
      self->has_audio = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_AUDIO]);
    }

  for (guint i = 0; i < track->elements->len; i++)
    _confab_media_engine_tag (g_ptr_array_index (track->elements, i), NULL, NULL);

  return track;
}

/* Main context: @track (transfer full) becomes this remote stream's audio or video. */
void
_confab_stream_add_remote_track (ConfabStream      *self,
                                 ConfabRemoteTrack *track)
{
  gboolean video = track->is_video;

  g_return_if_fail (CONFAB_IS_STREAM (self));

  if (self->released || !_confab_remote_track_is_playable (track) ||
      (video ? self->video_track != NULL : self->audio_track != NULL))
    {
      _confab_remote_track_free (track);
      return;
    }

  for (guint i = 0; i < track->elements->len; i++)
    _confab_media_engine_tag (g_ptr_array_index (track->elements, i), G_OBJECT (self), on_message);

  if (video)
    {
      const char *override = g_getenv ("CONFAB_VIDEOSINK");

      self->video_track = track;
      if (self->frames_requested)
        confab_stream_enable_video_frames (self);
      else if (self->pending_sink != NULL)
        {
          GstElement *sink = g_steal_pointer (&self->pending_sink);

          set_video_output (self, track->tee, sink);
          gst_object_unref (sink);
        }
      else if (override != NULL && *override != '\0')
        {
          g_autoptr(GError) error = NULL;
          GstElement *sink = _confab_media_make_from_env ("CONFAB_VIDEOSINK", NULL, &error);

          if (sink != NULL)
            set_video_output (self, track->tee, sink);
          else if (error != NULL)
            report_error (self, error);
        }

      self->has_video = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VIDEO]);
    }
  else
    {
      self->audio_track = track;
      set_audio_output (self);
      self->has_audio = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_AUDIO]);
    }
}

GstElement *
_confab_stream_get_encoder_tee (ConfabStream *self,
                                gboolean      video)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), NULL);

  return video ? self->video_encoder_tee : self->audio_encoder_tee;
}

ConfabMediaEngine *
_confab_stream_get_engine (ConfabStream *self)
{
  g_return_val_if_fail (CONFAB_IS_STREAM (self), NULL);

  return self->engine;
}

/* Asks the encoder for a key frame now (a peer connected, a recording starts). */
void
_confab_stream_request_key_frame (ConfabStream *self)
{
  g_autoptr(GstPad) pad = NULL;

  if (self->video_encoder == NULL)
    return;

  pad = gst_element_get_static_pad (self->video_encoder, "src");
  gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* Frames encoded (local) or decoded (remote) so far, and the picture size. */
void
_confab_stream_get_video_counters (ConfabStream *self,
                                   guint64      *frames,
                                   int          *width,
                                   int          *height)
{
  *frames = 0;
  *width = 0;
  *height = 0;

  if (!self->is_remote)
    {
      if (self->video_encoder != NULL)
        {
          *frames = (guint64) g_atomic_int_get (&self->encoded_frames);
          *width = self->width;
          *height = self->height;
        }
      return;
    }

  if (self->video_track != NULL && self->video_track->decoder != NULL)
    {
      g_autoptr(GstPad) pad = gst_element_get_static_pad (self->video_track->decoder, "src");
      g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
      GstVideoInfo info;

      *frames = (guint64) g_atomic_int_get (&self->video_track->frames);
      if (caps != NULL && gst_video_info_from_caps (&info, caps))
        {
          *width = GST_VIDEO_INFO_WIDTH (&info);
          *height = GST_VIDEO_INFO_HEIGHT (&info);
        }
    }
}
