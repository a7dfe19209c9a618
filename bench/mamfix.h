/* bench/mamfix.h: MAM2 fixtures shared by bench_mam and bench_decode: reproducible random trits,
 * channels, PSKs, NTRU keys and 1 KiB messages written the way the gateway writes them (bytes as
 * two trytes each, one packet). Every failure ends the program with a message. */
#ifndef BENCH_MAMFIX_H
#define BENCH_MAMFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "mamcore/transport.h"

#define MAMFIX_1K_BYTES 1024
#define MAMFIX_1K_TRITS (MAMFIX_1K_BYTES * 2 * 3)

/* True when the environment variable BENCH_QUICK is set and not "0": smoke-test sizes. */
bool mamfix_quick(void);
/* Prints "what" and exits with status 1. */
_Noreturn void mamfix_die(const char *what);
/* malloc that never returns NULL (dies instead). */
void *mamfix_alloc(size_t n);
/* Ends the program when err is not MAM_OK, naming the step. */
void mamfix_check(mam_err_t err, const char *what);

/* Pseudo-random trits (a fixed-seed generator: every run sees the same data). */
void mamfix_random_trits(mam_trit_t *t, size_t n);
/* A PRNG with a random key. */
void mamfix_prng(mam_prng_t *prng);
/* 1024 random bytes as payload trits (MAMFIX_1K_TRITS). */
void mamfix_payload_1k(mam_trit_t *out);

/* A channel named <index>_18 of the given height. layer > 0 sets the bottom-subtree height of the
 * layered traversal before generating (0 keeps the default). threads as for mam_mss_gen. */
void mamfix_channel(mam_channel_t *ch, const mam_prng_t *prng, unsigned index, unsigned height, unsigned layer,
                    unsigned threads);

/* The keys of one message: none (public), one PSK, or one NTRU public key. */
typedef struct mamfix_keys {
  const mam_psk_t *psk;
  const mam_trit_t *ntru_pk;
} mamfix_keys_t;

/* Writes a one-packet message of payload_trits on ch (next message id) with the given keys and
 * checksum; returns its bundles (free with mam_bundles_free). */
mam_bundle_t *mamfix_write(const mam_prng_t *prng, mam_channel_t *ch, mamfix_keys_t keys, const mam_trit_t *payload,
                           size_t payload_trits, mam_checksum_t checksum, size_t *n_bundles);

/* A reader trusting ch's id and holding the given keys (either may be NULL). */
void mamfix_reader(mam_reader_t *r, const mam_channel_t *ch, const mam_psk_t *psk, const mam_ntru_sk_t *ntru);

/* Reads the bundles of one message; dies unless exactly one packet decodes with payload_trits
 * trits and the given checksum. */
void mamfix_read(mam_reader_t *r, const mam_bundle_t *bundles, size_t n_bundles, size_t payload_trits,
                 mam_checksum_t checksum);

#endif
