/* mamgate-sub: prints the decoded messages a gateway publishes on its ZeroMQ output, one JSON
 * object per line. Also the smallest example of a ZeroMQ consumer of mamgate.
 *   mamgate-sub [--endpoint tcp://127.0.0.1:5557] [--channel ID] [--count N] [--timeout SECONDS] */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "mamcore/channel.h"
#include "mamcore/trits.h"

#define USAGE "usage: mamgate-sub [--endpoint URL] [--channel ID] [--count N] [--timeout SECONDS]\n"
#define EXIT_USAGE 2

static _Noreturn void usage_error(const char *what, const char *value) {
  fprintf(stderr, "mamgate-sub: %s, got '%s'\n" USAGE, what, value);
  exit(EXIT_USAGE);
}

/* A channel id: 81 trytes (9 and A-Z), the topic the gateway publishes it under. */
static const char *channel_arg(const char *text) {
  if (strlen(text) != MAM_ID_TRITS / 3 || !mam_trytes_valid(text, strlen(text)))
    usage_error("--channel must be a channel id of 81 trytes (9 and A-Z)", text);
  return text;
}

/* A whole number from 1 to INT_MAX / 1000 (so that seconds still fit in milliseconds). */
static long positive_arg(const char *what, const char *text) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < 1 || v > INT_MAX / 1000) usage_error(what, text);
  return v;
}

int main(int argc, char **argv) {
  const char *endpoint = getenv("MAMGATE_ZMQ_PUB") ? getenv("MAMGATE_ZMQ_PUB") : "tcp://127.0.0.1:5557";
  const char *channel = "";
  long count = -1, timeout_s = -1;
  static const struct option opts[] = {{"endpoint", required_argument, NULL, 'e'}, {"channel", required_argument, NULL, 'c'},
                                       {"count", required_argument, NULL, 'n'},    {"timeout", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  for (int c; (c = getopt_long(argc, argv, "e:c:n:t:h", opts, NULL)) != -1;) {
    if (c == 'e') endpoint = optarg;
    else if (c == 'c') channel = channel_arg(optarg);
    else if (c == 'n') count = positive_arg("--count must be a whole number from 1", optarg);
    else if (c == 't') timeout_s = positive_arg("--timeout must be a whole number of seconds from 1", optarg);
    else if (c == 'h') return fputs(USAGE, stdout) == EOF || fflush(stdout) != 0;
    else return fputs(USAGE, stderr), EXIT_USAGE;
  }
  if (optind < argc) usage_error("no arguments besides the options", argv[optind]);
  void *ctx = zmq_ctx_new();
  void *sub = zmq_socket(ctx, ZMQ_SUB);
  char topic[128];
  snprintf(topic, sizeof topic, "mam %s", channel); /* "mam " alone: every channel */
  int ms = timeout_s < 0 ? -1 : (int)(timeout_s * 1000);
  if (!sub || zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, strlen(topic)) != 0 || zmq_setsockopt(sub, ZMQ_RCVTIMEO, &ms, sizeof ms) != 0 ||
      zmq_connect(sub, endpoint) != 0) {
    fprintf(stderr, "mamgate-sub: cannot subscribe to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
    return 1;
  }
  int rc = 0;
  for (long got = 0; count < 0 || got < count; got++) {
    zmq_msg_t topic_frame, body;
    zmq_msg_init(&topic_frame);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&topic_frame, sub, 0) < 0 || !zmq_msg_more(&topic_frame) || zmq_msg_recv(&body, sub, 0) < 0) {
      fprintf(stderr, "mamgate-sub: %s after %ld messages\n", zmq_errno() == EAGAIN ? "timed out" : zmq_strerror(zmq_errno()), got);
      rc = 1;
      zmq_msg_close(&topic_frame);
      zmq_msg_close(&body);
      break;
    }
    fwrite(zmq_msg_data(&body), 1, zmq_msg_size(&body), stdout);
    fputc('\n', stdout);
    fflush(stdout);
    zmq_msg_close(&topic_frame);
    zmq_msg_close(&body);
  }
  zmq_close(sub);
  zmq_ctx_term(ctx);
  return rc;
}
