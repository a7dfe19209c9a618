## Command-line tools.
bin_PROGRAMS += mamgate-cli
mamgate_cli_SOURCES = tools/mamgate_cli.c tools/cli_args.c tools/cli_args.h
mamgate_cli_LDADD = libmamcore.la

TESTS += tests/cli_test.sh
EXTRA_DIST += tests/cli_test.sh
