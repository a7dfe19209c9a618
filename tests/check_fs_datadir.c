/* tests/check_fs_datadir.c: the data directory lock and modes (fs/datadir.h) on real directories,
 * with real processes holding and dying with the lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/datadir.h"
#include "tests/testutil.h"

static char base[PATH_MAX];

static void make_base(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(base, sizeof base, "%s/mg-datadir-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(base));
}

static void remove_base(void) {
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", base);
}

static const char *under_base(const char *name) {
  static char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", base, name);
  return path;
}

static mode_t mode_of(const char *path) {
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  return st.st_mode & 07777;
}

START_TEST(test_creates_owner_only_directory) {
  mode_t old = umask(0);
  mg_datadir_t *d = NULL;
  ck_assert_int_eq(mg_datadir_open(under_base("new"), false, &d, NULL), MG_DATADIR_OK);
  umask(old);
  ck_assert_uint_eq(mode_of(under_base("new")), 0700);
  ck_assert_uint_eq(mode_of(mg_datadir_lock_path(d)), 0600);
  mg_datadir_close(d);
}
END_TEST

START_TEST(test_restricts_existing_directory) {
  ck_assert_int_eq(mkdir(under_base("open"), 0755), 0);
  ck_assert_int_eq(chmod(under_base("open"), 0755), 0);
  mg_datadir_t *d = NULL;
  ck_assert_int_eq(mg_datadir_open(under_base("open"), false, &d, NULL), MG_DATADIR_OK);
  ck_assert_uint_eq(mode_of(under_base("open")), 0700);
  mg_datadir_close(d);
}
END_TEST

START_TEST(test_makes_parents_only_when_asked) {
  mg_datadir_t *d = NULL;
  ck_assert_int_eq(mg_datadir_open(under_base("a/b/c"), false, &d, NULL), MG_DATADIR_ERR_CREATE);
  ck_assert_ptr_null(d);
  ck_assert_int_eq(mg_datadir_open(under_base("a/b/c"), true, &d, NULL), MG_DATADIR_OK);
  ck_assert_uint_eq(mode_of(under_base("a/b/c")), 0700);
  ck_assert_uint_eq(mode_of(under_base("a/b")) & 0700, 0700);
  mg_datadir_close(d);
}
END_TEST

START_TEST(test_refuses_bad_paths) {
  mg_datadir_t *d = (mg_datadir_t *)&d;
  ck_assert_int_eq(mg_datadir_open(NULL, false, &d, NULL), MG_DATADIR_ERR_ARG);
  ck_assert_ptr_null(d);
  ck_assert_int_eq(mg_datadir_open("", false, &d, NULL), MG_DATADIR_ERR_ARG);
  ck_assert_int_eq(mg_datadir_open(under_base("x"), false, NULL, NULL), MG_DATADIR_ERR_ARG);
  int fd = open(under_base("file"), O_CREAT | O_WRONLY, 0600);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(mg_datadir_open(under_base("file"), false, &d, NULL), MG_DATADIR_ERR_NOT_DIR);
  ck_assert_int_eq(mkdir(under_base("linked"), 0700), 0);
  ck_assert_int_eq(symlink("/dev/null", under_base("linked/" MG_DATADIR_LOCK_FILE)), 0);
  ck_assert_int_eq(mg_datadir_open(under_base("linked"), false, &d, NULL), MG_DATADIR_ERR_LOCK_FILE);
  ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_strerror_names_every_code) {
  for (int e = 0; e < MG_DATADIR_ERR__COUNT; e++) {
    ck_assert_ptr_nonnull(mg_datadir_strerror((mg_datadir_err_t)e));
    ck_assert_str_ne(mg_datadir_strerror((mg_datadir_err_t)e), "unknown data directory error");
  }
  ck_assert_str_eq(mg_datadir_strerror(MG_DATADIR_ERR__COUNT), "unknown data directory error");
}
END_TEST

/* A second handle in the same process is refused and names this process; closing another
 * descriptor of the lock file (what drops POSIX record locks) leaves the lock held. */
