/* The real mamgate.so loaded with dlopen against a real devnode: version negotiation, init with
 * options, a REST request over loopback, cleanup, unload, and the whole cycle again (the data
 * directory carries over). Init failures (bad option, small host struct, port in use) are reported
 * and leave nothing running. Run under valgrind by script/test. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devnode/spawn.h"
#include "mamgate/mamgate_plugin.h"
#include "tests/testutil.h"

typedef struct plugin {
  void *handle;
  mamgate_plugin_version_fn version;
  mamgate_plugin_init_fn init;
  mamgate_plugin_cleanup_fn cleanup;
} plugin_t;

static char log_text[65536];
static size_t log_len;

static void host_log(void *data, int level, const char *message) {
  (void)data;
  int n = snprintf(log_text + log_len, sizeof log_text - log_len, "%d %s\n", level, message);
  if (n > 0 && (size_t)n < sizeof log_text - log_len) log_len += (size_t)n;
}

static void load(plugin_t *p) {
  char path[4096];
  const char *build = getenv("MAMGATE_BUILDDIR");
  snprintf(path, sizeof path, "%s/plugin/.libs/mamgate.so", build ? build : ".");
  p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg(p->handle != NULL, "dlopen: %s", dlerror());
  *(void **)&p->version = dlsym(p->handle, "mamgate_plugin_version");
  *(void **)&p->init = dlsym(p->handle, "mamgate_plugin_init");
  *(void **)&p->cleanup = dlsym(p->handle, "mamgate_plugin_cleanup");
  ck_assert(p->version && p->init && p->cleanup);
  ck_assert_ptr_null(dlsym(p->handle, "mg_store_open")); /* nothing else is exported */
  ck_assert_ptr_null(dlsym(p->handle, "mam_troika_f"));
}

static uint16_t free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  ck_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

