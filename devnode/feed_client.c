#include "devnode/feed_client.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void *devnode_feed_subscribe(void *zmq_ctx, const char *url) {
  static const char *const topics[] = {"tx ", "trytes ", "tx_trytes "};
  void *sub = zmq_socket(zmq_ctx, ZMQ_SUB);
  int linger = 0;
  bool ok = sub && zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger) == 0;
  for (size_t i = 0; ok && i < sizeof topics / sizeof *topics; i++)
    ok = zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i])) == 0;
  if (ok && zmq_connect(sub, url) == 0) return sub;
  if (sub) zmq_close(sub);
  return NULL;
}

char *devnode_feed_receive(void *sub, int timeout_ms, int *extra_parts) {
  if (extra_parts) *extra_parts = 0;
  if (zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0) return NULL;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  char *copy = NULL;
  if (zmq_msg_recv(&msg, sub, 0) >= 0 && (copy = malloc(zmq_msg_size(&msg) + 1)) != NULL) {
    memcpy(copy, zmq_msg_data(&msg), zmq_msg_size(&msg));
    copy[zmq_msg_size(&msg)] = '\0';
    while (zmq_msg_more(&msg) && zmq_msg_recv(&msg, sub, 0) >= 0)
      if (extra_parts) ++*extra_parts;
  }
  zmq_msg_close(&msg);
  return copy;
}
