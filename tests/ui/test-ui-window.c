/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-window.c: the real ConfabWindow, signed in to a real confab-server
 *
 * Drives the sign-in form, receives a message from a second ConfabSession, answers it
 * through the chat view, watches the connection banner while the server restarts, and
 * saves a screenshot of the window (tests/ui/confab-main-window.png in the build dir).
 */

#define G_LOG_DOMAIN "test-ui-window"

#include "config.h"

#include <adwaita.h>
#include <confab.h>
#include <string.h>

#include "confab-application.h"
#include "confab-chat-view.h"
#include "confab-message-row.h"
#include "confab-resources.h"
#include "confab-sign-in-page.h"
#include "confab-test-server.h"
#include "confab-test-util.h"
#include "confab-window.h"

#define WAIT_MS 20000

static ConfabApplication *app;

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

static void
collect_widgets (GtkWidget  *widget,
                 GType       type,
                 GPtrArray  *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_widgets (c, type, out);
}

static gboolean
page_not_busy (gpointer data)
{
  return !confab_sign_in_page_get_busy (CONFAB_SIGN_IN_PAGE (data));
}

static gboolean
window_has_session (gpointer data)
{
  return confab_window_get_session (CONFAB_WINDOW (data)) != NULL;
}

static gboolean
model_not_empty (gpointer data)
{
  GtkListView *view = data;
  GtkSelectionModel *model = gtk_list_view_get_model (view);

  return model != NULL && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0;
}

static gboolean
revealer_shown (gpointer data)
{
  return gtk_revealer_get_reveal_child (GTK_REVEALER (data));
}

static gboolean
revealer_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (GTK_REVEALER (data));
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct {
  GtkWidget  *view;
  const char *texts[4];
} RowsCheck;

/* TRUE when the message rows drawn, in order, show exactly check->texts. */
static gboolean
rows_show (gpointer data)
{
  RowsCheck *check = data;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  guint n_texts = 0;

  while (n_texts < G_N_ELEMENTS (check->texts) && check->texts[n_texts] != NULL)
    n_texts++;

  collect_widgets (check->view, CONFAB_TYPE_MESSAGE_ROW, rows);
  if (rows->len != n_texts)
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      GtkLabel *label = child (rows->pdata[i], CONFAB_TYPE_MESSAGE_ROW, "text_label");

      if (g_strcmp0 (gtk_label_get_label (label), check->texts[i]) != 0)
        return FALSE;
    }

  return TRUE;
}

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;

  uuid = confab_contact_send_message_finish (CONFAB_CONTACT (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uuid);
  *done = TRUE;
}

typedef struct {
  char    *text;
  char    *from;
} Received;

static void
on_contact_message (ConfabSession *session,
                    ConfabContact *contact,
                    ConfabMessage *message,
                    Received      *received)
{
  g_free (received->text);
  g_free (received->from);
  received->text = g_strdup (confab_message_get_text (message));
  received->from = g_strdup (confab_contact_get_id (contact));
}

static gboolean
received_something (gpointer data)
{
  return ((Received *) data)->text != NULL;
}

static gboolean
last_outgoing_acknowledged (gpointer data)
{
  GListModel *messages = data;
  guint n = g_list_model_get_n_items (messages);
  g_autoptr(ConfabMessage) last = NULL;
  ConfabMessageStatus status;

  if (n == 0)
    return FALSE;

  last = g_list_model_get_item (messages, n - 1);
  status = confab_message_get_status (last);

  return status == CONFAB_MESSAGE_STATUS_SENT || status == CONFAB_MESSAGE_STATUS_STORED;
}

static void
fill_sign_in (ConfabWindow     *window,
              ConfabTestServer *server,
              const char       *api_key,
              const char       *user_id)
{
  ConfabSignInPage *page = child (window, CONFAB_TYPE_WINDOW, "sign_in_page");

  gtk_editable_set_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "server_row"),
                         confab_test_server_get_url (server));
  adw_combo_row_set_selected (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "kind_row"), 1);
  gtk_editable_set_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "user_id_row"), user_id);
  gtk_editable_set_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "username_row"), "Alice Liddell");
  gtk_editable_set_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "secret_row"), api_key);
}

static ConfabWindow *
new_window (void)
{
  ConfabWindow *window = confab_window_new (GTK_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  confab_test_run_for (100);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));

  return window;
}

