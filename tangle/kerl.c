/* Kerl (spec node-interface.md 4.1): Keccak-384 sponge on nettle's Keccak-f[1600] and the
 * exact 243-trit <-> 384-bit conversions. */
#include "tangle/kerl.h"

#include <nettle/sha3.h>
#include <string.h>

#define DIGEST_LANES (TANGLE_KERL_CHUNK_BYTES / 8)

/* ---- Keccak-384, original padding ------------------------------------------------------- */

_Static_assert(sizeof(((struct sha3_state *)0)->a) == 25 * sizeof(uint64_t),
               "nettle's Keccak state is 25 lanes");

static void keccak_permute(uint64_t lanes[25]) {
  struct sha3_state st;
  memcpy(st.a, lanes, sizeof st.a);
  sha3_permute(&st);
  memcpy(lanes, st.a, sizeof st.a);
}

static void keccak_xor_byte(uint64_t lanes[25], unsigned pos, uint8_t byte) {
  lanes[pos / 8] ^= (uint64_t)byte << (8 * (pos % 8));
}

static void keccak_absorb(tangle_kerl_t *k, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    keccak_xor_byte(k->keccak, k->pos, data[i]);
    if (++k->pos == TANGLE_KECCAK384_RATE) {
      keccak_permute(k->keccak);
      k->pos = 0;
    }
  }
}

/* Pads (0x01 after the data, 0x80 in the last rate byte), permutes and reads the digest. */
static void keccak_finish(tangle_kerl_t *k, uint8_t digest[TANGLE_KERL_CHUNK_BYTES]) {
  keccak_xor_byte(k->keccak, k->pos, 0x01);
  keccak_xor_byte(k->keccak, TANGLE_KECCAK384_RATE - 1, 0x80);
  keccak_permute(k->keccak);
  for (unsigned i = 0; i < TANGLE_KERL_CHUNK_BYTES; i++)
    digest[i] = (uint8_t)(k->keccak[i / 8] >> (8 * (i % 8)));
}

void tangle_kerl_init(tangle_kerl_t *k) { memset(k, 0, sizeof *k); }

void tangle_keccak384(const uint8_t *data, size_t len, uint8_t digest[TANGLE_KERL_CHUNK_BYTES]) {
  tangle_kerl_t k;
  tangle_kerl_init(&k);
  keccak_absorb(&k, data, len);
  keccak_finish(&k, digest);
}

/* ---- 384-bit integers: 12 little-endian 32-bit limbs, two's complement ------------------- */

#define LIMBS 12
#define GROUP_TRITS 20                      /* 3^20 < 2^32 */
#define GROUP_BASE UINT32_C(3486784401)     /* 3^20 */
#define VALUE_TRITS (TANGLE_KERL_CHUNK_TRITS - 1) /* trits 0..241 carry the value */
#define FULL_GROUPS (VALUE_TRITS / GROUP_TRITS)   /* 12, plus a top group of 2 trits */
#define TOP_TRITS (VALUE_TRITS - FULL_GROUPS * GROUP_TRITS)

/* v = v * m + c (mod 2^384), m < 2^32, c a small signed number. */
static void limbs_mul_add(uint32_t v[LIMBS], uint32_t m, int64_t c) {
  uint64_t carry = 0;
  for (unsigned i = 0; i < LIMBS; i++) {
    uint64_t t = (uint64_t)v[i] * m + carry;
    v[i] = (uint32_t)t;
    carry = t >> 32;
  }
  uint32_t extension = c < 0 ? UINT32_MAX : 0; /* c in two's complement, sign-extended */
  carry = 0;
  for (unsigned i = 0; i < LIMBS; i++) {
    uint64_t t = (uint64_t)v[i] + (i == 0 ? (uint32_t)(uint64_t)c : extension) + carry;
    v[i] = (uint32_t)t;
    carry = t >> 32;
  }
}

/* v = v / 3^20, returning the remainder (v taken as unsigned). */
static uint32_t limbs_divmod_group(uint32_t v[LIMBS]) {
  uint64_t rem = 0;
  for (unsigned i = LIMBS; i-- > 0;) {
    uint64_t cur = (rem << 32) | v[i];
    v[i] = (uint32_t)(cur / GROUP_BASE);
    rem = cur % GROUP_BASE;
  }
  return (uint32_t)rem;
}

/* Sum of trits[j] * 3^j for j < n (n <= 20). */
static int64_t small_trits_value(const mam_trit_t *trits, unsigned n) {
  int64_t v = 0;
  for (unsigned j = n; j-- > 0;) v = v * 3 + trits[j];
  return v;
}

