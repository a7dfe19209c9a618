/* The watched-address set: random add/remove/has sequences against a naive reference, growth from
 * empty, removal and re-adding, near misses, the memory figure, and the keyed hash. */
#include <stdlib.h>
#include <string.h>

#include "read/addrset.h"
#include "tests/testutil.h"

#define A MG_ADDRESS_TRYTES

static void random_address(char out[A], uint64_t *rng) {
  for (size_t i = 0; i < A; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(rng) % 27];
}

/* n random addresses (two equal ones among 81 random trytes: probability 27^-81 per pair). */
static char (*random_addresses(size_t n, uint64_t seed))[A] {
  char(*addrs)[A] = malloc(n * A);
  ck_assert_ptr_nonnull(addrs);
  uint64_t rng = seed;
  for (size_t i = 0; i < n; i++) random_address(addrs[i], &rng);
  return addrs;
}

/* Hot loops check with `if` and fail with ck_abort_msg: every ck_assert records its position
 * (Check writes it to a file), which would dominate the run time here. */
#define CHECK(cond, ...) \
  do {                    \
    if (!(cond)) ck_abort_msg(__VA_ARGS__); \
  } while (0)

/* Runs `ops` random operations on a pool of addresses, checking every answer against a
 * present[] reference. */
static void run_against_reference(mg_addrset_t *s, size_t pool, size_t ops, uint64_t seed) {
  char(*addrs)[A] = random_addresses(pool, seed);
  bool *present = calloc(pool, sizeof *present);
  ck_assert_ptr_nonnull(present);
  size_t count = mg_addrset_count(s);
  uint64_t rng = seed ^ 0xabcdef;
  for (size_t op = 0; op < ops; op++) {
    size_t i = tu_rand(&rng) % pool;
    switch (tu_rand(&rng) % 3) {
      case 0:
        CHECK(mg_addrset_add(s, addrs[i]) == 0, "add, op %zu", op);
        if (!present[i]) count++;
        present[i] = true;
        break;
      case 1:
        CHECK(mg_addrset_remove(s, addrs[i]) == present[i], "remove, op %zu", op);
        if (present[i]) count--;
        present[i] = false;
        break;
      default:
        CHECK(mg_addrset_has(s, addrs[i]) == present[i], "has, op %zu", op);
    }
    CHECK(mg_addrset_count(s) == count, "count, op %zu", op);
  }
  for (size_t i = 0; i < pool; i++) CHECK(mg_addrset_has(s, addrs[i]) == present[i], "has %zu at the end", i);
  free(present);
  free(addrs);
}

START_TEST(test_random_against_reference) {
  mg_addrset_t *s = mg_addrset_new(0);
  ck_assert_ptr_nonnull(s);
  run_against_reference(s, 5000, 200000, 1);
  mg_addrset_free(s);
  /* A small pool in a small table: long probe runs, many backward shifts. */
  s = mg_addrset_new(4);
  ck_assert_ptr_nonnull(s);
  run_against_reference(s, 40, 100000, 2);
  mg_addrset_free(s);
}
END_TEST

START_TEST(test_growth_and_memory) {
  const size_t n = 100000;
  char(*addrs)[A] = random_addresses(n, 3);
  mg_addrset_t *grown = mg_addrset_new(0), *sized = mg_addrset_new(n);
  ck_assert_ptr_nonnull(grown);
  ck_assert_ptr_nonnull(sized);
  size_t empty_memory = mg_addrset_memory(grown);
  for (size_t i = 0; i < n; i++)
    CHECK(mg_addrset_add(grown, addrs[i]) == 0 && mg_addrset_add(sized, addrs[i]) == 0, "add %zu", i);
  ck_assert_int_eq(mg_addrset_add(grown, addrs[0]), 0); /* already present */
  ck_assert_uint_eq(mg_addrset_count(grown), n);
  ck_assert_uint_eq(mg_addrset_count(sized), n);
  for (size_t i = 0; i < n; i++)
    CHECK(mg_addrset_has(grown, addrs[i]) && mg_addrset_has(sized, addrs[i]), "has %zu", i);
  /* Keys alone take n * 81 bytes; the whole set stays well under 20 MB. */
  ck_assert_uint_gt(mg_addrset_memory(grown), empty_memory);
  ck_assert_uint_ge(mg_addrset_memory(sized), n * A);
  ck_assert_uint_lt(mg_addrset_memory(sized), 14u << 20);
  ck_assert_uint_lt(mg_addrset_memory(grown), 16u << 20);
  mg_addrset_free(grown);
  mg_addrset_free(sized);
  free(addrs);
}
END_TEST

START_TEST(test_remove_then_readd) {
  const size_t n = 3000;
  char(*addrs)[A] = random_addresses(n, 4);
  mg_addrset_t *s = mg_addrset_new(16);
  ck_assert_ptr_nonnull(s);
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(mg_addrset_add(s, addrs[i]), 0);
  for (size_t i = 0; i < n; i += 2) ck_assert(mg_addrset_remove(s, addrs[i]));
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(mg_addrset_has(s, addrs[i]), i % 2 == 1);
  ck_assert(!mg_addrset_remove(s, addrs[0]));
  ck_assert_uint_eq(mg_addrset_count(s), n / 2);
  for (size_t i = 0; i < n; i += 2) ck_assert_int_eq(mg_addrset_add(s, addrs[i]), 0);
  for (size_t i = 0; i < n; i++) ck_assert(mg_addrset_has(s, addrs[i]));
  for (size_t i = 0; i < n; i++) ck_assert(mg_addrset_remove(s, addrs[i]));
  ck_assert_uint_eq(mg_addrset_count(s), 0);
  for (size_t i = 0; i < n; i++) ck_assert(!mg_addrset_has(s, addrs[i]));
  ck_assert_int_eq(mg_addrset_add(s, addrs[7]), 0);
  ck_assert(mg_addrset_has(s, addrs[7]));
  mg_addrset_free(s);
  free(addrs);
}
END_TEST

