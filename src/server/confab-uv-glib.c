/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-uv-glib.c: drives a GMainContext from a libuv loop */

#define G_LOG_DOMAIN "confab-uv-glib"

#include "config.h"

#include "confab-uv-glib.h"

typedef struct {
  uv_poll_t     poll;
  ConfabUvGlib *owner;
  int           fd;
  int           uv_events;  /* what the poll watches */
  gushort       revents;    /* what it saw since the last check */
  gboolean      seen;       /* asked for by the last query */
} FdWatch;

struct _ConfabUvGlib
{
  uv_loop_t    *loop;
  GMainContext *context;
  uv_prepare_t  prepare;
  uv_check_t    check;
  uv_timer_t    timer;
  GHashTable   *watches;    /* fd → FdWatch */
  GPollFD      *fds;
  guint         n_fds;
  guint         fds_size;
  gint          max_priority;
  gboolean      prepared;
  guint         open_handles;
};

static void
on_handle_closed (uv_handle_t *handle)
{
  ConfabUvGlib *self = handle->data;

  if (--self->open_handles == 0)
    {
      g_free (self->fds);
      g_free (self);
    }
}

static void
on_watch_closed (uv_handle_t *handle)
{
  FdWatch *watch = handle->data;
  ConfabUvGlib *self = watch->owner;

  g_free (watch);
  if (--self->open_handles == 0)
    {
      g_free (self->fds);
      g_free (self);
    }
}

static void
on_poll (uv_poll_t *handle,
         int        status,
         int        events)
{
  FdWatch *watch = handle->data;

  if (status < 0)
    {
      watch->revents |= G_IO_ERR;
      return;
    }

  if (events & UV_READABLE)
    watch->revents |= G_IO_IN;
  if (events & UV_WRITABLE)
    watch->revents |= G_IO_OUT;
  if (events & UV_DISCONNECT)
    watch->revents |= G_IO_HUP;
}

static void
on_timer (uv_timer_t *handle)
{
  /* Only there to end uv's wait when GLib's next timeout is due. */
}

static void
forget_watch (gpointer data)
{
  FdWatch *watch = data;

  uv_poll_stop (&watch->poll);
  uv_close ((uv_handle_t *) &watch->poll, on_watch_closed);
}

static void
on_prepare (uv_prepare_t *handle)
{
  ConfabUvGlib *self = handle->data;
  GHashTableIter iter;
  FdWatch *watch;
  gint timeout = -1;
  gboolean ready;
  gint n;

  ready = g_main_context_prepare (self->context, &self->max_priority);

  while ((n = g_main_context_query (self->context, self->max_priority, &timeout,
                                    self->fds, self->fds_size)) > (gint) self->fds_size)
    {
      self->fds_size = MAX ((guint) n, self->fds_size * 2);
      self->fds = g_renew (GPollFD, self->fds, self->fds_size);
    }
  self->n_fds = n;
  self->prepared = TRUE;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    watch->seen = FALSE;

  /* Several GPollFDs may name one descriptor: a watch covers the union. */
  for (guint i = 0; i < self->n_fds; i++)
    {
      GPollFD *pfd = &self->fds[i];

      watch = g_hash_table_lookup (self->watches, GINT_TO_POINTER (pfd->fd));
      if (watch == NULL)
        {
          watch = g_new0 (FdWatch, 1);
          watch->owner = self;
          watch->fd = pfd->fd;
          watch->uv_events = -1;
          if (uv_poll_init (self->loop, &watch->poll, pfd->fd) != 0)
            {
              g_free (watch);
              continue;
            }
          watch->poll.data = watch;
          self->open_handles++;
          g_hash_table_insert (self->watches, GINT_TO_POINTER (pfd->fd), watch);
        }

      if (!watch->seen)
        {
          watch->seen = TRUE;
          watch->revents = 0;
        }
      pfd->revents = 0;
    }

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    {
      int uv_events = 0;

      if (!watch->seen)
        {
          g_hash_table_iter_steal (&iter);
          forget_watch (watch);
          continue;
        }

      for (guint i = 0; i < self->n_fds; i++)
        if (self->fds[i].fd == watch->fd)
          {
            if (self->fds[i].events & (G_IO_IN | G_IO_PRI | G_IO_HUP | G_IO_ERR))
              uv_events |= UV_READABLE;
            if (self->fds[i].events & G_IO_OUT)
              uv_events |= UV_WRITABLE;
          }

      if (uv_events != watch->uv_events)
        {
          watch->uv_events = uv_events;
          if (uv_events == 0)
            uv_poll_stop (&watch->poll);
          else
            uv_poll_start (&watch->poll, uv_events, on_poll);
        }
    }

  if (ready || timeout == 0)
    uv_timer_start (&self->timer, on_timer, 0, 0);
  else if (timeout > 0)
    uv_timer_start (&self->timer, on_timer, (guint64) timeout, 0);
  else
    uv_timer_stop (&self->timer);
}

static void
on_check (uv_check_t *handle)
{
  ConfabUvGlib *self = handle->data;
  GHashTableIter iter;
  FdWatch *watch;

  if (!self->prepared)
    return;

  self->prepared = FALSE;

  for (guint i = 0; i < self->n_fds; i++)
    {
      GPollFD *pfd = &self->fds[i];

      watch = g_hash_table_lookup (self->watches, GINT_TO_POINTER (pfd->fd));

      if (watch != NULL)
        pfd->revents = watch->revents & (pfd->events | G_IO_HUP | G_IO_ERR);
    }

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    watch->revents = 0;

  if (g_main_context_check (self->context, self->max_priority, self->fds, self->n_fds))
    g_main_context_dispatch (self->context);
}

ConfabUvGlib *
confab_uv_glib_new (uv_loop_t    *loop,
                    GMainContext *context)
{
  ConfabUvGlib *self = g_new0 (ConfabUvGlib, 1);

  self->loop = loop;
  self->context = g_main_context_ref (context);
  if (!g_main_context_acquire (context))
    g_critical ("the GMainContext is owned by another thread");

  self->watches = g_hash_table_new (NULL, NULL);
  self->fds_size = 8;
  self->fds = g_new0 (GPollFD, self->fds_size);

  uv_prepare_init (loop, &self->prepare);
  uv_check_init (loop, &self->check);
  uv_timer_init (loop, &self->timer);
  self->prepare.data = self;
  self->check.data = self;
  self->timer.data = self;
  self->open_handles = 3;

  uv_prepare_start (&self->prepare, on_prepare);
  uv_check_start (&self->check, on_check);

  return self;
}

void
confab_uv_glib_free (ConfabUvGlib *self)
{
  GHashTableIter iter;
  FdWatch *watch;

  if (self == NULL)
    return;

  if (self->prepared)
    {
      /* Keep GLib's prepare/check pairing. */
      g_main_context_check (self->context, self->max_priority, self->fds, 0);
      self->prepared = FALSE;
    }

  g_main_context_release (self->context);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    {
      g_hash_table_iter_steal (&iter);
      forget_watch (watch);
    }
  g_hash_table_unref (self->watches);

  uv_prepare_stop (&self->prepare);
  uv_check_stop (&self->check);
  uv_timer_stop (&self->timer);
  uv_close ((uv_handle_t *) &self->prepare, on_handle_closed);
  uv_close ((uv_handle_t *) &self->check, on_handle_closed);
  uv_close ((uv_handle_t *) &self->timer, on_handle_closed);
}
