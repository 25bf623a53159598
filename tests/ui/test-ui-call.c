/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-call.c: calls in the real ConfabWindow, against a real confab-server
 *
 * The window (alice) and a second in-process ConfabSession (bob) call each other with
 * solid-colour test patterns (alice red, bob blue or green): the call view must show
 * bob's colour large and alice's in the self-view, its controls must reach bob (mute
 * and camera → remote-stream-updated), hang-up ends both sides. Incoming calls show
 * the dialog and ring until answered, declined or given up. The speaker picked in the
 * settings plays the call and can be changed mid-call (two test speakers from a device
 * provider registered here). Saves
 * tests/ui/confab-call-view.png (build dir).
 */

#define G_LOG_DOMAIN "test-ui-call"

#include "config.h"

#include <adwaita.h>
#include <confab.h>
#include <string.h>

#include "confab-application.h"
#include "confab-call-view.h"
#include "confab-contact-row.h"
#include "confab-incoming-call-dialog.h"
#include "confab-resources.h"
#include "confab-test-server.h"
#include "confab-test-speaker.h"
#include "confab-test-util.h"
#include "confab-video-paintable.h"
#include "confab-window.h"

#define WAIT_MS 30000

#define RED   "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff0000"
#define BLUE  "videotestsrc is-live=true pattern=solid-color foreground-color=0xff0000ff"
#define GREEN "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00ff00"

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

static gboolean
pointer_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static char *
output_path (const char *name)
{
  const char *dir = g_getenv ("CONFAB_UI_OUTDIR");

  return g_build_filename (dir != NULL ? dir : ".", name, NULL);
}

/* the second party, bob */

typedef struct {
  ConfabSession *session;
  ConfabCall    *call;
  ConfabStream  *stream;
  const char    *source;          /* CONFAB_VIDEOSRC for its stream */
  gboolean       auto_accept;
  gboolean       remote_audio_enabled;
  gboolean       remote_video_enabled;
  guint          remote_updates;
  guint          streams_added;
  char          *declined;
  char          *hangup_from;
  gboolean       ended;
} Peer;

static void
on_peer_call_declined (ConfabCall *call,
                       const char *reason,
                       Peer       *peer)
{
  g_free (peer->declined);
  peer->declined = g_strdup (reason);
}

static void
on_peer_call_hangup (ConfabCall *call,
                     const char *from,
                     const char *reason,
                     Peer       *peer)
{
  g_test_message ("bob's call ended from %s: %s", from, reason);
  g_free (peer->hangup_from);
  peer->hangup_from = g_strdup (from);
}

static void
on_peer_call_status (ConfabCall *call,
                     GParamSpec *pspec,
                     Peer       *peer)
{
  if (confab_call_get_status (call) == CONFAB_CALL_STATUS_ENDED)
    peer->ended = TRUE;
}

static void
on_peer_remote_stream_updated (ConfabCall   *call,
                               ConfabStream *stream,
                               Peer         *peer)
{
  peer->remote_updates++;
  peer->remote_audio_enabled = confab_stream_get_audio_enabled (stream);
  peer->remote_video_enabled = confab_stream_get_video_enabled (stream);
  g_test_message ("bob: alice's stream now audio %d video %d",
                  peer->remote_audio_enabled, peer->remote_video_enabled);
}

static void
on_peer_stream_added (ConfabCall   *call,
                      ConfabStream *stream,
                      Peer         *peer)
{
  peer->streams_added++;
  g_test_message ("bob receives stream %s (screen %d)", confab_stream_get_id (stream),
                  confab_stream_get_is_screensharing (stream));
}

static gboolean
peer_has_two_streams (gpointer data)
{
  return ((Peer *) data)->streams_added >= 2;
}

static void
peer_watch_call (Peer       *peer,
                 ConfabCall *call)
{
  g_set_object (&peer->call, call);
  peer->ended = FALSE;
  peer->remote_updates = 0;
  peer->streams_added = 0;
  peer->remote_audio_enabled = TRUE;
  peer->remote_video_enabled = TRUE;
  g_clear_pointer (&peer->declined, g_free);
  g_clear_pointer (&peer->hangup_from, g_free);

  g_signal_connect (call, "declined", G_CALLBACK (on_peer_call_declined), peer);
  g_signal_connect (call, "hangup", G_CALLBACK (on_peer_call_hangup), peer);
  g_signal_connect (call, "notify::status", G_CALLBACK (on_peer_call_status), peer);
  g_signal_connect (call, "remote-stream-updated", G_CALLBACK (on_peer_remote_stream_updated), peer);
  g_signal_connect (call, "stream-added", G_CALLBACK (on_peer_stream_added), peer);
}

static ConfabStream *
peer_make_stream (Peer     *peer,
                  gboolean  video)
{
  g_autoptr(ConfabStreamOptions) options = confab_stream_options_new ();
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;
  ConfabStream *stream;

  /* the library reads the source from the environment when the stream is made */
  g_setenv ("CONFAB_VIDEOSRC", peer->source, TRUE);
  confab_stream_options_set_video (options, video);
  variant = confab_stream_options_to_variant (options);
  stream = confab_stream_new_local (variant, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);

  return stream;
}

