/* Start-up warnings: what an operator should know once the gateway runs, but that does not stop
 * it (an unreachable node or feed may come up later; an open read API may be intended). */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "plugin/startup.h"
#include "services/probe.h"
#include "services/watcher.h"

#define NODE_PROBE_WAIT_MS 2000 /* how long start-up waits for the node probe's first answer */
#define FEED_WAIT_MS 1000       /* how long start-up waits to see the feed connected */
#define STARTUP_POLL_MS 20

static bool is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family != AF_INET6) return false;
  const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/* True when every address the host part of "host:port" (or "[v6]:port") names is a loopback one. */
static bool binds_loopback_only(const char *address) {
  char host[MG_CONFIG_TEXT_MAX];
  snprintf(host, sizeof host, "%s", address);
  char *colon = strrchr(host, ':');
  if (colon) *colon = '\0';
  char *name = host[0] == '[' ? host + 1 : host;
  name[strcspn(name, "]")] = '\0';
  if (!*name) return false; /* every interface */
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo *list = NULL;
  if (getaddrinfo(name, NULL, &hints, &list) != 0) return false;
  bool loopback = list != NULL;
  for (const struct addrinfo *ai = list; ai && loopback; ai = ai->ai_next) loopback = is_loopback(ai->ai_addr);
  freeaddrinfo(list);
  return loopback;
}

static void warn_open_reads(mg_gateway_t *g) {
  if (g->cfg.read_auth || binds_loopback_only(g->cfg.http)) return;
  mg_log(g, MAMGATE_LOG_WARNING,
         "REST listens on %s beyond loopback with read_auth = false: anyone who reaches it reads decoded "
         "messages, PSK and NTRU ones included (set read_auth = true, or bind to 127.0.0.1)",
         g->cfg.http);
}

/* The node probe (services/probe.h) asks the node at start already: wait for its first answer
 * instead of asking a second time. */
static void warn_unreachable_node(mg_gateway_t *g) {
  const struct timespec poll = {.tv_nsec = STARTUP_POLL_MS * 1000000L};
  mg_probe_status_t st = mg_probe_status(g->probe);
  for (int waited = 0; st.checks == 0 && waited < NODE_PROBE_WAIT_MS; waited += STARTUP_POLL_MS) {
    nanosleep(&poll, NULL);
    st = mg_probe_status(g->probe);
  }
  if (st.checks == 0)
    mg_log(g, MAMGATE_LOG_WARNING, "node %s unreachable at start (no getNodeInfo answer within %d ms); publishing fails"
           " until it answers", g->cfg.node_api, NODE_PROBE_WAIT_MS);
  else if (!st.reachable)
    mg_log(g, MAMGATE_LOG_WARNING, "node %s unreachable at start (getNodeInfo failed); publishing fails until it answers",
           g->cfg.node_api);
}

/* The feed connects in the background: give it a moment, then say so if it has not. */
static void warn_unconnected_feed(mg_gateway_t *g) {
  const struct timespec poll = {.tv_nsec = STARTUP_POLL_MS * 1000000L};
  mg_watcher_status_t st;
  for (int waited = 0;; waited += STARTUP_POLL_MS) {
    mg_watcher_status(g->watcher, &st);
    if (st.feed_connected) return;
    if (waited >= FEED_WAIT_MS) break;
    nanosleep(&poll, NULL);
  }
  mg_log(g, MAMGATE_LOG_WARNING, "feed %s not connected %d ms after start; still trying (a line says when it connects)",
         g->cfg.node_zmq, FEED_WAIT_MS);
}

void mg_startup_warnings(mg_gateway_t *g) {
  warn_open_reads(g);
  warn_unreachable_node(g);
  warn_unconnected_feed(g);
}
