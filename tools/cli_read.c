/* tools/cli_read.c: `mamgate-cli read`: MAM2 packets out of transaction trytes on stdin.
 *
 * Lines come in any order, mixed with anything else. Every line that parses as a transaction goes
 * through the gateway's bundle assembler (read/assembler.h): it follows trunks where the
 * transactions are attached and, where they are not (trunks all 9, as `write` prints them), tells
 * bundles apart by their tags, since reference-written bundles of one channel in one second share
 * a bundle hash. Every bundle it completes is kept, reattachments and combinations with
 * conflicting copies included: fragments are not covered by the bundle hash, and the MAM MAC or
 * signature is what tells the genuine copy.
 *
 * Bundles are read in (channel id, message id, |packet ord|) order, so a header comes before its
 * packets and packets in order. A bundle refused because its channel or endpoint is not trusted
 * yet, or because its header was refused so, is retried while announcements keep adding trusted
 * ids. Unusable lines are counted by reason on stderr; nothing in the input is fatal. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/transport.h"
#include "read/assembler.h"
#include "read/message_json.h"
#include "tangle/bundle.h"
#include "tools/cli.h"
#include "tools/cli_args.h"

/* Transactions kept from one input (about 4.6 KB each: the line, and its copy in the assembler). */
#define READ_MAX_TXS 200000
/* Transactions in all bundles kept, counted once per bundle (8 bytes each): combinations with
 * conflicting copies of unattached transactions are not kept beyond it. */
#define READ_MAX_BUNDLE_TXS (4 * READ_MAX_TXS)
/* The longest line kept whole: a transaction and "\r". */
#define LINE_MAX_CHARS (TANGLE_TX_TRYTES + 1)
/* Reasons are error texts of the two layers and a few of the reader's own. */
#define OWN_REASONS 6
#define MAX_REASONS (TANGLE_ERR__COUNT + MAM_ERR__COUNT + OWN_REASONS)

#define TRYTES_OF(off) ((off) / 3)
#define TAG_AT TRYTES_OF(TANGLE_TX_OFF_TAG)
#define HASH_TRYTES (TANGLE_TX_HASH_TRITS / 3)

typedef struct stored_tx {
  char trytes[TANGLE_TX_TRYTES];
  char hash[HASH_TRYTES];
  const char *fate; /* why the line is skipped, unless a bundle holding it is read (static) */
  bool read;        /* a bundle holding it was read */
} stored_tx_t;

typedef struct rd_bundle {
  stored_tx_t **txs; /* in index order */
  size_t n;
  int64_t ord;       /* |ord| in the first transaction's tag */
  mam_err_t err;     /* of the last attempt to read it */
  bool pending;
  bool read;         /* read, and the first of its channel, message and |ord| to be */
} rd_bundle_t;

typedef struct tally {
  const char *reason[MAX_REASONS]; /* static strings */
  size_t count[MAX_REASONS];
  size_t n;
} tally_t;

typedef struct read_input {
  stored_tx_t *txs;
  size_t n, cap;
  stored_tx_t **by_hash; /* the transactions sorted by hash */
  rd_bundle_t *bundles;  /* as the assembler completes them, then in reading order */
  size_t n_bundles, cap_bundles;
  size_t bundle_txs;      /* in the bundles kept */
  size_t dropped_bundles; /* past READ_MAX_BUNDLE_TXS */
  tally_t skipped;
} read_input_t;

static void skip(tally_t *t, const char *reason, size_t lines) {
  size_t i = 0;
  while (i < t->n && strcmp(t->reason[i], reason) != 0) i++;
  if (i == MAX_REASONS) i--; /* unreachable while OWN_REASONS counts the reader's own */
  if (i == t->n) t->reason[t->n++] = reason, t->count[i] = 0;
  t->count[i] += lines;
}

static void print_tally(const tally_t *t) {
  size_t total = 0;
  for (size_t i = 0; i < t->n; i++) total += t->count[i];
  if (total == 0) return;
  fprintf(stderr, "skipped %zu lines:", total);
  for (size_t i = 0; i < t->n; i++) fprintf(stderr, "%s %zu %s", i ? "," : "", t->count[i], t->reason[i]);
  fputc('\n', stderr);
}

