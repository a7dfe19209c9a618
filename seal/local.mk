## seal: secrets sealed with the fleet key (ChaCha20-Poly1305 from nettle), the fleet key file and
## its check value. Used by the PostgreSQL store and mamgate-cli.
noinst_LTLIBRARIES += seal/libmgseal.la
seal_libmgseal_la_SOURCES = seal/error.c seal/error.h seal/random.c seal/random.h seal/key.c seal/key.h \
	seal/seal.c seal/seal.h seal/check.c seal/check.h
seal_libmgseal_la_CFLAGS = $(AM_CFLAGS) $(NETTLE_CFLAGS)
seal_libmgseal_la_LIBADD = $(NETTLE_LIBS)

check_PROGRAMS += tests/check_seal
TESTS += tests/check_seal
tests_check_seal_SOURCES = tests/check_seal.c
tests_check_seal_CFLAGS = $(TEST_CFLAGS) $(NETTLE_CFLAGS)
tests_check_seal_LDADD = seal/libmgseal.la fs/libmgfs.la $(TEST_LDADD) $(NETTLE_LIBS)
