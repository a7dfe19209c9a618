#include "devnode/feed.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ENDPOINT_SIZE 256
#define SEND_HWM 10000 /* messages queued per subscriber before ZeroMQ drops */
#define TX_MESSAGE_SIZE 640
#define TRYTES_MESSAGE_SIZE (sizeof "tx_trytes " + TANGLE_TX_TRYTES + 1 + TANGLE_TX_HASH_TRYTES)

struct devnode_feed {
  void *ctx;
  void *socket;
  char endpoint[ENDPOINT_SIZE];
  pthread_mutex_t lock; /* a ZeroMQ socket is not thread-safe */
};

devnode_feed_t *devnode_feed_open(const char *endpoint, char *why, size_t why_size) {
  devnode_feed_t *f = calloc(1, sizeof *f);
  if (f == NULL) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&f->lock, NULL);
  int linger = 0, hwm = SEND_HWM;
  size_t len = sizeof f->endpoint;
  f->ctx = zmq_ctx_new();
  f->socket = f->ctx ? zmq_socket(f->ctx, ZMQ_PUB) : NULL;
  if (f->socket == NULL || zmq_setsockopt(f->socket, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_setsockopt(f->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
      zmq_bind(f->socket, endpoint) != 0 ||
      zmq_getsockopt(f->socket, ZMQ_LAST_ENDPOINT, f->endpoint, &len) != 0) {
    snprintf(why, why_size, "cannot bind ZeroMQ PUB socket to %s: %s", endpoint,
             zmq_strerror(zmq_errno()));
    devnode_feed_close(f);
    return NULL;
  }
  return f;
}

void devnode_feed_close(devnode_feed_t *f) {
  if (f == NULL) return;
  if (f->socket) zmq_close(f->socket);
  if (f->ctx) zmq_ctx_term(f->ctx);
  pthread_mutex_destroy(&f->lock);
  free(f);
}

const char *devnode_feed_endpoint(const devnode_feed_t *f) { return f->endpoint; }

/* Field order of spec 1.3: hash, address, value, obsoleteTag, timestamp, currentIndex,
 * lastIndex, bundle, trunk, branch, arrival time (ms, as IRI), tag. */
size_t devnode_feed_format_tx(const devnode_tx_t *tx, char *out, size_t size) {
  int n = snprintf(
      out, size,
      "tx %s %s %" PRId64 " %s %" PRId64 " %" PRId64 " %" PRId64 " %s %s %s %" PRId64 " %s",
      tx->hash, tx->address, tx->value, tx->obsolete_tag, tx->timestamp, tx->current_index,
      tx->last_index, tx->bundle, tx->trunk, tx->branch, tx->arrival_ms, tx->tag);
  return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static size_t format_trytes(const char *topic, const devnode_tx_t *tx, char *out, size_t size) {
  int n = snprintf(out, size, "%s %s %s", topic, tx->trytes, tx->hash);
  return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

bool devnode_feed_publish(devnode_feed_t *f, const devnode_tx_t *tx) {
  char tx_msg[TX_MESSAGE_SIZE];
  char trytes_msg[TRYTES_MESSAGE_SIZE], tx_trytes_msg[TRYTES_MESSAGE_SIZE];
  size_t tx_len = devnode_feed_format_tx(tx, tx_msg, sizeof tx_msg);
  size_t trytes_len = format_trytes("trytes", tx, trytes_msg, sizeof trytes_msg);
  size_t tx_trytes_len = format_trytes("tx_trytes", tx, tx_trytes_msg, sizeof tx_trytes_msg);
  if (tx_len == 0 || trytes_len == 0 || tx_trytes_len == 0) return false;
  pthread_mutex_lock(&f->lock);
  bool ok = zmq_send(f->socket, tx_msg, tx_len, 0) >= 0 &&
            zmq_send(f->socket, trytes_msg, trytes_len, 0) >= 0 &&
            zmq_send(f->socket, tx_trytes_msg, tx_trytes_len, 0) >= 0;
  pthread_mutex_unlock(&f->lock);
  return ok;
}
