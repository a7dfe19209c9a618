#include "read/message_json.h"

#include <nettle/base64.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/payload.h"

void mg_text_append(mg_text_t *t, const char *s, size_t n) {
  if (t->failed) return;
  if (t->cap - t->len < n + 1) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap - t->len < n + 1) cap *= 2;
    char *grown = realloc(t->p, cap);
    if (!grown) {
      t->failed = true;
      return;
    }
    t->p = grown;
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, n);
  t->len += n;
  t->p[t->len] = 0;
}

void mg_text_printf(mg_text_t *t, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) t->failed = true;
  else if ((size_t)n < sizeof small) mg_text_append(t, small, (size_t)n);
  else t->failed = true; /* every caller formats short fields */
}

void mg_text_free(mg_text_t *t) {
  free(t->p);
  memset(t, 0, sizeof *t);
}

/* A JSON string of valid UTF-8: quotes, backslashes and control characters escaped. */
static void append_json_string(mg_text_t *t, const uint8_t *s, size_t n) {
  mg_text_append(t, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    mg_text_append(t, (const char *)s + run, i - run);
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      mg_text_append(t, esc, 2);
    } else {
      mg_text_printf(t, "\\u%04x", c);
    }
    run = i + 1;
  }
  mg_text_append(t, (const char *)s + run, n - run);
  mg_text_append(t, "\"", 1);
}

static const char *checksum_name(int checksum) {
  return checksum == 2 ? "signature" : (checksum == 1 ? "mac" : "none");
}

/* "payload_base64" and "payload" from the trytes when they decode to bytes. */
static void append_payload_views(mg_text_t *t, const char *trytes) {
  size_t n = strlen(trytes);
  uint8_t *bytes = malloc(n / 2 + 1);
  char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(n / 2) + 1);
  if (!bytes || !b64 || mam_trytes_to_bytes(trytes, n, bytes) != MAM_OK) {
    mg_text_append(t, ",\"payload_base64\":null,\"payload\":null", 37);
  } else {
    base64_encode_raw(b64, n / 2, bytes);
    mg_text_append(t, ",\"payload_base64\":\"", 19);
    mg_text_append(t, b64, BASE64_ENCODE_RAW_LENGTH(n / 2));
    mg_text_append(t, "\",\"payload\":", 12);
    if (mam_utf8_valid(bytes, n / 2)) append_json_string(t, bytes, n / 2);
    else mg_text_append(t, "null", 4);
  }
  free(bytes);
  free(b64);
}

void mg_message_json(mg_text_t *t, const mg_message_t *m, unsigned flags) {
  const char *payload = m->payload_trytes ? m->payload_trytes : "";
  if (flags & MG_JSON_NO_STORE_FIELDS) mg_text_append(t, "{", 1);
  else mg_text_printf(t, "{\"cursor\":%lld,", (long long)m->cursor);
  mg_text_printf(t, "\"channel_id\":\"%s\",\"endpoint_id\":\"%s\",\"message_id\":\"%s\",\"ord\":%lld,", m->channel_id,
                 m->endpoint_id, m->message_id, (long long)m->ord);
  mg_text_printf(t, "\"last\":%s,\"checksum\":\"%s\",\"verified\":%s,\"payload_trytes\":\"", m->last ? "true" : "false",
                 checksum_name(m->checksum), m->verified ? "true" : "false");
  mg_text_append(t, payload, strlen(payload));
  mg_text_append(t, "\"", 1);
  append_payload_views(t, payload);
  mg_text_printf(t, ",\"bundle\":\"%s\"", m->bundle);
  if (mg_message_has_leaf(m)) mg_text_printf(t, ",\"leaf\":%lld", (long long)m->leaf);
  else mg_text_append(t, ",\"leaf\":null", 12);
  if (!(flags & MG_JSON_NO_STORE_FIELDS)) mg_text_printf(t, ",\"received_at\":%lld", (long long)m->received_at_ms);
  mg_text_append(t, "}", 1);
}

char *mg_message_json_text(const mg_message_t *m, unsigned flags) {
  mg_text_t t = {0};
  mg_message_json(&t, m, flags);
  if (t.failed) {
    mg_text_free(&t);
    return NULL;
  }
  return t.p;
}
