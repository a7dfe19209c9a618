/* devnode/options.h: devnode's settings from its command line and environment. */
#ifndef DEVNODE_OPTIONS_H
#define DEVNODE_OPTIONS_H

#include <stdio.h>

#define DEVNODE_DEFAULT_API "127.0.0.1:14265"
#define DEVNODE_DEFAULT_ZMQ "tcp://127.0.0.1:5556"
#define DEVNODE_DEFAULT_DATA_DIR "./devnode-data"
#define DEVNODE_DEFAULT_MWM 9
#define DEVNODE_MAX_MWM 20 /* the heaviest proof of work devnode accepts or performs */

typedef struct devnode_options {
  const char *api;      /* host:port of the HTTP API ([v6]:port for IPv6; port 0 = any free) */
  const char *zmq;      /* ZeroMQ endpoint to bind the PUB socket to (tcp://host:* = any port) */
  const char *data_dir; /* directory of the tangle database, created when missing */
  unsigned mwm;         /* minimum weight magnitude of every stored transaction */
} devnode_options_t;

typedef enum devnode_options_result {
  DEVNODE_OPTIONS_RUN,  /* settings complete: start the node */
  DEVNODE_OPTIONS_EXIT, /* --help or --version was answered: exit 0 */
  DEVNODE_OPTIONS_ERROR /* a usage error was printed to `err`: exit 2 */
} devnode_options_result_t;

/* Defaults, then DEVNODE_API, DEVNODE_ZMQ, DEVNODE_DATA_DIR, DEVNODE_MWM from the environment,
 * then the flags --api, --zmq, --data-dir, --mwm (each as `--flag value` or `--flag=value`).
 * The strings point into argv or the environment. Help and version go to `out`. */
devnode_options_result_t devnode_options_parse(devnode_options_t *cfg, int argc, char **argv,
                                               FILE *out, FILE *err);

#endif
