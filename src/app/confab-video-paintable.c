/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-video-paintable.c: video frames from an appsink, drawn by GTK
 *
 * Debian 12 has no GTK 4 video sink. A ConfabVideoPaintable owns an appsink that takes
 * RGBA frames (the library links "videoconvert ! video/x-raw,format=RGBA" into it).
 * Each frame arrives on a streaming thread: it is parked in a one-frame slot, replacing
 * any frame not shown yet, and an idle source on the main context picks the newest one
 * up. There it is wrapped without copying into a GdkMemoryTexture: the mapped video
 * frame stays alive until the texture's GBytes are freed. Only the main thread touches
 * the paintable and calls gdk_paintable_invalidate_*().
 */

#define G_LOG_DOMAIN "confab-video-paintable"

#include "config.h"

#include "confab-video-paintable.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

/* Shared between the appsink's streaming thread and the main thread. */
typedef struct {
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GstSample       *pending;     /* the newest frame not shown yet */
  gboolean         scheduled;   /* an idle source will pick @pending up */
  GWeakRef         paintable;
  GMainContext    *context;
} FrameSlot;

struct _ConfabVideoPaintable
{
  GObject      parent_instance;

  /* owned references */
  GstElement  *sink;
  FrameSlot   *slot;
  GdkTexture  *texture;

  guint64      n_frames;
  gboolean     mirrored;
};

static void confab_video_paintable_paintable_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConfabVideoPaintable, confab_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      confab_video_paintable_paintable_init))

enum {
  PROP_0,
  PROP_N_FRAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static FrameSlot *
frame_slot_new (ConfabVideoPaintable *paintable)
{
  FrameSlot *slot = g_new0 (FrameSlot, 1);

  g_atomic_ref_count_init (&slot->ref_count);
  g_mutex_init (&slot->mutex);
  g_weak_ref_init (&slot->paintable, paintable);
  slot->context = g_main_context_ref_thread_default ();

  return slot;
}

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

  if (!g_atomic_ref_count_dec (&slot->ref_count))
    return;

  g_clear_pointer (&slot->pending, gst_sample_unref);
  g_weak_ref_clear (&slot->paintable);
  g_main_context_unref (slot->context);
  g_mutex_clear (&slot->mutex);
  g_free (slot);
}

typedef struct {
  GstVideoFrame  frame;
  GstSample     *sample;
} MappedFrame;

static void
mapped_frame_free (gpointer data)
{
  MappedFrame *mapped = data;

  gst_video_frame_unmap (&mapped->frame);
  gst_sample_unref (mapped->sample);
  g_free (mapped);
}

/* Main thread: wraps @sample in a texture without copying its pixels. */
static GdkTexture *
texture_from_sample (GstSample *sample)
{
  g_autoptr(GBytes) bytes = NULL;
  MappedFrame *mapped;
  GstVideoInfo info;
  GstBuffer *buffer;
  GstCaps *caps;
  gsize stride;
  int width;
  int height;

  caps = gst_sample_get_caps (sample);
  buffer = gst_sample_get_buffer (sample);
  if (caps == NULL || buffer == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;

  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGBA)
    {
      g_debug ("Dropping a frame in %s, not RGBA", gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
      return NULL;
    }

  mapped = g_new0 (MappedFrame, 1);
  if (!gst_video_frame_map (&mapped->frame, &info, buffer, GST_MAP_READ))
    {
      g_free (mapped);
      return NULL;
    }
  mapped->sample = gst_sample_ref (sample);

  width = GST_VIDEO_FRAME_WIDTH (&mapped->frame);
  height = GST_VIDEO_FRAME_HEIGHT (&mapped->frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&mapped->frame, 0);
  if (width <= 0 || height <= 0)
    {
      mapped_frame_free (mapped);
      return NULL;
    }

  /* the GBytes keep the frame mapped until GTK is done with the texture */
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (&mapped->frame, 0),
                                      stride * (height - 1) + (gsize) width * 4,
                                      mapped_frame_free, mapped);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, stride);
}

static void
show_sample (ConfabVideoPaintable *self,
             GstSample            *sample)
{
  g_autoptr(GdkTexture) texture = texture_from_sample (sample);
  gboolean size_changed;

  if (texture == NULL)
    return;

  size_changed = self->texture == NULL ||
                 gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture) ||
                 gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture);

  g_set_object (&self->texture, texture);
  self->n_frames++;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FRAMES]);
}

