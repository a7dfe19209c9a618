/* services/rest/rest_channels.c: REST: channels, endpoints and publishing. */
#include "services/rest/rest_internal.h"

static json_t *tree_json(const mg_tree_info_t *t, const char *id_name) {
  return json_pack("{s:s, s:i, s:I}", id_name, t->id, "height", (int)t->height, "remaining_signatures",
                   (json_int_t)t->remaining);
}

static json_t *channel_json(const mg_channel_info_t *info) {
  json_t *o = tree_json(&info->channel, "channel_id"), *eps = json_array();
  for (size_t i = 0; i < info->n_endpoints; i++) json_array_append_new(eps, tree_json(&info->endpoints[i], "endpoint_id"));
  json_object_set_new(o, "endpoints", eps);
  json_object_set_new(o, "active_endpoint_id",
                      info->active_endpoint >= 0 ? json_string(info->endpoints[info->active_endpoint].id) : json_null());
  return o;
}

/* ---- channels ---- */

void rest_channels_post_channel(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  uint64_t height;
  idem_t k;
  if (!body || !rest_uint_field(req, body, "height", 0, r->d.settings.max_height, 10, &height) || !rest_idem_begin(r, req, &k)) return;
  mg_channel_info_t info;
  int status = 201;
  mg_pub_err_t err = mg_writer_create_channel(r->d.backends.writer, (unsigned)height, &info);
  json_t *answer = err == MG_PUB_OK ? channel_json(&info) : rest_errors_pub_error_json(err, "", &status);
  rest_idem_respond(r, req, &k, status, answer);
  if (err == MG_PUB_OK) mg_channel_info_free(&info);
}

void rest_channels_get_channels(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, false)) return;
  char **ids;
  size_t n;
  mg_pub_err_t err = mg_writer_list_channels(r->d.backends.writer, &ids, &n);
  if (err != MG_PUB_OK) return rest_errors_respond_pub_error(req, err, "");
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    mg_channel_info_t info;
    if (mg_writer_channel_info(r->d.backends.writer, ids[i], &info) != MG_PUB_OK) continue;
    json_array_append_new(list, channel_json(&info));
    mg_channel_info_free(&info);
  }
  mg_strings_free(ids, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", "channels", list));
}

void rest_channels_get_channel(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !rest_authorised(r, req, false)) return;
  mg_channel_info_t info;
  mg_pub_err_t err = mg_writer_channel_info(r->d.backends.writer, id, &info);
  if (err != MG_PUB_OK) return rest_errors_respond_pub_error(req, err, "no such channel on this gateway");
  mg_http_respond_json(req, 200, channel_json(&info));
  mg_channel_info_free(&info);
}

void rest_channels_post_endpoint(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  uint64_t height;
  if (!body || !rest_uint_field(req, body, "height", 0, r->d.settings.max_height, 10, &height)) return;
  json_t *announce = json_object_get(body, "announce");
  if (announce && !json_is_boolean(announce)) return mg_http_respond_error(req, 400, "bad_request", "announce must be true or false");
  idem_t k;
  if (!rest_idem_begin(r, req, &k)) return;
  mg_tree_info_t ep;
  char msg[256] = "";
  int status = 201;
  mg_pub_err_t err = mg_writer_create_endpoint(r->d.backends.writer, id, (unsigned)height, !announce || json_is_true(announce), &ep, msg, sizeof msg);
  json_t *answer = err == MG_PUB_OK ? tree_json(&ep, "endpoint_id") : rest_errors_pub_error_json(err, msg, &status);
  rest_idem_respond(r, req, &k, status, answer);
}

/* ---- publishing ---- */

