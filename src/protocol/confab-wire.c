/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-wire.c: decoding, validation and encoding of the wire protocol v1 */

#define G_LOG_DOMAIN "confab-wire"

#include "config.h"

#include "confab-wire.h"

#include <string.h>

/* 2^53 - 1: the largest integer every JSON implementation represents exactly */
#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)

static const char * const error_names[CONFAB_WIRE_N_ERRORS] = {
  [CONFAB_WIRE_ERROR_BAD_FORMAT] = "BAD_FORMAT",
  [CONFAB_WIRE_ERROR_UNKNOWN_TYPE] = "UNKNOWN_TYPE",
  [CONFAB_WIRE_ERROR_BAD_PARAMETER] = "BAD_PARAMETER",
  [CONFAB_WIRE_ERROR_TOO_LARGE] = "TOO_LARGE",
  [CONFAB_WIRE_ERROR_RATE_LIMITED] = "RATE_LIMITED",
  [CONFAB_WIRE_ERROR_UNSUPPORTED_VERSION] = "UNSUPPORTED_VERSION",
  [CONFAB_WIRE_ERROR_WRONG_STATE] = "WRONG_STATE",
  [CONFAB_WIRE_ERROR_UNAUTHORIZED] = "UNAUTHORIZED",
  [CONFAB_WIRE_ERROR_INVALID_CREDENTIALS] = "INVALID_CREDENTIALS",
  [CONFAB_WIRE_ERROR_NOT_FOUND] = "NOT_FOUND",
  [CONFAB_WIRE_ERROR_NOT_ALLOWED] = "NOT_ALLOWED",
  [CONFAB_WIRE_ERROR_INTERNAL] = "INTERNAL",
  [CONFAB_WIRE_ERROR_TIMED_OUT] = "TIMED_OUT",
  [CONFAB_WIRE_ERROR_DISCONNECTED] = "DISCONNECTED",
};

static const char * const type_names[] = {
  [CONFAB_WIRE_UNKNOWN] = NULL,
  [CONFAB_WIRE_HELLO] = "hello",
  [CONFAB_WIRE_WELCOME] = "welcome",
  [CONFAB_WIRE_REGISTER] = "register",
  [CONFAB_WIRE_RESUME] = "resume",
  [CONFAB_WIRE_DISCONNECT] = "disconnect",
  [CONFAB_WIRE_PING] = "ping",
  [CONFAB_WIRE_PONG] = "pong",
  [CONFAB_WIRE_RESULT] = "result",
  [CONFAB_WIRE_ERROR_MESSAGE] = "error",
  [CONFAB_WIRE_CONTACT_MESSAGE] = "contactMessage",
  [CONFAB_WIRE_CONTACT_DATA] = "contactData",
  [CONFAB_WIRE_CUSTOM_EVENT] = "customEvent",
  [CONFAB_WIRE_RAW_DATA] = "rawData",
  [CONFAB_WIRE_CALL_INVITE] = "callInvite",
  [CONFAB_WIRE_CALL_RINGING] = "callRinging",
  [CONFAB_WIRE_CALL_ACCEPT] = "callAccept",
  [CONFAB_WIRE_CALL_DECLINE] = "callDecline",
  [CONFAB_WIRE_CALL_CANCEL] = "callCancel",
  [CONFAB_WIRE_CALL_HANGUP] = "callHangup",
  [CONFAB_WIRE_CALL_SDP] = "callSdp",
  [CONFAB_WIRE_CALL_ICE] = "callIce",
};

