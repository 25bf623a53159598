/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-message-row.c: one message of a chat, drawn as a bubble
 *
 * Incoming messages sit on the left, outgoing ones on the right with a mark that follows
 * their status: sending, sent, stored for an absent contact, or failed.
 */

#define G_LOG_DOMAIN "confab-message-row"

#include "config.h"

#include "confab-message-row.h"
#include "confab-util.h"

#include <glib/gi18n.h>

struct _ConfabMessageRow
{
  AdwBin         parent_instance;

  /* template widgets */
  GtkBox        *bubble;
  GtkLabel      *text_label;
  GtkLabel      *time_label;
  GtkImage      *status_image;

  /* owned references */
  ConfabMessage *message;
};

G_DEFINE_FINAL_TYPE (ConfabMessageRow, confab_message_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_status (ConfabMessageRow *self)
{
  ConfabMessageStatus status = CONFAB_MESSAGE_STATUS_SENDING;
  ConfabMessageDirection direction = CONFAB_MESSAGE_DIRECTION_INCOMING;
  const char *icon_name = NULL;
  const char *tooltip = NULL;

  if (self->message != NULL)
    g_object_get (self->message,
                  "status", &status,
                  "direction", &direction,
                  NULL);

  if (direction == CONFAB_MESSAGE_DIRECTION_OUTGOING)
    {
      switch (status)
        {
        case CONFAB_MESSAGE_STATUS_SENDING:
          icon_name = "content-loading-symbolic";
          tooltip = _("Sending…");
          break;

        case CONFAB_MESSAGE_STATUS_SENT:
          icon_name = "emblem-ok-symbolic";
          tooltip = _("Sent");
          break;

        case CONFAB_MESSAGE_STATUS_STORED:
          icon_name = "mail-unread-symbolic";
          tooltip = _("Kept by the server until the contact is back");
          break;

        case CONFAB_MESSAGE_STATUS_FAILED:
          icon_name = "dialog-error-symbolic";
          tooltip = _("Not sent");
          break;

        case CONFAB_MESSAGE_STATUS_RECEIVED:
        default:
          break;
        }
    }

  gtk_image_set_from_icon_name (self->status_image, icon_name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_image), tooltip);
  gtk_widget_set_visible (GTK_WIDGET (self->status_image), icon_name != NULL);

  if (status == CONFAB_MESSAGE_STATUS_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self), "failed");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "failed");

  if (status == CONFAB_MESSAGE_STATUS_SENDING && direction == CONFAB_MESSAGE_DIRECTION_OUTGOING)
    gtk_widget_add_css_class (GTK_WIDGET (self), "sending");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "sending");
}

static void
update_time (ConfabMessageRow *self)
{
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *label = NULL;

  if (self->message != NULL)
    g_object_get (self->message, "time", &time, NULL);

  label = confab_format_time (time, NULL);
  gtk_label_set_label (self->time_label, label);
}

static void
update_all (ConfabMessageRow *self)
{
  g_autofree char *text = NULL;
  ConfabMessageDirection direction = CONFAB_MESSAGE_DIRECTION_INCOMING;
  gboolean outgoing;

  if (self->message != NULL)
    g_object_get (self->message,
                  "text", &text,
                  "direction", &direction,
                  NULL);

  outgoing = direction == CONFAB_MESSAGE_DIRECTION_OUTGOING;

  gtk_label_set_label (self->text_label, text != NULL ? text : "");
  gtk_widget_set_halign (GTK_WIDGET (self->bubble), outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);

  if (outgoing)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "outgoing");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "incoming");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "incoming");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "outgoing");
    }

  update_time (self);
  update_status (self);
}

static void
confab_message_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ConfabMessageRow *self = CONFAB_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_message_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ConfabMessageRow *self = CONFAB_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      confab_message_row_set_message (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_message_row_dispose (GObject *object)
{
  ConfabMessageRow *self = CONFAB_MESSAGE_ROW (object);

  confab_message_row_set_message (self, NULL);

  G_OBJECT_CLASS (confab_message_row_parent_class)->dispose (object);
}

static void
confab_message_row_class_init (ConfabMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_message_row_get_property;
  object_class->set_property = confab_message_row_set_property;
  object_class->dispose = confab_message_row_dispose;

  /**
   * ConfabMessageRow:message:
   *
   * The message shown.
   */
  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL,
                         CONFAB_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, ConfabMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabMessageRow, status_image);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
confab_message_row_init (ConfabMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_all (self);
}

GtkWidget *
confab_message_row_new (void)
{
  return g_object_new (CONFAB_TYPE_MESSAGE_ROW, NULL);
}

ConfabMessage *
confab_message_row_get_message (ConfabMessageRow *self)
{
  g_return_val_if_fail (CONFAB_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

void
confab_message_row_set_message (ConfabMessageRow *self,
                                ConfabMessage    *message)
{
  g_return_if_fail (CONFAB_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || CONFAB_IS_MESSAGE (message));

  if (self->message == message)
    return;

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);

  g_set_object (&self->message, message);

  if (message != NULL)
    {
      g_signal_connect_object (message, "notify::status",
                               G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (message, "notify::time",
                               G_CALLBACK (update_time), self, G_CONNECT_SWAPPED);
    }

  /* dispose runs this with the template gone */
  if (self->text_label != NULL)
    update_all (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}
