/* SPDX-License-Identifier: GPL-3.0-or-later */
/* server-test-client.h: a raw WebSocket client speaking JSON frames to confab-server */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "confab-test-server.h"

G_BEGIN_DECLS

typedef struct {
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GQueue                   frames;      /* JsonObject, oldest first */
  gboolean                 closed;
  gushort                  close_code;
  gint64                   next_id;
  char                    *user_id;
  char                    *resume_token;
  gint64                   last_seq;
} TestClient;

TestClient *test_client_connect      (ConfabTestServer *server);
void        test_client_free         (TestClient       *self);
/* Sends a text frame made with printf-style @format. */
void        test_client_send         (TestClient       *self,
                                      const char       *format,
                                      ...) G_GNUC_PRINTF (2, 3);
void        test_client_send_bytes   (TestClient       *self,
                                      SoupWebsocketDataType type,
                                      const char       *data,
                                      gsize             length);
/* The next frame (waits up to 5 s, fails the test otherwise). (transfer full) */
JsonObject *test_client_next         (TestClient       *self);
/* The next frame, asserting its type. (transfer full) */
JsonObject *test_client_expect       (TestClient       *self,
                                      const char       *type);
/* The next frame, asserting it is an error with @code (and @re when > 0). */
JsonObject *test_client_expect_error (TestClient       *self,
                                      gint64            re,
                                      const char       *code);
/* Waits until the server closed the connection; returns the close code. */
gushort     test_client_wait_closed  (TestClient       *self);
/* Asserts that nothing arrives while a ping makes a round trip. */
void        test_client_assert_quiet (TestClient       *self);

/* hello → welcome (returned). */
JsonObject *test_client_hello        (TestClient       *self);
/* hello + register as a guest (user id may be NULL) → the result's data. */
JsonObject *test_client_register_guest   (TestClient       *self,
                                          ConfabTestServer *server,
                                          const char       *user_id);
JsonObject *test_client_register_account (TestClient       *self,
                                          const char       *login,
                                          const char       *password);
/* Sends a request with a fresh id: @members is the JSON text of the other members. */
gint64      test_client_request      (TestClient       *self,
                                      const char       *type,
                                      const char       *members);
/* contactMessage to @to; returns the result's data. */
JsonObject *test_client_message      (TestClient       *self,
                                      const char       *to,
                                      const char       *uuid,
                                      const char       *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
