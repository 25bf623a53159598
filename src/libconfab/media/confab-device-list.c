/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-device-list.c: the cameras, microphones and speakers of this machine */

#define G_LOG_DOMAIN "confab-device-list"

#include "config.h"

#include "confab-device-list-private.h"

/**
 * ConfabDeviceList:
 *
 * The cameras, microphones and speakers GStreamer's device monitor finds, as a
 * #GListModel of #ConfabMediaDevice that follows hot-plugging: each change updates the
 * model (#GListModel::items-changed) and then emits
 * #ConfabDeviceList::media-device-changed. A machine without devices (a headless test
 * runner) gives an empty list.
 */
struct _ConfabDeviceList
{
  GObject            parent_instance;

  /* owned */
  GstDeviceMonitor  *monitor;
  GSource           *bus_source;
  GPtrArray         *devices;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConfabDeviceList, confab_device_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  SIGNAL_MEDIA_DEVICE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct {
  const char            *klass;
  ConfabMediaDeviceKind  kind;
} filters[] = {
  { "Video/Source", CONFAB_MEDIA_DEVICE_KIND_CAMERA },
  { "Audio/Source", CONFAB_MEDIA_DEVICE_KIND_MICROPHONE },
  { "Audio/Sink",   CONFAB_MEDIA_DEVICE_KIND_SPEAKER },
};

/* helpers */

static gboolean
device_kind (GstDevice             *device,
             ConfabMediaDeviceKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      if (gst_device_has_classes (device, filters[i].klass))
        {
          *kind = filters[i].kind;
          return TRUE;
        }
    }

  return FALSE;
}

/* Makes sure exactly the provider's default, or else the first, device of each kind is
 * the default. */
static void
update_defaults (GPtrArray *devices)
{
  for (guint k = 0; k < G_N_ELEMENTS (filters); k++)
    {
      ConfabMediaDevice *chosen = NULL;
      ConfabMediaDevice *first = NULL;

      for (guint i = 0; i < devices->len; i++)
        {
          ConfabMediaDevice *device = g_ptr_array_index (devices, i);
          gboolean is_default = FALSE;
          g_autoptr(GstStructure) props = NULL;

          if (confab_media_device_get_kind (device) != filters[k].kind)
            continue;
          if (first == NULL)
            first = device;

          props = gst_device_get_properties (confab_media_device_get_device (device));
          if (chosen == NULL && props != NULL &&
              gst_structure_get_boolean (props, "is-default", &is_default) && is_default)
            chosen = device;
        }

      if (chosen == NULL)
        chosen = first;

      for (guint i = 0; i < devices->len; i++)
        {
          ConfabMediaDevice *device = g_ptr_array_index (devices, i);

          if (confab_media_device_get_kind (device) == filters[k].kind)
            _confab_media_device_set_is_default (device, device == chosen);
        }
    }
}

static ConfabMediaDevice *
wrap_device (GstDevice *device)
{
  ConfabMediaDeviceKind kind;
  g_autofree char *id = NULL;

  if (!device_kind (device, &kind))
    return NULL;

  id = _confab_media_device_make_id (device);
  return _confab_media_device_new (device, kind, id);
}

