/* The writer service driven through its own handle: a real SQLite store in a temporary directory
 * (or the PostgreSQL database of MAMGATE_TEST_PG_URI for the fleet tests, when set), no HTTP, and a
 * node that is not there (publishing fails at the node, after the leaves and the message number
 * are reserved and the packets signed). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/writer.h"
#include "tests/testutil.h"

typedef struct fixture {
  char dir[64], db[96];
  mg_store_t *store;
  pthread_mutex_t lock;
  mam_prng_t prng;
  mg_metrics_t metrics;
  atomic_int stopping;
  mg_env_t env;
  size_t log_lines;
  mg_writer_deps_t deps;
} fixture_t;

static void count_log(void *ctx, int level, const char *line) {
  (void)level, (void)line;
  ((fixture_t *)ctx)->log_lines++;
}

static fixture_t *fixture_new(void) {
  fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_writer.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->store), MG_STORE_OK);
  pthread_mutex_init(&f->lock, NULL);
  mam_trit_t key[243];
  uint64_t seed = 42;
  tu_random_trits(key, 243, &seed);
  mam_prng_init(&f->prng, key);
  f->env = (mg_env_t){.ctx = f, .min_level = MAMGATE_LOG_DEBUG, .log = count_log};
  f->deps = (mg_writer_deps_t){
      .env = &f->env,
      /* port 1 on loopback: nothing listens, the connection is refused at once */
      .settings = {.node_api = "http://127.0.0.1:1", .node_timeout_ms = 2000, .mwm = 1, .pow_threads = 1,
                   .max_height = 6, .max_list = 8},
      .store = f->store,
      .store_lock = &f->lock,
      .prng = &f->prng,
      .metrics = &f->metrics,
      .stopping = &f->stopping};
  return f;
}

static void fixture_free(fixture_t *f) {
  mg_store_close(f->store);
  char path[128];
  const char *suffixes[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s%s", f->db, suffixes[i]);
    unlink(path);
  }
  rmdir(f->dir);
  mam_prng_destroy(&f->prng);
  pthread_mutex_destroy(&f->lock);
  free(f);
}

static mg_writer_t *writer_of(fixture_t *f) {
  char err[256] = "";
  mg_writer_t *w = mg_writer_new(&f->deps, err, sizeof err);
  ck_assert_msg(w != NULL, "%s", err);
  return w;
}

static const char *const UNKNOWN_ID = "999999999999999999999999999999999999999999999999999999999999999999999999999999999";

/* A channel created is listed, and a writer started on the same store finds it as it was. */
START_TEST(test_create_and_reload) {
  fixture_t *f = fixture_new();
  mg_writer_t *w = writer_of(f);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(w, 2, &info), MG_PUB_OK);
  ck_assert_uint_eq(strlen(info.channel.id), 81);
  ck_assert_uint_eq(info.channel.height, 2);
  ck_assert_uint_eq(info.channel.remaining, 4);
  ck_assert_int_eq(info.active_endpoint, -1);
  char id[82];
  memcpy(id, info.channel.id, sizeof id);
  mg_channel_info_free(&info);
  ck_assert_uint_ge(f->log_lines, 1); /* "created channel": through the env, not the gateway */
  mg_writer_free(w);

  w = writer_of(f);
  char **ids;
  size_t n;
  ck_assert_int_eq(mg_writer_list_channels(w, &ids, &n), MG_PUB_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(ids[0], id);
  mg_strings_free(ids, n);
  ck_assert_int_eq(mg_writer_channel_info(w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.channel.remaining, 4);
  mg_channel_info_free(&info);
  mg_writer_free(w);
  fixture_free(f);
}
END_TEST

START_TEST(test_invalid_and_unknown) {
  fixture_t *f = fixture_new();
  mg_writer_t *w = writer_of(f);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(w, 7, &info), MG_PUB_INVALID); /* over max_height */
  ck_assert_int_eq(mg_writer_channel_info(w, UNKNOWN_ID, &info), MG_PUB_NOT_FOUND);
  mg_tree_info_t ep;
  char msg[256] = "";
  ck_assert_int_eq(mg_writer_create_endpoint(w, UNKNOWN_ID, 2, false, &ep, msg, sizeof msg), MG_PUB_NOT_FOUND);
  mg_publish_request_t req = {.channel_id = UNKNOWN_ID, .payload_trytes = "HELLO", .payload_len = 5,
                              .checksum = MAM_CHECKSUM_MAC, .packets = 1};
  mg_publish_result_t res;
  ck_assert_int_eq(mg_writer_publish(w, &req, &res, msg, sizeof msg), MG_PUB_NOT_FOUND);
  mg_publish_result_free(&res);
  mg_writer_free(w);
  fixture_free(f);
}
END_TEST

