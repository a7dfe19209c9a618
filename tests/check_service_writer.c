/* The writer service driven through its own handle: a real SQLite store in a temporary directory,
 * no HTTP, and a node that is not there (publishing fails at the node, after the leaves are
 * reserved). */
#include <check.h>
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
  snprintf(f->dir, sizeof f->dir, "/tmp/check_service_writer.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->store), MG_STORE_OK);
  pthread_mutex_init(&f->lock, NULL);
  trit_t key[243];
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
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(writer_suite()); }
