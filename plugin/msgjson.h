/* plugin/msgjson.h: the JSON object of one decoded packet, the same on the ZeroMQ output, in REST
 * responses and in the live stream (issue "REST API"): cursor, channel_id, endpoint_id,
 * message_id, ord, last, checksum, verified, payload_trytes, payload_base64 and payload (null when
 * the trytes are not bytes; payload also null when the bytes are not UTF-8), bundle, received_at. */
#ifndef PLUGIN_MSGJSON_H
#define PLUGIN_MSGJSON_H

#include <jansson.h>

#include "plugin/store.h"

json_t *mg_message_json(const mg_message_t *m);
/* The same as compact text (malloc'd), or NULL when out of memory. */
char *mg_message_json_text(const mg_message_t *m);

#endif
