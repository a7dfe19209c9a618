## fs: the data directory a process owns (created owner-only, locked for life).
noinst_LTLIBRARIES += fs/libmgfs.la
fs_libmgfs_la_SOURCES = fs/datadir.c fs/datadir.h fs/sync.c fs/sync.h

check_PROGRAMS += tests/check_fs_datadir
TESTS += tests/check_fs_datadir
tests_check_fs_datadir_SOURCES = tests/check_fs_datadir.c
tests_check_fs_datadir_CFLAGS = $(TEST_CFLAGS)
tests_check_fs_datadir_LDADD = fs/libmgfs.la $(TEST_LDADD)
