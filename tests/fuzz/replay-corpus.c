/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay-corpus.c: runs a fuzz target over every file of its kept corpus, without libFuzzer */

#include "config.h"

#include <glib.h>

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size);

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint count = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s CORPUS-DIR\n", argv[0]);
      return 2;
    }

  dir = g_dir_open (argv[1], 0, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (argv[1], name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      LLVMFuzzerTestOneInput ((const unsigned char *) contents, length);
      count++;
    }

  if (count == 0)
    {
      g_printerr ("no corpus files in %s\n", argv[1]);
      return 1;
    }

  g_print ("replayed %u corpus files\n", count);
  return 0;
}
