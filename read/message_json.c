#include "read/message_json.h"

#include <nettle/base64.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/payload.h"

/* Room for n more bytes (and the terminator) at the end of the text, counted as written; NULL when
 * memory runs out (the text is then failed). */
static char *text_extend(mg_text_t *t, size_t n) {
  if (t->failed) return NULL;
  if (t->cap - t->len < n + 1) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap - t->len < n + 1) {
      if (cap > SIZE_MAX / 2) return t->failed = true, NULL;
      cap *= 2;
    }
    char *grown = realloc(t->p, cap);
    if (!grown) return t->failed = true, NULL;
    t->p = grown;
    t->cap = cap;
  }
  char *at = t->p + t->len;
  t->len += n;
  t->p[t->len] = 0;
  return at;
}

void mg_text_append(mg_text_t *t, const char *s, size_t n) {
  char *at = text_extend(t, n);
  if (at) memcpy(at, s, n);
}

#define APPEND_LITERAL(t, s) mg_text_append((t), (s), sizeof(s) - 1)

static void append_str(mg_text_t *t, const char *s) { mg_text_append(t, s, strlen(s)); }

/* The decimal digits of v (no printf: this runs several times per packet of every page). */
static void append_int(mg_text_t *t, int64_t v) {
  char digits[24], *end = digits + sizeof digits, *p = end;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do *--p = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0) *--p = '-';
  mg_text_append(t, p, (size_t)(end - p));
}

static void append_bool(mg_text_t *t, int v) {
  if (v) APPEND_LITERAL(t, "true");
  else APPEND_LITERAL(t, "false");
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

/* Payloads up to this many bytes are decoded on the stack. */
enum { STACK_PAYLOAD_BYTES = 4096 };

/* "payload_base64" and "payload" from the trytes when they decode to bytes. */
static void append_payload_views(mg_text_t *t, const char *trytes, size_t n) {
  uint8_t small[STACK_PAYLOAD_BYTES];
  uint8_t *bytes = n / 2 <= sizeof small ? small : malloc(n / 2);
  if (!bytes || mam_trytes_to_bytes(trytes, n, bytes) != MAM_OK) {
    APPEND_LITERAL(t, ",\"payload_base64\":null,\"payload\":null");
  } else {
    APPEND_LITERAL(t, ",\"payload_base64\":\"");
    char *b64 = text_extend(t, BASE64_ENCODE_RAW_LENGTH(n / 2));
    if (b64) base64_encode_raw(b64, n / 2, bytes);
    APPEND_LITERAL(t, "\",\"payload\":");
    if (mam_utf8_valid(bytes, n / 2)) append_json_string(t, bytes, n / 2);
    else APPEND_LITERAL(t, "null");
  }
  if (bytes != small) free(bytes);
}

void mg_message_json(mg_text_t *t, const mg_message_t *m, unsigned flags) {
  const char *payload = m->payload_trytes ? m->payload_trytes : "";
  size_t payload_len = strlen(payload);
  if (flags & MG_JSON_NO_STORE_FIELDS) {
    APPEND_LITERAL(t, "{");
  } else {
    APPEND_LITERAL(t, "{\"cursor\":");
    append_int(t, m->cursor);
    APPEND_LITERAL(t, ",");
  }
  APPEND_LITERAL(t, "\"channel_id\":\"");
  append_str(t, m->channel_id);
  APPEND_LITERAL(t, "\",\"endpoint_id\":\"");
  append_str(t, m->endpoint_id);
  APPEND_LITERAL(t, "\",\"message_id\":\"");
  append_str(t, m->message_id);
  APPEND_LITERAL(t, "\",\"ord\":");
  append_int(t, m->ord);
  APPEND_LITERAL(t, ",\"last\":");
  append_bool(t, m->last);
  APPEND_LITERAL(t, ",\"checksum\":\"");
  append_str(t, checksum_name(m->checksum));
  APPEND_LITERAL(t, "\",\"verified\":");
  append_bool(t, m->verified);
  APPEND_LITERAL(t, ",\"payload_trytes\":\"");
  mg_text_append(t, payload, payload_len);
  APPEND_LITERAL(t, "\"");
  append_payload_views(t, payload, payload_len);
  APPEND_LITERAL(t, ",\"bundle\":\"");
  append_str(t, m->bundle);
  APPEND_LITERAL(t, "\",\"leaf\":");
  if (mg_message_has_leaf(m)) append_int(t, m->leaf);
  else APPEND_LITERAL(t, "null");
  if (!(flags & MG_JSON_NO_STORE_FIELDS)) {
    APPEND_LITERAL(t, ",\"received_at\":");
    append_int(t, m->received_at_ms);
  }
  APPEND_LITERAL(t, "}");
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
