#!/usr/bin/env bash
# tests/writer_pg_test.sh: the writer's Check suite (tests/check_services_writer) with its fleet cases
# on a real PostgreSQL server started by tests/pg_lib.sh: two writers on two connections to one
# database never share a leaf or a message id. SKIP (77) without server binaries, unless they must
# be there.
set -u
build=${MAMGATE_BUILDDIR:-.}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/pg_lib.sh"
pg_start
"$build/tests/check_services_writer"