/* The kinds of member the schema knows (docs/PROTOCOL.md §2). */
typedef enum {
  FIELD_REQID,        /* integer 1 .. 2^53-1 */
  FIELD_COUNT,        /* integer 0 .. 2^53-1 */
  FIELD_STRING,       /* any string up to max_string_bytes */
  FIELD_PASSWORD,     /* any string up to CONFAB_WIRE_MAX_PASSWORD_BYTES */
  FIELD_UUID,
  FIELD_USERID,
  FIELD_NAME,
  FIELD_TEXT,         /* 1 .. max_text_bytes */
  FIELD_DATA_STRING,  /* string up to max_data_bytes */
  FIELD_OBJECT,       /* object, serialized size up to max_data_bytes */
  FIELD_ANY_OBJECT,   /* object, no size rule (server-made) */
  FIELD_ARRAY,        /* array, any content */
  FIELD_VERSIONS,     /* array of 1..8 integers */
  FIELD_BOOLEAN,
  FIELD_PEER,         /* {"id": userid, "username": name?} */
  FIELD_MEDIA,        /* "audio" | "video" | "screen" */
  FIELD_SDP_TYPE,     /* "offer" | "answer" */
  FIELD_MLINE,        /* integer 0 .. 255 */
  FIELD_CANDIDATE,    /* string up to max_string_bytes, may be empty */
} FieldKind;

typedef struct {
  const char *name;
  FieldKind   kind;
  gboolean    required;
} Field;

typedef struct {
  ConfabWireType type;
  const Field   *fields;
} Schema;

#define END { NULL, 0, FALSE }

/* Client to server */
static const Field hello_fields[] = {
  { "versions", FIELD_VERSIONS, TRUE },
  { "client", FIELD_NAME, FALSE },
  END
};
static const Field register_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "uri", FIELD_STRING, TRUE },
  { "password", FIELD_PASSWORD, FALSE },
  { "userId", FIELD_USERID, FALSE },
  { "username", FIELD_NAME, FALSE },
  { "userData", FIELD_OBJECT, FALSE },
  END
};
static const Field resume_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "resumeToken", FIELD_STRING, TRUE },
  { "lastSeq", FIELD_COUNT, TRUE },
  END
};
static const Field disconnect_fields[] = {
  { "id", FIELD_REQID, TRUE },
  END
};
static const Field ping_fields[] = {
  { "ack", FIELD_COUNT, FALSE },
  END
};
static const Field send_message_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "to", FIELD_USERID, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "text", FIELD_TEXT, TRUE },
  END
};
static const Field send_data_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "to", FIELD_USERID, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "content", FIELD_OBJECT, TRUE },
  END
};
static const Field send_event_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "to", FIELD_USERID, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "event", FIELD_NAME, TRUE },
  { "content", FIELD_OBJECT, FALSE },
  END
};
static const Field send_raw_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "to", FIELD_USERID, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "data", FIELD_DATA_STRING, TRUE },
  END
};

static const Field call_invite_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "to", FIELD_USERID, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "media", FIELD_MEDIA, TRUE },
  END
};
static const Field call_plain_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "callId", FIELD_UUID, TRUE },
  END
};
static const Field call_reason_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "reason", FIELD_NAME, FALSE },
  END
};
static const Field call_sdp_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "sdpType", FIELD_SDP_TYPE, TRUE },
  { "sdp", FIELD_DATA_STRING, TRUE },
  { "uuid", FIELD_UUID, FALSE },
  END
};
static const Field call_ice_fields[] = {
  { "id", FIELD_REQID, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "candidate", FIELD_CANDIDATE, TRUE },
  { "sdpMLineIndex", FIELD_MLINE, TRUE },
  { "sdpMid", FIELD_NAME, FALSE },
  { "uuid", FIELD_UUID, FALSE },
  END
};

static const Schema to_server[] = {
  { CONFAB_WIRE_HELLO, hello_fields },
  { CONFAB_WIRE_REGISTER, register_fields },
  { CONFAB_WIRE_RESUME, resume_fields },
  { CONFAB_WIRE_DISCONNECT, disconnect_fields },
  { CONFAB_WIRE_PING, ping_fields },
  { CONFAB_WIRE_CONTACT_MESSAGE, send_message_fields },
  { CONFAB_WIRE_CONTACT_DATA, send_data_fields },
  { CONFAB_WIRE_CUSTOM_EVENT, send_event_fields },
  { CONFAB_WIRE_RAW_DATA, send_raw_fields },
  { CONFAB_WIRE_CALL_INVITE, call_invite_fields },
  { CONFAB_WIRE_CALL_RINGING, call_plain_fields },
  { CONFAB_WIRE_CALL_ACCEPT, call_plain_fields },
  { CONFAB_WIRE_CALL_DECLINE, call_reason_fields },
  { CONFAB_WIRE_CALL_CANCEL, call_reason_fields },
  { CONFAB_WIRE_CALL_HANGUP, call_reason_fields },
  { CONFAB_WIRE_CALL_SDP, call_sdp_fields },
  { CONFAB_WIRE_CALL_ICE, call_ice_fields },
  { CONFAB_WIRE_UNKNOWN, NULL },
};

