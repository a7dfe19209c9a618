/* store/front.h: inside the front of the storage layer (store/store.c, store/secrets.c,
 * store/batch.c): the store handle and the helpers they share. Not for engines, nor for use outside store/. */
#ifndef STORE_FRONT_H
#define STORE_FRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "seal/key.h"
#include "store/store.h"

struct mg_store {
  const mg_store_engine_t *engine;
  mg_store_conn_t *conn;
  bool sealed;       /* secrets are sealed with key */
  mg_seal_key_t key; /* the store's own copy, wiped at close */
  char errmsg[MG_STORE_ERRMSG_MAX];
};

/* Records the front's own message (never a value: values may be keys) and returns err. */
mg_store_err_t store_fail(mg_store_t *s, mg_store_err_t err, const char *what);
/* id is exactly `trytes` trytes (9A-Z). */
bool store_valid_id(const char *id, size_t trytes);
/* A blob is NULL exactly when its length is 0. */
bool store_valid_blob(const void *data, size_t len);
/* Readies an id list's out-pointers; false when they are missing. */
bool store_start_id_list(char ***ids, size_t *n);

/* At open, with a key: records the key's check value when the database has none (the first open),
 * then verifies the one it holds (MG_STORE_ERR_KEY for another key). */
mg_store_err_t store_check_fleet_key(mg_store_t *s);
/* At open, without a key: a database whose secrets are sealed is refused (MG_STORE_ERR_KEY). */
mg_store_err_t store_check_no_fleet_key(mg_store_t *s);

#endif
