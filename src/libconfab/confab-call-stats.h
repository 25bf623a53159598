/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-stats.h: one sample of a call's media statistics */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib-object.h>

#include "confab-enums.h"
#include "confab-media.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CALL_STATS (confab_call_stats_get_type ())

/**
 * ConfabCallMediaStats:
 * @bitrate: bits per second over the last interval
 * @bytes: bytes so far
 * @packets: RTP packets so far
 * @packets_lost: packets lost so far (as reported by the receiving end)
 * @packet_loss: fraction of packets lost, 0 to 1
 * @jitter: inter-arrival jitter, in seconds
 * @frame_rate: frames per second (video only; 0 for audio)
 * @width: frame width in pixels (video only)
 * @height: frame height in pixels (video only)
 *
 * The statistics of one media kind in one direction.
 */
typedef struct {
  guint64 bitrate;
  guint64 bytes;
  guint64 packets;
  gint64  packets_lost;
  double  packet_loss;
  double  jitter;
  double  frame_rate;
  guint   width;
  guint   height;
} ConfabCallMediaStats;

/**
 * ConfabCallStats:
 * @audio_sent: the audio this side sends
 * @audio_received: the audio this side receives
 * @video_sent: the video this side sends
 * @video_received: the video this side receives
 * @rtt: round-trip time in seconds (0 when not known yet)
 * @mos: a MOS-like score from 1 (bad) to 4.5 (excellent); 0 when quality evaluation
 *   is off or there is not enough data
 * @quality: the grade matching @mos
 * @timestamp: when the sample was taken (g_get_monotonic_time(), microseconds)
 *
 * One sample of a call's statistics, as given by #ConfabCall::stats-update.
 */
typedef struct {
  ConfabCallMediaStats audio_sent;
  ConfabCallMediaStats audio_received;
  ConfabCallMediaStats video_sent;
  ConfabCallMediaStats video_received;
  double               rtt;
  double               mos;
  ConfabCallQuality    quality;
  gint64               timestamp;
} ConfabCallStats;

GType            confab_call_stats_get_type (void) G_GNUC_CONST;
ConfabCallStats *confab_call_stats_copy     (const ConfabCallStats *stats);
void             confab_call_stats_free     (ConfabCallStats       *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabCallStats, confab_call_stats_free)

G_END_DECLS
