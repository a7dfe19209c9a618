#include "devnode/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HOST_SIZE 256
#define URL_SIZE 300
#define CONNECTION_LIMIT 64
#define CONNECTION_TIMEOUT_S 120 /* idle seconds before a connection is dropped */

struct devnode_server {
  struct MHD_Daemon *daemon;
  devnode_api_t *api;
  char url[URL_SIZE];
};

/* The body of one request, collected up to DEVNODE_MAX_BODY bytes. */
typedef struct request {
  char *body;
  size_t len, cap;
  bool too_long;
} request_t;

static const char out_of_memory_body[] = "{\"exception\":\"out of memory\"}";

/* ---- address parsing ---- */

/* Splits "host:port" or "[v6]:port" into host and port. */
static bool split_address(const char *address, char host[HOST_SIZE], const char **port) {
  const char *colon = strrchr(address, ':');
  if (colon == NULL || colon[1] == '\0') return false;
  const char *start = address, *end = colon;
  if (*start == '[') {
    if (end == start || end[-1] != ']') return false;
    start++, end--;
  }
  size_t len = (size_t)(end - start);
  if (len == 0 || len >= HOST_SIZE) return false;
  memcpy(host, start, len);
  host[len] = '\0';
  *port = colon + 1;
  return true;
}

static struct addrinfo *resolve(const char *address, char *why, size_t why_size) {
  char host[HOST_SIZE];
  const char *port;
  if (!split_address(address, host, &port)) {
    snprintf(why, why_size, "API address '%s' is not HOST:PORT", address);
    return NULL;
  }
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    snprintf(why, why_size, "cannot resolve API address '%s': %s", address, gai_strerror(rc));
    return NULL;
  }
  return res;
}

static void format_url(devnode_server_t *s, const struct sockaddr *sa, unsigned port) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
    snprintf(s->url, sizeof s->url, "http://[%s]:%u", host, port);
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
    snprintf(s->url, sizeof s->url, "http://%s:%u", host, port);
  }
}

/* ---- requests ---- */

static bool is_loopback(const struct sockaddr *sa) {
  if (sa == NULL) return false;
  if (sa->sa_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family != AF_INET6) return false;
  const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static bool caller_is_local(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return info != NULL && is_loopback(info->client_addr);
}

/* Appends upload data; past the limit the body is dropped and only its excess remembered. */
static void take_upload(request_t *r, const char *data, size_t n) {
  if (r->too_long) return;
  if (n > DEVNODE_MAX_BODY - r->len) {
    r->too_long = true;
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    return;
  }
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : 4096;
    while (cap < r->len + n) cap *= 2;
    char *grown = realloc(r->body, cap);
    if (grown == NULL) { /* answered as too long: the node cannot hold it */
      r->too_long = true;
      return;
    }
    r->body = grown;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, devnode_reply_t reply) {
  struct MHD_Response *resp;
  unsigned status = reply.status;
  if (reply.body != NULL) {
    resp = MHD_create_response_from_buffer(reply.len, reply.body, MHD_RESPMEM_MUST_FREE);
  } else {
    status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    resp = MHD_create_response_from_buffer(sizeof out_of_memory_body - 1,
                                           (void *)out_of_memory_body, MHD_RESPMEM_PERSISTENT);
  }
  if (resp == NULL) {
    free(reply.body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
  enum MHD_Result rc = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return rc;
}

/* Browsers' CORS pre-flight, answered as IRI does. */
static enum MHD_Result send_options(struct MHD_Connection *conn) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  if (resp == NULL) return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST,OPTIONS");
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
  MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                          "Origin, X-Requested-With, Content-Type, Accept, X-IOTA-API-Version");
  enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return rc;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
  (void)url, (void)version;
  devnode_server_t *s = cls;
  request_t *r = *con_cls;
  if (r == NULL) {
    if ((r = calloc(1, sizeof *r)) == NULL) return MHD_NO;
    *con_cls = r;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    take_upload(r, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0) return send_options(conn);
  if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-IOTA-API-Version") == NULL)
    return send_reply(conn, devnode_api_error("Invalid API Version"));
  if (r->too_long) return send_reply(conn, devnode_api_error("Request too long"));
  return send_reply(
      conn, devnode_api_handle(s->api, r->body ? r->body : "", r->len, caller_is_local(conn)));
}

static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)conn, (void)toe;
  request_t *r = *con_cls;
  if (r == NULL) return;
  free(r->body);
  free(r);
  *con_cls = NULL;
}

devnode_server_t *devnode_server_start(const char *address, devnode_api_t *api, char *why,
                                       size_t why_size) {
  struct addrinfo *ai = resolve(address, why, why_size);
  if (ai == NULL) return NULL;
  devnode_server_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    freeaddrinfo(ai);
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  s->api = api;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                   MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
                               MHD_OPTION_NOTIFY_COMPLETED, request_done, s, MHD_OPTION_END);
  const union MHD_DaemonInfo *info =
      s->daemon ? MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  if (info == NULL) {
    snprintf(why, why_size, "cannot serve the API on %s (address in use or not local?)", address);
    devnode_server_stop(s);
    freeaddrinfo(ai);
    return NULL;
  }
  format_url(s, ai->ai_addr, info->port);
  freeaddrinfo(ai);
  return s;
}

void devnode_server_stop(devnode_server_t *s) {
  if (s == NULL) return;
  if (s->daemon) MHD_stop_daemon(s->daemon);
  free(s);
}

const char *devnode_server_url(const devnode_server_t *s) { return s->url; }