START_TEST(test_near_misses) {
  uint64_t rng = 5;
  char addr[A], other[A];
  random_address(addr, &rng);
  mg_addrset_t *s = mg_addrset_new(1);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(mg_addrset_add(s, addr), 0);
  for (size_t i = 0; i < A; i++) {
    memcpy(other, addr, A);
    other[i] = other[i] == 'Z' ? '9' : (char)(other[i] == '9' ? 'A' : other[i] + 1);
    ck_assert(!mg_addrset_has(s, other));
    ck_assert(!mg_addrset_remove(s, other));
  }
  ck_assert(mg_addrset_has(s, addr));
  mg_addrset_free(s);
}
END_TEST

START_TEST(test_null_arguments) {
  char addr[A];
  memset(addr, '9', A);
  ck_assert_int_eq(mg_addrset_add(NULL, addr), -1);
  ck_assert(!mg_addrset_has(NULL, addr));
  ck_assert(!mg_addrset_remove(NULL, addr));
  ck_assert_uint_eq(mg_addrset_count(NULL), 0);
  ck_assert_uint_eq(mg_addrset_memory(NULL), 0);
  mg_addrset_t *s = mg_addrset_new(0);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(mg_addrset_add(s, NULL), -1);
  ck_assert(!mg_addrset_has(s, NULL));
  mg_addrset_free(s);
  mg_addrset_free(NULL);
  ck_assert_ptr_null(mg_addrset_new(SIZE_MAX));
}
END_TEST

/* The keyed hash: a function of the bytes and the seed; one changed tryte anywhere changes the
 * low 32 bits (the set's fingerprint) for all 81 x 26 variants of an address. */
/* Values follow their addresses through removals (which move the last key into the hole). */
START_TEST(test_values_follow_keys) {
  const size_t n = 500;
  char(*addrs)[A] = random_addresses(n, 9);
  mg_addrset_t *s = mg_addrset_new(0);
  ck_assert_ptr_nonnull(s);
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(mg_addrset_put(s, addrs[i], &addrs[i]), 0);
  for (size_t i = 0; i < n; i += 3) ck_assert(mg_addrset_remove(s, addrs[i]));
  for (size_t i = 0; i < n; i++) {
    void *v = mg_addrset_get(s, addrs[i]);
    if (i % 3 == 0) ck_assert_ptr_null(v);
    else if (v != &addrs[i]) ck_abort_msg("value of address %zu lost", i);
  }
  ck_assert_int_eq(mg_addrset_add(s, addrs[1]), 0); /* add keeps the value */
  ck_assert_ptr_eq(mg_addrset_get(s, addrs[1]), &addrs[1]);
  ck_assert_int_eq(mg_addrset_put(s, addrs[1], NULL), 0);
  ck_assert_ptr_null(mg_addrset_get(s, addrs[1]));
  ck_assert(mg_addrset_has(s, addrs[1]));
  mg_addrset_free(s);
  free(addrs);
}
END_TEST

START_TEST(test_hash) {
  uint64_t rng = 6;
  char addr[A];
  random_address(addr, &rng);
  ck_assert_uint_ne(mg_hash_seed(), mg_hash_seed());
  const uint64_t seed = 0x5eed; /* fixed, so the pairwise check below is deterministic */
  ck_assert_uint_eq(mg_hash_bytes(addr, A, seed), mg_hash_bytes(addr, A, seed));
  ck_assert_uint_ne(mg_hash_bytes(addr, A, seed), mg_hash_bytes(addr, A, seed + 1));
  ck_assert_uint_ne(mg_hash_bytes(addr, A, seed), mg_hash_bytes(addr, A - 1, seed));
  size_t n = A * 26;
  uint32_t *fps = malloc(n * sizeof *fps);
  ck_assert_ptr_nonnull(fps);
  size_t k = 0;
  for (size_t i = 0; i < A; i++) {
    char variant[A];
    memcpy(variant, addr, A);
    for (const char *c = MAM_TRYTE_ALPHABET; *c; c++) {
      if (*c == addr[i]) continue;
      variant[i] = *c;
      fps[k++] = (uint32_t)mg_hash_bytes(variant, A, seed);
    }
  }
  ck_assert_uint_eq(k, n);
  uint32_t base = (uint32_t)mg_hash_bytes(addr, A, seed);
  for (size_t i = 0; i < n; i++) {
    ck_assert_uint_ne(fps[i], base);
    for (size_t j = i + 1; j < n; j++) CHECK(fps[i] != fps[j], "variants %zu and %zu", i, j);
  }
  free(fps);
}
END_TEST

static Suite *addrset_suite(void) {
  Suite *s = suite_create("addrset");
  TCase *tc = tcase_create("addrset");
  tcase_add_test(tc, test_random_against_reference);
  tcase_add_test(tc, test_growth_and_memory);
  tcase_add_test(tc, test_remove_then_readd);
  tcase_add_test(tc, test_near_misses);
  tcase_add_test(tc, test_null_arguments);
  tcase_add_test(tc, test_values_follow_keys);
  tcase_add_test(tc, test_hash);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(addrset_suite()); }
