## Fleet mode: gateway instances sharing one PostgreSQL database (tests/pg_lib.sh starts a real one;
## tests/fleet_lib.sh adds devnode and two mamgated).
TESTS += tests/writer_pg_test.sh tests/fleet_e2e.sh tests/fleet_crash_trial.sh tests/fleet_live_test.sh tests/fleet_start_test.sh
EXTRA_DIST += tests/writer_pg_test.sh tests/fleet_e2e.sh tests/fleet_crash_trial.sh tests/fleet_live_test.sh tests/fleet_lib.sh \
  tests/fleet_start_test.sh
