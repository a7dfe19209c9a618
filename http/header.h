/* http/header.h: checks of request header values for http/server.c. Pure string work (no I/O, no
 * MHD), so it is tested on its own. */
#ifndef HTTP_HEADER_H
#define HTTP_HEADER_H

#include <stdbool.h>

/* True when host is one of the comma-separated names of list (spaces around a name are ignored,
 * case is not), or the list holds "*". */
bool mg_header_host_listed(const char *list, const char *host);

/* Equal strings, compared in time that depends on their lengths only (bearer tokens). */
bool mg_header_equal_ct(const char *a, const char *b);

#endif