/* Server to client */
static const Field welcome_fields[] = {
  { "version", FIELD_COUNT, TRUE },
  { "sessionId", FIELD_STRING, TRUE },
  { "resumeToken", FIELD_STRING, TRUE },
  { "heartbeatMs", FIELD_COUNT, TRUE },
  { "idleTimeoutMs", FIELD_COUNT, TRUE },
  { "graceMs", FIELD_COUNT, TRUE },
  { "limits", FIELD_ANY_OBJECT, TRUE },
  { "iceServers", FIELD_ARRAY, TRUE },
  { "serverTime", FIELD_COUNT, TRUE },
  END
};
static const Field result_fields[] = {
  { "re", FIELD_REQID, TRUE },
  { "data", FIELD_ANY_OBJECT, TRUE },
  END
};
static const Field error_fields[] = {
  { "re", FIELD_REQID, FALSE },
  { "code", FIELD_STRING, TRUE },
  { "message", FIELD_STRING, TRUE },
  { "field", FIELD_STRING, FALSE },
  END
};
static const Field pong_fields[] = {
  { "serverTime", FIELD_COUNT, FALSE },
  END
};
static const Field message_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "text", FIELD_TEXT, TRUE },
  { "time", FIELD_COUNT, TRUE },
  { "offline", FIELD_BOOLEAN, FALSE },
  END
};
static const Field data_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "content", FIELD_OBJECT, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field custom_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "event", FIELD_NAME, TRUE },
  { "content", FIELD_OBJECT, FALSE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field raw_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "uuid", FIELD_UUID, TRUE },
  { "data", FIELD_DATA_STRING, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};

static const Field call_invite_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "media", FIELD_MEDIA, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field call_plain_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field call_reason_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "reason", FIELD_NAME, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field call_sdp_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "sdpType", FIELD_SDP_TYPE, TRUE },
  { "sdp", FIELD_DATA_STRING, TRUE },
  { "time", FIELD_COUNT, TRUE },
  END
};
static const Field call_ice_event_fields[] = {
  { "seq", FIELD_REQID, TRUE },
  { "from", FIELD_PEER, TRUE },
  { "callId", FIELD_UUID, TRUE },
  { "candidate", FIELD_CANDIDATE, TRUE },
  { "sdpMLineIndex", FIELD_MLINE, TRUE },
  { "sdpMid", FIELD_NAME, FALSE },
  { "time", FIELD_COUNT, TRUE },
  END
};

static const Schema to_client[] = {
  { CONFAB_WIRE_WELCOME, welcome_fields },
  { CONFAB_WIRE_RESULT, result_fields },
  { CONFAB_WIRE_ERROR_MESSAGE, error_fields },
  { CONFAB_WIRE_PONG, pong_fields },
  { CONFAB_WIRE_CONTACT_MESSAGE, message_event_fields },
  { CONFAB_WIRE_CONTACT_DATA, data_event_fields },
  { CONFAB_WIRE_CUSTOM_EVENT, custom_event_fields },
  { CONFAB_WIRE_RAW_DATA, raw_event_fields },
  { CONFAB_WIRE_CALL_INVITE, call_invite_event_fields },
  { CONFAB_WIRE_CALL_RINGING, call_plain_event_fields },
  { CONFAB_WIRE_CALL_ACCEPT, call_plain_event_fields },
  { CONFAB_WIRE_CALL_DECLINE, call_reason_event_fields },
  { CONFAB_WIRE_CALL_CANCEL, call_reason_event_fields },
  { CONFAB_WIRE_CALL_HANGUP, call_reason_event_fields },
  { CONFAB_WIRE_CALL_SDP, call_sdp_event_fields },
  { CONFAB_WIRE_CALL_ICE, call_ice_event_fields },
  { CONFAB_WIRE_UNKNOWN, NULL },
};