/* ---- input ---- */

static void keep_tx(read_input_t *ri, const char *line) {
  if (ri->n == ri->cap) {
    size_t cap = ri->cap ? 2 * ri->cap : 64;
    stored_tx_t *grown = realloc(ri->txs, cap * sizeof *grown);
    if (!grown) cli_fail("out of memory");
    ri->txs = grown;
    ri->cap = cap;
  }
  stored_tx_t *s = &ri->txs[ri->n++];
  memcpy(s->trytes, line, TANGLE_TX_TRYTES);
  s->fate = NULL;
  s->read = false;
}

static void take_line(read_input_t *ri, const char *line, size_t n, tangle_tx_t *scratch) {
  tangle_err_t err = tangle_tx_from_trytes(scratch, line, n);
  if (err != TANGLE_OK)
    skip(&ri->skipped, tangle_strerror(err), 1);
  else if (ri->n == READ_MAX_TXS)
    skip(&ri->skipped, "more transactions than the reader keeps", 1);
  else
    keep_tx(ri, line);
}

/* Reads one line, keeping at most cap characters of it in buf; *len gets its whole length without
 * the newline. False at the end of the input. */
static bool next_line(FILE *in, char *buf, size_t cap, size_t *len) {
  int c;
  size_t n = 0;
  while ((c = getc_unlocked(in)) != EOF && c != '\n') {
    if (n < cap) buf[n] = (char)c;
    n++;
  }
  *len = n;
  return c != EOF || n > 0;
}

/* Every line of in; empty lines are ignored, lines too long to be a transaction are not stored. */
static void read_lines(FILE *in, read_input_t *ri) {
  char line[LINE_MAX_CHARS];
  size_t n;
  tangle_tx_t *scratch = cli_alloc(sizeof *scratch);
  while (next_line(in, line, sizeof line, &n)) {
    if (n <= sizeof line && n > 0 && line[n - 1] == '\r') n--;
    if (n > sizeof line)
      skip(&ri->skipped, tangle_strerror(TANGLE_ERR_INVALID_LENGTH), 1);
    else if (n > 0)
      take_line(ri, line, n, scratch);
  }
  if (ferror(in)) cli_fail("cannot read standard input");
  free(scratch);
}

/* ---- bundles ---- */

static const char *bundle_field(const stored_tx_t *t) { return t->trytes + TRYTES_OF(TANGLE_TX_OFF_BUNDLE); }

static int compare_int(int64_t a, int64_t b) { return (a > b) - (a < b); }

static void parse_stored(const stored_tx_t *s, tangle_tx_t *tx) {
  if (tangle_tx_from_trytes(tx, s->trytes, TANGLE_TX_TRYTES) != TANGLE_OK)
    cli_fail("internal error: a kept line no longer parses");
}

/* By hash, then by line. */
static int compare_hashes(const void *pa, const void *pb) {
  const stored_tx_t *a = *(stored_tx_t *const *)pa, *b = *(stored_tx_t *const *)pb;
  int c = memcmp(a->hash, b->hash, HASH_TRYTES);
  return c ? c : (a > b) - (a < b);
}

/* The first kept line with this hash (the assembler only delivers transactions it was given). */
static stored_tx_t *line_of(const read_input_t *ri, const char hash[HASH_TRYTES]) {
  size_t lo = 0, hi = ri->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(ri->by_hash[mid]->hash, hash, HASH_TRYTES) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo == ri->n || memcmp(ri->by_hash[lo]->hash, hash, HASH_TRYTES) != 0)
    cli_fail("internal error: a delivered transaction is not among the lines");
  return ri->by_hash[lo];
}

