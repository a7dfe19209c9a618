/* mamgate-cli: offline MAM2 tool. Each subcommand prints its result as one line of trytes;
 * bad arguments print a message on stderr and exit with status 2. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/message.h"
#include "mamcore/mss.h"
#include "mamcore/ntru.h"
#include "mamcore/pb3.h"
#include "mamcore/spongos.h"
#include "tools/cli_args.h"

enum cli_option {
  OPT_KEY = 1 << 0,
  OPT_NONCE = 1 << 1,
  OPT_DOMAIN = 1 << 2,
  OPT_TRITS = 1 << 3,
  OPT_HEIGHT = 1 << 4,
  OPT_ID = 1 << 5,
};

typedef struct cli_opts {
  const char *key, *nonce, *domain, *trits, *height, *id;
  char **args; /* positional arguments */
  int nargs;
} cli_opts_t;

typedef struct cli_command {
  const char *name;
  const char *usage;
  unsigned options; /* allowed OPT_* bits */
  int nargs;        /* positional arguments required */
  int (*run)(const cli_opts_t *o);
} cli_command_t;

static const struct option long_options[] = {
    {"key", required_argument, NULL, 'k'},    {"nonce", required_argument, NULL, 'n'},
    {"domain", required_argument, NULL, 'd'}, {"trits", required_argument, NULL, 't'},
    {"height", required_argument, NULL, 'H'}, {"id", required_argument, NULL, 'i'},
    {NULL, 0, NULL, 0},
};

static void parse_options(const cli_command_t *cmd, int argc, char **argv, cli_opts_t *o) {
  memset(o, 0, sizeof *o);
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
    unsigned bit = 0;
    const char **slot = NULL;
    switch (c) {
      case 'k': bit = OPT_KEY, slot = &o->key; break;
      case 'n': bit = OPT_NONCE, slot = &o->nonce; break;
      case 'd': bit = OPT_DOMAIN, slot = &o->domain; break;
      case 't': bit = OPT_TRITS, slot = &o->trits; break;
      case 'H': bit = OPT_HEIGHT, slot = &o->height; break;
      case 'i': bit = OPT_ID, slot = &o->id; break;
      default: cli_usage_error("%s: unknown option '%s'; usage: mamgate-cli %s", cmd->name, argv[optind - 1], cmd->usage);
    }
    if (!(cmd->options & bit)) cli_usage_error("%s does not take --%s; usage: mamgate-cli %s", cmd->name, long_options[__builtin_ctz(bit)].name, cmd->usage);
    *slot = optarg;
  }
  o->args = argv + optind;
  o->nargs = argc - optind;
  if (o->nargs != cmd->nargs) cli_usage_error("usage: mamgate-cli %s", cmd->usage);
}

/* The PRNG keyed by --key (81 trytes). */
static void prng_from_key(const cli_opts_t *o, mam_prng_t *prng) {
  trit_t *k = cli_trits("--key", o->key, MAM_PRNG_KEY_TRITS / 3, NULL);
  mam_prng_init(prng, k);
  mam_wipe(k, MAM_PRNG_KEY_TRITS);
  free(k);
}

static void check(mam_err_t err, const char *what) {
  if (err != MAM_OK) {
    fprintf(stderr, "mamgate-cli: %s: %s\n", what, mam_strerror(err));
    exit(1);
  }
}

static int cmd_troika_perm(const cli_opts_t *o) {
  trit_t *s = cli_trits("STATE", o->args[0], MAM_TROIKA_STATE_TRITS / 3, NULL);
  mam_troika_f(s);
  cli_print_trytes(s, MAM_TROIKA_STATE_TRITS);
  free(s);
  return 0;
}

static int cmd_hash(const cli_opts_t *o) {
  size_t n;
  trit_t *x = cli_trits("TRYTES", o->args[0], 0, &n), out[243];
  mam_spongos_hash(x, n, out, 243);
  cli_print_trytes(out, 243);
  free(x);
  return 0;
}