static void
on_peer_accepted (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  ConfabCall *call;

  call = confab_received_call_invitation_accept_finish (CONFAB_RECEIVED_CALL_INVITATION (object), result, &error);
  g_assert_no_error (error);
  peer_watch_call (peer, call);
}

static void
on_peer_incoming_call (ConfabSession                *session,
                       ConfabReceivedCallInvitation *invitation,
                       Peer                         *peer)
{
  if (!peer->auto_accept)
    return;

  g_clear_object (&peer->stream);
  peer->stream = peer_make_stream (peer, TRUE);
  confab_received_call_invitation_accept_async (invitation, peer->stream, NULL, on_peer_accepted, peer);
}

static void
peer_init (Peer             *peer,
           ConfabTestServer *server,
           const char       *source)
{
  memset (peer, 0, sizeof *peer);
  peer->source = source;
  peer->session = test_register_guest (server, "bob", "Bob Marley");
  g_signal_connect (peer->session, "incoming-call", G_CALLBACK (on_peer_incoming_call), peer);
}

static void
peer_clear (Peer *peer)
{
  if (peer->call != NULL)
    g_signal_handlers_disconnect_by_data (peer->call, peer);
  g_signal_handlers_disconnect_by_data (peer->session, peer);
  if (peer->stream != NULL)
    confab_stream_release (peer->stream);
  g_clear_object (&peer->stream);
  g_clear_object (&peer->call);
  g_clear_object (&peer->session);
  g_clear_pointer (&peer->declined, g_free);
  g_clear_pointer (&peer->hangup_from, g_free);
}

static gboolean
peer_ended (gpointer data)
{
  return ((Peer *) data)->ended;
}


/* Speakers for the window: a device provider registered in this process before any
 * window lists its devices, offering two speakers whose fakesinks count what they
 * play (on the streaming thread, hence atomics). The app finds them through the
 * library's device list like any PulseAudio or PipeWire output. */

static gint speaker_buffers[2];
static const char *speaker_names[2] = { "Test speaker A", "Test speaker B" };

#define TEST_TYPE_SPEAKER_PROVIDER (test_speaker_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestSpeakerProvider, test_speaker_provider, TEST, SPEAKER_PROVIDER, GstDeviceProvider)

struct _TestSpeakerProvider
{
  GstDeviceProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (TestSpeakerProvider, test_speaker_provider, GST_TYPE_DEVICE_PROVIDER)

static GList *
test_speaker_provider_probe (GstDeviceProvider *provider)
{
  GList *devices = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (speaker_names); i++)
    devices = g_list_append (devices, confab_test_speaker_new (speaker_names[i], "Audio/Sink",
                                                               &speaker_buffers[i]));

  return devices;
}

static void
test_speaker_provider_class_init (TestSpeakerProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  provider_class->probe = test_speaker_provider_probe;
  gst_device_provider_class_set_static_metadata (provider_class, "Confab test speakers", "Audio/Sink",
                                                 "Two speakers that count what they play",
                                                 "Confab Developers");
}

static void
test_speaker_provider_init (TestSpeakerProvider *self)
{
}

static gboolean
register_test_speakers (GstPlugin *plugin)
{
  return gst_device_provider_register (plugin, "confabtestspeakers", GST_RANK_PRIMARY,
                                       TEST_TYPE_SPEAKER_PROVIDER);
}

/* the window, alice */

