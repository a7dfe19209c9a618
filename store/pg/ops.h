/* store/pg/ops.h: the operations of the PostgreSQL engine, one file per entity, gathered into
 * mg_store_pq_engine by engine.c. Each has the contract of its slot in mg_store_engine_t. */
#ifndef STORE_PG_OPS_H
#define STORE_PG_OPS_H

#include "store/store.h"

/* open.c */
mg_store_err_t pq_open(const char *where, char *errmsg, mg_store_conn_t **out);
void pq_close(mg_store_conn_t *c);
mg_store_err_t pq_set_size_limit(mg_store_conn_t *c, uint64_t max_bytes);
mg_store_err_t pq_schema_version(mg_store_conn_t *c, int64_t *version);

/* messages.c */
mg_store_err_t pq_put_messages(mg_store_conn_t *c, mg_message_t *msgs, size_t n, int *inserted);
mg_store_err_t pq_list_messages(mg_store_conn_t *c, char *const *channel_ids, size_t n_channels, int64_t after,
                                    size_t limit, mg_message_t **out, size_t *n);
mg_store_err_t pq_get_message(mg_store_conn_t *c, const char *channel_id, const char *message_id,
                                  mg_message_t **out, size_t *n);
mg_store_err_t pq_count_messages(mg_store_conn_t *c, const char *channel_id, int64_t *count);
mg_store_err_t pq_channel_known(mg_store_conn_t *c, const char *channel_id, int *known);
mg_store_err_t pq_list_message_channels(mg_store_conn_t *c, char ***ids, size_t *n);

/* watches.c */
mg_store_err_t pq_add_watches(mg_store_conn_t *c, const mg_watch_t *w, size_t n, size_t *failed);
mg_store_err_t pq_set_watch_state(mg_store_conn_t *c, const char *channel_id, const uint8_t *state, size_t len);
mg_store_err_t pq_remove_watch(mg_store_conn_t *c, const char *channel_id);
mg_store_err_t pq_list_watches(mg_store_conn_t *c, mg_watch_t **out, size_t *n);

/* keys.c */
mg_store_err_t pq_add_psk(mg_store_conn_t *c, const char *id, const char *key_text);
mg_store_err_t pq_get_psk(mg_store_conn_t *c, const char *id, char **key_text);
mg_store_err_t pq_delete_psk(mg_store_conn_t *c, const char *id);
mg_store_err_t pq_list_psks(mg_store_conn_t *c, char ***ids, size_t *n);
mg_store_err_t pq_add_ntru(mg_store_conn_t *c, const char *id, const char *sk_text, const char *pk);
mg_store_err_t pq_get_ntru(mg_store_conn_t *c, const char *id, char **sk_text, char pk[MG_NTRU_PK_TRYTES + 1]);
mg_store_err_t pq_list_ntru(mg_store_conn_t *c, char ***ids, size_t *n);

/* channels.c */
mg_store_err_t pq_put_channel(mg_store_conn_t *c, const char *channel_id, int64_t number, const uint8_t *state,
                                  size_t len);
mg_store_err_t pq_get_channel(mg_store_conn_t *c, const char *channel_id, int64_t *number, uint8_t **state,
                                  size_t *len);
mg_store_err_t pq_list_channels(mg_store_conn_t *c, char ***ids, size_t *n);
mg_store_err_t pq_next_channel_number(mg_store_conn_t *c, int64_t *number);
mg_store_err_t pq_reserve(mg_store_conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t floor,
                              uint64_t count, uint64_t *first);
mg_store_err_t pq_list_trees(mg_store_conn_t *c, mg_store_counter_t kind, char ***ids, size_t *n);
mg_store_err_t pq_raise_channel_number(mg_store_conn_t *c, int64_t floor);
mg_store_err_t pq_next_free(mg_store_conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t *next);

/* meta.c */
mg_store_err_t pq_get_meta(mg_store_conn_t *c, const char *key, char **value);
mg_store_err_t pq_set_meta(mg_store_conn_t *c, const char *key, const char *value);
mg_store_err_t pq_idem_reserve(mg_store_conn_t *c, const char *scope, const char *key, const char *request_hash,
                                   int64_t now_ms, int64_t expire_before_ms, mg_idem_entry_t *found);
mg_store_err_t pq_idem_finish(mg_store_conn_t *c, const char *scope, const char *key, int status, const char *body);
mg_store_err_t pq_idem_release(mg_store_conn_t *c, const char *scope, const char *key);
mg_store_err_t pq_init_meta(mg_store_conn_t *c, const char *key, const char *value, char **stored);
mg_store_err_t pq_init_secret(mg_store_conn_t *c, const char *name, const uint8_t *value, size_t len,
                                  uint8_t **stored, size_t *stored_len);

/* messages.c */
mg_store_err_t pq_last_cursor(mg_store_conn_t *c, int64_t *cursor);
mg_store_err_t pq_wait_messages(mg_store_conn_t *c, int64_t after, int timeout_ms, int64_t *last);

/* fleet.c */
mg_store_err_t pq_heartbeat(mg_store_conn_t *c, const char *instance_id, const char *info, int64_t now_ms);
mg_store_err_t pq_list_instances(mg_store_conn_t *c, int64_t seen_since_ms, mg_instance_t **out, size_t *n);

#endif