static int cmd_prng(const cli_opts_t *o) {
  static const char *const domains[] = {"seckey", "wotskey", "ntrukey"};
  int dest = -1;
  for (int i = 0; i < 3; i++)
    if (o->domain && strcmp(o->domain, domains[i]) == 0) dest = i;
  if (dest < 0) cli_usage_error("--domain must be seckey, wotskey or ntrukey");
  uint64_t n = cli_uint("--trits", o->trits, 3, 3 * 1000000);
  if (n % 3) cli_usage_error("--trits must be a multiple of 3");
  mam_prng_t prng;
  prng_from_key(o, &prng);
  size_t nn;
  trit_t *nonce = cli_trits("--nonce", o->nonce ? o->nonce : "", 0, &nn);
  trit_t *out = malloc(n);
  if (!out) cli_usage_error("out of memory");
  mam_trits_view_t v = {nonce, nn};
  check(mam_prng_gen(&prng, (mam_prng_dest_t)dest, &v, 1, out, n), "prng");
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
  trit_t *nonce = cli_trits("--nonce", o->nonce ? o->nonce : "", 0, &nn);
  trit_t *sk = malloc(MAM_WOTS_SK_TRITS), pk[MAM_WOTS_PK_TRITS];
  if (!sk) cli_usage_error("out of memory");
  mam_trits_view_t v = {nonce, nn};
  check(mam_wots_gen_sk(&prng, &v, 1, sk), "wots key");
  check(mam_wots_pk_from_sk_consume(sk, 1, pk), "wots public key");
  cli_print_trytes(pk, MAM_WOTS_PK_TRITS);
  free(sk);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

static int cmd_mss_root(const cli_opts_t *o) {
  unsigned h = (unsigned)cli_uint("--height", o->height, 0, MAM_MSS_MAX_HEIGHT);
  mam_prng_t prng;
  prng_from_key(o, &prng);
  size_t nn;
  trit_t *nonce = cli_trits("--nonce", o->nonce ? o->nonce : "", 0, &nn);
  if (nn > MAM_MSS_NONCE_MAX_TRITS) cli_usage_error("--nonce is limited to %d trytes", MAM_MSS_NONCE_MAX_TRITS / 3);
  mam_trits_view_t v = {nonce, nn};
  mam_mss_t mss;
  check(mam_mss_init(&mss, h, &v, 1), "mss");
  check(mam_mss_gen(&mss, &prng, 0), "mss key generation");
  cli_print_trytes(mss.root, MAM_MSS_HASH_TRITS);
  mam_mss_destroy(&mss);
  free(nonce);
  mam_prng_destroy(&prng);
  return 0;
}

/* The PRNG and nonce of a key-making command: --key and --nonce together, or fresh randomness when
 * both are absent. */
static trit_t *keygen_inputs(const cli_opts_t *o, mam_prng_t *prng, size_t *nonce_len) {
  if (!o->key != !o->nonce) cli_usage_error("give --key and --nonce together, or neither for random keys");
  if (o->key) {
    prng_from_key(o, prng);
    return cli_trits("--nonce", o->nonce, 0, nonce_len);
  }
  trit_t key[MAM_PRNG_KEY_TRITS];
  trit_t *nonce = malloc(MAM_PRNG_KEY_TRITS);
  if (!nonce) cli_usage_error("out of memory");
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
  trit_t *nonce = keygen_inputs(o, &prng, &nn);
  check(mam_ntru_keygen(&prng, nonce, nn, sk), "ntru key generation");
  free(nonce);
  mam_prng_destroy(&prng);
}

static int cmd_ntru_pk(const cli_opts_t *o) {
  if (!o->key || !o->nonce) cli_usage_error("usage: mamgate-cli ntru-pk --key K --nonce TRYTES");
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
  trit_t f[MAM_NTRU_SK_TRITS + 2] = {0};
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

/* ID:KEY, the key as the reference's mam_psk_gen makes it; the id is --id or, when absent, random
 * (or, with --key and --nonce, the first 27 trytes of the key's hash so the output is reproducible). */
static int cmd_psk_gen(const cli_opts_t *o) {
  mam_prng_t prng;
  size_t nn;
  trit_t *nonce = keygen_inputs(o, &prng, &nn);
  mam_psk_t psk;
  check(mam_psk_derive(&prng, nonce, nn, psk.key), "psk");
  if (o->id) {
    trit_t *id = cli_trits("--id", o->id, MAM_PSK_ID_TRITS / 3, NULL);
    memcpy(psk.id, id, MAM_PSK_ID_TRITS);
    free(id);
  } else if (o->key) {
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
  trit_t buf[MAM_PB3_SIZET_MAX_TRITS];
  size_t pos = 0;
  mam_pb3_encode_sizet(v, buf, &pos);
  cli_print_trytes(buf, pos);
  return 0;
}

static const cli_command_t commands[] = {
    {"troika-perm", "troika-perm STATE   (F of a 243-tryte balanced state)", 0, 1, cmd_troika_perm},
    {"hash", "hash TRYTES   (Spongos Hash243)", 0, 1, cmd_hash},
    {"prng", "prng --key K --domain seckey|wotskey|ntrukey --nonce TRYTES --trits N",
     OPT_KEY | OPT_DOMAIN | OPT_NONCE | OPT_TRITS, 0, cmd_prng},
    {"wots-pk", "wots-pk --key K --nonce TRYTES", OPT_KEY | OPT_NONCE, 0, cmd_wots_pk},
    {"mss-root", "mss-root --key K --nonce TRYTES --height H", OPT_KEY | OPT_NONCE | OPT_HEIGHT, 0, cmd_mss_root},
    {"sizet", "sizet N", 0, 1, cmd_sizet},
    {"ntru-pk", "ntru-pk --key K --nonce TRYTES", OPT_KEY | OPT_NONCE, 0, cmd_ntru_pk},
    {"ntru-keygen", "ntru-keygen [--key K --nonce TRYTES]   (prints SK:PK)", OPT_KEY | OPT_NONCE, 0, cmd_ntru_keygen},
    {"psk-gen", "psk-gen [--key K --nonce TRYTES] [--id ID]   (prints ID:KEY)", OPT_KEY | OPT_NONCE | OPT_ID, 0,
     cmd_psk_gen},
};

static _Noreturn void usage(void) {
  fputs("usage: mamgate-cli COMMAND [options]\ncommands:\n", stderr);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) fprintf(stderr, "  %s\n", commands[i].usage);
  exit(CLI_EXIT_USAGE);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    if (strcmp(argv[1], commands[i].name) != 0) continue;
    cli_opts_t o;
    parse_options(&commands[i], argc - 1, argv + 1, &o);
    return commands[i].run(&o);
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) usage();
  cli_usage_error("unknown command '%s' (try --help)", argv[1]);
}
