/* The fleet service (services/fleet) against a real SQLite store in a temporary directory: the
 * heartbeat row and its info, the live instances as two services sharing the database see them,
 * the shard's share while both live (each channel decoded by exactly one) and after one stops (the
 * other takes its share over once the heartbeat is older than the takeover time), and instance
 * names. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "services/fleet.h"
#include "tests/testutil.h"

#define TAKEOVER_MS 1500 /* beats every 500 ms */
#define CHANNELS 200

typedef struct fixture {
  char dir[64], db[96];
  mg_store_t *store;
  atomic_int stopping;
  mg_env_t env;
} fixture_t;

static void sleep_ms(long ms) {
  const struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void fixture_open(fixture_t *f) {
  memset(f, 0, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_fleet.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->store), MG_STORE_OK);
}

static void fixture_close(fixture_t *f) {
  mg_store_close(f->store);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  ck_assert_int_eq(system(cmd), 0);
}

static mg_fleet_t *fleet_start(fixture_t *f, const char *id, const char *shard) {
  mg_fleet_deps_t deps = {.env = &f->env,
                          .settings = {.db_path = f->db, .instance_id = id, .version = "9.9.9", .http = "127.0.0.1:8088",
                                       .takeover_ms = TAKEOVER_MS},
                          .stopping = &f->stopping};
  ck_assert_int_eq(mg_shard_parse(shard, &deps.settings.shard), 0);
  char err[256] = "";
  mg_fleet_t *fl = mg_fleet_start(&deps, err, sizeof err);
  ck_assert_msg(fl != NULL, "%s", err);
  return fl;
}

static size_t live_count(mg_fleet_t *fl) {
  mg_instance_t *v;
  size_t n;
  ck_assert_int_eq(mg_fleet_live(fl, &v, &n), 0);
  mg_instances_free(v, n);
  return n;
}

/* Waits (up to 5 s) until the service sees `want` live instances. */
static void wait_live(mg_fleet_t *fl, size_t want) {
  for (int i = 0; i < 250 && live_count(fl) != want; i++) sleep_ms(20);
  ck_assert_uint_eq(live_count(fl), want);
}

static void random_id(char out[82], uint64_t *rng) {
  for (size_t i = 0; i < 81; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(rng) % 27];
  out[81] = '\0';
}

