/* store/ids.c: a list of channel ids as one parameter's text (store/ids.h). */
#include "store/ids.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/message_row.h"

char *store_ids_text(char *const *ids, size_t n, char open, char quote, char close) {
  size_t quotes = quote ? 2 : 0, each = MG_ID_TRYTES + quotes + 1; /* an id, its quotes, a comma */
  if (n > (SIZE_MAX - 3) / each) return NULL;
  char *text = malloc(n * each + 3), *p = text;
  if (!text) return NULL;
  *p++ = open;
  for (size_t i = 0; i < n; i++) {
    if (i) *p++ = ',';
    if (quote) *p++ = quote;
    memcpy(p, ids[i], MG_ID_TRYTES);
    p += MG_ID_TRYTES;
    if (quote) *p++ = quote;
  }
  *p++ = close;
  *p = '\0';
  return text;
}