/* The payload as trytes from text, base64 or trytes; answers 400/413 itself and returns NULL. */
static char *payload_trytes(rest_t *r, mg_http_request_t *req, json_t *body, size_t *n_trytes, size_t *unit) {
  const char *payload = json_string_value(json_object_get(body, "payload"));
  size_t len = json_string_length(json_object_get(body, "payload"));
  const char *encoding = json_object_get(body, "encoding") ? json_string_value(json_object_get(body, "encoding")) : "text";
  if (!payload || !encoding) return mg_http_respond_error(req, 400, "bad_request", "payload (string) is required"), NULL;
  if (strcmp(encoding, "trytes") == 0) {
    if (!mam_trytes_valid(payload, len)) return mg_http_respond_error(req, 400, "bad_request", "payload is not trytes"), NULL;
    if (len > 2 * r->d.settings.max_payload_bytes)
      return mg_http_respond_error(req, 413, "payload_too_large", "payload over %llu trytes", (unsigned long long)(2 * r->d.settings.max_payload_bytes)), NULL;
    *n_trytes = len;
    *unit = 1;
    return strdup(payload);
  }
  uint8_t *bytes = malloc(len + 1);
  size_t n = len;
  if (!bytes) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  if (strcmp(encoding, "base64") == 0) {
    struct base64_decode_ctx dc;
    base64_decode_init(&dc);
    n = len;
    if (!base64_decode_update(&dc, &n, bytes, len, payload) || !base64_decode_final(&dc)) {
      free(bytes);
      return mg_http_respond_error(req, 400, "bad_request", "payload is not valid base64"), NULL;
    }
  } else if (strcmp(encoding, "text") == 0) {
    memcpy(bytes, payload, len);
  } else {
    free(bytes);
    return mg_http_respond_error(req, 400, "bad_request", "encoding must be text, base64 or trytes"), NULL;
  }
  if (n > r->d.settings.max_payload_bytes) {
    free(bytes);
    return mg_http_respond_error(req, 413, "payload_too_large", "payload over %llu bytes", (unsigned long long)r->d.settings.max_payload_bytes), NULL;
  }
  char *trytes = malloc(2 * n + 1);
  if (trytes) {
    mam_bytes_to_trytes(bytes, n, trytes);
    trytes[2 * n] = 0;
    *n_trytes = 2 * n;
    *unit = 2;
  }
  free(bytes);
  return trytes;
}

static bool parse_checksum(const char *s, mam_checksum_t *out) {
  static const char *const names[] = {"none", "mac", "signature"};
  for (int i = 0; s && i < 3; i++)
    if (strcmp(s, names[i]) == 0) return *out = (mam_checksum_t)i, true;
  return false;
}

/* PSKs named by id, loaded from the store; answers itself on error. */
static mam_psk_t *load_psks(rest_t *r, mg_http_request_t *req, json_t *ids, size_t *n) {
  *n = json_array_size(ids);
  mam_psk_t *psks = calloc(*n + 1, sizeof *psks);
  if (!psks) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  for (size_t i = 0; i < *n; i++) {
    char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1];
    if (!rest_psk_id(json_string_value(json_array_get(ids, i)), id)) {
      free(psks);
      return mg_http_respond_error(req, 400, "bad_request", "psks must be PSK ids of 1 to 27 trytes"), NULL;
    }
    pthread_mutex_lock(r->d.store_lock);
    mg_store_err_t err = mg_store_get_psk(r->d.backends.store, id, key);
    pthread_mutex_unlock(r->d.store_lock);
    if (err != MG_STORE_OK || mam_trytes_to_trits(id, MG_PSK_ID_TRYTES, psks[i].id) != MAM_OK ||
        mam_trytes_to_trits(key, MG_PSK_KEY_TRYTES, psks[i].key) != MAM_OK) {
      mam_wipe(psks, *n * sizeof *psks);
      free(psks);
      mam_wipe(key, sizeof key);
      if (err != MG_STORE_OK && err != MG_STORE_NOT_FOUND) return rest_errors_respond_store_error(req, err, "PSKs: "), NULL;
      return mg_http_respond_error(req, 404, "not_found", "unknown PSK id %s", id), NULL;
    }
    mam_wipe(key, sizeof key);
  }
  return psks;
}

