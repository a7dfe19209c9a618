/* fuzz/make_corpus.c: writes the seed corpora of fuzz/corpus/ (run by `script/fuzz --make-corpus`;
 * the files it writes are committed, so fuzzing never depends on running it).
 *
 * usage: make_corpus CORPUS_DIR TANGLE_VECTORS
 *
 * Seeds are small valid examples of what each target parses: transactions of the vector file,
 * feed frames made of them, bundle programs for the assembler, MAM messages written with mamcore in
 * the fixed world of fuzz/mam_fixture.h, saved channel and reader states, route patterns and
 * paths, REST requests, and configuration text. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"
#include "fuzz/mam_fixture.h"
#include "mamcore/state.h"
#include "tangle/transaction.h"

#define MAX_SEED (1 << 16)
#define MAX_TXS 4

static const char *corpus_dir;

/* A seed being written. */
typedef struct seed {
  uint8_t b[MAX_SEED];
  size_t n;
} seed_t;

static void put(seed_t *s, const void *p, size_t n) {
  if (s->n + n > MAX_SEED) {
    fprintf(stderr, "make_corpus: seed too large\n");
    exit(1);
  }
  memcpy(s->b + s->n, p, n);
  s->n += n;
}

static void put_byte(seed_t *s, uint8_t b) { put(s, &b, 1); }

static void put_trits(seed_t *s, const mam_trit_t *t, size_t n) {
  uint8_t packed[FZ_PACKED_BYTES(MAM_FRAGMENT_TRITS)];
  for (size_t i = 0; i < n; i += MAM_FRAGMENT_TRITS) {
    size_t k = n - i < MAM_FRAGMENT_TRITS ? n - i : MAM_FRAGMENT_TRITS;
    fz_pack_trits(t + i, k, packed);
    put(s, packed, FZ_PACKED_BYTES(k));
  }
}

static void save(const char *target, const char *name, const seed_t *s) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", corpus_dir, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    perror(path);
    exit(1);
  }
  snprintf(path, sizeof path, "%s/%s/%s", corpus_dir, target, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(s->b, 1, s->n, f) != s->n || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

static void save_text(const char *target, const char *name, const char *text, size_t len) {
  static seed_t s;
  s.n = 0;
  put(&s, text, len);
  save(target, name, &s);
}

static void require(bool ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "make_corpus: %s failed\n", what);
    exit(1);
  }
}

/* ---- transactions, feed frames, bundle programs ---- */

/* The first `max` 2673-tryte transactions of the vector file ("... trytes = <2673 trytes>"). */
static size_t vector_transactions(const char *file, char (*out)[TANGLE_TX_TRYTES + 1], size_t max) {
  FILE *f = fopen(file, "r");
  require(f != NULL, file);
  char *line = NULL;
  size_t cap = 0, n = 0;
  while (n < max && getline(&line, &cap, f) > 0) {
    char *v = strstr(line, "trytes = ");
    if (!v) continue;
    v += strlen("trytes = ");
    v[strcspn(v, "\r\n")] = 0;
    if (strlen(v) == TANGLE_TX_TRYTES) memcpy(out[n++], v, TANGLE_TX_TRYTES + 1);
  }
  free(line);
  fclose(f);
  return n;
}

static void tangle_seeds(const char *vectors) {
  static char txs[4][TANGLE_TX_TRYTES + 1];
  static mam_trit_t trits[TANGLE_TX_TRITS];
  static tangle_tx_t tx;
  static seed_t s;
  size_t n = vector_transactions(vectors, txs, 4);
  require(n == 4, "reading 4 transactions from the vector file");
  for (size_t i = 0; i < n; i++) {
    char name[32], hash_trytes[82];
    mam_trit_t hash[TANGLE_TX_HASH_TRITS];
    snprintf(name, sizeof name, "tx-%zu", i);
    save_text("fuzz_tx", name, txs[i], TANGLE_TX_TRYTES);
    require(tangle_tx_from_trytes(&tx, txs[i], TANGLE_TX_TRYTES) == TANGLE_OK && tangle_tx_to_trits(&tx, trits) == TANGLE_OK &&
                tangle_tx_hash(&tx, hash) == TANGLE_OK,
            "parsing a vector transaction");
    s.n = 0;
    put_trits(&s, trits, TANGLE_TX_TRITS);
    snprintf(name, sizeof name, "tx-trits-%zu", i);
    save("fuzz_tx", name, &s);
    mam_trits_to_trytes(hash, TANGLE_TX_HASH_TRITS, hash_trytes);
    hash_trytes[81] = 0;
    static const char *const topics[] = {"trytes", "tx_trytes", "tx_trytes"};
    for (size_t t = 0; t < 3; t++) {
      static char frame[3000];
      int len = snprintf(frame, sizeof frame, "%s %s%s%s", topics[t], txs[i], t < 2 ? " " : "", t < 2 ? hash_trytes : "");
      snprintf(name, sizeof name, "frame-%zu-%zu", i, t);
      save_text("fuzz_feed", name, frame, (size_t)len);
    }
  }
  static const char *const others[] = {"tx ABC 0 1", "sn 12 ABC", "lmi 1 2", "trytes", "trytes  A"};
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    char name[32];
    snprintf(name, sizeof name, "other-%zu", i);
    save_text("fuzz_feed", name, others[i], strlen(others[i]));
  }
}

