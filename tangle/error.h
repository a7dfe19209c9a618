/* tangle/error.h: the one error enum of the tangle layer (transactions, hashes, bundles, PoW). */
#ifndef TANGLE_ERROR_H
#define TANGLE_ERROR_H

#include "mamcore/api.h"

MAM_BEGIN_DECLS

typedef enum tangle_err {
  TANGLE_OK = 0,
  TANGLE_ERR_NULL_ARG,        /* a required pointer was NULL */
  TANGLE_ERR_INVALID_ARG,     /* an argument is out of its documented range */
  TANGLE_ERR_INVALID_TRYTE,   /* a character outside 9A-Z */
  TANGLE_ERR_INVALID_LENGTH,  /* a transaction or field of the wrong length */
  TANGLE_ERR_INVALID_VALUE,   /* a field value outside its allowed range */
  TANGLE_ERR_NO_MEMORY,       /* an allocation failed */
  TANGLE_ERR_BUNDLE_INDEX,    /* currentIndex/lastIndex inconsistent within a bundle */
  TANGLE_ERR_BUNDLE_HASH,     /* the bundle field does not match the recomputed hash */
  TANGLE_ERR_BUNDLE_CHAIN,    /* trunk links do not chain the bundle together */
  TANGLE_ERR_BUNDLE_VALUE,    /* values do not sum to zero or exceed the supply */
  TANGLE_ERR_POW_CANCELLED,   /* proof of work was cancelled */
  TANGLE_ERR_POW_FAILED,      /* proof of work produced no verified nonce */
  TANGLE_ERR_THREAD,          /* a worker thread could not be started */
  TANGLE_ERR_INVALID_TRIT,    /* a trit outside -1, 0, 1 */
  TANGLE_ERR__COUNT
} tangle_err_t;

/* A static, human-readable description of an error code; never NULL. */
MAM_API const char *tangle_strerror(tangle_err_t err);

MAM_END_DECLS

#endif
