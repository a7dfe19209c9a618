/* tools/cli_store_copy.c: mamgate-cli store-copy, which moves a single gateway's SQLite database
 * and gateway seed into a fleet's (PostgreSQL) store.
 *
 * The source gateway must be stopped: its data directory lock is taken (without waiting) for the
 * whole copy. Everything goes through store/store.h: secrets are sealed with the fleet key by the
 * destination's front on the way. The seed comes first, so a destination holding another
 * gateway's seed is refused before anything is written. Every step skips what the destination
 * holds already, so a second run adds nothing: messages are unique on (channel, message id, ord),
 * watches, channels, PSKs and NTRU keys by id (an id holding another key is refused), and the
 * counters only ever move up to the source's. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/datadir.h"
#include "mamcore/trits.h"
#include "seal/key.h"
#include "store/store.h"
#include "tools/cli.h"
#include "tools/cli_args.h"

#define SEED_FILE "seed"
#define SEED_TRYTES 81
#define MESSAGE_PAGE 500

typedef struct copy {
  mg_store_t *from, *to;
  const char *data_dir;
} copy_t;

/* Exits with the store's message unless err is OK. */
static void check(mg_store_t *s, mg_store_err_t err, const char *what) {
  if (err != MG_STORE_OK) cli_fail("store-copy: %s: %s (%s)", what, mg_store_strerror(err), mg_store_errmsg(s));
}

static void report(const char *what, size_t copied, size_t present) {
  printf("%s: %zu copied, %zu already there\n", what, copied, present);
}

/* ---- the gateway seed ---- */

static void read_seed(const char *dir, char seed[SEED_TRYTES + 1]) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, SEED_FILE) >= (int)sizeof path) cli_fail("store-copy: path too long");
  FILE *f = fopen(path, "r");
  if (!f) cli_fail("store-copy: cannot read the gateway seed %s: %s", path, strerror(errno));
  char line[SEED_TRYTES + 3] = {0};
  bool read = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  line[strcspn(line, "\r\n")] = '\0';
  if (!read || strlen(line) != SEED_TRYTES || !mam_trytes_valid(line, SEED_TRYTES))
    cli_fail("store-copy: the seed file %s does not hold 81 trytes", path);
  memcpy(seed, line, SEED_TRYTES + 1);
  mam_wipe(line, sizeof line);
}

/* The seed into the secret MG_STORE_SECRET_GATEWAY_SEED (its 81 tryte characters), set once. */
static void copy_seed(const copy_t *c) {
  char seed[SEED_TRYTES + 1];
  uint8_t stored[SEED_TRYTES + 1];
  size_t len = 0;
  read_seed(c->data_dir, seed);
  mg_store_err_t err = mg_store_init_secret(c->to, MG_STORE_SECRET_GATEWAY_SEED, (const uint8_t *)seed, SEED_TRYTES, stored,
                                            sizeof stored, &len);
  if (err == MG_STORE_ERR_ARG) /* a longer secret: not this seed either */
    len = 0;
  else
    check(c->to, err, "the gateway seed");
  bool same = len == SEED_TRYTES && memcmp(stored, seed, SEED_TRYTES) == 0;
  mam_wipe(seed, sizeof seed);
  mam_wipe(stored, sizeof stored);
  if (!same)
    cli_fail("store-copy: the destination holds another gateway seed (a fleet has one seed): nothing was copied");
  printf("gateway seed: in secret \"%s\"\n", MG_STORE_SECRET_GATEWAY_SEED);
}

/* ---- keys ---- */

static void copy_psks(const copy_t *c) {
  char **ids = NULL;
  size_t n = 0, copied = 0;
  check(c->from, mg_store_list_psks(c->from, &ids, &n), "listing the PSKs");
  for (size_t i = 0; i < n; i++) {
    char key[MG_PSK_KEY_TRYTES + 1], there[MG_PSK_KEY_TRYTES + 1];
    check(c->from, mg_store_get_psk(c->from, ids[i], key), "reading a PSK");
    mg_store_err_t err = mg_store_add_psk(c->to, ids[i], key);
    if (err == MG_STORE_EXISTS) {
      check(c->to, mg_store_get_psk(c->to, ids[i], there), "reading a PSK");
      if (strcmp(key, there) != 0) cli_fail("store-copy: PSK %s exists in the destination with another key", ids[i]);
      mam_wipe(there, sizeof there);
    } else {
      check(c->to, err, "adding a PSK");
      copied++;
    }
    mam_wipe(key, sizeof key);
  }
  report("PSKs", copied, n - copied);
  mg_strings_free(ids, n);
}

