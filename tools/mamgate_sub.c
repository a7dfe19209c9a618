/* mamgate-sub: prints the decoded messages a gateway publishes on its ZeroMQ output, one JSON
 * object per line. Also the smallest example of a ZeroMQ consumer of mamgate.
 *   mamgate-sub [--endpoint tcp://127.0.0.1:5557] [--channel ID] [--count N] [--timeout SECONDS] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv) {
  const char *endpoint = getenv("MAMGATE_ZMQ_PUB") ? getenv("MAMGATE_ZMQ_PUB") : "tcp://127.0.0.1:5557";
  const char *channel = "";
  long count = -1, timeout_s = -1;
  static const struct option opts[] = {{"endpoint", required_argument, NULL, 'e'}, {"channel", required_argument, NULL, 'c'},
                                       {"count", required_argument, NULL, 'n'},    {"timeout", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
  for (int c; (c = getopt_long(argc, argv, "e:c:n:t:h", opts, NULL)) != -1;) {
    if (c == 'e') endpoint = optarg;
    else if (c == 'c') channel = optarg;
    else if (c == 'n') count = strtol(optarg, NULL, 10);
    else if (c == 't') timeout_s = strtol(optarg, NULL, 10);
    else {
      fputs("usage: mamgate-sub [--endpoint URL] [--channel ID] [--count N] [--timeout SECONDS]\n", stderr);
      return c == 'h' ? 0 : 2;
    }
  }
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
