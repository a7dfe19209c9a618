/* store/pg/ops.h: the operations of the PostgreSQL engine, pq_<name> for each slot of
 * mg_store_engine_t (one file per entity), gathered into mg_store_pg_engine by engine.c. Each has
 * the contract of its slot. */
#ifndef STORE_PG_OPS_H
#define STORE_PG_OPS_H

#include "store/store.h"

MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_DECLARE, pq)

#endif
