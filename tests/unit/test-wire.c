/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wire.c: the protocol codec, including every decoder error path */

#include "config.h"

#include "confab-wire.h"

#include <string.h>

#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"

typedef struct {
  const char      *name;
  const char      *frame;
  ConfabWireError  code;
  const char      *field;   /* expected field, or NULL */
  gint64           id;      /* expected id readable for "re" */
} BadCase;

static ConfabWireMessage *
decode_server (const char  *frame,
               gint64      *id,
               char       **field,
               GError     **error)
{
  return confab_wire_decode (frame, strlen (frame), CONFAB_WIRE_TO_SERVER, NULL, id, field, error);
}

static void
test_good_requests (void)
{
  static const struct {
    const char     *frame;
    ConfabWireType  type;
    gint64          id;
  } cases[] = {
    { "{\"type\":\"hello\",\"versions\":[1],\"client\":\"confab/0.1\"}", CONFAB_WIRE_HELLO, 0 },
    { "{\"type\":\"register\",\"id\":1,\"uri\":\"apiKey:abc\"}", CONFAB_WIRE_REGISTER, 1 },
    { "{\"type\":\"register\",\"id\":2,\"uri\":\"confab:bob\",\"password\":\"\",\"username\":\"Bob B\",\"userData\":{\"a\":1}}", CONFAB_WIRE_REGISTER, 2 },
    { "{\"type\":\"resume\",\"id\":3,\"resumeToken\":\"tok\",\"lastSeq\":0}", CONFAB_WIRE_RESUME, 3 },
    { "{\"type\":\"disconnect\",\"id\":9007199254740991}", CONFAB_WIRE_DISCONNECT, G_GINT64_CONSTANT (9007199254740991) },
    { "{\"type\":\"ping\"}", CONFAB_WIRE_PING, 0 },
    { "{\"type\":\"ping\",\"ack\":12}", CONFAB_WIRE_PING, 0 },
    { "{\"type\":\"contactMessage\",\"id\":4,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"text\":\"h\\u00e9llo\\n\",\"unknownMember\":[1,2]}", CONFAB_WIRE_CONTACT_MESSAGE, 4 },
    { "{\"type\":\"contactData\",\"id\":5,\"to\":\"a.b@c-d_e\",\"uuid\":\"" UUID "\",\"content\":{}}", CONFAB_WIRE_CONTACT_DATA, 5 },
    { "{\"type\":\"customEvent\",\"id\":6,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"event\":\"typing\"}", CONFAB_WIRE_CUSTOM_EVENT, 6 },
    { "{\"type\":\"customEvent\",\"id\":6,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"event\":\"typing\",\"content\":null}", CONFAB_WIRE_CUSTOM_EVENT, 6 },
    { "{\"type\":\"rawData\",\"id\":7,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"data\":\"\"}", CONFAB_WIRE_RAW_DATA, 7 },
    { "{\"type\":\"callInvite\",\"id\":8,\"to\":\"bob\",\"callId\":\"" UUID "\",\"media\":\"video\"}", CONFAB_WIRE_CALL_INVITE, 8 },
    { "{\"type\":\"callRinging\",\"id\":9,\"callId\":\"" UUID "\"}", CONFAB_WIRE_CALL_RINGING, 9 },
    { "{\"type\":\"callAccept\",\"id\":10,\"callId\":\"" UUID "\"}", CONFAB_WIRE_CALL_ACCEPT, 10 },
    { "{\"type\":\"callDecline\",\"id\":11,\"callId\":\"" UUID "\",\"reason\":\"User_Busy\"}", CONFAB_WIRE_CALL_DECLINE, 11 },
    { "{\"type\":\"callCancel\",\"id\":12,\"callId\":\"" UUID "\"}", CONFAB_WIRE_CALL_CANCEL, 12 },
    { "{\"type\":\"callHangup\",\"id\":13,\"callId\":\"" UUID "\",\"reason\":\"Hangup_From_Callee\"}", CONFAB_WIRE_CALL_HANGUP, 13 },
    { "{\"type\":\"callSdp\",\"id\":14,\"callId\":\"" UUID "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\\r\\n\"}", CONFAB_WIRE_CALL_SDP, 14 },
    { "{\"type\":\"callIce\",\"id\":15,\"callId\":\"" UUID "\",\"candidate\":\"\",\"sdpMLineIndex\":0,\"sdpMid\":\"video0\"}", CONFAB_WIRE_CALL_ICE, 15 },
    { "{\"type\":\"callSdp\",\"id\":16,\"callId\":\"" UUID "\",\"sdpType\":\"answer\",\"sdp\":\"v=0\",\"uuid\":\"" UUID "\"}", CONFAB_WIRE_CALL_SDP, 16 },
    { "{\"type\":\"callIce\",\"id\":17,\"callId\":\"" UUID "\",\"candidate\":\"c\",\"sdpMLineIndex\":1,\"uuid\":\"" UUID "\"}", CONFAB_WIRE_CALL_ICE, 17 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabWireMessage) message = NULL;
      g_autofree char *field = NULL;
      gint64 id = -1;

      message = decode_server (cases[i].frame, &id, &field, &error);
      g_assert_no_error (error);
      g_assert_nonnull (message);
      g_assert_cmpint (message->type, ==, cases[i].type);
      g_assert_cmpint (message->id, ==, cases[i].id);
      g_assert_cmpint (id, ==, cases[i].id);
      g_assert_null (field);
    }
}

