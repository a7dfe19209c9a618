/* The host's pieces that need no plugin: configuration lines and files, the environment and --set
 * flags with their precedence and origins, and the log (timestamps, one intact line per message
 * even from many threads). tests/host_test.sh runs the real mamgated with test plugins. */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/log.h"
#include "host/options.h"
#include "tests/testutil.h"

#define ERR_SIZE 512
#define LOG_THREADS 4
#define LOG_LINES_PER_THREAD 500
#define LOG_PAYLOAD 300

/* --- configuration lines --- */

typedef struct line_case {
  const char *line, *key, *value; /* key NULL: blank or comment */
} line_case_t;

static const line_case_t good_lines[] = {
    {"", NULL, NULL},
    {"   \t  \r\n", NULL, NULL},
    {"# a comment = not an option", NULL, NULL},
    {"   # indented comment", NULL, NULL},
    {"http = 127.0.0.1:8088\n", "http", "127.0.0.1:8088"},
    {"mwm=14", "mwm", "14"},
    {"  node_api\t=\t http://node:14265  \r\n", "node_api", "http://node:14265"},
    {"data_dir = \"/var/lib/mam gate  \"", "data_dir", "/var/lib/mam gate  "},
    {"token = \"say \"hi\" twice\"", "token", "say \"hi\" twice"},
    {"token =", "token", ""},
    {"token = \"\"", "token", ""},
    {"a.b-c_9 = x = y # not a comment", "a.b-c_9", "x = y # not a comment"},
};

START_TEST(test_parse_good_lines) {
  const line_case_t *c = &good_lines[_i];
  char *line = strdup(c->line), *key = NULL, *value = NULL;
  const char *why = NULL;
  ck_assert_ptr_nonnull(line);
  int kind = mgd_conf_parse_line(line, &key, &value, &why);
  ck_assert_int_eq(kind, c->key ? 1 : 0);
  if (c->key) {
    ck_assert_str_eq(key, c->key);
    ck_assert_str_eq(value, c->value);
  }
  free(line);
}
END_TEST

static const char *const bad_lines[] = {
    "just words",         "= value",       "  =", "my key = x", "k\xc3\xa9y = x", "key = \"open",
    "key = \"",           "key = \"a\" b", "[section]",
};

START_TEST(test_parse_bad_lines) {
  char *line = strdup(bad_lines[_i]), *key = NULL, *value = NULL;
  const char *why = NULL;
  ck_assert_ptr_nonnull(line);
  ck_assert_int_eq(mgd_conf_parse_line(line, &key, &value, &why), -1);
  ck_assert_ptr_nonnull(why);
  ck_assert_int_gt(strlen(why), 5);
  free(line);
}
END_TEST

/* --- files --- */

/* A temporary file holding text; the caller unlinks and frees the path. */
static char *write_temp(const char *text, size_t len) {
  char *path = strdup("/tmp/check_host_XXXXXX");
  ck_assert_ptr_nonnull(path);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  return path;
}

static const mamgate_opt_t *find(const mgd_opts_t *opts, const char *key) {
  for (size_t i = 0; i < opts->count; i++)
    if (strcmp(opts->items[i].key, key) == 0) return &opts->items[i];
  return NULL;
}

static void assert_opt(const mgd_opts_t *opts, const char *key, const char *value, const char *origin) {
  const mamgate_opt_t *o = find(opts, key);
  ck_assert_msg(o != NULL, "option %s missing", key);
  ck_assert_str_eq(o->value, value);
  ck_assert_str_eq(o->origin, origin);
}

static char *line_origin(const char *path, int line) {
  char *origin = malloc(strlen(path) + 16);
  ck_assert_ptr_nonnull(origin);
  sprintf(origin, "%s:%d", path, line);
  return origin;
}

