/* Fuzz target: the plugin's configuration (mg_config_load in plugin/settings.c), which takes key
 * and value text from the host's file, environment and flags.
 *
 * Input: up to 32 options, each an origin byte (0: a file line, 1: an environment variable, 2: a
 * flag) then key and value, each ended by a NUL byte. The error buffer is as short as the input's
 * last byte says, so truncation is exercised. On success every text field is terminated and every
 * number is in its documented range; on failure the message is terminated and never shows a
 * token's value. The option descriptions fit any buffer size the snprintf way. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "plugin/settings.h"

#define MAX_OPTS 32

static const char *next_string(fz_input_t *in) {
  const char *s = (const char *)in->p + in->pos;
  const uint8_t *nul = memchr(in->p + in->pos, 0, fz_left(in));
  if (!nul) return NULL;
  in->pos = (size_t)(nul - in->p) + 1;
  return s;
}

static void check_text(const char *field) { FZ_CHECK(memchr(field, 0, MG_CONFIG_TEXT_MAX) != NULL); }

static void check_loaded(const mg_config_t *c) {
  check_text(c->node_api), check_text(c->node_zmq), check_text(c->http), check_text(c->zmq_pub);
  check_text(c->data_dir), check_text(c->token);
  FZ_CHECK(c->mwm >= 1 && c->mwm <= 81);
  FZ_CHECK(c->log_level <= 3);
  FZ_CHECK(c->max_body_bytes >= 1024 && c->page_limit >= 1);
  FZ_CHECK(c->max_height <= 20 && c->pow_threads <= 256);
}

/* A token value never shows in an error message: the options are loaded again with every token
 * value replaced by a run of DEL characters (when no other string holds one), and the message
 * must not contain that run. */
static void check_token_hidden(mamgate_opt_t *opts, int n) {
  static const char marker[] = "\x7f\x7f\x7f\x7f\x7f\x7f";
  static mg_config_t config;
  bool any = false;
  for (int i = 0; i < n; i++) {
    if (strstr(opts[i].key, marker) || (strcmp(opts[i].key, "token") != 0 && strstr(opts[i].value, marker))) return;
    if (strcmp(opts[i].key, "token") == 0) opts[i].value = marker, any = true;
  }
  char err[512];
  if (any && mg_config_load(&config, opts, n, err, sizeof err) != 0) FZ_CHECK(!strstr(err, marker));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const origins[] = {"mamgate.conf:1", "MAMGATE_FUZZ", "--set"};
  static mg_config_t config;
  mamgate_opt_t opts[MAX_OPTS];
  int n = 0;
  fz_input_t in = {data, size, 0};
  while (n < MAX_OPTS && fz_left(&in) > 0) {
    uint8_t origin = fz_byte(&in);
    const char *key = next_string(&in), *value = key ? next_string(&in) : NULL;
    if (!value) break;
    opts[n++] = (mamgate_opt_t){key, value, origin % 4 == 3 ? NULL : origins[origin % 4]};
  }
  size_t err_len = size ? 1 + data[size - 1] % 200 : 1;
  char err[256];
  memset(err, 'x', sizeof err);
  if (mg_config_load(&config, opts, n, err, err_len) == 0) check_loaded(&config);
  else FZ_CHECK(memchr(err, 0, err_len) != NULL);
  check_token_hidden(opts, n);
  char help[128];
  size_t help_len = 1 + size % sizeof help;
  FZ_CHECK(mg_config_describe(help, help_len) == mg_config_describe(NULL, 0));
  FZ_CHECK(memchr(help, 0, help_len) != NULL);
  return 0;
}