static void
on_window_signed_in (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (confab_window_sign_in_finish (CONFAB_WINDOW (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static ConfabWindow *
signed_in_window (ConfabTestServer *server)
{
  ConfabWindow *window = confab_window_new (GTK_APPLICATION (app));
  g_autoptr(ConfabRegisterInformation) info = confab_register_information_new ();
  g_autofree char *uri = g_strconcat ("apiKey:", confab_test_server_get_api_key (server), NULL);
  gboolean done = FALSE;

  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 720);
  gtk_window_present (GTK_WINDOW (window));

  confab_register_information_set_server_url (info, confab_test_server_get_url (server));
  confab_register_information_set_user_id (info, "alice");
  confab_register_information_set_username (info, "Alice Liddell");
  confab_window_sign_in_async (window, uri, info, NULL, on_window_signed_in, &done);
  confab_test_wait_until (flag_set, &done, WAIT_MS, "alice to sign in");

  /* alice's camera shows red */
  g_setenv ("CONFAB_VIDEOSRC", RED, TRUE);

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

static gboolean
window_in_call (gpointer data)
{
  ConfabCall *call = confab_window_get_call (CONFAB_WINDOW (data));

  return call != NULL && confab_call_get_status (call) == CONFAB_CALL_STATUS_ONGOING;
}

static gboolean
window_out_of_call (gpointer data)
{
  return confab_window_get_call (CONFAB_WINDOW (data)) == NULL;
}

typedef struct {
  ConfabVideoPaintable *paintable;
  guint64               n_frames;
} FramesCheck;

static gboolean
has_frames (gpointer data)
{
  FramesCheck *check = data;

  return confab_video_paintable_get_n_frames (check->paintable) >= check->n_frames;
}

typedef enum { COLOR_RED, COLOR_GREEN, COLOR_BLUE } Color;

static void
assert_color (ConfabVideoPaintable *paintable,
              Color                 color)
{
  GdkRGBA rgba;
  double channel[3];

  g_assert_true (confab_video_paintable_get_center_color (paintable, &rgba));
  g_test_message ("centre colour %.2f %.2f %.2f", rgba.red, rgba.green, rgba.blue);
  channel[0] = rgba.red;
  channel[1] = rgba.green;
  channel[2] = rgba.blue;

  for (int i = 0; i < 3; i++)
    {
      if (i == (int) color)
        g_assert_cmpfloat (channel[i], >, 0.75);
      else
        g_assert_cmpfloat (channel[i], <, 0.25);
    }
}

/* the paintable's centre is mostly red (a predicate for confab_test_wait_until) */
static gboolean
shows_red (gpointer data)
{
  GdkRGBA rgba;

  return confab_video_paintable_get_center_color (CONFAB_VIDEO_PAINTABLE (data), &rgba) &&
         rgba.red > 0.75 && rgba.green < 0.25 && rgba.blue < 0.25;
}

static void
on_screen_shared_peer (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean *done = user_data;

  g_assert_true (confab_call_share_screen_finish (CONFAB_CALL (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
dialog_shown (gpointer data)
{
  return confab_window_get_incoming_dialog (CONFAB_WINDOW (data)) != NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return confab_window_get_incoming_dialog (CONFAB_WINDOW (data)) == NULL;
}

static gboolean
widget_visible (gpointer data)
{
  return gtk_widget_get_visible (GTK_WIDGET (data));
}

static gboolean
widget_hidden (gpointer data)
{
  return !gtk_widget_get_visible (GTK_WIDGET (data));
}

/* TRUE when @widget's shortcut controllers bind @accel to @action. */
static gboolean
has_shortcut (GtkWidget  *widget,
              const char *accel,
              const char *action)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  guint key;
  GdkModifierType modifiers;

  g_assert_true (gtk_accelerator_parse (accel, &key, &modifiers));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *shortcut_action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) && GTK_IS_NAMED_ACTION (shortcut_action) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == key &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == modifiers &&
              g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (shortcut_action)), action) == 0)
            return gtk_shortcut_controller_get_scope (GTK_SHORTCUT_CONTROLLER (controller)) == GTK_SHORTCUT_SCOPE_MANAGED;
        }
    }

  return FALSE;
}

typedef struct {
  ConfabWindow *window;
  const char   *path;
  gboolean      done;
  gboolean      saved;
} Shot;

/* After a paint every widget is allocated: the moment to snapshot the window. */
static void
on_after_paint (GdkFrameClock *clock,
                Shot          *shot)
{
  g_autoptr(GError) error = NULL;

  g_signal_handlers_disconnect_by_func (clock, on_after_paint, shot);
  shot->saved = confab_window_save_screenshot (shot->window, shot->path, &error);
  g_assert_no_error (error);
  shot->done = TRUE;
}

static void
save_screenshot (ConfabWindow *window,
                 const char   *name)
{
  g_autofree char *path = output_path (name);
  g_autofree char *contents = NULL;
  Shot shot = { window, path, FALSE, FALSE };
  gsize len = 0;

  confab_test_run_for (100);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), &shot);
  gtk_widget_queue_draw (GTK_WIDGET (window));
  confab_test_wait_until (flag_set, &shot.done, WAIT_MS, "a paint");
  g_assert_true (shot.saved);

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_test_message ("saved %s (%" G_GSIZE_FORMAT " bytes)", path, len);
}

static void
test_call_refused (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  GtkStack *stack = child (window, CONFAB_TYPE_WINDOW, "stack");
  const char *bad[] = { "alice", "not an id!", "" };

  /* calling yourself or a bad id is refused, nothing changes */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.call-video", "s", bad[i]);
      confab_test_run_for (100);
      g_assert_null (confab_window_get_call (window));
      g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "main");
      g_assert_true (gtk_widget_is_sensitive (child (window, CONFAB_TYPE_WINDOW, "call_video_button")) ||
                     !gtk_widget_get_visible (child (window, CONFAB_TYPE_WINDOW, "call_video_button")));
    }

  close_window (window);
}

typedef struct {
  Peer     *peer;
  gboolean  audio;
  gboolean  video;
} PeerSees;

static gboolean
peer_sees (gpointer data)
{
  PeerSees *sees = data;

  return sees->peer->remote_audio_enabled == sees->audio &&
         sees->peer->remote_video_enabled == sees->video;
}

