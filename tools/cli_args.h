/* tools/cli_args.h: argument parsing shared by mamgate-cli's subcommands. */
#ifndef TOOLS_CLI_ARGS_H
#define TOOLS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/message.h"
#include "mamcore/ntru.h"
#include "mamcore/trits.h"

/* Exit status for bad arguments; failures while running (files, keys, state) exit with 1. */
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_FAILURE 1

/* Prints "mamgate-cli: <message>" on stderr and exits with CLI_EXIT_USAGE. */
_Noreturn void cli_usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Prints "mamgate-cli: <message>" on stderr and exits with CLI_EXIT_FAILURE. */
_Noreturn void cli_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Exits through cli_fail with "<what>: <error text>" unless err is MAM_OK. */
void cli_check(mam_err_t err, const char *what);

/* Trits of a tryte string option; exits with a clear message when it has bad characters or,
 * when want_trytes > 0, not exactly that many trytes. The caller frees the result. */
mam_trit_t *cli_trits(const char *what, const char *trytes, size_t want_trytes, size_t *n_trits);
/* Expands exactly n trytes (no terminator needed) into 3n trits; exits on a bad character. */
void cli_trits_into(const char *what, const char *trytes, size_t n, mam_trit_t *out);

/* Parses a decimal integer in [min, max]; exits with a clear message otherwise. */
uint64_t cli_uint(const char *what, const char *text, uint64_t min, uint64_t max);

/* A PSK id of len characters: 1 to 27 trytes, padded with 9 on the right (mam_psk_id_pad); exits
 * with a clear message otherwise. */
void cli_psk_id(const char *what, const char *id, size_t len, mam_trit_t out[MAM_PSK_ID_TRITS]);
/* ID:KEY as psk-gen prints it (27 and 81 trytes); a shorter id is padded with 9. */
void cli_psk(const char *text, mam_psk_t *out);
/* SK:PK as ntru-keygen prints it (342 trytes of f and two zero trits, 3072 trytes of the public
 * key); exits when the key pair does not load. */
void cli_ntru_sk(const char *text, mam_ntru_sk_t *out);

/* n trits as a NUL-terminated tryte string (out holds n/3 + 1 characters). */
void cli_trytes(const mam_trit_t *trits, size_t n, char *out);
/* Prints n trits as one line of trytes on stdout. */
void cli_print_trytes(const mam_trit_t *trits, size_t n);

/* Fills n trits from the system's random source (getrandom), uniformly; exits on failure. */
void cli_random_trits(mam_trit_t *out, size_t n);

/* Checked allocation: exits with "out of memory" when it fails. */
void *cli_alloc(size_t n);

#endif