G_DEFINE_QUARK (confab-wire-error-quark, confab_wire_error)

const char *
confab_wire_error_to_string (ConfabWireError code)
{
  if ((guint) code >= CONFAB_WIRE_N_ERRORS)
    return "INTERNAL";
  return error_names[code];
}

gboolean
confab_wire_error_from_string (const char      *name,
                               ConfabWireError *out_code)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < CONFAB_WIRE_N_ERRORS; i++)
    {
      if (strcmp (name, error_names[i]) == 0)
        {
          if (out_code != NULL)
            *out_code = (ConfabWireError) i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
confab_wire_type_to_string (ConfabWireType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return NULL;
  return type_names[type];
}

ConfabWireType
confab_wire_type_from_string (const char *name)
{
  if (name == NULL)
    return CONFAB_WIRE_UNKNOWN;

  for (guint i = 1; i < G_N_ELEMENTS (type_names); i++)
    {
      if (strcmp (name, type_names[i]) == 0)
        return (ConfabWireType) i;
    }

  return CONFAB_WIRE_UNKNOWN;
}

void
confab_wire_limits_init (ConfabWireLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_frame_bytes = 65536;
  limits->max_string_bytes = 4096;
  limits->max_text_bytes = 16384;
  limits->max_data_bytes = 32768;
  limits->rate_per_second = 50;
  limits->rate_burst = 200;
  limits->max_violations = 50;
  limits->max_depth = 32;
}

gboolean
confab_wire_is_uuid (const char *str)
{
  if (str == NULL || strlen (str) != CONFAB_WIRE_UUID_LENGTH)
    return FALSE;

  for (guint i = 0; i < CONFAB_WIRE_UUID_LENGTH; i++)
    {
      char c = str[i];

      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (c != '-')
            return FALSE;
        }
      else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        {
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
confab_wire_is_userid (const char *str)
{
  gsize len;

  if (str == NULL)
    return FALSE;

  len = strlen (str);
  if (len == 0 || len > CONFAB_WIRE_MAX_ID_BYTES)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = str[i];

      if (!(g_ascii_isalnum (c) || c == '.' || c == '_' || c == '@' || c == '-'))
        return FALSE;
    }

  return TRUE;
}

gboolean
confab_wire_is_name (const char *str)
{
  gsize len;

  if (str == NULL)
    return FALSE;

  len = strlen (str);
  if (len == 0 || len > CONFAB_WIRE_MAX_ID_BYTES)
    return FALSE;
  if (!g_utf8_validate (str, len, NULL))
    return FALSE;

  for (const char *p = str; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

char *
confab_wire_new_uuid (void)
{
  /* g_uuid_string_random() makes a lowercase version-4 uuid */
  return g_uuid_string_random ();
}

gsize
confab_wire_node_size (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;

  g_return_val_if_fail (node != NULL, 0);

  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);

  return length;
}

/*
 * Checks the nesting depth of the JSON text before it is parsed: json-glib's parser is
 * recursive, so a deep enough input would otherwise exhaust the stack.
 */
static gboolean
depth_within (const char *data,
              gsize       length,
              guint       max_depth)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '{':
        case '[':
          if (++depth > max_depth)
            return FALSE;
          break;
        case '}':
        case ']':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/*
 * json-glib accepts some broken escapes (a short \u sequence, a lone surrogate) and then
 * holds strings that are not UTF-8; such a value could not be encoded again for anyone
 * else, so the whole tree is checked, member names included.
 */
static gboolean
tree_is_utf8 (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            if (!g_utf8_validate (name, -1, NULL) || !tree_is_utf8 (member))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        for (guint i = 0; i < n; i++)
          {
            if (!tree_is_utf8 (json_array_get_element (array, i)))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return g_utf8_validate (json_node_get_string (node), -1, NULL);
      return TRUE;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static gboolean
is_integer_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
set_field_error (GError          **error,
                 char            **out_field,
                 const char       *field,
                 ConfabWireError   code,
                 const char       *format,
                 ...) G_GNUC_PRINTF (5, 6);

static gboolean
set_field_error (GError          **error,
                 char            **out_field,
                 const char       *field,
                 ConfabWireError   code,
                 const char       *format,
                 ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (out_field != NULL)
    {
      g_free (*out_field);
      *out_field = g_strdup (field);
    }

  g_set_error (error, CONFAB_WIRE_ERROR, code, "member '%s' %s", field, text);
  return FALSE;
}

static gboolean
check_string (JsonNode          *node,
              const char        *name,
              gsize              max_bytes,
              gboolean           allow_empty,
              char             **out_field,
              GError           **error)
{
  const char *str;
  gsize len;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                            "must be a string");

  str = json_node_get_string (node);
  len = strlen (str);

  if (len == 0 && !allow_empty)
    return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                            "must not be empty");
  if (len > max_bytes)
    return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_TOO_LARGE,
                            "is longer than %" G_GSIZE_FORMAT " bytes", max_bytes);

  return TRUE;
}

static const char * const media_values[] = { "audio", "video", "screen", NULL };
static const char * const sdp_type_values[] = { "offer", "answer", NULL };

/* A string that must be one of @values. */
static gboolean
check_one_of (JsonNode            *node,
              const char          *name,
              const char * const  *values,
              const char          *expected,
              char               **out_field,
              GError             **error)
{
  if (!check_string (node, name, CONFAB_WIRE_MAX_ID_BYTES, FALSE, out_field, error))
    return FALSE;
  if (!g_strv_contains (values, json_node_get_string (node)))
    return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER, "%s", expected);
  return TRUE;
}

static gboolean
check_field (JsonNode                *node,
             const Field             *field,
             const ConfabWireLimits  *limits,
             char                   **out_field,
             GError                 **error)
{
  const char *name = field->name;

  switch (field->kind)
    {
    case FIELD_REQID:
    case FIELD_COUNT:
      {
        gint64 value;
        gint64 min = field->kind == FIELD_REQID ? 1 : 0;

        if (!is_integer_node (node))
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must be an integer");
        value = json_node_get_int (node);
        if (value < min || value > MAX_SAFE_INTEGER)
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must be between %" G_GINT64_FORMAT " and 2^53-1", min);
        return TRUE;
      }

    case FIELD_STRING:
      return check_string (node, name, limits->max_string_bytes, FALSE, out_field, error);

    case FIELD_PASSWORD:
      return check_string (node, name, CONFAB_WIRE_MAX_PASSWORD_BYTES, TRUE, out_field, error);

    case FIELD_TEXT:
      return check_string (node, name, limits->max_text_bytes, FALSE, out_field, error);

    case FIELD_DATA_STRING:
      return check_string (node, name, limits->max_data_bytes, TRUE, out_field, error);

    case FIELD_UUID:
      if (!check_string (node, name, CONFAB_WIRE_MAX_ID_BYTES, FALSE, out_field, error))
        return FALSE;
      if (!confab_wire_is_uuid (json_node_get_string (node)))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be a lowercase 8-4-4-4-12 hexadecimal uuid");
      return TRUE;

    case FIELD_USERID:
      if (!check_string (node, name, CONFAB_WIRE_MAX_ID_BYTES, FALSE, out_field, error))
        return FALSE;
      if (!confab_wire_is_userid (json_node_get_string (node)))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
      return TRUE;

    case FIELD_NAME:
      if (!check_string (node, name, CONFAB_WIRE_MAX_ID_BYTES, FALSE, out_field, error))
        return FALSE;
      if (!confab_wire_is_name (json_node_get_string (node)))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must not contain control characters");
      return TRUE;

    case FIELD_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be an object");
      if (confab_wire_node_size (node) > limits->max_data_bytes)
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_TOO_LARGE,
                                "is larger than %u bytes", limits->max_data_bytes);
      return TRUE;

    case FIELD_ANY_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be an object");
      return TRUE;

    case FIELD_ARRAY:
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be an array");
      return TRUE;

    case FIELD_VERSIONS:
      {
        JsonArray *array;
        guint n;

        if (!JSON_NODE_HOLDS_ARRAY (node))
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must be an array of integers");
        array = json_node_get_array (node);
        n = json_array_get_length (array);
        if (n < 1 || n > 8)
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must hold 1 to 8 versions");
        for (guint i = 0; i < n; i++)
          {
            JsonNode *element = json_array_get_element (array, i);

            if (!is_integer_node (element) || json_node_get_int (element) < 0)
              return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                      "must be an array of non-negative integers");
          }
        return TRUE;
      }

    case FIELD_BOOLEAN:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be true or false");
      return TRUE;

    case FIELD_PEER:
      {
        JsonObject *peer;
        JsonNode *member;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must be an object");
        peer = json_node_get_object (node);
        member = json_object_get_member (peer, "id");
        if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
            json_node_get_value_type (member) != G_TYPE_STRING ||
            !confab_wire_is_userid (json_node_get_string (member)))
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must have a valid user id in 'id'");
        member = json_object_get_member (peer, "username");
        if (member != NULL &&
            (!JSON_NODE_HOLDS_VALUE (member) ||
             json_node_get_value_type (member) != G_TYPE_STRING ||
             !confab_wire_is_name (json_node_get_string (member))))
          return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                  "must have a valid name in 'username'");
        return TRUE;
      }

    case FIELD_MEDIA:
      return check_one_of (node, name, media_values, "must be \"audio\", \"video\" or \"screen\"",
                           out_field, error);

    case FIELD_SDP_TYPE:
      return check_one_of (node, name, sdp_type_values, "must be \"offer\" or \"answer\"",
                           out_field, error);

    case FIELD_MLINE:
      if (!is_integer_node (node) || json_node_get_int (node) < 0 || json_node_get_int (node) > 255)
        return set_field_error (error, out_field, name, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                                "must be an integer between 0 and 255");
      return TRUE;

    case FIELD_CANDIDATE:
      return check_string (node, name, limits->max_string_bytes, TRUE, out_field, error);

    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

