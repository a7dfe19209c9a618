#include "services/pending.h"

#include <stdlib.h>
#include <string.h>

#define PENDING_INITIAL 256 /* rows allocated at the first push; doubled as needed up to max */

struct mg_pending {
  mg_message_t *rows; /* rows[head .. head + len) are queued */
  size_t head, len, cap, max;
  atomic_size_t count; /* len, for other threads */
};

mg_pending_t *mg_pending_new(size_t max_packets) {
  mg_pending_t *q = calloc(1, sizeof *q);
  if (q) q->max = max_packets;
  return q;
}

void mg_pending_free(mg_pending_t *q) {
  if (!q) return;
  for (size_t i = 0; i < q->len; i++) free(q->rows[q->head + i].payload_trytes);
  free(q->rows);
  free(q);
}

/* Room for one more row at the end: moves the queue to the front, or grows the array (up to max).
 * false when the queue is full or memory is short. */
static bool make_room(mg_pending_t *q) {
  if (q->len >= q->max) return false;
  if (q->head + q->len < q->cap) return true;
  if (q->head > 0) {
    memmove(q->rows, q->rows + q->head, q->len * sizeof *q->rows);
    q->head = 0;
    if (q->len < q->cap) return true;
  }
  size_t cap = q->cap ? q->cap * 2 : PENDING_INITIAL;
  if (cap > q->max) cap = q->max;
  mg_message_t *grown = realloc(q->rows, cap * sizeof *grown);
  if (!grown) return false;
  q->rows = grown;
  q->cap = cap;
  return true;
}

size_t mg_pending_push(mg_pending_t *q, mg_message_t *rows, size_t n) {
  size_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    if (!make_room(q)) {
      free(rows[i].payload_trytes);
      dropped++;
      continue;
    }
    q->rows[q->head + q->len++] = rows[i];
  }
  for (size_t i = 0; i < n; i++) rows[i].payload_trytes = NULL; /* taken or freed */
  atomic_store(&q->count, q->len);
  return dropped;
}

mg_store_err_t mg_pending_flush(mg_pending_t *q, mg_store_t *s, size_t batch_max, size_t *stored, size_t *repeated) {
  size_t new_rows = 0, old_rows = 0;
  int *inserted = calloc(batch_max ? batch_max : 1, sizeof *inserted);
  mg_store_err_t err = inserted && batch_max ? MG_STORE_OK : MG_STORE_ERR_NO_MEMORY;
  while (err == MG_STORE_OK && q->len > 0) {
    size_t n = q->len < batch_max ? q->len : batch_max;
    mg_message_t *batch = q->rows + q->head;
    err = mg_store_put_messages(s, batch, n, inserted);
    if (err != MG_STORE_OK) break;
    for (size_t i = 0; i < n; i++) {
      if (inserted[i]) new_rows++;
      else old_rows++;
      free(batch[i].payload_trytes);
    }
    q->head += n;
    q->len -= n;
    atomic_store(&q->count, q->len);
  }
  if (q->len == 0) q->head = 0;
  free(inserted);
  if (stored) *stored = new_rows;
  if (repeated) *repeated = old_rows;
  return err;
}

size_t mg_pending_count(const mg_pending_t *q) { return atomic_load(&q->count); }