static gboolean
widget_has_size (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Renders a toplevel such as a dialog into a PNG. */
static void
save_window_screenshot (GtkWidget  *window,
                        const char *name)
{
  g_autofree char *path = output_path (name);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  GdkRGBA background;

  confab_test_wait_until (widget_has_size, window, WAIT_MS, "the window to be drawn");
  confab_test_run_for (100);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  gdk_rgba_parse (&background, "#fafafa");
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s", path);
}

static void
test_outgoing_video_call (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  ConfabCallView *view = confab_window_get_call_view (window);
  GtkStack *stack = child (window, CONFAB_TYPE_WINDOW, "stack");
  GtkStack *view_stack = child (view, CONFAB_TYPE_CALL_VIEW, "stack");
  GtkStack *remote_stack = child (view, CONFAB_TYPE_CALL_VIEW, "remote_stack");
  GtkWidget *self_view = child (view, CONFAB_TYPE_CALL_VIEW, "self_view");
  GtkWidget *muted_badge = child (view, CONFAB_TYPE_CALL_VIEW, "remote_muted_badge");
  AdwWindowTitle *title = child (view, CONFAB_TYPE_CALL_VIEW, "title");
  GtkToggleButton *microphone_button = child (view, CONFAB_TYPE_CALL_VIEW, "microphone_button");
  FramesCheck remote = { confab_call_view_get_remote_paintable (view), 5 };
  FramesCheck self = { confab_call_view_get_self_paintable (view), 5 };
  PeerSees sees = { NULL, TRUE, TRUE };
  Peer bob;

  peer_init (&bob, server, BLUE);
  bob.auto_accept = TRUE;

  /* the chat's header offers both kinds of call */
  g_assert_nonnull (confab_window_open_contact (window, "bob", NULL));
  g_assert_true (gtk_widget_get_visible (child (window, CONFAB_TYPE_WINDOW, "call_audio_button")));
  g_assert_true (gtk_widget_get_visible (child (window, CONFAB_TYPE_WINDOW, "call_video_button")));
  g_assert_true (has_shortcut (GTK_WIDGET (view), "<Control>d", "call.mute-microphone"));
  g_assert_true (has_shortcut (GTK_WIDGET (view), "<Control>e", "call.stop-camera"));
  g_assert_true (has_shortcut (GTK_WIDGET (view), "<Control><Shift>h", "call.hang-up"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.call-video", "s", "bob"));
  confab_test_wait_until (window_in_call, window, WAIT_MS, "bob to accept");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "call");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (view_stack), ==, "ongoing");
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "Bob Marley");

  /* bob's blue large, alice's red small */
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "bob's video");
  confab_test_wait_until (has_frames, &self, WAIT_MS, "alice's self-view");
  assert_color (remote.paintable, COLOR_BLUE);
  assert_color (self.paintable, COLOR_RED);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (remote_stack), ==, "video");
  g_assert_true (gtk_widget_get_visible (self_view));
  g_assert_nonnull (strchr (adw_window_title_get_subtitle (title), ':'));

  /* frames keep coming: the view is live */
  remote.n_frames = confab_video_paintable_get_n_frames (remote.paintable) + 10;
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "more of bob's video");

  /* the statistics grade the connection */
  confab_test_wait_until (widget_visible, child (view, CONFAB_TYPE_CALL_VIEW, "quality_icon"), WAIT_MS,
              "the quality indicator");

  save_screenshot (window, "confab-call-view.png");

  /* mute: bob is told */
  sees.peer = &bob;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.mute-microphone", NULL));
  g_assert_true (confab_call_view_get_microphone_muted (view));
  g_assert_true (gtk_toggle_button_get_active (microphone_button));
  sees.audio = FALSE, sees.video = TRUE;
  confab_test_wait_until (peer_sees, &sees, WAIT_MS, "bob to hear of the mute");

  /* camera off: bob is told, the self-view goes */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.stop-camera", NULL));
  g_assert_true (confab_call_view_get_camera_off (view));
  g_assert_false (gtk_widget_get_visible (self_view));
  sees.audio = FALSE, sees.video = FALSE;
  confab_test_wait_until (peer_sees, &sees, WAIT_MS, "bob to hear of the camera");

  /* both back on */
  gtk_widget_activate_action (GTK_WIDGET (view), "call.mute-microphone", NULL);
  gtk_widget_activate_action (GTK_WIDGET (view), "call.stop-camera", NULL);
  g_assert_false (confab_call_view_get_microphone_muted (view));
  g_assert_false (confab_call_view_get_camera_off (view));
  g_assert_true (gtk_widget_get_visible (self_view));
  sees.audio = TRUE, sees.video = TRUE;
  confab_test_wait_until (peer_sees, &sees, WAIT_MS, "bob to hear of the unmute");

  /* bob mutes: alice sees it */
  confab_call_set_audio_enabled (bob.call, FALSE);
  confab_test_wait_until (widget_visible, muted_badge, WAIT_MS, "the muted badge");
  confab_call_set_audio_enabled (bob.call, TRUE);
  confab_test_wait_until (widget_hidden, muted_badge, WAIT_MS, "the muted badge to go");

  /* sharing the screen adds a stream at bob's; the call goes on */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.share-screen", NULL));
  confab_test_wait_until (peer_has_two_streams, &bob, WAIT_MS, "bob to receive the screen");
  remote.n_frames = confab_video_paintable_get_n_frames (remote.paintable) + 5;
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "bob's video after the screen share");

  /* a second call is refused while this one is on */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.call-audio", "s", "carol");
  confab_test_run_for (100);
  g_assert_true (confab_call_view_get_call (view) == confab_window_get_call (window));

  /* hang up: both ends end, the window goes back to the chat */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "call.hang-up", NULL));
  confab_test_wait_until (window_out_of_call, window, WAIT_MS, "the call to end here");
  confab_test_wait_until (peer_ended, &bob, WAIT_MS, "the call to end at bob's");
  g_assert_cmpstr (bob.hangup_from, ==, "remote");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "main");
  g_assert_null (confab_call_view_get_call (view));

  peer_clear (&bob);
  close_window (window);
}

