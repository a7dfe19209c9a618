## mamcore: MAM2 primitives and protocol (pure computation).
libmamcore_la_SOURCES += \
	mamcore/error.c \
	mamcore/trits.c \
	mamcore/pb3.c \
	mamcore/sponge.c \
	mamcore/spongos.c \
	mamcore/prng.c

mamcoreinclude_HEADERS += \
	mamcore/api.h \
	mamcore/error.h \
	mamcore/trits.h \
	mamcore/pb3.h \
	mamcore/sponge.h \
	mamcore/spongos.h \
	mamcore/prng.h

check_PROGRAMS += tests/check_mamcore_trits tests/check_mamcore_sponge
TESTS += tests/check_mamcore_trits tests/check_mamcore_sponge

tests_check_mamcore_trits_SOURCES = tests/check_mamcore_trits.c
tests_check_mamcore_trits_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_trits_LDADD = $(TEST_LDADD)

tests_check_mamcore_sponge_SOURCES = tests/check_mamcore_sponge.c
tests_check_mamcore_sponge_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_sponge_LDADD = $(TEST_LDADD)

libmamcore_la_SOURCES += mamcore/wots.c mamcore/mss.c
mamcoreinclude_HEADERS += mamcore/wots.h mamcore/mss.h
check_PROGRAMS += tests/check_mamcore_mss
TESTS += tests/check_mamcore_mss
tests_check_mamcore_mss_SOURCES = tests/check_mamcore_mss.c
tests_check_mamcore_mss_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_mss_LDADD = $(TEST_LDADD)

libmamcore_la_SOURCES += mamcore/channel.c mamcore/message.c mamcore/transport.c mamcore/payload.c
mamcoreinclude_HEADERS += mamcore/channel.h mamcore/message.h mamcore/transport.h mamcore/payload.h
check_PROGRAMS += tests/check_mamcore_message
TESTS += tests/check_mamcore_message
tests_check_mamcore_message_SOURCES = tests/check_mamcore_message.c
tests_check_mamcore_message_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_message_LDADD = $(TEST_LDADD)

libmamcore_la_SOURCES += mamcore/state.c mamcore/bytes.h
mamcoreinclude_HEADERS += mamcore/state.h
check_PROGRAMS += tests/check_mamcore_state
TESTS += tests/check_mamcore_state
tests_check_mamcore_state_SOURCES = tests/check_mamcore_state.c
tests_check_mamcore_state_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_state_LDADD = $(TEST_LDADD)

## libmamcore as installed: its exports, its headers in C++ and beside a foreign mam_trit_t.
TESTS += tests/mamcore_api_test.sh
EXTRA_DIST += tests/mamcore_api_test.sh
