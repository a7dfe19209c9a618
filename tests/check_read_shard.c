/* Sharding (read/shard): the K/N syntax, a hash every instance computes alike, and the decision
 * "does this instance decode this channel now": with every shard live each channel has exactly one
 * decoder (its home shard); with shards down each channel still has exactly one decoder among the
 * live ones, channels of live shards stay where they are, and the taken-over share is spread. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"
#include "read/shard.h"
#include "tests/testutil.h"

#define ID 81
#define CHANNELS 2000

static void random_id(char out[ID + 1], uint64_t *rng) {
  for (size_t i = 0; i < ID; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(rng) % 27];
  out[ID] = '\0';
}

START_TEST(test_parse_format) {
  static const char *const good[] = {"0/1", "3/4", "1023/1024", "0/2", "1/2"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    mg_shard_t s = {7, 7};
    ck_assert_int_eq(mg_shard_parse(good[i], &s), 0);
    char back[MG_SHARD_TEXT_MAX];
    ck_assert_int_eq(mg_shard_format(s, back, sizeof back), (int)strlen(good[i]));
    ck_assert_str_eq(back, good[i]);
  }
  mg_shard_t s = {7, 7};
  ck_assert_int_eq(mg_shard_parse("", &s), 0);
  ck_assert_uint_eq(s.count, 0);
  char text[MG_SHARD_TEXT_MAX] = "x";
  ck_assert_int_eq(mg_shard_format(s, text, sizeof text), 0);
  ck_assert_str_eq(text, "");
  static const char *const bad[] = {"4/4", "1/0", "0/0", "-1/2", "+1/2", "a/2", "1/2x", " 1/2", "1/2 ", "1/",
                                    "/2", "1", "1/1025", "00001/2", "1//2", "1/2/3", "0x1/2"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    mg_shard_t t = {5, 9};
    ck_assert_msg(mg_shard_parse(bad[i], &t) == -1, "'%s' accepted", bad[i]);
    ck_assert_msg(t.index == 5 && t.count == 9, "'%s' changed the output", bad[i]);
  }
  ck_assert_int_eq(mg_shard_parse(NULL, &s), -1);
}
END_TEST

/* Pinned values (computed apart, in Python): instances on other machines and builds must agree. */
START_TEST(test_hash_pinned) {
  char a[ID + 1], nines[ID + 1];
  memset(a, 'A', ID);
  memset(nines, '9', ID);
  a[ID] = nines[ID] = '\0';
  ck_assert_uint_eq(mg_shard_hash(a), UINT64_C(15845439816995719708));
  ck_assert_uint_eq(mg_shard_hash(nines), UINT64_C(5412535776427112388));
}
END_TEST

START_TEST(test_no_shard_decodes_all) {
  uint64_t rng = 1;
  char id[ID + 1];
  for (int i = 0; i < 100; i++) {
    random_id(id, &rng);
    ck_assert(mg_shard_decodes((mg_shard_t){0}, NULL, id));
  }
}
END_TEST

/* How many of the n shards decode the channel, all deciding from the same live set. */
static unsigned decoders(uint32_t n, const bool *live, const char *id, uint32_t *which) {
  unsigned count = 0;
  for (uint32_t k = 0; k < n; k++)
    if (live[k] && mg_shard_decodes((mg_shard_t){k, n}, live, id)) count++, *which = k;
  return count;
}

START_TEST(test_all_live_partition) {
  for (uint32_t n = 1; n <= 7; n++) {
    bool live[7];
    for (uint32_t k = 0; k < n; k++) live[k] = true;
    unsigned per[7] = {0};
    uint64_t rng = n;
    char id[ID + 1];
    for (int i = 0; i < CHANNELS; i++) {
      random_id(id, &rng);
      uint32_t which = 0;
      ck_assert_uint_eq(decoders(n, live, id, &which), 1);
      ck_assert_uint_eq(which, mg_shard_hash(id) % n);
      per[which]++;
    }
    for (uint32_t k = 0; k < n; k++) ck_assert_msg(per[k] > CHANNELS / n / 2, "shard %u/%u got %u", k, n, per[k]);
  }
}
END_TEST

/* Shards 1 and 3 of 5 down: each channel has one live decoder, a live shard keeps its home
 * channels, and the orphaned channels are spread over every live shard. */
START_TEST(test_takeover_spread) {
  const uint32_t n = 5;
  bool live[5] = {true, false, true, false, true}, all[5] = {true, true, true, true, true};
  unsigned taken[5] = {0};
  uint64_t rng = 42;
  char id[ID + 1];
  for (int i = 0; i < CHANNELS; i++) {
    random_id(id, &rng);
    uint32_t which = 0, home = 0;
    ck_assert_uint_eq(decoders(n, live, id, &which), 1);
    ck_assert_uint_eq(decoders(n, all, id, &home), 1);
    if (live[home]) ck_assert_uint_eq(which, home);
    else taken[which]++;
  }
  for (uint32_t k = 0; k < n; k++)
    if (live[k]) ck_assert_msg(taken[k] > 0, "live shard %u took over nothing", k);
    else ck_assert_uint_eq(taken[k], 0);
}
END_TEST

/* An instance counts itself live even when its own heartbeat is not seen (its database write
 * failed): alone, it decodes everything. */
START_TEST(test_self_counts_live) {
  bool none[3] = {false, false, false};
  uint64_t rng = 7;
  char id[ID + 1];
  for (int i = 0; i < 200; i++) {
    random_id(id, &rng);
    ck_assert(mg_shard_decodes((mg_shard_t){2, 3}, none, id));
  }
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("read_shard");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_parse_format);
  tcase_add_test(tc, test_hash_pinned);
  tcase_add_test(tc, test_no_shard_decodes_all);
  tcase_add_test(tc, test_all_live_partition);
  tcase_add_test(tc, test_takeover_spread);
  tcase_add_test(tc, test_self_counts_live);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
