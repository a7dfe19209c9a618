/* tests/skn_extract: lists every MSS signature found in MAM transactions, for the key-reuse check
 * of tests/crash_trial.sh.
 *
 * usage: skn_extract CHANNEL_ID... < transactions
 *
 * Reads 2673-tryte transactions, one per line, in any order (as the node's getTrytes gives them)
 * and rebuilds their bundles with the plugin's assembler. Every bundle must decode with the mamcore
 * reader trusting the channels given (those that do not are reported). Then every signature is
 * printed as
 *
 *   SIGNER SKN HEIGHT MESSAGE_ID ORD DIGEST
 *
 * where SIGNER is the signing tree's id, SKN the leaf index and HEIGHT the tree height from the
 * signature's SKN field (spec mam2.md 7.3), ORD the tag's packet ord (0 for the channel's signature
 * in the header of an announcement) and DIGEST a Spongos hash of the whole signature. A leaf is
 * reused when one SIGNER and SKN appear with two different DIGESTs: the same signature sent twice
 * is harmless, two signatures by one leaf (even on the same message id and ord, as a rolled-back
 * writer makes them) give away its one-time key.
 *
 * The reader skips what it has seen (a header whose message id it knows) and a decoded message
 * does not expose the SKN, so signatures are taken from the clear parts of the buffers instead:
 * a header (spec 11.3) starts with the version and pubkey-kind trytes, then the id that signs the
 * packets (the endpoint or announced id; none for the channel itself) and for an announcement the
 * channel's signature; a packet (spec 11.5) starts with the sizet payload length, then the
 * encrypted payload, the checksum tryte and, for a signature, its sizet length and the signature,
 * SKN first. Counts go to stderr; the exit status is 1 when a transaction line is malformed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/pb3.h"
#include "mamcore/transport.h"
#include "read/assembler.h"

#define HEADER_SIG_OFFSET (3 + 3 + MAM_ID_TRITS) /* version, pubkey kind, announced id */
#define ORD_OFFSET MAM_MSG_ID_TRITS              /* the ord in a tag */
#define DIGEST_TRITS 243

typedef struct bundle {
  mam_tx_t *txs;
  size_t n;
  mam_err_t err; /* of the last attempt to read it */
} bundle_t;

typedef struct bundles {
  bundle_t *list;
  size_t n, cap;
  int failed; /* out of memory */
} bundles_t;

static int64_t tag_ord(const mam_trit_t tag[MAM_TAG_TRITS]) { return mam_trits_to_int(tag + ORD_OFFSET, MAM_ORD_TRITS); }

static void on_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  (void)hashes;
  bundles_t *all = ctx;
  if (all->n == all->cap) {
    size_t cap = all->cap ? 2 * all->cap : 64;
    bundle_t *grown = realloc(all->list, cap * sizeof *grown);
    if (!grown) {
      all->failed = 1;
      return;
    }
    all->list = grown;
    all->cap = cap;
  }
  bundle_t *b = &all->list[all->n];
  if (!(b->txs = malloc(n * sizeof *b->txs))) {
    all->failed = 1;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(b->txs[i].address, txs[i]->address, MAM_ID_TRITS);
    memcpy(b->txs[i].tag, txs[i]->tag, MAM_TAG_TRITS);
    memcpy(b->txs[i].fragment, txs[i]->signature_message_fragment, MAM_FRAGMENT_TRITS);
  }
  b->n = n;
  b->err = MAM_ERR_MESSAGE_NOT_FOUND; /* not read yet */
  all->n++;
}

/* Header bundles before packet bundles, packets in order: by address, message id, |ord|. */
static int bundle_order(const void *pa, const void *pb) {
  const mam_tx_t *a = ((const bundle_t *)pa)->txs, *b = ((const bundle_t *)pb)->txs;
  int c = memcmp(a->address, b->address, MAM_ID_TRITS);
  if (c == 0) c = memcmp(a->tag, b->tag, MAM_MSG_ID_TRITS);
  if (c != 0) return c;
  int64_t x = llabs(tag_ord(a->tag)), y = llabs(tag_ord(b->tag));
  return (x > y) - (x < y);
}

/* One signature as found: its tree's leaf and a digest of the whole signature. */
typedef struct sig {
  unsigned height;
  uint32_t skn;
  mam_trit_t digest[DIGEST_TRITS];
} sig_t;