START_TEST(test_second_open_in_process_is_refused) {
  mg_datadir_t *first = NULL, *second = NULL;
  ck_assert_int_eq(mg_datadir_open(under_base("one"), false, &first, NULL), MG_DATADIR_OK);
  int fd = open(mg_datadir_lock_path(first), O_RDONLY);
  ck_assert_int_ge(fd, 0);
  close(fd);
  pid_t holder = 0;
  ck_assert_int_eq(mg_datadir_open(under_base("one"), false, &second, &holder), MG_DATADIR_ERR_IN_USE);
  ck_assert_ptr_null(second);
  ck_assert_int_eq(holder, getpid());
  mg_datadir_close(first);
  ck_assert_int_eq(mg_datadir_open(under_base("one"), false, &second, NULL), MG_DATADIR_OK);
  mg_datadir_close(second);
}
END_TEST

/* Another process holds the lock until it dies, even by SIGKILL; the refused opener names it. */
START_TEST(test_lock_held_by_process_until_it_dies) {
  int ready[2];
  ck_assert_int_eq(pipe(ready), 0);
  pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    close(ready[0]);
    mg_datadir_t *d = NULL;
    char ok = mg_datadir_open(under_base("shared"), false, &d, NULL) == MG_DATADIR_OK ? 'y' : 'n';
    if (write(ready[1], &ok, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char ok = 0;
  ck_assert_int_eq(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  ck_assert_int_eq(ok, 'y');
  mg_datadir_t *d = NULL;
  pid_t holder = 0;
  ck_assert_int_eq(mg_datadir_open(under_base("shared"), false, &d, &holder), MG_DATADIR_ERR_IN_USE);
  ck_assert_int_eq(holder, child);
  char why[PATH_MAX * 3], want[PATH_MAX + 128];
  mg_datadir_refusal(under_base("shared"), MG_DATADIR_ERR_IN_USE, holder, 0, why, sizeof why);
  snprintf(want, sizeof want, "process %ld holds its lock %s/lock ", (long)child, under_base("shared"));
  ck_assert_msg(strstr(why, want) != NULL, "%s", why);
  mg_datadir_refusal(under_base("shared"), MG_DATADIR_ERR_IN_USE, 0, 0, why, sizeof why);
  ck_assert_msg(strstr(why, "is in use: another process holds its lock") != NULL, "%s", why);
  mg_datadir_refusal(under_base("shared"), MG_DATADIR_ERR_NOT_DIR, 0, ENOTDIR, why, sizeof why);
  ck_assert_msg(strstr(why, mg_datadir_strerror(MG_DATADIR_ERR_NOT_DIR)) != NULL && strstr(why, strerror(ENOTDIR)), "%s", why);
  ck_assert_int_eq(kill(child, SIGKILL), 0);
  ck_assert_int_eq(waitpid(child, NULL, 0), child);
  ck_assert_int_eq(mg_datadir_open(under_base("shared"), false, &d, &holder), MG_DATADIR_OK);
  mg_datadir_close(d);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("fs_datadir");
  TCase *tc = tcase_create("datadir");
  tcase_add_checked_fixture(tc, make_base, remove_base);
  tcase_add_test(tc, test_creates_owner_only_directory);
  tcase_add_test(tc, test_restricts_existing_directory);
  tcase_add_test(tc, test_makes_parents_only_when_asked);
  tcase_add_test(tc, test_refuses_bad_paths);
  tcase_add_test(tc, test_strerror_names_every_code);
  tcase_add_test(tc, test_second_open_in_process_is_refused);
  tcase_add_test(tc, test_lock_held_by_process_until_it_dies);
  suite_add_tcase(suite, tc);
  return tu_run_suite(suite);
}
