/* tests/flood: the transaction flood of tests/flood_test.sh. It plays a node's ZeroMQ feed on an
 * XPUB socket and stores what it publishes on the real devnode (so that back-fill finds it).
 *
 * usage: flood --node URL --feed ENDPOINT --dir DIR [--channels K] [--messages M] [--seconds S]
 *              [--ntru-pk FILE] [--mwm N] [--seed N]
 *
 * 1. Writes K channels with M messages each (an endpoint announcement first, then public, PSK,
 *    NTRU and mixed keyloads, no checksum, MAC and signatures by the channel and the endpoint, one
 *    to three packets) and every bundle's transactions, with proof of work at weight N (the node's).
 *    DIR/channels gets "CHANNEL_ID PSK_ID PSK_KEY" per channel, DIR/expected "CHANNEL_ID MESSAGE_ID
 *    PACKETS PAYLOAD_TRYTES" per message (the payload of all its packets in order).
 * 2. Binds ENDPOINT and waits for DIR/go and a subscriber.
 * 3. For S seconds publishes at the highest rate the subscriber takes: the valid bundles spread
 *    evenly over the time, each stored on the node just before it is published, with around them
 *    conflicting copies on the same addresses (a changed fragment, same bundle hash: only for
 *    messages with a MAC or a signature, since a message without checksum has no integrity to
 *    defend), reattachments, complete junk bundles on the watched addresses (all of these stored on
 *    the node as well), transactions in shuffled order, repeated frames, frames whose hash lies,
 *    malformed frames (short, bad characters, extra fields, empty, binary, multi-part, 8 KiB,
 *    other topics; three of 64 KiB, past the gateway's limit, which make it reconnect) and
 *    unrelated traffic filling all the time in between. Valid frames wait for room
 *    (XPUB_NODROP); noise that finds no room is dropped and counted.
 * SIGUSR1 plays a node going down (the feed socket closes, nothing is stored or sent), SIGUSR2
 * the node coming back (the socket binds again and the flood goes on). Figures go to stdout as
 * "name value" lines. Exit status 0, or 1 with a message. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "mamcore/channel.h"
#include "mamcore/ntru.h"
#include "mamcore/payload.h"
#include "mamcore/transport.h"
#include "node/client.h"
#include "tangle/bundle.h"
#include "tangle/mam_bundle.h"
#include "tangle/pow.h"
#include "tangle/transaction.h"

#define TX_TRYTES TANGLE_TX_TRYTES
#define HASH_TRYTES 81
#define NOISE_POOL 256
#define LONG_FRAME (8 * 1024)
#define BIG_FRAME (64 * 1024) /* past the gateway's message limit: it disconnects and back-fills */
#define BIG_FRAMES 3          /* sent in the whole flood, at 1/4, 2/4 and 3/4 of it */

/* ---- small helpers ---- */

static _Noreturn void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("flood: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) { /* xorshift64* */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return rng * UINT64_C(2685821657736338717);
}
static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }
static bool one_in(size_t n) { return rnd_below(n) == 0; }
static void random_trits(mam_trit_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((int)rnd_below(3) - 1);
}
static void random_trytes(char *s, size_t n) {
  static const char alphabet[] = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (size_t i = 0; i < n; i++) s[i] = alphabet[rnd_below(27)];
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void check_mam(mam_err_t err, const char *what) {
  if (err != MAM_OK) die("%s: %s", what, mam_strerror(err));
}
static void check_tangle(tangle_err_t err, const char *what) {
  if (err != TANGLE_OK) die("%s: %s", what, tangle_strerror(err));
}

/* ---- transactions: a unit is what is stored on the node and published together ---- */

typedef struct unit {
  char *trytes; /* n * TX_TRYTES */
  char *hashes; /* n * HASH_TRYTES */
  size_t n;
  bool valid; /* a bundle of a real message (else a conflict, reattachment or junk) */
} unit_t;

typedef struct plan {
  unit_t *units;
  size_t n, cap;
  size_t valid_bundles, conflicts, reattachments, junk_bundles;
} plan_t;

static unit_t *plan_add(plan_t *p) {
  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 256;
    p->units = xrealloc(p->units, p->cap * sizeof *p->units);
  }
  unit_t *u = &p->units[p->n++];
  memset(u, 0, sizeof *u);
  return u;
}

