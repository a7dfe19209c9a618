/* The node feed (spec node-interface.md 1): the frame parser on real transaction trytes and on
 * every kind of malformed frame, the SUB socket against a real PUB socket on loopback (filtering,
 * oversized and multipart frames, reconnect counting), and the decoded-message publisher. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "tangle/transaction.h"
#include "tests/testutil.h"
#include "tests/vecfile.h"
#include "zmq/feed.h"
#include "zmq/publisher.h"

#define ENDPOINT_SIZE 128
#define WAIT_MS 10000 /* the longest any socket test waits for one event */
#define POLL_MS 20

/* The first [transaction] vector: trytes, hash and address. */
typedef struct {
  vf_section_t *section;
  const char *trytes, *hash, *address;
} vector_tx_t;

static vector_tx_t load_tx(void) {
  vector_tx_t v = {.section = vf_load("tangle.txt", "transaction")};
  v.trytes = vf_get(&v.section->records[0], "trytes");
  v.hash = vf_get(&v.section->records[0], "hash");
  v.address = vf_get(&v.section->records[0], "address");
  ck_assert_uint_eq(strlen(v.trytes), TANGLE_TX_TRYTES);
  ck_assert_uint_eq(strlen(v.hash), TANGLE_TX_HASH_TRYTES);
  return v;
}

/* "<topic> <fields...>" joined by single spaces, malloc'd without a terminator beyond len (the
 * buffer is exactly len bytes, so ASan catches any read past it). */
static char *frame_of(const char *text, size_t *len) {
  *len = strlen(text);
  char *f = malloc(*len ? *len : 1);
  ck_assert_ptr_nonnull(f);
  memcpy(f, text, *len);
  return f;
}

static char *join3(const char *a, const char *b, const char *c) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
  char *s = malloc(n);
  ck_assert_ptr_nonnull(s);
  snprintf(s, n, "%s%s%s", a, b, c);
  return s;
}

/* Parses the NUL-free text as a frame of exactly strlen(text) bytes. */
static mg_feed_err_t parse_text(const char *text, mg_feed_tx_t *out) {
  size_t len;
  char *f = frame_of(text, &len);
  mg_feed_err_t err = mg_feed_parse(f, len, out);
  free(f);
  return err;
}

static char *make_frame(const char *topic, const char *trytes, const char *hash) {
  char *head = join3(topic, " ", trytes);
  char *frame = hash ? join3(head, " ", hash) : strdup(head);
  ck_assert_ptr_nonnull(frame);
  free(head);
  return frame;
}

START_TEST(test_parse_both_topics) {
  vector_tx_t v = load_tx();
  const char *topics[] = {"trytes", "tx_trytes"};
  for (size_t t = 0; t < 2; t++) {
    char *text = make_frame(topics[t], v.trytes, v.hash);
    size_t len;
    char *f = frame_of(text, &len);
    mg_feed_tx_t out = {0};
    ck_assert_int_eq(mg_feed_parse(f, len, &out), MG_FEED_OK);
    ck_assert_ptr_eq(out.trytes, f + strlen(topics[t]) + 1);
    ck_assert_ptr_eq(out.hash, out.trytes + TANGLE_TX_TRYTES + 1);
    ck_assert_int_eq(memcmp(out.hash, v.hash, TANGLE_TX_HASH_TRYTES), 0);
    ck_assert_int_eq(memcmp(out.trytes + TANGLE_TX_OFF_ADDRESS_TRYTES, v.address, TANGLE_TX_HASH_TRYTES), 0);
    /* The trytes are a whole transaction whose hash is the one sent. */
    tangle_tx_t tx;
    mam_trit_t hash[TANGLE_TX_HASH_TRITS];
    ck_assert_int_eq(tangle_tx_from_trytes(&tx, out.trytes, TANGLE_TX_TRYTES), TANGLE_OK);
    ck_assert_int_eq(tangle_tx_hash(&tx, hash), TANGLE_OK);
    char *hash_trytes = tu_trytes(hash, TANGLE_TX_HASH_TRITS);
    ck_assert_int_eq(memcmp(hash_trytes, out.hash, TANGLE_TX_HASH_TRYTES), 0);
    free(hash_trytes);
    free(f);
    free(text);
  }
  vf_free(v.section);
}
END_TEST

