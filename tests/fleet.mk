## Fleet mode: gateway instances sharing one PostgreSQL database (tests/fleet_lib.sh starts a real
## one with tests/pg_lib.sh, devnode and two mamgated).
TESTS += tests/fleet_e2e.sh tests/fleet_live_test.sh
EXTRA_DIST += tests/fleet_e2e.sh tests/fleet_live_test.sh tests/fleet_lib.sh
