/* mamgated: the host of mamgate plugins. It gathers the options (file, environment, flags), loads
 * each plugin, and runs until SIGINT or SIGTERM, then stops the plugins in reverse order. */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "host/loader.h"
#include "host/log.h"
#include "host/notify.h"
#include "host/options.h"

extern char **environ;

#define EXIT_USAGE 2
#define ERROR_TEXT_SIZE 4352 /* a path of PATH_MAX bytes and a message */
#define DEFAULT_CONFIG "mamgate.conf"
/* Where `make install` puts them (the build passes MGD_SYSCONFDIR and MGD_PKGLIBDIR). */
#define INSTALLED_CONFIG MGD_SYSCONFDIR "/mamgate/mamgate.conf"
#define INSTALLED_PLUGIN MGD_PKGLIBDIR "/mamgate.so"
/* The plugin of the build tree, from host/mamgated: mamgated runs uninstalled too. */
#define BUILD_TREE_PLUGIN_FROM_EXEDIR "/../plugin/.libs/mamgate.so"
#define SHUTDOWN_POLL_NS 50000000L /* how often the main thread looks whether cleanup is over */

typedef enum args_result { ARGS_RUN, ARGS_DONE, ARGS_USAGE_ERROR, ARGS_NO_MEMORY } args_result_t;

/* The command line, and MAMGATE_PLUGIN as the first plugin. */
typedef struct args {
  const char *config; /* -c FILE, or NULL */
  int check_only;     /* --check-config */
  const char **plugins;
  size_t n_plugins;
  const char **sets; /* --set KEY=VALUE, in order */
  size_t n_sets;
} args_t;

/* <directory of this executable>/../plugin/.libs/mamgate.so, allocated; NULL when unknown. */
static char *build_tree_plugin_path(void) {
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return NULL;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return NULL;
  *slash = '\0';
  size_t size = strlen(exe) + sizeof BUILD_TREE_PLUGIN_FROM_EXEDIR;
  char *path = malloc(size);
  if (path) snprintf(path, size, "%s%s", exe, BUILD_TREE_PLUGIN_FROM_EXEDIR);
  return path;
}

static void print_help(void) {
  printf("Usage: mamgated [-c FILE] [--plugin PATH ...] [--set KEY=VALUE ...] [--check-config]\n"
         "Loads mamgate plugins and runs them until SIGINT or SIGTERM.\n"
         "\n"
         "  -c, --config FILE    read options from FILE (default: ./" DEFAULT_CONFIG ", else\n"
         "                       " INSTALLED_CONFIG ", when it exists): lines 'key = value',\n"
         "                       '#' comments, \"quoted\" values keep spaces (see mamgate.conf(5))\n"
         "      --plugin PATH    load the plugin at PATH (repeatable; default:\n"
         "                       " INSTALLED_PLUGIN ",\n"
         "                       else the build tree's plugin beside this program)\n"
         "      --set KEY=VALUE  set an option (repeatable)\n"
         "      --check-config   check the options (file, environment, --set) with each plugin,\n"
         "                       without starting anything, and exit\n"
         "  -h, --help           show this help and exit\n"
         "      --version        show the version and exit\n"
         "\n"
         "Environment:\n"
         "  MAMGATE_<KEY>        sets option <key> (lower-cased), e.g. MAMGATE_HTTP, MAMGATE_NODE_API,\n"
         "                       MAMGATE_NODE_ZMQ, MAMGATE_ZMQ_PUB, MAMGATE_DATA_DIR, MAMGATE_TOKEN,\n"
         "                       MAMGATE_MWM; a key the plugin does not know stops the start\n"
         "  " MGD_ENV_PLUGIN "       a plugin to load before those of --plugin\n"
         "  MAMGATE_BUILDDIR, MAMGATE_SRCDIR, MAMGATE_VECTORS_DIR, MAMGATE_TEST_*  not options: left to the\n"
         "  test scripts\n"
         "\n"
         "The environment overrides the file and --set overrides both. The plugin checks the options\n"
         "(see the README's configuration reference). Log lines go to stderr.\n"
         "When systemd started it (Type=notify), mamgated reports readiness once every plugin runs.\n"
         "Exit status: 0 after a clean stop (or a valid configuration), 1 when a plugin fails to\n"
         "load, start or stop, 2 for a bad command line or configuration.\n");
}

static args_result_t usage_error(void) {
  fprintf(stderr, "Try 'mamgated --help'.\n");
  return ARGS_USAGE_ERROR;
}

