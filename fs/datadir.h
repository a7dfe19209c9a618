/* fs/datadir.h: a data directory that one process owns for its whole life.
 *
 * The directory is created owner-only (0700; an existing one is restricted to the owner) and an
 * exclusive flock(2) is taken on its `lock` file, on a descriptor kept open until
 * mg_datadir_close. flock locks belong to the open file description, not to the process, so
 * unlike POSIX record locks they survive any other descriptor of the file being closed, and a
 * second opener in the same process is refused too. The holder's pid is written into the lock
 * file so that a refused opener can name it. The kernel drops the lock when the holder dies. */
#ifndef FS_DATADIR_H
#define FS_DATADIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mamcore/api.h"

#define MG_DATADIR_LOCK_FILE "lock"

typedef enum mg_datadir_err {
  MG_DATADIR_OK = 0,
  MG_DATADIR_ERR_ARG,       /* no path */
  MG_DATADIR_ERR_NO_MEMORY,
  MG_DATADIR_ERR_CREATE,    /* the directory (or a parent) cannot be created */
  MG_DATADIR_ERR_NOT_DIR,   /* the path exists and is not a directory */
  MG_DATADIR_ERR_MODE,      /* the directory cannot be made owner-only */
  MG_DATADIR_ERR_LOCK_FILE, /* the lock file cannot be opened, or is not a regular file */
  MG_DATADIR_ERR_IN_USE,    /* another process (or handle) holds the lock */
  MG_DATADIR_ERR__COUNT
} mg_datadir_err_t;

typedef struct mg_datadir mg_datadir_t;

const char *mg_datadir_strerror(mg_datadir_err_t err);

/* Creates dir if missing (mode 0700; missing parents 0755 when make_parents), makes it owner-only
 * and locks it. On MG_DATADIR_ERR_IN_USE, *holder (may be NULL) is the pid the holder wrote, or 0
 * when it cannot be read; on other errors errno tells the cause. */
mg_datadir_err_t mg_datadir_open(const char *dir, bool make_parents, mg_datadir_t **out, pid_t *holder)
    MAM_WARN_UNUSED;

/* Why mg_datadir_open refused dir, as one line for a log or an error (never NULL input): on
 * MG_DATADIR_ERR_IN_USE "the data directory DIR is in use: process PID holds its lock DIR/lock
 * (one data directory serves one process)" (or "another process" when holder is 0), else the
 * error and strerror(errnum). Truncated to fit out_len. */
void mg_datadir_refusal(const char *dir, mg_datadir_err_t err, pid_t holder, int errnum, char *out, size_t out_len);

/* The lock file's path (for messages). */
const char *mg_datadir_lock_path(const mg_datadir_t *d);

/* Releases the lock (closing its descriptor) and frees the handle. NULL is a no-op. */
void mg_datadir_close(mg_datadir_t *d);

#endif