/* Assembler programs (see fuzz_assembler.c for the operations). */
static void assembler_seeds(void) {
  static seed_t s;
  /* op 0 (bundle): size byte, 17 tag bytes, 8 fragment bytes per transaction, address byte, tip
   * choice byte (+ 49 bytes of tip), order, skip, twice */
  static const struct { uint8_t size, order, skip, twice; } bundles[] = {
      {0, 0, 0, 0}, {2, 0, 0, 0}, {2, 0x80, 0, 0}, {3, 1, 0, 0x81}, {5, 2, 0x82, 0}};
  for (size_t b = 0; b < sizeof bundles / sizeof *bundles; b++) {
    s.n = 0;
    for (int repeat = 0; repeat < 2; repeat++) {
      put_byte(&s, 0);
      put_byte(&s, bundles[b].size);
      for (int i = 0; i < 17; i++) put_byte(&s, (uint8_t)(i * 13 + b));
      for (int i = 0; i < 8 * (bundles[b].size % 6 + 1); i++) put_byte(&s, (uint8_t)(i + 1));
      put_byte(&s, (uint8_t)repeat);
      put_byte(&s, (uint8_t)repeat); /* the second bundle builds on the first */
      if (repeat == 0) for (int i = 0; i < 49; i++) put_byte(&s, (uint8_t)i);
      else put_byte(&s, 0);
      put_byte(&s, bundles[b].order), put_byte(&s, bundles[b].skip), put_byte(&s, bundles[b].twice);
    }
    /* a mutated copy, a repeat, a made-up transaction, time passing */
    static const uint8_t tail[] = {1, 0, 3, 7, 1, 1, 2, 0, 3, 2, 4, 1, 0, 0, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 4, 61, 3, 0};
    put(&s, tail, sizeof tail);
    char name[32];
    snprintf(name, sizeof name, "program-%zu", b);
    save("fuzz_assembler", name, &s);
  }
}

/* ---- MAM messages ---- */

static uint8_t address_selector(const fz_mam_t *w, const mam_trit_t *address) {
  if (memcmp(address, mam_channel_id(&w->a), MAM_ID_TRITS) == 0) return 0;
  if (memcmp(address, mam_channel_id(&w->b), MAM_ID_TRITS) == 0) return 1;
  return 2;
}

/* One bundle in the fuzz_mam_reader format; trailing zero bytes of fragments are dropped. */
static void put_bundle(seed_t *s, const fz_mam_t *w, const mam_bundle_t *b) {
  require(b->n >= 1 && b->n <= MAX_TXS, "a bundle of at most 4 transactions");
  put_byte(s, (uint8_t)(address_selector(w, b->txs[0].address) | (b->n - 1) << 2));
  for (size_t i = 0; i < b->n; i++) {
    uint8_t tag[FZ_PACKED_BYTES(MAM_TAG_TRITS)], frag[FZ_PACKED_BYTES(MAM_FRAGMENT_TRITS)];
    fz_pack_trits(b->txs[i].tag, MAM_TAG_TRITS, tag);
    fz_pack_trits(b->txs[i].fragment, MAM_FRAGMENT_TRITS, frag);
    size_t len = sizeof frag;
    while (len > 0 && frag[len - 1] == 0) len--;
    put(s, tag, sizeof tag);
    put_byte(s, (uint8_t)(len & 0xff)), put_byte(s, (uint8_t)(len >> 8));
    put(s, frag, len);
  }
}

typedef struct message_case {
  const char *name;
  uint8_t flags;      /* FZ_MAM_* the reader needs */
  bool on_b, on_e, announce_e, psk, ntru;
  mam_checksum_t checksum;
  size_t packets;
} message_case_t;