static gint
find_device (ConfabDeviceList *self,
             GstDevice        *device)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      if (confab_media_device_get_device (g_ptr_array_index (self->devices, i)) == device)
        return (gint) i;
    }

  return -1;
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ConfabDeviceList *self = user_data;
  g_autoptr(GstDevice) device = NULL;
  g_autoptr(GstDevice) changed = NULL;
  ConfabMediaDevice *wrapped;
  gint position;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
      gst_message_parse_device_added (message, &device);
      if (find_device (self, device) >= 0 || (wrapped = wrap_device (device)) == NULL)
        break;
      g_ptr_array_add (self->devices, wrapped);
      update_defaults (self->devices);
      g_list_model_items_changed (G_LIST_MODEL (self), self->devices->len - 1, 0, 1);
      g_signal_emit (self, signals[SIGNAL_MEDIA_DEVICE_CHANGED], 0);
      break;

    case GST_MESSAGE_DEVICE_REMOVED:
      gst_message_parse_device_removed (message, &device);
      position = find_device (self, device);
      if (position < 0)
        break;
      g_ptr_array_remove_index (self->devices, (guint) position);
      update_defaults (self->devices);
      g_list_model_items_changed (G_LIST_MODEL (self), (guint) position, 1, 0);
      g_signal_emit (self, signals[SIGNAL_MEDIA_DEVICE_CHANGED], 0);
      break;

    case GST_MESSAGE_DEVICE_CHANGED:
      gst_message_parse_device_changed (message, &device, &changed);
      position = find_device (self, changed);
      if (position < 0 || (wrapped = wrap_device (device)) == NULL)
        break;
      g_object_unref (g_ptr_array_index (self->devices, (guint) position));
      g_ptr_array_index (self->devices, (guint) position) = wrapped;
      update_defaults (self->devices);
      g_list_model_items_changed (G_LIST_MODEL (self), (guint) position, 1, 1);
      g_signal_emit (self, signals[SIGNAL_MEDIA_DEVICE_CHANGED], 0);
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static GType
list_model_get_item_type (GListModel *model)
{
  return CONFAB_TYPE_MEDIA_DEVICE;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return CONFAB_DEVICE_LIST (model)->devices->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  ConfabDeviceList *self = CONFAB_DEVICE_LIST (model);

  if (position >= self->devices->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->devices, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
confab_device_list_dispose (GObject *object)
{
  ConfabDeviceList *self = CONFAB_DEVICE_LIST (object);

  if (self->monitor != NULL)
    {
      gst_device_monitor_stop (self->monitor);
      gst_clear_object (&self->monitor);
    }

  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_clear_pointer (&self->bus_source, g_source_unref);
    }

  G_OBJECT_CLASS (confab_device_list_parent_class)->dispose (object);
}

static void
confab_device_list_finalize (GObject *object)
{
  ConfabDeviceList *self = CONFAB_DEVICE_LIST (object);

  g_clear_pointer (&self->devices, g_ptr_array_unref);

  G_OBJECT_CLASS (confab_device_list_parent_class)->finalize (object);
}

static void
confab_device_list_class_init (ConfabDeviceListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_device_list_dispose;
  object_class->finalize = confab_device_list_finalize;

  /**
   * ConfabDeviceList::media-device-changed:
   * @self: the list
   *
   * A device was plugged in, unplugged or changed; the list is already up to date.
   */
  signals[SIGNAL_MEDIA_DEVICE_CHANGED] =
    g_signal_new ("media-device-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
confab_device_list_init (ConfabDeviceList *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
}

static GstDeviceMonitor *
make_monitor (gint kind)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      if (kind < 0 || (ConfabMediaDeviceKind) kind == filters[i].kind)
        gst_device_monitor_add_filter (monitor, filters[i].klass, NULL);
    }

  return monitor;
}

/**
 * confab_device_list_new:
 * @error: return location for a #GError
 *
 * Lists the devices and starts following hot-plugging, on the thread-default main
 * context.
 *
 * Returns: (transfer full): the list (possibly empty), or %NULL if the media engine
 *   cannot start
 */
ConfabDeviceList *
confab_device_list_new (GError **error)
{
  g_autoptr(ConfabDeviceList) self = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GMainContext) context = NULL;
  GList *devices;

  if (!confab_media_init (error))
    return NULL;

  self = g_object_new (CONFAB_TYPE_DEVICE_LIST, NULL);
  self->monitor = make_monitor (-1);

  bus = gst_device_monitor_get_bus (self->monitor);
  context = g_main_context_ref_thread_default ();
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (on_bus_message), self, NULL);
  g_source_set_static_name (self->bus_source, "[confab] device monitor");
  g_source_attach (self->bus_source, context);

  if (!gst_device_monitor_start (self->monitor))
    g_debug ("No device provider could start; the device list stays empty");

  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      ConfabMediaDevice *wrapped = wrap_device (l->data);

      if (wrapped != NULL)
        g_ptr_array_add (self->devices, wrapped);
    }
  g_list_free_full (devices, gst_object_unref);
  update_defaults (self->devices);

  return g_steal_pointer (&self);
}

/**
 * confab_device_list_get_default:
 * @self: a #ConfabDeviceList
 * @kind: camera, microphone or speaker
 *
 * Returns: (transfer none) (nullable): the default device of @kind, if there is any
 */
ConfabMediaDevice *
confab_device_list_get_default (ConfabDeviceList      *self,
                                ConfabMediaDeviceKind  kind)
{
  g_return_val_if_fail (CONFAB_IS_DEVICE_LIST (self), NULL);

  for (guint i = 0; i < self->devices->len; i++)
    {
      ConfabMediaDevice *device = g_ptr_array_index (self->devices, i);

      if (confab_media_device_get_kind (device) == kind && confab_media_device_get_is_default (device))
        return device;
    }

  return NULL;
}

/**
 * confab_device_list_lookup:
 * @self: a #ConfabDeviceList
 * @id: a #ConfabMediaDevice:id
 *
 * Returns: (transfer none) (nullable): the device with that id, if it is there
 */
ConfabMediaDevice *
confab_device_list_lookup (ConfabDeviceList *self,
                           const char       *id)
{
  g_return_val_if_fail (CONFAB_IS_DEVICE_LIST (self), NULL);

  for (guint i = 0; id != NULL && i < self->devices->len; i++)
    {
      ConfabMediaDevice *device = g_ptr_array_index (self->devices, i);

      if (g_strcmp0 (confab_media_device_get_id (device), id) == 0)
        return device;
    }

  return NULL;
}

/* A source or sink element for the device @id of @kind, or for the default one. */
GstElement *
_confab_media_device_create_element (ConfabMediaDeviceKind   kind,
                                     const char             *id,
                                     GError                **error)
{
  static const char *names[] = { "camera", "microphone", "speaker" };
  g_autoptr(GstDeviceMonitor) monitor = make_monitor (kind);
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);
  ConfabMediaDevice *chosen = NULL;
  GstElement *element;
  GList *found;

  found = gst_device_monitor_get_devices (monitor);
  for (GList *l = found; l != NULL; l = l->next)
    {
      ConfabMediaDevice *wrapped = wrap_device (l->data);

      if (wrapped != NULL)
        g_ptr_array_add (devices, wrapped);
    }
  g_list_free_full (found, gst_object_unref);
  update_defaults (devices);

  for (guint i = 0; i < devices->len && chosen == NULL; i++)
    {
      ConfabMediaDevice *device = g_ptr_array_index (devices, i);

      if (id != NULL ? g_strcmp0 (confab_media_device_get_id (device), id) == 0
                     : confab_media_device_get_is_default (device))
        chosen = device;
    }

  if (chosen == NULL)
    {
      if (id != NULL)
        g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NO_DEVICE,
                     "There is no %s “%s”", names[kind], id);
      else
        g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NO_DEVICE,
                     "No %s was found", names[kind]);
      return NULL;
    }

  element = gst_device_create_element (confab_media_device_get_device (chosen), NULL);
  if (element == NULL)
    g_set_error (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NO_DEVICE,
                 "The %s “%s” cannot be opened", names[kind],
                 confab_media_device_get_display_name (chosen));

  return element;
}