static void
close_window (ConfabWindow *window)
{
  ConfabWindow *weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &weak);
  gtk_window_close (GTK_WINDOW (window));
  confab_test_wait_until (pointer_cleared, &weak, WAIT_MS, "the window to go away");
}

static void
assert_png (const char *path,
            int         min_width,
            int         min_height)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint32 width;
  guint32 height;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 8 + 25);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (contents + 12, 4, "IHDR", 4);
  memcpy (&width, contents + 16, sizeof width);
  memcpy (&height, contents + 20, sizeof height);
  width = GUINT32_FROM_BE (width);
  height = GUINT32_FROM_BE (height);
  g_test_message ("%s: %u×%u, %" G_GSIZE_FORMAT " bytes", path, width, height, len);
  g_assert_cmpuint (width, >=, min_width);
  g_assert_cmpuint (height, >=, min_height);
  /* a drawn window, not a blank image */
  g_assert_cmpuint (len, >, 10000);
}

static char *
output_path (const char *name)
{
  const char *dir = g_getenv ("CONFAB_UI_OUTDIR");

  return g_build_filename (dir != NULL ? dir : ".", name, NULL);
}

static void
test_sign_in_refused (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = new_window ();
  ConfabSignInPage *page = child (window, CONFAB_TYPE_WINDOW, "sign_in_page");
  GtkLabel *error_label = child (page, CONFAB_TYPE_SIGN_IN_PAGE, "error_label");
  GtkStack *stack = child (window, CONFAB_TYPE_WINDOW, "stack");
  g_autofree char *path = output_path ("confab-sign-in.png");

  /* a malformed address is refused before anything is sent */
  fill_sign_in (window, server, "not-the-key", "alice");
  gtk_editable_set_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "server_row"), "http://nowhere");
  gtk_widget_activate_action (GTK_WIDGET (page), "sign-in.submit", NULL);
  g_assert_false (confab_sign_in_page_get_busy (page));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "ws://"));

  /* a wrong key is refused by the server */
  fill_sign_in (window, server, "not-the-key", "alice");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  gtk_widget_activate_action (GTK_WIDGET (page), "sign-in.submit", NULL);
  g_assert_true (confab_sign_in_page_get_busy (page));
  confab_test_wait_until (page_not_busy, page, WAIT_MS, "the sign-in to fail");

  g_assert_null (confab_window_get_session (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "sign-in");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_cmpstr (gtk_label_get_label (error_label), ==, "The login, password or API key is not right.");

  confab_test_run_for (100);
  g_assert_true (confab_window_save_screenshot (window, path, NULL));
  assert_png (path, 360, 294);

  /* nobody listening: a clear error, still on the sign-in page */
  confab_test_server_stop (server);
  gtk_widget_activate_action (GTK_WIDGET (page), "sign-in.submit", NULL);
  confab_test_wait_until (page_not_busy, page, WAIT_MS, "the sign-in to fail without a server");
  g_assert_null (confab_window_get_session (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "sign-in");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_test_message ("without a server: %s", gtk_label_get_label (error_label));
  g_assert_cmpstr (gtk_label_get_label (error_label), !=, "");

  close_window (window);
}

static gboolean
at_bottom (gpointer data)
{
  GtkAdjustment *adj = data;

  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) &&
         gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj) - 2;
}

typedef struct {
  GListModel *model;
  guint       n_items;
} CountCheck;

static gboolean
has_n_items (gpointer data)
{
  CountCheck *check = data;

  return g_list_model_get_n_items (check->model) >= check->n_items;
}