static void copy_ntru_keys(const copy_t *c) {
  char **ids = NULL;
  size_t n = 0, copied = 0;
  check(c->from, mg_store_list_ntru(c->from, &ids, &n), "listing the NTRU keys");
  static char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1], there[MG_NTRU_SK_TRYTES + 1];
  for (size_t i = 0; i < n; i++) {
    check(c->from, mg_store_get_ntru(c->from, ids[i], sk, pk), "reading an NTRU key");
    mg_store_err_t err = mg_store_add_ntru(c->to, ids[i], sk, pk);
    if (err == MG_STORE_EXISTS) {
      check(c->to, mg_store_get_ntru(c->to, ids[i], there, NULL), "reading an NTRU key");
      if (strcmp(sk, there) != 0) cli_fail("store-copy: NTRU key %s exists in the destination with another key", ids[i]);
    } else {
      check(c->to, err, "adding an NTRU key");
      copied++;
    }
  }
  mam_wipe(sk, sizeof sk);
  mam_wipe(there, sizeof there);
  report("NTRU keys", copied, n - copied);
  mg_strings_free(ids, n);
}

/* ---- writer channels and their counters ---- */

static void copy_channels(const copy_t *c) {
  char **ids = NULL;
  size_t n = 0, copied = 0;
  int64_t highest = -1;
  check(c->from, mg_store_list_channels(c->from, &ids, &n), "listing the channels");
  for (size_t i = 0; i < n; i++) {
    int64_t number = 0;
    uint8_t *state = NULL;
    size_t len = 0;
    check(c->from, mg_store_get_channel(c->from, ids[i], &number, &state, &len), "reading a channel");
    if (number > highest) highest = number;
    mg_store_err_t err = mg_store_get_channel(c->to, ids[i], NULL, NULL, NULL);
    if (err == MG_STORE_NOT_FOUND) { /* a channel there already keeps its (newer) state */
      check(c->to, mg_store_put_channel(c->to, ids[i], number, state, len), "adding a channel");
      copied++;
    } else {
      check(c->to, err, "reading a channel");
    }
    free(state);
  }
  if (highest >= 0) check(c->to, mg_store_raise_channel_number(c->to, highest + 1), "the channel number");
  report("channels", copied, n - copied);
  mg_strings_free(ids, n);
}

/* Moves each tree's counter of one kind in the destination to at least the source's. */
static void copy_counters(const copy_t *c, mg_store_counter_t kind, const char *what) {
  char **ids = NULL;
  size_t n = 0, raised = 0;
  check(c->from, mg_store_list_trees(c->from, kind, &ids, &n), what);
  bool leaves = kind == MG_COUNTER_LEAF;
  for (size_t i = 0; i < n; i++) {
    uint64_t want = 0, have = 0, first = 0;
    check(c->from, leaves ? mg_store_next_free_leaf(c->from, ids[i], &want) : mg_store_next_msg_number(c->from, ids[i], &want), what);
    check(c->to, leaves ? mg_store_next_free_leaf(c->to, ids[i], &have) : mg_store_next_msg_number(c->to, ids[i], &have), what);
    if (have >= want) continue;
    /* reserving the source's last one moves the destination's next to the source's */
    check(c->to,
          leaves ? mg_store_reserve_leaves(c->to, ids[i], want - 1, 1, &first)
                 : mg_store_reserve_msg_numbers(c->to, ids[i], want - 1, 1, &first),
          what);
    raised++;
  }
  printf("%s: %zu raised to the source's, %zu already there\n", what, raised, n - raised);
  mg_strings_free(ids, n);
}

/* ---- watches and messages ---- */

static void copy_watches(const copy_t *c) {
  mg_watch_t *w = NULL;
  size_t n = 0, copied = 0;
  check(c->from, mg_store_list_watches(c->from, &w, &n), "listing the watches");
  for (size_t i = 0; i < n; i++) {
    mg_store_err_t err = mg_store_add_watch(c->to, &w[i]);
    if (err != MG_STORE_EXISTS) check(c->to, err, "adding a watch");
    copied += err == MG_STORE_OK;
  }
  report("watches", copied, n - copied);
  mg_watches_free(w, n);
}

