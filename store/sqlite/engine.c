/* store/sqlite/engine.c: the SQLite engine's table of operations (store/sqlite/sqlite.h). */
#include "store/sqlite/sqlite.h"

#include "store/sqlite/ops.h"

const mg_store_engine_t mg_store_sqlite_engine = {
    .struct_size = sizeof(mg_store_engine_t),
    .version = MG_STORE_ENGINE_VERSION,
    .name = "sqlite",
    .flags = 0,
    MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_FILL, sqlite)
};
