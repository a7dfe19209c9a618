/* tests/refshape: turns the transactions `mamgate-cli write` prints into the shape the reference
 * writer gives them, for tests of readers: every bundle gets obsoleteTag all 9 and the one
 * timestamp given, and is finalised again. Equal-sized bundles of one channel then share a bundle
 * hash (the bundle hash covers neither the tag nor the fragments).
 *   refshape TIMESTAMP [ATTACH_SEED]   transactions on stdin, one per line, bundle after bundle
 * With ATTACH_SEED the bundles are also attached (trunks chain, random tips drawn from the seed,
 * no proof of work), so that two seeds give two attachments of the same bundles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/bundle.h"
#include "tests/testutil.h"

#define MAX_BUNDLE_TXS 1000

static void die(const char *what) {
  fprintf(stderr, "refshape: %s\n", what);
  exit(1);
}

static void attach(tangle_tx_t *txs, size_t n, uint64_t *rng) {
  mam_trit_t trunk[TANGLE_TX_HASH_TRITS], branch[TANGLE_TX_HASH_TRITS];
  tu_random_trits(trunk, sizeof trunk, rng);
  tu_random_trits(branch, sizeof branch, rng);
  for (size_t i = n; i-- > 0;)
    if (tangle_bundle_chain(txs, n, i, trunk, branch, 1600000000000) != TANGLE_OK) die("cannot attach");
}

static void reshape(tangle_tx_t *txs, size_t n, int64_t timestamp, uint64_t *rng) {
  for (size_t i = 0; i < n; i++) {
    memset(txs[i].obsolete_tag, 0, sizeof txs[i].obsolete_tag);
    txs[i].timestamp = timestamp;
  }
  if (tangle_bundle_finalize(txs, n, NULL) != TANGLE_OK) die("cannot finalise a bundle");
  if (rng) attach(txs, n, rng);
  char line[TANGLE_TX_TRYTES + 1];
  line[TANGLE_TX_TRYTES] = '\n';
  for (size_t i = 0; i < n; i++) {
    if (tangle_tx_to_trytes(&txs[i], line) != TANGLE_OK) die("cannot serialise");
    fwrite(line, 1, sizeof line, stdout);
  }
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) die("usage: refshape TIMESTAMP [ATTACH_SEED]");
  int64_t timestamp = strtoll(argv[1], NULL, 10);
  uint64_t seed = argc == 3 ? strtoull(argv[2], NULL, 10) : 0, *rng = argc == 3 ? &seed : NULL;
  tangle_tx_t *txs = calloc(MAX_BUNDLE_TXS, sizeof *txs);
  char line[TANGLE_TX_TRYTES + 2];
  size_t n = 0;
  if (!txs) die("out of memory");
  while (fgets(line, sizeof line, stdin)) {
    if (n == MAX_BUNDLE_TXS) die("bundle too long");
    if (tangle_tx_from_trytes(&txs[n], line, strcspn(line, "\r\n")) != TANGLE_OK) die("not a transaction");
    if (txs[n].current_index != (int64_t)n) die("bundles must come whole and in index order");
    if (txs[n++].current_index == txs[0].last_index) {
      reshape(txs, n, timestamp, rng);
      n = 0;
    }
  }
  if (n) die("an incomplete bundle at the end");
  free(txs);
  return fflush(stdout) == 0 ? 0 : 1;
}
