/* http/negotiate.h: the request headers that choose a response's form, parsed strictly (RFC 9110):
 * If-None-Match (13.1.2) and Accept-Encoding (12.5.3). Pure functions of the header text; a
 * malformed header counts as absent, which is always safe: the full, unencoded answer is sent. */
#ifndef HTTP_NEGOTIATE_H
#define HTTP_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest entity tag (with its quotes) the server sends. */
#define MG_HTTP_ETAG_MAX 200

/* True when If-None-Match (header, NULL when absent) matches etag, a strong entity tag with its
 * quotes ("\"abc\""): the header is "*" or a comma-separated list (empty elements and spaces or
 * tabs around them allowed) of entity tags, W/"..." or "...", one of which is etag (weak
 * comparison: the W/ prefix is ignored). A malformed header matches nothing. */
bool mg_http_if_none_match(const char *header, const char *etag);

/* True when Accept-Encoding (header, NULL when absent) lets the response be gzip-encoded: the
 * header is a comma-separated list (empty elements allowed) of codings, case-insensitive tokens,
 * each with an optional weight ";q=" from 0 to 1 with up to three decimals (spaces or tabs around
 * the ';', none around the '='; no other parameter). A coding listed twice keeps its first weight;
 * "x-gzip" is "gzip", and "*" gives its weight to gzip and identity when they are not listed.
 * gzip is chosen when its weight is above 0 and at least that of identity (0 when neither identity
 * nor "*" is listed: identity is then acceptable but least preferred). Absent, empty or malformed:
 * false. */
bool mg_http_accepts_gzip(const char *header);

#endif
