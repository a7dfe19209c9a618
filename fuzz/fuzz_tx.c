/* Fuzz target: transaction trytes and trits (tangle/transaction.c), the parser every transaction
 * from the node's feed and API goes through.
 *
 * The first 2673 bytes are parsed as tryte characters: only 9A-Z may pass, and a transaction that
 * parses serialises back to exactly the same characters, with a hash and an essence. The input is
 * also read as 8019 packed trits: a parse must serialise back to the same trits, and the single
 * and batched Curl-P hashes must agree. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "tangle/transaction.h"

static void check_trytes(const uint8_t *data, size_t size) {
  static tangle_tx_t tx;
  static char out[TANGLE_TX_TRYTES];
  size_t len = size < TANGLE_TX_TRYTES ? size : TANGLE_TX_TRYTES;
  if (tangle_tx_from_trytes(&tx, (const char *)data, len) != TANGLE_OK) return;
  FZ_CHECK(len == TANGLE_TX_TRYTES);
  FZ_CHECK(mam_trytes_valid((const char *)data, len));
  FZ_CHECK(tangle_tx_to_trytes(&tx, out) == TANGLE_OK);
  FZ_CHECK(memcmp(out, data, TANGLE_TX_TRYTES) == 0);
  mam_trit_t hash[TANGLE_TX_HASH_TRITS], essence[TANGLE_TX_ESSENCE_TRITS];
  FZ_CHECK(tangle_tx_hash(&tx, hash) == TANGLE_OK);
  FZ_CHECK(tangle_tx_essence(&tx, essence) == TANGLE_OK);
  FZ_CHECK(tx.current_index >= -TANGLE_TX_INT_MAX && tx.current_index <= TANGLE_TX_INT_MAX);
  FZ_CHECK(tx.value >= -TANGLE_TX_VALUE_MAX && tx.value <= TANGLE_TX_VALUE_MAX);
}

static void check_trits(const uint8_t *data, size_t size) {
  static mam_trit_t in[2 * TANGLE_TX_TRITS], back[TANGLE_TX_TRITS];
  static mam_trit_t hashes[2 * TANGLE_TX_HASH_TRITS];
  static tangle_tx_t tx;
  fz_input_t input = {data, size, 0};
  fz_trits(&input, in, TANGLE_TX_TRITS);
  if (tangle_tx_from_trits(&tx, in) != TANGLE_OK) return;
  FZ_CHECK(tangle_tx_to_trits(&tx, back) == TANGLE_OK);
  FZ_CHECK(memcmp(back, in, TANGLE_TX_TRITS) == 0);
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  FZ_CHECK(tangle_tx_hash(&tx, hash) == TANGLE_OK);
  memcpy(in + TANGLE_TX_TRITS, in, TANGLE_TX_TRITS);
  FZ_CHECK(tangle_curl_hash_tx_batch(in, 2, hashes) == TANGLE_OK);
  FZ_CHECK(memcmp(hashes, hash, TANGLE_TX_HASH_TRITS) == 0);
  FZ_CHECK(memcmp(hashes + TANGLE_TX_HASH_TRITS, hash, TANGLE_TX_HASH_TRITS) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_trytes(data, size);
  check_trits(data, size);
  return 0;
}
