/* read/message_json.h: the JSON object of one decoded packet, the same on the ZeroMQ output, in REST
 * responses and in the live stream: cursor, channel_id, endpoint_id, message_id, ord, last,
 * checksum, verified, payload_trytes, payload_base64 and payload (null when the trytes are not
 * bytes; payload also null when the bytes are not UTF-8), bundle, received_at.
 *
 * Written as text directly: every field but payload comes from a fixed ASCII alphabet (trytes,
 * base64, digits) and needs no escaping, and a page of packets is the hot path of REST fetches
 * (the profile showed building and dumping Jansson objects taking most of the time). */
#ifndef READ_MESSAGE_JSON_H
#define READ_MESSAGE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "read/message_row.h"

/* A growable text buffer; `failed` is set (and further appends ignored) when memory runs out. */
typedef struct mg_text {
  char *p;
  size_t len, cap;
  bool failed;
} mg_text_t;

void mg_text_append(mg_text_t *t, const char *s, size_t n);
void mg_text_printf(mg_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mg_text_free(mg_text_t *t);

/* Leave out the store's fields (cursor, received_at), for output that has no store behind it. */
#define MG_JSON_NO_STORE_FIELDS 1u

/* Appends the packet's JSON object. */
void mg_message_json(mg_text_t *t, const mg_message_t *m, unsigned flags);
/* The object alone as a NUL-terminated string (malloc'd), or NULL when out of memory. */
char *mg_message_json_text(const mg_message_t *m, unsigned flags);

#endif
