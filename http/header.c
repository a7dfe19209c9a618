/* Checks of request header values (http/header.h). */
#include "http/header.h"

#include <string.h>
#include <strings.h>

bool mg_header_host_listed(const char *list, const char *host) {
  size_t host_len = strlen(host);
  for (const char *item = list; *item != '\0';) {
    item += strspn(item, " ");
    size_t n = strcspn(item, ","), next = n + (item[n] == ',');
    while (n > 0 && item[n - 1] == ' ') n--;
    if ((n == 1 && item[0] == '*') || (n == host_len && strncasecmp(item, host, n) == 0)) return true;
    item += next;
  }
  return false;
}

/* The shorter string is padded with NUL bytes, which never occur inside a string, so unequal
 * lengths always differ somewhere. */
bool mg_header_equal_ct(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
  unsigned diff = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = i < la ? (unsigned char)a[i] : 0, y = i < lb ? (unsigned char)b[i] : 0;
    diff |= (unsigned)(x ^ y);
  }
  return diff == 0;
}
