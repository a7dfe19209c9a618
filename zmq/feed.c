/* zmq/feed.c: the node's transaction feed - frame parser and libzmq SUB socket with a monitor. */
#include "zmq/feed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MONITOR_ENDPOINT_SIZE 64
#define MONITOR_EVENTS \
  (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_DELAYED | ZMQ_EVENT_CONNECT_RETRIED)
/* While the node is away libzmq retries every 100 ms and says so. After a protocol error (a
 * message past the size limit, say) it ends the session for good without a word: a feed that has
 * been disconnected and silent this long is opened again. */
#define FEED_SILENT_REOPEN_MS 2000
/* A monitor event's first frame: a 16-bit event id and a 32-bit value (libzmq 4.x). */
#define MONITOR_EVENT_FRAME 6

/* ---- parser ---- */

static const char *const feed_errors[MG_FEED_ERR__COUNT] = {
    [MG_FEED_OK] = "success",
    [MG_FEED_TIMEOUT] = "no frame within the time-out",
    [MG_FEED_NOT_TX] = "not a transaction topic",
    [MG_FEED_ERR_FORMAT] = "malformed frame (fields or separators)",
    [MG_FEED_ERR_LENGTH] = "wrong field or frame length",
    [MG_FEED_ERR_TRYTES] = "character outside 9A-Z",
    [MG_FEED_ERR_SOCKET] = "ZeroMQ socket error",
    [MG_FEED_ERR_NO_MEMORY] = "out of memory",
};

const char *mg_feed_strerror(mg_feed_err_t err) {
  if ((unsigned)err >= MG_FEED_ERR__COUNT) return "unknown feed error";
  return feed_errors[err];
}

/* 1 for a character outside 9A-Z. */
static unsigned bad_tryte(unsigned char c) {
  return (unsigned)((unsigned char)(c - 'A') > 'Z' - 'A') & (unsigned)(c != '9');
}

/* 16 characters at once: 0xff where a character is in 9A-Z. */
typedef unsigned char bytes16_t __attribute__((vector_size(16)));
static inline bytes16_t good_trytes16(const char *s) {
  bytes16_t v;
  memcpy(&v, s, sizeof v);
  return (bytes16_t)((v - (unsigned char)'A' <= (unsigned char)('Z' - 'A')) | (v == (unsigned char)'9'));
}

/* True when the n characters are all in 9A-Z. Every frame's 2754 trytes pass through here, so it
 * checks 32 at a time without branches (SSE2 on x86-64) and gathers the verdicts in registers,
 * combined once at the end; the last blocks overlap those before when n is not a multiple of 32. */
static bool trytes_ok(const char *s, size_t n) {
  enum { BLOCK = sizeof(bytes16_t) };
  if (n < 2 * BLOCK) {
    unsigned bad = 0;
    for (size_t k = 0; k < n; k++) bad |= bad_tryte((unsigned char)s[k]);
    return bad == 0;
  }
  bytes16_t good0 = good_trytes16(s + n - 2 * BLOCK), good1 = good_trytes16(s + n - BLOCK);
  for (size_t i = 0; i + 2 * BLOCK <= n; i += 2 * BLOCK) {
    good0 &= good_trytes16(s + i);
    good1 &= good_trytes16(s + i + BLOCK);
  }
  uint64_t halves[2];
  good0 &= good1;
  memcpy(halves, &good0, sizeof halves);
  return (halves[0] & halves[1]) == UINT64_MAX;
}

static bool token_is(const char *tok, size_t len, const char *word) {
  return len == strlen(word) && memcmp(tok, word, len) == 0;
}

/* Splits [p, end) at the first space: the field is [p, *field_end); *next is after the space or
 * NULL when the field runs to the end. */
static void split_field(const char *p, const char *end, const char **field_end, const char **next) {
  const char *sp = memchr(p, ' ', (size_t)(end - p));
  *field_end = sp ? sp : end;
  *next = sp ? sp + 1 : NULL;
}