/* Main thread: show the newest frame parked in the slot. */
static gboolean
deliver_frame (gpointer data)
{
  FrameSlot *slot = data;
  g_autoptr(ConfabVideoPaintable) self = NULL;
  GstSample *sample;

  g_mutex_lock (&slot->mutex);
  sample = g_steal_pointer (&slot->pending);
  slot->scheduled = FALSE;
  g_mutex_unlock (&slot->mutex);

  self = g_weak_ref_get (&slot->paintable);
  if (self != NULL && sample != NULL)
    show_sample (self, sample);

  g_clear_pointer (&sample, gst_sample_unref);

  return G_SOURCE_REMOVE;
}

/* Streaming thread: park the frame, replacing an older one not shown yet. */
static GstFlowReturn
on_new_sample (GstAppSink *appsink,
               gpointer    user_data)
{
  FrameSlot *slot = user_data;
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  GstSample *stale = NULL;
  gboolean schedule;

  if (sample == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&slot->mutex);
  stale = slot->pending;
  slot->pending = sample;
  schedule = !slot->scheduled;
  slot->scheduled = TRUE;
  g_mutex_unlock (&slot->mutex);

  g_clear_pointer (&stale, gst_sample_unref);

  if (schedule)
    {
      /* an idle source, never g_main_context_invoke(): that could run the callback
       * right here when the main context happens not to be owned */
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "[confab] video frame");
      g_source_set_callback (source, deliver_frame, frame_slot_ref (slot), frame_slot_unref);
      g_source_attach (source, slot->context);
      g_source_unref (source);
    }

  return GST_FLOW_OK;
}

static void
confab_video_paintable_snapshot (GdkPaintable *paintable,
                                 GdkSnapshot  *snapshot,
                                 double        width,
                                 double        height)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (paintable);

  if (self->texture == NULL)
    return;

  if (self->mirrored)
    {
      /* a self-view moves like a mirror image */
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (width, 0));
      gtk_snapshot_scale (snapshot, -1, 1);
    }

  gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);

  if (self->mirrored)
    gtk_snapshot_restore (snapshot);
}

static GdkPaintable *
confab_video_paintable_get_current_image (GdkPaintable *paintable)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (paintable);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));

  return gdk_paintable_new_empty (0, 0);
}

static int
confab_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_width (self->texture) : 0;
}

static int
confab_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_height (self->texture) : 0;
}

static double
confab_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0.0;

  return (double) gdk_texture_get_width (self->texture) / gdk_texture_get_height (self->texture);
}

static void
confab_video_paintable_paintable_init (GdkPaintableInterface *iface)
{
  iface->snapshot = confab_video_paintable_snapshot;
  iface->get_current_image = confab_video_paintable_get_current_image;
  iface->get_intrinsic_width = confab_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = confab_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = confab_video_paintable_get_intrinsic_aspect_ratio;
}

static void
confab_video_paintable_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (object);

  switch (prop_id)
    {
    case PROP_N_FRAMES:
      g_value_set_uint64 (value, self->n_frames);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_video_paintable_dispose (GObject *object)
{
  ConfabVideoPaintable *self = CONFAB_VIDEO_PAINTABLE (object);

  if (self->sink != NULL)
    {
      GstAppSinkCallbacks none = { NULL };

      /* drops the streaming thread's reference on the slot */
      gst_app_sink_set_callbacks (GST_APP_SINK (self->sink), &none, NULL, NULL);
      gst_clear_object (&self->sink);
    }

  g_clear_pointer (&self->slot, frame_slot_unref);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (confab_video_paintable_parent_class)->dispose (object);
}

static void
confab_video_paintable_class_init (ConfabVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_video_paintable_get_property;
  object_class->dispose = confab_video_paintable_dispose;

  /**
   * ConfabVideoPaintable:n-frames:
   *
   * How many frames have been shown so far.
   */
  properties[PROP_N_FRAMES] =
    g_param_spec_uint64 ("n-frames", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* An appsink that parks its frames in @slot. */
static GstElement *
make_sink (FrameSlot *slot)
{
  GstAppSinkCallbacks callbacks = { NULL };
  g_autoptr(GstCaps) caps = NULL;
  GstElement *sink;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  sink = gst_element_factory_make ("appsink", NULL);
  if (sink == NULL)
    {
      g_critical ("The GStreamer element appsink is missing (gstreamer1.0-plugins-base)");
      return NULL;
    }

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", NULL);
  g_object_set (sink,
                "caps", caps,
                "max-buffers", 1,
                "drop", TRUE,
                "sync", FALSE,
                "qos", FALSE,
                "enable-last-sample", FALSE,
                "emit-signals", FALSE,
                NULL);

  callbacks.new_sample = on_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, frame_slot_ref (slot), frame_slot_unref);

  return sink;
}

static void
confab_video_paintable_init (ConfabVideoPaintable *self)
{
  self->slot = frame_slot_new (self);
  self->sink = make_sink (self->slot);
  if (self->sink != NULL)
    gst_object_ref_sink (self->sink);
}

ConfabVideoPaintable *
confab_video_paintable_new (void)
{
  return g_object_new (CONFAB_TYPE_VIDEO_PAINTABLE, NULL);
}

/**
 * confab_video_paintable_get_sink:
 * @self: a #ConfabVideoPaintable
 *
 * The appsink to link RGBA video into, e.g. with confab_stream_attach_video_sink().
 * It belongs to one pipeline at a time.
 *
 * Returns: (transfer none): the appsink
 */
GstElement *
confab_video_paintable_get_sink (ConfabVideoPaintable *self)
{
  g_return_val_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self), NULL);

  return self->sink;
}

