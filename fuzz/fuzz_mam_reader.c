/* Fuzz target: the MAM reader on bundles (mam_reader_read_bundle in mamcore/transport.c), as the
 * watcher runs it on every bundle the assembler completes, and the reader's saved state.
 *
 * Input: a flags byte (FZ_MAM_*: which keys the reader holds), then bundles, each a control byte
 * (bits 0-1: the address, channel A, channel B, endpoint E's id or 49 bytes of made-up trits; bits
 * 2-3: 1 to 4 transactions) and per transaction a tag (17 bytes of packed trits), a fragment length
 * in bytes (2 bytes, modulo 1313) and the packed fragment, zero-padded. The reader keeps at most
 * four open messages. A decoded packet must be well formed; after every bundle the reader's state
 * is saved, loaded into a fresh reader and saved again, and both saves must be identical. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "fuzz/mam_fixture.h"
#include "mamcore/state.h"

#define MAX_TXS 4
#define MAX_CONTEXTS 4
#define MAX_PAYLOAD_TRYTES 4096

static fz_mam_t world;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  if (fz_mam_init(&world) != 0) abort();
  return 0;
}

static void read_address(fz_input_t *in, uint8_t ctl, mam_trit_t address[MAM_ID_TRITS]) {
  switch (ctl & 3) {
    case 0: memcpy(address, mam_channel_id(&world.a), MAM_ID_TRITS); break;
    case 1: memcpy(address, mam_channel_id(&world.b), MAM_ID_TRITS); break;
    case 2: memcpy(address, mam_endpoint_id(&world.e), MAM_ID_TRITS); break;
    default: fz_trits(in, address, MAM_ID_TRITS); break;
  }
}

static void read_tx(fz_input_t *in, mam_tx_t *tx) {
  fz_trits(in, tx->tag, MAM_TAG_TRITS);
  size_t bytes = fz_u16(in) % (FZ_PACKED_BYTES(MAM_FRAGMENT_TRITS) + 1);
  bytes = bytes < fz_left(in) ? bytes : fz_left(in);
  memset(tx->fragment, 0, MAM_FRAGMENT_TRITS);
  fz_input_t part = {in->p + in->pos, bytes, 0};
  fz_trits(&part, tx->fragment, bytes * 5 < MAM_FRAGMENT_TRITS ? bytes * 5 : MAM_FRAGMENT_TRITS);
  in->pos += bytes;
}

static void check_decoded(const mam_decoded_t *d) {
  FZ_CHECK(d->payload_trits % 3 == 0 && d->payload_trits <= 3 * MAX_PAYLOAD_TRYTES);
  FZ_CHECK(d->payload != NULL || d->payload_trits == 0);
  FZ_CHECK(mam_trits_valid(d->payload, d->payload_trits));
  FZ_CHECK(d->ord >= 1);
  FZ_CHECK(d->checksum >= MAM_CHECKSUM_NONE && d->checksum <= MAM_CHECKSUM_SIG);
  FZ_CHECK(d->pubkey_kind >= MAM_PUBKEY_CHID && d->pubkey_kind <= MAM_PUBKEY_EPID1);
}

/* save(r) == save(load(save(r))) */
static void check_state_round_trip(const mam_reader_t *r) {
  size_t size = mam_reader_state_size(r), written, again;
  uint8_t *first = malloc(size), *second = malloc(size);
  mam_reader_t copy;
  mam_reader_init(&copy);
  copy.max_contexts = r->max_contexts;
  if (first && second) {
    FZ_CHECK(mam_reader_state_save(r, first, size, &written) == MAM_OK && written == size);
    FZ_CHECK(mam_reader_state_load(&copy, first, written) == MAM_OK);
    FZ_CHECK(mam_reader_state_save(&copy, second, size, &again) == MAM_OK && again == written);
    FZ_CHECK(memcmp(first, second, written) == 0);
  }
  mam_reader_destroy(&copy);
  free(first);
  free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mam_tx_t txs[MAX_TXS];
  fz_input_t in = {data, size, 0};
  uint8_t flags = fz_byte(&in);
  mam_reader_t r;
  mam_reader_init(&r);
  r.max_contexts = MAX_CONTEXTS;
  r.max_payload_trytes = MAX_PAYLOAD_TRYTES;
  if (fz_mam_reader_keys(&world, &r, flags & FZ_MAM_TRUST_E, flags & FZ_MAM_PSK, flags & FZ_MAM_NTRU) != 0) abort();
  for (unsigned bundles = 0; fz_left(&in) > 0 && bundles < 16; bundles++) {
    uint8_t ctl = fz_byte(&in);
    size_t n = 1 + ((ctl >> 2) & 3);
    mam_trit_t address[MAM_ID_TRITS];
    read_address(&in, ctl, address);
    for (size_t i = 0; i < n; i++) {
      memcpy(txs[i].address, address, MAM_ID_TRITS);
      read_tx(&in, &txs[i]);
    }
    mam_decoded_t d;
    bool has = false;
    mam_err_t err = mam_reader_read_bundle(&r, txs, n, &d, &has);
    FZ_CHECK(err >= MAM_OK && err < MAM_ERR__COUNT && mam_strerror(err) != NULL);
    if (err == MAM_OK && has) {
      check_decoded(&d);
      mam_decoded_free(&d);
    }
    FZ_CHECK(r.n_ctxs <= MAX_CONTEXTS);
    check_state_round_trip(&r);
  }
  mam_reader_destroy(&r);
  return 0;
}
