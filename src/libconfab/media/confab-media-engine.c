/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media-engine.c: the one GStreamer pipeline that local streams, remote streams
 * and peer connections of a main context share (internal) */

#define G_LOG_DOMAIN "confab-media-engine"

#include "config.h"

#include "confab-media-engine.h"
#include "confab-media.h"

#include <gst/base/gstbasesrc.h>

/*
 * Everything lives in one pipeline so that a local stream, captured and encoded once,
 * feeds every peer connection through a tee, and the echo canceller of the microphone
 * sees what the speakers play. Each object adds its elements to the pipeline tagged with
 * itself; the bus watch, on the engine's main context, hands every message to the object
 * whose element posted it. The pipeline is PLAYING from the start; elements join it with
 * gst_element_sync_state_with_parent().
 *
 * The engine is shared (one per process, made on the first main context that asks) and
 * goes away with the last stream or peer connection using it.
 */

#define ECHO_PROBE_NAME "confab-echo-probe"

struct _ConfabMediaEngine
{
  GObject        parent_instance;

  /* owned */
  GstPipeline   *pipeline;
  GMainContext  *context;
  GSource       *bus_source;
  GstElement    *echo_probe;
  gboolean       echo_probe_in_use;
  gboolean       echo_probe_claimed;
};

G_DEFINE_FINAL_TYPE (ConfabMediaEngine, confab_media_engine, G_TYPE_OBJECT)

typedef struct {
  GWeakRef                owner;
  ConfabMediaMessageFunc  func;
} Tag;

static GMutex default_lock;
static ConfabMediaEngine *default_engine;

static GQuark
tag_quark (void)
{
  return g_quark_from_static_string ("confab-media-owner");
}

/* helpers */

static void
tag_free (gpointer data)
{
  Tag *tag = data;

  g_weak_ref_clear (&tag->owner);
  g_free (tag);
}

static Tag *
find_tag (GstObject *object)
{
  GstObject *current = object != NULL ? gst_object_ref (object) : NULL;

  while (current != NULL)
    {
      Tag *tag = g_object_get_qdata (G_OBJECT (current), tag_quark ());
      GstObject *parent;

      if (tag != NULL)
        {
          gst_object_unref (current);
          return tag;
        }

      parent = gst_object_get_parent (current);
      gst_object_unref (current);
      current = parent;
    }

  return NULL;
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ConfabMediaEngine *self = user_data;
  Tag *tag;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_LATENCY)
    {
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      return G_SOURCE_CONTINUE;
    }

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR &&
      GST_MESSAGE_TYPE (message) != GST_MESSAGE_WARNING &&
      GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT &&
      GST_MESSAGE_TYPE (message) != GST_MESSAGE_EOS)
    return G_SOURCE_CONTINUE;

  tag = find_tag (GST_MESSAGE_SRC (message));
  if (tag != NULL)
    {
      g_autoptr(GObject) owner = g_weak_ref_get (&tag->owner);

      if (owner != NULL && tag->func != NULL)
        {
          tag->func (owner, message);
          return G_SOURCE_CONTINUE;
        }
    }

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_message ("Unhandled error from %s: %s (%s)",
                 GST_MESSAGE_SRC_NAME (message), error->message, debug ? debug : "");
    }

  return G_SOURCE_CONTINUE;
}

static void
confab_media_engine_dispose (GObject *object)
{
  ConfabMediaEngine *self = CONFAB_MEDIA_ENGINE (object);

  g_mutex_lock (&default_lock);
  if (default_engine == self)
    default_engine = NULL;
  g_mutex_unlock (&default_lock);

  if (self->pipeline != NULL)
    {
      GstBus *bus = gst_pipeline_get_bus (self->pipeline);

      gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
      gst_bus_set_flushing (bus, TRUE);
      gst_object_unref (bus);
    }

  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_clear_pointer (&self->bus_source, g_source_unref);
    }

  g_clear_object (&self->pipeline);

  if (self->echo_probe != NULL)
    {
      gst_element_set_state (self->echo_probe, GST_STATE_NULL);
      g_clear_object (&self->echo_probe);
    }

  G_OBJECT_CLASS (confab_media_engine_parent_class)->dispose (object);
}

