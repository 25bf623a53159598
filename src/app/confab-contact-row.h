/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-contact-row.h: a contact in the sidebar */

#pragma once

#include <adwaita.h>
#include <confab.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_CONTACT_ROW (confab_contact_row_get_type ())

G_DECLARE_FINAL_TYPE (ConfabContactRow, confab_contact_row, CONFAB, CONTACT_ROW, AdwBin)

GtkWidget     *confab_contact_row_new         (void);
ConfabContact *confab_contact_row_get_contact (ConfabContactRow *self);
void           confab_contact_row_set_contact (ConfabContactRow *self,
                                               ConfabContact    *contact);

G_END_DECLS