static const message_case_t messages[] = {
    {"public-mac", 0, false, false, false, false, false, MAM_CHECKSUM_MAC, 1},
    {"public-sig-2", 0, false, false, false, false, false, MAM_CHECKSUM_SIG, 2},
    {"psk-sig", FZ_MAM_PSK, false, false, false, true, false, MAM_CHECKSUM_SIG, 1},
    {"ntru-mac", FZ_MAM_NTRU, false, false, false, false, true, MAM_CHECKSUM_MAC, 1},
    {"endpoint-sig", FZ_MAM_TRUST_E, false, true, false, false, false, MAM_CHECKSUM_SIG, 1},
    {"announce-endpoint", 0, false, false, true, false, false, MAM_CHECKSUM_MAC, 1},
    {"b-none-3", 0, true, false, false, false, false, MAM_CHECKSUM_NONE, 3},
};

static mam_err_t write_case(fz_mam_t *w, const message_case_t *c, mam_bundle_t **bundles, size_t *n) {
  static const char text[] = "FUZZ9SEED9PAYLOAD9FOR9THE9MAM9READER";
  mam_trit_t payload[3 * (sizeof text - 1)], msg_id[MAM_MSG_ID_TRITS];
  if (mam_trytes_to_trits(text, sizeof text - 1, payload) != MAM_OK) return MAM_ERR_INVALID_VALUE;
  mam_channel_t *ch = c->on_b ? &w->b : &w->a;
  mam_channel_next_msg_id(ch, msg_id);
  mam_message_spec_t spec = {
      .header = {.ch = ch, .ep = c->on_e ? &w->e : NULL, .announce_ep = c->announce_e ? &w->e : NULL, .msg_id = msg_id,
                 .psks = &w->psk, .n_psks = c->psk, .ntru_pks = w->ntru.pk, .n_ntru = c->ntru},
      .payload = payload, .payload_trits = sizeof payload, .checksum = c->checksum, .packets = c->packets};
  return mam_message_write(&w->prng, &spec, bundles, n);
}

static void mam_seeds(void) {
  static fz_mam_t w;
  static seed_t s, all;
  require(fz_mam_init(&w) == 0, "the MAM fixture");
  mam_reader_t reader;
  mam_reader_init(&reader);
  require(fz_mam_reader_keys(&w, &reader, true, true, true) == 0, "reader keys");
  all.n = 0;
  put_byte(&all, FZ_MAM_TRUST_E | FZ_MAM_PSK | FZ_MAM_NTRU);
  for (size_t m = 0; m < sizeof messages / sizeof *messages; m++) {
    const message_case_t *c = &messages[m];
    mam_bundle_t *bundles = NULL;
    size_t n = 0;
    require(write_case(&w, c, &bundles, &n) == MAM_OK, c->name);
    s.n = 0;
    put_byte(&s, c->flags);
    for (size_t b = 0; b < n; b++) {
      put_bundle(&s, &w, &bundles[b]);
      if (m < 3) put_bundle(&all, &w, &bundles[b]);
      mam_decoded_t d;
      bool has;
      require(mam_reader_read_bundle(&reader, bundles[b].txs, bundles[b].n, &d, &has) == MAM_OK, "reading back");
      if (has) mam_decoded_free(&d);
    }
    save("fuzz_mam_reader", c->name, &s);
    mam_bundles_free(bundles, n);
  }
  save("fuzz_mam_reader", "three-messages", &all);

  /* fuzz_state: the channel A with its endpoint, B alone, and the reader (with open messages) */
  struct { const char *name; uint8_t flags; } states[] = {{"channel-a", 0}, {"channel-b", 0}, {"reader", 1}, {"raw-a", 2}};
  for (size_t i = 0; i < 4; i++) {
    static uint8_t buf[MAX_SEED];
    size_t len = 0;
    if (i == 2) require(mam_reader_state_save(&reader, buf, sizeof buf, &len) == MAM_OK, "saving the reader");
    else if (i == 1) require(mam_channel_state_save(&w.b, NULL, 0, buf, sizeof buf, &len) == MAM_OK, "saving B");
    else require(mam_channel_state_save(&w.a, &w.e, 1, buf, sizeof buf, &len) == MAM_OK, "saving A");
    s.n = 0;
    put_byte(&s, states[i].flags);
    put(&s, buf, states[i].flags & 2 ? len : len - 16); /* the harness appends the checksum */
    save("fuzz_state", states[i].name, &s);
  }
  mam_reader_destroy(&reader);
}

