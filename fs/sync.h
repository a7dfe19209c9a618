/* fs/sync.h: making a new name in a directory durable. */
#ifndef FS_SYNC_H
#define FS_SYNC_H

#include "mamcore/api.h"

/* fsync of the directory that holds path (the current directory for a bare name), so that a file
 * just created or renamed there keeps its name after a crash or a power loss. 0, or -1 with errno
 * set (ENAMETOOLONG for a path longer than PATH_MAX). */
int mg_fs_sync_parent_dir(const char *path) MAM_WARN_UNUSED;

#endif
