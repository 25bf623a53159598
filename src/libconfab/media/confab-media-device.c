/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media-device.c: a camera, microphone or speaker */

#define G_LOG_DOMAIN "confab-media-device"

#include "config.h"

#include "confab-device-list-private.h"
#include "confab-media-enum-types.h"

/**
 * ConfabMediaDevice:
 *
 * A camera, a microphone or a speaker, as found by GStreamer's device monitor. Pass
 * its #ConfabMediaDevice:id as the `video-device` or `audio-device` option of
 * confab_stream_new_local().
 */
struct _ConfabMediaDevice
{
  GObject                parent_instance;

  /* owned */
  GstDevice             *device;
  char                  *id;
  char                  *display_name;

  ConfabMediaDeviceKind  kind;
  gboolean               is_default;
};

G_DEFINE_FINAL_TYPE (ConfabMediaDevice, confab_media_device, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_KIND,
  PROP_IS_DEFAULT,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
confab_media_device_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ConfabMediaDevice *self = CONFAB_MEDIA_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_IS_DEFAULT:
      g_value_set_boolean (value, self->is_default);
      break;

    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_media_device_finalize (GObject *object)
{
  ConfabMediaDevice *self = CONFAB_MEDIA_DEVICE (object);

  gst_clear_object (&self->device);
  g_free (self->id);
  g_free (self->display_name);

  G_OBJECT_CLASS (confab_media_device_parent_class)->finalize (object);
}

static void
confab_media_device_class_init (ConfabMediaDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_media_device_get_property;
  object_class->finalize = confab_media_device_finalize;

  /**
   * ConfabMediaDevice:id:
   *
   * A stable identifier of the device (its system path or node name when GStreamer
   * gives one, else its kind and name).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMediaDevice:display-name:
   *
   * The name to show to users.
   */
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMediaDevice:kind:
   *
   * Camera, microphone or speaker.
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       CONFAB_TYPE_MEDIA_DEVICE_KIND, CONFAB_MEDIA_DEVICE_KIND_CAMERA,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMediaDevice:is-default:
   *
   * Whether this is the system's default device of its kind (or, when the system
   * names none, the first one found).
   */
  properties[PROP_IS_DEFAULT] =
    g_param_spec_boolean ("is-default", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMediaDevice:device:
   *
   * The underlying #GstDevice.
   */
  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL, GST_TYPE_DEVICE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_media_device_init (ConfabMediaDevice *self)
{
}

/* The id: the most stable thing the device provider tells about the device. */
char *
_confab_media_device_make_id (GstDevice *device)
{
  static const char *keys[] = { "node.name", "device.path", "api.v4l2.path", "api.alsa.path",
                                "udev.id", "device.bus_path", NULL };
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  g_autofree char *name = gst_device_get_display_name (device);
  g_autofree char *klass = gst_device_get_device_class (device);

  if (props != NULL)
    {
      for (guint i = 0; keys[i] != NULL; i++)
        {
          const char *value = gst_structure_get_string (props, keys[i]);

          if (value != NULL && *value != '\0')
            return g_strdup_printf ("%s:%s", klass, value);
        }
    }

  return g_strdup_printf ("%s:%s", klass, name);
}

ConfabMediaDevice *
_confab_media_device_new (GstDevice             *device,
                          ConfabMediaDeviceKind  kind,
                          const char            *id)
{
  ConfabMediaDevice *self = g_object_new (CONFAB_TYPE_MEDIA_DEVICE, NULL);
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  gboolean is_default = FALSE;

  self->device = gst_object_ref (device);
  self->kind = kind;
  self->id = g_strdup (id);
  self->display_name = gst_device_get_display_name (device);
  if (props != NULL && gst_structure_get_boolean (props, "is-default", &is_default))
    self->is_default = is_default;

  return self;
}

void
_confab_media_device_set_is_default (ConfabMediaDevice *self,
                                     gboolean           is_default)
{
  is_default = !!is_default;
  if (self->is_default == is_default)
    return;

  self->is_default = is_default;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_DEFAULT]);
}

/**
 * confab_media_device_get_id:
 * @self: a #ConfabMediaDevice
 *
 * Returns: the device's identifier
 */
const char *
confab_media_device_get_id (ConfabMediaDevice *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_DEVICE (self), NULL);

  return self->id;
}

/**
 * confab_media_device_get_display_name:
 * @self: a #ConfabMediaDevice
 *
 * Returns: the name to show
 */
const char *
confab_media_device_get_display_name (ConfabMediaDevice *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_DEVICE (self), NULL);

  return self->display_name;
}

/**
 * confab_media_device_get_kind:
 * @self: a #ConfabMediaDevice
 *
 * Returns: what the device is
 */
ConfabMediaDeviceKind
confab_media_device_get_kind (ConfabMediaDevice *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_DEVICE (self), CONFAB_MEDIA_DEVICE_KIND_CAMERA);

  return self->kind;
}

/**
 * confab_media_device_get_is_default:
 * @self: a #ConfabMediaDevice
 *
 * Returns: %TRUE for the default device of its kind
 */
gboolean
confab_media_device_get_is_default (ConfabMediaDevice *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_DEVICE (self), FALSE);

  return self->is_default;
}

/**
 * confab_media_device_get_device:
 * @self: a #ConfabMediaDevice
 *
 * Returns: (transfer none): the #GstDevice
 */
GstDevice *
confab_media_device_get_device (ConfabMediaDevice *self)
{
  g_return_val_if_fail (CONFAB_IS_MEDIA_DEVICE (self), NULL);

  return self->device;
}
