/* host/log.h: mamgated's log, shared by the host and every plugin thread. One line per message on
 * stderr: "2026-11-26T13:00:00.123Z INFO name: message" (UTC, milliseconds). */
#ifndef HOST_LOG_H
#define HOST_LOG_H

#include <stddef.h>
#include <stdint.h>

/* The name of the host's own lines. */
#define MGD_LOG_HOST "mamgated"

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" plus its NUL fits (for years up to 9999). */
#define MGD_TIMESTAMP_SIZE 32

/* Makes stderr line-buffered so that each log line leaves in one write. Call before any output. */
void mgd_log_init(void);

/* Wall-clock milliseconds since the Unix epoch. */
uint64_t mgd_now_ms(void);

/* Writes the UTC timestamp of ms into out (MGD_TIMESTAMP_SIZE bytes). */
void mgd_format_timestamp(uint64_t ms, char out[MGD_TIMESTAMP_SIZE]);

/* The name of a mamgate_log_level_t ("UNKNOWN" for any other number). */
const char *mgd_level_name(int level);

/* Logs one message; line breaks and other control characters in it become spaces. Thread-safe. */
void mgd_log(const char *name, int level, const char *message);

/* Logs a printf-formatted message of the host. Thread-safe. */
void mgd_logf(const char *name, int level, const char *format, ...) __attribute__((format(printf, 3, 4)));

#endif