/**
 * confab_video_paintable_create_sink:
 * @self: a #ConfabVideoPaintable
 *
 * Another appsink showing its frames on @self, for when the sink of
 * confab_video_paintable_get_sink() may still be in the pipeline it left (a stream
 * takes a sink out of its pipeline asynchronously). Frames from any of the sinks of
 * @self replace each other.
 *
 * Returns: (transfer floating): a new appsink
 */
GstElement *
confab_video_paintable_create_sink (ConfabVideoPaintable *self)
{
  g_return_val_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self), NULL);

  return make_sink (self->slot);
}

/**
 * confab_video_paintable_set_mirrored:
 * @self: a #ConfabVideoPaintable
 * @mirrored: whether to draw frames flipped left to right
 *
 * A self-view is easier to look at mirrored; what is sent stays as it is.
 */
void
confab_video_paintable_set_mirrored (ConfabVideoPaintable *self,
                                     gboolean              mirrored)
{
  g_return_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self));

  mirrored = !!mirrored;
  if (self->mirrored == mirrored)
    return;

  self->mirrored = mirrored;
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

/**
 * confab_video_paintable_get_texture:
 * @self: a #ConfabVideoPaintable
 *
 * Returns: (transfer none) (nullable): the frame shown now
 */
GdkTexture *
confab_video_paintable_get_texture (ConfabVideoPaintable *self)
{
  g_return_val_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self), NULL);

  return self->texture;
}

guint64
confab_video_paintable_get_n_frames (ConfabVideoPaintable *self)
{
  g_return_val_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self), 0);

  return self->n_frames;
}

/**
 * confab_video_paintable_clear:
 * @self: a #ConfabVideoPaintable
 *
 * Forgets the frame shown, e.g. when the video stops; the paintable draws nothing
 * until the next frame.
 */
void
confab_video_paintable_clear (ConfabVideoPaintable *self)
{
  g_return_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self));

  g_mutex_lock (&self->slot->mutex);
  g_clear_pointer (&self->slot->pending, gst_sample_unref);
  g_mutex_unlock (&self->slot->mutex);

  if (self->texture == NULL)
    return;

  g_clear_object (&self->texture);
  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

/**
 * confab_video_paintable_get_center_color:
 * @self: a #ConfabVideoPaintable
 * @color: (out): the mean colour of a small patch in the middle of the frame
 *
 * Returns: %FALSE when no frame is shown
 */
gboolean
confab_video_paintable_get_center_color (ConfabVideoPaintable *self,
                                         GdkRGBA              *color)
{
  g_autofree guint32 *pixels = NULL;
  double sum[3] = { 0, 0, 0 };
  int width;
  int height;
  int n = 0;

  g_return_val_if_fail (CONFAB_IS_VIDEO_PAINTABLE (self), FALSE);
  g_return_val_if_fail (color != NULL, FALSE);

  if (self->texture == NULL)
    return FALSE;

  width = gdk_texture_get_width (self->texture);
  height = gdk_texture_get_height (self->texture);
  pixels = g_new (guint32, (gsize) width * height);
  /* CAIRO_FORMAT_ARGB32: native-endian 0xAARRGGBB words */
  gdk_texture_download (self->texture, (guchar *) pixels, (gsize) width * 4);

  for (int y = MAX (0, height / 2 - 4); y < MIN (height, height / 2 + 5); y++)
    for (int x = MAX (0, width / 2 - 4); x < MIN (width, width / 2 + 5); x++)
      {
        guint32 p = pixels[(gsize) y * width + x];

        sum[0] += (p >> 16) & 0xff;
        sum[1] += (p >> 8) & 0xff;
        sum[2] += p & 0xff;
        n++;
      }

  color->red = sum[0] / n / 255.0;
  color->green = sum[1] / n / 255.0;
  color->blue = sum[2] / n / 255.0;
  color->alpha = 1.0;

  return TRUE;
}
