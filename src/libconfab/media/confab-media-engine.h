/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-media-engine.h: the one GStreamer pipeline that local streams, remote streams
 * and peer connections of a main context share (internal) */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_MEDIA_ENGINE (confab_media_engine_get_type ())

G_DECLARE_FINAL_TYPE (ConfabMediaEngine, confab_media_engine, CONFAB, MEDIA_ENGINE, GObject)

/* Called on the engine's main context with a bus message from an element of @owner. */
typedef void (*ConfabMediaMessageFunc) (GObject    *owner,
                                        GstMessage *message);

ConfabMediaEngine *_confab_media_engine_get_default   (GError            **error);
GstBin            *_confab_media_engine_get_bin       (ConfabMediaEngine  *self);
GMainContext      *_confab_media_engine_get_context   (ConfabMediaEngine  *self);
GstClockTime       _confab_media_engine_get_running_time (ConfabMediaEngine *self);

void               _confab_media_engine_add           (ConfabMediaEngine  *self,
                                                       GstElement         *element,
                                                       GObject            *owner,
                                                       ConfabMediaMessageFunc func);
void               _confab_media_engine_remove        (ConfabMediaEngine  *self,
                                                       GstElement         *element);
void               _confab_media_engine_remove_all    (ConfabMediaEngine  *self,
                                                       GPtrArray          *elements);

GstElement        *_confab_media_engine_acquire_echo_probe (ConfabMediaEngine *self);
void               _confab_media_engine_release_echo_probe (ConfabMediaEngine *self,
                                                            GstElement        *probe);
const char        *_confab_media_engine_claim_echo_probe (ConfabMediaEngine *self);
void               _confab_media_engine_unclaim_echo_probe (ConfabMediaEngine *self);

void               _confab_media_engine_detach_branch (ConfabMediaEngine  *self,
                                                       GstPad             *tee_src_pad,
                                                       gboolean            send_eos);

/* A weak handle that streaming threads may hold: it hands work to the main context,
 * where it runs only if the object is still alive. */
typedef struct _ConfabWeakHandle ConfabWeakHandle;
typedef void (*ConfabInvokeFunc) (GObject  *object,
                                  gpointer  data);

ConfabWeakHandle  *_confab_weak_handle_new            (gpointer            object,
                                                       GMainContext       *context);
ConfabWeakHandle  *_confab_weak_handle_ref            (ConfabWeakHandle   *handle);
void               _confab_weak_handle_unref          (ConfabWeakHandle   *handle);
void               _confab_weak_handle_invoke         (ConfabWeakHandle   *handle,
                                                       ConfabInvokeFunc    func,
                                                       gpointer            data,
                                                       GDestroyNotify      destroy);

void               _confab_media_engine_tag           (GstElement         *element,
                                                       GObject            *owner,
                                                       ConfabMediaMessageFunc func);

GstElement        *_confab_media_make_element         (const char         *factory,
                                                       ...) G_GNUC_NULL_TERMINATED;
GstElement        *_confab_media_make_from_env        (const char         *variable,
                                                       const char         *fallback,
                                                       GError            **error);
GstElement        *_confab_media_make_from_description (const char        *description,
                                                       const char         *label,
                                                       const char         *fallback,
                                                       GError            **error);

G_END_DECLS