/* The assembler's callback: keeps the bundle as its lines, with its |ord|. */
static void keep_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  read_input_t *ri = ctx;
  char hash[HASH_TRYTES];
  if (ri->bundle_txs + n > READ_MAX_BUNDLE_TXS) {
    ri->dropped_bundles++;
    for (size_t i = 0; i < n; i++) {
      mam_trits_to_trytes(hashes[i], TANGLE_TX_HASH_TRITS, hash);
      line_of(ri, hash)->fate = "in more bundles than the reader keeps";
    }
    return;
  }
  ri->bundle_txs += n;
  if (ri->n_bundles == ri->cap_bundles) {
    size_t cap = ri->cap_bundles ? 2 * ri->cap_bundles : 64;
    rd_bundle_t *grown = realloc(ri->bundles, cap * sizeof *grown);
    if (!grown) cli_fail("out of memory");
    ri->bundles = grown;
    ri->cap_bundles = cap;
  }
  rd_bundle_t *b = &ri->bundles[ri->n_bundles++];
  b->txs = cli_alloc(n * sizeof *b->txs);
  b->n = n;
  for (size_t i = 0; i < n; i++) {
    mam_trits_to_trytes(hashes[i], TANGLE_TX_HASH_TRITS, hash);
    b->txs[i] = line_of(ri, hash);
  }
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_tag_parse(txs[0]->tag, msg_id, &b->ord);
  if (b->ord < 0) b->ord = -b->ord;
}

/* Hashes every kept line and indexes the lines by hash. */
static void hash_lines(read_input_t *ri, tangle_tx_t *tx) {
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  ri->by_hash = cli_alloc(ri->n * sizeof *ri->by_hash);
  for (size_t i = 0; i < ri->n; i++) {
    parse_stored(&ri->txs[i], tx);
    if (tangle_tx_hash(tx, hash) != TANGLE_OK) cli_fail("internal error: cannot hash a kept line");
    mam_trits_to_trytes(hash, TANGLE_TX_HASH_TRITS, ri->txs[i].hash);
    ri->by_hash[i] = &ri->txs[i];
  }
  qsort(ri->by_hash, ri->n, sizeof *ri->by_hash, compare_hashes);
}

/* Gives one line to the assembler; what it refuses is counted. */
static void assemble_line(read_input_t *ri, mg_assembler_t *a, stored_tx_t *t, tangle_tx_t *tx) {
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  mg_assembler_stats_t before, after;
  parse_stored(t, tx);
  if (mam_trytes_to_trits(t->hash, HASH_TRYTES, hash) != MAM_OK) cli_fail("internal error: a bad hash");
  mg_assembler_stats(a, &before);
  mg_assembler_result_t r = mg_assembler_add(a, tx, hash, 0, keep_bundle, ri);
  mg_assembler_stats(a, &after);
  if (r == MG_ASSEMBLER_NO_MEMORY) cli_fail("out of memory");
  if (r == MG_ASSEMBLER_DUPLICATE) t->fate = "duplicate transactions";
  if (r == MG_ASSEMBLER_REJECTED) t->fate = "refused by the bundle assembler (value, indexes or bundle length)";
  if (after.invalid_bundles > before.invalid_bundles) t->fate = tangle_strerror(TANGLE_ERR_BUNDLE_HASH);
}

/* Every bundle the lines complete, in any order of the lines. */
static void assemble_bundles(read_input_t *ri) {
  tangle_tx_t *tx = cli_alloc(sizeof *tx);
  hash_lines(ri, tx);
  mg_assembler_limits_t limits = {.max_txs = READ_MAX_TXS, .ttl_ms = UINT64_MAX, .unattached = true};
  mg_assembler_t *a = mg_assembler_new(&limits);
  if (!a) cli_fail("out of memory");
  for (size_t i = 0; i < ri->n; i++) assemble_line(ri, a, &ri->txs[i], tx);
  mg_assembler_stats_t s;
  mg_assembler_stats(a, &s);
  if (s.cut_searches)
    fprintf(stderr, "%llu searches for unattached bundles stopped at their limit (too many conflicting copies)\n",
            (unsigned long long)s.cut_searches);
  if (ri->dropped_bundles)
    fprintf(stderr, "%zu bundles not kept: their transactions are in more bundles than the reader keeps\n",
            ri->dropped_bundles);
  mg_assembler_free(a);
  free(tx);
}