START_TEST(test_heartbeat_row) {
  fixture_t f;
  fixture_open(&f);
  int64_t before = (int64_t)mg_env_now_ms(&f.env);
  mg_fleet_t *fl = fleet_start(&f, "gw-a_1.x", "1/3");
  mg_instance_t *v = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_instances(f.store, 0, &v, &n), MG_STORE_OK); /* another connection sees it */
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(v[0].id, "gw-a_1.x");
  ck_assert_int_ge(v[0].seen_ms, before);
  json_t *info = json_loads(v[0].info, 0, NULL);
  ck_assert_ptr_nonnull(info);
  ck_assert_str_eq(json_string_value(json_object_get(info, "shard")), "1/3");
  ck_assert_str_eq(json_string_value(json_object_get(info, "version")), "9.9.9");
  ck_assert_str_eq(json_string_value(json_object_get(info, "http")), "127.0.0.1:8088");
  json_decref(info);
  int64_t first = v[0].seen_ms;
  mg_instances_free(v, n);
  sleep_ms(1200); /* two beats later the row is newer */
  ck_assert_int_eq(mg_store_list_instances(f.store, 0, &v, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_gt(v[0].seen_ms, first);
  mg_instances_free(v, n);
  ck_assert_uint_eq(live_count(fl), 1);
  mg_fleet_stop(fl);
  fixture_close(&f);
}
END_TEST

/* A row whose heartbeat is older than the takeover time is not live. */
START_TEST(test_stale_instance_not_live) {
  fixture_t f;
  fixture_open(&f);
  int64_t now = (int64_t)mg_env_now_ms(&f.env);
  ck_assert_int_eq(mg_store_heartbeat(f.store, "old", "{\"shard\":\"0/2\"}", now - 10 * TAKEOVER_MS), MG_STORE_OK);
  mg_fleet_t *fl = fleet_start(&f, "new", "1/2");
  ck_assert_uint_eq(live_count(fl), 1);
  /* shard 0 has no live instance: "new" decodes every channel */
  uint64_t rng = 3;
  char id[82];
  for (int i = 0; i < CHANNELS; i++) {
    random_id(id, &rng);
    ck_assert(mg_fleet_decodes(fl, id));
  }
  mg_fleet_stop(fl);
  fixture_close(&f);
}
END_TEST

START_TEST(test_shares_and_takeover) {
  fixture_t f;
  fixture_open(&f);
  mg_fleet_t *a = fleet_start(&f, "a", "0/2"), *b = fleet_start(&f, "b", "1/2");
  wait_live(a, 2);
  wait_live(b, 2);
  uint64_t rng = 11;
  char ids[CHANNELS][82];
  unsigned of_a = 0;
  for (int i = 0; i < CHANNELS; i++) {
    random_id(ids[i], &rng);
    bool da = mg_fleet_decodes(a, ids[i]), db = mg_fleet_decodes(b, ids[i]);
    ck_assert_msg(da != db, "channel %d: decoded by %s", i, da ? "both" : "neither");
    of_a += da;
  }
  ck_assert_uint_gt(of_a, CHANNELS / 4);
  ck_assert_uint_lt(of_a, CHANNELS * 3 / 4);
  mg_fleet_stop(b); /* its row stays, and goes stale */
  wait_live(a, 1);
  for (int i = 0; i < CHANNELS; i++) ck_assert(mg_fleet_decodes(a, ids[i]));
  /* b comes back: it has its share again, and a lets it go at its next beat */
  b = fleet_start(&f, "b", "1/2");
  wait_live(a, 2);
  for (int i = 0; i < CHANNELS; i++) ck_assert(mg_fleet_decodes(a, ids[i]) != mg_fleet_decodes(b, ids[i]));
  mg_fleet_stop(a);
  mg_fleet_stop(b);
  fixture_close(&f);
}
END_TEST

START_TEST(test_instance_ids) {
  ck_assert(mg_instance_id_valid("a"));
  ck_assert(mg_instance_id_valid("gw-1.eu_west"));
  char long_id[MG_INSTANCE_ID_MAX + 2];
  memset(long_id, 'x', sizeof long_id - 1);
  long_id[MG_INSTANCE_ID_MAX] = '\0';
  ck_assert(mg_instance_id_valid(long_id));
  long_id[MG_INSTANCE_ID_MAX] = 'x';
  long_id[MG_INSTANCE_ID_MAX + 1] = '\0';
  ck_assert(!mg_instance_id_valid(long_id));
  static const char *const bad[] = {"", "a b", "a/b", "a:b", "é", "a\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) ck_assert_msg(!mg_instance_id_valid(bad[i]), "'%s'", bad[i]);
  ck_assert(!mg_instance_id_valid(NULL));
  char id[MG_INSTANCE_ID_MAX + 1];
  ck_assert_int_eq(mg_instance_id_default("127.0.0.1:8088", id, sizeof id), 0);
  ck_assert(mg_instance_id_valid(id));
  ck_assert_str_eq(id + strlen(id) - 5, "-8088");
  ck_assert_int_eq(mg_instance_id_default("[::1]:9", id, sizeof id), 0);
  ck_assert_str_eq(id + strlen(id) - 2, "-9");
  char tiny[2];
  ck_assert_int_eq(mg_instance_id_default("127.0.0.1:8088", tiny, sizeof tiny), -1);
  ck_assert_uint_eq(mg_fleet_beat_ms(30000), 5000);
  ck_assert_uint_eq(mg_fleet_beat_ms(3000), 1000);
  ck_assert_uint_eq(mg_fleet_beat_ms(300), 250);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("service_fleet");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_heartbeat_row);
  tcase_add_test(tc, test_stale_instance_not_live);
  tcase_add_test(tc, test_shares_and_takeover);
  tcase_add_test(tc, test_instance_ids);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