/* fuzz_mam_packet: a header and its packets back to back, written directly. */
static void packet_seeds(void) {
  static fz_mam_t w;
  static mam_trit_t buf[60000];
  static seed_t s;
  require(fz_mam_init(&w) == 0, "the MAM fixture");
  for (size_t m = 0; m < sizeof messages / sizeof *messages; m++) {
    const message_case_t *c = &messages[m];
    mam_trit_t msg_id[MAM_MSG_ID_TRITS], payload[30] = {1, 0, -1, 1, 1};
    mam_channel_t *ch = c->on_b ? &w.b : &w.a;
    mam_channel_next_msg_id(ch, msg_id);
    mam_header_params_t hp = {.ch = ch, .ep = c->on_e ? &w.e : NULL, .announce_ep = c->announce_e ? &w.e : NULL,
                              .msg_id = msg_id, .psks = &w.psk, .n_psks = c->psk, .ntru_pks = w.ntru.pk, .n_ntru = c->ntru};
    mam_write_ctx_t ctx;
    size_t pos = 0, written;
    require(mam_header_write(&w.prng, &hp, buf, sizeof buf, &written, &ctx) == MAM_OK, "writing a header");
    pos += written;
    uint8_t last_bits = 0;
    for (size_t p = 0; p < c->packets; p++) {
      int64_t ord;
      bool last = p + 1 == c->packets;
      require(mam_packet_write(&w.prng, &ctx, payload, sizeof payload, c->checksum, last, buf + pos, sizeof buf - pos,
                               &written, &ord) == MAM_OK,
              "writing a packet");
      pos += written;
      if (last) last_bits |= (uint8_t)(1u << (4 + p));
    }
    s.n = 0;
    put_byte(&s, (uint8_t)(c->flags | (c->on_b ? 8 : 0) | last_bits));
    put_trits(&s, msg_id, MAM_MSG_ID_TRITS);
    put_trits(&s, buf, pos);
    save("fuzz_mam_packet", c->name, &s);
  }
}

/* ---- text seeds ---- */

static void save_texts(const char *target, const char *const *texts, size_t n, const size_t *lens) {
  for (size_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "seed-%02zu", i);
    save_text(target, name, texts[i], lens ? lens[i] : strlen(texts[i]));
  }
}

#define COUNT(a) (sizeof a / sizeof *a)

