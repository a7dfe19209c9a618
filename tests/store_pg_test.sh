#!/usr/bin/env bash
# tests/store_pg_test.sh: the whole store suite (tests/check_store_sqlite) against a real PostgreSQL
# server started by tests/pg_lib.sh, besides SQLite: the suite adds the PostgreSQL engine when
# MAMGATE_TEST_PG_URI is set. SKIP (77) without server binaries, unless they must be there.
set -u
build=${MAMGATE_BUILDDIR:-.}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/pg_lib.sh"
pg_start
"$build/tests/check_store_sqlite"