static unsigned pow_mwm = 1;

static tangle_err_t prove(tangle_tx_t *tx, void *ctx) {
  mam_trit_t *trits = ctx;
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) err = tangle_pow(trits, pow_mwm, 1, NULL, NULL, NULL);
  if (err == TANGLE_OK) memcpy(tx->nonce, trits + TANGLE_TX_OFF_NONCE, sizeof tx->nonce);
  return err;
}

/* Chains txs onto two random tips with proof of work and writes them, with their hashes, into u. */
static void attach_into(tangle_tx_t *txs, size_t n, unit_t *u) {
  static mam_trit_t work[TANGLE_TX_TRITS];
  mam_trit_t tips[2][TANGLE_TX_HASH_TRITS];
  random_trits(&tips[0][0], sizeof tips);
  int64_t ms = (int64_t)time(NULL) * 1000 + (int64_t)rnd_below(1000);
  check_tangle(tangle_bundle_attach(txs, n, tips[0], tips[1], ms, prove, work), "attach");
  u->n = n;
  u->trytes = xmalloc(n * TX_TRYTES);
  u->hashes = xmalloc(n * HASH_TRYTES);
  for (size_t i = 0; i < n; i++) {
    mam_trit_t h[TANGLE_TX_HASH_TRITS];
    check_tangle(tangle_tx_to_trytes(&txs[i], u->trytes + i * TX_TRYTES), "transaction trytes");
    check_tangle(tangle_tx_hash(&txs[i], h), "transaction hash");
    mam_trits_to_trytes(h, TANGLE_TX_HASH_TRITS, u->hashes + i * HASH_TRYTES);
  }
}


/* A conflicting copy of a built bundle: one fragment trit changed (the bundle hash does not cover
 * fragments), attached anew. Changes txs. */
static void plan_conflict(plan_t *p, tangle_tx_t *txs, size_t n) {
  mam_trit_t *t = &txs[rnd_below(n)].signature_message_fragment[rnd_below(MAM_FRAGMENT_TRITS)];
  *t = (mam_trit_t)(*t == 1 ? -1 : *t + 1);
  attach_into(txs, n, plan_add(p));
  p->conflicts++;
}

/* The units of one MAM bundle: the bundle itself and, at random, a conflicting copy (before or
 * after it), a reattachment and a junk bundle on the same address. */
static void plan_bundle(plan_t *p, const mam_bundle_t *b, bool has_checksum) {
  tangle_tx_t *txs = xmalloc(b->n * sizeof *txs), *copy = xmalloc(b->n * sizeof *copy);
  check_tangle(tangle_bundle_from_mam(b, (int64_t)time(NULL), txs), "bundle build");
  memcpy(copy, txs, b->n * sizeof *txs);
  bool conflict = has_checksum && one_in(3), conflict_first = one_in(2);
  if (conflict && conflict_first) plan_conflict(p, copy, b->n);
  unit_t *u = plan_add(p);
  attach_into(txs, b->n, u);
  u->valid = true;
  p->valid_bundles++;
  if (conflict && !conflict_first) plan_conflict(p, copy, b->n);
  memcpy(copy, txs, b->n * sizeof *txs);
  if (one_in(5)) {
    attach_into(copy, b->n, plan_add(p));
    p->reattachments++;
  }
  if (one_in(3)) { /* a complete, well-formed bundle of junk on the watched address */
    size_t n = 1 + rnd_below(2);
    mam_trit_t tag[MAM_TAG_TRITS], *message = xmalloc(n * MAM_FRAGMENT_TRITS);
    random_trits(tag, sizeof tag);
    random_trits(message, n * MAM_FRAGMENT_TRITS);
    tangle_bundle_entry_t e = {b->txs[0].address, tag, tag, (int64_t)time(NULL), message, n * MAM_FRAGMENT_TRITS};
    tangle_tx_t *junk = xmalloc(n * sizeof *junk);
    check_tangle(tangle_bundle_build(&e, 1, junk, n), "junk build");
    check_tangle(tangle_bundle_finalize(junk, n, NULL), "junk finalize");
    attach_into(junk, n, plan_add(p));
    p->junk_bundles++;
    free(junk);
    free(message);
  }
  free(copy);
  free(txs);
}

