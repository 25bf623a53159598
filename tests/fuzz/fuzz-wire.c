/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-wire.c: libFuzzer target for the protocol decoder (both directions) */

#include "config.h"

#include "confab-wire.h"

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput (const unsigned char *data,
                        size_t               size)
{
  for (int direction = CONFAB_WIRE_TO_SERVER; direction <= CONFAB_WIRE_TO_CLIENT; direction++)
    {
      GError *error = NULL;
      char *field = NULL;
      gint64 id = 0;
      ConfabWireMessage *message;

      message = confab_wire_decode ((const char *) data, size, direction, NULL, &id, &field, &error);
      g_assert ((message == NULL) == (error != NULL));
      if (message != NULL)
        {
          /* Whatever decodes must encode again and decode to the same type. */
          gsize length = 0;
          char *text = confab_wire_encode (message->object, &length);
          ConfabWireMessage *again = confab_wire_decode (text, length, direction, NULL, NULL, NULL, NULL);

          g_assert (again != NULL);
          g_assert (again->type == message->type);
          confab_wire_message_free (again);
          g_free (text);
        }
      else
        {
          g_assert (error->domain == CONFAB_WIRE_ERROR);
        }

      confab_wire_message_free (message);
      g_clear_error (&error);
      g_free (field);
    }

  return 0;
}