static args_result_t parse_args(int argc, char **argv, args_t *args) {
  static const struct option long_options[] = {{"config", required_argument, NULL, 'c'},
                                               {"plugin", required_argument, NULL, 'p'},
                                               {"set", required_argument, NULL, 's'},
                                               {"check-config", no_argument, NULL, 'k'},
                                               {"help", no_argument, NULL, 'h'},
                                               {"version", no_argument, NULL, 'V'},
                                               {NULL, 0, NULL, 0}};
  *args = (args_t){0};
  args->plugins = calloc((size_t)argc + 1, sizeof *args->plugins);
  args->sets = calloc((size_t)argc + 1, sizeof *args->sets);
  if (!args->plugins || !args->sets) return ARGS_NO_MEMORY;
  const char *env_plugin = getenv(MGD_ENV_PLUGIN);
  if (env_plugin && *env_plugin) args->plugins[args->n_plugins++] = env_plugin;
  int opt;
  while ((opt = getopt_long(argc, argv, "c:h", long_options, NULL)) != -1) {
    switch (opt) {
      case 'c': args->config = optarg; break;
      case 'p': args->plugins[args->n_plugins++] = optarg; break;
      case 's': args->sets[args->n_sets++] = optarg; break;
      case 'k': args->check_only = 1; break;
      case 'h': print_help(); return ARGS_DONE;
      case 'V': printf("mamgated (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return ARGS_DONE;
      default: return usage_error();
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mamgated: unexpected argument '%s'\n", argv[optind]);
    return usage_error();
  }
  return ARGS_RUN;
}

static void free_args(args_t *args) {
  free(args->plugins);
  free(args->sets);
}

/* The -c file, else ./mamgate.conf or the installed one when it exists, else NULL. */
static const char *config_file(const args_t *args) {
  if (args->config) return args->config;
  if (access(DEFAULT_CONFIG, F_OK) == 0) return DEFAULT_CONFIG;
  return access(INSTALLED_CONFIG, F_OK) == 0 ? INSTALLED_CONFIG : NULL;
}

/* Options from the file, then the environment, then --set. Returns an exit status. */
static int gather_options(const args_t *args, mgd_opts_t *opts) {
  char err[ERROR_TEXT_SIZE] = "";
  const char *file = config_file(args);
  mgd_opts_status_t status = file ? mgd_opts_read_file(opts, file, err, sizeof err) : MGD_OPTS_OK;
  if (status == MGD_OPTS_OK) status = mgd_opts_read_env(opts, environ);
  for (size_t i = 0; i < args->n_sets && status == MGD_OPTS_OK; i++)
    status = mgd_opts_read_flag(opts, args->sets[i], "--set", err, sizeof err);
  switch (status) {
    case MGD_OPTS_OK: return EXIT_SUCCESS;
    case MGD_OPTS_NO_MEMORY: fprintf(stderr, "mamgated: out of memory\n"); return EXIT_FAILURE;
    case MGD_OPTS_SYNTAX:
    case MGD_OPTS_IO: fprintf(stderr, "mamgated: %s\n", err); return EXIT_USAGE;
  }
  return EXIT_FAILURE;
}

/* With no plugin named, the installed one, else the build tree's. Returns an exit status. */
static int choose_default_plugin(args_t *args, char **build_tree_path) {
  if (args->n_plugins > 0) return EXIT_SUCCESS;
  if (access(INSTALLED_PLUGIN, F_OK) == 0) {
    args->plugins[args->n_plugins++] = INSTALLED_PLUGIN;
    return EXIT_SUCCESS;
  }
  *build_tree_path = build_tree_plugin_path();
  if (*build_tree_path && access(*build_tree_path, F_OK) == 0) {
    args->plugins[args->n_plugins++] = *build_tree_path;
    return EXIT_SUCCESS;
  }
  fprintf(stderr, "mamgated: no plugin to load: give --plugin PATH or " MGD_ENV_PLUGIN
          " (neither " INSTALLED_PLUGIN " nor the build tree's plugin exists)\n");
  return EXIT_USAGE;
}

/* Has each plugin check the options. Returns 0 when all accept them, 2 when one refuses them,
 * 1 when one cannot check them. */
static int check_config(const args_t *args, const mgd_opts_t *opts) {
  int status = EXIT_SUCCESS;
  for (size_t i = 0; i < args->n_plugins; i++) {
    mgd_check_t result = mgd_plugin_check(args->plugins[i], opts->items, (int)opts->count);
    if (result == MGD_CHECK_FAILED) status = EXIT_FAILURE;
    else if (result == MGD_CHECK_INVALID && status == EXIT_SUCCESS) status = EXIT_USAGE;
  }
  const char *file = config_file(args);
  if (status == EXIT_SUCCESS)
    printf("mamgated: configuration valid (%s%s, %zu option%s, %zu plugin%s)\n", file ? "file " : "no file",
           file ? file : "", opts->count, opts->count == 1 ? "" : "s", args->n_plugins, args->n_plugins == 1 ? "" : "s");
  return status;
}

/* SIGINT and SIGTERM stay blocked in every thread (plugin threads inherit the mask) and the main
 * thread takes them with sigwait, so no handler ever runs. An inherited SIG_IGN would discard
 * them, hence the default disposition once they are blocked. Plugins write to sockets: no SIGPIPE. */
static void block_stop_signals(sigset_t *stop_signals) {
  sigemptyset(stop_signals);
  sigaddset(stop_signals, SIGINT);
  sigaddset(stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, stop_signals, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
}

static const char *signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal"; }

/* Stops plugins[n-1] .. plugins[0]; returns 1 when a cleanup failed, else 0. */
static int stop_plugins(mgd_plugin_t **plugins, size_t n) {
  int failed = 0;
  while (n > 0)
    if (mgd_plugin_stop(plugins[--n]) != 0) failed = 1;
  return failed;
}

/* Starts each plugin in turn; returns how many started (all, or those before the one that failed). */
static size_t start_plugins(const args_t *args, const mgd_opts_t *opts, mgd_plugin_t **plugins) {
  for (size_t i = 0; i < args->n_plugins; i++)
    if (!(plugins[i] = mgd_plugin_start(args->plugins[i], opts->items, (int)opts->count))) return i;
  return args->n_plugins;
}

typedef struct shutdown {
  mgd_plugin_t **plugins;
  size_t n;
  int failed;
  atomic_bool done;
} shutdown_t;

static void *shutdown_thread(void *arg) {
  shutdown_t *s = arg;
  s->failed = stop_plugins(s->plugins, s->n);
  atomic_store(&s->done, true);
  return NULL;
}

/* Stops the plugins on a helper thread while the main thread logs (and ignores) further stop
 * signals. Returns 1 when a cleanup failed, else 0. */
static int shut_down(mgd_plugin_t **plugins, size_t n, const sigset_t *stop_signals) {
  shutdown_t s = {.plugins = plugins, .n = n};
  atomic_init(&s.done, false);
  pthread_t thread;
  if (pthread_create(&thread, NULL, shutdown_thread, &s) != 0) {
    mgd_log(MGD_LOG_HOST, MAMGATE_LOG_WARNING, "cannot start the shutdown thread; stopping without it");
    return stop_plugins(plugins, n);
  }
  const struct timespec poll = {.tv_nsec = SHUTDOWN_POLL_NS};
  while (!atomic_load(&s.done)) {
    int sig = sigtimedwait(stop_signals, NULL, &poll);
    if (sig > 0) mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_WARNING, "%s received during shutdown; ignored", signal_name(sig));
  }
  pthread_join(thread, NULL);
  return s.failed;
}

static int wait_for_stop_signal(const sigset_t *stop_signals) {
  int sig;
  return sigwait(stop_signals, &sig) == 0 ? sig : SIGTERM;
}

/* Loads the plugins, waits for a stop signal and stops them. Returns the exit status. */
static int run(const args_t *args, const mgd_opts_t *opts) {
  mgd_plugin_t **plugins = calloc(args->n_plugins, sizeof *plugins);
  if (!plugins) {
    fprintf(stderr, "mamgated: out of memory\n");
    return EXIT_FAILURE;
  }
  sigset_t stop_signals;
  block_stop_signals(&stop_signals);
  size_t started = start_plugins(args, opts, plugins);
  if (started < args->n_plugins) {
    stop_plugins(plugins, started);
    free(plugins);
    return EXIT_FAILURE;
  }
  mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_INFO, "running %zu plugin%s; SIGINT or SIGTERM stops", started,
           started == 1 ? "" : "s");
  mgd_notify_ready();
  int sig = wait_for_stop_signal(&stop_signals);
  mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_INFO, "%s received; stopping", signal_name(sig));
  mgd_notify_stopping();
  int failed = shut_down(plugins, started, &stop_signals);
  free(plugins);
  mgd_log(MGD_LOG_HOST, failed ? MAMGATE_LOG_ERROR : MAMGATE_LOG_INFO,
          failed ? "stopped; a plugin's cleanup failed" : "stopped");
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Gathers the options and the plugin list, then runs. Returns the exit status. */
static int configure_and_run(args_t *args) {
  mgd_opts_t opts = {0};
  char *build_tree_path = NULL;
  int status = gather_options(args, &opts);
  if (status == EXIT_SUCCESS) status = choose_default_plugin(args, &build_tree_path);
  if (status == EXIT_SUCCESS) status = args->check_only ? check_config(args, &opts) : run(args, &opts);
  mgd_opts_free(&opts);
  free(build_tree_path);
  return status;
}

int main(int argc, char **argv) {
  mgd_log_init();
  args_t args;
  int status = EXIT_FAILURE;
  switch (parse_args(argc, argv, &args)) {
    case ARGS_RUN: status = configure_and_run(&args); break;
    case ARGS_DONE: status = EXIT_SUCCESS; break;
    case ARGS_USAGE_ERROR: status = EXIT_USAGE; break;
    case ARGS_NO_MEMORY: fprintf(stderr, "mamgated: out of memory\n"); break;
  }
  free_args(&args);
  return status;
}