/* ---- the MAM messages ---- */

typedef struct channel {
  mam_channel_t ch;
  mam_endpoint_t ep;
  mam_psk_t psk;
} channel_t;

enum kind { ANNOUNCE, PUBLIC_NONE, PSK_MAC, NTRU_SIG, ENDPOINT_SIG, MIXED_MAC, KINDS };

static unsigned height_for(size_t signatures) {
  unsigned h = 1;
  while (((size_t)1 << h) < signatures + 1) h++;
  return h;
}

static void channel_new(channel_t *c, const mam_prng_t *prng, unsigned index, size_t messages) {
  size_t channel_sigs = 1 + messages / (KINDS - 1) + 1, endpoint_sigs = 2 * (messages / (KINDS - 1) + 1);
  mam_trit_t name[MAM_API_NAME_TRITS];
  mam_trits_from_int((int64_t)index, name, sizeof name);
  check_mam(mam_channel_create(&c->ch, prng, name, sizeof name, height_for(channel_sigs), 0), "channel");
  mam_trits_from_int(1, name, sizeof name);
  check_mam(mam_endpoint_create(&c->ep, &c->ch, prng, name, sizeof name, height_for(endpoint_sigs), 0), "endpoint");
  random_trits(c->psk.id, MAM_PSK_ID_TRITS);
  random_trits(c->psk.key, MAM_PSK_KEY_TRITS);
}

static void write_channel_line(FILE *f, const channel_t *c) {
  char id[MAM_ID_TRITS / 3 + 1] = {0}, pid[MAM_PSK_ID_TRITS / 3 + 1] = {0}, key[MAM_PSK_KEY_TRITS / 3 + 1] = {0};
  mam_trits_to_trytes(mam_channel_id(&c->ch), MAM_ID_TRITS, id);
  mam_trits_to_trytes(c->psk.id, MAM_PSK_ID_TRITS, pid);
  mam_trits_to_trytes(c->psk.key, MAM_PSK_KEY_TRITS, key);
  fprintf(f, "%s %s %s\n", id, pid, key);
}

/* Writes message i of c into the plan and its expectation into `expected`. */
static void plan_message(plan_t *p, FILE *expected, const mam_prng_t *prng, channel_t *c, size_t i,
                         const mam_trit_t *ntru_pk) {
  enum kind kind = i == 0 ? ANNOUNCE : (enum kind)(1 + (i - 1) % (KINDS - 1));
  mam_trit_t msg_id[MAM_MSG_ID_TRITS], entropy[81];
  mam_channel_next_msg_id(&c->ch, msg_id);
  random_trits(entropy, sizeof entropy);
  mam_message_spec_t spec = {.header = {.ch = &c->ch, .msg_id = msg_id, .entropy = entropy, .entropy_len = sizeof entropy},
                             .packets = 1,
                             .unit_trytes = 2};
  mam_header_params_t *h = &spec.header;
  switch (kind) {
    case ANNOUNCE: h->announce_ep = &c->ep, spec.checksum = MAM_CHECKSUM_MAC; break;
    case PUBLIC_NONE: spec.checksum = MAM_CHECKSUM_NONE; break;
    case PSK_MAC: h->psks = &c->psk, h->n_psks = 1, spec.checksum = MAM_CHECKSUM_MAC, spec.packets = 2; break;
    case NTRU_SIG:
      if (ntru_pk) h->ntru_pks = ntru_pk, h->n_ntru = 1;
      else h->psks = &c->psk, h->n_psks = 1;
      spec.checksum = MAM_CHECKSUM_SIG;
      break;
    case ENDPOINT_SIG: h->ep = &c->ep, spec.checksum = MAM_CHECKSUM_SIG, spec.packets = 2; break;
    case MIXED_MAC:
      h->ep = &c->ep, h->psks = &c->psk, h->n_psks = 1, spec.checksum = MAM_CHECKSUM_MAC, spec.packets = 3;
      if (ntru_pk) h->ntru_pks = ntru_pk, h->n_ntru = 1;
      break;
    case KINDS: break;
  }
  size_t bytes = 8 + rnd_below(400);
  uint8_t *data = xmalloc(bytes);
  char *trytes = xmalloc(2 * bytes + 1);
  for (size_t j = 0; j < bytes; j++) data[j] = (uint8_t)rnd();
  mam_bytes_to_trytes(data, bytes, trytes);
  trytes[2 * bytes] = 0;
  mam_trit_t *payload = xmalloc(6 * bytes);
  check_mam(mam_trytes_to_trits(trytes, 2 * bytes, payload), "payload");
  spec.payload = payload;
  spec.payload_trits = 6 * bytes;
  mam_bundle_t *bundles = NULL;
  size_t n_bundles = 0;
  check_mam(mam_message_write(prng, &spec, &bundles, &n_bundles), "message write");
  for (size_t b = 0; b < n_bundles; b++) plan_bundle(p, &bundles[b], spec.checksum != MAM_CHECKSUM_NONE);
  char id[MAM_ID_TRITS / 3 + 1] = {0}, mid[MAM_MSG_ID_TRITS / 3 + 1] = {0};
  mam_trits_to_trytes(mam_channel_id(&c->ch), MAM_ID_TRITS, id);
  mam_trits_to_trytes(msg_id, MAM_MSG_ID_TRITS, mid);
  fprintf(expected, "%s %s %zu %s\n", id, mid, spec.packets, trytes);
  mam_bundles_free(bundles, n_bundles);
  free(payload);
  free(trytes);
  free(data);
}

