#include "seal/key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/sync.h"
#include "seal/random.h"

void mg_seal_key_wipe(mg_seal_key_t *key) {
  if (key) explicit_bzero(key->bytes, sizeof key->bytes);
}

/* The file behind fd may hold a key: a regular file of the key's size that only its owner can
 * access. Checked on the open descriptor, so the file checked is the file read. */
static mg_seal_err_t check_key_file(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return MG_SEAL_ERR_KEY_OPEN;
  if (!S_ISREG(st.st_mode)) return MG_SEAL_ERR_KEY_NOT_FILE;
  if (st.st_mode & (S_IRWXG | S_IRWXO)) return MG_SEAL_ERR_KEY_MODE;
  if (st.st_size != MG_SEAL_KEY_BYTES) return MG_SEAL_ERR_KEY_SIZE;
  return MG_SEAL_OK;
}

/* Reads exactly n bytes and then the end of the file (the size may change after fstat). */
static mg_seal_err_t read_exactly(int fd, uint8_t *buf, size_t n) {
  size_t got = 0;
  uint8_t extra;
  for (;;) {
    ssize_t r = got < n ? read(fd, buf + got, n - got) : read(fd, &extra, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return MG_SEAL_ERR_KEY_OPEN;
    if (r == 0) return got == n ? MG_SEAL_OK : MG_SEAL_ERR_KEY_SIZE;
    if (got == n) return MG_SEAL_ERR_KEY_SIZE;
    got += (size_t)r;
  }
}

mg_seal_err_t mg_seal_key_load(const char *path, mg_seal_key_t *key) {
  if (!path || !*path || !key) return MG_SEAL_ERR_ARG;
  /* O_NONBLOCK: a FIFO at path must not block the open; it is refused as not a regular file. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return MG_SEAL_ERR_KEY_OPEN;
  mg_seal_err_t err = check_key_file(fd);
  if (err == MG_SEAL_OK) err = read_exactly(fd, key->bytes, sizeof key->bytes);
  int saved = errno;
  close(fd);
  errno = saved;
  if (err != MG_SEAL_OK) mg_seal_key_wipe(key);
  return err;
}

static mg_seal_err_t write_all(int fd, const uint8_t *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return MG_SEAL_ERR_KEY_CREATE;
    buf += w, n -= (size_t)w;
  }
  return MG_SEAL_OK;
}

/* A fresh key into the new, empty file fd, flushed to disk. */
static mg_seal_err_t fill_key_file(int fd) {
  mg_seal_key_t key;
  mg_seal_err_t err = mg_seal_random(key.bytes, sizeof key.bytes);
  /* The umask may have taken the owner's bits away; it never adds any. */
  if (err == MG_SEAL_OK && fchmod(fd, MG_SEAL_KEY_FILE_MODE) != 0) err = MG_SEAL_ERR_KEY_CREATE;
  if (err == MG_SEAL_OK) err = write_all(fd, key.bytes, sizeof key.bytes);
  if (err == MG_SEAL_OK && fsync(fd) != 0) err = MG_SEAL_ERR_KEY_CREATE;
  mg_seal_key_wipe(&key);
  return err;
}

mg_seal_err_t mg_seal_key_create(const char *path) {
  if (!path || !*path || strlen(path) >= PATH_MAX) return MG_SEAL_ERR_ARG;
  /* O_EXCL with O_CREAT also refuses a dangling symbolic link at path. */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, MG_SEAL_KEY_FILE_MODE);
  if (fd < 0) return errno == EEXIST ? MG_SEAL_ERR_KEY_EXISTS : MG_SEAL_ERR_KEY_CREATE;
  mg_seal_err_t err = fill_key_file(fd);
  if (close(fd) != 0 && err == MG_SEAL_OK) err = MG_SEAL_ERR_KEY_CREATE;
  if (err == MG_SEAL_OK && mg_fs_sync_parent_dir(path) != 0) err = MG_SEAL_ERR_KEY_CREATE;
  if (err != MG_SEAL_OK) {
    int saved = errno;
    unlink(path);
    errno = saved;
  }
  return err;
}