static void
confab_media_engine_finalize (GObject *object)
{
  ConfabMediaEngine *self = CONFAB_MEDIA_ENGINE (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (confab_media_engine_parent_class)->finalize (object);
}

static void
confab_media_engine_class_init (ConfabMediaEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_media_engine_dispose;
  object_class->finalize = confab_media_engine_finalize;
}

static void
confab_media_engine_init (ConfabMediaEngine *self)
{
  g_autoptr(GstBus) bus = NULL;

  self->context = g_main_context_ref_thread_default ();
  self->pipeline = GST_PIPELINE (gst_pipeline_new ("confab-media"));
  g_object_ref_sink (self->pipeline);

  bus = gst_pipeline_get_bus (self->pipeline);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (on_bus_message), self, NULL);
  g_source_set_name (self->bus_source, "[confab] media bus");
  g_source_attach (self->bus_source, self->context);

  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING);
}

/* internal API */

/*
 * Returns: (transfer full): the engine, made now if there is none
 */
ConfabMediaEngine *
_confab_media_engine_get_default (GError **error)
{
  ConfabMediaEngine *engine;

  if (!confab_media_init (error))
    return NULL;

  g_mutex_lock (&default_lock);
  if (default_engine == NULL)
    default_engine = g_object_new (CONFAB_TYPE_MEDIA_ENGINE, NULL);
  else
    g_object_ref (default_engine);
  engine = default_engine;
  g_mutex_unlock (&default_lock);

  return engine;
}

GstBin *
_confab_media_engine_get_bin (ConfabMediaEngine *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_ENGINE (self), NULL);

  return GST_BIN (self->pipeline);
}

GMainContext *
_confab_media_engine_get_context (ConfabMediaEngine *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_ENGINE (self), NULL);

  return self->context;
}

GstClockTime
_confab_media_engine_get_running_time (ConfabMediaEngine *self)
{
  g_autoptr(GstClock) clock = gst_pipeline_get_clock (self->pipeline);
  GstClockTime now, base;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;

  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self->pipeline));

  return now > base ? now - base : 0;
}

struct _ConfabWeakHandle {
  gatomicrefcount  ref_count;
  GWeakRef         object;
  GMainContext    *context;
};

/* Made on the main context, while @object is alive. */
ConfabWeakHandle *
_confab_weak_handle_new (gpointer      object,
                         GMainContext *context)
{
  ConfabWeakHandle *handle = g_new0 (ConfabWeakHandle, 1);

  g_atomic_ref_count_init (&handle->ref_count);
  g_weak_ref_init (&handle->object, object);
  handle->context = g_main_context_ref (context);

  return handle;
}

ConfabWeakHandle *
_confab_weak_handle_ref (ConfabWeakHandle *handle)
{
  g_atomic_ref_count_inc (&handle->ref_count);
  return handle;
}

void
_confab_weak_handle_unref (ConfabWeakHandle *handle)
{
  if (handle == NULL || !g_atomic_ref_count_dec (&handle->ref_count))
    return;

  g_weak_ref_clear (&handle->object);
  g_main_context_unref (handle->context);
  g_free (handle);
}

typedef struct {
  ConfabWeakHandle  *handle;
  ConfabInvokeFunc   func;
  gpointer           data;
  GDestroyNotify     destroy;
} Invocation;

static gboolean
invoke_cb (gpointer user_data)
{
  Invocation *invocation = user_data;
  g_autoptr(GObject) object = g_weak_ref_get (&invocation->handle->object);

  if (object != NULL)
    invocation->func (object, invocation->data);

  return G_SOURCE_REMOVE;
}

static void
invocation_free (gpointer user_data)
{
  Invocation *invocation = user_data;

  if (invocation->destroy != NULL)
    invocation->destroy (invocation->data);
  _confab_weak_handle_unref (invocation->handle);
  g_free (invocation);
}

/* From any thread: runs @func on the handle's main context if the object still lives
 * then; @destroy frees @data in any case. */
