/* store/sqlite/sqlite.h: the SQLite storage engine (locations "sqlite:PATH" and bare paths).
 *
 * One database file: WAL journal with synchronous=FULL, so a call that returned OK survives a crash
 * or power cut; created with mode 0600 (it holds keys), as are its -wal and -shm files. The cursor
 * of a message is its AUTOINCREMENT key, so it is never reused. A busy writer is retried for up to
 * 5 s. Several processes may share the file. */
#ifndef STORE_SQLITE_SQLITE_H
#define STORE_SQLITE_SQLITE_H

#include "store/store.h"

extern const mg_store_engine_t mg_store_sqlite_engine;

#endif
