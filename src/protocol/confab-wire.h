/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-wire.h: the Confab wire protocol v1 (docs/PROTOCOL.md), shared by server and library */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CONFAB_WIRE_VERSION 1
#define CONFAB_WIRE_UUID_LENGTH 36
#define CONFAB_WIRE_MAX_ID_BYTES 64
#define CONFAB_WIRE_MAX_PASSWORD_BYTES 1024
#define CONFAB_WIRE_RESUME_TOKEN_LENGTH 43

/**
 * ConfabWireError:
 *
 * The error codes of the protocol (docs/PROTOCOL.md §3.1). Their wire names are the enum
 * names without the prefix (`BAD_FORMAT`, …). libconfab's public `CONFAB_ERROR` domain
 * uses the same names and the same order.
 */
typedef enum {
  CONFAB_WIRE_ERROR_BAD_FORMAT,
  CONFAB_WIRE_ERROR_UNKNOWN_TYPE,
  CONFAB_WIRE_ERROR_BAD_PARAMETER,
  CONFAB_WIRE_ERROR_TOO_LARGE,
  CONFAB_WIRE_ERROR_RATE_LIMITED,
  CONFAB_WIRE_ERROR_UNSUPPORTED_VERSION,
  CONFAB_WIRE_ERROR_WRONG_STATE,
  CONFAB_WIRE_ERROR_UNAUTHORIZED,
  CONFAB_WIRE_ERROR_INVALID_CREDENTIALS,
  CONFAB_WIRE_ERROR_NOT_FOUND,
  CONFAB_WIRE_ERROR_NOT_ALLOWED,
  CONFAB_WIRE_ERROR_INTERNAL,
  CONFAB_WIRE_ERROR_TIMED_OUT,
  CONFAB_WIRE_ERROR_DISCONNECTED,
} ConfabWireError;

#define CONFAB_WIRE_N_ERRORS (CONFAB_WIRE_ERROR_DISCONNECTED + 1)

#define CONFAB_WIRE_ERROR (confab_wire_error_quark ())
GQuark       confab_wire_error_quark      (void);
const char  *confab_wire_error_to_string  (ConfabWireError  code);
gboolean     confab_wire_error_from_string (const char      *name,
                                            ConfabWireError *out_code);

/**
 * ConfabWireType:
 *
 * Every message type of the protocol. A type that is both a request (client to server)
 * and an event (server to client) has one value; the direction tells them apart.
 */
typedef enum {
  CONFAB_WIRE_UNKNOWN = 0,
  CONFAB_WIRE_HELLO,
  CONFAB_WIRE_WELCOME,
  CONFAB_WIRE_REGISTER,
  CONFAB_WIRE_RESUME,
  CONFAB_WIRE_DISCONNECT,
  CONFAB_WIRE_PING,
  CONFAB_WIRE_PONG,
  CONFAB_WIRE_RESULT,
  CONFAB_WIRE_ERROR_MESSAGE,
  CONFAB_WIRE_CONTACT_MESSAGE,
  CONFAB_WIRE_CONTACT_DATA,
  CONFAB_WIRE_CUSTOM_EVENT,
  CONFAB_WIRE_RAW_DATA,
  CONFAB_WIRE_CALL_INVITE,
  CONFAB_WIRE_CALL_RINGING,
  CONFAB_WIRE_CALL_ACCEPT,
  CONFAB_WIRE_CALL_DECLINE,
  CONFAB_WIRE_CALL_CANCEL,
  CONFAB_WIRE_CALL_HANGUP,
  CONFAB_WIRE_CALL_SDP,
  CONFAB_WIRE_CALL_ICE,
} ConfabWireType;

#define CONFAB_WIRE_LAST_TYPE CONFAB_WIRE_CALL_ICE

const char     *confab_wire_type_to_string   (ConfabWireType type);
ConfabWireType  confab_wire_type_from_string (const char    *name);

typedef enum {
  CONFAB_WIRE_TO_SERVER,
  CONFAB_WIRE_TO_CLIENT,
} ConfabWireDirection;

/**
 * ConfabWireLimits:
 *
 * The limits of docs/PROTOCOL.md §1.1. confab_wire_limits_init() fills in the defaults.
 */
typedef struct {
  guint max_frame_bytes;
  guint max_string_bytes;
  guint max_text_bytes;
  guint max_data_bytes;
  guint rate_per_second;
  guint rate_burst;
  guint max_violations;
  guint max_depth;
} ConfabWireLimits;

void confab_wire_limits_init (ConfabWireLimits *limits);

/**
 * ConfabWireMessage:
 * @type: what it is
 * @id: the request id (`id`), or 0 when the message has none
 * @re: the request answered (`re`), or 0
 * @seq: the event sequence number (`seq`), or 0
 * @object: the whole message; every member the protocol defines for @type has been
 *   checked (presence, JSON type, limits), so the json_object_get_*_member() accessors
 *   are safe on them
 *
 * A decoded and validated message. Free with confab_wire_message_free().
 */
typedef struct {
  ConfabWireType  type;
  gint64          id;
  gint64          re;
  gint64          seq;
  JsonObject     *object;
} ConfabWireMessage;

/**
 * confab_wire_decode:
 * @data: the text of one WebSocket frame (not nul-terminated necessarily)
 * @length: its length in bytes
 * @direction: who it is going to; decides which types and members are expected
 * @limits: (nullable): the limits in force, or %NULL for the defaults
 * @out_id: (out) (optional): the request id, when one could be read even though the
 *   message is otherwise invalid (so the error answer can carry `re`); 0 otherwise
 * @out_field: (out) (optional) (transfer full): the member at fault, or %NULL
 * @error: a %CONFAB_WIRE_ERROR with a message that says which member and why
 *
 * Parses and validates one frame. Never crashes on any input.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
ConfabWireMessage *confab_wire_decode (const char              *data,
                                       gsize                    length,
                                       ConfabWireDirection      direction,
                                       const ConfabWireLimits  *limits,
                                       gint64                  *out_id,
                                       char                   **out_field,
                                       GError                 **error);

void confab_wire_message_free (ConfabWireMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabWireMessage, confab_wire_message_free)

/* Encoding: compact JSON text of one frame. @length may be %NULL. */
char *confab_wire_encode        (JsonObject      *object,
                                 gsize           *length);
char *confab_wire_encode_result (gint64           re,
                                 JsonObject      *data,
                                 gsize           *length);
char *confab_wire_encode_error  (gint64           re,
                                 ConfabWireError  code,
                                 const char      *field,
                                 const char      *message,
                                 gsize           *length);

/* A new JsonObject with "type" set (and "id" when @id > 0). */
JsonObject *confab_wire_object_new (ConfabWireType type,
                                    gint64         id);

/* Value checks of docs/PROTOCOL.md §2. */
gboolean confab_wire_is_uuid   (const char *str);
gboolean confab_wire_is_userid (const char *str);
gboolean confab_wire_is_name   (const char *str);
char    *confab_wire_new_uuid  (void);

/* The JSON text length of @node serialized compactly. */
gsize    confab_wire_node_size (JsonNode *node);

G_END_DECLS
