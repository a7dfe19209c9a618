/* seal/key.h: the fleet key, the one secret every instance of a fleet shares.
 *
 * A key file holds exactly MG_SEAL_KEY_BYTES random bytes, nothing else (no text form, no
 * newline). It must be a regular file that group and others cannot access (mode 0600 or 0400);
 * a symbolic link is followed and the file it names is checked. mg_seal_key_create makes one that
 * way and never replaces an existing file. */
#ifndef SEAL_KEY_H
#define SEAL_KEY_H

#include <stdint.h>

#include "seal/error.h"

#define MG_SEAL_KEY_BYTES 32
#define MG_SEAL_KEY_FILE_MODE 0600

typedef struct mg_seal_key {
  uint8_t bytes[MG_SEAL_KEY_BYTES];
} mg_seal_key_t;

/* Reads the key file at path into *key. On MG_SEAL_ERR_KEY_OPEN errno tells the cause; on any
 * error *key holds no key material. */
mg_seal_err_t mg_seal_key_load(const char *path, mg_seal_key_t *key) MAM_WARN_UNUSED;

/* Writes a fresh random key to a new file at path (mode 0600, flushed to disk with its directory
 * entry). An existing file or link at path is left alone (MG_SEAL_ERR_KEY_EXISTS); on other errors
 * a partly written file is removed and errno tells the cause. */
mg_seal_err_t mg_seal_key_create(const char *path) MAM_WARN_UNUSED;

/* Erases a key from memory. NULL is a no-op. */
void mg_seal_key_wipe(mg_seal_key_t *key);

#endif
