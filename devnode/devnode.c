/* devnode: a local development node that speaks the legacy IOTA node API and ZeroMQ feed on
 * loopback (see --help). Not a consensus node. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "devnode/api.h"
#include "devnode/feed.h"
#include "devnode/options.h"
#include "devnode/server.h"
#include "devnode/store.h"

#define WHY_SIZE 512

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* Handlers only record the signal. SIGINT/SIGTERM stay blocked in every thread (the server's
 * threads inherit the mask) and are taken by the main thread in sigsuspend. */
static void install_signals(sigset_t *wait_mask) {
  struct sigaction sa = {.sa_handler = on_stop_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, wait_mask);
  sigdelset(wait_mask, SIGINT);
  sigdelset(wait_mask, SIGTERM);
}

typedef struct node {
  devnode_store_t *store;
  devnode_feed_t *feed;
  devnode_api_t *api;
  devnode_server_t *server;
  atomic_int stop; /* interrupts proof of work in progress */
} node_t;

static void node_stop(node_t *n) {
  atomic_store(&n->stop, 1);
  devnode_server_stop(n->server);
  devnode_api_free(n->api);
  devnode_feed_close(n->feed);
  devnode_store_close(n->store);
}

static int node_start(node_t *n, const devnode_options_t *cfg) {
  char why[WHY_SIZE] = "out of memory";
  atomic_init(&n->stop, 0);
  if ((n->store = devnode_store_open(cfg->data_dir, why, sizeof why)) == NULL ||
      (n->feed = devnode_feed_open(cfg->zmq, why, sizeof why)) == NULL ||
      (n->api = devnode_api_new(n->store, n->feed, cfg->mwm, &n->stop)) == NULL ||
      (n->server = devnode_server_start(cfg->api, n->api, why, sizeof why)) == NULL) {
    fprintf(stderr, "devnode: %s\n", why);
    node_stop(n);
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
  devnode_options_t cfg;
  switch (devnode_options_parse(&cfg, argc, argv, stdout, stderr)) {
    case DEVNODE_OPTIONS_EXIT: return EXIT_SUCCESS;
    case DEVNODE_OPTIONS_ERROR: return 2;
    case DEVNODE_OPTIONS_RUN: break;
  }
  sigset_t wait_mask;
  install_signals(&wait_mask);
  node_t node = {0};
  if (node_start(&node, &cfg) != EXIT_SUCCESS) return EXIT_FAILURE;
  char *data_dir = realpath(cfg.data_dir, NULL); /* the log names the directory in use */
  fprintf(stderr,
          "devnode: listening api=%s zmq=%s data-dir=%s mwm=%u (development node, not a "
          "consensus node)\n",
          devnode_server_url(node.server), devnode_feed_endpoint(node.feed),
          data_dir ? data_dir : cfg.data_dir, cfg.mwm);
  free(data_dir);
  while (!stop_signal) sigsuspend(&wait_mask);
  node_stop(&node);
  fprintf(stderr, "devnode: stopped on signal %d\n", (int)stop_signal);
  return EXIT_SUCCESS;
}
