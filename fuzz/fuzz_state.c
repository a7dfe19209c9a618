/* Fuzz target: the saved-state loaders (mam_channel_state_load, mam_reader_state_load in
 * mamcore/state.c), which the plugin runs on what it reads back from its database.
 *
 * A state ends with a SHA-256 checksum, which random changes would almost never keep right, so
 * the harness appends the right checksum itself: the input is a flags byte (bit 0: a reader state,
 * else a channel; bit 1: pass the rest as it is, checksum included) and the state without its
 * checksum. A channel that loads must save back to exactly the bytes it came from, and its trees
 * must take a skip and a signature the way the writer uses them after a restart; a reader that
 * loads must save, load and save again to the same bytes. */
#include <nettle/sha2.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mamcore/state.h"

#define READER 1
#define RAW 2
#define CHECKSUM_BYTES 16
#define TREES_USED 3 /* the channel's tree and at most two endpoints' are exercised */

static mam_prng_t prng;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  mam_trit_t key[MAM_PRNG_KEY_TRITS] = {0};
  key[0] = 1;
  mam_prng_init(&prng, key);
  return 0;
}

/* What the writer does with a loaded tree: skip leaves reserved before a crash, then sign. */
static void use_tree(mam_mss_t *mss) {
  if (mss->skn < ((uint32_t)1 << mss->height)) FZ_CHECK(mam_mss_skip_to(mss, &prng, mss->skn + 1, 1) == MAM_OK);
  if (mam_mss_remaining(mss) == 0) return;
  mam_trit_t hash[MAM_WOTS_HASH_TRITS] = {0};
  size_t len = mam_mss_sig_trits(mss);
  mam_trit_t *sig = malloc(len);
  if (sig) FZ_CHECK(mam_mss_sign(mss, &prng, hash, sig, len) == MAM_OK);
  free(sig);
}

static void check_channel(const uint8_t *state, size_t len) {
  mam_channel_t ch;
  mam_endpoint_t *eps = NULL;
  size_t n_eps = 0;
  if (mam_channel_state_load(state, len, &ch, &eps, &n_eps) != MAM_OK) return;
  size_t size = mam_channel_state_size(&ch, eps, n_eps), written = 0;
  uint8_t *again = malloc(size);
  if (again) {
    FZ_CHECK(mam_channel_state_save(&ch, eps, n_eps, again, size, &written) == MAM_OK);
    FZ_CHECK(written == len && memcmp(again, state, len) == 0);
  }
  free(again);
  use_tree(&ch.mss);
  for (size_t i = 0; i < n_eps && i + 1 < TREES_USED; i++) use_tree(&eps[i].mss);
  for (size_t i = 0; i < n_eps; i++) mam_endpoint_destroy(&eps[i]);
  free(eps);
  mam_channel_destroy(&ch);
}

/* The saved form of a reader loaded from state, or NULL. */
static uint8_t *reader_resave(const uint8_t *state, size_t len, size_t *out_len) {
  mam_reader_t r;
  mam_reader_init(&r);
  uint8_t *out = NULL;
  if (mam_reader_state_load(&r, state, len) == MAM_OK) {
    size_t size = mam_reader_state_size(&r);
    out = malloc(size);
    if (out) FZ_CHECK(mam_reader_state_save(&r, out, size, out_len) == MAM_OK && *out_len == size);
  }
  mam_reader_destroy(&r);
  return out;
}

static void check_reader(const uint8_t *state, size_t len) {
  size_t first_len = 0, second_len = 0;
  uint8_t *first = reader_resave(state, len, &first_len);
  if (!first) return;
  uint8_t *second = reader_resave(first, first_len, &second_len);
  FZ_CHECK(second != NULL && second_len == first_len && memcmp(first, second, first_len) == 0);
  free(first);
  free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  const uint8_t *body = data + 1;
  size_t len = size - 1;
  uint8_t *state = malloc(flags & RAW ? len + !len : len + CHECKSUM_BYTES); /* exactly the state's bytes */
  if (!state) return 0;
  memcpy(state, body, len);
  if (!(flags & RAW)) {
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, body);
    sha256_digest(&ctx, sizeof digest, digest);
    memcpy(state + len, digest, CHECKSUM_BYTES);
    len += CHECKSUM_BYTES;
  }
  if (flags & READER) check_reader(state, len);
  else check_channel(state, len);
  free(state);
  return 0;
}
