/* fs/sync.c: see fs/sync.h. */
#include "fs/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int mg_fs_sync_parent_dir(const char *path) {
  char copy[PATH_MAX];
  if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy) return errno = ENAMETOOLONG, -1;
  int dir = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  int rc = fsync(dir);
  int saved = errno;
  close(dir);
  errno = saved;
  return rc;
}
