/* devnode/spawn.h: start and stop a devnode child process, for end-to-end tests.
 *
 * The child listens on free loopback ports (API port 0, ZeroMQ tcp://127.0.0.1:*), so tests can
 * run in parallel; its stderr is appended to <data_dir>/devnode.log, from which the start-up line
 * (with the ports actually bound) is read. */
#ifndef DEVNODE_SPAWN_H
#define DEVNODE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DEVNODE_SPAWN_URL_SIZE 128
#define DEVNODE_SPAWN_PATH_SIZE 4096

typedef struct devnode_proc {
  pid_t pid;
  char api_url[DEVNODE_SPAWN_URL_SIZE]; /* http://127.0.0.1:PORT */
  char zmq_url[DEVNODE_SPAWN_URL_SIZE]; /* tcp://127.0.0.1:PORT */
  char log_path[DEVNODE_SPAWN_PATH_SIZE];
  int exit_status; /* waitpid status when the child exited before its start-up line */
} devnode_proc_t;

/* Runs `binary` on data_dir with the given minimum weight magnitude and waits up to timeout_ms
 * for its start-up line. Returns false (the child killed and reaped) when it does not come up. */
bool devnode_spawn(const char *binary, const char *data_dir, unsigned mwm, long timeout_ms,
                   devnode_proc_t *proc);

/* The same with the child's arguments given (NULL-terminated, at most 32; the environment is
 * inherited) and its log in <log_dir>/devnode.log. */
bool devnode_spawn_args(const char *binary, const char *log_dir, const char *const *args,
                        long timeout_ms, devnode_proc_t *proc);

/* Sends SIGTERM and waits up to timeout_ms, then SIGKILL. Returns the child's exit status, or -1
 * when it had to be killed or did not exit normally. */
int devnode_proc_stop(devnode_proc_t *proc, long timeout_ms);

/* The devnode binary of the build tree: $MAMGATE_BUILDDIR/devnode/devnode (the program is
 * built in its folder, which is also where its objects go), else ./devnode/devnode. */
const char *devnode_binary_path(char *buf, size_t size);

/* Creates a fresh directory under $TMPDIR (or /tmp) into buf. */
bool devnode_temp_dir(char *buf, size_t size);
/* Removes a directory tree (rm -rf). */
bool devnode_remove_dir(const char *path);

#endif
