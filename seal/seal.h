/* seal/seal.h: secrets sealed with the fleet key, as text that fits a TEXT column.
 *
 * A sealed value is the standard base64 (RFC 4648, with padding, no line breaks) of
 *
 *   version (1 byte, MG_SEAL_VERSION) | nonce (12 bytes) | ciphertext (as long as the secret) | tag (16 bytes)
 *
 * made with ChaCha20-Poly1305 (RFC 8439, nettle) under the fleet key, with a fresh random nonce
 * for every seal. The associated data is the version byte followed by the caller's label, which
 * names what the secret is and which row holds it, "<kind>:<id>" (for example "psk:<id>" or
 * "seed:<channel id>"): a sealed value copied to another row or kind does not open there. The
 * label is authenticated, not stored; the opener gives it again.
 *
 * Opening checks, in this order: length, canonical base64 (one encoding per value: no spaces,
 * exact padding, zero filler bits), version, size, then the tag in constant time; only then is
 * the secret in the caller's buffer, which is erased on every failure. */
#ifndef SEAL_SEAL_H
#define SEAL_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "seal/error.h"
#include "seal/key.h"

#define MG_SEAL_VERSION 1
#define MG_SEAL_NONCE_BYTES 12
#define MG_SEAL_TAG_BYTES 16
#define MG_SEAL_OVERHEAD (1 + MG_SEAL_NONCE_BYTES + MG_SEAL_TAG_BYTES)
/* The longest secret and the longest label. */
#define MG_SEAL_PLAIN_MAX 4096
#define MG_SEAL_LABEL_MAX 256

/* Characters of the sealed text of a secret of n bytes, and the buffer it needs with its NUL. */
#define MG_SEAL_TEXT_LEN(n) ((((n) + MG_SEAL_OVERHEAD + 2) / 3) * 4)
#define MG_SEAL_TEXT_SIZE(n) (MG_SEAL_TEXT_LEN(n) + 1)
#define MG_SEAL_TEXT_MAX MG_SEAL_TEXT_LEN(MG_SEAL_PLAIN_MAX)

/* Seals plain[0..plain_len) (at most MG_SEAL_PLAIN_MAX bytes) for the row named by label (1 to
 * MG_SEAL_LABEL_MAX characters) into text, NUL-terminated; text_size must be at least
 * MG_SEAL_TEXT_SIZE(plain_len). */
mg_seal_err_t mg_seal(const mg_seal_key_t *key, const char *label, const uint8_t *plain, size_t plain_len, char *text,
                      size_t text_size) MAM_WARN_UNUSED;

/* Opens text[0..text_len) sealed for label into plain (plain_size bytes) and sets *plain_len.
 * MG_SEAL_ERR_AUTH means the wrong key, another label, or an altered value: they cannot be told
 * apart. On any error plain holds nothing of the secret. */
mg_seal_err_t mg_seal_open(const mg_seal_key_t *key, const char *label, const char *text, size_t text_len,
                           uint8_t *plain, size_t plain_size, size_t *plain_len) MAM_WARN_UNUSED;

#endif
