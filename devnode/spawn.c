#define _XOPEN_SOURCE 700 /* nftw */
#include "devnode/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define POLL_MS 10
#define START_MARK "devnode: listening "

static void sleep_ms(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

const char *devnode_binary_path(char *buf, size_t size) {
  const char *dir = getenv("MAMGATE_BUILDDIR");
  snprintf(buf, size, "%s/devnode/devnode", dir ? dir : ".");
  return buf;
}

static off_t file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Copies the value of " key=" in line into out (up to the next blank). */
static bool field_value(const char *line, const char *key, char *out, size_t size) {
  const char *p = strstr(line, key);
  if (p == NULL) return false;
  p += strlen(key);
  size_t len = strcspn(p, " \n");
  if (len == 0 || len >= size) return false;
  memcpy(out, p, len);
  out[len] = '\0';
  return true;
}

/* Looks for the start-up line written after byte `from` of the log. */
static bool read_start_line(devnode_proc_t *proc, off_t from) {
  FILE *f = fopen(proc->log_path, "r");
  if (f == NULL) return false;
  bool found = false;
  char line[1024];
  if (fseeko(f, from, SEEK_SET) == 0) {
    while (!found && fgets(line, sizeof line, f) != NULL) {
      found = strncmp(line, START_MARK, strlen(START_MARK)) == 0 && strchr(line, '\n') &&
              field_value(line, " api=", proc->api_url, sizeof proc->api_url) &&
              field_value(line, " zmq=", proc->zmq_url, sizeof proc->zmq_url);
    }
  }
  fclose(f);
  return found;
}

#define MAX_ARGS 32

static pid_t start_child(const char *binary, const char *const *args, const char *log_path) {
  const char *argv[MAX_ARGS + 2] = {binary};
  size_t n = 0;
  while (n < MAX_ARGS && args[n] != NULL) argv[1 + n] = args[n], n++;
  if (args[n] != NULL) return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
#ifdef __linux__
  /* The node must not outlive a test process that crashes or is killed on time-out. */
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(127);
#else
  (void)parent;
#endif
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) dup2(fd, STDERR_FILENO);
  execv(binary, (char *const *)argv);
  static const char failed[] = "devnode_spawn: exec failed\n";
  (void)!write(STDERR_FILENO, failed, sizeof failed - 1);
  _exit(127);
}

bool devnode_spawn_args(const char *binary, const char *log_dir, const char *const *args,
                        long timeout_ms, devnode_proc_t *proc) {
  memset(proc, 0, sizeof *proc);
  mkdir(log_dir, 0755);
  snprintf(proc->log_path, sizeof proc->log_path, "%s/devnode.log", log_dir);
  off_t from = file_size(proc->log_path);
  proc->pid = start_child(binary, args, proc->log_path);
  if (proc->pid < 0) return false;
  for (long waited = 0; waited <= timeout_ms; waited += POLL_MS) {
    if (read_start_line(proc, from)) return true;
    if (waitpid(proc->pid, &proc->exit_status, WNOHANG) == proc->pid) {
      proc->pid = 0;
      return false;
    }
    sleep_ms(POLL_MS);
  }
  kill(proc->pid, SIGKILL);
  waitpid(proc->pid, NULL, 0);
  proc->pid = 0;
  return false;
}

bool devnode_spawn(const char *binary, const char *data_dir, unsigned mwm, long timeout_ms,
                   devnode_proc_t *proc) {
  char mwm_text[16];
  snprintf(mwm_text, sizeof mwm_text, "%u", mwm);
  const char *const args[] = {"--api",      "127.0.0.1:0", "--zmq", "tcp://127.0.0.1:*",
                              "--data-dir", data_dir,      "--mwm", mwm_text,
                              NULL};
  return devnode_spawn_args(binary, data_dir, args, timeout_ms, proc);
}

int devnode_proc_stop(devnode_proc_t *proc, long timeout_ms) {
  if (proc->pid <= 0) return -1;
  int status = 0;
  kill(proc->pid, SIGTERM);
  pid_t done = 0;
  for (long waited = 0; done == 0 && waited <= timeout_ms; waited += POLL_MS) {
    done = waitpid(proc->pid, &status, WNOHANG);
    if (done == 0) sleep_ms(POLL_MS);
  }
  if (done == 0) {
    kill(proc->pid, SIGKILL);
    waitpid(proc->pid, NULL, 0);
  }
  proc->pid = 0;
  return done == 0 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

bool devnode_temp_dir(char *buf, size_t size) {
  const char *base = getenv("TMPDIR");
  snprintf(buf, size, "%s/devnode-test-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(buf) != NULL;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

bool devnode_remove_dir(const char *path) {
  return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0;
}
