/* services/rest/rest_keys.c: REST: PSKs and NTRU keys. */
#include "services/rest/rest_internal.h"

/* ---- keys ---- */

#define NTRU_NONCE_TRYTES 27 /* the key generation nonce: fresh randomness, any length */

/* n uniformly random trytes and a NUL. */
static int random_trytes(char *out, size_t n) { return mg_seal_random_trytes(out, n) == MG_SEAL_OK ? 0 : -1; }

void rest_keys_post_psk(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1];
  const char *given_id = json_string_value(json_object_get(body, "id"));
  const char *given_key = json_string_value(json_object_get(body, "key"));
  /* a shorter id is padded with 9, as the reference's users do */
  if ((json_object_get(body, "id") && (!given_id || mam_psk_id_pad(given_id, strlen(given_id), id) != MAM_OK)) ||
      (json_object_get(body, "key") && !rest_is_trytes(given_key, MG_PSK_KEY_TRYTES)))
    return mg_http_respond_error(req, 400, "bad_request", "id must be 1 to 27 trytes (padded with 9) and key 81 trytes");
  if ((given_id ? 0 : random_trytes(id, MG_PSK_ID_TRYTES)) != 0 ||
      (given_key ? (snprintf(key, sizeof key, "%s", given_key), 0) : random_trytes(key, MG_PSK_KEY_TRYTES)) != 0)
    return mg_http_respond_error(req, 500, "internal", "no random source");
  pthread_mutex_lock(r->d.store_lock);
  mg_store_err_t err = mg_store_add_psk(r->d.backends.store, id, key);
  pthread_mutex_unlock(r->d.store_lock);
  if (err == MG_STORE_EXISTS) mg_http_respond_error(req, 409, "conflict", "a PSK with this id exists");
  else if (err != MG_STORE_OK) rest_errors_respond_store_error(req, err, "");
  else mg_http_respond_json(req, 201, json_pack("{s:s, s:s}", "id", id, "key", key));
  if (err == MG_STORE_OK) mg_watcher_own_keys_changed(r->d.backends.watcher);
  mam_wipe(key, sizeof key);
}

static void list_ids(rest_t *r, mg_http_request_t *req, mg_store_err_t (*list)(mg_store_t *, char ***, size_t *),
                     const char *name) {
  if (!rest_authorised(r, req, false)) return;
  char **ids = NULL;
  size_t n = 0;
  pthread_mutex_lock(r->d.store_lock);
  mg_store_err_t err = list(r->d.backends.store, &ids, &n);
  pthread_mutex_unlock(r->d.store_lock);
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, "");
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_pack("{s:s}", "id", ids[i]));
  mg_strings_free(ids, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", name, a));
}

void rest_keys_get_psks(void *ctx, mg_http_request_t *req) { list_ids(ctx, req, mg_store_list_psks, "psks"); }

void rest_keys_delete_psk(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  char id[MG_PSK_ID_TRYTES + 1];
  if (!rest_psk_id(mg_http_param(req, "id"), id))
    return mg_http_respond_error(req, 400, "bad_request", "id must be a PSK id of 1 to 27 trytes");
  if (!rest_authorised(r, req, true)) return;
  pthread_mutex_lock(r->d.store_lock);
  mg_store_err_t err = mg_store_delete_psk(r->d.backends.store, id);
  pthread_mutex_unlock(r->d.store_lock);
  if (err == MG_STORE_NOT_FOUND) return mg_http_respond_error(req, 404, "not_found", "no PSK with this id");
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, "");
  mg_watcher_own_keys_changed(r->d.backends.watcher);
  mg_http_respond_text(req, 204, "text/plain", "", 0);
}