static void
test_bad_requests (void)
{
  static const BadCase cases[] = {
    { "empty", "", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "not json", "hello", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "truncated", "{\"type\":\"ping\"", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "array", "[1,2,3]", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "string", "\"ping\"", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "number", "42", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "invalid utf8", "{\"type\":\"ping\",\"x\":\"\xff\xfe\"}", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "short unicode escape", "{\"type\":\"ping\",\"x\":\"\\u00e\xc7\x98\"}", CONFAB_WIRE_ERROR_BAD_FORMAT, NULL, 0 },
    { "no type", "{\"id\":3}", CONFAB_WIRE_ERROR_UNKNOWN_TYPE, "type", 3 },
    { "type not string", "{\"type\":5,\"id\":3}", CONFAB_WIRE_ERROR_UNKNOWN_TYPE, "type", 3 },
    { "unknown type", "{\"type\":\"launchRockets\",\"id\":3}", CONFAB_WIRE_ERROR_UNKNOWN_TYPE, "type", 3 },
    { "server-only type", "{\"type\":\"welcome\",\"id\":3}", CONFAB_WIRE_ERROR_UNKNOWN_TYPE, "type", 3 },
    { "missing id", "{\"type\":\"disconnect\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "id zero", "{\"type\":\"disconnect\",\"id\":0}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "id negative", "{\"type\":\"disconnect\",\"id\":-4}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "id too big", "{\"type\":\"disconnect\",\"id\":9007199254740992}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "id float", "{\"type\":\"disconnect\",\"id\":1.5}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "id string", "{\"type\":\"disconnect\",\"id\":\"1\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "id", 0 },
    { "hello no versions", "{\"type\":\"hello\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "versions", 0 },
    { "hello versions empty", "{\"type\":\"hello\",\"versions\":[]}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "versions", 0 },
    { "hello versions strings", "{\"type\":\"hello\",\"versions\":[\"1\"]}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "versions", 0 },
    { "hello versions too many", "{\"type\":\"hello\",\"versions\":[1,2,3,4,5,6,7,8,9]}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "versions", 0 },
    { "hello client control char", "{\"type\":\"hello\",\"versions\":[1],\"client\":\"a\\u0007b\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "client", 0 },
    { "register no uri", "{\"type\":\"register\",\"id\":8}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uri", 8 },
    { "register uri empty", "{\"type\":\"register\",\"id\":8,\"uri\":\"\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uri", 8 },
    { "register uri number", "{\"type\":\"register\",\"id\":8,\"uri\":7}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uri", 8 },
    { "register bad user id", "{\"type\":\"register\",\"id\":8,\"uri\":\"apiKey:k\",\"userId\":\"a b\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "userId", 8 },
    { "register user data array", "{\"type\":\"register\",\"id\":8,\"uri\":\"apiKey:k\",\"userData\":[]}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "userData", 8 },
    { "register username empty", "{\"type\":\"register\",\"id\":8,\"uri\":\"apiKey:k\",\"username\":\"\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "username", 8 },
    { "resume negative seq", "{\"type\":\"resume\",\"id\":2,\"resumeToken\":\"t\",\"lastSeq\":-1}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "lastSeq", 2 },
    { "resume no token", "{\"type\":\"resume\",\"id\":2,\"lastSeq\":1}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "resumeToken", 2 },
    { "ping bad ack", "{\"type\":\"ping\",\"ack\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "ack", 0 },
    { "message no to", "{\"type\":\"contactMessage\",\"id\":4,\"uuid\":\"" UUID "\",\"text\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "to", 4 },
    { "message to null", "{\"type\":\"contactMessage\",\"id\":4,\"to\":null,\"uuid\":\"" UUID "\",\"text\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "to", 4 },
    { "message bad uuid", "{\"type\":\"contactMessage\",\"id\":4,\"to\":\"bob\",\"uuid\":\"not-a-uuid\",\"text\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uuid", 4 },
    { "message uppercase uuid", "{\"type\":\"contactMessage\",\"id\":4,\"to\":\"bob\",\"uuid\":\"0F8FAD5B-D9CB-469F-A165-70867728950E\",\"text\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uuid", 4 },
    { "message empty text", "{\"type\":\"contactMessage\",\"id\":4,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"text\":\"\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "text", 4 },
    { "message text object", "{\"type\":\"contactMessage\",\"id\":4,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"text\":{}}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "text", 4 },
    { "data content string", "{\"type\":\"contactData\",\"id\":5,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"content\":\"x\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "content", 5 },
    { "event no name", "{\"type\":\"customEvent\",\"id\":6,\"to\":\"bob\",\"uuid\":\"" UUID "\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "event", 6 },
    { "invite bad media", "{\"type\":\"callInvite\",\"id\":8,\"to\":\"bob\",\"callId\":\"" UUID "\",\"media\":\"hologram\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "media", 8 },
    { "invite bad call id", "{\"type\":\"callInvite\",\"id\":8,\"to\":\"bob\",\"callId\":\"c1\",\"media\":\"audio\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "callId", 8 },
    { "sdp bad type", "{\"type\":\"callSdp\",\"id\":14,\"callId\":\"" UUID "\",\"sdpType\":\"pranswer\",\"sdp\":\"v=0\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "sdpType", 14 },
    { "sdp missing", "{\"type\":\"callSdp\",\"id\":14,\"callId\":\"" UUID "\",\"sdpType\":\"offer\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "sdp", 14 },
    { "ice mline out of range", "{\"type\":\"callIce\",\"id\":15,\"callId\":\"" UUID "\",\"candidate\":\"c\",\"sdpMLineIndex\":256}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "sdpMLineIndex", 15 },
    { "ice candidate number", "{\"type\":\"callIce\",\"id\":15,\"callId\":\"" UUID "\",\"candidate\":1,\"sdpMLineIndex\":0}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "candidate", 15 },
    { "sdp bad uuid", "{\"type\":\"callSdp\",\"id\":14,\"callId\":\"" UUID "\",\"sdpType\":\"offer\",\"sdp\":\"v=0\",\"uuid\":\"1\"}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uuid", 14 },
    { "ice uuid number", "{\"type\":\"callIce\",\"id\":15,\"callId\":\"" UUID "\",\"candidate\":\"c\",\"sdpMLineIndex\":0,\"uuid\":7}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "uuid", 15 },
    { "raw data number", "{\"type\":\"rawData\",\"id\":7,\"to\":\"bob\",\"uuid\":\"" UUID "\",\"data\":5}", CONFAB_WIRE_ERROR_BAD_PARAMETER, "data", 7 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabWireMessage) message = NULL;
      g_autofree char *field = NULL;
      gint64 id = -1;

      g_test_message ("case: %s", cases[i].name);
      message = decode_server (cases[i].frame, &id, &field, &error);
      g_assert_null (message);
      g_assert_error (error, CONFAB_WIRE_ERROR, (gint) cases[i].code);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (field, ==, cases[i].field);
      g_assert_cmpint (id, ==, cases[i].id);
      if (cases[i].field != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].field));
    }
}

static void
test_limits (void)
{
  ConfabWireLimits limits;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) frame = g_string_new (NULL);
  g_autofree char *field = NULL;
  ConfabWireMessage *message;
  gint64 id = 0;

  confab_wire_limits_init (&limits);
  limits.max_frame_bytes = 256;
  limits.max_text_bytes = 16;
  limits.max_data_bytes = 32;
  limits.max_string_bytes = 8;

  /* frame over the limit */
  g_string_append (frame, "{\"type\":\"ping\",\"pad\":\"");
  for (guint i = 0; i < 300; i++)
    g_string_append_c (frame, 'x');
  g_string_append (frame, "\"}");
  message = confab_wire_decode (frame->str, frame->len, CONFAB_WIRE_TO_SERVER, &limits, &id, &field, &error);
  g_assert_null (message);
  g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* text over its limit: exactly at the limit passes */
  {
    const char *at_limit = "{\"type\":\"contactMessage\",\"id\":1,\"to\":\"b\",\"uuid\":\"" UUID "\",\"text\":\"0123456789abcdef\"}";

    message = confab_wire_decode (at_limit, strlen (at_limit), CONFAB_WIRE_TO_SERVER, &limits, &id, &field, &error);
  }
  g_assert_no_error (error);
  g_assert_nonnull (message);
  confab_wire_message_free (message);

  {
    const char *too_long = "{\"type\":\"contactMessage\",\"id\":1,\"to\":\"b\",\"uuid\":\"" UUID "\",\"text\":\"0123456789abcdefg\"}";

    message = confab_wire_decode (too_long, strlen (too_long), CONFAB_WIRE_TO_SERVER, &limits, &id, &field, &error);
    g_assert_null (message);
    g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_TOO_LARGE);
    g_assert_cmpstr (field, ==, "text");
    g_assert_cmpint (id, ==, 1);
    g_clear_error (&error);
    g_clear_pointer (&field, g_free);
  }

  {
    const char *big_object = "{\"type\":\"contactData\",\"id\":2,\"to\":\"b\",\"uuid\":\"" UUID "\",\"content\":{\"k\":\"0123456789012345678901234567890123456789\"}}";

    message = confab_wire_decode (big_object, strlen (big_object), CONFAB_WIRE_TO_SERVER, &limits, &id, &field, &error);
    g_assert_null (message);
    g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_TOO_LARGE);
    g_assert_cmpstr (field, ==, "content");
    g_clear_error (&error);
    g_clear_pointer (&field, g_free);
  }

  {
    const char *long_uri = "{\"type\":\"register\",\"id\":3,\"uri\":\"apiKey:0123456789\"}";

    message = confab_wire_decode (long_uri, strlen (long_uri), CONFAB_WIRE_TO_SERVER, &limits, &id, &field, &error);
    g_assert_null (message);
    g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_TOO_LARGE);
    g_assert_cmpstr (field, ==, "uri");
    g_clear_error (&error);
    g_clear_pointer (&field, g_free);
  }
}

static void
test_nesting (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"ping\",\"x\":");
  g_autoptr(GString) fine = g_string_new ("{\"type\":\"ping\",\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}");
  g_autoptr(GError) error = NULL;
  ConfabWireMessage *message;

  /* 100,000 levels: would overflow the parser's stack if it were parsed */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');

  {
    ConfabWireLimits limits;

    confab_wire_limits_init (&limits);
    limits.max_frame_bytes = 1024 * 1024;
    message = confab_wire_decode (deep->str, deep->len, CONFAB_WIRE_TO_SERVER, &limits, NULL, NULL, &error);
    g_assert_null (message);
    g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT);
    g_clear_error (&error);
  }

  /* brackets inside a string do not count */
  message = confab_wire_decode (fine->str, fine->len, CONFAB_WIRE_TO_SERVER, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  confab_wire_message_free (message);
}

static void
test_embedded_nul (void)
{
  static const char frame[] = "{\"type\":\"ping\"}\0garbage";
  g_autoptr(GError) error = NULL;
  ConfabWireMessage *message;

  message = confab_wire_decode (frame, sizeof frame - 1, CONFAB_WIRE_TO_SERVER, NULL, NULL, NULL, &error);
  g_assert_null (message);
  g_assert_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT);
}

static void
test_events (void)
{
  static const char *good[] = {
    "{\"type\":\"welcome\",\"version\":1,\"sessionId\":\"s1\",\"resumeToken\":\"t\",\"heartbeatMs\":15000,\"idleTimeoutMs\":45000,\"graceMs\":30000,\"limits\":{},\"iceServers\":[],\"serverTime\":1}",
    "{\"type\":\"result\",\"re\":3,\"data\":{}}",
    "{\"type\":\"error\",\"code\":\"BAD_FORMAT\",\"message\":\"x\"}",
    "{\"type\":\"pong\",\"serverTime\":5}",
    "{\"type\":\"contactMessage\",\"seq\":1,\"from\":{\"id\":\"alice\",\"username\":\"Alice\"},\"uuid\":\"" UUID "\",\"text\":\"hi\",\"time\":17,\"offline\":true}",
    "{\"type\":\"customEvent\",\"seq\":2,\"from\":{\"id\":\"alice\"},\"uuid\":\"" UUID "\",\"event\":\"typing\",\"time\":17}",
  };
  static const char *bad[] = {
    /* a client type sent to a client */
    "{\"type\":\"hello\",\"versions\":[1]}",
    "{\"type\":\"result\",\"data\":{}}",
    "{\"type\":\"contactMessage\",\"seq\":1,\"from\":{\"id\":\"a b\"},\"uuid\":\"" UUID "\",\"text\":\"hi\",\"time\":17}",
    "{\"type\":\"contactMessage\",\"seq\":1,\"from\":\"alice\",\"uuid\":\"" UUID "\",\"text\":\"hi\",\"time\":17}",
    "{\"type\":\"contactMessage\",\"seq\":0,\"from\":{\"id\":\"alice\"},\"uuid\":\"" UUID "\",\"text\":\"hi\",\"time\":17}",
    "{\"type\":\"contactMessage\",\"seq\":1,\"from\":{\"id\":\"alice\"},\"uuid\":\"" UUID "\",\"text\":\"hi\",\"time\":17,\"offline\":1}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabWireMessage) message = NULL;

      message = confab_wire_decode (good[i], strlen (good[i]), CONFAB_WIRE_TO_CLIENT, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (message);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabWireMessage) message = NULL;

      message = confab_wire_decode (bad[i], strlen (bad[i]), CONFAB_WIRE_TO_CLIENT, NULL, NULL, NULL, &error);
      g_assert_null (message);
      g_assert_nonnull (error);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConfabWireMessage) message = NULL;
    const char *event = "{\"type\":\"contactData\",\"seq\":41,\"from\":{\"id\":\"a\"},\"uuid\":\"" UUID "\",\"content\":{\"x\":[1]},\"time\":3}";

    message = confab_wire_decode (event, strlen (event), CONFAB_WIRE_TO_CLIENT, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (message->seq, ==, 41);
    g_assert_cmpint (message->type, ==, CONFAB_WIRE_CONTACT_DATA);
  }
}

static void
test_encode_roundtrip (void)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  g_autofree char *err = NULL;
  g_autofree char *uuid = confab_wire_new_uuid ();
  ConfabWireMessage *message;
  gsize len = 0;

  g_assert_true (confab_wire_is_uuid (uuid));

  json_object_set_string_member (data, "uuid", uuid);
  result = confab_wire_encode_result (12, data, &len);
  g_assert_cmpuint (len, ==, strlen (result));
  message = confab_wire_decode (result, len, CONFAB_WIRE_TO_CLIENT, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, CONFAB_WIRE_RESULT);
  g_assert_cmpint (message->re, ==, 12);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message->object, "data"), "uuid"), ==, uuid);
  confab_wire_message_free (message);

  err = confab_wire_encode_error (0, CONFAB_WIRE_ERROR_TOO_LARGE, "text", "too long", &len);
  message = confab_wire_decode (err, len, CONFAB_WIRE_TO_CLIENT, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, CONFAB_WIRE_ERROR_MESSAGE);
  g_assert_cmpint (message->re, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (message->object, "code"), ==, "TOO_LARGE");
  g_assert_cmpstr (json_object_get_string_member (message->object, "field"), ==, "text");
  confab_wire_message_free (message);
}

static void
test_names (void)
{
  for (guint i = 0; i < CONFAB_WIRE_N_ERRORS; i++)
    {
      ConfabWireError code = 0;
      const char *name = confab_wire_error_to_string (i);

      g_assert_nonnull (name);
      g_assert_true (confab_wire_error_from_string (name, &code));
      g_assert_cmpint (code, ==, i);
    }
  g_assert_false (confab_wire_error_from_string ("NOPE", NULL));
  g_assert_false (confab_wire_error_from_string (NULL, NULL));

  for (guint t = CONFAB_WIRE_HELLO; t <= CONFAB_WIRE_LAST_TYPE; t++)
    g_assert_cmpint (confab_wire_type_from_string (confab_wire_type_to_string (t)), ==, t);
  g_assert_cmpint (confab_wire_type_from_string ("Hello"), ==, CONFAB_WIRE_UNKNOWN);

  g_assert_true (confab_wire_is_userid ("alice.b@example-1_x"));
  g_assert_false (confab_wire_is_userid (""));
  g_assert_false (confab_wire_is_userid ("al ice"));
  g_assert_false (confab_wire_is_userid ("0123456789012345678901234567890123456789012345678901234567890123X"));
  g_assert_true (confab_wire_is_name ("Zoé Ω"));
  g_assert_false (confab_wire_is_name ("tab\there"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire/decode/good-requests", test_good_requests);
  g_test_add_func ("/wire/decode/bad-requests", test_bad_requests);
  g_test_add_func ("/wire/decode/limits", test_limits);
  g_test_add_func ("/wire/decode/nesting", test_nesting);
  g_test_add_func ("/wire/decode/embedded-nul", test_embedded_nul);
  g_test_add_func ("/wire/decode/events", test_events);
  g_test_add_func ("/wire/encode/roundtrip", test_encode_roundtrip);
  g_test_add_func ("/wire/names", test_names);

  return g_test_run ();
}