void
_confab_weak_handle_invoke (ConfabWeakHandle *handle,
                            ConfabInvokeFunc  func,
                            gpointer          data,
                            GDestroyNotify    destroy)
{
  Invocation *invocation = g_new0 (Invocation, 1);
  GSource *source;

  invocation->handle = _confab_weak_handle_ref (handle);
  invocation->func = func;
  invocation->data = data;
  invocation->destroy = destroy;

  /* Always through an idle source, even on the main thread, so that the order of
   * events is kept and no signal is emitted from inside a GStreamer call. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, invoke_cb, invocation, invocation_free);
  g_source_set_static_name (source, "[confab] media invoke");
  g_source_attach (source, handle->context);
  g_source_unref (source);
}

/* Bus messages from @element (or its children) go to @func on @owner from now on. */
void
_confab_media_engine_tag (GstElement             *element,
                          GObject                *owner,
                          ConfabMediaMessageFunc  func)
{
  Tag *tag = g_new0 (Tag, 1);

  g_weak_ref_init (&tag->owner, owner);
  tag->func = func;
  g_object_set_qdata_full (G_OBJECT (element), tag_quark (), tag, tag_free);
}

/* Adds @element to the pipeline (not yet started: the caller links it, then
 * gst_element_sync_state_with_parent()). Bus messages from it or its children go to
 * @func on @owner while @owner lives. */
void
_confab_media_engine_add (ConfabMediaEngine      *self,
                          GstElement             *element,
                          GObject                *owner,
                          ConfabMediaMessageFunc  func)
{
  g_return_if_fail (CONFAB_IS_MEDIA_ENGINE (self));
  g_return_if_fail (GST_IS_ELEMENT (element));

  if (owner != NULL)
    _confab_media_engine_tag (element, owner, func);

  gst_bin_add (GST_BIN (self->pipeline), element);
}

/* Stops @element and takes it out of the pipeline. */
void
_confab_media_engine_remove (ConfabMediaEngine *self,
                             GstElement        *element)
{
  g_return_if_fail (CONFAB_IS_MEDIA_ENGINE (self));

  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  if (GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
    gst_bin_remove (GST_BIN (self->pipeline), element);
}

/* Stops all @elements (in their order: sources first) and takes them out. */
void
_confab_media_engine_remove_all (ConfabMediaEngine *self,
                                 GPtrArray         *elements)
{
  g_return_if_fail (CONFAB_IS_MEDIA_ENGINE (self));

  if (elements == NULL)
    return;

  for (guint i = 0; i < elements->len; i++)
    {
      GstElement *element = g_ptr_array_index (elements, i);

      gst_element_set_locked_state (element, TRUE);
      gst_element_set_state (element, GST_STATE_NULL);
    }

  for (guint i = 0; i < elements->len; i++)
    {
      GstElement *element = g_ptr_array_index (elements, i);

      if (GST_OBJECT_PARENT (element) == GST_OBJECT (self->pipeline))
        gst_bin_remove (GST_BIN (self->pipeline), element);
    }
}

/* The echo canceller of a microphone (webrtcdsp) finds its probe by name when it
 * starts, and a probe serves one canceller: the engine keeps one, made on first use,
 * for the first local stream that asks (others go without), which the first remote
 * audio stream plays through.
 *
 * Returns: (nullable): the probe's name, or %NULL if another stream has it */
const char *
_confab_media_engine_claim_echo_probe (ConfabMediaEngine *self)
{
  if (self->echo_probe_claimed)
    return NULL;

  if (self->echo_probe == NULL)
    {
      self->echo_probe = gst_element_factory_make ("webrtcechoprobe", ECHO_PROBE_NAME);
      if (self->echo_probe == NULL)
        return NULL;
      g_object_ref_sink (self->echo_probe);
    }

  self->echo_probe_claimed = TRUE;
  return ECHO_PROBE_NAME;
}

void
_confab_media_engine_unclaim_echo_probe (ConfabMediaEngine *self)
{
  self->echo_probe_claimed = FALSE;
}

/* Returns: (transfer full) (nullable): the probe, if nobody plays through it yet */
GstElement *
_confab_media_engine_acquire_echo_probe (ConfabMediaEngine *self)
{
  if (self->echo_probe == NULL || self->echo_probe_in_use)
    return NULL;

  self->echo_probe_in_use = TRUE;
  return g_object_ref (self->echo_probe);
}

/* @probe: (transfer full): as acquired; already out of the pipeline */
void
_confab_media_engine_release_echo_probe (ConfabMediaEngine *self,
                                         GstElement        *probe)
{
  g_return_if_fail (probe == self->echo_probe);

  self->echo_probe_in_use = FALSE;
  gst_object_unref (probe);
}

typedef struct {
  GstElement *tee;
  GstPad     *pad;
} ReleaseData;

static void
release_data_free (gpointer data)
{
  ReleaseData *release = data;

  gst_object_unref (release->tee);
  gst_object_unref (release->pad);
  g_free (release);
}

static gboolean
release_request_pad (gpointer data)
{
  ReleaseData *release = data;

  gst_element_release_request_pad (release->tee, release->pad);
  return G_SOURCE_REMOVE;
}

typedef struct {
  GMainContext *context;
  gboolean      send_eos;
} DetachData;

static GstPadProbeReturn
on_tee_pad_idle (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  DetachData *detach = user_data;
  g_autoptr(GstPad) peer = gst_pad_get_peer (pad);
  ReleaseData *release;

  if (peer != NULL)
    {
      gst_pad_unlink (pad, peer);
      if (detach->send_eos)
        gst_pad_send_event (peer, gst_event_new_eos ());
    }

  release = g_new0 (ReleaseData, 1);
  release->pad = gst_object_ref (pad);
  release->tee = gst_pad_get_parent_element (pad);
  if (release->tee != NULL)
    g_main_context_invoke_full (detach->context, G_PRIORITY_DEFAULT,
                                release_request_pad, release, release_data_free);
  else
    release_data_free (release);

  return GST_PAD_PROBE_REMOVE;
}

static void
detach_data_free (gpointer data)
{
  DetachData *detach = data;

  g_main_context_unref (detach->context);
  g_free (detach);
}

/* Unlinks a branch from the tee pad it hangs on, when no buffer is passing; with
 * @send_eos, the branch then gets an EOS (a muxer finishes its file). The tee pad is
 * released on the main context. */
void
_confab_media_engine_detach_branch (ConfabMediaEngine *self,
                                    GstPad            *tee_src_pad,
                                    gboolean           send_eos)
{
  DetachData *detach = g_new0 (DetachData, 1);

  detach->context = g_main_context_ref (self->context);
  detach->send_eos = send_eos;
  gst_pad_add_probe (tee_src_pad, GST_PAD_PROBE_TYPE_IDLE,
                     on_tee_pad_idle, detach, detach_data_free);
}

/* Makes an element and sets properties on it; NULL if the factory is missing (the
 * start-up check has named it already). */
GstElement *
_confab_media_make_element (const char *factory,
                            ...)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  const char *first_property;
  va_list args;

  if (element == NULL)
    return NULL;

  va_start (args, factory);
  first_property = va_arg (args, const char *);
  if (first_property != NULL)
    g_object_set_valist (G_OBJECT (element), first_property, args);
  va_end (args);

  return element;
}

static void
make_sources_live (const GValue *item,
                   gpointer      user_data)
{
  GstElement *element = g_value_get_object (item);

  if (GST_IS_BASE_SRC (element) &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (element), "is-live") != NULL)
    g_object_set (element, "is-live", TRUE, NULL);
}