/* An endpoint created without announcement is kept by the store. */
START_TEST(test_endpoint_persists) {
  fixture_t *f = fixture_new();
  mg_writer_t *w = writer_of(f);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(w, 2, &info), MG_PUB_OK);
  char id[82];
  memcpy(id, info.channel.id, sizeof id);
  mg_channel_info_free(&info);
  mg_tree_info_t ep;
  char msg[256] = "";
  ck_assert_int_eq(mg_writer_create_endpoint(w, id, 3, false, &ep, msg, sizeof msg), MG_PUB_OK);
  ck_assert_uint_eq(ep.remaining, 8);
  mg_writer_free(w);
  w = writer_of(f);
  ck_assert_int_eq(mg_writer_channel_info(w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.n_endpoints, 1);
  ck_assert_str_eq(info.endpoints[0].id, ep.id);
  mg_channel_info_free(&info);
  mg_writer_free(w);
  fixture_free(f);
}
END_TEST

/* Key safety without a node: a signed publish that fails at the node has reserved its leaves
 * first, so they are spent, also for a writer started again on the same store. */
START_TEST(test_publish_node_down_burns_leaves) {
  fixture_t *f = fixture_new();
  mg_writer_t *w = writer_of(f);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(w, 2, &info), MG_PUB_OK);
  char id[82];
  memcpy(id, info.channel.id, sizeof id);
  mg_channel_info_free(&info);
  mg_publish_request_t req = {.channel_id = id, .payload_trytes = "HELLO", .payload_len = 5,
                              .checksum = MAM_CHECKSUM_SIG, .packets = 2};
  mg_publish_result_t res;
  char msg[256] = "";
  ck_assert_int_eq(mg_writer_publish(w, &req, &res, msg, sizeof msg), MG_PUB_NODE);
  ck_assert_uint_gt(strlen(msg), 0);
  mg_publish_result_free(&res);
  ck_assert_uint_eq(atomic_load(&f->metrics.publish_failures), 1);
  ck_assert_uint_eq(atomic_load(&f->metrics.messages_published), 0);
  ck_assert_int_eq(mg_writer_channel_info(w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.channel.remaining, 2);
  mg_channel_info_free(&info);
  mg_writer_free(w);
  w = writer_of(f);
  ck_assert_int_eq(mg_writer_channel_info(w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.channel.remaining, 2);
  mg_channel_info_free(&info);
  /* two more signatures exist, three do not */
  req.packets = 3;
  ck_assert_int_eq(mg_writer_publish(w, &req, &res, msg, sizeof msg), MG_PUB_EXHAUSTED);
  mg_publish_result_free(&res);
  mg_writer_free(w);
  fixture_free(f);
}
END_TEST

/* ---- a fleet: writers of several gateway instances (same seed) on one database ---- */

#define FLEET_THREADS 2 /* publishing threads per writer */

/* A second gateway instance: its own connection (sealed with a fixed fleet key), its own lock and
 * writer, the fixture's seed, env and metrics. */
typedef struct instance {
  mg_store_t *store;
  pthread_mutex_t lock;
  mg_writer_deps_t deps;
  mg_writer_t *w;
} instance_t;

static const char *fleet_location(const fixture_t *f) {
  const char *pg = getenv("MAMGATE_TEST_PG_URI");
  return pg && *pg ? pg : f->db;
}

static void instance_open(fixture_t *f, instance_t *in) {
  mg_seal_key_t key;
  memset(key.bytes, 0x5a, sizeof key.bytes); /* every run and instance: the same fleet key */
  mg_store_err_t serr = mg_store_open_sealed(fleet_location(f), &key, &in->store);
  ck_assert_msg(serr == MG_STORE_OK, "open %s", mg_store_strerror(serr));
  pthread_mutex_init(&in->lock, NULL);
  in->deps = f->deps;
  in->deps.store = in->store;
  in->deps.store_lock = &in->lock;
  char err[256] = "";
  in->w = mg_writer_new(&in->deps, err, sizeof err);
  ck_assert_msg(in->w != NULL, "%s", err);
}

static void instance_close(instance_t *in) {
  mg_writer_free(in->w);
  mg_store_close(in->store);
  pthread_mutex_destroy(&in->lock);
}

typedef struct publisher {
  mg_writer_t *w;
  const char *channel_id, *endpoint_id;
  size_t signed_n, exhausted_n, other_n;
  char ids[64][22];
  uint64_t leaves[64], remaining[64];
} publisher_t;

/* Signed one-packet publishes until the tree is exhausted; records what each signed message got. */
static void *publish_until_exhausted(void *arg) {
  publisher_t *p = arg;
  for (size_t tries = 0; tries < 64; tries++) {
    mg_publish_request_t req = {.channel_id = p->channel_id, .endpoint_id = p->endpoint_id, .payload_trytes = "FLEET",
                                .payload_len = 5, .checksum = MAM_CHECKSUM_SIG, .packets = 1};
    mg_publish_result_t res;
    char msg[256] = "";
    mg_pub_err_t err = mg_writer_publish(p->w, &req, &res, msg, sizeof msg);
    if (err == MG_PUB_NODE && p->signed_n < 64) { /* signed, then the node was not there */
      memcpy(p->ids[p->signed_n], res.message_id, sizeof res.message_id);
      p->leaves[p->signed_n] = res.first_leaf;
      p->remaining[p->signed_n++] = res.remaining;
    } else if (err == MG_PUB_EXHAUSTED) {
      p->exhausted_n++;
    } else {
      p->other_n++;
    }
    mg_publish_result_free(&res);
    if (err == MG_PUB_EXHAUSTED) break;
  }
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

/* Two writers (two connections, as two instances of a fleet) publish on one tree of 2^height
 * leaves from several threads each: every leaf is spent exactly once, the remaining signatures
 * count down from 2^height - 1 to 0 once each, no message id repeats, and every later attempt on
 * either writer is refused as exhausted. */
static void check_fleet_publish(fixture_t *f, instance_t in[2], const char *channel_id, const char *endpoint_id,
                                unsigned height) {
  publisher_t pubs[2 * FLEET_THREADS];
  pthread_t threads[2 * FLEET_THREADS];
  memset(pubs, 0, sizeof pubs);
  for (size_t i = 0; i < 2 * FLEET_THREADS; i++) {
    pubs[i] = (publisher_t){.w = in[i % 2].w, .channel_id = channel_id, .endpoint_id = endpoint_id};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, publish_until_exhausted, &pubs[i]), 0);
  }
  uint64_t leaves[64], remaining[64];
  char ids[64][22];
  size_t n = 0;
  for (size_t i = 0; i < 2 * FLEET_THREADS; i++) {
    ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    ck_assert_uint_eq(pubs[i].other_n, 0);
    ck_assert_uint_eq(pubs[i].exhausted_n, 1);
    for (size_t k = 0; k < pubs[i].signed_n && n < 64; k++, n++) {
      leaves[n] = pubs[i].leaves[k];
      remaining[n] = pubs[i].remaining[k];
      memcpy(ids[n], pubs[i].ids[k], sizeof ids[n]);
    }
  }
  size_t total = (size_t)1 << height;
  ck_assert_uint_eq(n, total);
  qsort(leaves, n, sizeof *leaves, cmp_u64);
  qsort(remaining, n, sizeof *remaining, cmp_u64);
  qsort(ids, n, sizeof *ids, cmp_id);
  for (size_t i = 0; i < n; i++) {
    ck_assert_uint_eq(leaves[i], i);
    ck_assert_uint_eq(remaining[i], i);
    ck_assert_uint_eq(strlen(ids[i]), 21);
    if (i > 0) ck_assert_str_ne(ids[i - 1], ids[i]);
  }
  (void)f;
}