static void
on_peer_call_placed (Peer       *peer,
                     gboolean    video)
{
  g_autoptr(GError) error = NULL;
  ConfabContact *alice = confab_session_get_or_create_contact (peer->session, "alice");
  ConfabCall *call;

  g_clear_object (&peer->stream);
  peer->stream = peer_make_stream (peer, video);
  call = confab_contact_call (alice, peer->stream,
                              video ? CONFAB_CALL_MEDIA_VIDEO : CONFAB_CALL_MEDIA_AUDIO, &error);
  g_assert_no_error (error);
  g_assert_nonnull (call);
  peer_watch_call (peer, call);
  /* alice's camera stays red */
  g_setenv ("CONFAB_VIDEOSRC", RED, TRUE);
}

static void
test_incoming_call_accepted (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  ConfabCallView *view = confab_window_get_call_view (window);
  FramesCheck remote = { confab_call_view_get_remote_paintable (view), 5 };
  ConfabIncomingCallDialog *dialog;
  Peer bob;

  peer_init (&bob, server, GREEN);
  on_peer_call_placed (&bob, TRUE);

  confab_test_wait_until (dialog_shown, window, WAIT_MS, "the incoming-call dialog");
  dialog = confab_window_get_incoming_dialog (window);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Incoming Video Call");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "Bob Marley"));
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "decline"));
  g_assert_true (confab_window_get_ringing (window));
  save_window_screenshot (GTK_WIDGET (dialog), "confab-call-incoming.png");

  /* accept with video from the dialog: the ring stops, the call shows bob's green */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "video");
  g_assert_false (confab_window_get_ringing (window));
  confab_test_wait_until (dialog_gone, window, WAIT_MS, "the dialog to close");
  confab_test_wait_until (window_in_call, window, WAIT_MS, "the call to be on");
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "bob's video");
  assert_color (remote.paintable, COLOR_GREEN);

  /* bob shares his (red) screen: it is shown large instead of his camera */
  {
    gboolean shared = FALSE;

    g_setenv ("CONFAB_SCREENSRC", "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff0000", TRUE);
    confab_call_share_screen_async (bob.call, NULL, on_screen_shared_peer, &shared);
    confab_test_wait_until (flag_set, &shared, WAIT_MS, "bob to share his screen");
    confab_test_wait_until (shows_red, remote.paintable, WAIT_MS, "bob's screen shown large");
    g_unsetenv ("CONFAB_SCREENSRC");
    save_screenshot (window, "confab-call-remote-screen.png");
  }

  /* bob hangs up */
  confab_call_hang_up (bob.call);
  confab_test_wait_until (window_out_of_call, window, WAIT_MS, "the call to end here");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (window, CONFAB_TYPE_WINDOW, "stack")), ==, "main");

  peer_clear (&bob);
  close_window (window);
}

static gboolean
label_says_ringing (gpointer data)
{
  return g_strcmp0 (gtk_label_get_label (GTK_LABEL (data)), "Ringing…") == 0;
}

static void
on_peer_invitation_cancelled (ConfabReceivedCallInvitation *invitation,
                              const char                   *reason,
                              char                        **out)
{
  *out = g_strdup (reason);
}

static void
on_peer_invited (ConfabSession                *session,
                 ConfabReceivedCallInvitation *invitation,
                 char                        **cancelled)
{
  g_signal_connect (invitation, "cancelled", G_CALLBACK (on_peer_invitation_cancelled), cancelled);
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
row_shown_get (gpointer window)
{
  return find_widget (child (window, CONFAB_TYPE_WINDOW, "contacts_view"), CONFAB_TYPE_CONTACT_ROW);
}

static gboolean
row_shown (gpointer window)
{
  return row_shown_get (window) != NULL;
}

static void
test_outgoing_call_cancelled (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  ConfabCallView *view = confab_window_get_call_view (window);
  GtkStack *view_stack = child (view, CONFAB_TYPE_CALL_VIEW, "stack");
  GtkLabel *status = child (view, CONFAB_TYPE_CALL_VIEW, "outgoing_status");
  g_autofree char *cancelled = NULL;
  GtkWidget *row;
  Peer bob;

  peer_init (&bob, server, BLUE);
  g_signal_connect (bob.session, "incoming-call", G_CALLBACK (on_peer_invited), &cancelled);

  /* from the contact list: an audio call; bob does not answer */
  g_assert_nonnull (confab_window_open_contact (window, "bob", NULL));
  confab_test_wait_until (row_shown, window, WAIT_MS, "bob's row in the contacts");
  row = row_shown_get (window);
  g_assert_true (gtk_widget_activate (child (row, CONFAB_TYPE_CONTACT_ROW, "call_audio_button")));
  confab_test_wait_until (label_says_ringing, status, WAIT_MS, "bob's client to ring");
  g_assert_nonnull (confab_window_get_call (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (view_stack), ==, "outgoing");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (window, CONFAB_TYPE_WINDOW, "stack")), ==, "call");
  /* no video: the camera cannot be turned off, the mute works before an answer */
  g_assert_false (gtk_widget_is_sensitive (child (view, CONFAB_TYPE_CALL_VIEW, "camera_button")));
  g_assert_cmpstr (gtk_label_get_label (child (view, CONFAB_TYPE_CALL_VIEW, "outgoing_name")), ==, "Bob Marley");
  save_screenshot (window, "confab-call-outgoing.png");

  /* cancel before an answer: bob's invitation is withdrawn */
  gtk_widget_activate_action (GTK_WIDGET (view), "call.hang-up", NULL);
  confab_test_wait_until (window_out_of_call, window, WAIT_MS, "the call to end");
  confab_test_wait_until (pointer_set, &cancelled, WAIT_MS, "bob's invitation to be withdrawn");
  g_test_message ("bob's invitation withdrawn: %s", cancelled);

  g_signal_handlers_disconnect_by_func (bob.session, on_peer_invited, &cancelled);
  peer_clear (&bob);
  close_window (window);
}