START_TEST(test_parse_hash_optional_only_for_tx_trytes) {
  vector_tx_t v = load_tx();
  mg_feed_tx_t out = {0};
  char *text = make_frame("tx_trytes", v.trytes, NULL);
  ck_assert_int_eq(parse_text(text, &out), MG_FEED_OK);
  ck_assert_ptr_null(out.hash);
  free(text);
  text = make_frame("trytes", v.trytes, NULL);
  ck_assert_int_eq(parse_text(text, &out), MG_FEED_ERR_FORMAT);
  free(text);
  vf_free(v.section);
}
END_TEST

START_TEST(test_parse_other_topics) {
  vector_tx_t v = load_tx();
  /* Prefix matches of SUB filtering (spec 1.2) and other topics are not transactions. */
  const char *topics[] = {"tx", "sn", "tx_trytesX", "trytesX", "Trytes", "TRYTES", "sn_trytes", "conf_trytes",
                          "lmi", "x", "trytes\t", "tx_trytes\n"};
  for (size_t t = 0; t < sizeof topics / sizeof *topics; t++) {
    char *text = make_frame(topics[t], v.trytes, v.hash);
    mg_feed_tx_t out = {0};
    ck_assert_msg(parse_text(text, &out) == MG_FEED_NOT_TX, "topic '%s'", topics[t]);
    free(text);
  }
  mg_feed_tx_t out;
  ck_assert_int_eq(parse_text("lmi 100 101", &out), MG_FEED_NOT_TX);
  ck_assert_int_eq(parse_text("", &out), MG_FEED_NOT_TX);
  ck_assert_int_eq(mg_feed_parse(NULL, 0, &out), MG_FEED_NOT_TX);
  /* A leading space makes the topic empty. */
  char *text = make_frame(" trytes", v.trytes, v.hash);
  ck_assert_int_eq(parse_text(text, &out), MG_FEED_NOT_TX);
  free(text);
  vf_free(v.section);
}
END_TEST

START_TEST(test_parse_separators) {
  vector_tx_t v = load_tx();
  mg_feed_tx_t out;
  ck_assert_int_eq(parse_text("trytes", &out), MG_FEED_ERR_FORMAT);
  ck_assert_int_eq(parse_text("tx_trytes", &out), MG_FEED_ERR_FORMAT);
  ck_assert_int_eq(parse_text("trytes ", &out), MG_FEED_ERR_FORMAT);
  struct {
    const char *topic, *sep1, *sep2, *tail;
    mg_feed_err_t want;
  } cases[] = {
      {"trytes", "  ", " ", "", MG_FEED_ERR_FORMAT},     /* double space after the topic */
      {"trytes", " ", "  ", "", MG_FEED_ERR_FORMAT},     /* double space before the hash */
      {"tx_trytes", " ", "  ", "", MG_FEED_ERR_FORMAT},
      {"trytes", " ", " ", " ", MG_FEED_ERR_FORMAT},     /* trailing space */
      {"tx_trytes", " ", " ", " ", MG_FEED_ERR_FORMAT},
      {"trytes", " ", " ", " X", MG_FEED_ERR_FORMAT},    /* a third field */
      {"trytes", " ", " ", "\n", MG_FEED_ERR_LENGTH},    /* trailing newline: the hash is 82 long */
      {"trytes", " ", " ", "\r\n", MG_FEED_ERR_LENGTH},
      {"trytes", " ", " ", "\t", MG_FEED_ERR_LENGTH},
      {"trytes", " ", " ", "", MG_FEED_OK},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t n = strlen(cases[i].topic) + strlen(cases[i].sep1) + strlen(v.trytes) + strlen(cases[i].sep2) +
               strlen(v.hash) + strlen(cases[i].tail) + 1;
    char *text = malloc(n);
    ck_assert_ptr_nonnull(text);
    snprintf(text, n, "%s%s%s%s%s%s", cases[i].topic, cases[i].sep1, v.trytes, cases[i].sep2, v.hash,
             cases[i].tail);
    ck_assert_msg(parse_text(text, &out) == cases[i].want, "case %zu", i);
    free(text);
  }
  /* No hash but a trailing space or newline after the trytes. */
  char *text = join3("tx_trytes ", v.trytes, " ");
  ck_assert_int_eq(parse_text(text, &out), MG_FEED_ERR_FORMAT);
  free(text);
  text = join3("tx_trytes ", v.trytes, "\n");
  ck_assert_int_eq(parse_text(text, &out), MG_FEED_ERR_LENGTH);
  free(text);
  vf_free(v.section);
}
END_TEST