START_TEST(test_file_origins_and_repeats) {
  static const char text[] = "# mamgate\n\nhttp = 0.0.0.0:80\nmwm = 9\n  # again\nmwm = 14\nlast=\"no newline\"";
  char *path = write_temp(text, sizeof text - 1), err[ERR_SIZE] = "";
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_file(&opts, path, err, sizeof err), MGD_OPTS_OK);
  ck_assert_uint_eq(opts.count, 3);
  char *o3 = line_origin(path, 3), *o6 = line_origin(path, 6), *o7 = line_origin(path, 7);
  assert_opt(&opts, "http", "0.0.0.0:80", o3);
  assert_opt(&opts, "mwm", "14", o6); /* the later line wins and keeps the first one's place */
  ck_assert_str_eq(opts.items[1].key, "mwm");
  assert_opt(&opts, "last", "no newline", o7);
  free(o3);
  free(o6);
  free(o7);
  mgd_opts_free(&opts);
  ck_assert_uint_eq(opts.count, 0);
  unlink(path);
  free(path);
}
END_TEST

/* A file whose line `line` is bad: the status, and "PATH:LINE: " before the reason. */
static void assert_file_error(const char *text, size_t len, int line) {
  char *path = write_temp(text, len), err[ERR_SIZE] = "";
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_file(&opts, path, err, sizeof err), MGD_OPTS_SYNTAX);
  char *origin = line_origin(path, line);
  ck_assert_msg(strncmp(err, origin, strlen(origin)) == 0 && strncmp(err + strlen(origin), ": ", 2) == 0, "got '%s'",
                err);
  ck_assert_int_gt(strlen(err), strlen(origin) + 5);
  mgd_opts_free(&opts);
  free(origin);
  unlink(path);
  free(path);
}

START_TEST(test_file_errors) {
  static const char bad_key[] = "a = 1\n# ok\nthis is not an option\nb = 2\n";
  assert_file_error(bad_key, sizeof bad_key - 1, 3);
  static const char open_quote[] = "a = \"1\"\nb = \"2\n";
  assert_file_error(open_quote, sizeof open_quote - 1, 2);
  static const char nul[] = "a = 1\0b = 2\n";
  assert_file_error(nul, sizeof nul - 1, 1);
  size_t long_len = MGD_CONF_LINE_MAX + 10;
  char *long_line = malloc(long_len);
  ck_assert_ptr_nonnull(long_line);
  memcpy(long_line, "ok = 1\nk = ", 11);
  memset(long_line + 11, 'v', long_len - 12);
  long_line[long_len - 1] = '\n';
  assert_file_error(long_line, long_len, 2);
  free(long_line);
}
END_TEST

START_TEST(test_missing_file) {
  char err[ERR_SIZE] = "";
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_file(&opts, "/nonexistent/mamgate.conf", err, sizeof err), MGD_OPTS_IO);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mamgate.conf: "));
  ck_assert_uint_eq(opts.count, 0);
}
END_TEST

/* --- environment, flags, precedence --- */

START_TEST(test_environment) {
  char *const env[] = {"PATH=/bin",         "MAMGATE_HTTP=1.2.3.4:80", "MAMGATE_PLUGIN=/x/mamgate.so",
                       "MAMGATE_=nameless", "MAMGATE_Node_API=http://n:1=2", "MAMGATE_TOKEN=",
                       "XMAMGATE_MWM=3",    "MAMGATE_BUILDDIR=/b", "MAMGATE_SRCDIR=/s",
                       "MAMGATE_VECTORS_DIR=/v", "MAMGATE_NODEAPI=typo", "MAMGATE_PLUGINS=x",
                       "MAMGATE_TEST_PG_URI=postgresql://t", "MAMGATE_TEST_=x", NULL};
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_env(&opts, env), MGD_OPTS_OK);
  ck_assert_uint_eq(opts.count, 6);
  assert_opt(&opts, "http", "1.2.3.4:80", "MAMGATE_HTTP");
  assert_opt(&opts, "node_api", "http://n:1=2", "MAMGATE_Node_API");
  assert_opt(&opts, "token", "", "MAMGATE_TOKEN");
  /* not options of the host's list are left out; anything else goes to the plugin to judge */
  assert_opt(&opts, "nodeapi", "typo", "MAMGATE_NODEAPI");
  assert_opt(&opts, "plugins", "x", "MAMGATE_PLUGINS");
  assert_opt(&opts, "test_", "x", "MAMGATE_TEST_"); /* the test prefix needs a name after it */
  mgd_opts_free(&opts);
}
END_TEST

