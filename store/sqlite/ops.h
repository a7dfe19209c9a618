/* store/sqlite/ops.h: the operations of the SQLite engine, sqlite_<name> for each slot of
 * mg_store_engine_t (one file per entity), gathered into mg_store_sqlite_engine by engine.c. Each
 * has the contract of its slot. */
#ifndef STORE_SQLITE_OPS_H
#define STORE_SQLITE_OPS_H

#include "store/store.h"

MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_DECLARE, sqlite)

#endif