START_TEST(test_parse_field_lengths) {
  vector_tx_t v = load_tx();
  mg_feed_tx_t out;
  size_t tx_lens[] = {1, 81, 2672, 2674, 2700};
  for (size_t i = 0; i < sizeof tx_lens / sizeof *tx_lens; i++) {
    char *field = calloc(tx_lens[i] + 1, 1);
    ck_assert_ptr_nonnull(field);
    memset(field, 'A', tx_lens[i]);
    char *text = make_frame("trytes", field, v.hash);
    ck_assert_msg(parse_text(text, &out) == MG_FEED_ERR_LENGTH, "tx length %zu", tx_lens[i]);
    free(text);
    free(field);
  }
  size_t hash_lens[] = {1, 80, 82, 2673};
  for (size_t i = 0; i < sizeof hash_lens / sizeof *hash_lens; i++) {
    char *field = calloc(hash_lens[i] + 1, 1);
    ck_assert_ptr_nonnull(field);
    memset(field, '9', hash_lens[i]);
    char *text = make_frame("tx_trytes", v.trytes, field);
    ck_assert_msg(parse_text(text, &out) == MG_FEED_ERR_LENGTH, "hash length %zu", hash_lens[i]);
    free(text);
    free(field);
  }
  vf_free(v.section);
}
END_TEST

START_TEST(test_parse_bad_characters) {
  vector_tx_t v = load_tx();
  const char bad[] = {'a', 'z', '0', '8', '@', '[', '\0', '\t',
                      (char)0x80, (char)0xff, (char)('9' - 1), (char)('Z' + 1)};
  const size_t tx_pos[] = {0, 1, TANGLE_TX_OFF_ADDRESS_TRYTES, TANGLE_TX_TRYTES / 2, TANGLE_TX_TRYTES - 1};
  const size_t hash_pos[] = {0, 40, TANGLE_TX_HASH_TRYTES - 1};
  for (size_t b = 0; b < sizeof bad; b++) {
    char *text = make_frame("trytes", v.trytes, v.hash);
    size_t len = strlen(text), hash_at = len - TANGLE_TX_HASH_TRYTES, tx_at = strlen("trytes ");
    mg_feed_tx_t out;
    for (size_t p = 0; p < sizeof tx_pos / sizeof *tx_pos; p++) {
      char keep = text[tx_at + tx_pos[p]];
      text[tx_at + tx_pos[p]] = bad[b];
      ck_assert_msg(mg_feed_parse(text, len, &out) == MG_FEED_ERR_TRYTES, "byte %d at tx %zu", bad[b], tx_pos[p]);
      text[tx_at + tx_pos[p]] = keep;
    }
    for (size_t p = 0; p < sizeof hash_pos / sizeof *hash_pos; p++) {
      char keep = text[hash_at + hash_pos[p]];
      text[hash_at + hash_pos[p]] = bad[b];
      ck_assert_msg(mg_feed_parse(text, len, &out) == MG_FEED_ERR_TRYTES, "byte %d at hash %zu", bad[b], hash_pos[p]);
      text[hash_at + hash_pos[p]] = keep;
    }
    ck_assert_int_eq(mg_feed_parse(text, len, &out), MG_FEED_OK);
    free(text);
  }
  vf_free(v.section);
}
END_TEST

/* One bad byte at any place of the transaction or the hash is found, wherever it falls in the
 * parser's blocks (the bytes cycle through the kinds of bad bytes). */