static void text_seeds(void) {
  static const char *const routes[] = {
      "/v1/channels/{channel_id}/messages/{message_id}\n/v1/channels/ABC/messages/DEF",
      "/v1/channels/{channel_id}\n/v1/channels/A%42C/",
      "/v1/psks/{id}\n/v1/psks/%2F",
      "/v1/health\n/v1/../health",
      "/metrics\n/metrics?x=1",
      "/v1/ntru-keys/{id}\n/v1/ntru-keys/%zz",
      "/\n//",
  };
  save_texts("fuzz_route", routes, COUNT(routes), NULL);

  /* tag text, If-None-Match, Accept-Encoding */
  static const char *const negotiate[] = {
      "abc\n\"abc\"\ngzip",
      "18ef1e001f7c9a4b000013ba-p0.100.3.3\nW/\"x\", \"18ef1e001f7c9a4b000013ba-p0.100.3.3\"\ngzip;q=0.5, identity",
      "v1\n*\nidentity;q=0, *;q=0.001",
      "x\n, ,\"y\" ,\nx-gzip;q=1.000",
      "t\n\"t\" junk\n0.25",
  };
  save_texts("fuzz_negotiate", negotiate, COUNT(negotiate), NULL);

  /* method byte (0 GET, 1 POST, 2 DELETE, +4 no token, +8 wrong token), target, newline, body */
  static const char *const rest[] = {
      "\x00/v1/health\n",
      "\x00/v1/info\n",
      "\x00/metrics\n",
      "\x01/v1/channels\n{\"height\": 1}",
      "\x00/v1/channels/$C\n",
      "\x01/v1/channels/$C/endpoints\n{\"height\": 1, \"announce\": false}",
      "\x01/v1/channels/$C/messages\n{\"payload\": \"hello\", \"checksum\": \"mac\", \"psks\": [\"$P\"]}",
      "\x01/v1/channels/$C/messages\n{\"payload\": \"aGVsbG8=\", \"encoding\": \"base64\", \"checksum\": \"none\", \"packets\": 2}",
      "\x01/v1/channels/$C/messages\n{\"payload\": \"HELLO\", \"encoding\": \"trytes\", \"endpoint_id\": \"$E\"}",
      "\x00/v1/channels/$C/messages?cursor=0&limit=10\n",
      "\x00/v1/channels/$C/messages/$M\n",
      "\x00/v1/channels/$C/stream?cursor=0\n",
      "\x01/v1/psks\n{\"id\": \"FUZZ9PSK9ID9999999999999999\"}",
      "\x00/v1/psks\n",
      "\x02/v1/psks/$P\n",
      "\x01/v1/ntru-keys\n",
      "\x00/v1/ntru-keys/$K\n",
      "\x01/v1/watches\n{\"channel_id\": \"$C\", \"psks\": [], \"ntru_key_ids\": [\"$K\"], \"backfill\": false}",
      "\x00/v1/watches\n",
      "\x02/v1/watches/$C\n",
      "\x05/v1/channels\n{\"height\": 1}",
      "\x09/v1/channels\n{\"height\": 1}",
      "\x00/v1/channels/%2E%2E/x\n",
  };
  size_t lens[COUNT(rest)];
  for (size_t i = 0; i < COUNT(rest); i++) lens[i] = 1 + strlen(rest[i] + 1);
  save_texts("fuzz_rest", rest, COUNT(rest), lens);

  /* node answers: status selector byte (0: 200, 4: 400, 6: 500), then the body */
  static const char nines[] = "999999999999999999999999999999999999999999999999999999999999999999999999999999999";
  static char node[6][3000];
  snprintf(node[0], sizeof node[0], "%c{\"appName\": \"IRI\", \"appVersion\": \"1.8.6\", \"latestMilestone\": \"%s\", "
           "\"latestMilestoneIndex\": 5, \"latestSolidSubtangleMilestone\": \"%s\", \"latestSolidSubtangleMilestoneIndex\": 5, "
           "\"milestoneStartIndex\": 1, \"neighbors\": 2, \"tips\": 3, \"time\": 1600000000000, \"duration\": 1}",
           0, nines, nines);
  snprintf(node[1], sizeof node[1], "%c{\"trunkTransaction\": \"%s\", \"branchTransaction\": \"%s\", \"duration\": 3}", 0,
           nines, nines);
  snprintf(node[2], sizeof node[2], "%c{\"hashes\": [\"%s\", \"%s\"], \"duration\": 0}", 0, nines, nines);
  snprintf(node[3], sizeof node[3], "%c{\"trytes\": [null, \"%s\"], \"maxFindTransactions\": 1000, \"maxRequestsList\": 1000, "
           "\"maxGetTrytes\": 1000, \"maxBodyLength\": 1000000}", 0, nines);
  snprintf(node[4], sizeof node[4], "%c{\"error\": \"Invalid parameters\", \"duration\": 0}", 4);
  snprintf(node[5], sizeof node[5], "%c{\"exception\": \"java.lang.NullPointerException\"}", 6);
  const char *node_texts[6];
  size_t node_lens[6];
  for (size_t i = 0; i < 6; i++) node_texts[i] = node[i], node_lens[i] = 1 + strlen(node[i] + 1);
  save_texts("fuzz_node", node_texts, 6, node_lens);

  /* origin byte, key, NUL, value, NUL, ... */
  static const char config_a[] = "\x00node_api\0http://127.0.0.1:14265\0\x01mwm\0" "14\0\x02log_level\0debug\0";
  static const char config_b[] = "\x02token\0secret-token-value\0\x00read_auth\0yes\0\x00max_height\0" "21\0";
  static const char config_c[] = "\x01MAMGATE_OTHER\0x\0\x02pow\0remote\0\x00http\0[::1]:8088\0";
  static const char *const configs[] = {config_a, config_b, config_c};
  const size_t config_lens[] = {sizeof config_a - 1, sizeof config_b - 1, sizeof config_c - 1};
  save_texts("fuzz_config", configs, COUNT(configs), config_lens);

  static const char *const conf_files[] = {
      "# mamgate\nnode_api = http://127.0.0.1:14265\n\nmwm=14\ntoken = \"a b c\"\n",
      "MAMGATE_HTTP=127.0.0.1:1\nMAMGATE_PLUGIN=x.so\nMAMGATE_=y\n",
      "  key.with-dash_1 =   value with spaces   \n= missing key\n",
      "http=127.0.0.1:8088",
  };
  save_texts("fuzz_host_conf", conf_files, COUNT(conf_files), NULL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: make_corpus CORPUS_DIR TANGLE_VECTORS\n");
    return 2;
  }
  corpus_dir = argv[1];
  mkdir(corpus_dir, 0755);
  tangle_seeds(argv[2]);
  assembler_seeds();
  mam_seeds();
  packet_seeds();
  text_seeds();
  return 0;
}