/* An element from the pipeline description in environment variable @variable (tests
 * set e.g. CONFAB_VIDEOSRC="videotestsrc pattern=red"), or else from @fallback (a
 * factory name; NULL for none). Sources are made live: a call paces itself on them.
 *
 * Returns: (transfer floating) (nullable): the element; NULL without error when
 *   neither is set */
GstElement *
_confab_media_make_from_env (const char  *variable,
                             const char  *fallback,
                             GError     **error)
{
  return _confab_media_make_from_description (g_getenv (variable), variable, fallback, error);
}

/* The same from a description given directly (@label names it in errors). */
GstElement *
_confab_media_make_from_description (const char  *description,
                                     const char  *label,
                                     const char  *fallback,
                                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GstElement *element;

  if (description == NULL || *description == '\0')
    {
      if (fallback == NULL)
        return NULL;

      element = gst_element_factory_make (fallback, NULL);
      if (element == NULL)
        g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                     "The GStreamer element “%s” is missing", fallback);
      return element;
    }

  element = gst_parse_bin_from_description_full (description, TRUE, NULL,
                                                 GST_PARSE_FLAG_NONE, &local_error);
  if (element == NULL || local_error != NULL)
    {
      if (element != NULL)
        {
          g_object_ref_sink (element);
          gst_object_unref (element);
        }
      if (local_error == NULL)
        local_error = g_error_new_literal (GST_PARSE_ERROR, GST_PARSE_ERROR_EMPTY, "empty");
      g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_BAD_PARAMETER,
                   "%s “%s” is not a usable GStreamer description: %s",
                   label, description, local_error->message);
      return NULL;
    }

  if (GST_IS_BIN (element))
    {
      GstIterator *it = gst_bin_iterate_recurse (GST_BIN (element));

      gst_iterator_foreach (it, make_sources_live, NULL);
      gst_iterator_free (it);
    }
  else if (GST_IS_BASE_SRC (element))
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, GST_TYPE_ELEMENT);
      g_value_set_object (&value, element);
      make_sources_live (&value, NULL);
      g_value_unset (&value);
    }

  return element;
}