START_TEST(test_parse_bad_character_anywhere) {
  vector_tx_t v = load_tx();
  const char bad[] = {'a', '0', '8', '@', '[', '\0', (char)0x80, (char)0xff};
  char *text = make_frame("trytes", v.trytes, v.hash);
  size_t len = strlen(text), tx_at = strlen("trytes ");
  mg_feed_tx_t out;
  for (size_t p = tx_at; p < len; p++) {
    if (p == tx_at + MG_FEED_TX_TRYTES) continue; /* the separator */
    char keep = text[p];
    text[p] = bad[p % sizeof bad];
    ck_assert_msg(mg_feed_parse(text, len, &out) == MG_FEED_ERR_TRYTES, "byte %d at %zu", text[p], p);
    text[p] = keep;
  }
  ck_assert_int_eq(mg_feed_parse(text, len, &out), MG_FEED_OK);
  free(text);
  vf_free(v.section);
}
END_TEST

/* Every length 0..5000, from exact-size heap buffers: random bytes, random trytes and spaces,
 * and the valid frame cut short or with bytes appended. Only the exact frame parses. */
START_TEST(test_parse_all_lengths) {
  vector_tx_t v = load_tx();
  char *valid = make_frame("trytes", v.trytes, v.hash);
  size_t valid_len = strlen(valid);
  uint64_t rng = 0x2765;
  for (size_t len = 0; len <= 5000; len++) {
    char *f = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(f);
    mg_feed_tx_t out;
    for (size_t i = 0; i < len; i++) f[i] = (char)tu_rand(&rng);
    ck_assert_int_ne(mg_feed_parse(f, len, &out), MG_FEED_OK);
    for (size_t i = 0; i < len; i++) f[i] = " 9ABCDEFGHIJKLMNOPQRSTUVWXYZ"[tu_rand(&rng) % 28];
    if (len > 7) memcpy(f, "trytes ", 7);
    ck_assert_int_ne(mg_feed_parse(f, len, &out), MG_FEED_OK);
    for (size_t i = 0; i < len; i++) f[i] = i < valid_len ? valid[i] : 'A';
    mg_feed_err_t err = mg_feed_parse(f, len, &out);
    if (len == valid_len) ck_assert_int_eq(err, MG_FEED_OK);
    else ck_assert_int_ne(err, MG_FEED_OK);
    free(f);
  }
  free(valid);
  vf_free(v.section);
}
END_TEST

START_TEST(test_strerror) {
  for (int e = 0; e < MG_FEED_ERR__COUNT; e++) ck_assert_ptr_nonnull(mg_feed_strerror((mg_feed_err_t)e));
  ck_assert_str_eq(mg_feed_strerror(MG_FEED_ERR__COUNT), "unknown feed error");
}
END_TEST

/* ---- sockets ---- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A PUB socket bound to endpoint (e.g. "tcp://127.0.0.1:*"); the endpoint it got is copied to
 * bound. */
static void *bind_pub(void *ctx, const char *endpoint, char bound[ENDPOINT_SIZE]) {
  void *pub = zmq_socket(ctx, ZMQ_PUB);
  ck_assert_ptr_nonnull(pub);
  int linger = 0;
  ck_assert_int_eq(zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger), 0);
  int64_t until = now_ms() + WAIT_MS;
  /* Re-binding a port just released can briefly fail. */
  while (zmq_bind(pub, endpoint) != 0) {
    ck_assert_msg(now_ms() < until, "bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
    zmq_sleep(0);
  }
  size_t len = ENDPOINT_SIZE;
  ck_assert_int_eq(zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, bound, &len), 0);
  return pub;
}

static void send_text(void *pub, const char *text, int flags) {
  ck_assert_int_ge(zmq_send(pub, text, strlen(text), flags), 0);
}

/* Publishes `text` until the feed delivers a frame (the subscription takes a moment to reach
 * the publisher), then checks it is `text`. */
static void publish_until_received(void *pub, mg_feed_t *feed, const char *text) {
  int64_t until = now_ms() + WAIT_MS;
  for (;;) {
    ck_assert_msg(now_ms() < until, "no frame from the feed");
    send_text(pub, text, 0);
    const char *frame;
    size_t len;
    mg_feed_err_t err = mg_feed_recv(feed, POLL_MS, &frame, &len);
    if (err == MG_FEED_TIMEOUT) continue;
    ck_assert_int_eq(err, MG_FEED_OK);
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_int_eq(memcmp(frame, text, len), 0);
    return;
  }
}

