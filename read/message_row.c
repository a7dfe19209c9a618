/* read/message_row.c: a decoded packet as a message row (read/message_row.h). */
#include "read/message_row.h"

#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"

int mg_message_from_decoded(mg_message_t *m, const mam_decoded_t *d, const char *channel_id, const char *bundle,
                            int64_t received_at_ms) {
  memset(m, 0, sizeof *m);
  if (!(m->payload_trytes = malloc(d->payload_trits / 3 + 1))) return -1;
  mam_trits_to_trytes(d->payload, d->payload_trits, m->payload_trytes);
  m->payload_trytes[d->payload_trits / 3] = '\0';
  memcpy(m->channel_id, channel_id, MG_ID_TRYTES);
  mam_trits_to_trytes(d->signer, MAM_ID_TRITS, m->endpoint_id);
  mam_trits_to_trytes(d->msg_id, MAM_MSG_ID_TRITS, m->message_id);
  m->ord = d->ord;
  m->last = d->last;
  m->checksum = (int)d->checksum;
  m->verified = d->checksum != MAM_CHECKSUM_NONE;
  memcpy(m->bundle, bundle, MG_ID_TRYTES);
  m->received_at_ms = received_at_ms;
  m->leaf = d->sig_leaf;
  return 0;
}

void mg_messages_free(mg_message_t *msgs, size_t n) {
  if (!msgs) return;
  for (size_t i = 0; i < n; i++) free(msgs[i].payload_trytes);
  free(msgs);
}
