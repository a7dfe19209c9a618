/* services/metrics.h: the gateway's counters, shared by the services (atomics, any thread). */
#ifndef SERVICES_METRICS_H
#define SERVICES_METRICS_H

#include <stdatomic.h>

#include "mamcore/error.h"

/* Why feed input was counted invalid and skipped; feed_invalid is their sum (names: mg_invalid_reason_name). */
typedef enum mg_invalid_reason {
  MG_INVALID_FRAME = 0,      /* a frame that does not parse */
  MG_INVALID_TRANSACTION,    /* trytes at a watched address that are no transaction */
  MG_INVALID_HASH,           /* the frame's hash is not its transaction's */
  MG_INVALID_BUNDLE,         /* refused by the bundle assembler (indexes, value, length) */
  MG_INVALID_DECODE,         /* a bundle the MAM reader refused (reasons in rejected[]) */
  MG_INVALID_FORGED_COPY,    /* a copy of a header already read, with other content */
  MG_INVALID_CLOSED_MESSAGE, /* a packet of a message whose packets are all stored: a copy */
  MG_INVALID__COUNT
} mg_invalid_reason_t;

typedef struct mg_metrics {
  atomic_uint_fast64_t feed_frames, feed_transactions, feed_matched, feed_invalid, feed_duplicates;
  atomic_uint_fast64_t invalid[MG_INVALID__COUNT]; /* feed_invalid by reason */
  atomic_uint_fast64_t bundles_completed, packets_decoded, packets_stored, packets_repeated;
  atomic_uint_fast64_t rejected[MAM_ERR__COUNT]; /* decode failures by mam_err_t */
  atomic_uint_fast64_t messages_published, publish_failures;
  atomic_uint_fast64_t pow_count, pow_ms_total;
  atomic_uint_fast64_t backfill_runs, backfill_transactions, backfill_failures;
  atomic_uint_fast64_t packets_output;  /* stored packets published on the ZeroMQ output (services/tail) */
  atomic_uint_fast64_t packets_dropped; /* decoded packets dropped: the database unreachable, its queue full */
  atomic_uint_fast64_t shard_skipped;   /* transactions at watched addresses left to another shard's instance */
} mg_metrics_t;

#endif
