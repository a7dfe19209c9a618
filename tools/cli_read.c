/* tools/cli_read.c: `mamgate-cli read`: MAM2 packets out of transaction trytes on stdin.
 *
 * Lines come in any order, mixed with anything else. Every line that parses as a transaction is
 * kept; then transactions are grouped into bundles by bundle hash, lastIndex and currentIndex. Of
 * two transactions in one place, one that differs only in the attachment fields (trunk, branch,
 * attachment timestamps, nonce: a reattachment) is a duplicate; any other is a conflict, and the
 * first in tryte order is kept. A bundle is checked with tangle_bundle_validate (indexes, values,
 * bundle hash) but its trunk chaining is not required: `write` prints unattached transactions
 * whose trunks are all 9. The chaining check is the validator's last, so a chaining error means
 * everything else held. Fragments are not covered by the bundle hash; the MAM MAC or signature is
 * what protects them.
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
#include "plugin/msgjson.h"
#include "tangle/bundle.h"
#include "tools/cli.h"
#include "tools/cli_args.h"

/* Transactions kept from one input (about 2.7 KB each). */
#define READ_MAX_TXS 200000
/* The longest line kept whole: a transaction and "\r". */
#define LINE_MAX_CHARS (TANGLE_TX_TRYTES + 1)
/* Reasons are error texts of the two layers and a few of the reader's own. */
#define OWN_REASONS 4
#define MAX_REASONS (TANGLE_ERR__COUNT + MAM_ERR__COUNT + OWN_REASONS)

#define TRYTES_OF(off) ((off) / 3)
/* The part of a transaction that attaching leaves alone: fragment .. bundle, and the tag. */
#define CONTENT_END TRYTES_OF(TANGLE_TX_OFF_TRUNK)
#define TAG_AT TRYTES_OF(TANGLE_TX_OFF_TAG)
#define TAG_TRYTES (TANGLE_TX_TAG_TRITS / 3)

typedef struct stored_tx {
  char trytes[TANGLE_TX_TRYTES];
  int64_t index, last;
} stored_tx_t;

typedef struct rd_bundle {
  stored_tx_t **txs; /* in index order */
  size_t n;
  int64_t ord;       /* |ord| in the first transaction's tag */
  mam_err_t err;     /* of the last attempt to read it */
  bool pending;
} rd_bundle_t;

typedef struct tally {
  const char *reason[MAX_REASONS]; /* static strings */
  size_t count[MAX_REASONS];
  size_t n;
} tally_t;