static gboolean
peer_declined (gpointer data)
{
  return ((Peer *) data)->declined != NULL;
}

static void
test_incoming_call_declined (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  ConfabIncomingCallDialog *dialog;
  Peer bob;

  peer_init (&bob, server, GREEN);
  on_peer_call_placed (&bob, FALSE);

  confab_test_wait_until (dialog_shown, window, WAIT_MS, "the incoming-call dialog");
  dialog = confab_window_get_incoming_dialog (window);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Incoming Call");
  g_assert_true (confab_window_get_ringing (window));

  /* a notification action for another call changes nothing */
  g_action_group_activate_action (G_ACTION_GROUP (app), "answer-call",
                                  g_variant_new ("(ss)", "no-such-call", "decline"));
  g_assert_true (confab_window_get_incoming_dialog (window) == dialog);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "decline");
  g_assert_false (confab_window_get_ringing (window));
  confab_test_wait_until (peer_declined, &bob, WAIT_MS, "bob to be declined");
  g_assert_cmpstr (bob.declined, ==, "User_Refused_Call");
  confab_test_wait_until (dialog_gone, window, WAIT_MS, "the dialog to close");
  g_assert_null (confab_window_get_call (window));

  peer_clear (&bob);
  close_window (window);
}

static void
test_incoming_call_cancelled (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window = signed_in_window (server);
  Peer bob;

  peer_init (&bob, server, GREEN);
  on_peer_call_placed (&bob, TRUE);

  confab_test_wait_until (dialog_shown, window, WAIT_MS, "the incoming-call dialog");
  g_assert_true (confab_window_get_ringing (window));

  /* bob gives up before alice answers: the dialog and the ring go */
  confab_call_hang_up (bob.call);
  confab_test_wait_until (dialog_gone, window, WAIT_MS, "the dialog to go");
  g_assert_false (confab_window_get_ringing (window));
  g_assert_null (confab_window_get_call (window));

  peer_clear (&bob);
  close_window (window);
}

/* A stand-in notification server on the session bus (org.freedesktop.Notifications),
 * on a connection of its own: it records what GIO sends and can click a button. */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

/* The server runs in a thread of its own: GIO may call it synchronously from the main
 * thread. What it records is read under the lock. */
typedef struct {
  GMutex           lock;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *connection;
  guint            owner_id;
  guint            object_id;
  gboolean         owned;
  guint32          last_id;
  char            *summary;
  char            *body;
  char            *category;
  char           **actions;
  guint32          closed_id;
} Notifier;

static void
on_notifier_method (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Notifier *notifier = user_data;
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);

  if (g_str_equal (method, "Notify"))
    {
      g_autoptr(GVariant) hints = NULL;
      const char *category = NULL;

      g_clear_pointer (&notifier->summary, g_free);
      g_clear_pointer (&notifier->body, g_free);
      g_clear_pointer (&notifier->category, g_free);
      g_clear_pointer (&notifier->actions, g_strfreev);
      g_variant_get (parameters, "(&su&sss^asa{sv}i)", NULL, NULL, NULL,
                     &notifier->summary, &notifier->body, &notifier->actions, NULL, NULL);
      hints = g_variant_get_child_value (parameters, 6);
      if (g_variant_lookup (hints, "category", "&s", &category))
        notifier->category = g_strdup (category);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", ++notifier->last_id));
    }
  else if (g_str_equal (method, "CloseNotification"))
    {
      g_variant_get (parameters, "(u)", &notifier->closed_id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ssss)", "test", "confab", "1", "1.2"));
    }
}

static void
on_notifier_name_acquired (GDBusConnection *connection,
                           const char      *name,
                           gpointer         user_data)
{
  Notifier *notifier = user_data;

  g_mutex_lock (&notifier->lock);
  notifier->owned = TRUE;
  g_mutex_unlock (&notifier->lock);
}

static gpointer
notifier_thread (gpointer data)
{
  static const GDBusInterfaceVTable vtable = { on_notifier_method, NULL, NULL, { 0 } };
  Notifier *notifier = data;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  g_main_context_push_thread_default (notifier->context);

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  notifier->connection =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);

  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  notifier->object_id = g_dbus_connection_register_object (notifier->connection,
                                                           "/org/freedesktop/Notifications",
                                                           info->interfaces[0], &vtable,
                                                           notifier, NULL, &error);
  g_assert_no_error (error);
  notifier->owner_id = g_bus_own_name_on_connection (notifier->connection, "org.freedesktop.Notifications",
                                                     G_BUS_NAME_OWNER_FLAGS_NONE,
                                                     on_notifier_name_acquired, NULL, notifier, NULL);

  g_main_loop_run (notifier->loop);

  g_bus_unown_name (notifier->owner_id);
  g_dbus_connection_unregister_object (notifier->connection, notifier->object_id);
  g_dbus_connection_close_sync (notifier->connection, NULL, NULL);
  g_clear_object (&notifier->connection);
  g_main_context_pop_thread_default (notifier->context);

  return NULL;
}

