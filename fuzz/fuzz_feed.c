/* Fuzz target: ZeroMQ feed frames (mg_feed_parse in zmq/feed.c), the first thing that reads what
 * the node publishes. The input is one frame, not NUL-terminated (the harness copies it into a
 * buffer of exactly its size, so ASan sees any read past the end). An accepted frame has its
 * topic, a 2673-tryte transaction and an optional 81-tryte hash, all inside the frame. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "zmq/feed.h"

static bool inside(const char *p, size_t n, const uint8_t *frame, size_t len) {
  return p >= (const char *)frame && n <= len && (size_t)(p - (const char *)frame) <= len - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *frame = malloc(size ? size : 1);
  if (!frame) return 0;
  memcpy(frame, data, size);
  mg_feed_tx_t tx = {0};
  mg_feed_err_t err = mg_feed_parse((const char *)frame, size, &tx);
  FZ_CHECK(err >= MG_FEED_OK && err < MG_FEED_ERR__COUNT);
  FZ_CHECK(mg_feed_strerror(err) != NULL);
  if (err == MG_FEED_OK) {
    FZ_CHECK(inside(tx.trytes, TANGLE_TX_TRYTES, frame, size));
    FZ_CHECK(mam_trytes_valid(tx.trytes, TANGLE_TX_TRYTES));
    bool tx_topic = size > 3 && memcmp(frame, "tx_", 3) == 0;
    FZ_CHECK(tx_topic || tx.hash != NULL);
    if (tx.hash) {
      FZ_CHECK(inside(tx.hash, TANGLE_TX_HASH_TRYTES, frame, size));
      FZ_CHECK(mam_trytes_valid(tx.hash, TANGLE_TX_HASH_TRYTES));
      FZ_CHECK(tx.hash + TANGLE_TX_HASH_TRYTES == (const char *)frame + size); /* nothing after it */
    } else {
      FZ_CHECK(tx.trytes + TANGLE_TX_TRYTES == (const char *)frame + size);
    }
  }
  free(frame);
  return 0;
}
