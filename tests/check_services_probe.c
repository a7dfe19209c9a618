/* The node probe driven through its own handle: a real devnode that answers, then stops, and an
 * address where nothing listens. */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "devnode/spawn.h"
#include "services/probe.h"
#include "tests/testutil.h"

/* Waits (up to 20 s) until the probe has completed at least `checks` checks; its status then. */
static mg_probe_status_t after_checks(mg_probe_t *p, uint64_t checks) {
  mg_probe_status_t st = mg_probe_status(p);
  for (int i = 0; i < 2000 && st.checks < checks; i++) {
    nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    st = mg_probe_status(p);
  }
  ck_assert_uint_ge(st.checks, checks);
  return st;
}

START_TEST(test_nothing_listens) {
  mg_probe_t *p = mg_probe_start("http://127.0.0.1:1", 50, 1000);
  ck_assert_ptr_nonnull(p);
  ck_assert(!after_checks(p, 2).reachable);
  mg_probe_stop(p);
  mg_probe_stop(NULL);
}
END_TEST

/* Reachable while the node runs; unreachable once it has stopped. */
START_TEST(test_node_comes_and_goes) {
  char dir[512], bin[512];
  devnode_proc_t node;
  ck_assert(devnode_temp_dir(dir, sizeof dir));
  ck_assert(devnode_spawn(devnode_binary_path(bin, sizeof bin), dir, 9, 10000, &node));
  mg_probe_t *p = mg_probe_start(node.api_url, 50, 2000);
  ck_assert_ptr_nonnull(p);
  ck_assert(after_checks(p, 1).reachable);
  devnode_proc_stop(&node, 5000);
  uint64_t seen = mg_probe_status(p).checks;
  ck_assert(!after_checks(p, seen + 2).reachable);
  mg_probe_stop(p);
  devnode_remove_dir(dir);
}
END_TEST

static Suite *probe_suite(void) {
  Suite *s = suite_create("service_probe");
  TCase *tc = tcase_create("probe");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_nothing_listens);
  tcase_add_test(tc, test_node_comes_and_goes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(probe_suite()); }
