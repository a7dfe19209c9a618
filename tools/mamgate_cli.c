/* mamgate-cli: offline MAM2 tool. The key and primitive subcommands print their result as one line
 * of trytes; write, read and state-info live in tools/cli_write.c and tools/cli_read.c. Bad
 * arguments print a message on stderr and exit with status 2, failures while running with 1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/message.h"
#include "mamcore/mss.h"
#include "mamcore/ntru.h"
#include "mamcore/pb3.h"
#include "mamcore/spongos.h"
#include "tools/cli.h"
#include "tools/cli_args.h"

typedef struct cli_command {
  const char *name;
  const char *usage;
  unsigned options; /* allowed OPT_BIT(...) set */
  int nargs;        /* positional arguments required */
  int (*run)(const cli_opts_t *o);
} cli_command_t;

/* getopt_long's table; val is the cli_opt_t plus one. */
static const struct option long_options[] = {
    {"key", required_argument, NULL, 1 + OPT_KEY},
    {"nonce", required_argument, NULL, 1 + OPT_NONCE},
    {"domain", required_argument, NULL, 1 + OPT_DOMAIN},
    {"trits", required_argument, NULL, 1 + OPT_TRITS},
    {"height", required_argument, NULL, 1 + OPT_HEIGHT},
    {"id", required_argument, NULL, 1 + OPT_ID},
    {"seed", required_argument, NULL, 1 + OPT_SEED},
    {"seed-file", required_argument, NULL, 1 + OPT_SEED_FILE},
    {"state", required_argument, NULL, 1 + OPT_STATE},
    {"endpoint-height", required_argument, NULL, 1 + OPT_ENDPOINT_HEIGHT},
    {"payload", required_argument, NULL, 1 + OPT_PAYLOAD},
    {"text", required_argument, NULL, 1 + OPT_TEXT},
    {"payload-file", required_argument, NULL, 1 + OPT_PAYLOAD_FILE},
    {"to-endpoint", no_argument, NULL, 1 + OPT_TO_ENDPOINT},
    {"psk", required_argument, NULL, 1 + OPT_PSK},
    {"ntru-pk", required_argument, NULL, 1 + OPT_NTRU_PK},
    {"checksum", required_argument, NULL, 1 + OPT_CHECKSUM},
    {"packets", required_argument, NULL, 1 + OPT_PACKETS},
    {"reference-session-key", no_argument, NULL, 1 + OPT_REFERENCE_SESSION_KEY},
    {"trusted", required_argument, NULL, 1 + OPT_TRUSTED},
    {"ntru", required_argument, NULL, 1 + OPT_NTRU},
    {"from", required_argument, NULL, 1 + OPT_FROM},
    {"to", required_argument, NULL, 1 + OPT_TO},
    {"fleet-key", required_argument, NULL, 1 + OPT_FLEET_KEY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options that may be given more than once. */
static const unsigned repeatable = OPT_BIT(OPT_PSK) | OPT_BIT(OPT_NTRU_PK) | OPT_BIT(OPT_TRUSTED) | OPT_BIT(OPT_NTRU);

static const char *option_name(cli_opt_t id) {
  for (const struct option *l = long_options; l->name; l++)
    if (l->val == 1 + (int)id) return l->name;
  return "?";
}

/* --help or -h: the usage, on stdout, and success. */
static _Noreturn void command_help(const cli_command_t *cmd) {
  printf("usage: mamgate-cli %s\n", cmd->usage);
  exit(fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE);
}

static void parse_options(const cli_command_t *cmd, int argc, char **argv, cli_opts_t *o) {
  memset(o, 0, sizeof *o);
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
    if (c == 'h') command_help(cmd);
    if (c < 1 || c > OPT_COUNT)
      cli_usage_error("%s: unknown option or missing value '%s'; usage: mamgate-cli %s", cmd->name, argv[optind - 1],
                      cmd->usage);
    cli_opt_t id = (cli_opt_t)(c - 1);
    if (!(cmd->options & OPT_BIT(id)))
      cli_usage_error("%s does not take --%s; usage: mamgate-cli %s", cmd->name, option_name(id), cmd->usage);
    if (o->count[id] && !(repeatable & OPT_BIT(id))) cli_usage_error("--%s given twice", option_name(id));
    if (!o->values[id]) o->values[id] = cli_alloc((size_t)argc * sizeof *o->values[id]);
    o->values[id][o->count[id]++] = optarg ? optarg : "";
  }
  o->args = argv + optind;
  o->nargs = argc - optind;
  if (o->nargs != cmd->nargs) cli_usage_error("usage: mamgate-cli %s", cmd->usage);
}

static void free_options(cli_opts_t *o) {
  for (size_t i = 0; i < OPT_COUNT; i++) free(o->values[i]);
}

/* The PRNG keyed by --key (81 trytes). */
static void prng_from_key(const cli_opts_t *o, mam_prng_t *prng) {
  mam_trit_t *k = cli_trits("--key", cli_opt(o, OPT_KEY), MAM_PRNG_KEY_TRITS / 3, NULL);
  mam_prng_init(prng, k);
  mam_wipe(k, MAM_PRNG_KEY_TRITS);
  free(k);
}

/* --nonce, empty when absent. */
static mam_trit_t *optional_nonce(const cli_opts_t *o, size_t *n) {
  const char *nonce = cli_opt(o, OPT_NONCE);
  return cli_trits("--nonce", nonce ? nonce : "", 0, n);
}

static int cmd_troika_perm(const cli_opts_t *o) {
  mam_trit_t *s = cli_trits("STATE", o->args[0], MAM_TROIKA_STATE_TRITS / 3, NULL);
  mam_troika_f(s);
  cli_print_trytes(s, MAM_TROIKA_STATE_TRITS);
  free(s);
  return 0;
}

static int cmd_hash(const cli_opts_t *o) {
  size_t n;
  mam_trit_t *x = cli_trits("TRYTES", o->args[0], 0, &n), out[243];
  mam_spongos_hash(x, n, out, 243);
  cli_print_trytes(out, 243);
  free(x);
  return 0;
}

static int cmd_prng(const cli_opts_t *o) {
  static const char *const domains[] = {"seckey", "wotskey", "ntrukey"};
  int dest = -1;
  for (int i = 0; i < 3; i++)
    if (cli_opt(o, OPT_DOMAIN) && strcmp(cli_opt(o, OPT_DOMAIN), domains[i]) == 0) dest = i;
  if (dest < 0) cli_usage_error("--domain must be seckey, wotskey or ntrukey");
  uint64_t n = cli_uint("--trits", cli_opt(o, OPT_TRITS), 3, 3 * 1000000);
  if (n % 3) cli_usage_error("--trits must be a multiple of 3");
  mam_prng_t prng;
  prng_from_key(o, &prng);
  size_t nn;
  mam_trit_t *nonce = optional_nonce(o, &nn);
  mam_trit_t *out = cli_alloc(n);
  mam_trits_view_t v = {nonce, nn};
  cli_check(mam_prng_gen(&prng, (mam_prng_dest_t)dest, &v, 1, out, n), "prng");
  cli_print_trytes(out, n);
  free(out);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

static int cmd_wots_pk(const cli_opts_t *o) {
  mam_prng_t prng;
  prng_from_key(o, &prng);
  size_t nn;
  mam_trit_t *nonce = optional_nonce(o, &nn);
  mam_trit_t *sk = cli_alloc(MAM_WOTS_SK_TRITS), pk[MAM_WOTS_PK_TRITS];
  mam_trits_view_t v = {nonce, nn};
  cli_check(mam_wots_gen_sk(&prng, &v, 1, sk), "wots key");
  cli_check(mam_wots_pk_from_sk_consume(sk, 1, pk), "wots public key");
  cli_print_trytes(pk, MAM_WOTS_PK_TRITS);
  free(sk);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

static int cmd_mss_root(const cli_opts_t *o) {
  unsigned h = (unsigned)cli_uint("--height", cli_opt(o, OPT_HEIGHT), 0, MAM_MSS_MAX_HEIGHT);
  mam_prng_t prng;
  prng_from_key(o, &prng);
  size_t nn;
  mam_trit_t *nonce = optional_nonce(o, &nn);
  if (nn > MAM_MSS_NONCE_MAX_TRITS) cli_usage_error("--nonce is limited to %d trytes", MAM_MSS_NONCE_MAX_TRITS / 3);
  mam_trits_view_t v = {nonce, nn};
  mam_mss_t mss;
  cli_check(mam_mss_init(&mss, h, &v, 1), "mss");
  cli_check(mam_mss_gen(&mss, &prng, 0), "mss key generation");
  cli_print_trytes(mss.root, MAM_MSS_HASH_TRITS);
  mam_mss_destroy(&mss);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

/* The PRNG and nonce of a key-making command: --key and --nonce together, or fresh randomness when
 * both are absent. */
static mam_trit_t *keygen_inputs(const cli_opts_t *o, mam_prng_t *prng, size_t *nonce_len) {
  if (!cli_opt(o, OPT_KEY) != !cli_opt(o, OPT_NONCE))
    cli_usage_error("give --key and --nonce together, or neither for random keys");
  if (cli_opt(o, OPT_KEY)) {
    prng_from_key(o, prng);
    return cli_trits("--nonce", cli_opt(o, OPT_NONCE), 0, nonce_len);
  }
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
  mam_trit_t *nonce = cli_alloc(MAM_PRNG_KEY_TRITS);
  cli_random_trits(key, sizeof key);
  cli_random_trits(nonce, 81);
  mam_prng_init(prng, key);
  mam_wipe(key, sizeof key);
  *nonce_len = 81;
  return nonce;
}

static void ntru_keygen_from(const cli_opts_t *o, mam_ntru_sk_t *sk) {
  mam_prng_t prng;
  size_t nn;
  mam_trit_t *nonce = keygen_inputs(o, &prng, &nn);
  cli_check(mam_ntru_keygen(&prng, nonce, nn, sk), "ntru key generation");
  free(nonce);
  mam_prng_destroy(&prng);
}

static int cmd_ntru_pk(const cli_opts_t *o) {
  if (!cli_opt(o, OPT_KEY) || !cli_opt(o, OPT_NONCE))
    cli_usage_error("usage: mamgate-cli ntru-pk --key K --nonce TRYTES");
  mam_ntru_sk_t sk;
  ntru_keygen_from(o, &sk);
  cli_print_trytes(sk.pk, MAM_NTRU_PK_TRITS);
  mam_ntru_sk_destroy(&sk);
  return 0;
}

/* SK:PK with SK = the 1024 trits of f and two zero trits (342 trytes), PK 3072 trytes. */
static int cmd_ntru_keygen(const cli_opts_t *o) {
  mam_ntru_sk_t sk;
  ntru_keygen_from(o, &sk);
  mam_trit_t f[MAM_NTRU_SK_TRITS + 2] = {0};
  char line[(MAM_NTRU_SK_TRITS + 2) / 3 + 1 + MAM_NTRU_PK_TRITS / 3 + 2];
  memcpy(f, sk.f, MAM_NTRU_SK_TRITS);
  mam_trits_to_trytes(f, sizeof f, line);
  line[sizeof f / 3] = ':';
  mam_trits_to_trytes(sk.pk, MAM_NTRU_PK_TRITS, line + sizeof f / 3 + 1);
  line[sizeof line - 2] = '\n';
  fwrite(line, 1, sizeof line - 1, stdout);
  mam_wipe(f, sizeof f);
  mam_wipe(line, sizeof line);
  mam_ntru_sk_destroy(&sk);
  return 0;
}

/* ID:KEY, the key as the reference's mam_psk_gen makes it; the id is --id (padded with 9) or, when absent, random
 * (or, with --key and --nonce, the first 27 trytes of the key's hash so the output is reproducible). */
static int cmd_psk_gen(const cli_opts_t *o) {
  mam_prng_t prng;
  size_t nn;
  mam_trit_t *nonce = keygen_inputs(o, &prng, &nn);
  mam_psk_t psk;
  cli_check(mam_psk_derive(&prng, nonce, nn, psk.key), "psk");
  if (cli_opt(o, OPT_ID)) {
    cli_psk_id("--id", cli_opt(o, OPT_ID), strlen(cli_opt(o, OPT_ID)), psk.id);
  } else if (cli_opt(o, OPT_KEY)) {
    mam_spongos_hash(psk.key, MAM_PSK_KEY_TRITS, psk.id, MAM_PSK_ID_TRITS);
  } else {
    cli_random_trits(psk.id, MAM_PSK_ID_TRITS);
  }
  char line[MAM_PSK_ID_TRITS / 3 + 1 + MAM_PSK_KEY_TRITS / 3 + 1];
  mam_trits_to_trytes(psk.id, MAM_PSK_ID_TRITS, line);
  line[MAM_PSK_ID_TRITS / 3] = ':';
  mam_trits_to_trytes(psk.key, MAM_PSK_KEY_TRITS, line + MAM_PSK_ID_TRITS / 3 + 1);
  line[sizeof line - 1] = '\n';
  fwrite(line, 1, sizeof line, stdout);
  mam_wipe(&psk, sizeof psk);
  mam_wipe(line, sizeof line);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

static int cmd_sizet(const cli_opts_t *o) {
  uint64_t v = cli_uint("N", o->args[0], 0, MAM_PB3_SIZET_MAX);
  mam_trit_t buf[MAM_PB3_SIZET_MAX_TRITS];
  size_t pos = 0;
  mam_pb3_encode_sizet(v, buf, &pos);
  cli_print_trytes(buf, pos);
  return 0;
}

#define KEY_NONCE (OPT_BIT(OPT_KEY) | OPT_BIT(OPT_NONCE))
#define WRITE_OPTIONS                                                                                              \
  (OPT_BIT(OPT_SEED) | OPT_BIT(OPT_SEED_FILE) | OPT_BIT(OPT_STATE) | OPT_BIT(OPT_HEIGHT) | OPT_BIT(OPT_ENDPOINT_HEIGHT) |                   \
   OPT_BIT(OPT_PAYLOAD) | OPT_BIT(OPT_TEXT) | OPT_BIT(OPT_PAYLOAD_FILE) | OPT_BIT(OPT_TO_ENDPOINT) |              \
   OPT_BIT(OPT_PSK) | OPT_BIT(OPT_NTRU_PK) | OPT_BIT(OPT_CHECKSUM) | OPT_BIT(OPT_PACKETS) |                       \
   OPT_BIT(OPT_REFERENCE_SESSION_KEY))

static const cli_command_t commands[] = {
    {"troika-perm", "troika-perm STATE   (F of a 243-tryte balanced state)", 0, 1, cmd_troika_perm},
    {"hash", "hash TRYTES   (Spongos Hash243)", 0, 1, cmd_hash},
    {"prng", "prng --key K --domain seckey|wotskey|ntrukey --nonce TRYTES --trits N",
     KEY_NONCE | OPT_BIT(OPT_DOMAIN) | OPT_BIT(OPT_TRITS), 0, cmd_prng},
    {"wots-pk", "wots-pk --key K --nonce TRYTES", KEY_NONCE, 0, cmd_wots_pk},
    {"mss-root", "mss-root --key K --nonce TRYTES --height H", KEY_NONCE | OPT_BIT(OPT_HEIGHT), 0, cmd_mss_root},
    {"sizet", "sizet N", 0, 1, cmd_sizet},
    {"ntru-pk", "ntru-pk --key K --nonce TRYTES", KEY_NONCE, 0, cmd_ntru_pk},
    {"ntru-keygen", "ntru-keygen [--key K --nonce TRYTES]   (prints SK:PK)", KEY_NONCE, 0, cmd_ntru_keygen},
    {"psk-gen", "psk-gen [--key K --nonce TRYTES] [--id ID]   (prints ID:KEY)", KEY_NONCE | OPT_BIT(OPT_ID), 0,
     cmd_psk_gen},
    {"write",
     "write (--seed S | --seed-file F) --state FILE [--height H] [--endpoint-height H] (--payload TRYTES | --text TEXT | "
     "--payload-file F) [--to-endpoint] [--psk ID:KEY ...] [--ntru-pk PK ...] [--checksum none|mac|sig] "
     "[--packets N] [--reference-session-key]   (prints transactions)",
     WRITE_OPTIONS, 0, cli_cmd_write},
    {"read", "read --trusted ID [--trusted ID ...] [--psk ID:KEY ...] [--ntru SK:PK ...]   (transactions on stdin, "
     "one JSON object per packet out)",
     OPT_BIT(OPT_TRUSTED) | OPT_BIT(OPT_PSK) | OPT_BIT(OPT_NTRU), 0, cli_cmd_read},
    {"state-info", "state-info --state FILE   (channel, endpoints and signatures left, as JSON)", OPT_BIT(OPT_STATE), 0,
     cli_cmd_state_info},
    {"fleet-key", "fleet-key FILE   (a new 32-byte fleet key file, mode 0600; never overwrites)", 0, 1, cli_cmd_fleet_key},
    {"store-copy", "store-copy --from sqlite:PATH --to postgresql://... --fleet-key FILE   (a stopped gateway's"
     " database and seed into a fleet's; run again: adds nothing)",
     OPT_BIT(OPT_FROM) | OPT_BIT(OPT_TO) | OPT_BIT(OPT_FLEET_KEY), 0, cli_cmd_store_copy},
};

/* The usage of every command: on stdout with status 0 when asked for, on stderr with
 * CLI_EXIT_USAGE when no command was given. */
static _Noreturn void usage(FILE *out, int status) {
  fputs("usage: mamgate-cli COMMAND [options]   (mamgate-cli COMMAND --help: that command's usage)\ncommands:\n", out);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) fprintf(out, "  %s\n", commands[i].usage);
  exit(fflush(out) == 0 ? status : CLI_EXIT_FAILURE);
}

int main(int argc, char **argv) {
  if (argc < 2) usage(stderr, CLI_EXIT_USAGE);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    if (strcmp(argv[1], commands[i].name) != 0) continue;
    cli_opts_t o;
    parse_options(&commands[i], argc - 1, argv + 1, &o);
    int status = commands[i].run(&o);
    free_options(&o);
    return status;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) usage(stdout, 0);
  cli_usage_error("unknown command '%s' (try --help)", argv[1]);
}