static long http_get(uint16_t port, const char *path) {
  char url[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
  CURL *c = curl_easy_init();
  FILE *sink = fopen("/dev/null", "w");
  long status = 0;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  fclose(sink);
  return status;
}

static devnode_proc_t node;
static char node_dir[4096], data_dir[4096], http_opt[64];

static void start_node(void) {
  char bin[4096];
  ck_assert(devnode_temp_dir(node_dir, sizeof node_dir));
  ck_assert(devnode_spawn(devnode_binary_path(bin, sizeof bin), node_dir, 9, 10000, &node));
  ck_assert(devnode_temp_dir(data_dir, sizeof data_dir));
}

static void stop_node(void) {
  devnode_proc_stop(&node, 5000);
  devnode_remove_dir(node_dir);
  devnode_remove_dir(data_dir);
}

static mamgate_host_t host_v1(void) {
  return (mamgate_host_t){.struct_size = sizeof(mamgate_host_t), .abi_version = MAMGATE_PLUGIN_ABI_V1, .log = host_log};
}

static int init_with(plugin_t *p, const mamgate_host_t *host, uint16_t port, const mamgate_opt_t *extra, void **ud) {
  snprintf(http_opt, sizeof http_opt, "127.0.0.1:%u", port);
  mamgate_opt_t opts[8] = {
      {"node_api", node.api_url, "test"}, {"node_zmq", node.zmq_url, "test"},  {"http", http_opt, "test"},
      {"zmq_pub", "tcp://127.0.0.1:*", "test"}, {"data_dir", data_dir, "test"}, {"log_level", "debug", "test"},
  };
  int n = 6;
  if (extra) opts[n++] = *extra;
  return p->init(host, opts, n, ud);
}

START_TEST(test_load_run_unload_twice) {
  start_node();
  for (int round = 0; round < 2; round++) {
    plugin_t p;
    load(&p);
    int versions[] = {7, MAMGATE_PLUGIN_ABI_V1};
    ck_assert_int_eq(p.version(2, versions), MAMGATE_PLUGIN_ABI_V1);
    int future[] = {7};
    ck_assert_int_eq(p.version(1, future), -1);
    mamgate_host_t host = host_v1();
    void *ud = NULL;
    uint16_t port = free_port();
    ck_assert_int_eq(init_with(&p, &host, port, NULL, &ud), MAMGATE_OK);
    ck_assert_ptr_nonnull(ud);
    ck_assert_int_eq(http_get(port, "/v1/health"), 200);
    ck_assert_int_eq(http_get(port, "/v1/info"), 200);
    ck_assert_int_eq(p.cleanup(ud), MAMGATE_OK);
    ck_assert_int_eq(dlclose(p.handle), 0);
    ck_assert_int_eq(http_get(port, "/v1/health"), 0); /* nothing listens any more */
  }
  ck_assert_ptr_nonnull(strstr(log_text, "created a new gateway seed")); /* once: the seed persisted */
  ck_assert_ptr_null(strstr(strstr(log_text, "created a new gateway seed") + 1, "created a new gateway seed"));
  stop_node();
}
END_TEST

/* ABI version 2: the plugin picks the highest version offered; with MAMGATE_HOST_CHECK_ONLY it
 * checks the options and starts nothing; a version 1 host's flags slot is not read. */
START_TEST(test_abi_v2_check_only) {
  start_node();
  plugin_t p;
  load(&p);
  int both[] = {MAMGATE_PLUGIN_ABI_V1, MAMGATE_PLUGIN_ABI_V2}, only_v1[] = {MAMGATE_PLUGIN_ABI_V1};
  ck_assert_int_eq(p.version(2, both), MAMGATE_PLUGIN_ABI_V2);
  ck_assert_int_eq(p.version(1, only_v1), MAMGATE_PLUGIN_ABI_V1);
  mamgate_host_t host = host_v1();
  host.abi_version = MAMGATE_PLUGIN_ABI_V2;
  host.flags = MAMGATE_HOST_CHECK_ONLY;
  void *ud = (void *)1;
  uint16_t port = free_port();
  ck_assert_int_eq(init_with(&p, &host, port, NULL, &ud), MAMGATE_OK);
  ck_assert_ptr_null(ud);
  ck_assert_int_eq(http_get(port, "/v1/health"), 0); /* nothing was started */
  char db[4200];
  snprintf(db, sizeof db, "%s/mamgate.db", data_dir);
  ck_assert_int_ne(access(db, F_OK), 0);
  mamgate_opt_t bad = {"mwm", "0", "mamgate.conf:3"};
  log_len = 0;
  ck_assert_int_eq(init_with(&p, &host, port, &bad, &ud), MAMGATE_ERR_CONFIG);
  ck_assert_ptr_nonnull(strstr(log_text, "mamgate.conf:3: bad value '0' for mwm"));
  mamgate_host_t short_v2 = host;
  short_v2.struct_size = (uint32_t)offsetof(mamgate_host_t, flags);
  ck_assert_int_eq(init_with(&p, &short_v2, port, NULL, &ud), MAMGATE_ERR_ABI);
  mamgate_host_t old = host_v1();
  old.flags = MAMGATE_HOST_CHECK_ONLY; /* whatever a version 1 host left in its first reserved slot */
  ck_assert_int_eq(init_with(&p, &old, port, NULL, &ud), MAMGATE_OK);
  ck_assert_ptr_nonnull(ud);
  ck_assert_int_eq(http_get(port, "/v1/health"), 200);
  ck_assert_int_eq(p.cleanup(ud), MAMGATE_OK);
  ck_assert_int_eq(dlclose(p.handle), 0);
  stop_node();
}
END_TEST

START_TEST(test_init_failures_are_reported) {
  start_node();
  plugin_t p;
  load(&p);
  void *ud = (void *)1;
  mamgate_host_t host = host_v1();
  mamgate_opt_t unknown = {"no_such_option", "1", "mamgate.conf:7"};
  log_len = 0;
  ck_assert_int_eq(init_with(&p, &host, free_port(), &unknown, &ud), MAMGATE_ERR_CONFIG);
  ck_assert_ptr_null(ud);
  ck_assert_ptr_nonnull(strstr(log_text, "mamgate.conf:7: unknown option 'no_such_option'"));
  mamgate_opt_t bad_mwm = {"mwm", "99", "MAMGATE_MWM"};
  ck_assert_int_eq(init_with(&p, &host, free_port(), &bad_mwm, &ud), MAMGATE_ERR_CONFIG);
  mamgate_host_t small = host;
  small.struct_size = 8;
  ck_assert_int_eq(init_with(&p, &small, free_port(), NULL, &ud), MAMGATE_ERR_ABI);
  /* the REST port taken by a first instance: the second reports it and stops cleanly */
  uint16_t port = free_port();
  void *first = NULL;
  ck_assert_int_eq(init_with(&p, &host, port, NULL, &first), MAMGATE_OK);
  char other_dir[4096];
  memcpy(other_dir, data_dir, sizeof other_dir);
  ck_assert(devnode_temp_dir(data_dir, sizeof data_dir));
  mamgate_opt_t other_pub = {"zmq_pub", "tcp://127.0.0.1:*", "test"};
  ck_assert_int_eq(init_with(&p, &host, port, &other_pub, &ud), MAMGATE_ERR_HTTP);
  ck_assert_ptr_null(ud);
  ck_assert_int_eq(http_get(port, "/v1/health"), 200); /* the first instance is unharmed */
  ck_assert_int_eq(p.cleanup(first), MAMGATE_OK);
  ck_assert_int_eq(p.cleanup(NULL), MAMGATE_ERR_STATE);
  dlclose(p.handle);
  devnode_remove_dir(data_dir);
  memcpy(data_dir, other_dir, sizeof data_dir);
  stop_node();
}
END_TEST

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Suite *s = suite_create("plugin_load");
  TCase *tc = tcase_create("dlopen");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_load_run_unload_twice);
  tcase_add_test(tc, test_init_failures_are_reported);
  tcase_add_test(tc, test_abi_v2_check_only);
  suite_add_tcase(s, tc);
  int rc = tu_run_suite(s);
  curl_global_cleanup();
  return rc;
}
