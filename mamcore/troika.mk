## Troika: the plain (specification) permutation and the fast one everything uses.
libmamcore_la_SOURCES += \
	mamcore/troika_constants.c \
	mamcore/troika_ref.c \
	mamcore/troika.c \
	mamcore/troika_internal.h

mamcoreinclude_HEADERS += mamcore/troika.h

check_PROGRAMS += tests/check_troika
TESTS += tests/check_troika
tests_check_troika_SOURCES = tests/check_troika.c
tests_check_troika_CFLAGS = $(TEST_CFLAGS)
tests_check_troika_LDADD = $(TEST_LDADD)
