/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-record-information.h: what a finished recording produced */

#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib-object.h>

#include "confab-enums.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_RECORD_INFORMATION (confab_record_information_get_type ())

typedef struct _ConfabRecordInformation ConfabRecordInformation;

GType                    confab_record_information_get_type     (void) G_GNUC_CONST;
ConfabRecordInformation *confab_record_information_new          (const char              *path,
                                                                 guint64                  duration,
                                                                 ConfabRecordMode         mode);
ConfabRecordInformation *confab_record_information_ref          (ConfabRecordInformation *info);
void                     confab_record_information_unref        (ConfabRecordInformation *info);
const char              *confab_record_information_get_path     (ConfabRecordInformation *info);
guint64                  confab_record_information_get_duration (ConfabRecordInformation *info);
ConfabRecordMode         confab_record_information_get_mode     (ConfabRecordInformation *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabRecordInformation, confab_record_information_unref)

G_END_DECLS
