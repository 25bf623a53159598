/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media.c: start-up of the media engine, its error domain and its enumerations */

#define G_LOG_DOMAIN "confab-media"

#include "config.h"

#include "confab-media.h"
#include "confab-screencast.h"

#include <gst/gst.h>

typedef struct {
  const char *element;
  const char *plugin;
  const char *package;
} RequiredElement;

/* What a call needs. A missing libnice plugin otherwise shows up as a misleading
 * "could not link" caps error deep inside webrtcbin, so name each one. */
static const RequiredElement required_elements[] = {
  { "webrtcbin",     "webrtc",           "gstreamer1.0-plugins-bad" },
  { "nicesrc",       "nice",             "gstreamer1.0-nice" },
  { "dtlssrtpenc",   "dtls",             "gstreamer1.0-plugins-bad" },
  { "srtpenc",       "srtp",             "gstreamer1.0-plugins-bad" },
  { "rtpbin",        "rtpmanager",       "gstreamer1.0-plugins-good" },
  { "rtpvp8pay",     "rtp",              "gstreamer1.0-plugins-good" },
  { "rtpopuspay",    "rtp",              "gstreamer1.0-plugins-good" },
  { "vp8enc",        "vpx",              "gstreamer1.0-plugins-good" },
  { "vp8dec",        "vpx",              "gstreamer1.0-plugins-good" },
  { "opusenc",       "opus",             "gstreamer1.0-plugins-base" },
  { "opusdec",       "opus",             "gstreamer1.0-plugins-base" },
  { "videoconvert",  "videoconvertscale", "gstreamer1.0-plugins-base" },
  { "videoscale",    "videoconvertscale", "gstreamer1.0-plugins-base" },
  { "videorate",     "videorate",        "gstreamer1.0-plugins-base" },
  { "audioconvert",  "audioconvert",     "gstreamer1.0-plugins-base" },
  { "audioresample", "audioresample",    "gstreamer1.0-plugins-base" },
  { "volume",        "volume",           "gstreamer1.0-plugins-base" },
  { "appsink",       "app",              "gstreamer1.0-plugins-base" },
  { "level",         "level",            "gstreamer1.0-plugins-good" },
  { "videobalance",  "videofilter",      "gstreamer1.0-plugins-good" },
  { "webmmux",       "matroska",         "gstreamer1.0-plugins-good" },
  { "tee",           "coreelements",     "libgstreamer1.0-0" },
  { "queue",         "coreelements",     "libgstreamer1.0-0" },
};

G_DEFINE_QUARK (confab-media-error-quark, confab_media_error)

/**
 * confab_media_init:
 * @error: return location for a #GError
 *
 * Initializes GStreamer (if the application has not) and checks that every plugin a
 * call needs is installed: webrtc, nice, dtls, srtp, rtpmanager, rtp, vpx, opus,
 * videoconvertscale, audioconvert, … Streams and peer connections call it themselves;
 * an application may call it at start-up to report a broken installation early.
 *
 * Returns: %TRUE when everything is there; %FALSE with
 *   %CONFAB_MEDIA_ERROR_MISSING_PLUGIN naming the first plugin missing and its package
 */
gboolean
confab_media_init (GError **error)
{
  static gsize checked = 0;
  static char *missing = NULL;

  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error))
    return FALSE;

  if (g_once_init_enter (&checked))
    {
      for (guint i = 0; i < G_N_ELEMENTS (required_elements) && missing == NULL; i++)
        {
          g_autoptr(GstElementFactory) factory = gst_element_factory_find (required_elements[i].element);

          if (factory == NULL)
            missing = g_strdup_printf ("The GStreamer plugin “%s” (element “%s”) is missing; "
                                       "install the package %s",
                                       required_elements[i].plugin,
                                       required_elements[i].element,
                                       required_elements[i].package);
        }
      g_once_init_leave (&checked, 1);
    }

  if (missing != NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN, missing);
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_media_warm_up:
 *
 * Does ahead of time what makes the first call of a process slow: the DTLS certificate
 * that every peer connection of the process shares takes 200–650 ms to generate. Call
 * it once at start-up, from a worker thread if the main loop must not wait. Does
 * nothing if the engine cannot start (confab_media_init() says why).
 */
