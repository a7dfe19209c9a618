/* mamcore/error.h: the one error enum of the MAM2 core library. */
#ifndef MAMCORE_ERROR_H
#define MAMCORE_ERROR_H

#include "mamcore/api.h"

MAM_BEGIN_DECLS

typedef enum mam_err {
  MAM_OK = 0,
  MAM_ERR_NULL_ARG,           /* a required pointer was NULL */
  MAM_ERR_INVALID_ARG,        /* an argument is out of its documented range */
  MAM_ERR_INVALID_TRYTE,      /* a character outside 9A-Z in a tryte string */
  MAM_ERR_INVALID_VALUE,      /* an encoded value is out of range */
  MAM_ERR_BUFFER_TOO_SMALL,   /* output buffer cannot hold the result */
  MAM_ERR_TRUNCATED,          /* input ended before a field was complete */
  MAM_ERR_NO_MEMORY,          /* an allocation failed */
  MAM_ERR_LIMIT,              /* a configured limit (payload size, count) was exceeded */
  MAM_ERR_MSS_EXHAUSTED,      /* every leaf of the Merkle tree has been used */
  MAM_ERR_MSS_HEIGHT,         /* Merkle tree height outside 0..20 */
  MAM_ERR_MSS_SKN,            /* leaf index outside the tree */
  MAM_ERR_BAD_SIGNATURE,      /* an MSS signature does not verify */
  MAM_ERR_BAD_MAC,            /* a packet MAC does not match */
  MAM_ERR_NTRU_KEY,           /* an NTRU public key does not decode */
  MAM_ERR_NTRU_DECRYPT,       /* an NTRU encrypted session key does not decrypt */
  MAM_ERR_VERSION,            /* message version not supported */
  MAM_ERR_CHANNEL_UNTRUSTED,  /* the channel id is not trusted */
  MAM_ERR_ENDPOINT_UNTRUSTED, /* the endpoint id is not trusted */
  MAM_ERR_PUBKEY_KIND,        /* header pubkey selector outside 0..3 */
  MAM_ERR_KEYLOAD_KIND,       /* keyload selector neither PSK nor NTRU */
  MAM_ERR_KEYLOAD_IRRELEVANT, /* keyloads present but none matched a key we hold */
  MAM_ERR_KEYLOAD_OVERLOADED, /* two matching keyloads gave different session keys */
  MAM_ERR_CHECKSUM_KIND,      /* packet checksum selector outside 0..2 */
  MAM_ERR_MESSAGE_NOT_FOUND,  /* a packet arrived for a message with no read context */
  MAM_ERR_BAD_ORD,            /* a packet arrived out of order */
  MAM_ERR_STATE_FORMAT,       /* saved state has a bad magic, version or checksum */
  MAM_ERR_NOT_FOUND,          /* a looked-up item does not exist */
  MAM_ERR_EXISTS,             /* the item already exists */
  MAM_ERR_SIG_DEFERRED,       /* a signature was noted for a batch check (mam_mss_memo_t): read again after it */
  MAM_ERR__COUNT
} mam_err_t;

/* A static, human-readable description of an error code; never NULL. */
MAM_API const char *mam_strerror(mam_err_t err);

MAM_END_DECLS

#endif
