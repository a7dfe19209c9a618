/* store/ids.h: for the engines: a list of channel ids as the text of one SQL parameter (a JSON array
 * for SQLite's json_each, an array literal for PostgreSQL). */
#ifndef STORE_IDS_H
#define STORE_IDS_H

#include <stddef.h>

/* The n ids (MG_ID_TRYTES trytes each: nothing to escape) as one malloc'd text: open, then the ids
 * separated by commas, each between two quote characters (none when quote is '\0'), then close.
 * NULL when out of memory. */
char *store_ids_text(char *const *ids, size_t n, char open, char quote, char close);

#endif
