/* tangle/kerl.h: Kerl, the Keccak-384 based trit hash of legacy IOTA bundles and addresses
 * (spec node-interface.md 4.1).
 *
 * Input and output come in 243-trit chunks. Each input chunk becomes 48 bytes (trits 0..241 as
 * a signed integer in 384-bit two's complement, big-endian; trit 242 ignored) that are fed to
 * Keccak-384 with the original Keccak padding (0x01 ... 0x80, rate 104 bytes; not FIPS SHA3).
 * Each output chunk is the digest read as a signed big-endian integer, reduced to the balanced
 * residue modulo 3^242 (trits 0..241), with trit 242 = 0; after a chunk the digest is
 * complemented bytewise and absorbed by a fresh Keccak, which yields the next chunk. */
#ifndef TANGLE_KERL_H
#define TANGLE_KERL_H

#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"
#include "tangle/error.h"

MAM_BEGIN_DECLS

#define TANGLE_KERL_CHUNK_TRITS 243
#define TANGLE_KERL_CHUNK_BYTES 48
#define TANGLE_KECCAK384_RATE 104

typedef struct tangle_kerl {
  uint64_t keccak[25]; /* Keccak-f[1600] state; byte i of the stream goes to lane i / 8 */
  unsigned pos;        /* bytes absorbed into the current block */
} tangle_kerl_t;

MAM_API void tangle_kerl_init(tangle_kerl_t *k);

/* Absorbs n trits (a multiple of 243, else TANGLE_ERR_INVALID_LENGTH; trits must be -1, 0 or
 * 1, else TANGLE_ERR_INVALID_VALUE; nothing is absorbed on error). */
MAM_API tangle_err_t tangle_kerl_absorb(tangle_kerl_t *k, const mam_trit_t *trits, size_t n) MAM_WARN_UNUSED;

/* Squeezes n trits (a multiple of 243, else TANGLE_ERR_INVALID_LENGTH). */
MAM_API tangle_err_t tangle_kerl_squeeze(tangle_kerl_t *k, mam_trit_t *out, size_t n) MAM_WARN_UNUSED;

/* One-shot: absorb n_in trits into a fresh Kerl, squeeze n_out trits. */
MAM_API tangle_err_t tangle_kerl_hash(const mam_trit_t *in, size_t n_in, mam_trit_t *out,
                                      size_t n_out) MAM_WARN_UNUSED;

/* The chunk <-> bytes conversions of Kerl (exact for every input, spec 4.1). */
MAM_API void tangle_kerl_trits_to_bytes(const mam_trit_t trits[TANGLE_KERL_CHUNK_TRITS],
                                        uint8_t bytes[TANGLE_KERL_CHUNK_BYTES]);
MAM_API void tangle_kerl_bytes_to_trits(const uint8_t bytes[TANGLE_KERL_CHUNK_BYTES],
                                        mam_trit_t trits[TANGLE_KERL_CHUNK_TRITS]);

/* Keccak-384 with the original padding over a byte string (the permutation is nettle's). */
MAM_API void tangle_keccak384(const uint8_t *data, size_t len, uint8_t digest[TANGLE_KERL_CHUNK_BYTES]);

MAM_END_DECLS

#endif
