#include "mamcore/pb3.h"

#include <string.h>

/* Number of value trytes d for sizet(v): the smallest d with v <= (27^d - 1) / 2. */
static size_t sizet_trytes(uint64_t v) {
  size_t d = 0;
  uint64_t max = 0;
  while (v > max) {
    max = max * 27 + 13;
    d++;
  }
  return d;
}

size_t mam_pb3_sizet_trits(uint64_t v) { return 3 * (sizet_trytes(v) + 1); }

void mam_pb3_encode_sizet(uint64_t v, mam_trit_t *buf, size_t *pos) {
  size_t d = sizet_trytes(v);
  mam_trits_from_int((int64_t)d, buf + *pos, 3);
  mam_trits_from_int((int64_t)v, buf + *pos + 3, 3 * d);
  *pos += 3 * (d + 1);
}

mam_err_t mam_pb3_decode_sizet(const mam_trit_t *buf, size_t len, size_t *pos, uint64_t *v) {
  if (len < *pos || len - *pos < 3) return MAM_ERR_TRUNCATED;
  int64_t d = mam_trits_to_int(buf + *pos, 3);
  if (d < 0 || d > 13) return MAM_ERR_INVALID_VALUE;
  if (len - *pos - 3 < (size_t)(3 * d)) return MAM_ERR_TRUNCATED;
  int64_t value = mam_trits_to_int(buf + *pos + 3, (size_t)(3 * d));
  if (value < 0) return MAM_ERR_INVALID_VALUE;
  *v = (uint64_t)value;
  *pos += 3 * ((size_t)d + 1);
  return MAM_OK;
}

void mam_pb3_encode_int(int64_t v, size_t width, mam_trit_t *buf, size_t *pos) {
  mam_trits_from_int(v, buf + *pos, width);
  *pos += width;
}

mam_err_t mam_pb3_decode_int(const mam_trit_t *buf, size_t len, size_t *pos, size_t width, int64_t *v) {
  if (width > 39) return MAM_ERR_INVALID_ARG;
  if (len < *pos || len - *pos < width) return MAM_ERR_TRUNCATED;
  *v = mam_trits_to_int(buf + *pos, width);
  *pos += width;
  return MAM_OK;
}

void mam_pb3_encode_trits(const mam_trit_t *x, size_t n, mam_trit_t *buf, size_t *pos) {
  memcpy(buf + *pos, x, n);
  *pos += n;
}

mam_err_t mam_pb3_decode_trits(const mam_trit_t *buf, size_t len, size_t *pos, mam_trit_t *x, size_t n) {
  if (len < *pos || len - *pos < n) return MAM_ERR_TRUNCATED;
  memcpy(x, buf + *pos, n);
  *pos += n;
  return MAM_OK;
}