/* ---- the feed ---- */

static volatile sig_atomic_t want_pause, want_resume;
static void on_signal(int sig) {
  if (sig == SIGUSR1) want_pause = 1;
  if (sig == SIGUSR2) want_resume = 1;
}

typedef struct feed {
  void *ctx, *sock;
  const char *endpoint;
  uint64_t valid_frames, noise_sent, noise_dropped, malformed, lying, unrelated, waits;
  char *noise_pool; /* NOISE_POOL unrelated transactions, each followed by a hash */
  char *big;
} feed_t;

static void feed_bind(feed_t *f) {
  f->sock = zmq_socket(f->ctx, ZMQ_XPUB);
  int one = 1, zero = 0;
  if (!f->sock || zmq_setsockopt(f->sock, ZMQ_XPUB_NODROP, &one, sizeof one) != 0 ||
      zmq_setsockopt(f->sock, ZMQ_LINGER, &zero, sizeof zero) != 0)
    die("XPUB socket: %s", zmq_strerror(zmq_errno()));
  for (int tries = 0; zmq_bind(f->sock, f->endpoint) != 0; tries++) {
    if (tries == 100) die("bind %s: %s", f->endpoint, zmq_strerror(zmq_errno()));
    sleep_ms(50);
  }
}

static void feed_close(feed_t *f) {
  zmq_close(f->sock);
  f->sock = NULL;
}

