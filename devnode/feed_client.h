/* devnode/feed_client.h: a subscriber to a devnode's ZeroMQ feed, for end-to-end tests. */
#ifndef DEVNODE_FEED_CLIENT_H
#define DEVNODE_FEED_CLIENT_H

/* A SUB socket connected to url and subscribed to every topic devnode publishes (tx, trytes,
 * tx_trytes); NULL when the socket cannot be made. Close it with zmq_close. */
void *devnode_feed_subscribe(void *zmq_ctx, const char *url);

/* The next message within timeout_ms as a NUL-terminated string (the caller frees it), or NULL
 * when none came. devnode sends one frame per message: further parts of a message are read and
 * dropped, and *extra_parts (when not NULL) counts them. */
char *devnode_feed_receive(void *sub, int timeout_ms, int *extra_parts);

#endif
