#include "tangle/error.h"

static const char *const tangle_error_text[TANGLE_ERR__COUNT] = {
    [TANGLE_OK] = "success",
    [TANGLE_ERR_NULL_ARG] = "required argument is NULL",
    [TANGLE_ERR_INVALID_ARG] = "argument out of range",
    [TANGLE_ERR_INVALID_TRYTE] = "invalid tryte character (allowed: 9 and A-Z)",
    [TANGLE_ERR_INVALID_LENGTH] = "wrong length",
    [TANGLE_ERR_INVALID_VALUE] = "field value out of range",
    [TANGLE_ERR_NO_MEMORY] = "out of memory",
    [TANGLE_ERR_BUNDLE_INDEX] = "bundle indexes inconsistent",
    [TANGLE_ERR_BUNDLE_HASH] = "bundle hash mismatch",
    [TANGLE_ERR_BUNDLE_CHAIN] = "bundle transactions not chained by trunk",
    [TANGLE_ERR_BUNDLE_VALUE] = "bundle values invalid",
    [TANGLE_ERR_POW_CANCELLED] = "proof of work cancelled",
    [TANGLE_ERR_POW_FAILED] = "proof of work failed",
    [TANGLE_ERR_THREAD] = "cannot start worker thread",
    [TANGLE_ERR_INVALID_TRIT] = "trit outside -1, 0, 1",
};

const char *tangle_strerror(tangle_err_t err) {
  if ((unsigned)err >= TANGLE_ERR__COUNT || tangle_error_text[err] == 0) return "unknown error";
  return tangle_error_text[err];
}
