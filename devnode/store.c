#include "devnode/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/datadir.h"

#define BUSY_TIMEOUT_MS 5000

/* Prepared once, reused under the store's mutex. */
enum statement {
  ST_INSERT,
  ST_IS_APPROVED,
  ST_ADD_TIP,
  ST_REMOVE_TIPS,
  ST_GET_TRYTES,
  ST_FIND_ADDRESS,
  ST_FIND_BUNDLE,
  ST_FIND_TAG,
  ST_FIND_OBSOLETE_TAG,
  ST_FIND_APPROVEE,
  ST_PICK_TIPS,
  ST_COUNT_TXS,
  ST_COUNT_TIPS,
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST__COUNT
};

static const char *const statement_sql[ST__COUNT] = {
    [ST_INSERT] =
        "INSERT OR IGNORE INTO tx(hash, address, bundle, tag, obsolete_tag, trunk, "
        "branch, current_index, arrival_ms, trytes) VALUES (?,?,?,?,?,?,?,?,?,?)",
    [ST_IS_APPROVED] = "SELECT 1 FROM tx WHERE trunk = ?1 OR branch = ?1 LIMIT 1",
    [ST_ADD_TIP] = "INSERT OR IGNORE INTO tip(hash) VALUES (?)",
    [ST_REMOVE_TIPS] = "DELETE FROM tip WHERE hash IN (?1, ?2)",
    [ST_GET_TRYTES] = "SELECT trytes FROM tx WHERE hash = ?",
    [ST_FIND_ADDRESS] = "SELECT hash FROM tx WHERE address = ?",
    [ST_FIND_BUNDLE] = "SELECT hash FROM tx WHERE bundle = ?",
    [ST_FIND_TAG] = "SELECT hash FROM tx WHERE tag = ?",
    [ST_FIND_OBSOLETE_TAG] = "SELECT hash FROM tx WHERE obsolete_tag = ?",
    [ST_FIND_APPROVEE] =
        "SELECT hash FROM tx WHERE trunk = ?1 UNION SELECT hash FROM tx "
        "WHERE branch = ?1",
    [ST_PICK_TIPS] = "SELECT hash FROM tip ORDER BY random() LIMIT 2",
    [ST_COUNT_TXS] = "SELECT count(*) FROM tx",
    [ST_COUNT_TIPS] = "SELECT count(*) FROM tip",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

static const char schema_sql[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = FULL;"
    "CREATE TABLE IF NOT EXISTS tx ("
    "  hash TEXT PRIMARY KEY, address TEXT NOT NULL, bundle TEXT NOT NULL,"
    "  tag TEXT NOT NULL, obsolete_tag TEXT NOT NULL, trunk TEXT NOT NULL,"
    "  branch TEXT NOT NULL, current_index INTEGER NOT NULL, arrival_ms INTEGER NOT NULL,"
    "  trytes TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS tx_address ON tx(address);"
    "CREATE INDEX IF NOT EXISTS tx_bundle ON tx(bundle);"
    "CREATE INDEX IF NOT EXISTS tx_tag ON tx(tag);"
    "CREATE INDEX IF NOT EXISTS tx_obsolete_tag ON tx(obsolete_tag);"
    "CREATE INDEX IF NOT EXISTS tx_trunk ON tx(trunk);"
    "CREATE INDEX IF NOT EXISTS tx_branch ON tx(branch);"
    "CREATE TABLE IF NOT EXISTS tip (hash TEXT PRIMARY KEY) WITHOUT ROWID;";

struct devnode_store {
  sqlite3 *db;
  sqlite3_stmt *st[ST__COUNT];
  char *path;
  pthread_mutex_t lock;
  mg_datadir_t *data_dir;
};

/* Creates the data directory owner-only and locks it for the node's life: two devnodes on one
 * tangle database would each think they own it. */
static bool own_data_dir(devnode_store_t *s, const char *dir, char *why, size_t why_size) {
  pid_t holder = 0;
  mg_datadir_err_t err = mg_datadir_open(dir, true, &s->data_dir, &holder);
  if (err != MG_DATADIR_OK) mg_datadir_refusal(dir, err, holder, errno, why, why_size);
  return err == MG_DATADIR_OK;
}

static bool prepare_all(devnode_store_t *s) {
  for (int i = 0; i < ST__COUNT; i++)
    if (sqlite3_prepare_v3(s->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                           NULL) != SQLITE_OK)
      return false;
  return true;
}

devnode_store_t *devnode_store_open(const char *dir, char *why, size_t why_size) {
  devnode_store_t *s = calloc(1, sizeof *s);
  size_t path_size = strlen(dir) + sizeof "/" DEVNODE_DB_FILE;
  if (s == NULL || (s->path = malloc(path_size)) == NULL) {
    free(s);
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  snprintf(s->path, path_size, "%s/%s", dir, DEVNODE_DB_FILE);
  pthread_mutex_init(&s->lock, NULL);
  if (!own_data_dir(s, dir, why, why_size)) {
    devnode_store_close(s);
    return NULL;
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK ||
      sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
      sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK || !prepare_all(s)) {
    snprintf(why, why_size, "cannot open database %s: %s", s->path,
             s->db ? sqlite3_errmsg(s->db) : "out of memory");
    devnode_store_close(s);
    return NULL;
  }
  return s;
}

void devnode_store_close(devnode_store_t *s) {
  if (s == NULL) return;
  for (int i = 0; i < ST__COUNT; i++) sqlite3_finalize(s->st[i]);
  sqlite3_close(s->db);
  pthread_mutex_destroy(&s->lock);
  mg_datadir_close(s->data_dir); /* after the database is closed */
  free(s->path);
  free(s);
}

/* Runs a statement that returns no rows, then resets it. */
static bool run(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE;
}

static bool bind_text(sqlite3_stmt *st, int index, const char *text) {
  return sqlite3_bind_text(st, index, text, -1, SQLITE_STATIC) == SQLITE_OK;
}

static bool insert_row(devnode_store_t *s, const devnode_tx_t *tx, bool *inserted) {
  sqlite3_stmt *st = s->st[ST_INSERT];
  bool bound =
      bind_text(st, 1, tx->hash) && bind_text(st, 2, tx->address) && bind_text(st, 3, tx->bundle) &&
      bind_text(st, 4, tx->tag) && bind_text(st, 5, tx->obsolete_tag) &&
      bind_text(st, 6, tx->trunk) && bind_text(st, 7, tx->branch) &&
      sqlite3_bind_int64(st, 8, tx->current_index) == SQLITE_OK &&
      sqlite3_bind_int64(st, 9, tx->arrival_ms) == SQLITE_OK && bind_text(st, 10, tx->trytes);
  if (!bound || !run(st)) return false;
  *inserted = sqlite3_changes(s->db) == 1;
  return true;
}

static bool is_approved(devnode_store_t *s, const char *hash, bool *approved) {
  sqlite3_stmt *st = s->st[ST_IS_APPROVED];
  if (!bind_text(st, 1, hash)) return false;
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  *approved = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* A new transaction stops its trunk and branch being tips, and is a tip itself when it is a tail
 * nothing approves yet (it may arrive after its approvers). */
static bool update_tips(devnode_store_t *s, const devnode_tx_t *tx) {
  sqlite3_stmt *remove = s->st[ST_REMOVE_TIPS];
  if (!bind_text(remove, 1, tx->trunk) || !bind_text(remove, 2, tx->branch) || !run(remove))
    return false;
  if (tx->current_index != 0) return true;
  bool approved;
  if (!is_approved(s, tx->hash, &approved)) return false;
  if (approved) return true;
  sqlite3_stmt *add = s->st[ST_ADD_TIP];
  return bind_text(add, 1, tx->hash) && run(add);
}

static bool put_all(devnode_store_t *s, const devnode_tx_t *txs, size_t n, bool *is_new) {
  for (size_t i = 0; i < n; i++) {
    if (!insert_row(s, &txs[i], &is_new[i])) return false;
    if (is_new[i] && !update_tips(s, &txs[i])) return false;
  }
  return true;
}

bool devnode_store_put(devnode_store_t *s, const devnode_tx_t *txs, size_t n, bool *is_new) {
  pthread_mutex_lock(&s->lock);
  bool ok = run(s->st[ST_BEGIN]);
  if (ok) {
    ok = put_all(s, txs, n, is_new) && run(s->st[ST_COMMIT]);
    if (!ok) (void)run(s->st[ST_ROLLBACK]);
  }
  pthread_mutex_unlock(&s->lock);
  return ok;
}

bool devnode_store_get_trytes(devnode_store_t *s, const char *hash,
                              char trytes[TANGLE_TX_TRYTES + 1]) {
  pthread_mutex_lock(&s->lock);
  sqlite3_stmt *st = s->st[ST_GET_TRYTES];
  bool found = false;
  if (bind_text(st, 1, hash) && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_bytes(st, 0) == TANGLE_TX_TRYTES) {
    memcpy(trytes, sqlite3_column_text(st, 0), TANGLE_TX_TRYTES);
    trytes[TANGLE_TX_TRYTES] = '\0';
    found = true;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  pthread_mutex_unlock(&s->lock);
  return found;
}

static enum statement find_statement(devnode_store_key_t key) {
  switch (key) {
    case DEVNODE_KEY_ADDRESS: return ST_FIND_ADDRESS;
    case DEVNODE_KEY_BUNDLE: return ST_FIND_BUNDLE;
    case DEVNODE_KEY_TAG: return ST_FIND_TAG;
    case DEVNODE_KEY_OBSOLETE_TAG: return ST_FIND_OBSOLETE_TAG;
    case DEVNODE_KEY_APPROVEE: return ST_FIND_APPROVEE;
  }
  return ST__COUNT;
}

bool devnode_store_find(devnode_store_t *s, devnode_store_key_t key, const char *value,
                        bool (*found)(const char *hash, void *ctx), void *ctx) {
  enum statement which = find_statement(key);
  if (which == ST__COUNT) return false;
  pthread_mutex_lock(&s->lock);
  sqlite3_stmt *st = s->st[which];
  int rc = bind_text(st, 1, value) ? SQLITE_ROW : SQLITE_ERROR;
  while (rc == SQLITE_ROW && (rc = sqlite3_step(st)) == SQLITE_ROW)
    if (!found((const char *)sqlite3_column_text(st, 0), ctx)) rc = SQLITE_DONE;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  pthread_mutex_unlock(&s->lock);
  return rc == SQLITE_DONE;
}

static void copy_hash(char out[TANGLE_TX_HASH_TRYTES + 1], const unsigned char *text) {
  memcpy(out, text, TANGLE_TX_HASH_TRYTES);
  out[TANGLE_TX_HASH_TRYTES] = '\0';
}

bool devnode_store_pick_tips(devnode_store_t *s, char trunk[TANGLE_TX_HASH_TRYTES + 1],
                             char branch[TANGLE_TX_HASH_TRYTES + 1]) {
  memset(trunk, '9', TANGLE_TX_HASH_TRYTES);
  trunk[TANGLE_TX_HASH_TRYTES] = '\0';
  pthread_mutex_lock(&s->lock);
  sqlite3_stmt *st = s->st[ST_PICK_TIPS];
  int rows = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_bytes(st, 0) == TANGLE_TX_HASH_TRYTES)
      copy_hash(rows++ == 0 ? trunk : branch, sqlite3_column_text(st, 0));
  }
  sqlite3_reset(st);
  pthread_mutex_unlock(&s->lock);
  if (rows < 2) memcpy(branch, trunk, TANGLE_TX_HASH_TRYTES + 1);
  return rc == SQLITE_DONE;
}

static bool count_rows(devnode_store_t *s, enum statement which, int64_t *count) {
  sqlite3_stmt *st = s->st[which];
  bool ok = sqlite3_step(st) == SQLITE_ROW;
  if (ok) *count = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return ok;
}

static int64_t file_bytes(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

bool devnode_store_stats(devnode_store_t *s, devnode_store_stats_t *stats) {
  pthread_mutex_lock(&s->lock);
  bool ok = count_rows(s, ST_COUNT_TXS, &stats->transactions) &&
            count_rows(s, ST_COUNT_TIPS, &stats->tips);
  pthread_mutex_unlock(&s->lock);
  stats->db_bytes = file_bytes(s->path);
  return ok;
}