/* Reads the subscription messages waiting; true when one was a subscription. */
static bool drain_subscriptions(feed_t *f) {
  bool subscribed = false;
  char buf[256];
  int n;
  while ((n = zmq_recv(f->sock, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0)
    if (n > 0 && buf[0] == 1) subscribed = true;
  return subscribed;
}

/* One frame that must go out: waits for room while the subscriber is behind. */
static void send_waiting(feed_t *f, const void *frame, size_t len) {
  while (zmq_send(f->sock, frame, len, ZMQ_DONTWAIT) < 0) {
    if (zmq_errno() != EAGAIN) die("send: %s", zmq_strerror(zmq_errno()));
    f->waits++;
    drain_subscriptions(f);
    zmq_pollitem_t item = {f->sock, 0, ZMQ_POLLOUT, 0};
    zmq_poll(&item, 1, 10);
  }
}

static void send_valid(feed_t *f, const void *frame, size_t len) {
  send_waiting(f, frame, len);
  f->valid_frames++;
}

/* One noise frame (or a multi-part message when more is set): dropped when there is no room. */
static void send_noise(feed_t *f, const void *frame, size_t len, bool more) {
  if (zmq_send(f->sock, frame, len, ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)) >= 0) f->noise_sent++;
  else f->noise_dropped++;
}

/* A transaction frame as the nodes write them: "tx_trytes T H", "trytes T H" or (IRI 1.4)
 * "tx_trytes T". */
static size_t tx_frame(char *out, const char *trytes, const char *hash) {
  switch (rnd_below(3)) {
    case 0: return (size_t)sprintf(out, "tx_trytes %.2673s %.81s", trytes, hash);
    case 1: return (size_t)sprintf(out, "trytes %.2673s %.81s", trytes, hash);
    default: return (size_t)sprintf(out, "tx_trytes %.2673s", trytes);
  }
}

static void send_unit(feed_t *f, const unit_t *u) {
  size_t order[64], n = u->n < 64 ? u->n : 64;
  for (size_t i = 0; i < n; i++) order[i] = i;
  if (one_in(2)) /* nodes publish a bundle's transactions in any order */
    for (size_t i = n; i > 1; i--) {
      size_t j = rnd_below(i), t = order[i - 1];
      order[i - 1] = order[j], order[j] = t;
    }
  char frame[16 + TX_TRYTES + HASH_TRYTES];
  for (size_t k = 0; k < n; k++) {
    size_t i = order[k], len = tx_frame(frame, u->trytes + i * TX_TRYTES, u->hashes + i * HASH_TRYTES);
    send_valid(f, frame, len);
    if (one_in(10)) send_valid(f, frame, len); /* the same frame twice */
  }
}

/* One piece of noise; `sample` is a transaction on a watched address to disfigure. */
static void send_one_noise(feed_t *f, const unit_t *sample) {
  char frame[64 + TX_TRYTES + HASH_TRYTES];
  size_t len, kind = rnd_below(40);
  const char *tx = sample ? sample->trytes : f->noise_pool;
  switch (kind) {
    default: { /* unrelated traffic, most of the flood */
      const char *t = f->noise_pool + rnd_below(NOISE_POOL) * (TX_TRYTES + HASH_TRYTES);
      len = (size_t)sprintf(frame, "tx_trytes %.2673s %.81s", t, t + TX_TRYTES);
      f->unrelated++;
      return send_noise(f, frame, len, false);
    }
    case 0: len = (size_t)sprintf(frame, "tx_trytes %.2000s", tx); break; /* short */
    case 1:                                                             /* a bad character */
      len = (size_t)sprintf(frame, "trytes %.2673s %.81s", tx, sample ? sample->hashes : tx);
      frame[7 + rnd_below(TX_TRYTES)] = "a#9 \n"[rnd_below(5)];
      break;
    case 2: /* a hash that lies about its transaction */
      len = (size_t)sprintf(frame, "tx_trytes %.2673s ", tx);
      random_trytes(frame + len, HASH_TRYTES);
      len += HASH_TRYTES;
      f->lying++;
      return send_noise(f, frame, len, false);
    case 3: len = (size_t)sprintf(frame, "tx_trytes %.2673s %.81s extra", tx, tx); break; /* extra field */
    case 4: len = 0; break;                                                                /* empty */
    case 5:                                                                                /* binary */
      len = 1 + rnd_below(sizeof frame - 1);
      for (size_t i = 0; i < len; i++) frame[i] = (char)rnd();
      break;
    case 6: /* multi-part */
      len = (size_t)sprintf(frame, "tx_trytes %.2673s", tx);
      send_noise(f, "tx_trytes ", 10, true);
      break;
    case 7: /* longer than any transaction frame, within the gateway's message limit */
      f->malformed++;
      return send_noise(f, f->big, LONG_FRAME, false);
    case 8: len = (size_t)sprintf(frame, "sn 1234 %.81s", tx); break; /* other topics */
    case 9: len = (size_t)sprintf(frame, "tx %.81s %.81s 0 %.27s 0 0 0", tx, tx, tx); break;
  }
  f->malformed++;
  send_noise(f, frame, len, false);
}

static void store_on_node(mg_node_client_t *node, const unit_t *u) {
  char **copies = xmalloc(u->n * sizeof *copies); /* the client takes terminated strings */
  for (size_t i = 0; i < u->n; i++) {
    copies[i] = xmalloc(TX_TRYTES + 1);
    memcpy(copies[i], u->trytes + i * TX_TRYTES, TX_TRYTES);
    copies[i][TX_TRYTES] = 0;
  }
  mg_node_err_t err;
  for (int tries = 0; (err = mg_node_store_transactions(node, (const char *const *)copies, u->n)) != MG_NODE_OK; tries++) {
    if (tries == 600) die("storeTransactions: %s: %s", mg_node_strerror(err), mg_node_client_message(node));
    sleep_ms(100);
  }
  for (size_t i = 0; i < u->n; i++) free(copies[i]);
  free(copies);
}

static void wait_for_go(feed_t *f, const char *dir) {
  char go[4096];
  snprintf(go, sizeof go, "%s/go", dir);
  bool subscribed = false;
  for (double end = now_s() + 120; !(subscribed && access(go, F_OK) == 0); sleep_ms(20)) {
    if (now_s() > end) die("no subscriber and %s within 120 s", go);
    subscribed = subscribed || drain_subscriptions(f);
  }
}

/* ---- main ---- */

typedef struct options {
  const char *node, *feed, *dir, *ntru_pk_file;
  size_t channels, messages;
  double seconds;
} options_t;

static void parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.channels = 4, .messages = 30, .seconds = 20};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) die("%s needs a value", a);
    i++;
    if (strcmp(a, "--node") == 0) o->node = v;
    else if (strcmp(a, "--feed") == 0) o->feed = v;
    else if (strcmp(a, "--dir") == 0) o->dir = v;
    else if (strcmp(a, "--ntru-pk") == 0) o->ntru_pk_file = v;
    else if (strcmp(a, "--channels") == 0) o->channels = strtoul(v, NULL, 10);
    else if (strcmp(a, "--messages") == 0) o->messages = strtoul(v, NULL, 10);
    else if (strcmp(a, "--seconds") == 0) o->seconds = strtod(v, NULL);
    else if (strcmp(a, "--mwm") == 0) pow_mwm = (unsigned)strtoul(v, NULL, 10);
    else if (strcmp(a, "--seed") == 0) rng ^= strtoull(v, NULL, 10) * 0x2545f4914f6cdd1du;
    else die("unknown option %s", a);
  }
  if (!o->node || !o->feed || !o->dir) die("usage: flood --node URL --feed ENDPOINT --dir DIR [options]");
  if (o->channels < 1 || o->channels > 1000 || o->messages < 1 || o->messages > 10000 || o->seconds <= 0)
    die("channels 1..1000, messages 1..10000, seconds > 0");
}

