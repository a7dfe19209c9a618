/* tangle/transaction.h: the 2673-tryte legacy transaction (spec node-interface.md 2).
 *
 * A transaction is 8019 trits = 15 fixed fields; integers are balanced ternary, little-endian,
 * zero-padded to the field width. tangle_tx_t holds the fields decoded; parsing and serialising
 * are exact inverses on every valid transaction. */
#ifndef TANGLE_TRANSACTION_H
#define TANGLE_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"
#include "tangle/curl.h"
#include "tangle/error.h"

MAM_BEGIN_DECLS

#define TANGLE_TX_TRYTES (TANGLE_TX_TRITS / 3) /* 2673 */

/* Field widths in trits. */
#define TANGLE_TX_FRAGMENT_TRITS 6561 /* signatureMessageFragment: 2187 trytes */
#define TANGLE_TX_HASH_TRITS 243      /* address, bundle, trunk, branch: 81 trytes */
#define TANGLE_TX_TAG_TRITS 81        /* value, obsoleteTag, tag, nonce: 27 trytes */
#define TANGLE_TX_INT_TRITS 27        /* timestamps and indexes: 9 trytes */
#define TANGLE_TX_ESSENCE_TRITS 486   /* address .. lastIndex, the bundle-hash input */

/* Field offsets in trits (divide by 3 for trytes). */
#define TANGLE_TX_OFF_FRAGMENT 0
#define TANGLE_TX_OFF_ADDRESS 6561
#define TANGLE_TX_OFF_VALUE 6804
#define TANGLE_TX_OFF_OBSOLETE_TAG 6885
#define TANGLE_TX_OFF_TIMESTAMP 6966
#define TANGLE_TX_OFF_CURRENT_INDEX 6993
#define TANGLE_TX_OFF_LAST_INDEX 7020
#define TANGLE_TX_OFF_BUNDLE 7047
#define TANGLE_TX_OFF_TRUNK 7290
#define TANGLE_TX_OFF_BRANCH 7533
#define TANGLE_TX_OFF_TAG 7776
#define TANGLE_TX_OFF_ATTACHMENT_TS 7857
#define TANGLE_TX_OFF_ATTACHMENT_TS_LOWER 7884
#define TANGLE_TX_OFF_ATTACHMENT_TS_UPPER 7911
#define TANGLE_TX_OFF_NONCE 7938
#define TANGLE_TX_OFF_ESSENCE TANGLE_TX_OFF_ADDRESS

/* The same widths and the address offset in trytes, for code that works on tryte strings. */
#define TANGLE_TX_HASH_TRYTES (TANGLE_TX_HASH_TRITS / 3)         /* 81 */
#define TANGLE_TX_TAG_TRYTES (TANGLE_TX_TAG_TRITS / 3)           /* 27 */
#define TANGLE_TX_OFF_ADDRESS_TRYTES (TANGLE_TX_OFF_ADDRESS / 3) /* 2187 */

/* Only value trits 0..32 may be non-zero, so |value| <= (3^33 - 1) / 2, the token supply. */
#define TANGLE_TX_VALUE_USED_TRITS 33
#define TANGLE_TX_VALUE_MAX INT64_C(2779530283277761)
/* The largest 27-trit integer, (3^27 - 1) / 2; also the usual attachment upper bound. */
#define TANGLE_TX_INT_MAX INT64_C(3812798742493)

typedef struct tangle_tx {
  mam_trit_t signature_message_fragment[TANGLE_TX_FRAGMENT_TRITS];
  mam_trit_t address[TANGLE_TX_HASH_TRITS];
  int64_t value;
  mam_trit_t obsolete_tag[TANGLE_TX_TAG_TRITS];
  int64_t timestamp; /* seconds */
  int64_t current_index;
  int64_t last_index;
  mam_trit_t bundle[TANGLE_TX_HASH_TRITS];
  mam_trit_t trunk[TANGLE_TX_HASH_TRITS];
  mam_trit_t branch[TANGLE_TX_HASH_TRITS];
  mam_trit_t tag[TANGLE_TX_TAG_TRITS];
  int64_t attachment_timestamp; /* milliseconds */
  int64_t attachment_timestamp_lower;
  int64_t attachment_timestamp_upper;
  mam_trit_t nonce[TANGLE_TX_TAG_TRITS];
} tangle_tx_t;