/* Drains frames already queued, so the next receive sees only what is sent next. */
static void drain_feed(mg_feed_t *feed) {
  const char *frame;
  size_t len;
  while (mg_feed_recv(feed, POLL_MS * 5, &frame, &len) != MG_FEED_TIMEOUT) {
  }
}

static void expect_frame(mg_feed_t *feed, mg_feed_err_t want, const char *text) {
  const char *frame;
  size_t len;
  mg_feed_err_t err = mg_feed_recv(feed, WAIT_MS, &frame, &len);
  ck_assert_msg(err == want, "got %s, want %s", mg_feed_strerror(err), mg_feed_strerror(want));
  if (text != NULL) {
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_int_eq(memcmp(frame, text, len), 0);
  }
}

static void wait_connections(mg_feed_t *feed, uint64_t want, bool connected) {
  int64_t until = now_ms() + WAIT_MS;
  while (mg_feed_connections(feed) != want || mg_feed_connected(feed) != connected) {
    ck_assert_msg(now_ms() < until, "connections %llu connected %d, want %llu %d",
                  (unsigned long long)mg_feed_connections(feed), mg_feed_connected(feed),
                  (unsigned long long)want, connected);
    const char *frame;
    size_t len;
    mg_feed_recv(feed, POLL_MS, &frame, &len);
  }
}

START_TEST(test_socket_frames_filter_and_reconnect) {
  vector_tx_t v = load_tx();
  char *frame = make_frame("trytes", v.trytes, v.hash);
  char *old_frame = make_frame("tx_trytes", v.trytes, NULL);
  void *ctx = zmq_ctx_new();
  ck_assert_ptr_nonnull(ctx);
  char endpoint[ENDPOINT_SIZE];
  void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", endpoint);

  mg_feed_t *feed = NULL;
  ck_assert_int_eq(mg_feed_open(ctx, endpoint, NULL, &feed), MG_FEED_OK);
  publish_until_received(pub, feed, frame);
  ck_assert(mg_feed_connected(feed));
  ck_assert_uint_eq(mg_feed_connections(feed), 1);
  drain_feed(feed);

  /* Topics other than trytes / tx_trytes are filtered by the subscription. */
  send_text(pub, "tx 999 999", 0);
  send_text(pub, "sn 1 2 3", 0);
  send_text(pub, "trytesX 1", 0);
  send_text(pub, old_frame, 0);
  expect_frame(feed, MG_FEED_OK, old_frame);
  /* An oversized frame is refused, a multipart message dropped whole; the next frame comes. */
  char *big = malloc(MG_FEED_MAX_FRAME + 2);
  ck_assert_ptr_nonnull(big);
  memset(big, 'A', MG_FEED_MAX_FRAME + 1);
  memcpy(big, "trytes ", 7);
  big[MG_FEED_MAX_FRAME + 1] = '\0';
  send_text(pub, big, 0);
  expect_frame(feed, MG_FEED_ERR_LENGTH, NULL);
  big[MG_FEED_MAX_FRAME] = '\0'; /* exactly the maximum passes */
  send_text(pub, big, 0);
  expect_frame(feed, MG_FEED_OK, big);
  send_text(pub, frame, ZMQ_SNDMORE);
  send_text(pub, "second part", 0);
  send_text(pub, frame, 0);
  expect_frame(feed, MG_FEED_ERR_FORMAT, NULL);
  expect_frame(feed, MG_FEED_OK, frame);
  free(big);

  /* The node goes away and comes back on the same port: a second connection is counted. */
  zmq_close(pub);
  wait_connections(feed, 1, false);
  char again[ENDPOINT_SIZE];
  pub = bind_pub(ctx, endpoint, again);
  ck_assert_str_eq(again, endpoint);
  wait_connections(feed, 2, true);
  publish_until_received(pub, feed, frame);

  mg_feed_close(feed);
  zmq_close(pub);
  ck_assert_int_eq(zmq_ctx_term(ctx), 0);
  free(frame);
  free(old_frame);
  vf_free(v.section);
}
END_TEST

/* A message past max_message_bytes makes libzmq end the session without reconnecting; the feed
 * notices the silence, opens the socket again, and the next connection is counted (so the
 * watcher back-fills). */