static void
test_follow_new_messages (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(ConfabSession) bob = NULL;
  ConfabWindow *window = new_window ();
  ConfabSignInPage *page = child (window, CONFAB_TYPE_WINDOW, "sign_in_page");
  ConfabChatView *chat_view = child (window, CONFAB_TYPE_WINDOW, "chat_view");
  GtkScrolledWindow *scrolled = child (chat_view, CONFAB_TYPE_CHAT_VIEW, "scrolled_window");
  GtkRevealer *scroll_button = child (chat_view, CONFAB_TYPE_CHAT_VIEW, "scroll_button_revealer");
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scrolled);
  ConfabContact *to_alice;
  ConfabContact *contact;
  CountCheck count;
  gboolean sent = FALSE;

  fill_sign_in (window, server, confab_test_server_get_api_key (server), "alice");
  gtk_widget_activate_action (GTK_WIDGET (page), "sign-in.submit", NULL);
  confab_test_wait_until (window_has_session, window, WAIT_MS, "the sign-in");

  bob = test_register_guest (server, "bob", "Bob");
  to_alice = confab_session_get_or_create_contact (bob, "alice");
  contact = confab_window_open_contact (window, "bob", NULL);
  g_assert_nonnull (contact);

  /* a screenful and more: the view follows them to the bottom */
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message number %u", i);

      confab_contact_send_message_async (to_alice, text, NULL, NULL, NULL);
    }
  count.model = confab_contact_get_messages (contact);
  count.n_items = 40;
  confab_test_wait_until (has_n_items, &count, WAIT_MS, "40 messages");
  confab_test_wait_until (at_bottom, adj, WAIT_MS, "the view to follow to the bottom");
  g_assert_true (confab_chat_view_get_at_bottom (chat_view));
  g_assert_false (gtk_revealer_get_reveal_child (scroll_button));

  /* the reader scrolls up: a new message does not pull the view down */
  gtk_adjustment_set_value (adj, 0);
  confab_test_run_for (100);
  g_assert_false (confab_chat_view_get_at_bottom (chat_view));
  g_assert_true (gtk_revealer_get_reveal_child (scroll_button));
  confab_contact_send_message_async (to_alice, "One more", NULL, on_sent, &sent);
  count.n_items = 41;
  confab_test_wait_until (has_n_items, &count, WAIT_MS, "the 41st message");
  confab_test_run_for (100);
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), <, 1.0);
  g_assert_false (confab_chat_view_get_at_bottom (chat_view));

  /* the button brings it back, and it follows again */
  gtk_widget_activate_action (GTK_WIDGET (chat_view), "chat.scroll-to-bottom", NULL);
  confab_test_wait_until (at_bottom, adj, WAIT_MS, "the view to jump to the bottom");
  g_assert_true (confab_chat_view_get_at_bottom (chat_view));
  g_assert_false (gtk_revealer_get_reveal_child (scroll_button));

  /* signing out brings the form back, without the key */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL);
  g_assert_null (confab_window_get_session (window));
  g_assert_null (confab_window_get_contact (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (window, CONFAB_TYPE_WINDOW, "stack")), ==, "sign-in");
  g_assert_cmpstr (gtk_editable_get_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "secret_row")), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (child (page, CONFAB_TYPE_SIGN_IN_PAGE, "user_id_row")), ==, "alice");

  close_window (window);
}