static FILE *open_out(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) die("cannot write %s: %s", path, strerror(errno));
  return f;
}

static mam_trit_t *read_ntru_pk(const char *path) {
  if (!path) return NULL;
  FILE *f = fopen(path, "r");
  char text[MAM_NTRU_PK_TRITS / 3 + 2];
  if (!f || !fgets(text, sizeof text, f) || strlen(text) < MAM_NTRU_PK_TRITS / 3) die("cannot read an NTRU key from %s", path);
  fclose(f);
  mam_trit_t *pk = xmalloc(MAM_NTRU_PK_TRITS);
  check_mam(mam_trytes_to_trits(text, MAM_NTRU_PK_TRITS / 3, pk), "NTRU public key");
  return pk;
}

/* The plan: every channel's messages in turn, interleaved across channels. */
static void make_plan(const options_t *o, plan_t *p) {
  mam_prng_t prng;
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
  random_trits(key, sizeof key);
  mam_prng_init(&prng, key);
  mam_trit_t *ntru_pk = read_ntru_pk(o->ntru_pk_file);
  channel_t *cs = xmalloc(o->channels * sizeof *cs);
  FILE *channels = open_out(o->dir, "channels.tmp"), *expected = open_out(o->dir, "expected");
  for (size_t c = 0; c < o->channels; c++) {
    channel_new(&cs[c], &prng, (unsigned)c, o->messages);
    write_channel_line(channels, &cs[c]);
  }
  for (size_t i = 0; i < o->messages; i++)
    for (size_t c = 0; c < o->channels; c++) plan_message(p, expected, &prng, &cs[c], i, ntru_pk);
  for (size_t c = 0; c < o->channels; c++) {
    mam_endpoint_destroy(&cs[c].ep);
    mam_channel_destroy(&cs[c].ch);
  }
  if (fclose(expected) != 0 || fclose(channels) != 0) die("writing %s failed", o->dir);
  char from[4096], to[4096];
  snprintf(from, sizeof from, "%s/channels.tmp", o->dir);
  snprintf(to, sizeof to, "%s/channels", o->dir);
  if (rename(from, to) != 0) die("rename %s: %s", from, strerror(errno));
  free(cs);
  free(ntru_pk);
}