START_TEST(test_socket_oversized_message_reopens) {
  vector_tx_t v = load_tx();
  char *frame = make_frame("trytes", v.trytes, v.hash);
  void *ctx = zmq_ctx_new();
  ck_assert_ptr_nonnull(ctx);
  char endpoint[ENDPOINT_SIZE];
  void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", endpoint);
  mg_feed_limits_t limits = {.queue_frames = 100, .max_message_bytes = MG_FEED_MAX_FRAME};
  mg_feed_t *feed = NULL;
  ck_assert_int_eq(mg_feed_open(ctx, endpoint, &limits, &feed), MG_FEED_OK);
  publish_until_received(pub, feed, frame);
  drain_feed(feed);
  ck_assert_uint_eq(mg_feed_connections(feed), 1);

  char *big = malloc(MG_FEED_MAX_FRAME + 100);
  ck_assert_ptr_nonnull(big);
  memset(big, 'A', MG_FEED_MAX_FRAME + 99);
  memcpy(big, "trytes ", 7);
  big[MG_FEED_MAX_FRAME + 99] = '\0';
  send_text(pub, big, 0);
  wait_connections(feed, 2, true);
  ck_assert_uint_eq(mg_feed_reopens(feed), 1);
  publish_until_received(pub, feed, frame);

  /* a limit below the longest transaction frame is refused */
  mg_feed_t *other = NULL;
  limits.max_message_bytes = MG_FEED_MAX_FRAME - 1;
  ck_assert_int_eq(mg_feed_open(ctx, endpoint, &limits, &other), MG_FEED_ERR_SOCKET);
  ck_assert_ptr_null(other);

  mg_feed_close(feed);
  zmq_close(pub);
  ck_assert_int_eq(zmq_ctx_term(ctx), 0);
  free(big);
  free(frame);
  vf_free(v.section);
}
END_TEST

START_TEST(test_socket_timeout_and_errors) {
  void *ctx = zmq_ctx_new();
  ck_assert_ptr_nonnull(ctx);
  mg_feed_t *feed = (mg_feed_t *)&feed;
  ck_assert_int_eq(mg_feed_open(ctx, "not a url", NULL, &feed), MG_FEED_ERR_SOCKET);
  ck_assert_ptr_null(feed);
  ck_assert_int_eq(mg_feed_open(NULL, "tcp://127.0.0.1:1", NULL, &feed), MG_FEED_ERR_SOCKET);
  /* Nothing listens there: connecting is asynchronous, so the open succeeds, stays
   * disconnected and times out. */
  ck_assert_int_eq(mg_feed_open(ctx, "tcp://127.0.0.1:1", NULL, &feed), MG_FEED_OK);
  const char *frame;
  size_t len;
  int64_t t0 = now_ms();
  ck_assert_int_eq(mg_feed_recv(feed, 100, &frame, &len), MG_FEED_TIMEOUT);
  ck_assert_int_ge(now_ms() - t0, 90);
  ck_assert(!mg_feed_connected(feed));
  ck_assert_uint_eq(mg_feed_connections(feed), 0);
  ck_assert_int_eq(mg_feed_recv(feed, 0, &frame, &len), MG_FEED_TIMEOUT);
  mg_feed_close(feed);
  mg_feed_close(NULL);
  ck_assert_int_eq(zmq_ctx_term(ctx), 0);
}
END_TEST

/* ---- publisher ---- */

static void recv_part(void *sub, zmq_msg_t *msg, const char *want, bool more) {
  ck_assert_int_ge(zmq_msg_recv(msg, sub, 0), 0);
  ck_assert_uint_eq(zmq_msg_size(msg), strlen(want));
  ck_assert_int_eq(memcmp(zmq_msg_data(msg), want, strlen(want)), 0);
  ck_assert_int_eq(zmq_msg_more(msg), more);
}

