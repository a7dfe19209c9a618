/* seal/error.h: the errors of the seal module (fleet key files, sealed secrets, key check values). */
#ifndef SEAL_ERROR_H
#define SEAL_ERROR_H

#include "mamcore/api.h"

typedef enum mg_seal_err {
  MG_SEAL_OK = 0,
  MG_SEAL_ERR_ARG,          /* a required argument is missing, or a length is out of range */
  MG_SEAL_ERR_BUFFER,       /* the output buffer is too small */
  MG_SEAL_ERR_RANDOM,       /* the system gives no random bytes */
  MG_SEAL_ERR_KEY_OPEN,     /* the key file cannot be opened or read (errno tells why) */
  MG_SEAL_ERR_KEY_EXISTS,   /* a new key file would replace an existing file */
  MG_SEAL_ERR_KEY_CREATE,   /* a new key file cannot be written to disk (errno tells why) */
  MG_SEAL_ERR_KEY_NOT_FILE, /* the key path is not a regular file */
  MG_SEAL_ERR_KEY_MODE,     /* the key file can be read or written by group or others */
  MG_SEAL_ERR_KEY_SIZE,     /* the key file does not hold exactly MG_SEAL_KEY_BYTES bytes */
  MG_SEAL_ERR_ENCODING,     /* a sealed text is not canonical base64 */
  MG_SEAL_ERR_TRUNCATED,    /* a sealed text is shorter than the smallest sealed value */
  MG_SEAL_ERR_TOO_LONG,     /* a secret or sealed text is longer than MG_SEAL_PLAIN_MAX allows */
  MG_SEAL_ERR_VERSION,      /* a sealed value of an unknown format version */
  MG_SEAL_ERR_AUTH,         /* a sealed value fails authentication: wrong key, wrong row or tampered */
  MG_SEAL_ERR_KEY_MISMATCH, /* the key check value was made with another fleet key */
  MG_SEAL_ERR__COUNT
} mg_seal_err_t;

/* A short English sentence for err; never NULL. */
const char *mg_seal_strerror(mg_seal_err_t err);

#endif
