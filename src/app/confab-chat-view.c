/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-chat-view.c: the one-to-one chat with a contact
 *
 * A GtkListView over the contact's messages (oldest first) and a composer. The view
 * follows new messages only while the reader is already at the bottom; otherwise a
 * button offers to jump there.
 */

#define G_LOG_DOMAIN "confab-chat-view"

#include "config.h"

#include "confab-chat-view.h"
#include "confab-message-row.h"

#include <glib/gi18n.h>

struct _ConfabChatView
{
  AdwBin          parent_instance;

  /* template widgets */
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  GtkScrolledWindow *scrolled_window;
  GtkListView    *message_view;
  GtkRevealer    *scroll_button_revealer;
  GtkEntry       *message_entry;
  GtkButton      *send_button;

  /* owned references */
  ConfabContact  *contact;
  GListModel     *messages;

  /* borrowed references */
  GtkAdjustment  *vadjustment;

  guint           stick_to_bottom : 1;
  guint           scrolling : 1;
};

G_DEFINE_FINAL_TYPE (ConfabChatView, confab_chat_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
adjustment_at_bottom (GtkAdjustment *adj)
{
  double value = gtk_adjustment_get_value (adj);
  double upper = gtk_adjustment_get_upper (adj);
  double page = gtk_adjustment_get_page_size (adj);

  return value + page >= upper - 2.0;
}

static void
scroll_to_end (ConfabChatView *self)
{
  double upper = gtk_adjustment_get_upper (self->vadjustment);
  double page = gtk_adjustment_get_page_size (self->vadjustment);

  self->scrolling = TRUE;
  gtk_adjustment_set_value (self->vadjustment, MAX (0.0, upper - page));
  self->scrolling = FALSE;
}

static void
on_adjustment_value_changed (ConfabChatView *self)
{
  if (self->scrolling)
    return;

  self->stick_to_bottom = adjustment_at_bottom (self->vadjustment);
  gtk_revealer_set_reveal_child (self->scroll_button_revealer, !self->stick_to_bottom);
}

static void
on_adjustment_bounds_changed (ConfabChatView *self)
{
  if (self->stick_to_bottom)
    scroll_to_end (self);
  else
    gtk_revealer_set_reveal_child (self->scroll_button_revealer,
                                   !adjustment_at_bottom (self->vadjustment));
}

static void
update_empty (ConfabChatView *self)
{
  gboolean empty = self->messages == NULL || g_list_model_get_n_items (self->messages) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "history");

  if (empty && self->contact != NULL)
    {
      const char *name = confab_contact_get_username (self->contact);
      g_autofree char *description = NULL;

      if (name == NULL || *name == '\0')
        name = confab_contact_get_id (self->contact);

      /* Translators: %s is a contact's name */
      description = g_strdup_printf (_("Say hello to %s."), name);
      adw_status_page_set_description (self->empty_page, description);
    }
}

static void
update_send_enabled (ConfabChatView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->message_entry));
  gboolean has_text = FALSE;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        {
          has_text = TRUE;
          break;
        }
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", self->contact != NULL && has_text);
}

static void
on_message_sent (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ConfabChatView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = confab_contact_send_message_finish (CONFAB_CONTACT (object), result, &error);

  if (uuid == NULL)
    {
      GtkWidget *overlay;

      g_debug ("Sending a message failed: %s", error->message);

      overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
      if (overlay != NULL)
        {
          g_autofree char *title = NULL;

          /* Translators: %s is the reason */
          title = g_strdup_printf (_("The message was not sent: %s"), error->message);
          adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
        }
    }
}

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ConfabChatView *self = CONFAB_CHAT_VIEW (widget);
  g_autofree char *text = NULL;

  if (self->contact == NULL)
    return;

  text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->message_entry)));
  g_strchomp (text);
  if (*text == '\0' || !g_utf8_validate (text, -1, NULL))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->message_entry), "");
  self->stick_to_bottom = TRUE;

  confab_contact_send_message_async (self->contact, text, NULL,
                                     on_message_sent, g_object_ref (self));
}

static void
scroll_to_bottom_activated (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  confab_chat_view_scroll_to_bottom (CONFAB_CHAT_VIEW (widget));
}

static void
on_entry_activate (ConfabChatView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
}

static void
on_entry_changed (ConfabChatView *self)
{
  update_send_enabled (self);
}

static void
setup_row (GtkListItemFactory *factory,
           GtkListItem        *item,
           gpointer            user_data)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, confab_message_row_new ());
}

