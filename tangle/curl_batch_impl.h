/* tangle/curl_batch_impl.h (internal template): bit-sliced Curl-P-81 over many transactions.
 *
 * Included by curl_batch.c once per lane-word type, with
 *   CB_WORD      the lane word: uint64_t or a GCC vector of uint64_t,
 *   CB_U64S      the number of uint64_t in one CB_WORD,
 *   CB_NAME(x)   x with a suffix naming the instance,
 *   CB_PACK      the curl_pack_fn to use (the fastest for the instruction set);
 * it undefines them at the end.
 * Lane l of every word (bit l % 64 of its uint64_t number l / 64) carries transaction l; a
 * state cell holds the (lo, hi) planes of one trit position (curl_bits.h). */

typedef union {
  CB_WORD v;
  uint64_t u[CB_U64S];
} CB_NAME(cb_word_t);

typedef struct {
  CB_NAME(cb_word_t) lo, hi;
} CB_NAME(cb_cell_t);

/* 81 rounds of spec 3.1 in place. The cells hold S with S[k] in cell (label * k) mod 729.
 * Step i of a round reads S[p(i)] and S[p(i+1)], p(i) = 364 i; it is the last step that
 * needs S[p(i)], so new[i] goes into that cell, which makes the new label 364 * label. Only
 * cell 0 (S[0], read again by the last step) is read after being overwritten: keep a copy. */
static unsigned CB_NAME(cb_transform)(CB_NAME(cb_cell_t) *cells, unsigned label) {
  unsigned char *base = (unsigned char *)cells;
  const size_t wrap = TANGLE_CURL_STATE_TRITS * sizeof *cells;
  for (unsigned r = 0; r < TANGLE_CURL_P81; r++) {
    label = curl_next_label(label);
    const size_t step = label * sizeof *cells; /* walk in byte offsets */
    CB_WORD first_lo = cells[0].lo.v, first_hi = cells[0].hi.v;
    CB_WORD a_lo = first_lo, a_hi = first_hi;
    size_t at = 0;
    /* 728 steps two at a time, then the last one with the saved cell 0 */
    for (unsigned i = 0; i + 1 < TANGLE_CURL_STATE_TRITS; i += 2) {
      size_t mid = at + step >= wrap ? at + step - wrap : at + step;
      size_t end = mid + step >= wrap ? mid + step - wrap : mid + step;
      CB_NAME(cb_cell_t) *ca = (CB_NAME(cb_cell_t) *)(base + at);
      CB_NAME(cb_cell_t) *cb = (CB_NAME(cb_cell_t) *)(base + mid);
      CB_NAME(cb_cell_t) *cc = (CB_NAME(cb_cell_t) *)(base + end);
      CB_WORD b_lo = cb->lo.v, b_hi = cb->hi.v;
      CURL_SBOX(a_lo, a_hi, b_lo, b_hi, ca->lo.v, ca->hi.v);
      a_lo = cc->lo.v;
      a_hi = cc->hi.v;
      CURL_SBOX(b_lo, b_hi, a_lo, a_hi, cb->lo.v, cb->hi.v);
      at = end;
    }
    CB_NAME(cb_cell_t) *last = (CB_NAME(cb_cell_t) *)(base + at);
    CURL_SBOX(a_lo, a_hi, first_lo, first_hi, last->lo.v, last->hi.v);
  }
  return label;
}

/* Overwrites the rate S[0..242] (cell label * k for S[k]) with chunk `chunk` of the `count`
 * transactions. */
static void CB_NAME(cb_absorb)(CB_NAME(cb_cell_t) *cells, unsigned label, const mam_trit_t *txs,
                               size_t count, unsigned chunk) {
  uint64_t rows_lo[CURL_RATE_BLOCKS][64], rows_hi[CURL_RATE_BLOCKS][64];
  for (unsigned g = 0; g < CB_U64S && 64 * g < count; g++) {
    curl_rows_from_txs(txs, count, 64 * g, chunk, CB_PACK, rows_lo, rows_hi);
    for (unsigned q = 0; q < CURL_RATE_BLOCKS; q++) {
      curl_transpose64(rows_lo[q]);
      curl_transpose64(rows_hi[q]);
      for (unsigned k = 0; k < 64 && 64 * q + k < TANGLE_CURL_HASH_TRITS; k++) {
        unsigned cell = (label * (64 * q + k)) % TANGLE_CURL_STATE_TRITS;
        cells[cell].lo.u[g] = rows_lo[q][k];
        cells[cell].hi.u[g] = rows_hi[q][k];
      }
    }
  }
}

/* Hashes count <= 64 * CB_U64S transactions; `cells` has room for 729 cells. */
static void CB_NAME(cb_hash_group)(const mam_trit_t *txs, size_t count, mam_trit_t *hashes,
                                   CB_NAME(cb_cell_t) *cells) {
  memset(cells, 0xff, TANGLE_CURL_STATE_TRITS * sizeof *cells); /* all trits 0 */
  unsigned label = 1;
  for (unsigned c = 0; c < CURL_TX_CHUNKS; c++) {
    CB_NAME(cb_absorb)(cells, label, txs, count, c);
    label = CB_NAME(cb_transform)(cells, label);
  }
  for (size_t l = 0; l < count; l++)
    for (unsigned k = 0; k < TANGLE_CURL_HASH_TRITS; k++) {
      const CB_NAME(cb_cell_t) *cell = &cells[(label * k) % TANGLE_CURL_STATE_TRITS];
      hashes[l * TANGLE_CURL_HASH_TRITS + k] =
          curl_bit_trit(cell->lo.u[l / 64], cell->hi.u[l / 64], (unsigned)(l % 64));
    }
}

#undef CB_WORD
#undef CB_U64S
#undef CB_NAME
#undef CB_PACK
