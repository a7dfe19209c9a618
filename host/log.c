#include "host/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mamgate/mamgate_plugin.h"

/* Every C0 control character but the tab, and DEL. */
static const char control_chars[] =
    "\x01\x02\x03\x04\x05\x06\x07\x08\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
    "\x1b\x1c\x1d\x1e\x1f\x7f";

void mgd_log_init(void) { setvbuf(stderr, NULL, _IOLBF, BUFSIZ); }

uint64_t mgd_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

void mgd_format_timestamp(uint64_t ms, char out[MGD_TIMESTAMP_SIZE]) {
  time_t seconds = (time_t)(ms / 1000u);
  struct tm utc;
  size_t len = gmtime_r(&seconds, &utc) ? strftime(out, MGD_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%S", &utc) : 0;
  snprintf(out + len, MGD_TIMESTAMP_SIZE - len, ".%03uZ", (unsigned)(ms % 1000u));
}

const char *mgd_level_name(int level) {
  switch (level) {
    case MAMGATE_LOG_DEBUG: return "DEBUG";
    case MAMGATE_LOG_INFO: return "INFO";
    case MAMGATE_LOG_WARNING: return "WARNING";
    case MAMGATE_LOG_ERROR: return "ERROR";
    default: return "UNKNOWN";
  }
}

/* Starts a line; the caller holds the stream's lock. */
static void write_prefix(const char *name, int level) {
  char stamp[MGD_TIMESTAMP_SIZE];
  mgd_format_timestamp(mgd_now_ms(), stamp);
  fprintf(stderr, "%s %s %s: ", stamp, mgd_level_name(level), name);
}

/* Writes text on the current line, a space for each control character. */
static void write_one_line(const char *text) {
  while (*text) {
    size_t plain = strcspn(text, control_chars);
    fwrite(text, 1, plain, stderr);
    text += plain;
    if (*text) {
      fputc(' ', stderr);
      text++;
    }
  }
}

void mgd_log(const char *name, int level, const char *message) {
  flockfile(stderr);
  write_prefix(name, level);
  write_one_line(message ? message : "(null)");
  fputc('\n', stderr);
  funlockfile(stderr);
}

void mgd_logf(const char *name, int level, const char *format, ...) {
  va_list args;
  va_start(args, format);
  flockfile(stderr);
  write_prefix(name, level);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  funlockfile(stderr);
  va_end(args);
}