mg_feed_err_t mg_feed_parse(const char *frame, size_t len, mg_feed_tx_t *out) {
  if (out == NULL || (frame == NULL && len > 0)) return MG_FEED_ERR_FORMAT;
  if (len == 0) return MG_FEED_NOT_TX;
  const char *end = frame + len, *topic_end, *p;
  split_field(frame, end, &topic_end, &p);
  /* Spec 1.2: SUB filtering is a prefix match, so compare the whole first token. */
  size_t topic_len = (size_t)(topic_end - frame);
  bool trytes_topic = token_is(frame, topic_len, "trytes");
  if (!trytes_topic && !token_is(frame, topic_len, "tx_trytes")) return MG_FEED_NOT_TX;
  if (p == NULL) return MG_FEED_ERR_FORMAT;

  const char *tx = p, *tx_end, *hash, *hash_end = NULL, *rest = NULL;
  split_field(tx, end, &tx_end, &hash);
  if (hash != NULL) split_field(hash, end, &hash_end, &rest);
  /* An empty field is a doubled, leading or trailing space; a third field is one too many. */
  if (tx_end == tx || (hash != NULL && hash_end == hash) || rest != NULL) return MG_FEED_ERR_FORMAT;
  /* IRI 1.4.x sent tx_trytes without the hash; `trytes` always carries it (spec 1.3). */
  if (hash == NULL && trytes_topic) return MG_FEED_ERR_FORMAT;

  if ((size_t)(tx_end - tx) != MG_FEED_TX_TRYTES) return MG_FEED_ERR_LENGTH;
  if (hash != NULL && (size_t)(hash_end - hash) != MG_FEED_HASH_TRYTES) return MG_FEED_ERR_LENGTH;
  if (!trytes_ok(tx, MG_FEED_TX_TRYTES) || (hash != NULL && !trytes_ok(hash, MG_FEED_HASH_TRYTES)))
    return MG_FEED_ERR_TRYTES;
  out->trytes = tx;
  out->hash = hash;
  return MG_FEED_OK;
}

/* ---- subscriber ---- */

struct mg_feed {
  void *zmq_ctx;
  char *url;
  mg_feed_limits_t limits;
  void *sub;
  void *monitor;    /* PAIR socket receiving the SUB socket's connection events */
  zmq_msg_t frame;  /* the last frame handed out */
  unsigned live;    /* connections up now */
  uint64_t connections, reopens;
  int64_t last_event_ms; /* monotonic time of the last monitor event (or of opening) */
};

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one monitor event (two frames) if one is waiting; false when none is. */
static bool read_monitor_event(mg_feed_t *feed) {
  zmq_msg_t part;
  zmq_msg_init(&part);
  if (zmq_msg_recv(&part, feed->monitor, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&part);
    return false;
  }
  uint16_t event = 0;
  if (zmq_msg_size(&part) >= MONITOR_EVENT_FRAME) memcpy(&event, zmq_msg_data(&part), sizeof event);
  while (zmq_msg_more(&part) && zmq_msg_recv(&part, feed->monitor, 0) >= 0) {
  }
  zmq_msg_close(&part);
  feed->last_event_ms = monotonic_ms();
  if (event == ZMQ_EVENT_CONNECTED) {
    feed->live++;
    feed->connections++;
  } else if (event == ZMQ_EVENT_DISCONNECTED && feed->live > 0) {
    feed->live--;
  }
  return true;
}

static void drain_monitor(mg_feed_t *feed) {
  while (read_monitor_event(feed)) {
  }
}

static int set_int_option(void *socket, int option, int value) {
  return zmq_setsockopt(socket, option, &value, sizeof value);
}

/* Starts the monitor before connecting, so that the first connection is seen. */
static int start_monitor(mg_feed_t *feed, void *zmq_ctx) {
  char endpoint[MONITOR_ENDPOINT_SIZE];
  snprintf(endpoint, sizeof endpoint, "inproc://mg-feed-monitor-%p-%llu", (void *)feed, (unsigned long long)feed->reopens);
  if (zmq_socket_monitor(feed->sub, endpoint, MONITOR_EVENTS) != 0) return -1;
  feed->monitor = zmq_socket(zmq_ctx, ZMQ_PAIR);
  if (feed->monitor == NULL) return -1;
  if (set_int_option(feed->monitor, ZMQ_LINGER, 0) != 0) return -1;
  return zmq_connect(feed->monitor, endpoint);
}

static int configure_sub(void *sub, const mg_feed_limits_t *limits) {
  size_t queue = limits && limits->queue_frames ? limits->queue_frames : MG_FEED_DEFAULT_QUEUE;
  size_t max = limits && limits->max_message_bytes ? limits->max_message_bytes : MG_FEED_DEFAULT_MAX_MESSAGE;
  if (queue > INT_MAX || max > INT64_MAX || max < MG_FEED_MAX_FRAME) {
    errno = EINVAL;
    return -1;
  }
  int64_t max_message = (int64_t)max;
  if (set_int_option(sub, ZMQ_LINGER, 0) != 0 || set_int_option(sub, ZMQ_RCVHWM, (int)queue) != 0 ||
      zmq_setsockopt(sub, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message) != 0)
    return -1;
  /* Trailing spaces: "tx_trytes" alone would not match "trytes", but be exact anyway (spec 1.2). */
  if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "trytes ", 7) != 0) return -1;
  return zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "tx_trytes ", 10);
}

static void close_sockets(mg_feed_t *feed) {
  if (feed->sub != NULL) zmq_close(feed->sub); /* also stops its monitor */
  if (feed->monitor != NULL) zmq_close(feed->monitor);
  feed->sub = feed->monitor = NULL;
  feed->live = 0;
}