void rest_keys_post_ntru_key(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, true)) return;
  char seed[MAM_PRNG_KEY_TRITS / 3 + 1], nonce[NTRU_NONCE_TRYTES + 1];
  mam_trit_t key[MAM_PRNG_KEY_TRITS], nonce_trits[NTRU_NONCE_TRYTES * 3];
  mam_ntru_sk_t *sk = malloc(sizeof *sk);
  char *sk_trytes = malloc(MG_NTRU_SK_TRYTES + 1), *pk_trytes = malloc(MG_NTRU_PK_TRYTES + 1);
  mg_store_err_t err = MG_STORE_ERR_NO_MEMORY;
  if (sk && sk_trytes && pk_trytes && random_trytes(seed, MAM_PRNG_KEY_TRITS / 3) == 0 &&
      random_trytes(nonce, NTRU_NONCE_TRYTES) == 0 && mam_trytes_to_trits(seed, MAM_PRNG_KEY_TRITS / 3, key) == MAM_OK &&
      mam_trytes_to_trits(nonce, NTRU_NONCE_TRYTES, nonce_trits) == MAM_OK) {
    mam_prng_t prng;
    mam_prng_init(&prng, key);
    if (mam_ntru_keygen(&prng, nonce_trits, NTRU_NONCE_TRYTES * 3, sk) == MAM_OK) {
      mam_trit_t f[MAM_NTRU_SK_TRITS + 2] = {0};
      memcpy(f, sk->f, MAM_NTRU_SK_TRITS);
      mam_trits_to_trytes(f, sizeof f, sk_trytes);
      sk_trytes[MG_NTRU_SK_TRYTES] = 0;
      mam_trits_to_trytes(sk->pk, MAM_NTRU_PK_TRITS, pk_trytes);
      pk_trytes[MG_NTRU_PK_TRYTES] = 0;
      mam_wipe(f, sizeof f);
      char id[MAM_NTRU_ID_TRYTES + 1];
      memcpy(id, pk_trytes, MAM_NTRU_ID_TRYTES);
      id[MAM_NTRU_ID_TRYTES] = 0;
      pthread_mutex_lock(r->d.store_lock);
      err = mg_store_add_ntru(r->d.backends.store, id, sk_trytes, pk_trytes);
      pthread_mutex_unlock(r->d.store_lock);
      if (err == MG_STORE_OK) {
        mg_watcher_own_keys_changed(r->d.backends.watcher);
        mg_http_respond_json(req, 201, json_pack("{s:s, s:s}", "id", id, "public_key", pk_trytes));
      }
    }
    mam_prng_destroy(&prng);
  }
  if (err != MG_STORE_OK) rest_errors_respond_store_error(req, err, "key generation failed: ");
  if (sk) mam_ntru_sk_destroy(sk);
  if (sk_trytes) mam_wipe(sk_trytes, MG_NTRU_SK_TRYTES + 1);
  mam_wipe(seed, sizeof seed);
  mam_wipe(key, sizeof key);
  free(sk), free(sk_trytes), free(pk_trytes);
}

void rest_keys_get_ntru_keys(void *ctx, mg_http_request_t *req) { list_ids(ctx, req, mg_store_list_ntru, "ntru_keys"); }

void rest_keys_get_ntru_key(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "id"), MAM_NTRU_ID_TRYTES, "id");
  if (!id || !rest_authorised(r, req, false)) return;
  char *pk = malloc(MG_NTRU_PK_TRYTES + 1);
  if (!pk) return mg_http_respond_error(req, 500, "internal", "out of memory");
  pthread_mutex_lock(r->d.store_lock);
  mg_store_err_t err = mg_store_get_ntru(r->d.backends.store, id, NULL, pk);
  pthread_mutex_unlock(r->d.store_lock);
  if (err == MG_STORE_NOT_FOUND) mg_http_respond_error(req, 404, "not_found", "no NTRU key with this id");
  else if (err != MG_STORE_OK) rest_errors_respond_store_error(req, err, "");
  else mg_http_respond_json(req, 200, json_pack("{s:s, s:s}", "id", id, "public_key", pk));
  free(pk);
}

