/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-enums.h: the enumerations of libconfab (GTypes in confab-enum-types.h) */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabSessionState:
 * @CONFAB_SESSION_STATE_CONNECTING: signing in for the first time
 * @CONFAB_SESSION_STATE_CONNECTED: signed in; traffic flows
 * @CONFAB_SESSION_STATE_RECONNECTING: the connection dropped; the session is trying
 *   to resume, and sends are queued meanwhile
 * @CONFAB_SESSION_STATE_DISCONNECTED: the session has ended
 *
 * The connection state of a #ConfabSession.
 */
typedef enum {
  CONFAB_SESSION_STATE_CONNECTING,
  CONFAB_SESSION_STATE_CONNECTED,
  CONFAB_SESSION_STATE_RECONNECTING,
  CONFAB_SESSION_STATE_DISCONNECTED,
} ConfabSessionState;

/**
 * ConfabMessageDirection:
 * @CONFAB_MESSAGE_DIRECTION_INCOMING: received from the contact
 * @CONFAB_MESSAGE_DIRECTION_OUTGOING: sent to the contact
 *
 * Which way a #ConfabMessage went.
 */
typedef enum {
  CONFAB_MESSAGE_DIRECTION_INCOMING,
  CONFAB_MESSAGE_DIRECTION_OUTGOING,
} ConfabMessageDirection;

/**
 * ConfabMessageStatus:
 * @CONFAB_MESSAGE_STATUS_SENDING: outgoing, not yet confirmed by the server
 * @CONFAB_MESSAGE_STATUS_SENT: outgoing, handed to a session of the recipient
 * @CONFAB_MESSAGE_STATUS_STORED: outgoing, stored by the server for an offline recipient
 * @CONFAB_MESSAGE_STATUS_RECEIVED: incoming
 * @CONFAB_MESSAGE_STATUS_FAILED: outgoing, refused or never confirmed
 *
 * Where a #ConfabMessage is in its life.
 */
typedef enum {
  CONFAB_MESSAGE_STATUS_SENDING,
  CONFAB_MESSAGE_STATUS_SENT,
  CONFAB_MESSAGE_STATUS_STORED,
  CONFAB_MESSAGE_STATUS_RECEIVED,
  CONFAB_MESSAGE_STATUS_FAILED,
} ConfabMessageStatus;

/**
 * ConfabCallStatus:
 * @CONFAB_CALL_STATUS_WAITING_FOR_CALLEE: outgoing: invited, the callee's client has not
 *   answered yet
 * @CONFAB_CALL_STATUS_RINGING: outgoing: the callee's client rings
 * @CONFAB_CALL_STATUS_ONGOING: accepted: media is being set up or flows
 * @CONFAB_CALL_STATUS_ENDED: declined, cancelled or hung up; nothing more happens
 *
 * Where a #ConfabCall is in its life.
 */
typedef enum {
  CONFAB_CALL_STATUS_WAITING_FOR_CALLEE,
  CONFAB_CALL_STATUS_RINGING,
  CONFAB_CALL_STATUS_ONGOING,
  CONFAB_CALL_STATUS_ENDED,
} ConfabCallStatus;

/**
 * ConfabCallDirection:
 * @CONFAB_CALL_DIRECTION_OUTGOING: this session called the contact
 * @CONFAB_CALL_DIRECTION_INCOMING: the contact called this session
 *
 * Who started a #ConfabCall.
 */
typedef enum {
  CONFAB_CALL_DIRECTION_OUTGOING,
  CONFAB_CALL_DIRECTION_INCOMING,
} ConfabCallDirection;

/**
 * ConfabCallMedia:
 * @CONFAB_CALL_MEDIA_AUDIO: an audio call
 * @CONFAB_CALL_MEDIA_VIDEO: an audio and video call
 * @CONFAB_CALL_MEDIA_SCREEN: a screen share
 *
 * What a call was started for (the `media` of a `callInvite`).
 */
typedef enum {
  CONFAB_CALL_MEDIA_AUDIO,
  CONFAB_CALL_MEDIA_VIDEO,
  CONFAB_CALL_MEDIA_SCREEN,
} ConfabCallMedia;

/**
 * ConfabRecordMode:
 * @CONFAB_RECORD_MODE_AUDIO_ONLY: record the published audio only
 * @CONFAB_RECORD_MODE_VIDEO_ONLY: record the published video only
 * @CONFAB_RECORD_MODE_AUDIO_VIDEO: record both
 *
 * What confab_call_start_recording() writes to its file.
 */
typedef enum {
  CONFAB_RECORD_MODE_AUDIO_ONLY,
  CONFAB_RECORD_MODE_VIDEO_ONLY,
  CONFAB_RECORD_MODE_AUDIO_VIDEO,
} ConfabRecordMode;

/* ConfabCallQuality is the media engine's (confab-media.h). */

G_END_DECLS
