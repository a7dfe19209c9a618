## tangle: transactions, Curl-P-81, Kerl, bundles (pure computation).
libmamcore_la_SOURCES += \
	tangle/error.c \
	tangle/curl.c

tangleinclude_HEADERS += \
	tangle/error.h \
	tangle/curl.h
