#include "seal/check.h"

#include <string.h>

#define MARKER_LEN (sizeof MG_SEAL_CHECK_MARKER - 1)

mg_seal_err_t mg_seal_check_make(const mg_seal_key_t *key, char *text, size_t text_size) {
  return mg_seal(key, MG_SEAL_CHECK_LABEL, (const uint8_t *)MG_SEAL_CHECK_MARKER, MARKER_LEN, text, text_size);
}

mg_seal_err_t mg_seal_check_verify(const mg_seal_key_t *key, const char *text, size_t text_len) {
  uint8_t marker[MARKER_LEN];
  size_t n = 0;
  mg_seal_err_t err = mg_seal_open(key, MG_SEAL_CHECK_LABEL, text, text_len, marker, sizeof marker, &n);
  if (err == MG_SEAL_ERR_AUTH || err == MG_SEAL_ERR_BUFFER) return MG_SEAL_ERR_KEY_MISMATCH;
  if (err != MG_SEAL_OK) return err;
  /* Authentic under this key and label yet not the marker: not a value mg_seal_check_make made. */
  return n == MARKER_LEN && memcmp(marker, MG_SEAL_CHECK_MARKER, MARKER_LEN) == 0 ? MG_SEAL_OK
                                                                                   : MG_SEAL_ERR_KEY_MISMATCH;
}
