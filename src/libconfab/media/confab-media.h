/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media.h: start-up of the media engine, its error domain and its enumerations */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CONFAB_MEDIA_ERROR:
 *
 * The error domain of the media engine (streams, devices, peer connections, recording).
 * Codes are #ConfabMediaError values.
 */
#define CONFAB_MEDIA_ERROR (confab_media_error_quark ())

/**
 * ConfabMediaError:
 * @CONFAB_MEDIA_ERROR_MISSING_PLUGIN: a GStreamer plugin the engine needs is not installed;
 *   the message names it and the Debian package that ships it
 * @CONFAB_MEDIA_ERROR_NO_DEVICE: no device (camera, microphone) was found, or the
 *   device id asked for is unknown
 * @CONFAB_MEDIA_ERROR_NOT_SUPPORTED: the request cannot be served here (e.g. screen
 *   sharing without X11 or a portal)
 * @CONFAB_MEDIA_ERROR_BAD_PARAMETER: an option, description or candidate is invalid;
 *   nothing was changed
 * @CONFAB_MEDIA_ERROR_WRONG_STATE: the request is not allowed in the object's current state
 * @CONFAB_MEDIA_ERROR_FAILED: GStreamer reported a failure
 *
 * Error codes of the %CONFAB_MEDIA_ERROR domain.
 */
typedef enum {
  CONFAB_MEDIA_ERROR_MISSING_PLUGIN,
  CONFAB_MEDIA_ERROR_NO_DEVICE,
  CONFAB_MEDIA_ERROR_NOT_SUPPORTED,
  CONFAB_MEDIA_ERROR_BAD_PARAMETER,
  CONFAB_MEDIA_ERROR_WRONG_STATE,
  CONFAB_MEDIA_ERROR_FAILED,
} ConfabMediaError;

/**
 * ConfabMediaDeviceKind:
 * @CONFAB_MEDIA_DEVICE_KIND_CAMERA: a video source
 * @CONFAB_MEDIA_DEVICE_KIND_MICROPHONE: an audio source
 * @CONFAB_MEDIA_DEVICE_KIND_SPEAKER: an audio sink
 *
 * What a #ConfabMediaDevice is.
 */
typedef enum {
  CONFAB_MEDIA_DEVICE_KIND_CAMERA,
  CONFAB_MEDIA_DEVICE_KIND_MICROPHONE,
  CONFAB_MEDIA_DEVICE_KIND_SPEAKER,
} ConfabMediaDeviceKind;

/**
 * ConfabRecordingMode:
 * @CONFAB_RECORDING_MODE_AUDIO_ONLY: record the stream's audio only
 * @CONFAB_RECORDING_MODE_VIDEO_ONLY: record the stream's video only
 * @CONFAB_RECORDING_MODE_AUDIO_VIDEO: record both
 *
 * What confab_stream_start_recording() writes to the file.
 */
typedef enum {
  CONFAB_RECORDING_MODE_AUDIO_ONLY,
  CONFAB_RECORDING_MODE_VIDEO_ONLY,
  CONFAB_RECORDING_MODE_AUDIO_VIDEO,
} ConfabRecordingMode;

/**
 * ConfabCallQuality:
 * @CONFAB_CALL_QUALITY_UNKNOWN: not enough data yet
 * @CONFAB_CALL_QUALITY_GOOD: MOS 4.0 and above
 * @CONFAB_CALL_QUALITY_MEDIUM: MOS from 3.0 to 4.0
 * @CONFAB_CALL_QUALITY_BAD: MOS under 3.0
 *
 * The grade of a connection's quality, from a MOS-like score computed from round-trip
 * time, jitter and packet loss.
 */
typedef enum {
  CONFAB_CALL_QUALITY_UNKNOWN,
  CONFAB_CALL_QUALITY_GOOD,
  CONFAB_CALL_QUALITY_MEDIUM,
  CONFAB_CALL_QUALITY_BAD,
} ConfabCallQuality;

GQuark       confab_media_error_quark             (void);

gboolean     confab_media_init                    (GError **error);
void         confab_media_warm_up                 (void);
gboolean     confab_media_has_echo_cancellation   (void);
gboolean     confab_media_can_share_screen        (GError **error);

const char  *confab_call_quality_to_string        (ConfabCallQuality quality);

G_END_DECLS