static mam_trit_t *load_ntru_pks(mg_http_request_t *req, json_t *pks, size_t *n) {
  *n = json_array_size(pks);
  mam_trit_t *out = malloc((*n + 1) * MAM_NTRU_PK_TRITS);
  if (!out) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  for (size_t i = 0; i < *n; i++) {
    const char *pk = json_string_value(json_array_get(pks, i));
    if (!rest_is_trytes(pk, MG_NTRU_PK_TRYTES) || mam_trytes_to_trits(pk, MG_NTRU_PK_TRYTES, out + i * MAM_NTRU_PK_TRITS) != MAM_OK) {
      free(out);
      return mg_http_respond_error(req, 400, "bad_request", "ntru_public_keys must be public keys of 3072 trytes"), NULL;
    }
  }
  return out;
}

void rest_channels_post_message(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  mg_publish_request_t pr = {.channel_id = id, .checksum = MAM_CHECKSUM_SIG};
  json_t *cs = json_object_get(body, "checksum"), *ep = json_object_get(body, "endpoint_id");
  json_t *psk_ids = json_object_get(body, "psks"), *pks = json_object_get(body, "ntru_public_keys");
  uint64_t packets;
  if (cs && !parse_checksum(json_string_value(cs), &pr.checksum))
    return mg_http_respond_error(req, 400, "bad_request", "checksum must be none, mac or signature");
  if (ep && !(pr.endpoint_id = rest_valid_id(req, json_string_value(ep), ID, "endpoint_id"))) return;
  if ((psk_ids && !json_is_array(psk_ids)) || (pks && !json_is_array(pks)))
    return mg_http_respond_error(req, 400, "bad_request", "psks and ntru_public_keys must be arrays");
  if (json_array_size(psk_ids) + json_array_size(pks) > r->d.settings.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu keys", (unsigned long long)r->d.settings.max_list);
  if (!rest_uint_field(req, body, "packets", 1, r->d.settings.max_list, 1, &packets)) return;
  pr.packets = (size_t)packets;
  char *trytes = payload_trytes(r, req, body, &pr.payload_len, &pr.unit_trytes);
  if (!trytes) return;
  pr.payload_trytes = trytes;
  mam_psk_t *psks = load_psks(r, req, psk_ids, &pr.n_psks);
  mam_trit_t *ntru = psks ? load_ntru_pks(req, pks, &pr.n_ntru) : NULL;
  idem_t k;
  if (psks && ntru && rest_idem_begin(r, req, &k)) {
    pr.psks = psks;
    pr.ntru_pks = ntru;
    mg_publish_result_t res;
    char msg[512] = "";
    int status = 201;
    mg_pub_err_t err = mg_writer_publish(r->d.backends.writer, &pr, &res, msg, sizeof msg);
    if (err != MG_PUB_OK) {
      json_t *answer = rest_errors_pub_error_json(err, msg, &status);
      rest_idem_respond(r, req, &k, status, answer);
    } else {
      json_t *bundles = json_array(), *leaves = json_array();
      for (size_t i = 0; i < res.n_bundles; i++) json_array_append_new(bundles, json_string(res.bundles[i]));
      for (uint64_t i = 0; i < res.n_leaves; i++) json_array_append_new(leaves, json_integer((json_int_t)(res.first_leaf + i)));
      json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "channel_id", id, "message_id", res.message_id,
                            "endpoint_id", res.signer_id, "bundles", bundles, "leaves", leaves, "remaining_signatures",
                            (json_int_t)res.remaining);
      if (res.rotated_to[0]) json_object_set_new(o, "rotated_to", json_string(res.rotated_to));
      rest_idem_respond(r, req, &k, status, o);
    }
    mg_publish_result_free(&res);
  }
  if (psks) mam_wipe(psks, pr.n_psks * sizeof *psks);
  free(psks);
  free(ntru);
  free(trytes);
}