START_TEST(test_publisher_two_frames) {
  void *ctx = zmq_ctx_new();
  ck_assert_ptr_nonnull(ctx);
  mg_zpub_t *pub = NULL;
  ck_assert_int_eq(mg_zpub_open(ctx, "tcp://127.0.0.1:*", &pub), 0);
  char endpoint[ENDPOINT_SIZE];
  ck_assert_int_eq(mg_zpub_endpoint(pub, endpoint, sizeof endpoint), 0);
  ck_assert_msg(strncmp(endpoint, "tcp://127.0.0.1:", 16) == 0, "endpoint %s", endpoint);

  /* The same endpoint cannot be bound twice. */
  mg_zpub_t *second = NULL;
  ck_assert_int_eq(mg_zpub_open(ctx, endpoint, &second), -1);
  ck_assert_int_eq(errno, EADDRINUSE);
  ck_assert_ptr_null(second);
  ck_assert_int_eq(mg_zpub_open(ctx, "bogus://x", &second), -1);

  void *sub = zmq_socket(ctx, ZMQ_SUB);
  ck_assert_ptr_nonnull(sub);
  int linger = 0, timeout = POLL_MS;
  zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  ck_assert_int_eq(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "mam ", 4), 0);
  ck_assert_int_eq(zmq_connect(sub, endpoint), 0);

  const char *topic = "mam ABCDEFGHIJKLMNOPQRSTUVWXYZ9";
  const char *body = "{\"message_id\":\"X\",\"payload\":\"hello\"}";
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  int64_t until = now_ms() + WAIT_MS;
  for (;;) {
    ck_assert_msg(now_ms() < until, "the subscriber got nothing");
    ck_assert_int_eq(mg_zpub_send(pub, "other topic", "x", 1), 0); /* filtered out */
    ck_assert_int_eq(mg_zpub_send(pub, topic, body, strlen(body)), 0);
    if (zmq_msg_recv(&msg, sub, 0) >= 0) break;
    ck_assert_int_eq(zmq_errno(), EAGAIN);
  }
  ck_assert_uint_eq(zmq_msg_size(&msg), strlen(topic));
  ck_assert_int_eq(memcmp(zmq_msg_data(&msg), topic, strlen(topic)), 0);
  ck_assert(zmq_msg_more(&msg));
  recv_part(sub, &msg, body, false);

  /* An empty body is still a second frame. */
  timeout = WAIT_MS;
  zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  ck_assert_int_eq(mg_zpub_send(pub, "mam EMPTY", NULL, 0), 0);
  for (;;) { /* skip repeats queued by the loop above */
    ck_assert_int_ge(zmq_msg_recv(&msg, sub, 0), 0);
    bool empty_topic = zmq_msg_size(&msg) == 9 && memcmp(zmq_msg_data(&msg), "mam EMPTY", 9) == 0;
    ck_assert(zmq_msg_more(&msg));
    if (empty_topic) break;
    recv_part(sub, &msg, body, false);
  }
  recv_part(sub, &msg, "", false);
  zmq_msg_close(&msg);

  ck_assert_int_eq(mg_zpub_send(pub, NULL, body, 1), -1);
  ck_assert_int_eq(errno, EINVAL);
  zmq_close(sub);
  mg_zpub_close(pub);
  mg_zpub_close(NULL);
  ck_assert_int_eq(zmq_ctx_term(ctx), 0);
}
END_TEST

static Suite *feed_suite(void) {
  Suite *s = suite_create("feed");
  TCase *parse = tcase_create("parse");
  tcase_add_test(parse, test_parse_both_topics);
  tcase_add_test(parse, test_parse_hash_optional_only_for_tx_trytes);
  tcase_add_test(parse, test_parse_other_topics);
  tcase_add_test(parse, test_parse_separators);
  tcase_add_test(parse, test_parse_field_lengths);
  tcase_add_test(parse, test_parse_bad_characters);
  tcase_add_test(parse, test_parse_bad_character_anywhere);
  tcase_add_test(parse, test_parse_all_lengths);
  tcase_add_test(parse, test_strerror);
  suite_add_tcase(s, parse);
  TCase *sockets = tcase_create("sockets");
  tcase_add_test(sockets, test_socket_frames_filter_and_reconnect);
  tcase_add_test(sockets, test_socket_oversized_message_reopens);
  tcase_add_test(sockets, test_socket_timeout_and_errors);
  tcase_add_test(sockets, test_publisher_two_frames);
  suite_add_tcase(s, sockets);
  return s;
}

int main(void) { return tu_run_suite(feed_suite()); }
