/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-incoming-call-dialog.c: someone calls: accept with audio or video, or decline
 *
 * An AdwMessageDialog showing who calls and how, with the responses "decline",
 * "audio" and "video". It only presents the invitation: the window acts on the
 * response, and closes the dialog when the caller gives up.
 */

#define G_LOG_DOMAIN "confab-incoming-call-dialog"

#include "config.h"

#include "confab-incoming-call-dialog.h"

#include <glib/gi18n.h>

struct _ConfabIncomingCallDialog
{
  AdwMessageDialog              parent_instance;

  /* template widgets */
  AdwAvatar                    *avatar;

  /* owned references */
  ConfabReceivedCallInvitation *invitation;
};

G_DEFINE_FINAL_TYPE (ConfabIncomingCallDialog, confab_incoming_call_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_INVITATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (ConfabIncomingCallDialog *self)
{
  ConfabContact *contact;
  g_autofree char *body = NULL;
  const char *name;
  gboolean video;

  if (self->invitation == NULL)
    return;

  contact = confab_received_call_invitation_get_contact (self->invitation);
  name = confab_contact_get_username (contact);
  if (name == NULL || *name == '\0')
    name = confab_contact_get_id (contact);

  video = confab_received_call_invitation_get_media (self->invitation) == CONFAB_CALL_MEDIA_VIDEO;

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self),
                                  video ? _("Incoming Video Call") : _("Incoming Call"));
  if (video)
    /* Translators: %s is a contact's name */
    body = g_strdup_printf (_("%s is calling you with video."), name);
  else
    /* Translators: %s is a contact's name */
    body = g_strdup_printf (_("%s is calling you."), name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  adw_avatar_set_text (self->avatar, name);

  /* an audio call is answered with audio; video stays possible */
  adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "audio",
                                         video ? _("_Audio Only") : _("_Accept"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "audio",
                                              video ? ADW_RESPONSE_DEFAULT : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "video",
                                              video ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DEFAULT);
  adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "video",
                                         video ? _("_Video") : _("Accept with _Video"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), video ? "video" : "audio");
}

static void
confab_incoming_call_dialog_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  ConfabIncomingCallDialog *self = CONFAB_INCOMING_CALL_DIALOG (object);

  switch (prop_id)
    {
    case PROP_INVITATION:
      g_value_set_object (value, self->invitation);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_incoming_call_dialog_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  ConfabIncomingCallDialog *self = CONFAB_INCOMING_CALL_DIALOG (object);

  switch (prop_id)
    {
    case PROP_INVITATION:
      self->invitation = g_value_dup_object (value);
      update (self);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_incoming_call_dialog_dispose (GObject *object)
{
  ConfabIncomingCallDialog *self = CONFAB_INCOMING_CALL_DIALOG (object);

  g_clear_object (&self->invitation);

  G_OBJECT_CLASS (confab_incoming_call_dialog_parent_class)->dispose (object);
}

static void
confab_incoming_call_dialog_class_init (ConfabIncomingCallDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = confab_incoming_call_dialog_get_property;
  object_class->set_property = confab_incoming_call_dialog_set_property;
  object_class->dispose = confab_incoming_call_dialog_dispose;

  /**
   * ConfabIncomingCallDialog:invitation:
   *
   * The invitation answered by this dialog.
   */
  properties[PROP_INVITATION] =
    g_param_spec_object ("invitation", NULL, NULL,
                         CONFAB_TYPE_RECEIVED_CALL_INVITATION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/confab/Confab/confab-incoming-call-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabIncomingCallDialog, avatar);
}

static void
confab_incoming_call_dialog_init (ConfabIncomingCallDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
confab_incoming_call_dialog_new (GtkWindow                    *parent,
                                 ConfabReceivedCallInvitation *invitation)
{
  g_return_val_if_fail (CONFAB_IS_RECEIVED_CALL_INVITATION (invitation), NULL);

  return g_object_new (CONFAB_TYPE_INCOMING_CALL_DIALOG,
                       "transient-for", parent,
                       "invitation", invitation,
                       NULL);
}

ConfabReceivedCallInvitation *
confab_incoming_call_dialog_get_invitation (ConfabIncomingCallDialog *self)
{
  g_return_val_if_fail (CONFAB_IS_INCOMING_CALL_DIALOG (self), NULL);

  return self->invitation;
}
