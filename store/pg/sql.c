/* store/pg/sql.c: the PostgreSQL engine's statements, by id (store/pg/conn.h). Every value is a
 * parameter; ids sort in byte order (COLLATE "C") whatever the database's collation. */
#include "store/pg/sql.h"

#define MESSAGE_COLUMNS \
  "cursor, channel_id, endpoint_id, message_id, ord, last, checksum, verified, payload, bundle, received_at_ms, leaf"

/* The advisory lock that serialises cursor assignment with the commit (transaction-scoped). */
#define CURSOR_LOCK_KEY "30787894975231078" /* the bytes of "mamgate" + 1 */

/* A counter of a tree moved from max(stored, $2) by $3; returns the start of the range. */
#define RESERVE(table)                                                                                   \
  "INSERT INTO " table " AS t (tree_id, next_free) VALUES ($1, $2::bigint + $3::bigint)"                \
  " ON CONFLICT (tree_id) DO UPDATE SET next_free = GREATEST(t.next_free, $2::bigint) + $3::bigint" \
  " RETURNING next_free - $3::bigint"

const char *const pq_sql[Q__COUNT] = {
    [Q_CURSOR_LOCK] = "SELECT pg_advisory_xact_lock(" CURSOR_LOCK_KEY ")",
    [Q_MSG_INSERT] = "INSERT INTO messages (cursor, channel_id, endpoint_id, message_id, ord, last, checksum,"
                     " verified, payload, bundle, received_at_ms, leaf) VALUES (nextval('messages_cursor'),"
                     " $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                     " ON CONFLICT (channel_id, message_id, ord) DO NOTHING RETURNING cursor",
    [Q_MSG_NOTIFY] = "SELECT pg_notify('" PQ_MESSAGES_CHANNEL "', $1)",
    [Q_MSG_LIST] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE channel_id = $1 AND cursor > $2"
                   " ORDER BY cursor LIMIT $3",
    [Q_MSG_LIST_CHANNELS] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE cursor > $2"
                            " AND channel_id = ANY ($1::text[]) ORDER BY cursor LIMIT $3",
    [Q_MSG_LIST_WATCHED] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE cursor > $1"
                           " AND channel_id IN (SELECT channel_id FROM watches) ORDER BY cursor LIMIT $2",
    [Q_MSG_GET] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE channel_id = $1 AND message_id = $2 ORDER BY ord",
    [Q_MSG_COUNT_CHANNEL] = "SELECT count(*) FROM messages WHERE channel_id = $1",
    [Q_MSG_COUNT_ALL] = "SELECT count(*) FROM messages",
    [Q_CHANNEL_KNOWN] = "SELECT (EXISTS (SELECT 1 FROM channels WHERE channel_id = $1)"
                        " OR EXISTS (SELECT 1 FROM watches WHERE channel_id = $1)"
                        " OR EXISTS (SELECT 1 FROM messages WHERE channel_id = $1))::int",
    [Q_LAST_CURSOR] = "SELECT coalesce(max(cursor), 0) FROM messages",
    [Q_WATCH_INSERT] = "INSERT INTO watches (channel_id, options, state, created_at_ms) VALUES ($1, $2, $3, $4)"
                       " ON CONFLICT (channel_id) DO NOTHING",
    [Q_WATCH_SET_STATE] = "UPDATE watches SET state = $2 WHERE channel_id = $1",
    [Q_WATCH_DELETE] = "DELETE FROM watches WHERE channel_id = $1",
    [Q_WATCH_LIST] = "SELECT channel_id, options, state, created_at_ms FROM watches ORDER BY channel_id COLLATE \"C\"",
    [Q_PSK_INSERT] = "INSERT INTO psks (id, key) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    [Q_PSK_GET] = "SELECT key FROM psks WHERE id = $1",
    [Q_PSK_DELETE] = "DELETE FROM psks WHERE id = $1",
    [Q_PSK_LIST] = "SELECT id FROM psks ORDER BY id COLLATE \"C\"",
    [Q_NTRU_INSERT] = "INSERT INTO ntru_keys (id, sk, pk) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    [Q_NTRU_GET] = "SELECT sk, pk FROM ntru_keys WHERE id = $1",
    [Q_NTRU_LIST] = "SELECT id FROM ntru_keys ORDER BY id COLLATE \"C\"",
    [Q_CHANNEL_PUT] = "INSERT INTO channels (channel_id, number, state) VALUES ($1, $2, $3)"
                      " ON CONFLICT (channel_id) DO UPDATE SET number = excluded.number, state = excluded.state",
    [Q_CHANNEL_GET] = "SELECT number, state FROM channels WHERE channel_id = $1",
    [Q_CHANNEL_LIST] = "SELECT channel_id FROM channels ORDER BY number, channel_id COLLATE \"C\"",
    [Q_CHANNEL_NUMBER] = "INSERT INTO counters AS t (name, value) VALUES ('channel_number', 1)"
                         " ON CONFLICT (name) DO UPDATE SET value = t.value + 1 RETURNING value - 1",
    [Q_LEAF_RESERVE] = RESERVE("mss_leaves"),
    [Q_LEAF_GET] = "SELECT next_free FROM mss_leaves WHERE tree_id = $1",
    [Q_MSGNUM_RESERVE] = RESERVE("msg_numbers"),
    [Q_MSGNUM_GET] = "SELECT next_free FROM msg_numbers WHERE tree_id = $1",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = $1",
    [Q_META_SET] = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_META_INIT] = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    [Q_SECRET_INIT] = "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    [Q_SECRET_GET] = "SELECT value FROM secrets WHERE name = $1",
    [Q_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE created_at_ms < $1",
    [Q_IDEM_INSERT] = "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at_ms)"
                      " VALUES ($1, $2, $3, 0, NULL, $4) ON CONFLICT (scope, key) DO NOTHING",
    [Q_IDEM_GET] = "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
    [Q_IDEM_FINISH] = "UPDATE idempotency_keys SET status = $3, body = $4 WHERE scope = $1 AND key = $2 AND status = 0",
    [Q_IDEM_DELETE] = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 0",
    [Q_INSTANCE_PUT] = "INSERT INTO instances (id, info, seen_ms) VALUES ($1, $2, $3)"
                       " ON CONFLICT (id) DO UPDATE SET info = excluded.info, seen_ms = excluded.seen_ms",
    [Q_INSTANCE_LIST] = "SELECT id, info, seen_ms FROM instances WHERE seen_ms >= $1 ORDER BY id COLLATE \"C\"",
    [Q_SCHEMA_VERSION] = "SELECT version FROM mamgate_schema",
    [Q_MSG_CHANNELS] = "SELECT channel_id FROM messages GROUP BY channel_id ORDER BY channel_id COLLATE \"C\"",
    [Q_LEAF_TREES] = "SELECT tree_id FROM mss_leaves ORDER BY tree_id COLLATE \"C\"",
    [Q_MSGNUM_TREES] = "SELECT tree_id FROM msg_numbers ORDER BY tree_id COLLATE \"C\"",
    [Q_CHANNEL_NUMBER_RAISE] = "INSERT INTO counters AS t (name, value) VALUES ('channel_number', $1)"
                               " ON CONFLICT (name) DO UPDATE SET value = GREATEST(t.value, $1::bigint)",
};
