#include "devnode/options.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define QUOTE(x) #x
#define QUOTE_VALUE(x) QUOTE(x)

static const char usage_text[] =
    "Usage: devnode [OPTION]...\n"
    "A local development node: it serves the subset of the legacy IOTA node HTTP API that\n"
    "mamgate uses (getNodeInfo, getNodeAPIConfiguration, getTransactionsToApprove,\n"
    "attachToTangle, storeTransactions, broadcastTransactions, findTransactions, getTrytes,\n"
    "checkConsistency), keeps its tangle in SQLite and publishes every newly stored\n"
    "transaction on a ZeroMQ PUB socket (topics tx, trytes, tx_trytes).\n"
    "It is NOT a consensus node: no neighbours, no milestones, no ledger. Use it for\n"
    "development and tests; point real deployments at a real node.\n"
    "\n"
    "Options (each also read from the environment variable shown):\n"
    "  --api HOST:PORT     HTTP API address (DEVNODE_API, default " DEVNODE_DEFAULT_API ")\n"
    "  --zmq ENDPOINT      ZeroMQ PUB endpoint (DEVNODE_ZMQ, default " DEVNODE_DEFAULT_ZMQ ")\n"
    "  --data-dir DIR      tangle database directory (DEVNODE_DATA_DIR,\n"
    "                      default " DEVNODE_DEFAULT_DATA_DIR ")\n"
    "  --mwm N             minimum weight magnitude, 1.." QUOTE_VALUE(DEVNODE_MAX_MWM) "\n"
    "                      (DEVNODE_MWM, default " QUOTE_VALUE(DEVNODE_DEFAULT_MWM) ")\n"
    "  --help              show this help and exit\n"
    "  --version           show the version and exit\n"
    "Flags override the environment. Port 0 (API) or tcp://HOST:* (ZeroMQ) picks a free port;\n"
    "the start-up line on stderr shows the addresses in use. SIGINT or SIGTERM stops the node.\n";

static bool parse_mwm(const char *text, unsigned *mwm) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 1 || v > DEVNODE_MAX_MWM) return false;
  *mwm = (unsigned)v;
  return true;
}

static bool known_option(const char *name) {
  return strcmp(name, "api") == 0 || strcmp(name, "zmq") == 0 || strcmp(name, "data-dir") == 0 ||
         strcmp(name, "mwm") == 0;
}

static bool set_option(devnode_options_t *cfg, const char *name, const char *value, FILE *err) {
  if (*value == '\0') {
    fprintf(err, "devnode: %s needs a non-empty value\n", name);
    return false;
  }
  if (strcmp(name, "api") == 0) {
    cfg->api = value;
  } else if (strcmp(name, "zmq") == 0) {
    cfg->zmq = value;
  } else if (strcmp(name, "data-dir") == 0) {
    cfg->data_dir = value;
  } else if (!parse_mwm(value, &cfg->mwm)) {
    fprintf(err, "devnode: minimum weight magnitude must be 1..%d, not '%s'\n", DEVNODE_MAX_MWM,
            value);
    return false;
  }
  return true;
}

static bool apply_environment(devnode_options_t *cfg, FILE *err) {
  static const char *const names[][2] = {{"DEVNODE_API", "api"},
                                         {"DEVNODE_ZMQ", "zmq"},
                                         {"DEVNODE_DATA_DIR", "data-dir"},
                                         {"DEVNODE_MWM", "mwm"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *value = getenv(names[i][0]);
    if (value != NULL && !set_option(cfg, names[i][1], value, err)) {
      fprintf(err, "devnode: (from %s)\n", names[i][0]);
      return false;
    }
  }
  return true;
}

devnode_options_result_t devnode_options_parse(devnode_options_t *cfg, int argc, char **argv,
                                               FILE *out, FILE *err) {
  *cfg = (devnode_options_t){.api = DEVNODE_DEFAULT_API,
                             .zmq = DEVNODE_DEFAULT_ZMQ,
                             .data_dir = DEVNODE_DEFAULT_DATA_DIR,
                             .mwm = DEVNODE_DEFAULT_MWM};
  if (!apply_environment(cfg, err)) return DEVNODE_OPTIONS_ERROR;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0) {
      fputs(usage_text, out);
      return DEVNODE_OPTIONS_EXIT;
    }
    if (strcmp(arg, "--version") == 0) {
      fprintf(out, "devnode (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return DEVNODE_OPTIONS_EXIT;
    }
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(err, "devnode: unexpected argument '%s' (try --help)\n", arg);
      return DEVNODE_OPTIONS_ERROR;
    }
    char name[16];
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    if (name_len >= sizeof name) name_len = 0;
    memcpy(name, arg + 2, name_len);
    name[name_len] = '\0';
    if (!known_option(name)) {
      fprintf(err, "devnode: unknown option %s (try --help)\n", arg);
      return DEVNODE_OPTIONS_ERROR;
    }
    const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (value == NULL) {
      fprintf(err, "devnode: --%s needs a value\n", name);
      return DEVNODE_OPTIONS_ERROR;
    }
    if (!set_option(cfg, name, value, err)) return DEVNODE_OPTIONS_ERROR;
  }
  return DEVNODE_OPTIONS_RUN;
}
