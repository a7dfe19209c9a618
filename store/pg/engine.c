/* store/pg/engine.c: the PostgreSQL engine's table of operations (store/pg/pg.h). */
#include "store/pg/pg.h"

#include "store/pg/ops.h"

const mg_store_engine_t mg_store_pg_engine = {
    .struct_size = sizeof(mg_store_engine_t),
    .version = MG_STORE_ENGINE_VERSION,
    .name = "postgresql",
    .alias = "postgres",
    .flags = MG_STORE_ENGINE_SHARED,
    MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_FILL, pq)
};
