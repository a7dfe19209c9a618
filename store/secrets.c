/* store/secrets.c: the front's secrets (store/store.h): PSK keys, NTRU secret keys and named
 * secrets are sealed with the fleet key (seal/seal.h, label "<kind>:<id>") before an engine sees
 * them and opened after it reads them, and the fleet key is checked at open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"
#include "seal/check.h"
#include "seal/seal.h"
#include "store/front.h"

/* ---- the fleet key at open ---- */

/* A sealed store's check: records the key's check value when the database has none (the first
 * open), then verifies the one it holds. */
mg_store_err_t store_check_fleet_key(mg_store_t *s) {
  char made[MG_SEAL_CHECK_TEXT_SIZE];
  if (mg_seal_check_make(&s->key, made, sizeof made) != MG_SEAL_OK)
    return store_fail(s, MG_STORE_ERR_DB, "cannot make the fleet key check value (no random bytes)");
  char *stored = NULL;
  mg_store_err_t err = s->engine->init_meta(s->conn, MG_STORE_FLEET_KEY_CHECK, made, &stored);
  if (err) return err;
  mg_seal_err_t serr = mg_seal_check_verify(&s->key, stored, strlen(stored));
  free(stored);
  if (serr == MG_SEAL_ERR_KEY_MISMATCH) return store_fail(s, MG_STORE_ERR_KEY, "the fleet key is not this database's");
  if (serr != MG_SEAL_OK) return store_fail(s, MG_STORE_ERR_CORRUPT, "the database's fleet key check value is damaged");
  return MG_STORE_OK;
}

/* An unsealed store refuses a database whose secrets are sealed (it holds a key check value). */
mg_store_err_t store_check_no_fleet_key(mg_store_t *s) {
  char *stored = NULL;
  mg_store_err_t err = s->engine->get_meta(s->conn, MG_STORE_FLEET_KEY_CHECK, &stored);
  free(stored);
  if (err == MG_STORE_NOT_FOUND) return MG_STORE_OK;
  return err ? err : store_fail(s, MG_STORE_ERR_KEY, "this database's secrets are sealed: it needs the fleet key");
}

/* ---- secrets as stored: sealed with the fleet key, or as they are ---- */

#define PSK_KIND "psk"
#define NTRU_KIND "ntru"
#define SECRET_KIND "secret"

static void make_label(char label[MG_SEAL_LABEL_MAX + 1], const char *kind, const char *id) {
  snprintf(label, MG_SEAL_LABEL_MAX + 1, "%s:%s", kind, id);
}

/* The bytes the engine stores for a secret (malloc'd, NUL-terminated): its sealed text under the
 * label "<kind>:<id>", or a copy of it when the store has no key. */
static mg_store_err_t to_stored(mg_store_t *s, const char *kind, const char *id, const uint8_t *plain, size_t len,
                                char **stored, size_t *stored_len) {
  size_t size = s->sealed ? MG_SEAL_TEXT_SIZE(len) : len + 1;
  char *text = malloc(size);
  if (!text) return store_fail(s, MG_STORE_ERR_NO_MEMORY, "out of memory");
  if (s->sealed) {
    char label[MG_SEAL_LABEL_MAX + 1];
    make_label(label, kind, id);
    if (mg_seal(&s->key, label, plain, len, text, size) != MG_SEAL_OK) {
      free(text);
      return store_fail(s, MG_STORE_ERR_DB, "cannot seal a secret (no random bytes)");
    }
  } else {
    memcpy(text, plain, len);
    text[len] = '\0';
  }
  *stored = text;
  *stored_len = size - 1;
  return MG_STORE_OK;
}

/* Opens what the engine read for a secret into plain (plain_size bytes): the sealed text opened with
 * the key, or the bytes as they are. A value that does not open is refused (MG_STORE_ERR_CORRUPT),
 * never half-read; one longer than plain_size is MG_STORE_ERR_ARG. */
static mg_store_err_t from_stored(mg_store_t *s, const char *kind, const char *id, const uint8_t *stored,
                                  size_t stored_len, uint8_t *plain, size_t plain_size, size_t *plain_len) {
  if (!s->sealed) {
    if (stored_len > plain_size) return store_fail(s, MG_STORE_ERR_ARG, "the stored secret is longer than the buffer");
    memcpy(plain, stored, stored_len);
    *plain_len = stored_len;
    return MG_STORE_OK;
  }
  char label[MG_SEAL_LABEL_MAX + 1];
  make_label(label, kind, id);
  mg_seal_err_t serr = mg_seal_open(&s->key, label, (const char *)stored, stored_len, plain, plain_size, plain_len);
  if (serr == MG_SEAL_OK) return MG_STORE_OK;
  if (serr == MG_SEAL_ERR_BUFFER) return store_fail(s, MG_STORE_ERR_ARG, "the stored secret is longer than the buffer");
  snprintf(s->errmsg, sizeof s->errmsg, "a sealed %s in the database does not open with the fleet key: %s", kind,
           mg_seal_strerror(serr));
  return MG_STORE_ERR_CORRUPT;
}