static void
bind_row (GtkListItemFactory *factory,
          GtkListItem        *item,
          gpointer            user_data)
{
  confab_message_row_set_message (CONFAB_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                  gtk_list_item_get_item (item));
}

static void
unbind_row (GtkListItemFactory *factory,
            GtkListItem        *item,
            gpointer            user_data)
{
  confab_message_row_set_message (CONFAB_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
confab_chat_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ConfabChatView *self = CONFAB_CHAT_VIEW (object);

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
confab_chat_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ConfabChatView *self = CONFAB_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTACT:
      confab_chat_view_set_contact (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_chat_view_dispose (GObject *object)
{
  ConfabChatView *self = CONFAB_CHAT_VIEW (object);

  if (self->message_view != NULL)
    confab_chat_view_set_contact (self, NULL);

  if (self->vadjustment != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->vadjustment, self);
      self->vadjustment = NULL;
    }


  g_clear_object (&self->contact);
  g_clear_object (&self->messages);

  G_OBJECT_CLASS (confab_chat_view_parent_class)->dispose (object);
}

static void
confab_chat_view_class_init (ConfabChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_chat_view_get_property;
  object_class->set_property = confab_chat_view_set_property;
  object_class->dispose = confab_chat_view_dispose;

  /**
   * ConfabChatView:contact:
   *
   * The contact whose chat is shown, or %NULL.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL,
                         CONFAB_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/confab/Confab/confab-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, stack);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, message_view);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, scroll_button_revealer);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, message_entry);
  gtk_widget_class_bind_template_child (widget_class, ConfabChatView, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "chat.scroll-to-bottom", NULL, scroll_to_bottom_activated);

  gtk_widget_class_set_css_name (widget_class, "chatview");
}

static void
confab_chat_view_init (ConfabChatView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->stick_to_bottom = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->message_view, factory);
  g_object_unref (factory);

  self->vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  g_signal_connect_object (self->vadjustment, "value-changed",
                           G_CALLBACK (on_adjustment_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "notify::upper",
                           G_CALLBACK (on_adjustment_bounds_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "notify::page-size",
                           G_CALLBACK (on_adjustment_bounds_changed), self, G_CONNECT_SWAPPED);

  update_empty (self);
  update_send_enabled (self);
}

GtkWidget *
confab_chat_view_new (void)
{
  return g_object_new (CONFAB_TYPE_CHAT_VIEW, NULL);
}

ConfabContact *
confab_chat_view_get_contact (ConfabChatView *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT_VIEW (self), NULL);

  return self->contact;
}

/**
 * confab_chat_view_set_contact:
 * @self: a #ConfabChatView
 * @contact: (nullable): the contact to chat with
 *
 * Shows the chat with @contact, scrolled to its latest message.
 */
void
confab_chat_view_set_contact (ConfabChatView *self,
                              ConfabContact  *contact)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (CONFAB_IS_CHAT_VIEW (self));
  g_return_if_fail (contact == NULL || CONFAB_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);

  g_set_object (&self->contact, contact);
  g_clear_object (&self->messages);

  if (contact != NULL)
    {
      self->messages = g_object_ref (confab_contact_get_messages (contact));
      g_signal_connect_object (self->messages, "items-changed",
                               G_CALLBACK (update_empty), self, G_CONNECT_SWAPPED);
      selection = gtk_no_selection_new (g_object_ref (self->messages));
    }

  self->stick_to_bottom = TRUE;
  gtk_revealer_set_reveal_child (self->scroll_button_revealer, FALSE);
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (selection));
  gtk_editable_set_text (GTK_EDITABLE (self->message_entry), "");

  update_empty (self);
  update_send_enabled (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

/**
 * confab_chat_view_get_at_bottom:
 * @self: a #ConfabChatView
 *
 * Returns: whether the view follows the newest message
 */
gboolean
confab_chat_view_get_at_bottom (ConfabChatView *self)
{
  g_return_val_if_fail (CONFAB_IS_CHAT_VIEW (self), FALSE);

  return self->stick_to_bottom;
}

void
confab_chat_view_scroll_to_bottom (ConfabChatView *self)
{
  g_return_if_fail (CONFAB_IS_CHAT_VIEW (self));

  self->stick_to_bottom = TRUE;
  gtk_revealer_set_reveal_child (self->scroll_button_revealer, FALSE);
  scroll_to_end (self);
}

void
confab_chat_view_focus_composer (ConfabChatView *self)
{
  g_return_if_fail (CONFAB_IS_CHAT_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->message_entry));
}
