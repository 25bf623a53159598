/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: the entry point of the confab application */

#include "config.h"

#include "confab-application.h"
#include "confab-util.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

#include <locale.h>

static gboolean
schema_is_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CONFAB_SETTINGS_SCHEMA_ID, TRUE);

  return schema != NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ConfabApplication) app = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Confab"));

  /* Without its schema GSettings would abort: say what is missing instead. */
  if (!schema_is_installed ())
    {
      g_printerr ("confab: the GSettings schema %s is not installed; install Confab, "
                  "or run it from a build tree with GSETTINGS_SCHEMA_DIR=BUILDDIR/data "
                  "(`meson devenv -C BUILDDIR confab` sets it)\n",
                  CONFAB_SETTINGS_SCHEMA_ID);
      return 1;
    }

  app = confab_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  if (status == 0)
    status = confab_application_get_exit_status (app);
  g_clear_object (&app);

  /* join GStreamer's pooled streaming threads before the exit handlers run: one that
   * ends during OpenSSL's clean-up at exit frees its thread state a second time */
  gst_deinit ();
  return status;
}
