#include "seal/seal.h"

#include <nettle/base64.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/memops.h>
#include <string.h>

#include "seal/random.h"

_Static_assert(MG_SEAL_KEY_BYTES == CHACHA_POLY1305_KEY_SIZE, "the fleet key is a ChaCha20-Poly1305 key");
_Static_assert(MG_SEAL_NONCE_BYTES == CHACHA_POLY1305_NONCE_SIZE, "96-bit nonces (RFC 8439)");
_Static_assert(MG_SEAL_TAG_BYTES == CHACHA_POLY1305_DIGEST_SIZE, "full 128-bit tags");
_Static_assert(MG_SEAL_TEXT_MAX == BASE64_ENCODE_RAW_LENGTH(MG_SEAL_PLAIN_MAX + MG_SEAL_OVERHEAD),
               "MG_SEAL_TEXT_LEN is nettle's encoded length");

#define BINARY_MAX (MG_SEAL_PLAIN_MAX + MG_SEAL_OVERHEAD)
/* What nettle's decoder may write for the longest text accepted. */
#define DECODED_MAX BASE64_DECODE_LENGTH(MG_SEAL_TEXT_MAX)
#define NONCE_AT 1
#define CIPHER_AT (NONCE_AT + MG_SEAL_NONCE_BYTES)

static size_t label_length(const char *label) {
  if (!label) return 0;
  size_t n = strnlen(label, MG_SEAL_LABEL_MAX + 1);
  return n > MG_SEAL_LABEL_MAX ? 0 : n;
}

/* A context keyed and fed the associated data: the version byte, then the label. */
static void start_aead(struct chacha_poly1305_ctx *ctx, const mg_seal_key_t *key, const uint8_t *nonce,
                       uint8_t version, const char *label, size_t label_len) {
  chacha_poly1305_set_key(ctx, key->bytes);
  chacha_poly1305_set_nonce(ctx, nonce);
  chacha_poly1305_update(ctx, 1, &version);
  chacha_poly1305_update(ctx, label_len, (const uint8_t *)label);
}

mg_seal_err_t mg_seal(const mg_seal_key_t *key, const char *label, const uint8_t *plain, size_t plain_len, char *text,
                      size_t text_size) {
  size_t label_len = label_length(label);
  if (!key || !label_len || (!plain && plain_len) || !text) return MG_SEAL_ERR_ARG;
  if (plain_len > MG_SEAL_PLAIN_MAX) return MG_SEAL_ERR_TOO_LONG;
  if (text_size < MG_SEAL_TEXT_SIZE(plain_len)) return MG_SEAL_ERR_BUFFER;
  uint8_t bin[BINARY_MAX];
  bin[0] = MG_SEAL_VERSION;
  mg_seal_err_t err = mg_seal_random(bin + NONCE_AT, MG_SEAL_NONCE_BYTES);
  if (err != MG_SEAL_OK) return err;
  struct chacha_poly1305_ctx ctx;
  start_aead(&ctx, key, bin + NONCE_AT, MG_SEAL_VERSION, label, label_len);
  chacha_poly1305_encrypt(&ctx, plain_len, bin + CIPHER_AT, plain);
  chacha_poly1305_digest(&ctx, MG_SEAL_TAG_BYTES, bin + CIPHER_AT + plain_len);
  explicit_bzero(&ctx, sizeof ctx);
  size_t bin_len = plain_len + MG_SEAL_OVERHEAD;
  base64_encode_raw(text, bin_len, bin);
  text[MG_SEAL_TEXT_LEN(plain_len)] = '\0';
  return MG_SEAL_OK;
}

/* Decodes text (at most MG_SEAL_TEXT_MAX characters) into bin (DECODED_MAX bytes) when it is the
 * one base64 encoding of its bytes. nettle's decoder refuses characters outside the alphabet,
 * misplaced padding and non-zero filler bits, but skips white space: the length check refuses
 * that, since every character must then carry data or be the padding the length calls for. */
static mg_seal_err_t decode_canonical(const char *text, size_t text_len, uint8_t *bin, size_t *bin_len) {
  struct base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  size_t n = 0;
  if (text_len % 4 || !base64_decode_update(&ctx, &n, bin, text_len, text) || !base64_decode_final(&ctx))
    return MG_SEAL_ERR_ENCODING;
  if (BASE64_ENCODE_RAW_LENGTH(n) != text_len) return MG_SEAL_ERR_ENCODING;
  *bin_len = n;
  return MG_SEAL_OK;
}

mg_seal_err_t mg_seal_open(const mg_seal_key_t *key, const char *label, const char *text, size_t text_len,
                           uint8_t *plain, size_t plain_size, size_t *plain_len) {
  size_t label_len = label_length(label);
  if (!key || !label_len || !text || (!plain && plain_size) || !plain_len) return MG_SEAL_ERR_ARG;
  *plain_len = 0;
  if (text_len > MG_SEAL_TEXT_MAX) return MG_SEAL_ERR_TOO_LONG;
  uint8_t bin[DECODED_MAX];
  size_t bin_len = 0;
  mg_seal_err_t err = decode_canonical(text, text_len, bin, &bin_len);
  if (err != MG_SEAL_OK) return err;
  if (bin_len == 0) return MG_SEAL_ERR_TRUNCATED;
  if (bin[0] != MG_SEAL_VERSION) return MG_SEAL_ERR_VERSION;
  if (bin_len < MG_SEAL_OVERHEAD) return MG_SEAL_ERR_TRUNCATED;
  size_t n = bin_len - MG_SEAL_OVERHEAD;
  if (plain_size < n) return MG_SEAL_ERR_BUFFER;
  struct chacha_poly1305_ctx ctx;
  uint8_t tag[MG_SEAL_TAG_BYTES];
  start_aead(&ctx, key, bin + NONCE_AT, bin[0], label, label_len);
  chacha_poly1305_decrypt(&ctx, n, plain, bin + CIPHER_AT);
  chacha_poly1305_digest(&ctx, sizeof tag, tag);
  explicit_bzero(&ctx, sizeof ctx);
  if (!memeql_sec(tag, bin + CIPHER_AT + n, sizeof tag)) {
    explicit_bzero(plain, n);
    return MG_SEAL_ERR_AUTH;
  }
  *plain_len = n;
  return MG_SEAL_OK;
}
