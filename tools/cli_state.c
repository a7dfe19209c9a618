#include "tools/cli_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/cli_args.h"

/* Far above any real state (a height-20 channel with a few endpoints takes a few MB). */
#define STATE_MAX_BYTES ((size_t)256 << 20)

/* PATH followed by suffix, malloc'd. */
static char *path_with(const char *path, const char *suffix) {
  size_t n = strlen(path), m = strlen(suffix);
  char *s = cli_alloc(n + m + 1);
  memcpy(s, path, n);
  memcpy(s + n, suffix, m + 1);
  return s;
}

int cli_state_lock(const char *path) {
  char *lock_path = path_with(path, ".lock");
  int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) cli_fail("%s: %s", lock_path, strerror(errno));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  while (fcntl(fd, F_SETLKW, &fl) != 0)
    if (errno != EINTR) cli_fail("%s: cannot lock: %s", lock_path, strerror(errno));
  free(lock_path);
  return fd;
}

void cli_state_unlock(int fd) { close(fd); /* closing releases the lock */ }

/* The whole file, or NULL with errno = ENOENT when it does not exist; exits on other errors. */
static uint8_t *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return NULL;
  if (fd < 0) cli_fail("%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) cli_fail("%s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) cli_fail("%s: not a regular file", path);
  if ((uint64_t)st.st_size > STATE_MAX_BYTES) cli_fail("%s: too large for a state file", path);
  size_t n = (size_t)st.st_size, got = 0;
  uint8_t *buf = cli_alloc(n);
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) cli_fail("%s: %s", path, strerror(errno));
    if (r == 0) cli_fail("%s: the file shrank while being read", path);
    got += (size_t)r;
  }
  close(fd);
  *len = n;
  return buf;
}

bool cli_state_load(const char *path, cli_writer_state_t *st) {
  size_t len;
  uint8_t *buf = read_file(path, &len);
  if (!buf) return false;
  memset(st, 0, sizeof *st);
  mam_err_t err = mam_channel_state_load(buf, len, &st->ch, &st->eps, &st->n_eps);
  free(buf);
  if (err != MAM_OK) cli_fail("%s: cannot load the state: %s", path, mam_strerror(err));
  return true;
}

static void write_all(int fd, const uint8_t *buf, size_t n, const char *path) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) cli_fail("%s: %s", path, strerror(errno));
    buf += w;
    n -= (size_t)w;
  }
}

/* Makes a rename in the file's directory durable. */
static void sync_directory(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? path_with(path, "") : path_with(".", "");
  if (slash) dir[slash == path ? 1 : slash - path] = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) cli_fail("%s: cannot sync the directory: %s", dir, strerror(errno));
  close(fd);
  free(dir);
}

void cli_state_save(const char *path, const cli_writer_state_t *st) {
  size_t len = mam_channel_state_size(&st->ch, st->eps, st->n_eps), written;
  uint8_t *buf = cli_alloc(len);
  cli_check(mam_channel_state_save(&st->ch, st->eps, st->n_eps, buf, len, &written), "saving the state");
  char *tmp = path_with(path, ".tmp");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) cli_fail("%s: %s", tmp, strerror(errno));
  if (fchmod(fd, 0600) != 0) cli_fail("%s: %s", tmp, strerror(errno)); /* an old .tmp keeps its mode */
  write_all(fd, buf, written, tmp);
  if (fsync(fd) != 0 || close(fd) != 0) cli_fail("%s: %s", tmp, strerror(errno));
  if (rename(tmp, path) != 0) cli_fail("cannot replace %s: %s", path, strerror(errno));
  sync_directory(path);
  free(tmp);
  free(buf);
}

void cli_state_free(cli_writer_state_t *st) {
  for (size_t i = 0; i < st->n_eps; i++) mam_endpoint_destroy(&st->eps[i]);
  free(st->eps);
  mam_channel_destroy(&st->ch);
  memset(st, 0, sizeof *st);
}
