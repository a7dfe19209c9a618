## fuzz/: libFuzzer targets with their seed corpora and dictionaries, built and run by script/fuzz
## (clang, outside automake), and the reliability tests of the running gateway.
EXTRA_DIST += script/fuzz fuzz/fuzz.h fuzz/mam_fixture.h fuzz/make_corpus.c fuzz/ubsan.supp fuzz/corpus \
	fuzz/fuzz_tx.c fuzz/fuzz_feed.c fuzz/fuzz_assembler.c fuzz/fuzz_mam_reader.c fuzz/fuzz_mam_packet.c \
	fuzz/fuzz_state.c fuzz/fuzz_route.c fuzz/fuzz_negotiate.c fuzz/fuzz_rest.c fuzz/fuzz_node.c fuzz/fuzz_config.c fuzz/fuzz_host_conf.c fuzz/fuzz_seal.c \
	fuzz/fuzz_feed.dict fuzz/fuzz_rest.dict fuzz/fuzz_route.dict fuzz/fuzz_node.dict fuzz/fuzz_config.dict \
	fuzz/fuzz_host_conf.dict

## Every MSS signature in transactions from the node, for the key-reuse check of the crash trial.
check_PROGRAMS += tests/skn_extract
tests_skn_extract_SOURCES = tests/skn_extract.c
tests_skn_extract_LDADD = read/libmgread.la libmamcore-static.la

## The real devnode and mamgated: SIGKILL during publishing (--kills 200 for the long run), a node
## that dies and a disk that fills; abusive HTTP clients and strict HTTP; secrets kept out of logs and
## answers; operators reading the live database and a second gateway on a data directory in use.
TESTS += tests/crash_trial.sh tests/http_abuse.sh tests/http_strict.sh tests/secrets_test.sh tests/operator_test.sh
EXTRA_DIST += tests/crash_trial.sh tests/http_abuse.sh tests/http_strict.sh tests/secrets_test.sh tests/operator_test.sh \
	fuzz/gateway_lib.sh

## The feed flood: valid MAM bundles among conflicting, junk, malformed and unrelated frames at the
## highest rate the gateway takes, with a gateway and a node restart in the middle.
check_PROGRAMS += tests/flood
tests_flood_SOURCES = tests/flood.c
tests_flood_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS)
tests_flood_LDADD = node/libmgnode.la libmamcore-static.la $(ZMQ_LIBS)
TESTS += tests/flood_test.sh
EXTRA_DIST += tests/flood_test.sh
