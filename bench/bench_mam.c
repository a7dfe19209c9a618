/* MAM2 on this machine: MSS key generation at heights 5, 8, 10 (and 14 unless BENCH_QUICK) on all
 * cores and at height 10 on one; one WOTS key, signature and verification; Spongos Hash of 243
 * trits; writing and reading a 1 KiB one-packet message as public/MAC, public/signature (height
 * 10), PSK/MAC and NTRU/MAC; read throughput in packets per second on one core; and a signed
 * write at every leaf of a height-5 tree, whole and with the layered traversal (2-high bottom
 * subtrees), whose max shows whether any leaf is a spike; and height-8 signatures verified one by
 * one and 64 at a time. Medians of bench_runs(N) runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/mamfix.h"
#include "mamcore/spongos.h"

#define ALL_CORES 0
#define ONE_CORE 1
#define SIGNING_HEIGHT 10 /* the channel signed messages are written with */
#define LEAF_HEIGHT 5
#define LEAF_LAYER 2

static unsigned channel_index; /* every channel gets a new name, so new keys */

static double *samples_of(size_t n) { return mamfix_alloc(n * sizeof(double)); }

static double ms_since(double t0) { return (bench_now() - t0) * 1e3; }

/* Generates `runs` channels of the height; keeps the last in *keep when keep is not NULL. */
static void bench_keygen(const mam_prng_t *prng, unsigned height, unsigned threads, size_t runs, const char *name,
                         mam_channel_t *keep) {
  double *s = samples_of(runs);
  for (size_t r = 0; r < runs; r++) {
    mam_channel_t ch;
    double t0 = bench_now();
    mamfix_channel(&ch, prng, channel_index++, height, 0, threads);
    s[r] = ms_since(t0);
    if (keep && r + 1 == runs)
      *keep = ch;
    else
      mam_channel_destroy(&ch);
  }
  bench_report(name, "ms", s, runs);
  free(s);
}

static void bench_wots(const mam_prng_t *prng, size_t runs) {
  mam_trit_t *sk = mamfix_alloc(MAM_WOTS_SK_TRITS), *spent = mamfix_alloc(MAM_WOTS_SK_TRITS);
  mam_trit_t *sig = mamfix_alloc(MAM_WOTS_SIG_TRITS), nonce[MAM_ID_TRITS], pk[MAM_WOTS_PK_TRITS];
  mam_trit_t hash[MAM_WOTS_HASH_TRITS], recovered[MAM_WOTS_PK_TRITS];
  double *keygen = samples_of(runs), *sign = samples_of(runs), *verify = samples_of(runs);
  for (size_t r = 0; r < runs; r++) {
    mamfix_random_trits(nonce, sizeof nonce);
    mamfix_random_trits(hash, sizeof hash);
    mam_trits_view_t view = {nonce, sizeof nonce};
    double t0 = bench_now();
    mamfix_check(mam_wots_gen_sk(prng, &view, 1, sk), "WOTS private key");
    memcpy(spent, sk, MAM_WOTS_SK_TRITS);
    mamfix_check(mam_wots_pk_from_sk_consume(spent, 1, pk), "WOTS public key");
    keygen[r] = ms_since(t0);
    t0 = bench_now();
    mam_wots_sign(sk, hash, sig);
    sign[r] = ms_since(t0);
    t0 = bench_now();
    mam_wots_recover(hash, sig, recovered);
    verify[r] = ms_since(t0);
    if (memcmp(pk, recovered, sizeof pk) != 0) mamfix_die("a WOTS signature did not verify");
  }
  bench_report("wots_keygen_ms", "ms", keygen, runs);
  bench_report("wots_sign_ms", "ms", sign, runs);
  bench_report("wots_verify_ms", "ms", verify, runs);
  free(keygen);
  free(sign);
  free(verify);
  free(sk);
  free(spent);
  free(sig);
}

/* Microseconds per Hash_243 of a 243-trit input, over `calls` calls a run. */
static void bench_spongos(size_t runs, size_t calls) {
  mam_trit_t x[243], out[243];
  double *s = samples_of(runs);
  mamfix_random_trits(x, sizeof x);
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    for (size_t i = 0; i < calls; i++) {
      mam_spongos_hash(x, sizeof x, out, sizeof out);
      x[i % sizeof x] = out[0];
    }
    s[r] = (bench_now() - t0) * 1e6 / (double)calls;
  }
  bench_report("spongos_hash_243_us", "us", s, runs);
  free(s);
}

/* One kind of message: its keys (writer side and reader side) and checksum. */
typedef struct kind {
  const char *name;
  mam_channel_t *ch;
  mamfix_keys_t keys;
  mam_checksum_t checksum;
  const mam_psk_t *reader_psk;
  const mam_ntru_sk_t *reader_ntru;
} kind_t;

