/* The back-fill service driven through its own handle: a real devnode holding messages the writer
 * service published (with a real SQLite store in a temporary directory), and an address where no
 * node listens. No HTTP server of the gateway, no feed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devnode/spawn.h"
#include "mamcore/trits.h"
#include "node/client.h"
#include "services/backfill.h"
#include "services/writer.h"
#include "tests/testutil.h"

#define ADDRESS_AT 2187    /* trytes of a transaction before its address */
#define ATTACHED_AT 2619   /* ... before its attachmentTimestamp */
#define MAX_DELIVERED 64

/* What the service delivered (from its thread). */
typedef struct delivered {
  pthread_mutex_t lock;
  size_t n;
  char *trytes[MAX_DELIVERED];
} delivered_t;

static int take(void *ctx, const char *trytes, const char *hash) {
  delivered_t *d = ctx;
  ck_assert_uint_eq(strlen(hash), 81);
  pthread_mutex_lock(&d->lock);
  if (d->n < MAX_DELIVERED) d->trytes[d->n++] = strndup(trytes, 2673);
  pthread_mutex_unlock(&d->lock);
  return 0;
}

static int64_t attached_ms(const char *trytes) {
  mam_trit_t t[27];
  ck_assert_int_eq(mam_trytes_to_trits(trytes + ATTACHED_AT, 9, t), MAM_OK);
  return mam_trits_to_int(t, 27);
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL); }

/* Waits up to 30 s until *counter reaches want. */
static void wait_for(atomic_uint_fast64_t *counter, uint64_t want) {
  for (int i = 0; i < 3000 && atomic_load(counter) < want; i++) sleep_ms(10);
  ck_assert_uint_ge(atomic_load(counter), want);
}

typedef struct env_fixture {
  mg_env_t env;
  mg_metrics_t metrics;
  atomic_int stopping;
  delivered_t got;
} env_fixture_t;

static mg_backfill_t *backfill_for(env_fixture_t *f, const char *node_api) {
  pthread_mutex_init(&f->got.lock, NULL);
  mg_backfill_deps_t deps = {.env = &f->env,
                             .settings = {.node_api = node_api, .node_timeout_ms = 5000, .page = 2},
                             .metrics = &f->metrics,
                             .stopping = &f->stopping,
                             .deliver = take,
                             .deliver_ctx = &f->got};
  char err[256] = "";
  mg_backfill_t *bf = mg_backfill_start(&deps, err, sizeof err);
  ck_assert_msg(bf != NULL, "%s", err);
  return bf;
}

static void stop(env_fixture_t *f, mg_backfill_t *bf) {
  atomic_store(&f->stopping, 1);
  mg_backfill_stop(bf);
  for (size_t i = 0; i < f->got.n; i++) free(f->got.trytes[i]);
  pthread_mutex_destroy(&f->got.lock);
}

/* Publishes two messages on a new channel through the writer service; the channel id into id. */
static void publish_two(const char *node_api, char id[82]) {
  char dir[] = "/tmp/check_services_backfill.XXXXXX", db[64];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/mamgate.db", dir);
  mg_store_t *store;
  ck_assert_int_eq(mg_store_open(db, &store), MG_STORE_OK);
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  mam_trit_t key[243];
  uint64_t seed = 3;
  tu_random_trits(key, 243, &seed);
  mam_prng_t prng;
  mam_prng_init(&prng, key);
  mg_metrics_t metrics = {0};
  atomic_int stopping = 0;
  mg_env_t env = {0};
  mg_writer_deps_t deps = {.env = &env,
                           .settings = {.node_api = node_api, .node_timeout_ms = 30000, .mwm = 9, .pow_threads = 1,
                                        .max_height = 4, .max_list = 4},
                           .store = store, .store_lock = &lock, .prng = &prng, .metrics = &metrics, .stopping = &stopping};
  char err[256] = "", msg[256] = "";
  mg_writer_t *w = mg_writer_new(&deps, err, sizeof err);
  ck_assert_msg(w != NULL, "%s", err);
  mg_channel_info_t info;
  ck_assert_int_eq(mg_writer_create_channel(w, 2, &info), MG_PUB_OK);
  memcpy(id, info.channel.id, 82);
  mg_channel_info_free(&info);
  for (int i = 0; i < 2; i++) {
    mg_publish_request_t req = {.channel_id = id, .payload_trytes = "HISTORY", .payload_len = 7,
                                .checksum = MAM_CHECKSUM_MAC, .packets = 1};
    mg_publish_result_t res;
    ck_assert_msg(mg_writer_publish(w, &req, &res, msg, sizeof msg) == MG_PUB_OK, "%s", msg);
    mg_publish_result_free(&res);
  }
  mg_writer_free(w);
  mg_store_close(store);
  mam_prng_destroy(&prng);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Every transaction at the channel's address comes, once, in attachment order. */
START_TEST(test_history_from_node) {
  char dir[512], bin[512], id[82];
  devnode_proc_t node;
  ck_assert(devnode_temp_dir(dir, sizeof dir));
  ck_assert(devnode_spawn(devnode_binary_path(bin, sizeof bin), dir, 9, 10000, &node));
  publish_two(node.api_url, id);
  env_fixture_t f = {0};
  mg_backfill_t *bf = backfill_for(&f, node.api_url);
  mg_backfill_request(bf, id);
  wait_for(&f.metrics.backfill_runs, 1);
  pthread_mutex_lock(&f.got.lock);
  ck_assert_uint_ge(f.got.n, 2); /* two bundles */
  ck_assert_uint_eq(atomic_load(&f.metrics.backfill_transactions), f.got.n);
  for (size_t i = 0; i < f.got.n; i++) {
    ck_assert_int_eq(strncmp(f.got.trytes[i] + ADDRESS_AT, id, 81), 0);
    if (i) ck_assert_int_le(attached_ms(f.got.trytes[i - 1]), attached_ms(f.got.trytes[i]));
  }
  pthread_mutex_unlock(&f.got.lock);
  ck_assert_uint_eq(atomic_load(&f.metrics.backfill_failures), 0);
  stop(&f, bf);
  devnode_proc_stop(&node, 5000);
  devnode_remove_dir(dir);
}
END_TEST

/* With no node, a request fails, is counted and kept for a retry; stopping ends the wait. */
START_TEST(test_no_node_retries) {
  env_fixture_t f = {0};
  mg_backfill_t *bf = backfill_for(&f, "http://127.0.0.1:1");
  mg_backfill_request(bf, "999999999999999999999999999999999999999999999999999999999999999999999999999999999");
  wait_for(&f.metrics.backfill_failures, 2); /* the retry came */
  ck_assert_uint_eq(atomic_load(&f.metrics.backfill_runs), 0);
  ck_assert_uint_eq(f.got.n, 0);
  stop(&f, bf);
}
END_TEST

static Suite *backfill_suite(void) {
  Suite *s = suite_create("service_backfill");
  TCase *tc = tcase_create("backfill");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_history_from_node);
  tcase_add_test(tc, test_no_node_retries);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  if (mg_node_global_init() != MG_NODE_OK) return 1;
  int rc = tu_run_suite(backfill_suite());
  mg_node_global_cleanup();
  return rc;
}
