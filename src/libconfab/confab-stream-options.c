/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-stream-options.c: what a local stream captures, and making one for a session */

#define G_LOG_DOMAIN "confab-stream-options"

#include "config.h"

#include "confab-error.h"
#include "confab-stream-options.h"

/**
 * ConfabStreamOptions:
 *
 * What confab_stream_create_async() captures: audio and/or video (camera or screen),
 * which devices (a #ConfabMediaDevice id; the default device otherwise), the video
 * format and echo cancellation. A reference-counted builder; unset options keep the
 * media engine's defaults (audio and camera video, 640×480 at 30 frames per second).
 * The sources can be overridden for tests by the environment variables
 * `CONFAB_VIDEOSRC` and `CONFAB_AUDIOSRC` (a GStreamer description such as
 * `videotestsrc pattern=ball is-live=true`).
 */
struct _ConfabStreamOptions
{
  gatomicrefcount  ref_count;
  GVariantDict    *dict;
};

G_DEFINE_BOXED_TYPE (ConfabStreamOptions, confab_stream_options,
                     confab_stream_options_ref, confab_stream_options_unref)

#define ATTACHED_SINK_KEY "confab-attached-video-sink"

/**
 * confab_stream_options_new:
 *
 * Returns: (transfer full): options with every default
 */
ConfabStreamOptions *
confab_stream_options_new (void)
{
  ConfabStreamOptions *options = g_new0 (ConfabStreamOptions, 1);

  g_atomic_ref_count_init (&options->ref_count);
  options->dict = g_variant_dict_new (NULL);
  return options;
}

/**
 * confab_stream_options_ref:
 * @options: a #ConfabStreamOptions
 *
 * Returns: (transfer full): @options, with one more reference
 */
ConfabStreamOptions *
confab_stream_options_ref (ConfabStreamOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);

  g_atomic_ref_count_inc (&options->ref_count);
  return options;
}

/**
 * confab_stream_options_unref:
 * @options: (transfer full): a #ConfabStreamOptions
 *
 * Drops a reference; frees @options with the last one.
 */
void
confab_stream_options_unref (ConfabStreamOptions *options)
{
  g_return_if_fail (options != NULL);

  if (!g_atomic_ref_count_dec (&options->ref_count))
    return;

  g_variant_dict_unref (options->dict);
  g_free (options);
}

/**
 * confab_stream_options_set_audio:
 * @options: a #ConfabStreamOptions
 * @audio: whether to capture the microphone (default %TRUE)
 */
void
confab_stream_options_set_audio (ConfabStreamOptions *options,
                                 gboolean             audio)
{
  g_return_if_fail (options != NULL);
  g_variant_dict_insert (options->dict, "audio", "b", !!audio);
}

/**
 * confab_stream_options_set_video:
 * @options: a #ConfabStreamOptions
 * @video: whether to capture video (default %TRUE)
 */
void
confab_stream_options_set_video (ConfabStreamOptions *options,
                                 gboolean             video)
{
  g_return_if_fail (options != NULL);
  g_variant_dict_insert (options->dict, "video", "b", !!video);
}

/**
 * confab_stream_options_set_screen:
 * @options: a #ConfabStreamOptions
 * @screen: whether the video is the screen rather than the camera (default %FALSE)
 */
void
confab_stream_options_set_screen (ConfabStreamOptions *options,
                                  gboolean             screen)
{
  g_return_if_fail (options != NULL);
  g_variant_dict_insert (options->dict, "screen", "b", !!screen);
}

static void
set_or_remove_string (GVariantDict *dict,
                      const char   *key,
                      const char   *value)
{
  if (value == NULL)
    g_variant_dict_remove (dict, key);
  else
    g_variant_dict_insert (dict, key, "s", value);
}

/**
 * confab_stream_options_set_audio_device:
 * @options: a #ConfabStreamOptions
 * @device_id: (nullable): a microphone's #ConfabMediaDevice id, or %NULL for the default
 */
void
confab_stream_options_set_audio_device (ConfabStreamOptions *options,
                                        const char          *device_id)
{
  g_return_if_fail (options != NULL);
  set_or_remove_string (options->dict, "audio-device", device_id);
}

/**
 * confab_stream_options_set_video_device:
 * @options: a #ConfabStreamOptions
 * @device_id: (nullable): a camera's #ConfabMediaDevice id, or %NULL for the default
 */
void
confab_stream_options_set_video_device (ConfabStreamOptions *options,
                                        const char          *device_id)
{
  g_return_if_fail (options != NULL);
  set_or_remove_string (options->dict, "video-device", device_id);
}

/**
 * confab_stream_options_set_video_source:
 * @options: a #ConfabStreamOptions
 * @description: (nullable): a GStreamer source description (e.g.
 *   `videotestsrc is-live=true pattern=smpte`) used instead of a camera, or %NULL
 */
void
confab_stream_options_set_video_source (ConfabStreamOptions *options,
                                        const char          *description)
{
  g_return_if_fail (options != NULL);
  set_or_remove_string (options->dict, "video-source", description);
}

/**
 * confab_stream_options_set_audio_source:
 * @options: a #ConfabStreamOptions
 * @description: (nullable): a GStreamer source description (e.g.
 *   `audiotestsrc is-live=true wave=sine`) used instead of a microphone, or %NULL
 */
