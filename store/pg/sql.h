/* store/pg/sql.h: the SQL of the PostgreSQL engine's statements, by id. */
#ifndef STORE_PG_SQL_H
#define STORE_PG_SQL_H

#include "store/pg/conn.h"

extern const char *const pq_sql[Q__COUNT];

#endif