/* A stored key of exactly `trytes` trytes into out[trytes + 1]. */
static mg_store_err_t key_from_stored(mg_store_t *s, const char *kind, const char *id, const char *stored,
                                      char *out, size_t trytes) {
  size_t len = 0;
  mg_store_err_t err =
      from_stored(s, kind, id, (const uint8_t *)stored, strlen(stored), (uint8_t *)out, trytes, &len);
  if (err == MG_STORE_ERR_ARG || (!err && (len != trytes || !mam_trytes_valid(out, trytes))))
    err = store_fail(s, MG_STORE_ERR_CORRUPT, "malformed key row");
  if (err) explicit_bzero(out, trytes);
  out[err ? 0 : trytes] = '\0';
  return err;
}

static void free_secret(char *text, size_t len) {
  if (!text) return;
  explicit_bzero(text, len);
  free(text);
}

/* ---- keys ---- */

mg_store_err_t mg_store_add_psk(mg_store_t *s, const char *id, const char *key) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(id, MG_PSK_ID_TRYTES) || !store_valid_id(key, MG_PSK_KEY_TRYTES))
    return store_fail(s, MG_STORE_ERR_ARG, "invalid PSK id or key");
  char *text = NULL;
  size_t len = 0;
  mg_store_err_t err = to_stored(s, PSK_KIND, id, (const uint8_t *)key, MG_PSK_KEY_TRYTES, &text, &len);
  if (!err) err = s->engine->add_psk(s->conn, id, text);
  free_secret(text, len);
  return err;
}

mg_store_err_t mg_store_get_psk(mg_store_t *s, const char *id, char key[MG_PSK_KEY_TRYTES + 1]) {
  if (!s || !key) return MG_STORE_ERR_ARG;
  if (!store_valid_id(id, MG_PSK_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid PSK id");
  char *text = NULL;
  mg_store_err_t err = s->engine->get_psk(s->conn, id, &text);
  if (!err) err = key_from_stored(s, PSK_KIND, id, text, key, MG_PSK_KEY_TRYTES);
  if (text) free_secret(text, strlen(text));
  return err;
}

mg_store_err_t mg_store_delete_psk(mg_store_t *s, const char *id) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(id, MG_PSK_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid id");
  return s->engine->delete_psk(s->conn, id);
}

mg_store_err_t mg_store_list_psks(mg_store_t *s, char ***ids, size_t *n) {
  if (!s || !store_start_id_list(ids, n)) return MG_STORE_ERR_ARG;
  return s->engine->list_psks(s->conn, ids, n);
}

mg_store_err_t mg_store_add_ntru(mg_store_t *s, const char *id, const char *sk, const char *pk) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(id, MG_PSK_ID_TRYTES) || !store_valid_id(sk, MG_NTRU_SK_TRYTES) || !store_valid_id(pk, MG_NTRU_PK_TRYTES) ||
      memcmp(id, pk, MG_PSK_ID_TRYTES) != 0)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid NTRU id or key");
  char *text = NULL;
  size_t len = 0;
  mg_store_err_t err = to_stored(s, NTRU_KIND, id, (const uint8_t *)sk, MG_NTRU_SK_TRYTES, &text, &len);
  if (!err) err = s->engine->add_ntru(s->conn, id, text, pk);
  free_secret(text, len);
  return err;
}

mg_store_err_t mg_store_get_ntru(mg_store_t *s, const char *id, char sk[MG_NTRU_SK_TRYTES + 1],
                                 char pk[MG_NTRU_PK_TRYTES + 1]) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(id, MG_PSK_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid NTRU key id");
  char *text = NULL;
  mg_store_err_t err = s->engine->get_ntru(s->conn, id, sk ? &text : NULL, pk);
  if (!err && sk) err = key_from_stored(s, NTRU_KIND, id, text, sk, MG_NTRU_SK_TRYTES);
  if (text) free_secret(text, strlen(text));
  return err;
}

mg_store_err_t mg_store_list_ntru(mg_store_t *s, char ***ids, size_t *n) {
  if (!s || !store_start_id_list(ids, n)) return MG_STORE_ERR_ARG;
  return s->engine->list_ntru(s->conn, ids, n);
}

static bool valid_secret_name(const char *name) {
  size_t len = name ? strnlen(name, MG_SECRET_NAME_MAX + 1) : 0;
  return len >= 1 && len <= MG_SECRET_NAME_MAX;
}

mg_store_err_t mg_store_init_secret(mg_store_t *s, const char *name, const uint8_t *candidate, size_t len,
                                    uint8_t *out, size_t out_size, size_t *out_len) {
  if (!s || !out || !out_len) return MG_STORE_ERR_ARG;
  *out_len = 0;
  if (!valid_secret_name(name) || !candidate || len == 0 || len > MG_SEAL_PLAIN_MAX)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid secret name or length");
  char *text = NULL;
  size_t text_len = 0;
  mg_store_err_t err = to_stored(s, SECRET_KIND, name, candidate, len, &text, &text_len);
  uint8_t *stored = NULL;
  size_t stored_len = 0;
  if (!err) err = s->engine->init_secret(s->conn, name, (const uint8_t *)text, text_len, &stored, &stored_len);
  free_secret(text, text_len);
  if (!err) err = from_stored(s, SECRET_KIND, name, stored, stored_len, out, out_size, out_len);
  free_secret((char *)stored, stored_len);
  return err;
}