START_TEST(test_flags) {
  char err[ERR_SIZE];
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_flag(&opts, "mwm=14", "--set", err, sizeof err), MGD_OPTS_OK);
  ck_assert_int_eq(mgd_opts_read_flag(&opts, "token=a=b c", "--set", err, sizeof err), MGD_OPTS_OK);
  ck_assert_int_eq(mgd_opts_read_flag(&opts, "empty=", "--set", err, sizeof err), MGD_OPTS_OK);
  assert_opt(&opts, "mwm", "14", "--set");
  assert_opt(&opts, "token", "a=b c", "--set");
  assert_opt(&opts, "empty", "", "--set");
  static const char *const bad[] = {"noequals", "=value", "bad key=1", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    err[0] = '\0';
    ck_assert_int_eq(mgd_opts_read_flag(&opts, bad[i], "--set", err, sizeof err), MGD_OPTS_SYNTAX);
    ck_assert_msg(strstr(err, "--set") && strstr(err, bad[i]), "got '%s'", err);
  }
  ck_assert_uint_eq(opts.count, 3);
  mgd_opts_free(&opts);
}
END_TEST

START_TEST(test_precedence) {
  static const char text[] = "http = file\nmwm = file\ndata_dir = file\n";
  char *path = write_temp(text, sizeof text - 1), err[ERR_SIZE];
  char *const env[] = {"MAMGATE_MWM=env", "MAMGATE_DATA_DIR=env", NULL};
  mgd_opts_t opts = {0};
  ck_assert_int_eq(mgd_opts_read_file(&opts, path, err, sizeof err), MGD_OPTS_OK);
  ck_assert_int_eq(mgd_opts_read_env(&opts, env), MGD_OPTS_OK);
  ck_assert_int_eq(mgd_opts_read_flag(&opts, "data_dir=flag", "--set", err, sizeof err), MGD_OPTS_OK);
  char *o1 = line_origin(path, 1);
  assert_opt(&opts, "http", "file", o1);
  assert_opt(&opts, "mwm", "env", "MAMGATE_MWM");
  assert_opt(&opts, "data_dir", "flag", "--set");
  ck_assert_uint_eq(opts.count, 3);
  free(o1);
  mgd_opts_free(&opts);
  unlink(path);
  free(path);
}
END_TEST

/* --- log --- */

START_TEST(test_timestamps) {
  char out[MGD_TIMESTAMP_SIZE];
  mgd_format_timestamp(0, out);
  ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
  mgd_format_timestamp(UINT64_C(365) * 86400 * 1000 + 999, out); /* 1970 had 365 days */
  ck_assert_str_eq(out, "1971-01-01T00:00:00.999Z");
  uint64_t rng = 42;
  for (int i = 0; i < 1000; i++) { /* parsing the text back gives the same instant */
    uint64_t ms = tu_rand(&rng) % (UINT64_C(8000000000) * 1000);
    mgd_format_timestamp(ms, out);
    struct tm t = {0};
    unsigned millis;
    ck_assert_int_eq(sscanf(out, "%d-%d-%dT%d:%d:%d.%3uZ", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                            &t.tm_sec, &millis),
                     7);
    ck_assert_uint_eq(strlen(out), 24);
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    ck_assert_uint_eq((uint64_t)timegm(&t) * 1000 + millis, ms);
  }
}
END_TEST

START_TEST(test_level_names) {
  ck_assert_str_eq(mgd_level_name(MAMGATE_LOG_DEBUG), "DEBUG");
  ck_assert_str_eq(mgd_level_name(MAMGATE_LOG_INFO), "INFO");
  ck_assert_str_eq(mgd_level_name(MAMGATE_LOG_WARNING), "WARNING");
  ck_assert_str_eq(mgd_level_name(MAMGATE_LOG_ERROR), "ERROR");
  ck_assert_str_eq(mgd_level_name(4), "UNKNOWN");
  ck_assert_str_eq(mgd_level_name(-1), "UNKNOWN");
}
END_TEST

/* Runs fn with stderr sent to a temporary file and returns what it wrote (caller frees). */
static char *capture_stderr(void (*fn)(void)) {
  char *path = write_temp("", 0);
  FILE *file = fopen(path, "w+");
  ck_assert_ptr_nonnull(file);
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  ck_assert_int_ge(saved, 0);
  ck_assert_int_ge(dup2(fileno(file), STDERR_FILENO), 0);
  fn();
  fflush(stderr);
  ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
  close(saved);
  ck_assert_int_eq(fseek(file, 0, SEEK_END), 0); /* the descriptors share the file offset */
  long size = ftell(file);
  ck_assert_int_ge(size, 0);
  char *text = calloc((size_t)size + 1, 1);
  ck_assert_ptr_nonnull(text);
  rewind(file);
  ck_assert_uint_eq(fread(text, 1, (size_t)size, file), (size_t)size);
  fclose(file);
  unlink(path);
  free(path);
  return text;
}

