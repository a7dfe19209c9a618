/* The gateway's store: where it is (option store), the fleet key it is sealed with (option
 * fleet_key_file), every connection opened the same way, and the first connection retried while
 * the database server cannot be reached. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plugin/gateway.h"

#define OPEN_RETRY_FIRST_MS 500    /* the first pause after the database could not be reached */
#define OPEN_RETRY_MAX_MS 10000    /* pauses double up to this */
#define OPEN_RETRY_SLICE_MS 100    /* how often a pause looks at the stop flag */

/* Where a password sits in a location: *off and *len of the userinfo's (after ':', before '@') or
 * of a password= parameter's (up to '&'); false when there is none of that kind. */
typedef bool (*password_finder_t)(const char *location, size_t *off, size_t *len);

static bool userinfo_password(const char *location, size_t *off, size_t *len) {
  const char *scheme = strstr(location, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
  const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
  if (!colon) return false;
  *off = (size_t)(colon + 1 - location);
  *len = (size_t)(at - colon - 1);
  return true;
}

static bool parameter_password(const char *location, size_t *off, size_t *len) {
  const char *pw = strstr(location, "password=");
  if (!pw) return false;
  *off = (size_t)(pw - location) + strlen("password=");
  *len = strcspn(location + *off, "&");
  return true;
}

static const password_finder_t password_finders[] = {parameter_password, userinfo_password};

/* Replaces text[off, off + n) by "***" (text holds len bytes). */
static void mask(char *text, size_t len, size_t off, size_t n) {
  char tail[MG_PATH_MAX];
  snprintf(tail, sizeof tail, "%s", text + off + n);
  snprintf(text + off, len - off, "***%s", tail);
}

/* location with its password (userinfo after ':' and a password= parameter) replaced by "***". */
static void redact(const char *location, char *out, size_t len) {
  snprintf(out, len, "%s", location);
  size_t off, n;
  for (size_t f = 0; f < sizeof password_finders / sizeof *password_finders; f++)
    if (password_finders[f](out, &off, &n)) mask(out, len, off, n);
}

/* Replaces every copy of a password of the store's location in text (an engine's message may
 * quote a part of the location) by "***". */
static void scrub_password(const mg_gateway_t *g, char *text, size_t len) {
  size_t off, n;
  for (size_t f = 0; f < sizeof password_finders / sizeof *password_finders; f++) {
    if (!password_finders[f](g->db_path, &off, &n) || n == 0) continue;
    char password[MG_PATH_MAX];
    snprintf(password, sizeof password, "%.*s", (int)n, g->db_path + off);
    for (char *at = text; at < text + strlen(text) && (at = strstr(at, password)) != NULL; at += 3)
      mask(text, len, (size_t)(at - text), n); /* on past the mask: "***" may hold the password */
  }
}

int mg_fleet_prepare(mg_gateway_t *g, char *err, size_t err_len) {
  const mg_config_t *c = &g->cfg;
  int n = mg_config_store_is_pg(c) ? snprintf(g->db_path, sizeof g->db_path, "%s", c->store)
                                   : snprintf(g->db_path, sizeof g->db_path, "%s/mamgate.db", c->data_dir);
  if (n < 0 || (size_t)n >= sizeof g->db_path) return mg_errorf(err, err_len, "the store location is too long");
  redact(g->db_path, g->store_shown, sizeof g->store_shown);
  if (!c->fleet_key_file[0]) return 0;
  mg_seal_err_t kerr = mg_seal_key_load(c->fleet_key_file, &g->fleet_key);
  if (kerr != MG_SEAL_OK)
    return mg_errorf(err, err_len, "fleet_key_file %s: %s%s%s", c->fleet_key_file, mg_seal_strerror(kerr),
                     kerr == MG_SEAL_ERR_KEY_OPEN ? ": " : "", kerr == MG_SEAL_ERR_KEY_OPEN ? strerror(errno) : "");
  g->fleet = true;
  return 0;
}

mg_store_err_t mg_gateway_open_store(mg_gateway_t *g, mg_store_t **out) {
  return mg_store_open_sealed(g->db_path, g->fleet ? &g->fleet_key : NULL, out);
}

/* True when the host was asked to stop while init runs: hosts (mamgated) block SIGTERM and SIGINT
 * and take them once init has returned, so a start that waits must look for them itself. */
static bool stop_requested(void) {
  sigset_t pending;
  return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

/* Sleeps ms, in slices, unless a stop is requested; false when it is. */
static bool pause_unless_stopping(int ms) {
  const struct timespec slice = {.tv_nsec = OPEN_RETRY_SLICE_MS * 1000000L};
  for (int waited = 0; waited < ms; waited += OPEN_RETRY_SLICE_MS) {
    if (stop_requested()) return false;
    nanosleep(&slice, NULL);
  }
  return !stop_requested();
}

int mg_fleet_open_control(mg_gateway_t *g, char *err, size_t err_len) {
  int pause_ms = OPEN_RETRY_FIRST_MS;
  char why[MG_STORE_ERRMSG_MAX];
  for (unsigned attempt = 1;; attempt++) {
    mg_store_err_t serr = mg_store_open_why(g->db_path, g->fleet ? &g->fleet_key : NULL, &g->control, why, sizeof why);
    if (serr == MG_STORE_OK) {
      if (attempt > 1) mg_log(g, MAMGATE_LOG_INFO, "store %s reached after %u attempts", g->store_shown, attempt);
      return 0;
    }
    scrub_password(g, why, sizeof why);
    if (serr == MG_STORE_ERR_KEY)
      return mg_errorf(err, err_len, "store %s refuses the fleet key%s%s: %s (every instance of a fleet needs the same"
                       " key file)", g->store_shown, g->fleet ? " " : "", g->fleet ? g->cfg.fleet_key_file : "", why);
    if (serr != MG_STORE_ERR_UNAVAILABLE)
      return mg_errorf(err, err_len, "cannot open the store %s: %s: %s", g->store_shown, mg_store_strerror(serr), why);
    mg_log(g, MAMGATE_LOG_WARNING, "store %s unreachable (attempt %u): %s; retrying in %d ms", g->store_shown, attempt,
           why, pause_ms);
    if (!pause_unless_stopping(pause_ms)) return mg_errorf(err, err_len, "stopped (a stop signal came) while waiting for the store %s", g->store_shown);
    pause_ms = pause_ms * 2 > OPEN_RETRY_MAX_MS ? OPEN_RETRY_MAX_MS : pause_ms * 2;
  }
}
