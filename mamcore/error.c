#include "mamcore/error.h"

static const char *const mam_error_text[MAM_ERR__COUNT] = {
    [MAM_OK] = "success",
    [MAM_ERR_NULL_ARG] = "required argument is NULL",
    [MAM_ERR_INVALID_ARG] = "argument out of range",
    [MAM_ERR_INVALID_TRYTE] = "invalid tryte character (allowed: 9 and A-Z)",
    [MAM_ERR_INVALID_VALUE] = "encoded value out of range",
    [MAM_ERR_BUFFER_TOO_SMALL] = "output buffer too small",
    [MAM_ERR_TRUNCATED] = "input truncated",
    [MAM_ERR_NO_MEMORY] = "out of memory",
    [MAM_ERR_LIMIT] = "configured limit exceeded",
    [MAM_ERR_MSS_EXHAUSTED] = "Merkle tree exhausted: no signatures left",
    [MAM_ERR_MSS_HEIGHT] = "Merkle tree height out of range (0..20)",
    [MAM_ERR_MSS_SKN] = "Merkle leaf index out of range",
    [MAM_ERR_BAD_SIGNATURE] = "signature does not verify",
    [MAM_ERR_BAD_MAC] = "MAC does not match",
    [MAM_ERR_NTRU_KEY] = "invalid NTRU public key",
    [MAM_ERR_NTRU_DECRYPT] = "NTRU encrypted key does not decrypt",
    [MAM_ERR_VERSION] = "message version not supported",
    [MAM_ERR_CHANNEL_UNTRUSTED] = "channel not trusted",
    [MAM_ERR_ENDPOINT_UNTRUSTED] = "endpoint not trusted",
    [MAM_ERR_PUBKEY_KIND] = "invalid header public key kind",
    [MAM_ERR_KEYLOAD_KIND] = "invalid keyload kind",
    [MAM_ERR_KEYLOAD_IRRELEVANT] = "no keyload matches a key we hold",
    [MAM_ERR_KEYLOAD_OVERLOADED] = "keyloads disagree on the session key",
    [MAM_ERR_CHECKSUM_KIND] = "invalid packet checksum kind",
    [MAM_ERR_MESSAGE_NOT_FOUND] = "packet for an unknown message",
    [MAM_ERR_BAD_ORD] = "packet out of order",
    [MAM_ERR_STATE_FORMAT] = "saved state corrupt or of an unknown version",
    [MAM_ERR_NOT_FOUND] = "not found",
    [MAM_ERR_EXISTS] = "already exists",
    [MAM_ERR_SIG_DEFERRED] = "signature deferred to a batch check",
};

const char *mam_strerror(mam_err_t err) {
  if ((unsigned)err >= MAM_ERR__COUNT || mam_error_text[err] == 0) return "unknown error";
  return mam_error_text[err];
}
