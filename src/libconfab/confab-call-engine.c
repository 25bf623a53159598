/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-call-engine.c: a call's media, on top of the media engine (internal) */

#define G_LOG_DOMAIN "confab-call-engine"

#include "config.h"

#include "confab-call-engine.h"
#include "confab-error.h"

/* Until the media engine is linked in: signaling only, no media. */

struct _ConfabCallEngine
{
  ConfabCall *call;   /* borrowed: the call owns its engine */
  gboolean    stopped;
};

static gboolean
no_media (GError **error)
{
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INTERNAL,
                       "This build of libconfab has no media engine");
  return FALSE;
}

ConfabCallEngine *
_confab_call_engine_new (ConfabCall  *call,
                         JsonArray   *ice_servers,
                         GError     **error)
{
  ConfabCallEngine *self = g_new0 (ConfabCallEngine, 1);

  self->call = call;
  return self;
}

void
_confab_call_engine_stop (ConfabCallEngine *self)
{
  if (self != NULL)
    self->stopped = TRUE;
}

void
_confab_call_engine_free (ConfabCallEngine *self)
{
  g_free (self);
}

void
_confab_call_engine_add_stream (ConfabCallEngine *self,
                                ConfabStream     *stream)
{
}

gboolean
_confab_call_engine_add_stream_renegotiate (ConfabCallEngine  *self,
                                            ConfabStream      *stream,
                                            GError           **error)
{
  return no_media (error);
}

gboolean
_confab_call_engine_replace_stream (ConfabCallEngine  *self,
                                    ConfabStream      *old_stream,
                                    ConfabStream      *new_stream,
                                    GError           **error)
{
  return no_media (error);
}

void
_confab_call_engine_offer (ConfabCallEngine *self)
{
}

void
_confab_call_engine_restart_ice (ConfabCallEngine *self)
{
}

void
_confab_call_engine_take_sdp (ConfabCallEngine *self,
                              const char       *type,
                              const char       *sdp)
{
}

void
_confab_call_engine_take_ice (ConfabCallEngine *self,
                              guint             mline,
                              const char       *candidate)
{
}

void
_confab_call_engine_request_stats (ConfabCallEngine *self)
{
  _confab_call_on_media_stats (self->call, NULL);
}

void
_confab_call_engine_set_local_enabled (ConfabStream *stream,
                                       int           audio,
                                       int           video)
{
}

void
_confab_call_engine_set_remote_enabled (ConfabStream *stream,
                                        int           audio,
                                        int           video)
{
}

gboolean
_confab_call_engine_start_recording (ConfabStream      *stream,
                                     ConfabRecordMode   mode,
                                     const char        *filename,
                                     GError           **error)
{
  return no_media (error);
}

ConfabRecordInformation *
_confab_call_engine_stop_recording (ConfabStream  *stream,
                                    GError       **error)
{
  no_media (error);
  return NULL;
}

void
_confab_call_engine_create_screen_async (GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _confab_call_engine_create_screen_async);
  g_task_return_new_error (task, CONFAB_ERROR, CONFAB_ERROR_INTERNAL,
                           "This build of libconfab has no media engine");
}

GObject *
_confab_call_engine_create_screen_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