/* Reads an MSSig (sizet length, then the signature starting with its SKN field) at pos. */
static bool read_sig(const mam_trit_t *buf, size_t len, size_t pos, sig_t *out) {
  uint64_t sig_trytes;
  if (mam_pb3_decode_sizet(buf, len, &pos, &sig_trytes) != MAM_OK || sig_trytes > (len - pos) / 3 ||
      3 * sig_trytes < MAM_MSS_SKN_TRITS)
    return false;
  mam_spongos_hash(buf + pos, 3 * sig_trytes, out->digest, DIGEST_TRITS);
  return mam_mss_skn_decode(buf + pos, &out->height, &out->skn) == MAM_OK;
}

/* The bundle's message trits from transaction `first` on. */
static mam_trit_t *fragments(const bundle_t *b, size_t first, size_t *len) {
  *len = (b->n - first) * MAM_FRAGMENT_TRITS;
  mam_trit_t *t = malloc(*len ? *len : 1);
  for (size_t i = first; t && i < b->n; i++) memcpy(t + (i - first) * MAM_FRAGMENT_TRITS, b->txs[i].fragment, MAM_FRAGMENT_TRITS);
  return t;
}

static void print_sig(const mam_trit_t *signer, const sig_t *sig, const mam_trit_t *msg_id, int64_t ord) {
  char id[MAM_ID_TRITS / 3 + 1], mid[MAM_MSG_ID_TRITS / 3 + 1], digest[DIGEST_TRITS / 3 + 1];
  mam_trits_to_trytes(signer, MAM_ID_TRITS, id);
  mam_trits_to_trytes(msg_id, MAM_MSG_ID_TRITS, mid);
  mam_trits_to_trytes(sig->digest, DIGEST_TRITS, digest);
  id[sizeof id - 1] = mid[sizeof mid - 1] = digest[sizeof digest - 1] = 0;
  printf("%s %u %u %s %lld %s\n", id, sig->skn, sig->height, mid, (long long)ord, digest);
}

/* Who signs the packets of a message, from its header (spec 11.3): the channel for pubkey kind
 * chid, else the endpoint or announced id that follows the kind in the clear. A header of kind
 * chid1 or epid1 carries the channel's own signature after that id: printed here. */
static bool header_signer(const bundle_t *b, mam_trit_t signer[MAM_ID_TRITS]) {
  size_t len, pos = 3;
  mam_trit_t *t = fragments(b, 0, &len);
  int64_t kind;
  bool ok = t && mam_pb3_decode_int(t, len, &pos, 3, &kind) == MAM_OK && kind >= MAM_PUBKEY_CHID &&
            kind <= MAM_PUBKEY_EPID1 && len - pos >= MAM_ID_TRITS;
  if (ok) memcpy(signer, kind == MAM_PUBKEY_CHID ? b->txs[0].address : t + pos, MAM_ID_TRITS);
  sig_t sig;
  if (ok && (kind == MAM_PUBKEY_CHID1 || kind == MAM_PUBKEY_EPID1) && read_sig(t, len, HEADER_SIG_OFFSET, &sig))
    print_sig(b->txs[0].address, &sig, b->txs[0].tag, 0);
  free(t);
  return ok;
}

/* The signature of the bundle's packet, if it has a signed one: the packet starts at the first
 * transaction with a packet ord (spec 12.2: header and packet never share a transaction). */
static void packet_signature(const bundle_t *b, const mam_trit_t signer[MAM_ID_TRITS]) {
  size_t first = 0;
  while (first < b->n && tag_ord(b->txs[first].tag) == 0) first++;
  if (first == b->n) return;
  size_t len, pos = 0;
  mam_trit_t *t = fragments(b, first, &len);
  uint64_t payload;
  int64_t checksum;
  sig_t sig;
  if (t && mam_pb3_decode_sizet(t, len, &pos, &payload) == MAM_OK && payload <= (len - pos) / 3 &&
      (pos += 3 * payload, mam_pb3_decode_int(t, len, &pos, 3, &checksum) == MAM_OK) && checksum == MAM_CHECKSUM_SIG) {
    if (read_sig(t, len, pos, &sig)) print_sig(signer, &sig, b->txs[0].tag, tag_ord(b->txs[first].tag));
    else fprintf(stderr, "skn_extract: a signed packet without a readable signature\n");
  }
  free(t);
}

