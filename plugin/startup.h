/* plugin/startup.h: warnings logged once the gateway has started (internal). */
#ifndef PLUGIN_STARTUP_H
#define PLUGIN_STARTUP_H

#include "plugin/gateway.h"

/* Logs a warning when REST is open beyond loopback without read_auth, when the node does not
 * answer getNodeInfo, and when the feed has not connected a moment after start. Blocks for at
 * most a few seconds (the node probe's time-out and the feed's grace period). */
void mg_startup_warnings(mg_gateway_t *g);

#endif