void
confab_stream_options_set_audio_source (ConfabStreamOptions *options,
                                        const char          *description)
{
  g_return_if_fail (options != NULL);
  set_or_remove_string (options->dict, "audio-source", description);
}

/**
 * confab_stream_options_set_video_format:
 * @options: a #ConfabStreamOptions
 * @width: frame width in pixels
 * @height: frame height in pixels
 * @framerate: frames per second
 */
void
confab_stream_options_set_video_format (ConfabStreamOptions *options,
                                        int                  width,
                                        int                  height,
                                        int                  framerate)
{
  g_return_if_fail (options != NULL);
  g_variant_dict_insert (options->dict, "width", "i", width);
  g_variant_dict_insert (options->dict, "height", "i", height);
  g_variant_dict_insert (options->dict, "framerate", "i", framerate);
}

/**
 * confab_stream_options_set_echo_cancellation:
 * @options: a #ConfabStreamOptions
 * @enabled: whether to cancel echo (default %TRUE where the plugin is present)
 */
void
confab_stream_options_set_echo_cancellation (ConfabStreamOptions *options,
                                             gboolean             enabled)
{
  g_return_if_fail (options != NULL);
  g_variant_dict_insert (options->dict, "echo-cancellation", "b", !!enabled);
}

/**
 * confab_stream_options_to_variant:
 * @options: a #ConfabStreamOptions
 *
 * Returns: (transfer full): the options as the `a{sv}` confab_stream_new_local() takes
 */
GVariant *
confab_stream_options_to_variant (ConfabStreamOptions *options)
{
  GVariant *variant;

  g_return_val_if_fail (options != NULL, NULL);

  /* ending a dict empties it: start it again from what it held */
  variant = g_variant_ref_sink (g_variant_dict_end (options->dict));
  g_variant_dict_unref (options->dict);
  options->dict = g_variant_dict_new (variant);
  return variant;
}

static void
on_stream_created (GObject      *source,
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

/**
 * confab_stream_create_async:
 * @session: a #ConfabSession
 * @options: (nullable): what to capture; %NULL: audio and camera video
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the stream
 * @user_data: (closure): data for @callback
 *
 * Creates a local stream to publish in calls (ApiRTC's `ua.createStream`), with
 * confab_stream_new_local_async(): a screen asked for through the ScreenCast portal
 * does not block the main context.
 */
void
confab_stream_create_async (ConfabSession       *session,
                            ConfabStreamOptions *options,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CONFAB_IS_SESSION (session));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, confab_stream_create_async);

  if (options != NULL)
    variant = confab_stream_options_to_variant (options);

  if (!confab_media_init (&error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  confab_stream_new_local_async (variant, cancellable,
                                 on_stream_created, g_steal_pointer (&task));
}

/**
 * confab_stream_create_finish:
 * @session: a #ConfabSession
 * @result: the #GAsyncResult
 * @error: return location for a #GError (%CONFAB_MEDIA_ERROR: no device, a missing
 *   plugin, no screen capture here, a bad option)
 *
 * Returns: (transfer full): the local stream, capturing, or %NULL with @error set
 */
ConfabStream *
confab_stream_create_finish (ConfabSession  *session,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (CONFAB_IS_SESSION (session), NULL);
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_stream_attach_video_sink:
 * @stream: a #ConfabStream
 * @sink: (transfer floating): a GStreamer video sink (e.g. an `appsink`)
 *
 * Shows the stream's video on @sink: frames reach it as `video/x-raw,format=RGBA`
 * (what a #GdkMemoryTexture takes), late frames dropped. Replaces a sink attached
 * before.
 */
void
confab_stream_attach_video_sink (ConfabStream *stream,
                                 GstElement   *sink)
{
  GstElement *bin;
  GstElement *filter;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) pad = NULL;

  g_return_if_fail (CONFAB_IS_STREAM (stream));
  g_return_if_fail (GST_IS_ELEMENT (sink));

  bin = gst_bin_new (NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_bin_add_many (GST_BIN (bin), filter, sink, NULL);
  if (!gst_element_link (filter, sink))
    {
      g_warning ("Cannot link an RGBA video sink: %s", GST_ELEMENT_NAME (sink));
      gst_object_unref (gst_object_ref_sink (bin));
      return;
    }
  pad = gst_element_get_static_pad (filter, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));

  g_object_set_data_full (G_OBJECT (stream), ATTACHED_SINK_KEY, gst_object_ref (sink), gst_object_unref);
  confab_stream_set_video_sink (stream, bin);
}

/**
 * confab_stream_detach_video_sink:
 * @stream: a #ConfabStream
 * @sink: the sink given to confab_stream_attach_video_sink()
 *
 * Stops showing the stream's video on @sink. Does nothing if @sink is not the one
 * attached.
 */
void
confab_stream_detach_video_sink (ConfabStream *stream,
                                 GstElement   *sink)
{
  g_return_if_fail (CONFAB_IS_STREAM (stream));

  if (sink == NULL || g_object_get_data (G_OBJECT (stream), ATTACHED_SINK_KEY) != sink)
    return;

  confab_stream_set_video_sink (stream, NULL);
  g_object_set_data (G_OBJECT (stream), ATTACHED_SINK_KEY, NULL);
}
