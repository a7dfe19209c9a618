/* tools/cli_args.h: argument parsing shared by mamgate-cli's subcommands. */
#ifndef TOOLS_CLI_ARGS_H
#define TOOLS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"

/* Exit status for bad arguments. */
#define CLI_EXIT_USAGE 2

/* Prints "mamgate-cli: <message>" on stderr and exits with CLI_EXIT_USAGE. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Trits of a tryte string option; exits with a clear message when it has bad characters or,
 * when want_trytes > 0, not exactly that many trytes. The caller frees the result. */
trit_t *cli_trits(const char *what, const char *trytes, size_t want_trytes, size_t *n_trits);

/* Parses a decimal integer in [min, max]; exits with a clear message otherwise. */
uint64_t cli_uint(const char *what, const char *text, uint64_t min, uint64_t max);

/* Prints n trits as one line of trytes on stdout. */
void cli_print_trytes(const trit_t *trits, size_t n);

/* Fills n trits from the system's random source (getrandom), uniformly; exits on failure. */
void cli_random_trits(trit_t *out, size_t n);

#endif
