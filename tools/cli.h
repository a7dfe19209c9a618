/* tools/cli.h: what mamgate-cli's subcommands share: their parsed options and their entry points. */
#ifndef TOOLS_CLI_H
#define TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Every option of every subcommand; a command's table entry lists those it takes. */
typedef enum cli_opt {
  OPT_KEY,
  OPT_NONCE,
  OPT_DOMAIN,
  OPT_TRITS,
  OPT_HEIGHT,
  OPT_ID,
  OPT_SEED,
  OPT_SEED_FILE,
  OPT_STATE,
  OPT_ENDPOINT_HEIGHT,
  OPT_PAYLOAD,
  OPT_TEXT,
  OPT_PAYLOAD_FILE,
  OPT_TO_ENDPOINT, /* flag */
  OPT_PSK,         /* repeatable */
  OPT_NTRU_PK,     /* repeatable */
  OPT_CHECKSUM,
  OPT_PACKETS,
  OPT_REFERENCE_SESSION_KEY, /* flag */
  OPT_TRUSTED,     /* repeatable */
  OPT_NTRU,        /* repeatable */
  OPT_FROM,
  OPT_TO,
  OPT_FLEET_KEY,
  OPT_COUNT
} cli_opt_t;

#define OPT_BIT(o) (1u << (o))

typedef struct cli_opts {
  const char **values[OPT_COUNT]; /* every value given, in order; a flag's value is "" */
  size_t count[OPT_COUNT];
  char **args; /* positional arguments */
  int nargs;
} cli_opts_t;

/* The value of an option given at most once, or NULL when absent. */
static inline const char *cli_opt(const cli_opts_t *o, cli_opt_t id) { return o->count[id] ? o->values[id][0] : NULL; }
static inline bool cli_flag(const cli_opts_t *o, cli_opt_t id) { return o->count[id] > 0; }

/* Subcommands living in their own files; each returns the exit status. */
int cli_cmd_write(const cli_opts_t *o);
int cli_cmd_state_info(const cli_opts_t *o);
int cli_cmd_read(const cli_opts_t *o);
int cli_cmd_fleet_key(const cli_opts_t *o);
int cli_cmd_store_copy(const cli_opts_t *o);

#endif
