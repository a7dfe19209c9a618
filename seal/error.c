#include "seal/error.h"

static const char *const seal_error_text[MG_SEAL_ERR__COUNT] = {
    [MG_SEAL_OK] = "success",
    [MG_SEAL_ERR_ARG] = "missing argument or length out of range",
    [MG_SEAL_ERR_BUFFER] = "output buffer too small",
    [MG_SEAL_ERR_RANDOM] = "no random bytes from the system",
    [MG_SEAL_ERR_KEY_OPEN] = "fleet key file cannot be opened or read",
    [MG_SEAL_ERR_KEY_EXISTS] = "fleet key file already exists; refusing to overwrite it",
    [MG_SEAL_ERR_KEY_CREATE] = "fleet key file cannot be written",
    [MG_SEAL_ERR_KEY_NOT_FILE] = "fleet key path is not a regular file",
    [MG_SEAL_ERR_KEY_MODE] = "fleet key file is accessible by group or others; make it mode 0600",
    [MG_SEAL_ERR_KEY_SIZE] = "fleet key file must hold exactly 32 bytes",
    [MG_SEAL_ERR_ENCODING] = "sealed value is not canonical base64",
    [MG_SEAL_ERR_TRUNCATED] = "sealed value is truncated",
    [MG_SEAL_ERR_TOO_LONG] = "secret or sealed value too long",
    [MG_SEAL_ERR_VERSION] = "sealed value of an unknown format version",
    [MG_SEAL_ERR_AUTH] = "sealed value does not authenticate: wrong fleet key, moved to another row, or altered",
    [MG_SEAL_ERR_KEY_MISMATCH] = "the database was sealed with another fleet key; use the fleet's key file",
};

const char *mg_seal_strerror(mg_seal_err_t err) {
  if ((unsigned)err >= MG_SEAL_ERR__COUNT || !seal_error_text[err]) return "unknown seal error";
  return seal_error_text[err];
}