/* All fields zero (every tryte '9'). */
MAM_API void tangle_tx_init(tangle_tx_t *tx);

/* Decodes 8019 trits. Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_TRIT (a trit outside
 * -1..1), TANGLE_ERR_INVALID_VALUE (a non-zero value trit 33..80). */
MAM_API tangle_err_t tangle_tx_from_trits(tangle_tx_t *tx, const mam_trit_t trits[TANGLE_TX_TRITS]) MAM_WARN_UNUSED;

/* Decodes len tryte characters (no terminator needed). Errors: as tangle_tx_from_trits, plus
 * TANGLE_ERR_INVALID_LENGTH (len != 2673) and TANGLE_ERR_INVALID_TRYTE (a character outside
 * 9A-Z). */
MAM_API tangle_err_t tangle_tx_from_trytes(tangle_tx_t *tx, const char *trytes, size_t len) MAM_WARN_UNUSED;
/* tangle_tx_from_trytes, leaving the 8019 trits decoded in `trits`: the input of the transaction
 * hash, to be hashed later (e.g. many at once, tangle_curl_hash_tx_batch). Errors as
 * tangle_tx_from_trytes. */
MAM_API tangle_err_t tangle_tx_from_trytes_trits(tangle_tx_t *tx, const char *trytes, size_t len,
                                                mam_trit_t trits[TANGLE_TX_TRITS]) MAM_WARN_UNUSED;
/* tangle_tx_from_trytes, then the hash of the trits just decoded: what tangle_tx_hash gives for
 * the transaction, without encoding it again (the feed checks every transaction's hash). */
MAM_API tangle_err_t tangle_tx_from_trytes_hashed(tangle_tx_t *tx, const char *trytes, size_t len,
                                                 mam_trit_t hash[TANGLE_TX_HASH_TRITS]) MAM_WARN_UNUSED;

/* Encodes all fields. Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_TRIT, TANGLE_ERR_INVALID_VALUE
 * (|value| > TANGLE_TX_VALUE_MAX or a 27-trit integer beyond +-TANGLE_TX_INT_MAX). */
MAM_API tangle_err_t tangle_tx_to_trits(const tangle_tx_t *tx, mam_trit_t trits[TANGLE_TX_TRITS]) MAM_WARN_UNUSED;
/* As tangle_tx_to_trits, writing exactly 2673 characters (no terminator). */
MAM_API tangle_err_t tangle_tx_to_trytes(const tangle_tx_t *tx, char trytes[TANGLE_TX_TRYTES]) MAM_WARN_UNUSED;

/* The 486 essence trits: address, value, obsoleteTag, timestamp, currentIndex, lastIndex
 * (spec 2.2, the input of the bundle hash). Errors as tangle_tx_to_trits. */
MAM_API tangle_err_t tangle_tx_essence(const tangle_tx_t *tx,
                                       mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS]) MAM_WARN_UNUSED;

/* The transaction hash, Curl-P-81 over the 8019 trits (spec 3.2). Errors as tangle_tx_to_trits. */
MAM_API tangle_err_t tangle_tx_hash(const tangle_tx_t *tx, mam_trit_t hash[TANGLE_TX_HASH_TRITS]) MAM_WARN_UNUSED;

/* Weight magnitude: the number of trailing zero trits of a 243-trit hash. */
MAM_API unsigned tangle_hash_weight(const mam_trit_t hash[TANGLE_TX_HASH_TRITS]);

/* True when all n trits are 0 (an all-'9' field). */
MAM_API bool tangle_trits_zero(const mam_trit_t *trits, size_t n);

/* Balanced little-endian encoding of v in n trits, zero-padded (spec 2.1). Errors:
 * TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_ARG (n = 0), TANGLE_ERR_INVALID_VALUE (|v| >
 * (3^n - 1) / 2, or v = INT64_MIN; trits untouched). */
MAM_API tangle_err_t tangle_int_to_trits(int64_t v, mam_trit_t *trits, size_t n) MAM_WARN_UNUSED;
/* *v = sum of trits[i] * 3^i. Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_TRIT,
 * TANGLE_ERR_INVALID_VALUE (the value does not fit an int64_t). */
MAM_API tangle_err_t tangle_int_from_trits(const mam_trit_t *trits, size_t n, int64_t *v) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