/* By channel id (address), message id (the tag's first 21 trytes), then |ord|. */
static int compare_reading_order(const void *pa, const void *pb) {
  const rd_bundle_t *a = pa, *b = pb;
  const char *ta = a->txs[0]->trytes, *tb = b->txs[0]->trytes;
  int c = memcmp(ta + TRYTES_OF(TANGLE_TX_OFF_ADDRESS), tb + TRYTES_OF(TANGLE_TX_OFF_ADDRESS), MAM_ID_TRITS / 3);
  if (c == 0) c = memcmp(ta + TAG_AT, tb + TAG_AT, MAM_MSG_ID_TRITS / 3);
  return c ? c : compare_int(a->ord, b->ord);
}

/* ---- decoding ---- */

/* One decoded packet as a JSON line, the object the gateway publishes (read/message_json.h) without
 * the store's cursor and arrival time, which an offline read does not have. */
static void print_packet(const mam_decoded_t *d, const char *bundle_hash) {
  char channel_id[MG_ID_TRYTES + 1] = {0};
  cli_trytes(d->chid, MAM_ID_TRITS, channel_id);
  mg_message_t m;
  if (mg_message_from_decoded(&m, d, channel_id, bundle_hash, 0) != 0) cli_fail("out of memory");
  char *text = mg_message_json_text(&m, MG_JSON_NO_STORE_FIELDS);
  free(m.payload_trytes);
  if (!text) cli_fail("out of memory");
  puts(text);
  free(text);
}

static mam_err_t read_bundle(mam_reader_t *r, const rd_bundle_t *b, size_t *packets) {
  mam_tx_t *txs = cli_alloc(b->n * sizeof *txs);
  tangle_tx_t *tx = cli_alloc(sizeof *tx);
  for (size_t i = 0; i < b->n; i++) {
    parse_stored(b->txs[i], tx);
    memcpy(txs[i].address, tx->address, MAM_ID_TRITS);
    memcpy(txs[i].tag, tx->tag, MAM_TAG_TRITS);
    memcpy(txs[i].fragment, tx->signature_message_fragment, MAM_FRAGMENT_TRITS);
  }
  mam_decoded_t d;
  bool has_packet;
  mam_err_t err = mam_reader_read_bundle(r, txs, b->n, &d, &has_packet);
  if (err == MAM_ERR_NO_MEMORY) cli_fail("out of memory");
  if (err == MAM_OK && has_packet) {
    print_packet(&d, bundle_field(b->txs[0]));
    ++*packets;
  }
  mam_decoded_free(&d);
  free(tx);
  free(txs);
  return err;
}

/* Errors that a later announcement can cure. */
static bool may_succeed_later(mam_err_t err) {
  return err == MAM_ERR_CHANNEL_UNTRUSTED || err == MAM_ERR_ENDPOINT_UNTRUSTED || err == MAM_ERR_MESSAGE_NOT_FOUND;
}

static size_t trusted_count(const mam_reader_t *r) {
  return r->keys.trusted_channels.n + r->keys.trusted_endpoints.n;
}

static bool same_packet(const rd_bundle_t *a, const rd_bundle_t *b) { return compare_reading_order(a, b) == 0; }

/* True when another bundle of the same channel, message and |ord| as bundles[i] was read, so
 * that this one is a copy (a reattachment, or a forged copy; a repeated header reads without an
 * error). They sort together. */
static bool read_elsewhere(const read_input_t *ri, size_t i) {
  for (size_t j = i; j-- > 0 && same_packet(&ri->bundles[j], &ri->bundles[i]);)
    if (ri->bundles[j].read) return true;
  for (size_t j = i + 1; j < ri->n_bundles && same_packet(&ri->bundles[j], &ri->bundles[i]); j++)
    if (ri->bundles[j].read) return true;
  return false;
}

/* Reads every bundle; passes repeat while the trusted sets grow and some bundle waits for them. */
static size_t read_all(read_input_t *ri, mam_reader_t *r) {
  size_t packets = 0;
  for (size_t i = 0; i < ri->n_bundles; i++) ri->bundles[i].pending = true, ri->bundles[i].read = false;
  for (bool again = true; again;) {
    size_t trusted = trusted_count(r);
    bool waiting = false;
    for (size_t i = 0; i < ri->n_bundles; i++) {
      rd_bundle_t *b = &ri->bundles[i];
      if (!b->pending) continue;
      b->err = read_bundle(r, b, &packets);
      b->read = b->err == MAM_OK && !read_elsewhere(ri, i);
      b->pending = may_succeed_later(b->err);
      waiting |= b->pending;
    }
    again = waiting && trusted_count(r) > trusted;
  }
  return packets;
}

