/* zmq/publisher.c: the gateway's PUB socket for decoded messages (two frames per message). */
#include "zmq/publisher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct mg_zpub {
  void *pub;
};

int mg_zpub_open(void *zmq_ctx, const char *endpoint, mg_zpub_t **out) {
  if (out == NULL) {
    errno = EINVAL;
    return -1;
  }
  *out = NULL;
  if (zmq_ctx == NULL || endpoint == NULL) {
    errno = EINVAL;
    return -1;
  }
  mg_zpub_t *p = calloc(1, sizeof *p);
  if (p == NULL) return -1;
  int linger = 0; /* cleanup must not wait for slow subscribers */
  p->pub = zmq_socket(zmq_ctx, ZMQ_PUB);
  if (p->pub == NULL || zmq_setsockopt(p->pub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_bind(p->pub, endpoint) != 0) {
    int saved = zmq_errno();
    mg_zpub_close(p);
    errno = saved;
    return -1;
  }
  *out = p;
  return 0;
}

int mg_zpub_endpoint(const mg_zpub_t *pub, char *buf, size_t size) {
  if (pub == NULL || buf == NULL || size == 0) {
    errno = EINVAL;
    return -1;
  }
  size_t len = size;
  return zmq_getsockopt(pub->pub, ZMQ_LAST_ENDPOINT, buf, &len) == 0 ? 0 : -1;
}

int mg_zpub_send(mg_zpub_t *pub, const char *topic, const char *body, size_t body_len) {
  if (pub == NULL || topic == NULL || (body == NULL && body_len > 0)) {
    errno = EINVAL;
    return -1;
  }
  /* A PUB socket sends a multipart message atomically: subscribers get both frames or none. */
  if (zmq_send(pub->pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) return -1;
  return zmq_send(pub->pub, body_len > 0 ? body : "", body_len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

void mg_zpub_close(mg_zpub_t *pub) {
  if (pub == NULL) return;
  if (pub->pub != NULL) zmq_close(pub->pub);
  free(pub);
}
