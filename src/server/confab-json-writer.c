/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-json-writer.c: appending JSON text by hand on the hot paths */

#define G_LOG_DOMAIN "confab-json-writer"

#include "config.h"

#include "confab-json-writer.h"

void
confab_json_append_string (GString    *out,
                           const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = str;
  const char *p;

  g_string_append_c (out, '"');
  for (p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      const char *escape = NULL;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      g_string_append_len (out, run, p - run);
      run = p + 1;

      switch (c)
        {
        case '"':  escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        case '\b': escape = "\\b"; break;
        case '\f': escape = "\\f"; break;
        default:   break;
        }

      if (escape != NULL)
        {
          g_string_append (out, escape);
        }
      else
        {
          char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], '\0' };
          g_string_append_len (out, u, 6);
        }
    }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
confab_json_append_int (GString *out,
                        gint64   value)
{
  char digits[24];
  guint n = 0;
  guint64 magnitude;

  if (value < 0)
    {
      g_string_append_c (out, '-');
      /* Works for G_MININT64 too: negate in unsigned arithmetic. */
      magnitude = (guint64) 0 - (guint64) value;
    }
  else
    {
      magnitude = (guint64) value;
    }

  do
    {
      digits[n++] = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude > 0);

  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

void
confab_json_append_key (GString    *out,
                        const char *name)
{
  confab_json_append_string (out, name);
  g_string_append_c (out, ':');
}

void
confab_json_append_node (GString  *out,
                         JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gsize length = 0;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  g_string_append_len (out, text, length);
}