static void log_three_lines(void) {
  mgd_log_init();
  mgd_log("good", MAMGATE_LOG_WARNING, "two\nlines\r\x1b[31m and\ta tab");
  mgd_log("good", MAMGATE_LOG_INFO, NULL);
  mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "code %d (%s)", 6, "text");
}

static void assert_matches(const char *text, const char *pattern) {
  regex_t re;
  ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
  int rc = regexec(&re, text, 0, NULL, 0);
  regfree(&re);
  ck_assert_msg(rc == 0, "'%s' does not match '%s'", text, pattern);
}

#define STAMP "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

START_TEST(test_log_lines) {
  char *text = capture_stderr(log_three_lines);
  assert_matches(text, "^" STAMP " WARNING good: two lines  \\[31m and\ta tab\n" STAMP " INFO good: \\(null\\)\n" STAMP
                       " ERROR mamgated: code 6 \\(text\\)\n$");
  free(text);
}
END_TEST

static void *log_many(void *arg) {
  char name[16], message[LOG_PAYLOAD + 1];
  snprintf(name, sizeof name, "t%d", *(int *)arg);
  memset(message, 'a' + *(int *)arg, LOG_PAYLOAD);
  message[LOG_PAYLOAD] = '\0';
  for (int i = 0; i < LOG_LINES_PER_THREAD; i++) mgd_log(name, MAMGATE_LOG_INFO, message);
  return NULL;
}

static void log_from_threads(void) {
  mgd_log_init();
  pthread_t threads[LOG_THREADS];
  int ids[LOG_THREADS];
  for (int t = 0; t < LOG_THREADS; t++) {
    ids[t] = t;
    ck_assert_int_eq(pthread_create(&threads[t], NULL, log_many, &ids[t]), 0);
  }
  for (int t = 0; t < LOG_THREADS; t++) pthread_join(threads[t], NULL);
}

START_TEST(test_log_lines_stay_whole_across_threads) {
  char *text = capture_stderr(log_from_threads);
  int per_thread[LOG_THREADS] = {0};
  char expected[LOG_PAYLOAD + 1];
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    int t = -1, offset = 0;
    ck_assert_msg(strlen(line) > 30 && sscanf(line + 24, " INFO t%d: %n", &t, &offset) == 1 && offset > 0, "'%s'",
                  line);
    ck_assert(t >= 0 && t < LOG_THREADS);
    memset(expected, 'a' + t, LOG_PAYLOAD);
    expected[LOG_PAYLOAD] = '\0';
    ck_assert_str_eq(line + 24 + offset, expected);
    per_thread[t]++;
  }
  for (int t = 0; t < LOG_THREADS; t++) ck_assert_int_eq(per_thread[t], LOG_LINES_PER_THREAD);
  free(text);
}
END_TEST

static Suite *host_suite(void) {
  Suite *s = suite_create("host");
  TCase *config = tcase_create("config");
  tcase_add_loop_test(config, test_parse_good_lines, 0, (int)(sizeof good_lines / sizeof *good_lines));
  tcase_add_loop_test(config, test_parse_bad_lines, 0, (int)(sizeof bad_lines / sizeof *bad_lines));
  tcase_add_test(config, test_file_origins_and_repeats);
  tcase_add_test(config, test_file_errors);
  tcase_add_test(config, test_missing_file);
  tcase_add_test(config, test_environment);
  tcase_add_test(config, test_flags);
  tcase_add_test(config, test_precedence);
  suite_add_tcase(s, config);
  TCase *log = tcase_create("log");
  tcase_add_test(log, test_timestamps);
  tcase_add_test(log, test_level_names);
  tcase_add_test(log, test_log_lines);
  tcase_add_test(log, test_log_lines_stay_whole_across_threads);
  suite_add_tcase(s, log);
  return s;
}

int main(void) { return tu_run_suite(host_suite()); }
