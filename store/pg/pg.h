/* store/pg/pg.h: the PostgreSQL storage engine (locations "postgresql://..." and "postgres://...",
 * libpq connection URIs, passed to libpq as they are).
 *
 * A fleet of gateways shares one database. The engine creates and migrates its schema itself
 * (versioned in table mamgate_schema, one transaction per migration under an advisory lock, so two
 * processes starting at once are safe), in the connection's current schema (search_path). Every
 * statement is prepared once per connection. Each connection sets synchronous_commit = on, so a
 * call that returned OK is on the server's disk.
 *
 * Contract differences from SQLite, all allowed by store/store.h:
 *  - it opens only with the fleet key (MG_STORE_ENGINE_SHARED): secrets are always sealed;
 *  - set_size_limit is MG_STORE_ERR_ARG and changes nothing: the disk and quotas of a server are
 *    its administrator's (a full disk is still MG_STORE_ERR_FULL);
 *  - a lost connection is MG_STORE_ERR_UNAVAILABLE; the next call reconnects (PQreset);
 *  - cursors come from a sequence taken under a transaction-scoped advisory lock held to the
 *    commit, so they become visible in increasing order fleet-wide (a failed batch leaves a gap);
 *  - put_messages NOTIFYs mamgate_messages when it inserted rows; wait_messages LISTENs. */
#ifndef STORE_PG_PG_H
#define STORE_PG_PG_H

#include "store/store.h"

extern const mg_store_engine_t mg_store_pg_engine;

#endif