/* Every stored packet, in the source's cursor order, a page per transaction. */
static void copy_messages(const copy_t *c) {
  char **channels = NULL;
  size_t n_channels = 0, copied = 0, present = 0;
  check(c->from, mg_store_list_message_channels(c->from, &channels, &n_channels), "listing the channels");
  int64_t after = 0;
  static int inserted[MESSAGE_PAGE];
  for (size_t n = n_channels ? MESSAGE_PAGE : 0; n == MESSAGE_PAGE;) {
    mg_message_t *page = NULL;
    check(c->from, mg_store_list_messages_of(c->from, channels, n_channels, after, MESSAGE_PAGE, &page, &n),
          "reading the messages");
    if (n) after = page[n - 1].cursor; /* before the destination replaces the cursors */
    if (n) check(c->to, mg_store_put_messages(c->to, page, n, inserted), "adding messages");
    for (size_t i = 0; i < n; i++) inserted[i] ? copied++ : present++;
    mg_messages_free(page, n);
  }
  report("messages", copied, present);
  mg_strings_free(channels, n_channels);
}

/* ---- the command ---- */

/* The source's path: sqlite:PATH or a path, of an existing database file. */
static const char *source_path(const char *from) {
  const char *path = strncmp(from, "sqlite:", 7) == 0 ? from + 7 : from;
  if (!*path) cli_usage_error("store-copy: --from takes sqlite:PATH (the gateway's mamgate.db)");
  struct stat st;
  if (stat(path, &st) != 0) cli_fail("store-copy: no database at %s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) cli_fail("store-copy: %s is not a database file", path);
  return path;
}

/* The source's data directory, locked without waiting: its gateway must be stopped. */
static mg_datadir_t *lock_source(const char *dir) {
  mg_datadir_t *d = NULL;
  pid_t holder = 0;
  mg_datadir_err_t err = mg_datadir_open(dir, false, &d, &holder);
  if (err == MG_DATADIR_ERR_IN_USE && holder > 0)
    cli_fail("store-copy: the gateway of %s is running (process %ld holds %s/%s): stop it first", dir, (long)holder, dir,
             MG_DATADIR_LOCK_FILE);
  if (err == MG_DATADIR_ERR_IN_USE)
    cli_fail("store-copy: the gateway of %s is running (%s/%s is locked): stop it first", dir, dir, MG_DATADIR_LOCK_FILE);
  if (err != MG_DATADIR_OK) cli_fail("store-copy: %s: %s (%s)", dir, mg_datadir_strerror(err), strerror(errno));
  return d;
}

/* The source without a key, or with the fleet key when its secrets are sealed already. */
static mg_store_t *open_source(const char *path, const mg_seal_key_t *key) {
  char *location = cli_alloc(strlen(path) + 8);
  sprintf(location, "sqlite:%s", path);
  mg_store_t *s = NULL;
  mg_store_err_t err = mg_store_open(location, &s);
  if (err == MG_STORE_ERR_KEY) err = mg_store_open_sealed(location, key, &s);
  free(location);
  if (err) cli_fail("store-copy: cannot open the source %s: %s", path, mg_store_strerror(err));
  return s;
}

int cli_cmd_store_copy(const cli_opts_t *o) {
  const char *from = cli_opt(o, OPT_FROM), *to = cli_opt(o, OPT_TO), *key_file = cli_opt(o, OPT_FLEET_KEY);
  if (!from || !to || !key_file) cli_usage_error("store-copy needs --from, --to and --fleet-key");
  const char *path = source_path(from);
  char *dir_copy = cli_alloc(strlen(path) + 1);
  strcpy(dir_copy, path);
  const char *dir = dirname(dir_copy);
  mg_seal_key_t key;
  mg_seal_err_t kerr = mg_seal_key_load(key_file, &key);
  if (kerr != MG_SEAL_OK)
    cli_fail("store-copy: fleet key %s: %s%s%s", key_file, mg_seal_strerror(kerr), kerr == MG_SEAL_ERR_KEY_OPEN ? ": " : "",
             kerr == MG_SEAL_ERR_KEY_OPEN ? strerror(errno) : "");
  mg_datadir_t *lock = lock_source(dir);
  copy_t c = {.from = open_source(path, &key), .data_dir = dir};
  mg_store_err_t err = mg_store_open_sealed(to, &key, &c.to);
  mg_seal_key_wipe(&key);
  if (err == MG_STORE_ERR_KEY) cli_fail("store-copy: the fleet key %s is not the destination's", key_file);
  if (err) cli_fail("store-copy: cannot open the destination: %s", mg_store_strerror(err));
  copy_seed(&c);
  copy_psks(&c);
  copy_ntru_keys(&c);
  copy_channels(&c);
  copy_counters(&c, MG_COUNTER_LEAF, "leaf counters");
  copy_counters(&c, MG_COUNTER_MSG_NUMBER, "message counters");
  copy_watches(&c);
  copy_messages(&c);
  mg_store_close(c.to);
  mg_store_close(c.from);
  mg_datadir_close(lock);
  free(dir_copy);
  return 0;
}
