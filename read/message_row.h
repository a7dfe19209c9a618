/* read/message_row.h: the record of one decoded MAM2 packet, as the gateway stores, publishes and
 * serves it and as `mamgate-cli read` prints it (read/message_json.h renders it). No storage types:
 * the store includes this header, not the other way round; any engine stores and returns it. */
#ifndef READ_MESSAGE_ROW_H
#define READ_MESSAGE_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/transport.h"

#define MG_ID_TRYTES MAM_ID_TRYTES
#define MG_MSG_ID_TRYTES MAM_MSG_ID_TRYTES

typedef struct mg_message {
  int64_t cursor;                       /* set by the store (opaque, increasing; 0: not stored) */
  char channel_id[MG_ID_TRYTES + 1];
  char endpoint_id[MG_ID_TRYTES + 1];   /* the signer: channel, endpoint or announced id */
  char message_id[MG_MSG_ID_TRYTES + 1];
  int64_t ord;                          /* 1, 2, ... */
  int last;                             /* 0 or 1 */
  int checksum;                         /* 0 none, 1 MAC, 2 signature */
  int verified;                         /* 0 or 1 */
  char *payload_trytes;                 /* owned by the struct (mg_messages_free frees it); may be "" */
  char bundle[MG_ID_TRYTES + 1];        /* bundle hash */
  int64_t received_at_ms;               /* >= 0 */
  int64_t leaf;                         /* the MSS leaf that signed it (checksum 2); -1: unknown */
} mg_message_t;

/* Whether the row names its signing leaf: a signed packet decoded since the leaf was recorded. */
static inline bool mg_message_has_leaf(const mg_message_t *m) { return m->checksum == 2 && m->leaf >= 0; }

/* The row of one decoded packet of channel_id (81 trytes) that came in bundle (81 trytes); the
 * payload trytes are allocated (freed with mg_messages_free). -1 when out of memory: m then holds
 * nothing to free. */
int mg_message_from_decoded(mg_message_t *m, const mam_decoded_t *d, const char *channel_id, const char *bundle,
                            int64_t received_at_ms);

/* Frees the payloads of n messages and the array itself (NULL is fine). */
void mg_messages_free(mg_message_t *msgs, size_t n);

#endif
