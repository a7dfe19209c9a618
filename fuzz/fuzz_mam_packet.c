/* Fuzz target: MAM headers and packets read directly (mam_header_read, mam_packet_read in
 * mamcore/message.c), without the transaction framing of the bundle reader.
 *
 * Input: a flags byte (FZ_MAM_* keys; bit 3: the message is on channel B instead of A; bits 4-7:
 * which of the following packets the caller reads as the last one), the message id (13 bytes of
 * packed trits), then header and packet trits packed five to a byte. A header that reads must
 * have consumed no more than it was given and set up a context for packet 1; up to four packets
 * are read after it, each from where the previous one ended. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "fuzz/mam_fixture.h"

#define CHANNEL_B 8
#define MAX_PAYLOAD_TRYTES 4096

static fz_mam_t world;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  if (fz_mam_init(&world) != 0) abort();
  return 0;
}

static void read_packets(mam_read_ctx_t *ctx, uint8_t flags, const mam_trit_t *buf, size_t len, size_t pos) {
  for (unsigned k = 0; k < 4 && pos < len; k++) {
    bool last = (flags >> (4 + k)) & 1;
    int64_t ord = ctx->ord;
    size_t consumed = 0;
    mam_packet_t p;
    mam_err_t err = mam_packet_read(ctx, last, buf + pos, len - pos, MAX_PAYLOAD_TRYTES, &consumed, &p);
    FZ_CHECK(err >= MAM_OK && err < MAM_ERR__COUNT);
    if (err != MAM_OK) {
      FZ_CHECK(ctx->ord == ord); /* a failed read leaves the context as it was */
      return;
    }
    FZ_CHECK(consumed > 0 && consumed <= len - pos);
    FZ_CHECK(p.payload_trits % 3 == 0 && p.payload_trits <= 3 * MAX_PAYLOAD_TRYTES);
    FZ_CHECK(mam_trits_valid(p.payload, p.payload_trits));
    FZ_CHECK(ctx->ord == (last ? ord : ord + 1));
    free(p.payload);
    pos += consumed;
    if (last) return;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input_t in = {data, size, 0};
  uint8_t flags = fz_byte(&in);
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  fz_trits(&in, msg_id, MAM_MSG_ID_TRITS);
  size_t len = 5 * fz_left(&in);
  mam_trit_t *buf = malloc(len ? len : 1);
  if (!buf) return 0;
  fz_trits(&in, buf, len);
  mam_reader_t r;
  mam_reader_init(&r);
  if (fz_mam_reader_keys(&world, &r, flags & FZ_MAM_TRUST_E, flags & FZ_MAM_PSK, flags & FZ_MAM_NTRU) != 0) abort();
  const mam_trit_t *chid = mam_channel_id(flags & CHANNEL_B ? &world.b : &world.a);
  size_t endpoints = r.keys.trusted_endpoints.n, consumed = 0;
  mam_read_ctx_t ctx;
  mam_err_t err = mam_header_read(&r.keys, chid, msg_id, buf, len, &consumed, &ctx);
  FZ_CHECK(err >= MAM_OK && err < MAM_ERR__COUNT);
  if (err == MAM_OK) {
    FZ_CHECK(consumed > 0 && consumed <= len);
    FZ_CHECK(ctx.ord == 1);
    FZ_CHECK(memcmp(ctx.chid, chid, MAM_ID_TRITS) == 0 && memcmp(ctx.msg_id, msg_id, MAM_MSG_ID_TRITS) == 0);
    read_packets(&ctx, flags, buf, len, consumed);
  } else {
    FZ_CHECK(r.keys.trusted_endpoints.n == endpoints); /* trust changes only when a header reads */
  }
  mam_reader_destroy(&r);
  free(buf);
  return 0;
}