static void
test_chat (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(ConfabSession) bob = NULL;
  ConfabWindow *window = new_window ();
  ConfabSignInPage *page = child (window, CONFAB_TYPE_WINDOW, "sign_in_page");
  GtkStack *stack = child (window, CONFAB_TYPE_WINDOW, "stack");
  GtkListView *contacts_view = child (window, CONFAB_TYPE_WINDOW, "contacts_view");
  GtkRevealer *banner = child (window, CONFAB_TYPE_WINDOW, "banner_revealer");
  ConfabChatView *chat_view = child (window, CONFAB_TYPE_WINDOW, "chat_view");
  GtkEntry *entry = child (chat_view, CONFAB_TYPE_CHAT_VIEW, "message_entry");
  g_autofree char *path = output_path ("confab-main-window.png");
  ConfabContact *to_alice;
  ConfabContact *contact;
  Received received = { NULL, NULL };
  RowsCheck rows = { GTK_WIDGET (chat_view), { NULL } };
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *remembered = NULL;
  gboolean sent = FALSE;

  /* sign in through the form */
  fill_sign_in (window, server, confab_test_server_get_api_key (server), "alice");
  gtk_widget_activate_action (GTK_WIDGET (page), "sign-in.submit", NULL);
  confab_test_wait_until (window_has_session, window, WAIT_MS, "the sign-in");
  g_assert_cmpstr (confab_session_get_id (confab_window_get_session (window)), ==, "alice");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "main");
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  /* the form is remembered, the key is not */
  settings = g_settings_new ("org.confab.Confab");
  remembered = g_settings_get_string (settings, "user-id");
  g_assert_cmpstr (remembered, ==, "alice");
  g_clear_pointer (&remembered, g_free);
  remembered = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (remembered, ==, confab_test_server_get_url (server));
  g_assert_cmpstr (g_settings_get_enum (settings, "account-kind") == 1 ? "guest" : "account", ==, "guest");

  /* a second user writes: the contact appears in the sidebar */
  bob = test_register_guest (server, "bob", "Bob");
  g_signal_connect (bob, "contact-message", G_CALLBACK (on_contact_message), &received);
  to_alice = confab_session_get_or_create_contact (bob, "alice");
  confab_contact_send_message_async (to_alice, "Hello Alice, are you there?", NULL, on_sent, &sent);
  confab_test_wait_until (model_not_empty, contacts_view, WAIT_MS, "bob in the contacts");

  /* opening the chat shows the message */
  contact = confab_window_open_contact (window, "bob", NULL);
  g_assert_nonnull (contact);
  g_assert_true (confab_window_get_contact (window) == contact);
  g_assert_true (confab_chat_view_get_contact (chat_view) == contact);
  rows.texts[0] = "Hello Alice, are you there?";
  confab_test_wait_until (rows_show, &rows, WAIT_MS, "the incoming message row");

  /* a bad id is refused and changes nothing */
  g_assert_null (confab_window_open_contact (window, "not an id!", NULL));
  g_assert_true (confab_window_get_contact (window) == contact);

  /* answering through the composer reaches bob, and the bubble gets its mark */
  gtk_editable_set_text (GTK_EDITABLE (entry), "Yes, hello Bob!");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  confab_test_wait_until (received_something, &received, WAIT_MS, "bob to receive the answer");
  g_assert_cmpstr (received.text, ==, "Yes, hello Bob!");
  g_assert_cmpstr (received.from, ==, "alice");
  confab_test_wait_until (last_outgoing_acknowledged, confab_contact_get_messages (contact), WAIT_MS,
              "the answer to be acknowledged");
  rows.texts[1] = "Yes, hello Bob!";
  confab_test_wait_until (rows_show, &rows, WAIT_MS, "the outgoing message row");
  g_assert_true (confab_chat_view_get_at_bottom (chat_view));

  /* whitespace is not sent */
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_signal_emit_by_name (entry, "activate");
  confab_test_run_for (100);
  g_assert_cmpuint (g_list_model_get_n_items (confab_contact_get_messages (contact)), ==, 2);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");

  confab_test_run_for (100);
  g_assert_true (confab_window_save_screenshot (window, path, NULL));
  assert_png (path, 360, 294);

  /* the banner shows while the server is away, and goes once reconnected */
  g_signal_handlers_disconnect_by_data (bob, &received);
  confab_test_server_stop (server);
  confab_test_wait_until (revealer_shown, banner, WAIT_MS, "the reconnecting banner");
  g_assert_cmpint (confab_session_get_state (confab_window_get_session (window)), ==,
                   CONFAB_SESSION_STATE_RECONNECTING);
  confab_test_server_restart (server);
  confab_test_wait_until (revealer_hidden, banner, 60000, "the banner to go after reconnecting");
  g_assert_cmpint (confab_session_get_state (confab_window_get_session (window)), ==,
                   CONFAB_SESSION_STATE_CONNECTED);

  close_window (window);
  g_free (received.text);
  g_free (received.from);
}

static gboolean
about_window_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (w))
        {
          *(gpointer *) data = w;
          return TRUE;
        }
    }

  return FALSE;
}

static void
test_about (void)
{
  ConfabWindow *window = new_window ();
  gpointer about = NULL;

  /* the shortcuts window comes from the resources */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  confab_test_wait_until (about_window_shown, &about, WAIT_MS, "the about window");
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Confab");
  gtk_window_destroy (GTK_WINDOW (about));

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }

  g_test_init (&argc, &argv, NULL);

  (void) confab_get_resource ();

  app = confab_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  /* screenshots show the end of transitions, not their middle */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  /* keeps the application up between windows */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/ui/window/sign-in-refused", test_sign_in_refused);
  g_test_add_func ("/ui/window/chat", test_chat);
  g_test_add_func ("/ui/window/follow-new-messages", test_follow_new_messages);
  g_test_add_func ("/ui/window/about", test_about);

  status = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);

  return status;
}
