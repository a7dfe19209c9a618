#include "plugin/msgjson.h"

#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/payload.h"

static const char *checksum_name(int checksum) {
  return checksum == 2 ? "signature" : (checksum == 1 ? "mac" : "none");
}

/* Sets payload_base64 and payload from the trytes when they decode to bytes. */
static void add_payload_views(json_t *o, const char *trytes) {
  size_t n = strlen(trytes);
  uint8_t *bytes = malloc(n / 2 + 1);
  char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(n / 2) + 1);
  json_t *base64 = json_null(), *text = json_null();
  if (bytes && b64 && mam_trytes_to_bytes(trytes, n, bytes) == MAM_OK) {
    base64_encode_raw(b64, n / 2, bytes);
    b64[BASE64_ENCODE_RAW_LENGTH(n / 2)] = 0;
    base64 = json_string(b64);
    if (mam_utf8_valid(bytes, n / 2)) text = json_stringn((const char *)bytes, n / 2);
  }
  json_object_set_new(o, "payload_base64", base64 ? base64 : json_null());
  json_object_set_new(o, "payload", text ? text : json_null());
  free(bytes);
  free(b64);
}

json_t *mg_message_json(const mg_message_t *m) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b, s:s, s:b, s:s, s:s, s:I}", "cursor", (json_int_t)m->cursor,
                        "channel_id", m->channel_id, "endpoint_id", m->endpoint_id, "message_id", m->message_id,
                        "ord", (json_int_t)m->ord, "last", m->last, "checksum", checksum_name(m->checksum),
                        "verified", m->verified, "payload_trytes", m->payload_trytes ? m->payload_trytes : "",
                        "bundle", m->bundle, "received_at", (json_int_t)m->received_at_ms);
  if (o) add_payload_views(o, m->payload_trytes ? m->payload_trytes : "");
  return o;
}

char *mg_message_json_text(const mg_message_t *m) {
  json_t *o = mg_message_json(m);
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return text;
}