void
confab_media_warm_up (void)
{
  GstElement *dtls;

  if (!confab_media_init (NULL))
    return;

  /* The first DTLS element of a process makes the process-wide certificate. */
  dtls = gst_element_factory_make ("dtlsdec", NULL);
  if (dtls != NULL)
    {
      g_object_ref_sink (dtls);
      gst_object_unref (dtls);
    }
}

/**
 * confab_media_has_echo_cancellation:
 *
 * Whether echo cancellation is available: it needs the `webrtcdsp` plugin
 * (gstreamer1.0-plugins-bad). Without it local streams are captured unprocessed.
 *
 * Returns: %TRUE if streams can cancel echo
 */
gboolean
confab_media_has_echo_cancellation (void)
{
  g_autoptr(GstElementFactory) dsp = NULL;
  g_autoptr(GstElementFactory) probe = NULL;

  if (!confab_media_init (NULL))
    return FALSE;

  dsp = gst_element_factory_find ("webrtcdsp");
  probe = gst_element_factory_find ("webrtcechoprobe");

  return dsp != NULL && probe != NULL;
}

/**
 * confab_media_can_share_screen:
 * @error: return location for a #GError
 *
 * Whether a screen-sharing stream can be made here: through the ScreenCast portal on
 * Wayland (`WAYLAND_DISPLAY` without `DISPLAY`, or `CONFAB_SCREENCAST=portal`) with the
 * `pipewiresrc` element, on X11 (`DISPLAY` set) with the `ximagesrc` element, or when
 * `CONFAB_SCREENSRC` names a source for tests. Whether the portal itself answers is only
 * known when a screen stream is made.
 *
 * Returns: %TRUE if it can; %FALSE with %CONFAB_MEDIA_ERROR_NOT_SUPPORTED or
 *   %CONFAB_MEDIA_ERROR_MISSING_PLUGIN saying why not
 */
gboolean
confab_media_can_share_screen (GError **error)
{
  g_autoptr(GstElementFactory) ximagesrc = NULL;
  const char *override = g_getenv ("CONFAB_SCREENSRC");

  if (!confab_media_init (error))
    return FALSE;

  if (override != NULL && *override != '\0')
    return TRUE;

  if (confab_screencast_is_wanted ())
    {
      g_autoptr(GstElementFactory) pipewiresrc = gst_element_factory_find ("pipewiresrc");

      if (pipewiresrc == NULL)
        {
          g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                               "The GStreamer plugin “pipewiresrc” is missing; "
                               "install the package gstreamer1.0-pipewire");
          return FALSE;
        }
      return TRUE;
    }

  if (g_getenv ("DISPLAY") == NULL || *g_getenv ("DISPLAY") == '\0')
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
                           "Screen sharing needs an X11 display or, on Wayland, the "
                           "ScreenCast portal (neither DISPLAY nor WAYLAND_DISPLAY is set)");
      return FALSE;
    }

  ximagesrc = gst_element_factory_find ("ximagesrc");
  if (ximagesrc == NULL)
    {
      g_set_error_literal (error, CONFAB_MEDIA_ERROR, CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
                           "The GStreamer plugin “ximagesrc” is missing; "
                           "install the package gstreamer1.0-plugins-good");
      return FALSE;
    }

  return TRUE;
}

/**
 * confab_call_quality_to_string:
 * @quality: a #ConfabCallQuality
 *
 * Returns: "good", "medium", "bad" or "unknown"
 */
const char *
confab_call_quality_to_string (ConfabCallQuality quality)
{
  switch (quality)
    {
    case CONFAB_CALL_QUALITY_GOOD:
      return "good";
    case CONFAB_CALL_QUALITY_MEDIUM:
      return "medium";
    case CONFAB_CALL_QUALITY_BAD:
      return "bad";
    case CONFAB_CALL_QUALITY_UNKNOWN:
    default:
      return "unknown";
    }
}