static const Schema *
find_schema (ConfabWireDirection direction,
             ConfabWireType      type)
{
  const Schema *table = direction == CONFAB_WIRE_TO_SERVER ? to_server : to_client;

  for (guint i = 0; table[i].fields != NULL; i++)
    {
      if (table[i].type == type)
        return &table[i];
    }

  return NULL;
}

static gint64
read_optional_int (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !is_integer_node (node))
    return 0;
  if (json_node_get_int (node) < 1 || json_node_get_int (node) > MAX_SAFE_INTEGER)
    return 0;

  return json_node_get_int (node);
}

ConfabWireMessage *
confab_wire_decode (const char              *data,
                    gsize                    length,
                    ConfabWireDirection      direction,
                    const ConfabWireLimits  *limits,
                    gint64                  *out_id,
                    char                   **out_field,
                    GError                 **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  ConfabWireLimits default_limits;
  ConfabWireMessage *message;
  const Schema *schema;
  JsonNode *root;
  JsonObject *object;
  JsonNode *type_node;
  ConfabWireType type;
  gint64 id;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_id != NULL)
    *out_id = 0;
  if (out_field != NULL)
    *out_field = NULL;

  if (limits == NULL)
    {
      confab_wire_limits_init (&default_limits);
      limits = &default_limits;
    }

  if (length > limits->max_frame_bytes)
    {
      g_set_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_TOO_LARGE,
                   "frame of %" G_GSIZE_FORMAT " bytes is over the limit of %u bytes",
                   length, limits->max_frame_bytes);
      return NULL;
    }

  if (length == 0 || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT,
                           "frame is not valid UTF-8 text");
      return NULL;
    }

  if (!depth_within (data, length, limits->max_depth))
    {
      g_set_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT,
                   "JSON nested deeper than %u levels", limits->max_depth);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      g_set_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT,
                   "malformed JSON: %s", parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT,
                           "frame is not a JSON object");
      return NULL;
    }

  if (!tree_is_utf8 (root))
    {
      g_set_error_literal (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_FORMAT,
                           "a string is not valid UTF-8 once unescaped");
      return NULL;
    }

  object = json_node_get_object (root);

  /* Read the request id first, so every later error can be answered with "re". */
  id = direction == CONFAB_WIRE_TO_SERVER ? read_optional_int (object, "id") : 0;
  if (out_id != NULL)
    *out_id = id;

  type_node = json_object_get_member (object, "type");
  if (type_node == NULL || !JSON_NODE_HOLDS_VALUE (type_node) ||
      json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      if (out_field != NULL)
        *out_field = g_strdup ("type");
      g_set_error_literal (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_UNKNOWN_TYPE,
                           "member 'type' is missing or not a string");
      return NULL;
    }

  type = confab_wire_type_from_string (json_node_get_string (type_node));
  schema = find_schema (direction, type);
  if (schema == NULL)
    {
      g_autofree char *shown = g_strndup (json_node_get_string (type_node), 64);

      if (out_field != NULL)
        *out_field = g_strdup ("type");
      g_set_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_UNKNOWN_TYPE,
                   "unknown message type '%s'", shown);
      return NULL;
    }

  for (const Field *field = schema->fields; field->name != NULL; field++)
    {
      JsonNode *node = json_object_get_member (object, field->name);

      if (node == NULL || (JSON_NODE_HOLDS_NULL (node) && !field->required))
        {
          if (!field->required)
            continue;

          if (out_field != NULL)
            *out_field = g_strdup (field->name);
          g_set_error (error, CONFAB_WIRE_ERROR, CONFAB_WIRE_ERROR_BAD_PARAMETER,
                       "member '%s' is missing", field->name);
          return NULL;
        }

      if (!check_field (node, field, limits, out_field, error))
        return NULL;
    }

  message = g_new0 (ConfabWireMessage, 1);
  message->type = type;
  message->id = id;
  message->re = direction == CONFAB_WIRE_TO_CLIENT ? read_optional_int (object, "re") : 0;
  message->seq = direction == CONFAB_WIRE_TO_CLIENT ? read_optional_int (object, "seq") : 0;
  message->object = json_object_ref (object);

  return message;
}