static void make_noise_pool(feed_t *f) {
  f->noise_pool = xmalloc(NOISE_POOL * (TX_TRYTES + HASH_TRYTES));
  random_trytes(f->noise_pool, NOISE_POOL * (TX_TRYTES + HASH_TRYTES));
  f->big = xmalloc(BIG_FRAME);
  memcpy(f->big, "tx_trytes ", 10);
  random_trytes(f->big + 10, BIG_FRAME - 10);
}

/* While paused (the node is down) nothing is stored or sent; the socket is closed. */
static void follow_node_signals(feed_t *f, double *paused_s) {
  if (!want_pause) return;
  want_pause = 0;
  feed_close(f);
  double from = now_s();
  while (!want_resume) sleep_ms(10);
  want_resume = 0;
  feed_bind(f);
  *paused_s += now_s() - from;
}

int main(int argc, char **argv) {
  options_t o;
  parse(argc, argv, &o);
  signal(SIGUSR1, on_signal);
  signal(SIGUSR2, on_signal);
  signal(SIGPIPE, SIG_IGN);
  double t0 = now_s();
  plan_t plan = {0};
  make_plan(&o, &plan);
  printf("plan_seconds %.1f\n", now_s() - t0);
  fflush(stdout);

  if (mg_node_global_init() != MG_NODE_OK) die("libcurl initialisation failed");
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, o.node);
  cfg.timeout_ms = 5000;
  mg_node_client_t *node = NULL;
  if (mg_node_client_new(&cfg, &node) != MG_NODE_OK) die("node client");

  feed_t f = {.ctx = zmq_ctx_new(), .endpoint = o.feed};
  if (!f.ctx) die("zmq context");
  make_noise_pool(&f);
  feed_bind(&f);
  wait_for_go(&f, o.dir);

  double start = now_s(), paused = 0;
  size_t next = 0;
  const unit_t *last_watched = NULL;
  unsigned big_sent = 0;
  while (next < plan.n || now_s() - start - paused < o.seconds) {
    follow_node_signals(&f, &paused);
    double elapsed = now_s() - start - paused;
    if (next < plan.n && elapsed >= o.seconds * (double)next / (double)plan.n) {
      store_on_node(node, &plan.units[next]);
      send_unit(&f, &plan.units[next]);
      last_watched = &plan.units[next++];
      continue;
    }
    if (big_sent < BIG_FRAMES && elapsed >= o.seconds * (double)(big_sent + 1) / (BIG_FRAMES + 1)) {
      send_waiting(&f, f.big, BIG_FRAME);
      big_sent++;
    }
    send_one_noise(&f, last_watched);
    if ((f.noise_sent + f.noise_dropped) % 1024 == 0) drain_subscriptions(&f);
  }
  double seconds = now_s() - start - paused;
  printf("units %zu\nvalid_bundles %zu\nconflicting_bundles %zu\nreattachments %zu\njunk_bundles %zu\n", plan.n,
         plan.valid_bundles, plan.conflicts, plan.reattachments, plan.junk_bundles);
  printf("valid_frames %llu\nnoise_sent %llu\nnoise_dropped %llu\nmalformed_sent_or_dropped %llu\n",
         (unsigned long long)f.valid_frames, (unsigned long long)f.noise_sent, (unsigned long long)f.noise_dropped,
         (unsigned long long)f.malformed);
  printf("lying_hash %llu\nunrelated %llu\nvalid_send_waits %llu\nflood_seconds %.1f\npaused_seconds %.1f\n",
         (unsigned long long)f.lying, (unsigned long long)f.unrelated, (unsigned long long)f.waits, seconds, paused);
  printf("oversized_frames %u\n", big_sent);
  printf("frames_per_second %.0f\n", (double)(f.valid_frames + f.noise_sent) / seconds);
  feed_close(&f);
  zmq_ctx_term(f.ctx);
  for (size_t i = 0; i < plan.n; i++) free(plan.units[i].trytes), free(plan.units[i].hashes);
  free(plan.units);
  free(f.noise_pool);
  free(f.big);
  mg_node_client_free(node);
  mg_node_global_cleanup();
  return 0;
}
