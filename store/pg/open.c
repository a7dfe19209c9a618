/* store/pg/open.c: opening a PostgreSQL store: the session and the schema migrations; closing it;
 * its (absent) size limit and its schema version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/conn.h"
#include "store/pg/ops.h"

/* migrations[v] brings a database from version v to v + 1, each in its own transaction. Append
 * only: never edit a step that has shipped. */
static const char *const migrations[] = {
    /* 0 -> 1: the schema of SQLite's version 4, in PostgreSQL's types. The cursor comes from a
     * sequence taken under an advisory lock held to the commit (see put_messages). */
    "CREATE SEQUENCE messages_cursor;"
    "CREATE TABLE messages ("
    " cursor BIGINT PRIMARY KEY,"
    " channel_id TEXT NOT NULL,"
    " endpoint_id TEXT NOT NULL,"
    " message_id TEXT NOT NULL,"
    " ord BIGINT NOT NULL,"
    " last SMALLINT NOT NULL,"
    " checksum SMALLINT NOT NULL,"
    " verified SMALLINT NOT NULL,"
    " payload TEXT NOT NULL,"
    " bundle TEXT NOT NULL,"
    " received_at_ms BIGINT NOT NULL,"
    " leaf BIGINT,"
    " UNIQUE (channel_id, message_id, ord));"
    "CREATE INDEX messages_by_channel ON messages (channel_id, cursor);"
    "CREATE TABLE watches (channel_id TEXT PRIMARY KEY, options TEXT NOT NULL, state BYTEA,"
    " created_at_ms BIGINT NOT NULL);"
    "CREATE TABLE psks (id TEXT PRIMARY KEY, key TEXT NOT NULL);"
    "CREATE TABLE ntru_keys (id TEXT PRIMARY KEY, sk TEXT NOT NULL, pk TEXT NOT NULL);"
    "CREATE TABLE channels (channel_id TEXT PRIMARY KEY, number BIGINT NOT NULL, state BYTEA);"
    "CREATE TABLE mss_leaves (tree_id TEXT PRIMARY KEY, next_free BIGINT NOT NULL);"
    "CREATE TABLE msg_numbers (tree_id TEXT PRIMARY KEY, next_free BIGINT NOT NULL);"
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE idempotency_keys (scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL, body TEXT, created_at_ms BIGINT NOT NULL, PRIMARY KEY (scope, key));"
    "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at_ms);"
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE instances (id TEXT PRIMARY KEY, info TEXT NOT NULL, seen_ms BIGINT NOT NULL);",
};
#define SCHEMA_VERSION ((int64_t)(sizeof migrations / sizeof migrations[0]))

/* The advisory lock (transaction-scoped) that serialises migrations of one database. */
#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(30787894975231077)" /* the bytes of "mamgate" */

/* The version table, made (empty, version 0) by the first process, under the lock. */
#define VERSION_TABLE                                                                                 \
  "CREATE TABLE IF NOT EXISTS mamgate_schema (one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),"     \
  " version INTEGER NOT NULL);"                                                                      \
  "INSERT INTO mamgate_schema (version) VALUES (0) ON CONFLICT (one) DO NOTHING"

typedef struct migration_step {
  int64_t version; /* found under the lock */
} migration_step_t;

/* One transaction: takes the lock, reads the version and applies the next step when one is due. */
static mg_store_err_t step_in_transaction(conn_t *c, void *ctx) {
  migration_step_t *m = ctx;
  mg_store_err_t err = pq_exec(c, MIGRATION_LOCK);
  if (!err) err = pq_exec(c, VERSION_TABLE);
  if (!err) err = pq_query_int(c, Q_SCHEMA_VERSION, NULL, &m->version);
  if (err) return err;
  if (m->version > SCHEMA_VERSION) return pq_fail(c, MG_STORE_ERR_SCHEMA, "database schema is newer than this mamgate");
  if (m->version < 0) return pq_fail(c, MG_STORE_ERR_CORRUPT, "negative schema version");
  if (m->version == SCHEMA_VERSION) return MG_STORE_OK;
  err = pq_exec(c, migrations[m->version]);
  if (!err) {
    char sql[64];
    snprintf(sql, sizeof sql, "UPDATE mamgate_schema SET version = %d", (int)(m->version + 1));
    err = pq_exec(c, sql);
  }
  return err;
}

/* Brings the schema to SCHEMA_VERSION, one migration per transaction. Another process may run the
 * same at the same time: the lock makes it wait, then it finds the work done. */
static mg_store_err_t migrate(conn_t *c) {
  migration_step_t m = {0};
  mg_store_err_t err;
  do err = pq_transaction(c, step_in_transaction, &m);
  while (!err && m.version < SCHEMA_VERSION);
  return err;
}

mg_store_err_t pq_open(const char *where, char *errmsg, conn_t **out) {
  /* the front strips "postgresql:" or "postgres:"; libpq takes the URI whole */
  static const char scheme[] = "postgresql:";
  size_t len = strlen(where);
  char *uri = malloc(sizeof scheme + len);
  if (!uri) return MG_STORE_ERR_NO_MEMORY;
  memcpy(uri, scheme, sizeof scheme - 1);
  memcpy(uri + sizeof scheme - 1, where, len + 1);
  conn_t *c = NULL;
  mg_store_err_t err = pq_connect(uri, errmsg, &c);
  free(uri);
  if (!err) err = migrate(c);
  if (err) {
    pq_disconnect(c);
    return err;
  }
  *out = c;
  return MG_STORE_OK;
}

void pq_close(conn_t *c) { pq_disconnect(c); }

mg_store_err_t pq_set_size_limit(conn_t *c, uint64_t max_bytes) {
  (void)max_bytes;
  return pq_fail(c, MG_STORE_ERR_ARG, "a PostgreSQL store has no size limit of its own (the server's disk and quotas)");
}

mg_store_err_t pq_schema_version(conn_t *c, int64_t *version) { return pq_query_int(c, Q_SCHEMA_VERSION, NULL, version); }
