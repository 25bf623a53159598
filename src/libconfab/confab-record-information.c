/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-record-information.c: what a finished recording produced */

#define G_LOG_DOMAIN "confab-record-information"

#include "config.h"

#include "confab-record-information.h"

/**
 * ConfabRecordInformation:
 *
 * What confab_call_stop_recording() gives back: the path of the WebM/Matroska file
 * written and the duration of the media in it. Immutable and reference-counted.
 */
struct _ConfabRecordInformation
{
  gatomicrefcount   ref_count;
  char             *path;
  guint64           duration;
  ConfabRecordMode  mode;
};

G_DEFINE_BOXED_TYPE (ConfabRecordInformation, confab_record_information,
                     confab_record_information_ref, confab_record_information_unref)

/**
 * confab_record_information_new:
 * @path: the file written
 * @duration: the duration of the media in it, in nanoseconds (a #GstClockTime)
 * @mode: what was recorded
 *
 * Returns: (transfer full): a new #ConfabRecordInformation
 */
ConfabRecordInformation *
confab_record_information_new (const char       *path,
                               guint64           duration,
                               ConfabRecordMode  mode)
{
  ConfabRecordInformation *info;

  g_return_val_if_fail (path != NULL, NULL);

  info = g_new0 (ConfabRecordInformation, 1);
  g_atomic_ref_count_init (&info->ref_count);
  info->path = g_strdup (path);
  info->duration = duration;
  info->mode = mode;
  return info;
}

/**
 * confab_record_information_ref:
 * @info: a #ConfabRecordInformation
 *
 * Returns: (transfer full): @info, with one more reference
 */
ConfabRecordInformation *
confab_record_information_ref (ConfabRecordInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  g_atomic_ref_count_inc (&info->ref_count);
  return info;
}

/**
 * confab_record_information_unref:
 * @info: (transfer full): a #ConfabRecordInformation
 *
 * Drops a reference; frees @info with the last one.
 */
void
confab_record_information_unref (ConfabRecordInformation *info)
{
  g_return_if_fail (info != NULL);

  if (!g_atomic_ref_count_dec (&info->ref_count))
    return;

  g_free (info->path);
  g_free (info);
}

/**
 * confab_record_information_get_path:
 * @info: a #ConfabRecordInformation
 *
 * Returns: the path of the file written
 */
const char *
confab_record_information_get_path (ConfabRecordInformation *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->path;
}

/**
 * confab_record_information_get_duration:
 * @info: a #ConfabRecordInformation
 *
 * Returns: the duration of the recorded media, in nanoseconds (a #GstClockTime)
 */
guint64
confab_record_information_get_duration (ConfabRecordInformation *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->duration;
}

/**
 * confab_record_information_get_mode:
 * @info: a #ConfabRecordInformation
 *
 * Returns: what was recorded
 */
ConfabRecordMode
confab_record_information_get_mode (ConfabRecordInformation *info)
{
  g_return_val_if_fail (info != NULL, CONFAB_RECORD_MODE_AUDIO_VIDEO);
  return info->mode;
}