static gboolean
notifier_owned (gpointer data)
{
  Notifier *notifier = data;
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);

  return notifier->owned;
}

static void
notifier_start (Notifier *notifier)
{
  memset (notifier, 0, sizeof *notifier);
  g_mutex_init (&notifier->lock);
  notifier->context = g_main_context_new ();
  notifier->loop = g_main_loop_new (notifier->context, FALSE);
  notifier->thread = g_thread_new ("notifier", notifier_thread, notifier);
  confab_test_wait_until (notifier_owned, notifier, WAIT_MS, "the notification server's name");
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
notifier_stop (Notifier *notifier)
{
  g_main_context_invoke (notifier->context, quit_loop, notifier->loop);
  g_thread_join (notifier->thread);
  g_main_loop_unref (notifier->loop);
  g_main_context_unref (notifier->context);
  g_clear_pointer (&notifier->summary, g_free);
  g_clear_pointer (&notifier->body, g_free);
  g_clear_pointer (&notifier->category, g_free);
  g_clear_pointer (&notifier->actions, g_strfreev);
  g_mutex_clear (&notifier->lock);
}

/* Clicks the button labelled @label of the last notification. */
static void
notifier_click (Notifier   *notifier,
                const char *label)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);
  g_autoptr(GError) error = NULL;

  /* actions come in pairs: key, label */
  for (guint i = 0; notifier->actions != NULL && notifier->actions[i] != NULL && notifier->actions[i + 1] != NULL; i += 2)
    {
      if (g_strcmp0 (notifier->actions[i + 1], label) != 0)
        continue;

      g_dbus_connection_emit_signal (notifier->connection, NULL, "/org/freedesktop/Notifications",
                                     "org.freedesktop.Notifications", "ActionInvoked",
                                     g_variant_new ("(us)", notifier->last_id, notifier->actions[i]),
                                     &error);
      g_assert_no_error (error);
      return;
    }

  g_error ("the notification has no button “%s”", label);
}

static gboolean
notifier_notified (gpointer data)
{
  Notifier *notifier = data;
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);

  return notifier->summary != NULL;
}

static gboolean
notifier_closed (gpointer data)
{
  Notifier *notifier = data;
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);

  return notifier->closed_id != 0 && notifier->closed_id == notifier->last_id;
}

static void
notifier_forget (Notifier *notifier)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&notifier->lock);

  g_clear_pointer (&notifier->summary, g_free);
}

static gboolean
peer_ringing (gpointer data)
{
  Peer *peer = data;

  return peer->call != NULL && confab_call_get_status (peer->call) == CONFAB_CALL_STATUS_RINGING;
}

static gboolean
app_can_notify (gpointer data)
{
  return confab_application_can_notify (app);
}

static void
test_incoming_call_notification (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  ConfabWindow *window;
  FramesCheck remote = { NULL, 3 };
  Notifier notifier;
  Peer bob;

  window = signed_in_window (server);
  remote.paintable = confab_call_view_get_remote_paintable (confab_window_get_call_view (window));
  peer_init (&bob, server, GREEN);
  notifier_start (&notifier);
  confab_test_wait_until (app_can_notify, NULL, WAIT_MS, "the app to see the notification server");

  /* a call rings with a notification of the incoming-call category */
  on_peer_call_placed (&bob, TRUE);
  confab_test_wait_until (dialog_shown, window, WAIT_MS, "the incoming-call dialog");
  confab_test_wait_until (notifier_notified, &notifier, WAIT_MS, "the notification");
  g_test_message ("Notify: %s / %s (%s)", notifier.summary, notifier.body, notifier.category);
  g_assert_cmpstr (notifier.summary, ==, "Incoming Video Call");
  g_assert_nonnull (strstr (notifier.body, "Bob Marley"));
  g_assert_cmpstr (notifier.category, ==, "call.incoming");
  confab_test_wait_until (peer_ringing, &bob, WAIT_MS, "bob to hear the ring");

  /* its Accept button answers; the notification is withdrawn */
  notifier_click (&notifier, "Accept");
  confab_test_wait_until (window_in_call, window, WAIT_MS, "the call accepted from the notification");
  confab_test_wait_until (notifier_closed, &notifier, WAIT_MS, "the notification to be withdrawn");
  g_assert_false (confab_window_get_ringing (window));
  g_assert_null (confab_window_get_incoming_dialog (window));
  /* (hanging up while the media is still being set up can deadlock the media engine:
   * see the lead's notes; wait for the video) */
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "bob's video");
  confab_call_hang_up (bob.call);
  confab_test_wait_until (window_out_of_call, window, WAIT_MS, "the call to end");

  /* a call given up withdraws its notification */
  notifier_forget (&notifier);
  on_peer_call_placed (&bob, FALSE);
  confab_test_wait_until (notifier_notified, &notifier, WAIT_MS, "the second notification");
  confab_test_wait_until (peer_ringing, &bob, WAIT_MS, "bob to hear the ring again");
  /* GIO learns the notification's id from the server's answer: let it arrive */
  confab_test_run_for (100);
  confab_call_hang_up (bob.call);
  confab_test_wait_until (notifier_closed, &notifier, WAIT_MS, "the second notification to be withdrawn");
  confab_test_wait_until (dialog_gone, window, WAIT_MS, "the dialog to go");

  peer_clear (&bob);
  close_window (window);
  notifier_stop (&notifier);
}