void tangle_kerl_trits_to_bytes(const mam_trit_t trits[TANGLE_KERL_CHUNK_TRITS],
                                uint8_t bytes[TANGLE_KERL_CHUNK_BYTES]) {
  uint32_t v[LIMBS] = {0};
  /* Horner from the most significant group down; trit 242 is ignored. */
  limbs_mul_add(v, 1, small_trits_value(trits + FULL_GROUPS * GROUP_TRITS, TOP_TRITS));
  for (unsigned g = FULL_GROUPS; g-- > 0;)
    limbs_mul_add(v, GROUP_BASE, small_trits_value(trits + g * GROUP_TRITS, GROUP_TRITS));
  for (unsigned i = 0; i < TANGLE_KERL_CHUNK_BYTES; i++)
    bytes[TANGLE_KERL_CHUNK_BYTES - 1 - i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
}

void tangle_kerl_bytes_to_trits(const uint8_t bytes[TANGLE_KERL_CHUNK_BYTES],
                                mam_trit_t trits[TANGLE_KERL_CHUNK_TRITS]) {
  uint32_t v[LIMBS];
  for (unsigned i = 0; i < LIMBS; i++) {
    const uint8_t *b = bytes + TANGLE_KERL_CHUNK_BYTES - 4 * (i + 1);
    v[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  }
  if (bytes[0] & 0x80) {
    /* Negative w: w + 3^242 is its residue in [0, 3^242) (|w| <= 2^383 < 3^242). */
    uint32_t p[LIMBS] = {1};
    for (unsigned g = 0; g < FULL_GROUPS; g++) limbs_mul_add(p, GROUP_BASE, 0);
    limbs_mul_add(p, 9, 0);
    uint64_t carry = 0;
    for (unsigned i = 0; i < LIMBS; i++) {
      uint64_t t = (uint64_t)v[i] + p[i] + carry;
      v[i] = (uint32_t)t;
      carry = t >> 32;
    }
  }
  /* Unsigned base-3 digits of the residue u < 3^242 ... */
  uint8_t digits[VALUE_TRITS] = {0};
  for (unsigned g = 0; g <= FULL_GROUPS; g++) {
    uint32_t r = g < FULL_GROUPS ? limbs_divmod_group(v) : v[0];
    unsigned n = g < FULL_GROUPS ? GROUP_TRITS : TOP_TRITS;
    for (unsigned j = 0; j < n; j++, r /= 3) digits[g * GROUP_TRITS + j] = (uint8_t)(r % 3);
  }
  /* ... turned balanced; a carry out of trit 241 means u > (3^242-1)/2 and is dropped, which
   * subtracts 3^242 and gives the balanced residue. */
  unsigned carry = 0;
  for (unsigned j = 0; j < VALUE_TRITS; j++) {
    unsigned d = digits[j] + carry;
    carry = d >= 2;
    trits[j] = (mam_trit_t)(carry ? (int)d - 3 : (int)d);
  }
  trits[VALUE_TRITS] = 0;
}

/* ---- the sponge ------------------------------------------------------------------------ */

static tangle_err_t check_chunked(size_t n) {
  return n % TANGLE_KERL_CHUNK_TRITS == 0 ? TANGLE_OK : TANGLE_ERR_INVALID_LENGTH;
}

tangle_err_t tangle_kerl_absorb(tangle_kerl_t *k, const mam_trit_t *trits, size_t n) {
  if (!k || (!trits && n > 0)) return TANGLE_ERR_NULL_ARG;
  tangle_err_t err = check_chunked(n);
  if (err != TANGLE_OK) return err;
  if (!mam_trits_valid(trits, n)) return TANGLE_ERR_INVALID_VALUE;
  uint8_t bytes[TANGLE_KERL_CHUNK_BYTES];
  for (size_t off = 0; off < n; off += TANGLE_KERL_CHUNK_TRITS) {
    tangle_kerl_trits_to_bytes(trits + off, bytes);
    keccak_absorb(k, bytes, sizeof bytes);
  }
  return TANGLE_OK;
}

tangle_err_t tangle_kerl_squeeze(tangle_kerl_t *k, mam_trit_t *out, size_t n) {
  if (!k || (!out && n > 0)) return TANGLE_ERR_NULL_ARG;
  tangle_err_t err = check_chunked(n);
  if (err != TANGLE_OK) return err;
  uint8_t digest[TANGLE_KERL_CHUNK_BYTES];
  for (size_t off = 0; off < n; off += TANGLE_KERL_CHUNK_TRITS) {
    keccak_finish(k, digest);
    tangle_kerl_bytes_to_trits(digest, out + off);
    for (unsigned i = 0; i < TANGLE_KERL_CHUNK_BYTES; i++) digest[i] = (uint8_t)~digest[i];
    tangle_kerl_init(k);
    keccak_absorb(k, digest, sizeof digest);
  }
  return TANGLE_OK;
}

tangle_err_t tangle_kerl_hash(const mam_trit_t *in, size_t n_in, mam_trit_t *out, size_t n_out) {
  tangle_kerl_t k;
  tangle_kerl_init(&k);
  tangle_err_t err = tangle_kerl_absorb(&k, in, n_in);
  if (err == TANGLE_OK) err = tangle_kerl_squeeze(&k, out, n_out);
  return err;
}