static int open_sockets(mg_feed_t *feed) {
  feed->last_event_ms = monotonic_ms();
  feed->sub = zmq_socket(feed->zmq_ctx, ZMQ_SUB);
  if (feed->sub == NULL || configure_sub(feed->sub, &feed->limits) != 0 || start_monitor(feed, feed->zmq_ctx) != 0 ||
      zmq_connect(feed->sub, feed->url) != 0) {
    int saved = zmq_errno();
    close_sockets(feed);
    errno = saved;
    return -1;
  }
  return 0;
}

mg_feed_err_t mg_feed_open(void *zmq_ctx, const char *url, const mg_feed_limits_t *limits, mg_feed_t **out) {
  if (out == NULL) return MG_FEED_ERR_SOCKET;
  *out = NULL;
  if (zmq_ctx == NULL || url == NULL) {
    errno = EINVAL;
    return MG_FEED_ERR_SOCKET;
  }
  mg_feed_t *feed = calloc(1, sizeof *feed);
  if (feed == NULL || (feed->url = strdup(url)) == NULL) {
    free(feed);
    return MG_FEED_ERR_NO_MEMORY;
  }
  feed->zmq_ctx = zmq_ctx;
  if (limits != NULL) feed->limits = *limits;
  zmq_msg_init(&feed->frame);
  if (open_sockets(feed) != 0) {
    int saved = errno;
    mg_feed_close(feed);
    errno = saved;
    return MG_FEED_ERR_SOCKET;
  }
  *out = feed;
  return MG_FEED_OK;
}

/* A session libzmq gave up (see FEED_SILENT_REOPEN_MS) is replaced; the next connection counts as
 * a reconnect, so the owner back-fills. */
static void reopen_if_abandoned(mg_feed_t *feed) {
  if (feed->live > 0 || monotonic_ms() - feed->last_event_ms < FEED_SILENT_REOPEN_MS) return;
  close_sockets(feed);
  feed->reopens++;
  if (open_sockets(feed) != 0) feed->last_event_ms = monotonic_ms(); /* try again later */
}

/* Takes the next data frame (non-blocking). OK, TIMEOUT (none waiting), ERR_SOCKET, or
 * ERR_LENGTH / ERR_FORMAT for a frame that is dropped. */
static mg_feed_err_t take_frame(mg_feed_t *feed, const char **frame, size_t *len) {
  zmq_msg_close(&feed->frame);
  zmq_msg_init(&feed->frame);
  if (zmq_msg_recv(&feed->frame, feed->sub, ZMQ_DONTWAIT) < 0)
    return zmq_errno() == EAGAIN ? MG_FEED_TIMEOUT : MG_FEED_ERR_SOCKET;
  if (zmq_msg_more(&feed->frame)) {
    /* Nodes send single-frame messages; drop all parts of anything else. */
    while (zmq_msg_more(&feed->frame) && zmq_msg_recv(&feed->frame, feed->sub, 0) >= 0) {
    }
    return MG_FEED_ERR_FORMAT;
  }
  if (zmq_msg_size(&feed->frame) > MG_FEED_MAX_FRAME) return MG_FEED_ERR_LENGTH;
  *frame = zmq_msg_data(&feed->frame);
  *len = zmq_msg_size(&feed->frame);
  return MG_FEED_OK;
}

mg_feed_err_t mg_feed_recv(mg_feed_t *feed, int timeout_ms, const char **frame, size_t *len) {
  if (feed == NULL || frame == NULL || len == NULL) return MG_FEED_ERR_SOCKET;
  int64_t deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  for (;;) {
    drain_monitor(feed);
    reopen_if_abandoned(feed);
    if (feed->sub == NULL) { /* could not be opened again: wait out the time-out, try later */
      int64_t ms = timeout_ms > 0 ? timeout_ms : 0;
      nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
      return MG_FEED_TIMEOUT;
    }
    mg_feed_err_t err = take_frame(feed, frame, len);
    if (err != MG_FEED_TIMEOUT) return err;
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return MG_FEED_TIMEOUT;
    zmq_pollitem_t items[2] = {{.socket = feed->sub, .events = ZMQ_POLLIN},
                               {.socket = feed->monitor, .events = ZMQ_POLLIN}};
    if (zmq_poll(items, 2, (long)left) < 0 && zmq_errno() != EINTR) return MG_FEED_ERR_SOCKET;
  }
}

bool mg_feed_connected(mg_feed_t *feed) {
  if (feed == NULL) return false;
  drain_monitor(feed);
  return feed->live > 0;
}

uint64_t mg_feed_connections(mg_feed_t *feed) {
  if (feed == NULL) return 0;
  drain_monitor(feed);
  return feed->connections;
}

uint64_t mg_feed_reopens(mg_feed_t *feed) { return feed ? feed->reopens : 0; }

void mg_feed_close(mg_feed_t *feed) {
  if (feed == NULL) return;
  close_sockets(feed);
  zmq_msg_close(&feed->frame);
  free(feed->url);
  free(feed);
}
