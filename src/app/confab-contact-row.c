/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-contact-row.c: a contact in the sidebar
 *
 * Shows the contact's avatar and name, the last message exchanged with it, and
 * buttons to call it (win.call-audio, win.call-video with the contact's id).
 */

#define G_LOG_DOMAIN "confab-contact-row"

#include "config.h"

#include "confab-contact-row.h"

#include <glib/gi18n.h>

struct _ConfabContactRow
{
  AdwBin         parent_instance;

  /* template widgets */
  AdwAvatar     *avatar;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkWidget     *call_audio_button;
  GtkWidget     *call_video_button;

  /* owned references */
  ConfabContact *contact;
  GListModel    *messages;
};

G_DEFINE_FINAL_TYPE (ConfabContactRow, confab_contact_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_name (ConfabContactRow *self)
{
  const char *id = NULL;
  const char *username = NULL;

  if (self->contact != NULL)
    {
      id = confab_contact_get_id (self->contact);
      username = confab_contact_get_username (self->contact);
    }

  if (username == NULL || *username == '\0')
    username = id;

  gtk_label_set_label (self->name_label, username != NULL ? username : "");
  gtk_widget_set_visible (self->call_audio_button, id != NULL);
  gtk_widget_set_visible (self->call_video_button, id != NULL);
  if (id != NULL)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_audio_button), "s", id);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->call_video_button), "s", id);
    }
  adw_avatar_set_text (self->avatar, username);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), id);
}

static void
update_detail (ConfabContactRow *self)
{
  g_autoptr(ConfabMessage) last = NULL;
  g_autofree char *text = NULL;
  guint n_items = 0;

  if (self->messages != NULL)
    n_items = g_list_model_get_n_items (self->messages);

  if (n_items > 0)
    {
      ConfabMessageDirection direction = CONFAB_MESSAGE_DIRECTION_INCOMING;
      g_autofree char *body = NULL;

      last = g_list_model_get_item (self->messages, n_items - 1);
      g_object_get (last, "text", &body, "direction", &direction, NULL);
      g_strdelimit (body, "\n\r\t", ' ');

      if (direction == CONFAB_MESSAGE_DIRECTION_OUTGOING)
        /* Translators: the last message of a chat, when it was sent by the user */
        text = g_strdup_printf (_("You: %s"), body != NULL ? body : "");
      else
        text = g_steal_pointer (&body);
    }
  else if (self->contact != NULL)
    {
      text = g_strdup (confab_contact_get_id (self->contact));
    }

  gtk_label_set_label (self->detail_label, text != NULL ? text : "");
}

static void
confab_contact_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ConfabContactRow *self = CONFAB_CONTACT_ROW (object);

  switch (prop_id)
    {
    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_contact_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ConfabContactRow *self = CONFAB_CONTACT_ROW (object);

  switch (prop_id)
    {
    case PROP_CONTACT:
      confab_contact_row_set_contact (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_contact_row_dispose (GObject *object)
{
  ConfabContactRow *self = CONFAB_CONTACT_ROW (object);

  confab_contact_row_set_contact (self, NULL);

  G_OBJECT_CLASS (confab_contact_row_parent_class)->dispose (object);
}

static void
confab_contact_row_class_init (ConfabContactRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_contact_row_get_property;
  object_class->set_property = confab_contact_row_set_property;
  object_class->dispose = confab_contact_row_dispose;

  /**
   * ConfabContactRow:contact:
   *
   * The contact shown.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL,
                         CONFAB_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-contact-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabContactRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, ConfabContactRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabContactRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabContactRow, call_audio_button);
  gtk_widget_class_bind_template_child (widget_class, ConfabContactRow, call_video_button);
}

static void
confab_contact_row_init (ConfabContactRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
confab_contact_row_new (void)
{
  return g_object_new (CONFAB_TYPE_CONTACT_ROW, NULL);
}

ConfabContact *
confab_contact_row_get_contact (ConfabContactRow *self)
{
  g_return_val_if_fail (CONFAB_IS_CONTACT_ROW (self), NULL);

  return self->contact;
}

void
confab_contact_row_set_contact (ConfabContactRow *self,
                                ConfabContact    *contact)
{
  g_return_if_fail (CONFAB_IS_CONTACT_ROW (self));
  g_return_if_fail (contact == NULL || CONFAB_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  if (self->contact != NULL)
    g_signal_handlers_disconnect_by_data (self->contact, self);
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);

  g_set_object (&self->contact, contact);
  g_clear_object (&self->messages);

  if (contact != NULL)
    {
      self->messages = g_object_ref (confab_contact_get_messages (contact));
      g_signal_connect_object (contact, "notify::username",
                               G_CALLBACK (update_name), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->messages, "items-changed",
                               G_CALLBACK (update_detail), self, G_CONNECT_SWAPPED);
    }

  /* dispose runs this with the template gone */
  if (self->name_label != NULL)
    {
      update_name (self);
      update_detail (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}
