/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab-server-config.h: confab-server's settings, from a GKeyFile and the command line */

#pragma once

#include <glib.h>

#include "confab-wire.h"

G_BEGIN_DECLS

#define CONFAB_SERVER_DEFAULT_LISTEN          "127.0.0.1"
#define CONFAB_SERVER_DEFAULT_PORT            8470
#define CONFAB_SERVER_DEFAULT_HEARTBEAT_MS    15000
#define CONFAB_SERVER_DEFAULT_IDLE_TIMEOUT_MS 45000
#define CONFAB_SERVER_DEFAULT_GRACE_MS        30000
#define CONFAB_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000
#define CONFAB_SERVER_DEFAULT_TURN_TTL_S      86400

/**
 * ConfabServerConfig:
 *
 * Everything confab-server can be told. Filled with defaults by
 * confab_server_config_new(), then from a key file and/or command-line overrides
 * through confab_server_config_load_key_file(). Plain data: read it, do not change it once
 * the server runs.
 */
typedef struct {
  char             *listen;
  guint             port;
  char             *data_dir;
  char            **api_keys;
  guint             heartbeat_ms;
  guint             idle_timeout_ms;
  guint             grace_ms;
  guint             handshake_timeout_ms;
  ConfabWireLimits  limits;
  char             *tls_cert;
  char             *tls_key;
  gboolean          verbose;
  char            **stun_urls;
  char            **turn_urls;
  char             *turn_secret;
  guint             turn_ttl_s;
} ConfabServerConfig;

ConfabServerConfig *confab_server_config_new           (void);
void                confab_server_config_free          (ConfabServerConfig  *self);

/* Applies the keys of @key_file (groups [server], [auth], [session], [limits], [ice]) over
 * the current values, checking every one. On error nothing is changed. */
gboolean            confab_server_config_load_key_file (ConfabServerConfig  *self,
                                                        GKeyFile            *key_file,
                                                        GError             **error);
gboolean            confab_server_config_load_file     (ConfabServerConfig  *self,
                                                        const char          *path,
                                                        GError             **error);
/* Whether @key is a key of @group that the server knows. */
gboolean            confab_server_config_is_known_key  (const char          *group,
                                                        const char          *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabServerConfig, confab_server_config_free)

G_END_DECLS