typedef struct written {
  mam_bundle_t *bundles;
  size_t n;
} written_t;

static written_t write_one(const mam_prng_t *prng, const kind_t *k, const mam_trit_t *payload) {
  written_t w;
  w.bundles = mamfix_write(prng, k->ch, k->keys, payload, MAMFIX_1K_TRITS, k->checksum, &w.n);
  return w;
}

static void free_written(written_t *w, size_t n) {
  for (size_t i = 0; i < n; i++) mam_bundles_free(w[i].bundles, w[i].n);
  free(w);
}

/* Writes `runs` messages of the kind (timed one by one), then reads them with one reader. */
static void bench_write_read(const mam_prng_t *prng, const kind_t *k, const mam_trit_t *payload, size_t runs) {
  written_t *w = mamfix_alloc(runs * sizeof *w);
  double *s = samples_of(runs);
  char name[64];
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    w[r] = write_one(prng, k, payload);
    s[r] = ms_since(t0);
  }
  snprintf(name, sizeof name, "write_%s_1k_ms", k->name);
  bench_report(name, "ms", s, runs);
  mam_reader_t reader;
  mamfix_reader(&reader, k->ch, k->reader_psk, k->reader_ntru);
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    mamfix_read(&reader, w[r].bundles, w[r].n, MAMFIX_1K_TRITS, k->checksum);
    s[r] = ms_since(t0);
  }
  snprintf(name, sizeof name, "read_%s_1k_ms", k->name);
  bench_report(name, "ms", s, runs);
  mam_reader_destroy(&reader);
  free_written(w, runs);
  free(s);
}

/* Packets per second one reader (one core) decodes, over `batch` messages a run. */
static void bench_read_rate(const mam_prng_t *prng, const kind_t *k, const mam_trit_t *payload, size_t batch,
                            size_t runs) {
  written_t *w = mamfix_alloc(batch * sizeof *w);
  double *s = samples_of(runs);
  for (size_t i = 0; i < batch; i++) w[i] = write_one(prng, k, payload);
  for (size_t r = 0; r < runs; r++) {
    mam_reader_t reader;
    mamfix_reader(&reader, k->ch, k->reader_psk, k->reader_ntru);
    double t0 = bench_now();
    for (size_t i = 0; i < batch; i++) mamfix_read(&reader, w[i].bundles, w[i].n, MAMFIX_1K_TRITS, k->checksum);
    s[r] = (double)batch / (bench_now() - t0);
    mam_reader_destroy(&reader);
  }
  char name[64];
  snprintf(name, sizeof name, "read_%s_packets_per_s", k->name);
  bench_report(name, "packets/s", s, runs);
  free_written(w, batch);
  free(s);
}

/* MSS signatures (height 8) verified per second on one core: one call each, and all of a batch
 * in one mam_mss_verify_batch call. */
#define VERIFY_HEIGHT 8
#define VERIFY_BATCH 64
static void bench_verify_batch(const mam_prng_t *prng, size_t runs) {
  mam_channel_t ch;
  mamfix_channel(&ch, prng, channel_index++, VERIFY_HEIGHT, 0, ALL_CORES);
  size_t len = mam_mss_sig_trits(&ch.mss);
  mam_trit_t *sigs = mamfix_alloc(VERIFY_BATCH * len), *hashes = mamfix_alloc(VERIFY_BATCH * MAM_WOTS_HASH_TRITS);
  mam_mss_check_t checks[VERIFY_BATCH];
  mam_err_t results[VERIFY_BATCH];
  for (size_t j = 0; j < VERIFY_BATCH; j++) {
    mamfix_random_trits(hashes + j * MAM_WOTS_HASH_TRITS, MAM_WOTS_HASH_TRITS);
    mamfix_check(mam_mss_sign(&ch.mss, prng, hashes + j * MAM_WOTS_HASH_TRITS, sigs + j * len, len), "MSS sign");
    checks[j] = (mam_mss_check_t){hashes + j * MAM_WOTS_HASH_TRITS, sigs + j * len, len, ch.mss.root};
  }
  double *single = samples_of(runs), *batch = samples_of(runs);
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    for (size_t j = 0; j < VERIFY_BATCH; j++)
      mamfix_check(mam_mss_verify(checks[j].hash, checks[j].sig, len, checks[j].pk), "MSS verify");
    single[r] = VERIFY_BATCH / (bench_now() - t0);
    t0 = bench_now();
    mamfix_check(mam_mss_verify_batch(checks, VERIFY_BATCH, results), "MSS batch verify");
    batch[r] = VERIFY_BATCH / (bench_now() - t0);
    for (size_t j = 0; j < VERIFY_BATCH; j++) mamfix_check(results[j], "MSS batch verify result");
  }
  bench_report("mss_verify_h8_per_s", "signatures/s", single, runs);
  bench_report("mss_verify_batch64_h8_per_s", "signatures/s", batch, runs);
  free(single);
  free(batch);
  free(sigs);
  free(hashes);
  mam_channel_destroy(&ch);
}