/* Prints every signature, from the layout alone, so that also a packet the reader skips (a second
 * message with a message id already read, as a rolled-back writer would send) is seen. Bundles are
 * sorted, so each message's header comes before its other bundles. */
static size_t list_signatures(const bundles_t *all) {
  mam_trit_t signer[MAM_ID_TRITS];
  bool known = false;
  size_t orphans = 0;
  for (size_t i = 0; i < all->n; i++) {
    const bundle_t *b = &all->list[i];
    bool same_message = i > 0 && memcmp(b->txs[0].address, all->list[i - 1].txs[0].address, MAM_ID_TRITS) == 0 &&
                        memcmp(b->txs[0].tag, all->list[i - 1].txs[0].tag, MAM_MSG_ID_TRITS) == 0;
    if (!same_message) known = false;
    if (tag_ord(b->txs[0].tag) == 0) known = header_signer(b, signer);
    if (known) packet_signature(b, signer);
    else orphans++;
  }
  return orphans;
}

/* Reads one bundle; returns the packets it decoded (0 or 1). */
static size_t read_bundle(mam_reader_t *r, bundle_t *b) {
  mam_decoded_t d;
  bool has = false;
  if ((b->err = mam_reader_read_bundle(r, b->txs, b->n, &d, &has)) != MAM_OK || !has) return 0;
  mam_decoded_free(&d);
  return 1;
}

/* Reads every bundle in sorted order, again and again while a pass decodes something new: a
 * message on an endpoint needs the endpoint's announcement read first, whatever their ids. The
 * reader changes nothing on a failed read, so trying again is safe. */
static size_t read_all(mam_reader_t *r, bundles_t *all) {
  size_t packets = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < all->n; i++) {
      if (all->list[i].err == MAM_OK) continue;
      packets += read_bundle(r, &all->list[i]);
      progress = progress || all->list[i].err == MAM_OK;
    }
  }
  return packets;
}

static int read_transactions(mg_assembler_t *a, bundles_t *all) {
  static tangle_tx_t tx;
  char *line = NULL;
  size_t cap = 0, number = 0;
  ssize_t n;
  int status = 0;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    number++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) continue;
    mam_trit_t hash[TANGLE_TX_HASH_TRITS];
    if (tangle_tx_from_trytes(&tx, line, strlen(line)) != TANGLE_OK || tangle_tx_hash(&tx, hash) != TANGLE_OK) {
      fprintf(stderr, "skn_extract: line %zu is not a transaction\n", number);
      status = 1;
      continue;
    }
    mg_assembler_add(a, &tx, hash, 0, on_bundle, all);
  }
  free(line);
  return status;
}

int main(int argc, char **argv) {
  mam_reader_t r;
  mam_reader_init(&r);
  r.max_contexts = 1u << 20;
  for (int i = 1; i < argc; i++) {
    mam_trit_t id[MAM_ID_TRITS];
    if (strlen(argv[i]) != MAM_ID_TRITS / 3 || mam_trytes_to_trits(argv[i], MAM_ID_TRITS / 3, id) != MAM_OK ||
        mam_id_set_add(&r.keys.trusted_channels, id) != MAM_OK) {
      fprintf(stderr, "usage: skn_extract CHANNEL_ID... < transactions (bad id '%s')\n", argv[i]);
      return 2;
    }
  }
  mg_assembler_limits_t limits = {.max_txs = 10000000, .ttl_ms = UINT64_MAX / 2};
  mg_assembler_t *a = mg_assembler_new(&limits);
  bundles_t all = {0};
  if (!a) return 1;
  int status = read_transactions(a, &all);
  if (all.n > 1) qsort(all.list, all.n, sizeof *all.list, bundle_order);
  size_t packets = read_all(&r, &all), undecodable = 0, orphans = list_signatures(&all);
  for (size_t i = 0; i < all.n; i++) {
    if (all.list[i].err == MAM_OK) continue;
    fprintf(stderr, "skn_extract: bundle %zu does not decode: %s\n", i, mam_strerror(all.list[i].err));
    undecodable++;
  }
  fprintf(stderr, "skn_extract: %zu bundles, %zu packets decoded, %zu undecodable, %zu without their header\n", all.n,
          packets, undecodable, orphans);
  for (size_t i = 0; i < all.n; i++) free(all.list[i].txs);
  free(all.list);
  mg_assembler_free(a);
  mam_reader_destroy(&r);
  return all.failed ? 1 : status;
}
