/* The JSON text of a decoded packet, byte for byte: every field, integers at their extremes, the
 * payload views (UTF-8 with escapes, bytes that are not UTF-8, trytes that are not bytes, a
 * payload past the stack buffer) and the flag that leaves out the store's fields. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mamcore/payload.h"
#include "read/message_json.h"
#include "tests/testutil.h"

static void fill_id(char *out, size_t n, char c) {
  memset(out, c, n);
  out[n] = 0;
}

static mg_message_t sample(const char *payload_trytes) {
  mg_message_t m = {.cursor = 42, .ord = 7, .last = 1, .checksum = 2, .verified = 1, .received_at_ms = 1700000000123,
                    .leaf = 3};
  fill_id(m.channel_id, MG_ID_TRYTES, 'C');
  fill_id(m.endpoint_id, MG_ID_TRYTES, 'E');
  fill_id(m.message_id, MG_MSG_ID_TRYTES, 'M');
  fill_id(m.bundle, MG_ID_TRYTES, 'B');
  m.payload_trytes = (char *)payload_trytes;
  return m;
}

/* The trytes of n bytes (malloc'd, NUL-terminated). */
static char *trytes_of(const void *bytes, size_t n) {
  char *t = malloc(2 * n + 1);
  ck_assert_ptr_nonnull(t);
  mam_bytes_to_trytes(bytes, n, t);
  t[2 * n] = 0;
  return t;
}

static char *expected(const char *head, const mg_message_t *m, const char *views, const char *tail) {
  char *e = malloc(4096 + 4 * strlen(m->payload_trytes));
  ck_assert_ptr_nonnull(e);
  sprintf(e,
          "{%s\"channel_id\":\"%s\",\"endpoint_id\":\"%s\",\"message_id\":\"%s\",\"ord\":%lld,\"last\":%s,"
          "\"checksum\":\"%s\",\"verified\":%s,\"payload_trytes\":\"%s\"%s,\"bundle\":\"%s\",\"leaf\":%s%s}",
          head, m->channel_id, m->endpoint_id, m->message_id, (long long)m->ord, m->last ? "true" : "false",
          m->checksum == 2 ? "signature" : (m->checksum == 1 ? "mac" : "none"), m->verified ? "true" : "false",
          m->payload_trytes, views, m->bundle, m->checksum == 2 && m->leaf >= 0 ? "3" : "null", tail);
  return e;
}

static void check_json(const mg_message_t *m, unsigned flags, const char *want) {
  char *got = mg_message_json_text(m, flags);
  ck_assert_ptr_nonnull(got);
  ck_assert_str_eq(got, want);
  json_error_t err;
  json_t *parsed = json_loads(got, 0, &err);
  ck_assert_msg(parsed != NULL, "not JSON: %s", err.text);
  json_decref(parsed);
  free(got);
}

START_TEST(test_every_field) {
  char *p = trytes_of("Hi \"q\" \\ \x01\n\xc3\xa9", 13);
  mg_message_t m = sample(p);
  char *want = expected("\"cursor\":42,", &m,
                        ",\"payload_base64\":\"SGkgInEiIFwgAQrDqQ==\",\"payload\":\"Hi \\\"q\\\" \\\\ \\u0001\\u000a\xc3\xa9\"",
                        ",\"received_at\":1700000000123");
  check_json(&m, 0, want);
  free(want);
  want = expected("", &m, ",\"payload_base64\":\"SGkgInEiIFwgAQrDqQ==\",\"payload\":\"Hi \\\"q\\\" \\\\ \\u0001\\u000a\xc3\xa9\"",
                  "");
  check_json(&m, MG_JSON_NO_STORE_FIELDS, want);
  free(want);
  free(p);
}
END_TEST

START_TEST(test_integers_and_flags) {
  mg_message_t m = sample("");
  m.cursor = INT64_MAX;
  m.ord = INT64_MIN;
  m.last = 0, m.verified = 0, m.checksum = 1, m.received_at_ms = 0;
  char *want = expected("\"cursor\":9223372036854775807,", &m, ",\"payload_base64\":\"\",\"payload\":\"\"",
                        ",\"received_at\":0");
  check_json(&m, 0, want);
  free(want);
  m.checksum = 0, m.cursor = 0, m.ord = -1;
  want = expected("\"cursor\":0,", &m, ",\"payload_base64\":\"\",\"payload\":\"\"", ",\"received_at\":0");
  check_json(&m, 0, want);
  free(want);
  m.checksum = 2, m.leaf = -1; /* signed, leaf unknown */
  want = expected("\"cursor\":0,", &m, ",\"payload_base64\":\"\",\"payload\":\"\"", ",\"received_at\":0");
  check_json(&m, 0, want);
  free(want);
}
END_TEST

START_TEST(test_payload_not_text_or_not_bytes) {
  char *p = trytes_of("\xff\xfe", 2);
  mg_message_t m = sample(p);
  char *want = expected("", &m, ",\"payload_base64\":\"//4=\",\"payload\":null", "");
  check_json(&m, MG_JSON_NO_STORE_FIELDS, want);
  free(want);
  free(p);
  const char *not_bytes[] = {"ZZ", "ABC", "MI"}; /* 26 + 27*26, odd length, 256 */
  for (size_t i = 0; i < sizeof not_bytes / sizeof *not_bytes; i++) {
    m = sample(not_bytes[i]);
    want = expected("", &m, ",\"payload_base64\":null,\"payload\":null", "");
    check_json(&m, MG_JSON_NO_STORE_FIELDS, want);
    free(want);
  }
  m = sample(NULL);
  m.payload_trytes = NULL; /* no payload: as the empty one */
  char *got = mg_message_json_text(&m, MG_JSON_NO_STORE_FIELDS);
  ck_assert_ptr_nonnull(got);
  ck_assert_ptr_nonnull(strstr(got, "\"payload_trytes\":\"\",\"payload_base64\":\"\",\"payload\":\"\""));
  free(got);
}
END_TEST

/* Payloads around the size decoded on the stack (4096 bytes) give the same views. */
START_TEST(test_large_payloads) {
  for (size_t n = 4095; n <= 4097; n++) {
    uint8_t *bytes = malloc(n);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)('a' + i % 26);
    char *p = trytes_of(bytes, n);
    mg_message_t m = sample(p);
    char *got = mg_message_json_text(&m, 0);
    ck_assert_ptr_nonnull(got);
    json_t *o = json_loads(got, 0, NULL);
    ck_assert_ptr_nonnull(o);
    const char *text = json_string_value(json_object_get(o, "payload"));
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), n);
    ck_assert_mem_eq(text, bytes, n);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(o, "payload_base64"))), (n + 2) / 3 * 4);
    json_decref(o);
    free(got);
    free(p);
    free(bytes);
  }
}
END_TEST

static Suite *message_json_suite(void) {
  Suite *s = suite_create("message_json");
  TCase *tc = tcase_create("message_json");
  tcase_add_test(tc, test_every_field);
  tcase_add_test(tc, test_integers_and_flags);
  tcase_add_test(tc, test_payload_not_text_or_not_bytes);
  tcase_add_test(tc, test_large_payloads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(message_json_suite()); }