START_TEST(test_fleet_writers_share_leaves_and_message_ids) {
  fixture_t *f = fixture_new();
  instance_t in[2];
  instance_open(f, &in[0]);
  instance_open(f, &in[1]);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(in[0].w, 3, &info), MG_PUB_OK);
  char id[82];
  memcpy(id, info.channel.id, sizeof id);
  mg_channel_info_free(&info);
  /* the second writer loads the channel the first created when it is first named */
  ck_assert_int_eq(mg_writer_channel_info(in[1].w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.channel.remaining, 8);
  mg_channel_info_free(&info);
  check_fleet_publish(f, in, id, id, 3);
  for (int i = 0; i < 2; i++) { /* both tell the tree is spent, whoever spent it */
    ck_assert_int_eq(mg_writer_channel_info(in[i].w, id, &info), MG_PUB_OK);
    ck_assert_uint_eq(info.channel.remaining, 0);
    mg_channel_info_free(&info);
  }
  instance_close(&in[0]);
  instance_close(&in[1]);
  fixture_free(f);
}
END_TEST

/* An endpoint created through one writer is used through the other (reloaded before publishing),
 * and its leaves are shared out as the channel's are; the channel list names what either made. */
START_TEST(test_fleet_writer_sees_endpoints_of_the_other) {
  fixture_t *f = fixture_new();
  instance_t in[2];
  instance_open(f, &in[0]);
  instance_open(f, &in[1]);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(in[0].w, 1, &info), MG_PUB_OK);
  char id[82];
  memcpy(id, info.channel.id, sizeof id);
  mg_channel_info_free(&info);
  ck_assert_int_eq(mg_writer_channel_info(in[1].w, id, &info), MG_PUB_OK); /* B holds the channel now */
  ck_assert_uint_eq(info.n_endpoints, 0);
  mg_channel_info_free(&info);
  mg_tree_info_t ep;
  char msg[256] = "";
  ck_assert_int_eq(mg_writer_create_endpoint(in[0].w, id, 2, false, &ep, msg, sizeof msg), MG_PUB_OK);
  check_fleet_publish(f, in, id, ep.id, 2);
  /* an endpoint made through B after that is numbered after A's: a different endpoint */
  mg_tree_info_t ep2;
  ck_assert_int_eq(mg_writer_create_endpoint(in[1].w, id, 2, false, &ep2, msg, sizeof msg), MG_PUB_OK);
  ck_assert_str_ne(ep.id, ep2.id);
  ck_assert_int_eq(mg_writer_channel_info(in[0].w, id, &info), MG_PUB_OK);
  ck_assert_uint_eq(info.n_endpoints, 2);
  ck_assert_str_eq(info.endpoints[0].id, ep.id);
  ck_assert_uint_eq(info.endpoints[0].remaining, 0);
  ck_assert_str_eq(info.endpoints[1].id, ep2.id);
  mg_channel_info_free(&info);
  ck_assert_int_eq(mg_writer_create_channel(in[1].w, 1, &info), MG_PUB_OK);
  char **ids;
  size_t n;
  ck_assert_int_eq(mg_writer_list_channels(in[0].w, &ids, &n), MG_PUB_OK);
  ck_assert_uint_ge(n, 2);
  ck_assert_str_eq(ids[n - 1], info.channel.id); /* A lists the channel B made, last */
  mg_strings_free(ids, n);
  mg_channel_info_free(&info);
  instance_close(&in[0]);
  instance_close(&in[1]);
  fixture_free(f);
}
END_TEST

START_TEST(test_strerror) {
  for (int i = 0; i < MG_PUB_ERR__COUNT; i++) {
    ck_assert_uint_gt(strlen(mg_pub_strerror((mg_pub_err_t)i)), 0);
    for (int j = 0; j < i; j++) ck_assert_str_ne(mg_pub_strerror((mg_pub_err_t)i), mg_pub_strerror((mg_pub_err_t)j));
  }
  ck_assert_ptr_nonnull(mg_pub_strerror(MG_PUB_ERR__COUNT));
}
END_TEST

static Suite *writer_suite(void) {
  Suite *s = suite_create("service_writer");
  TCase *tc = tcase_create("writer");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_create_and_reload);
  tcase_add_test(tc, test_invalid_and_unknown);
  tcase_add_test(tc, test_endpoint_persists);
  tcase_add_test(tc, test_publish_node_down_burns_leaves);
  tcase_add_test(tc, test_strerror);
  tcase_add_test(tc, test_fleet_writers_share_leaves_and_message_ids);
  tcase_add_test(tc, test_fleet_writer_sees_endpoints_of_the_other);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(writer_suite()); }