/* A signed 1 KiB write at every leaf of a fresh height-5 channel; layer 0 keeps the whole tree. */
static void bench_every_leaf(const mam_prng_t *prng, const mam_trit_t *payload, unsigned layer, const char *name) {
  mam_channel_t ch;
  mamfix_channel(&ch, prng, channel_index++, LEAF_HEIGHT, layer, ALL_CORES);
  kind_t k = {.ch = &ch, .checksum = MAM_CHECKSUM_SIG};
  size_t leaves = (size_t)1 << LEAF_HEIGHT;
  double *s = samples_of(leaves);
  for (size_t i = 0; i < leaves; i++) {
    double t0 = bench_now();
    written_t w = write_one(prng, &k, payload);
    s[i] = ms_since(t0);
    mam_bundles_free(w.bundles, w.n);
  }
  if (mam_mss_remaining(&ch.mss) != 0) mamfix_die("leaves left after writing at every leaf");
  bench_report(name, "ms", s, leaves);
  free(s);
  mam_channel_destroy(&ch);
}

int main(void) {
  bool quick = mamfix_quick();
  size_t runs = bench_runs(quick ? 3 : 21), keygen_runs = bench_runs(quick ? 1 : 5);
  mam_prng_t prng;
  mamfix_prng(&prng);
  mam_trit_t *payload = mamfix_alloc(MAMFIX_1K_TRITS);
  mamfix_payload_1k(payload);

  mam_channel_t signer, plain;
  bench_keygen(&prng, 5, ALL_CORES, keygen_runs, "mss_keygen_h5_ms", NULL);
  bench_keygen(&prng, 8, ALL_CORES, runs, "mss_keygen_h8_ms", NULL); /* a goal: as many runs as the others */
  bench_keygen(&prng, SIGNING_HEIGHT, ALL_CORES, keygen_runs, "mss_keygen_h10_ms", &signer);
  bench_keygen(&prng, 10, ONE_CORE, keygen_runs, "mss_keygen_h10_1core_ms", NULL);
  if (!quick) bench_keygen(&prng, 14, ALL_CORES, keygen_runs < 3 ? keygen_runs : 3, "mss_keygen_h14_ms", NULL);
  mamfix_channel(&plain, &prng, channel_index++, 0, 0, ALL_CORES);

  bench_wots(&prng, runs);
  bench_verify_batch(&prng, runs);
  bench_spongos(runs, quick ? 1000 : 20000);

  mam_psk_t psk;
  mamfix_random_trits(psk.id, sizeof psk.id);
  mamfix_random_trits(psk.key, sizeof psk.key);
  mam_ntru_sk_t *ntru = mamfix_alloc(sizeof *ntru);
  mam_trit_t ntru_nonce[MAM_ID_TRITS];
  mamfix_random_trits(ntru_nonce, sizeof ntru_nonce);
  mamfix_check(mam_ntru_keygen(&prng, ntru_nonce, sizeof ntru_nonce, ntru), "NTRU key generation");

  const kind_t kinds[] = {
      {"mac", &plain, {NULL, NULL}, MAM_CHECKSUM_MAC, NULL, NULL},
      {"signed", &signer, {NULL, NULL}, MAM_CHECKSUM_SIG, NULL, NULL},
      {"psk", &plain, {&psk, NULL}, MAM_CHECKSUM_MAC, &psk, NULL},
      {"ntru", &plain, {NULL, ntru->pk}, MAM_CHECKSUM_MAC, NULL, ntru},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) bench_write_read(&prng, &kinds[i], payload, runs);
  size_t rate_runs = bench_runs(quick ? 1 : 5);
  bench_read_rate(&prng, &kinds[0], payload, quick ? 20 : 400, rate_runs);
  bench_read_rate(&prng, &kinds[1], payload, quick ? 10 : 100, rate_runs);

  bench_every_leaf(&prng, payload, 0, "write_signed_h5_every_leaf_ms");
  bench_every_leaf(&prng, payload, LEAF_LAYER, "write_signed_h5_layered_every_leaf_ms");

  mam_ntru_sk_destroy(ntru);
  free(ntru);
  mam_channel_destroy(&signer);
  mam_channel_destroy(&plain);
  mam_prng_destroy(&prng);
  free(payload);
  return 0;
}
