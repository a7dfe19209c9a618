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

typedef struct channel_job {
  rest_job_t base; /* first */
  unsigned height;
} channel_job_t;

static json_t *run_channel(rest_job_t *job, int *status) {
  channel_job_t *j = (channel_job_t *)job;
  mg_channel_info_t info;
  mg_pub_err_t err = mg_writer_create_channel(job->r->d.backends.writer, j->height, &info);
  if (err != MG_PUB_OK) return rest_errors_pub_error_json(err, "", status);
  json_t *answer = channel_json(&info);
  mg_channel_info_free(&info);
  return answer;
}

static void free_job(rest_job_t *job) { free(job); }

void rest_channels_post_channel(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  uint64_t height;
  idem_t k;
  if (!body || !rest_uint_field(req, body, "height", 0, r->d.settings.max_height, 10, &height) || !rest_idem_begin(r, req, &k)) return;
  channel_job_t *j = calloc(1, sizeof *j);
  if (!j) return rest_idem_respond(r, req, &k, 500, mg_http_error_json("internal", "out of memory"));
  *j = (channel_job_t){.base = {.run = run_channel, .free_fn = free_job}, .height = (unsigned)height};
  rest_writes_run(r, req, &j->base, &k);
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

typedef struct endpoint_job {
  rest_job_t base; /* first */
  char channel_id[ID + 1];
  unsigned height;
  bool announce;
} endpoint_job_t;

static json_t *run_endpoint(rest_job_t *job, int *status) {
  endpoint_job_t *j = (endpoint_job_t *)job;
  mg_tree_info_t ep;
  char msg[256] = "";
  mg_pub_err_t err = mg_writer_create_endpoint(job->r->d.backends.writer, j->channel_id, j->height, j->announce, &ep, msg, sizeof msg);
  return err == MG_PUB_OK ? tree_json(&ep, "endpoint_id") : rest_errors_pub_error_json(err, msg, status);
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
  endpoint_job_t *j = calloc(1, sizeof *j);
  if (!j) return rest_idem_respond(r, req, &k, 500, mg_http_error_json("internal", "out of memory"));
  *j = (endpoint_job_t){.base = {.run = run_endpoint, .free_fn = free_job}, .height = (unsigned)height,
                        .announce = !announce || json_is_true(announce)};
  snprintf(j->channel_id, sizeof j->channel_id, "%s", id);
  rest_writes_run(r, req, &j->base, &k);
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

/* A publish: copies of the request's ids, and the payload and keys it owns. */
typedef struct publish_job {
  rest_job_t base; /* first */
  mg_publish_request_t pr;
  char channel_id[ID + 1], endpoint_id[ID + 1];
  char *trytes;
  mam_psk_t *psks;
  mam_trit_t *ntru;
} publish_job_t;

static json_t *publish_json(const char *id, const mg_publish_result_t *res) {
  json_t *bundles = json_array(), *leaves = json_array();
  for (size_t i = 0; i < res->n_bundles; i++) json_array_append_new(bundles, json_string(res->bundles[i]));
  for (uint64_t i = 0; i < res->n_leaves; i++) json_array_append_new(leaves, json_integer((json_int_t)(res->first_leaf + i)));
  json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "channel_id", id, "message_id", res->message_id,
                        "endpoint_id", res->signer_id, "bundles", bundles, "leaves", leaves, "remaining_signatures",
                        (json_int_t)res->remaining);
  if (o && res->rotated_to[0]) json_object_set_new(o, "rotated_to", json_string(res->rotated_to));
  return o;
}

static json_t *run_publish(rest_job_t *job, int *status) {
  publish_job_t *j = (publish_job_t *)job;
  mg_publish_result_t res;
  char msg[512] = "";
  mg_pub_err_t err = mg_writer_publish(job->r->d.backends.writer, &j->pr, &res, msg, sizeof msg);
  json_t *answer = err == MG_PUB_OK ? publish_json(j->channel_id, &res) : rest_errors_pub_error_json(err, msg, status);
  mg_publish_result_free(&res);
  return answer;
}

static void free_publish(rest_job_t *job) {
  publish_job_t *j = (publish_job_t *)job;
  if (j->psks) mam_wipe(j->psks, j->pr.n_psks * sizeof *j->psks);
  free(j->psks);
  free(j->ntru);
  free(j->trytes);
  free(j);
}

/* The publish request's fields but its payload and keys; answers 400/413 itself and returns false. */
static bool publish_fields(rest_t *r, mg_http_request_t *req, json_t *body, publish_job_t *j) {
  json_t *cs = json_object_get(body, "checksum"), *ep = json_object_get(body, "endpoint_id");
  json_t *psk_ids = json_object_get(body, "psks"), *pks = json_object_get(body, "ntru_public_keys");
  uint64_t packets;
  const char *ep_id = NULL;
  if (cs && !parse_checksum(json_string_value(cs), &j->pr.checksum))
    return mg_http_respond_error(req, 400, "bad_request", "checksum must be none, mac or signature"), false;
  if (ep && !(ep_id = rest_valid_id(req, json_string_value(ep), ID, "endpoint_id"))) return false;
  if ((psk_ids && !json_is_array(psk_ids)) || (pks && !json_is_array(pks)))
    return mg_http_respond_error(req, 400, "bad_request", "psks and ntru_public_keys must be arrays"), false;
  if (json_array_size(psk_ids) + json_array_size(pks) > r->d.settings.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu keys", (unsigned long long)r->d.settings.max_list), false;
  if (!rest_uint_field(req, body, "packets", 1, r->d.settings.max_list, 1, &packets)) return false;
  j->pr.packets = (size_t)packets;
  if (ep_id) {
    snprintf(j->endpoint_id, sizeof j->endpoint_id, "%s", ep_id);
    j->pr.endpoint_id = j->endpoint_id;
  }
  return true;
}

void rest_channels_post_message(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  publish_job_t *j = calloc(1, sizeof *j);
  if (!j) return mg_http_respond_error(req, 500, "internal", "out of memory");
  j->base = (rest_job_t){.run = run_publish, .free_fn = free_publish};
  snprintf(j->channel_id, sizeof j->channel_id, "%s", id);
  j->pr = (mg_publish_request_t){.channel_id = j->channel_id, .checksum = MAM_CHECKSUM_SIG};
  idem_t k;
  if (publish_fields(r, req, body, j) &&
      (j->trytes = payload_trytes(r, req, body, &j->pr.payload_len, &j->pr.unit_trytes)) &&
      (j->psks = load_psks(r, req, json_object_get(body, "psks"), &j->pr.n_psks)) &&
      (j->ntru = load_ntru_pks(req, json_object_get(body, "ntru_public_keys"), &j->pr.n_ntru)) &&
      rest_idem_begin(r, req, &k)) {
    j->pr.payload_trytes = j->trytes;
    j->pr.psks = j->psks;
    j->pr.ntru_pks = j->ntru;
    return rest_writes_run(r, req, &j->base, &k);
  }
  free_publish(&j->base);
}