typedef struct read_input {
  stored_tx_t *txs;
  size_t n, cap;
  stored_tx_t **order; /* the transactions sorted, then those in bundles packed together */
  rd_bundle_t *bundles;
  size_t n_bundles;
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

static void keep_tx(read_input_t *ri, const char *line, const tangle_tx_t *tx) {
  if (ri->n == ri->cap) {
    size_t cap = ri->cap ? 2 * ri->cap : 64;
    stored_tx_t *grown = realloc(ri->txs, cap * sizeof *grown);
    if (!grown) cli_fail("out of memory");
    ri->txs = grown;
    ri->cap = cap;
  }
  stored_tx_t *s = &ri->txs[ri->n++];
  memcpy(s->trytes, line, TANGLE_TX_TRYTES);
  s->index = tx->current_index;
  s->last = tx->last_index;
}

static void take_line(read_input_t *ri, const char *line, size_t n, tangle_tx_t *scratch) {
  tangle_err_t err = tangle_tx_from_trytes(scratch, line, n);
  if (err != TANGLE_OK)
    skip(&ri->skipped, tangle_strerror(err), 1);
  else if (ri->n == READ_MAX_TXS)
    skip(&ri->skipped, "more transactions than the reader keeps", 1);
  else
    keep_tx(ri, line, scratch);
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

/* By bundle hash, lastIndex, currentIndex, then the whole transaction. */
static int compare_slots(const void *pa, const void *pb) {
  const stored_tx_t *a = *(stored_tx_t *const *)pa, *b = *(stored_tx_t *const *)pb;
  int c = memcmp(bundle_field(a), bundle_field(b), TANGLE_TX_HASH_TRITS / 3);
  if (c == 0) c = compare_int(a->last, b->last);
  if (c == 0) c = compare_int(a->index, b->index);
  return c ? c : memcmp(a->trytes, b->trytes, TANGLE_TX_TRYTES);
}

static bool same_group(const stored_tx_t *a, const stored_tx_t *b) {
  return a->last == b->last && memcmp(bundle_field(a), bundle_field(b), TANGLE_TX_HASH_TRITS / 3) == 0;
}

static bool same_content(const stored_tx_t *a, const stored_tx_t *b) {
  return memcmp(a->trytes, b->trytes, CONTENT_END) == 0 &&
         memcmp(a->trytes + TAG_AT, b->trytes + TAG_AT, TAG_TRYTES) == 0;
}

/* Packs the group order[from..to) at order[*w..], one transaction per index, and records it as a
 * bundle when it holds every index 0..lastIndex. */
static void collect_group(read_input_t *ri, size_t from, size_t to, size_t *w) {
  size_t start = *w;
  for (size_t k = from; k < to; k++) {
    stored_tx_t *t = ri->order[k];
    if (*w > start && ri->order[*w - 1]->index == t->index) {
      skip(&ri->skipped, same_content(ri->order[*w - 1], t) ? "duplicate transactions" : "conflicting transactions", 1);
      continue;
    }
    ri->order[(*w)++] = t;
  }
  size_t n = *w - start;
  stored_tx_t **txs = ri->order + start;
  int64_t last = txs[0]->last; /* indexes are distinct and sorted: 0 .. last when these hold */
  if (txs[0]->index != 0 || txs[n - 1]->index != last || (uint64_t)last + 1 != n) {
    skip(&ri->skipped, "incomplete bundles", n);
    *w = start;
    return;
  }
  ri->bundles[ri->n_bundles++] = (rd_bundle_t){.txs = txs, .n = n};
}

static void group_bundles(read_input_t *ri) {
  ri->order = cli_alloc(ri->n * sizeof *ri->order);
  ri->bundles = cli_alloc(ri->n * sizeof *ri->bundles);
  for (size_t i = 0; i < ri->n; i++) ri->order[i] = &ri->txs[i];
  qsort(ri->order, ri->n, sizeof *ri->order, compare_slots);
  size_t w = 0;
  for (size_t i = 0; i < ri->n;) {
    size_t j = i + 1;
    while (j < ri->n && same_group(ri->order[i], ri->order[j])) j++;
    collect_group(ri, i, j, &w);
    i = j;
  }
}

static void parse_stored(const stored_tx_t *s, tangle_tx_t *tx) {
  if (tangle_tx_from_trytes(tx, s->trytes, TANGLE_TX_TRYTES) != TANGLE_OK)
    cli_fail("internal error: a kept line no longer parses");
}

/* Validates a bundle and finds its ord; false (lines counted) when it is invalid. */
static bool check_bundle(rd_bundle_t *b, tally_t *skipped) {
  tangle_tx_t *txs = cli_alloc(b->n * sizeof *txs);
  for (size_t i = 0; i < b->n; i++) parse_stored(b->txs[i], &txs[i]);
  tangle_err_t err = tangle_bundle_validate(txs, b->n, NULL);
  if (err == TANGLE_ERR_BUNDLE_CHAIN) err = TANGLE_OK; /* unattached: see the top of the file */
  if (err == TANGLE_OK) {
    trit_t msg_id[MAM_MSG_ID_TRITS];
    mam_tag_parse(txs[0].tag, msg_id, &b->ord);
    if (b->ord < 0) b->ord = -b->ord;
  } else {
    skip(skipped, tangle_strerror(err), b->n);
  }
  free(txs);
  return err == TANGLE_OK;
}

/* By channel id (address), message id (the tag's first 21 trytes), then |ord|. */
static int compare_reading_order(const void *pa, const void *pb) {
  const rd_bundle_t *a = pa, *b = pb;
  const char *ta = a->txs[0]->trytes, *tb = b->txs[0]->trytes;
  int c = memcmp(ta + TRYTES_OF(TANGLE_TX_OFF_ADDRESS), tb + TRYTES_OF(TANGLE_TX_OFF_ADDRESS), MAM_ID_TRITS / 3);
  if (c == 0) c = memcmp(ta + TAG_AT, tb + TAG_AT, MAM_MSG_ID_TRITS / 3);
  return c ? c : compare_int(a->ord, b->ord);
}

static void keep_valid_bundles(read_input_t *ri) {
  size_t w = 0;
  for (size_t i = 0; i < ri->n_bundles; i++)
    if (check_bundle(&ri->bundles[i], &ri->skipped)) ri->bundles[w++] = ri->bundles[i];
  ri->n_bundles = w;
  qsort(ri->bundles, ri->n_bundles, sizeof *ri->bundles, compare_reading_order);
}

/* ---- decoding ---- */

/* One decoded packet as a JSON line, the object the gateway publishes (plugin/msgjson.h) without
 * the store's cursor and arrival time, which an offline read does not have. */
static void print_packet(const mam_decoded_t *d, const char *bundle_hash) {
  mg_message_t m = {.ord = d->ord, .last = d->last, .checksum = (int)d->checksum,
                    .verified = d->checksum != MAM_CHECKSUM_NONE, .leaf = d->sig_leaf};
  cli_trytes(d->chid, MAM_ID_TRITS, m.channel_id);
  cli_trytes(d->signer, MAM_ID_TRITS, m.endpoint_id);
  cli_trytes(d->msg_id, MAM_MSG_ID_TRITS, m.message_id);
  memcpy(m.bundle, bundle_hash, MG_ID_TRYTES);
  m.bundle[MG_ID_TRYTES] = 0;
  m.payload_trytes = cli_alloc(d->payload_trits / 3 + 1);
  cli_trytes(d->payload, d->payload_trits, m.payload_trytes);
  char *text = mg_message_json_text(&m, MG_JSON_NO_STORE_FIELDS);
  if (!text) cli_fail("out of memory");
  puts(text);
  free(text);
  free(m.payload_trytes);
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

/* Reads every bundle; passes repeat while the trusted sets grow and some bundle waits for them. */
static size_t read_all(read_input_t *ri, mam_reader_t *r) {
  size_t packets = 0;
  for (size_t i = 0; i < ri->n_bundles; i++) ri->bundles[i].pending = true;
  for (bool again = true; again;) {
    size_t trusted = trusted_count(r);
    bool waiting = false;
    for (size_t i = 0; i < ri->n_bundles; i++) {
      rd_bundle_t *b = &ri->bundles[i];
      if (!b->pending) continue;
      b->err = read_bundle(r, b, &packets);
      b->pending = may_succeed_later(b->err);
      waiting |= b->pending;
    }
    again = waiting && trusted_count(r) > trusted;
  }
  for (size_t i = 0; i < ri->n_bundles; i++)
    if (ri->bundles[i].err != MAM_OK) skip(&ri->skipped, mam_strerror(ri->bundles[i].err), ri->bundles[i].n);
  return packets;
}

/* ---- keys ---- */

typedef struct read_keys {
  mam_psk_t *psks;
  mam_ntru_sk_t *ntru;
} read_keys_t;

static void load_keys(const cli_opts_t *o, mam_reader_t *r, read_keys_t *k) {
  if (o->count[OPT_TRUSTED] == 0) cli_usage_error("read needs at least one --trusted channel or endpoint id");
  for (size_t i = 0; i < o->count[OPT_TRUSTED]; i++) {
    trit_t *id = cli_trits("--trusted", o->values[OPT_TRUSTED][i], MAM_ID_TRITS / 3, NULL);
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
  group_bundles(&ri);
  keep_valid_bundles(&ri);
  size_t packets = read_all(&ri, &r);
  if (fflush(stdout) != 0) cli_fail("cannot write the packets");
  fprintf(stderr, "decoded %zu packets\n", packets);
  print_tally(&ri.skipped);
  free(ri.bundles);
  free(ri.order);
  free(ri.txs);
  mam_reader_destroy(&r);
  free_keys(&keys, o->count[OPT_PSK], o->count[OPT_NTRU]);
  return 0;
}
