/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confab.h: the libconfab client SDK, umbrella header */

#pragma once

#define CONFAB_INSIDE

#include "confab-call.h"
#include "confab-call-stats.h"
#include "confab-contact.h"
#include "confab-device-list.h"
#include "confab-enum-types.h"
#include "confab-enums.h"
#include "confab-error.h"
#include "confab-media.h"
#include "confab-media-device.h"
#include "confab-media-enum-types.h"
#include "confab-message.h"
#include "confab-received-call-invitation.h"
#include "confab-record-information.h"
#include "confab-register-information.h"
#include "confab-session.h"
#include "confab-stream.h"
#include "confab-stream-options.h"
#include "confab-user-agent.h"
#include "confab-version.h"

#undef CONFAB_INSIDE
