/* zmq/publisher.h: the gateway's own PUB socket for decoded messages (design "ZeroMQ output").
 * Each message is two frames: the topic ("mam <CHANNEL_ID>") and a JSON body. One thread owns a
 * publisher. */
#ifndef ZMQ_PUBLISHER_H
#define ZMQ_PUBLISHER_H

#include <stddef.h>

typedef struct mg_zpub mg_zpub_t;

/* Binds a PUB socket to endpoint (e.g. tcp://127.0.0.1:5557). 0 or -1 (errno set by libzmq). */
int mg_zpub_open(void *zmq_ctx, const char *endpoint, mg_zpub_t **out);
/* The endpoint actually bound, NUL-terminated (e.g. the port chosen for "tcp://127.0.0.1:*").
 * 0 or -1 (errno set; EINVAL when size is too small). */
int mg_zpub_endpoint(const mg_zpub_t *pub, char *buf, size_t size);
/* Sends topic and body as two frames without blocking (a slow subscriber loses messages at the
 * high-water mark, as PUB sockets do). 0 or -1. */
int mg_zpub_send(mg_zpub_t *pub, const char *topic, const char *body, size_t body_len);
void mg_zpub_close(mg_zpub_t *pub);

#endif
