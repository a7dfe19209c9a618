/* REST adapter throughput: requests per second of a trivial JSON route (GET /v1/ping answering
 * {"ok":true}) from CLIENTS threads, each on its own keep-alive loopback connection with plain
 * sockets and one request in flight; the server runs SERVER_THREADS workers. Median of
 * bench_runs(5) runs of CLIENTS * REQUESTS_PER_CLIENT requests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench.h"
#include "http/server.h"

#define CLIENTS 2
#define SERVER_THREADS 2
#define REQUESTS_PER_CLIENT 10000
#define BUF_BYTES 4096

static const char REQUEST[] = "GET /v1/ping HTTP/1.1\r\nHost: bench\r\n\r\n";

static void ping(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  mg_http_respond_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static int connect_loopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* Bytes of the complete response at the start of buf (n bytes, NUL-terminated), or 0 when more
 * must be read. */
static size_t response_size(const char *buf, size_t n) {
  const char *end = strstr(buf, "\r\n\r\n");
  if (end == NULL) return 0;
  size_t head = (size_t)(end - buf) + 4, body = 0;
  for (const char *line = buf; line < end; line = strstr(line, "\r\n") + 2)
    if (strncasecmp(line, "Content-Length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
  return n >= head + body ? head + body : 0;
}

/* One request and its whole response; false on any error. */
static bool round_trip(int fd, char *buf) {
  if (send(fd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof REQUEST - 1)) return false;
  size_t n = 0;
  buf[0] = '\0';
  while (response_size(buf, n) == 0) {
    if (n == BUF_BYTES - 1) return false;
    ssize_t got = recv(fd, buf + n, BUF_BYTES - 1 - n, 0);
    if (got <= 0) return false;
    n += (size_t)got;
    buf[n] = '\0';
  }
  return strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

typedef struct client {
  uint16_t port;
  bool ok;
} client_t;

static void *client_main(void *arg) {
  client_t *c = arg;
  char buf[BUF_BYTES];
  int fd = connect_loopback(c->port);
  c->ok = fd >= 0;
  for (int i = 0; i < REQUESTS_PER_CLIENT && c->ok; i++) c->ok = round_trip(fd, buf);
  if (fd >= 0) close(fd);
  return NULL;
}

/* Requests per second of one run. */
static double run_once(uint16_t port) {
  pthread_t threads[CLIENTS];
  client_t clients[CLIENTS];
  double t0 = bench_now();
  for (int i = 0; i < CLIENTS; i++) {
    clients[i] = (client_t){.port = port};
    if (pthread_create(&threads[i], NULL, client_main, &clients[i]) != 0) exit(1);
  }
  for (int i = 0; i < CLIENTS; i++) pthread_join(threads[i], NULL);
  double elapsed = bench_now() - t0;
  for (int i = 0; i < CLIENTS; i++)
    if (!clients[i].ok) {
      fprintf(stderr, "bench_http: a request failed\n");
      exit(1);
    }
  return (double)CLIENTS * REQUESTS_PER_CLIENT / elapsed;
}

int main(void) {
  char err[256];
  mg_http_limits_t limits = {.threads = SERVER_THREADS};
  mg_http_server_t *s = mg_http_start("127.0.0.1", 0, &limits, err, sizeof err);
  if (s == NULL || mg_http_route(s, "GET", "/v1/ping", ping, NULL) != 0) {
    fprintf(stderr, "bench_http: %s\n", s ? "cannot add the route" : err);
    return 1;
  }
  size_t runs = bench_runs(5);
  double *samples = malloc(runs * sizeof *samples);
  if (samples == NULL) return 1;
  for (size_t i = 0; i < runs; i++) samples[i] = run_once(mg_http_port(s));
  bench_report("http GET json keep-alive x2", "req/s", samples, runs);
  free(samples);
  mg_http_stop(s);
  return 0;
}
