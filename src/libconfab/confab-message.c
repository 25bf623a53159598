/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-message.c: one chat message to or from a contact */

#define G_LOG_DOMAIN "confab-message"

#include "config.h"

#include "confab-contact.h"
#include "confab-enum-types.h"
#include "confab-message-private.h"

/**
 * ConfabMessage:
 *
 * A text message exchanged with a #ConfabContact. Incoming messages are complete when
 * they appear; an outgoing one starts as %CONFAB_MESSAGE_STATUS_SENDING with the local
 * time, and gets the server's time and its final #ConfabMessage:status when the server
 * answers.
 */
struct _ConfabMessage
{
  GObject                 parent_instance;

  /* borrowed */
  GWeakRef                contact;

  /* owned */
  char                   *uuid;
  char                   *text;
  GDateTime              *time;

  ConfabMessageDirection  direction;
  ConfabMessageStatus     status;
  gboolean                offline;
};

G_DEFINE_FINAL_TYPE (ConfabMessage, confab_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UUID,
  PROP_TEXT,
  PROP_TIME,
  PROP_DIRECTION,
  PROP_STATUS,
  PROP_CONTACT,
  PROP_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
confab_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabMessage *self = CONFAB_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_UUID:
      g_value_set_string (value, self->uuid);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_TIME:
      g_value_set_boxed (value, self->time);
      break;

    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_CONTACT:
      g_value_take_object (value, g_weak_ref_get (&self->contact));
      break;

    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_message_finalize (GObject *object)
{
  ConfabMessage *self = CONFAB_MESSAGE (object);

  g_weak_ref_clear (&self->contact);
  g_free (self->uuid);
  g_free (self->text);
  g_clear_pointer (&self->time, g_date_time_unref);

  G_OBJECT_CLASS (confab_message_parent_class)->finalize (object);
}

static void
confab_message_class_init (ConfabMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_message_get_property;
  object_class->finalize = confab_message_finalize;

  /**
   * ConfabMessage:uuid:
   *
   * The message's uuid, made by the sender; unique per sender.
   */
  properties[PROP_UUID] =
    g_param_spec_string ("uuid", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:text:
   *
   * The text of the message.
   */
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:time:
   *
   * When the server accepted the message (for an outgoing message not yet confirmed,
   * when it was sent, by the local clock).
   */
  properties[PROP_TIME] =
    g_param_spec_boxed ("time", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:direction:
   *
   * Whether the message was received or sent.
   */
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL,
                       CONFAB_TYPE_MESSAGE_DIRECTION, CONFAB_MESSAGE_DIRECTION_INCOMING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:status:
   *
   * Where the message is: sending, sent, stored for later delivery, received or failed.
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       CONFAB_TYPE_MESSAGE_STATUS, CONFAB_MESSAGE_STATUS_SENDING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:contact:
   *
   * The contact the message was exchanged with (%NULL once the session is gone).
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, CONFAB_TYPE_CONTACT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ConfabMessage:offline:
   *
   * %TRUE for an incoming message the server stored while this account was offline.
   */
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
confab_message_init (ConfabMessage *self)
{
  g_weak_ref_init (&self->contact, NULL);
}

ConfabMessage *
_confab_message_new (ConfabContact          *contact,
                     ConfabMessageDirection  direction,
                     const char             *uuid,
                     const char             *text,
                     GDateTime              *time,
                     gboolean                offline)
{
  ConfabMessage *self = g_object_new (CONFAB_TYPE_MESSAGE, NULL);

  g_weak_ref_set (&self->contact, contact);
  self->direction = direction;
  self->uuid = g_strdup (uuid);
  self->text = g_strdup (text);
  self->time = time != NULL ? g_date_time_ref (time) : g_date_time_new_now_utc ();
  self->offline = offline;
  self->status = direction == CONFAB_MESSAGE_DIRECTION_INCOMING
    ? CONFAB_MESSAGE_STATUS_RECEIVED
    : CONFAB_MESSAGE_STATUS_SENDING;

  return self;
}

void
_confab_message_set_status (ConfabMessage       *self,
                            ConfabMessageStatus  status)
{
  g_return_if_fail (CONFAB_IS_MESSAGE (self));

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

void
_confab_message_set_time (ConfabMessage *self,
                          GDateTime     *time)
{
  g_return_if_fail (CONFAB_IS_MESSAGE (self));
  g_return_if_fail (time != NULL);

  if (self->time != NULL && g_date_time_equal (self->time, time))
    return;

  g_clear_pointer (&self->time, g_date_time_unref);
  self->time = g_date_time_ref (time);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME]);
}

/**
 * confab_message_get_uuid:
 * @self: a #ConfabMessage
 *
 * Returns: the message's uuid
 */
const char *
confab_message_get_uuid (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->uuid;
}

/**
 * confab_message_get_text:
 * @self: a #ConfabMessage
 *
 * Returns: the text
 */
const char *
confab_message_get_text (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->text;
}

/**
 * confab_message_get_time:
 * @self: a #ConfabMessage
 *
 * Returns: (transfer none): when the server accepted the message (local send time
 *   until it has answered)
 */
GDateTime *
confab_message_get_time (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return self->time;
}

/**
 * confab_message_get_direction:
 * @self: a #ConfabMessage
 *
 * Returns: whether the message was received or sent
 */
ConfabMessageDirection
confab_message_get_direction (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), CONFAB_MESSAGE_DIRECTION_INCOMING);
  return self->direction;
}

/**
 * confab_message_get_status:
 * @self: a #ConfabMessage
 *
 * Returns: the message's status
 */
ConfabMessageStatus
confab_message_get_status (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), CONFAB_MESSAGE_STATUS_FAILED);
  return self->status;
}

/**
 * confab_message_dup_contact:
 * @self: a #ConfabMessage
 *
 * Returns: (transfer full) (nullable): the contact, or %NULL once its session is gone
 */
ConfabContact *
confab_message_dup_contact (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), NULL);
  return g_weak_ref_get (&self->contact);
}

/**
 * confab_message_get_offline:
 * @self: a #ConfabMessage
 *
 * Returns: %TRUE if the server stored the message while this account was offline
 */
gboolean
confab_message_get_offline (ConfabMessage *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE (self), FALSE);
  return self->offline;
}