/* The speaker picked in the preferences (GSettings "speaker") plays the call, and
 * picking another one mid-call moves the call's sound there; "" is the default
 * output again. */

static const char *
speaker_id (ConfabSession *session,
            const char    *name)
{
  GListModel *devices = confab_session_get_media_devices (session);
  guint n = g_list_model_get_n_items (devices);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabMediaDevice) device = g_list_model_get_item (devices, i);

      if (confab_media_device_get_kind (device) == CONFAB_MEDIA_DEVICE_KIND_SPEAKER &&
          g_strcmp0 (confab_media_device_get_display_name (device), name) == 0)
        return g_intern_string (confab_media_device_get_id (device));
    }

  g_error ("the device list has no speaker named %s", name);
}

typedef struct {
  guint index;
  gint  after;
} SpeakerCheck;

static gboolean
speaker_plays (gpointer data)
{
  SpeakerCheck *check = data;

  return g_atomic_int_get (&speaker_buffers[check->index]) > check->after;
}

static void
test_speaker (void)
{
  g_autoptr(ConfabTestServer) server = confab_test_server_new (NULL);
  g_autoptr(GSettings) settings = g_settings_new ("org.confab.Confab");
  ConfabWindow *window = signed_in_window (server);
  ConfabCallView *view = confab_window_get_call_view (window);
  FramesCheck remote = { confab_call_view_get_remote_paintable (view), 5 };
  SpeakerCheck check;
  g_autofree char *shown = NULL;
  const char *speaker_a, *speaker_b;
  gint played_a, played_b;
  Peer bob;

  peer_init (&bob, server, BLUE);
  bob.auto_accept = TRUE;
  speaker_a = speaker_id (bob.session, speaker_names[0]);
  speaker_b = speaker_id (bob.session, speaker_names[1]);
  g_assert_cmpstr (speaker_a, !=, speaker_b);

  /* picked before the call: the call's sound starts there */
  g_settings_set_string (settings, "speaker", speaker_a);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.call-video", "s", "bob"));
  confab_test_wait_until (window_in_call, window, WAIT_MS, "bob to accept");
  check = (SpeakerCheck) { 0, 20 };
  confab_test_wait_until (speaker_plays, &check, WAIT_MS, "bob's sound in speaker A");
  g_object_get (view, "speaker-device", &shown, NULL);
  g_assert_cmpstr (shown, ==, speaker_a);
  g_assert_cmpint (g_atomic_int_get (&speaker_buffers[1]), ==, 0);

  /* picked during the call: the sound moves, A falls silent */
  g_settings_set_string (settings, "speaker", speaker_b);
  check = (SpeakerCheck) { 1, 20 };
  confab_test_wait_until (speaker_plays, &check, WAIT_MS, "bob's sound in speaker B");
  played_a = g_atomic_int_get (&speaker_buffers[0]);
  check.after = g_atomic_int_get (&speaker_buffers[1]) + 20;
  confab_test_wait_until (speaker_plays, &check, WAIT_MS, "more of bob's sound in speaker B");
  g_assert_cmpint (g_atomic_int_get (&speaker_buffers[0]), ==, played_a);

  /* the default output again: B falls silent while the call goes on */
  g_settings_reset (settings, "speaker");
  played_b = g_atomic_int_get (&speaker_buffers[1]);
  remote.n_frames = confab_video_paintable_get_n_frames (remote.paintable) + 30;
  confab_test_wait_until (has_frames, &remote, WAIT_MS, "more of bob's video");
  g_assert_cmpint (g_atomic_int_get (&speaker_buffers[1]), ==, played_b);

  confab_call_hang_up (bob.call);
  confab_test_wait_until (window_out_of_call, window, WAIT_MS, "the call to end");
  peer_clear (&bob);
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
  gst_init (&argc, &argv);
  g_assert_true (gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "confabtestspeakers",
                                             "Speakers for the tests", register_test_speakers, "0.1",
                                             "GPL", "confab", "confab", "https://confab.invalid/"));

  (void) confab_get_resource ();

  app = confab_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/ui/call/refused", test_call_refused);
  g_test_add_func ("/ui/call/outgoing-video", test_outgoing_video_call);
  g_test_add_func ("/ui/call/outgoing-cancelled", test_outgoing_call_cancelled);
  g_test_add_func ("/ui/call/incoming-accepted", test_incoming_call_accepted);
  g_test_add_func ("/ui/call/incoming-declined", test_incoming_call_declined);
  g_test_add_func ("/ui/call/incoming-cancelled", test_incoming_call_cancelled);
  g_test_add_func ("/ui/call/notification", test_incoming_call_notification);
  g_test_add_func ("/ui/call/speaker", test_speaker);

  status = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