/* Counts every line that no read bundle holds, by the reason of the last thing that refused it. */
static void count_skipped(read_input_t *ri) {
  for (size_t i = 0; i < ri->n_bundles; i++)
    for (size_t k = 0; ri->bundles[i].read && k < ri->bundles[i].n; k++) ri->bundles[i].txs[k]->read = true;
  for (size_t i = 0; i < ri->n_bundles; i++) {
    const rd_bundle_t *b = &ri->bundles[i];
    if (b->read) continue;
    const char *why = read_elsewhere(ri, i) ? "copies of packets read already" : mam_strerror(b->err);
    for (size_t k = 0; k < b->n; k++) b->txs[k]->fate = why;
  }
  for (size_t i = 0; i < ri->n; i++)
    if (!ri->txs[i].read) skip(&ri->skipped, ri->txs[i].fate ? ri->txs[i].fate : "incomplete bundles", 1);
}

/* ---- keys ---- */

typedef struct read_keys {
  mam_psk_t *psks;
  mam_ntru_sk_t *ntru;
} read_keys_t;

static void load_keys(const cli_opts_t *o, mam_reader_t *r, read_keys_t *k) {
  if (o->count[OPT_TRUSTED] == 0) cli_usage_error("read needs at least one --trusted channel or endpoint id");
  for (size_t i = 0; i < o->count[OPT_TRUSTED]; i++) {
    mam_trit_t *id = cli_trits("--trusted", o->values[OPT_TRUSTED][i], MAM_ID_TRITS / 3, NULL);
    if (mam_id_set_add(&r->keys.trusted_channels, id) != MAM_OK ||
        mam_id_set_add(&r->keys.trusted_endpoints, id) != MAM_OK)
      cli_fail("out of memory");
    free(id);
  }
  k->psks = cli_alloc(o->count[OPT_PSK] * sizeof *k->psks);
  for (size_t i = 0; i < o->count[OPT_PSK]; i++) cli_psk(o->values[OPT_PSK][i], &k->psks[i]);
  k->ntru = cli_alloc(o->count[OPT_NTRU] * sizeof *k->ntru);
  for (size_t i = 0; i < o->count[OPT_NTRU]; i++) cli_ntru_sk(o->values[OPT_NTRU][i], &k->ntru[i]);
  r->keys.psks = k->psks;
  r->keys.n_psks = o->count[OPT_PSK];
  r->keys.ntru_sks = k->ntru;
  r->keys.n_ntru = o->count[OPT_NTRU];
}

static void free_keys(read_keys_t *k, size_t n_psks, size_t n_ntru) {
  mam_wipe(k->psks, n_psks * sizeof *k->psks);
  free(k->psks);
  for (size_t i = 0; i < n_ntru; i++) mam_ntru_sk_destroy(&k->ntru[i]);
  free(k->ntru);
}

int cli_cmd_read(const cli_opts_t *o) {
  mam_reader_t r;
  mam_reader_init(&r);
  read_keys_t keys;
  load_keys(o, &r, &keys);
  read_input_t ri;
  memset(&ri, 0, sizeof ri);
  read_lines(stdin, &ri);
  assemble_bundles(&ri);
  qsort(ri.bundles, ri.n_bundles, sizeof *ri.bundles, compare_reading_order);
  size_t packets = read_all(&ri, &r);
  if (fflush(stdout) != 0) cli_fail("cannot write the packets");
  fprintf(stderr, "decoded %zu packets\n", packets);
  count_skipped(&ri);
  print_tally(&ri.skipped);
  for (size_t i = 0; i < ri.n_bundles; i++) free(ri.bundles[i].txs);
  free(ri.bundles);
  free(ri.by_hash);
  free(ri.txs);
  mam_reader_destroy(&r);
  free_keys(&keys, o->count[OPT_PSK], o->count[OPT_NTRU]);
  return 0;
}