void
confab_wire_message_free (ConfabWireMessage *message)
{
  if (message == NULL)
    return;

  g_clear_pointer (&message->object, json_object_unref);
  g_free (message);
}

char *
confab_wire_encode (JsonObject *object,
                    gsize      *length)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  root = json_node_init_object (json_node_alloc (), object);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, length);
}

JsonObject *
confab_wire_object_new (ConfabWireType type,
                        gint64         id)
{
  JsonObject *object;
  const char *name = confab_wire_type_to_string (type);

  g_return_val_if_fail (name != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "type", name);
  if (id > 0)
    json_object_set_int_member (object, "id", id);

  return object;
}

char *
confab_wire_encode_result (gint64      re,
                           JsonObject *data,
                           gsize      *length)
{
  g_autoptr(JsonObject) object = confab_wire_object_new (CONFAB_WIRE_RESULT, 0);

  g_return_val_if_fail (re > 0, NULL);

  json_object_set_int_member (object, "re", re);
  if (data != NULL)
    json_object_set_object_member (object, "data", json_object_ref (data));
  else
    json_object_set_object_member (object, "data", json_object_new ());

  return confab_wire_encode (object, length);
}

char *
confab_wire_encode_error (gint64           re,
                          ConfabWireError  code,
                          const char      *field,
                          const char      *message,
                          gsize           *length)
{
  g_autoptr(JsonObject) object = confab_wire_object_new (CONFAB_WIRE_ERROR_MESSAGE, 0);

  if (re > 0)
    json_object_set_int_member (object, "re", re);
  json_object_set_string_member (object, "code", confab_wire_error_to_string (code));
  json_object_set_string_member (object, "message", message != NULL ? message : "");
  if (field != NULL)
    json_object_set_string_member (object, "field", field);

  return confab_wire_encode (object, length);
}
