/* fs/datadir.c: an owner-only data directory locked for the life of its handle (fs/datadir.h). */
#include "fs/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATADIR_MODE 0700
#define PARENT_MODE 0755
#define LOCK_FILE_MODE 0600
#define PID_TEXT_MAX 32

struct mg_datadir {
  int lock_fd;
  char *lock_path;
};

static const char *const datadir_errors[MG_DATADIR_ERR__COUNT] = {
    [MG_DATADIR_OK] = "ok",
    [MG_DATADIR_ERR_ARG] = "no data directory given",
    [MG_DATADIR_ERR_NO_MEMORY] = "out of memory",
    [MG_DATADIR_ERR_CREATE] = "cannot create the data directory",
    [MG_DATADIR_ERR_NOT_DIR] = "the data directory path is not a directory",
    [MG_DATADIR_ERR_MODE] = "cannot make the data directory owner-only",
    [MG_DATADIR_ERR_LOCK_FILE] = "cannot open the data directory's lock file",
    [MG_DATADIR_ERR_IN_USE] = "the data directory is locked by another process",
};

const char *mg_datadir_strerror(mg_datadir_err_t err) {
  if ((unsigned)err >= MG_DATADIR_ERR__COUNT) return "unknown data directory error";
  return datadir_errors[err];
}

void mg_datadir_refusal(const char *dir, mg_datadir_err_t err, pid_t holder, int errnum, char *out, size_t out_len) {
  char who[PID_TEXT_MAX + 16] = "another process";
  if (holder > 0) snprintf(who, sizeof who, "process %ld", (long)holder);
  if (err == MG_DATADIR_ERR_IN_USE)
    snprintf(out, out_len, "the data directory %s is in use: %s holds its lock %s/%s (one data directory serves one process)",
             dir, who, dir, MG_DATADIR_LOCK_FILE);
  else
    snprintf(out, out_len, "the data directory %s: %s (%s)", dir, mg_datadir_strerror(err), strerror(errnum));
}

/* Creates each missing parent of dir (not dir itself). */
static mg_datadir_err_t make_parent_dirs(const char *dir) {
  char *path = strdup(dir);
  if (!path) return MG_DATADIR_ERR_NO_MEMORY;
  mg_datadir_err_t err = MG_DATADIR_OK;
  for (char *p = strchr(path + 1, '/'); p && !err; p = strchr(p + 1, '/')) {
    *p = '\0';
    if (mkdir(path, PARENT_MODE) != 0 && errno != EEXIST) err = MG_DATADIR_ERR_CREATE;
    *p = '/';
  }
  free(path);
  return err;
}

/* dir exists as a directory with mode 0700 (created so, or restricted). */
static mg_datadir_err_t make_private_dir(const char *dir, bool make_parents) {
  if (make_parents) {
    mg_datadir_err_t err = make_parent_dirs(dir);
    if (err) return err;
  }
  if (mkdir(dir, DATADIR_MODE) != 0 && errno != EEXIST) return MG_DATADIR_ERR_CREATE;
  struct stat st;
  if (stat(dir, &st) != 0) return MG_DATADIR_ERR_CREATE;
  if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, MG_DATADIR_ERR_NOT_DIR;
  if ((st.st_mode & 07777) != DATADIR_MODE && chmod(dir, DATADIR_MODE) != 0) return MG_DATADIR_ERR_MODE;
  return MG_DATADIR_OK;
}

/* The pid the current holder wrote into the lock file, or 0. */
static pid_t read_holder(int fd) {
  char text[PID_TEXT_MAX] = {0};
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return 0;
  char *end;
  long pid = strtol(text, &end, 10);
  return pid > 0 && (*end == '\n' || *end == '\0') ? (pid_t)pid : 0;
}

/* Replaces the lock file's content with our pid (for the messages of refused openers only). */
static void write_holder(int fd) {
  char text[PID_TEXT_MAX];
  int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n) return;
  /* The lock holds without the pid; a refused opener then says "unknown". */
}

static mg_datadir_err_t take_lock(mg_datadir_t *d, pid_t *holder) {
  d->lock_fd = open(d->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, LOCK_FILE_MODE);
  if (d->lock_fd < 0) return MG_DATADIR_ERR_LOCK_FILE;
  struct stat st;
  if (fstat(d->lock_fd, &st) != 0 || !S_ISREG(st.st_mode)) return MG_DATADIR_ERR_LOCK_FILE;
  while (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return MG_DATADIR_ERR_LOCK_FILE;
    if (holder) *holder = read_holder(d->lock_fd);
    return MG_DATADIR_ERR_IN_USE;
  }
  write_holder(d->lock_fd);
  return MG_DATADIR_OK;
}

mg_datadir_err_t mg_datadir_open(const char *dir, bool make_parents, mg_datadir_t **out, pid_t *holder) {
  if (holder) *holder = 0;
  if (!out) return MG_DATADIR_ERR_ARG;
  *out = NULL;
  if (!dir || !*dir) return MG_DATADIR_ERR_ARG;
  mg_datadir_err_t err = make_private_dir(dir, make_parents);
  if (err) return err;
  mg_datadir_t *d = calloc(1, sizeof *d);
  size_t size = strlen(dir) + sizeof "/" MG_DATADIR_LOCK_FILE;
  if (!d) return MG_DATADIR_ERR_NO_MEMORY;
  d->lock_fd = -1;
  if (!(d->lock_path = malloc(size))) {
    free(d);
    return MG_DATADIR_ERR_NO_MEMORY;
  }
  snprintf(d->lock_path, size, "%s/%s", dir, MG_DATADIR_LOCK_FILE);
  if ((err = take_lock(d, holder)) != MG_DATADIR_OK) {
    int saved = errno;
    mg_datadir_close(d);
    errno = saved;
    return err;
  }
  *out = d;
  return MG_DATADIR_OK;
}

const char *mg_datadir_lock_path(const mg_datadir_t *d) { return d ? d->lock_path : ""; }

void mg_datadir_close(mg_datadir_t *d) {
  if (!d) return;
  if (d->lock_fd >= 0) close(d->lock_fd); /* the lock goes with its only descriptor */
  free(d->lock_path);
  free(d);
}
