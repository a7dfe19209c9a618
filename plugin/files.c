/* The data directory: locked for the gateway's life (fs/datadir.h); database, seed and token files,
 * all private to the owner. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/datadir.h"
#include "fs/sync.h"
#include "mamcore/trits.h"
#include "plugin/gateway.h"
#include "seal/random.h"

#define SEED_TRYTES (MAM_PRNG_KEY_TRITS / 3)

/* Reads a whole small file into buf (NUL-terminated, trailing newline removed). */
static int read_small(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 0;
}

/* Writes a file that only the owner may read, atomically (temporary file, fsync, rename, fsync of
 * the directory). The temporary name is fixed: the data directory lock keeps other gateways out. */
static int write_private(const char *path, const char *text) {
  char tmp[MG_PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  int ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return mg_fs_sync_parent_dir(path);
}

static int random_bytes(void *buf, size_t n) { return mg_seal_random(buf, n) == MG_SEAL_OK ? 0 : -1; }

/* A new gateway seed: uniformly random trytes. */
static int random_seed(char out[SEED_TRYTES + 1]) {
  return mg_seal_random_trytes(out, SEED_TRYTES) == MG_SEAL_OK ? 0 : -1;
}

/* The seed file's 81 trytes (created when missing) into seed. */
static int read_seed_file(mg_gateway_t *g, char seed[SEED_TRYTES + 2], char *err, size_t err_len) {
  char path[MG_PATH_MAX];
  snprintf(path, sizeof path, "%s/seed", g->cfg.data_dir);
  if (read_small(path, seed, SEED_TRYTES + 2) != 0) {
    if (errno != ENOENT || random_seed(seed) != 0 || write_private(path, seed) != 0)
      return mg_errorf(err, err_len, "cannot create the seed file %s: %s", path, strerror(errno));
    mg_log(g, MAMGATE_LOG_INFO, "created a new gateway seed in %s", path);
  }
  if (strlen(seed) != SEED_TRYTES || !mam_trytes_valid(seed, SEED_TRYTES))
    return mg_errorf(err, err_len, "the seed file %s does not hold 81 trytes", path);
  chmod(path, 0600);
  return 0;
}

/* The fleet's seed: the one stored (sealed) in the database, or this file's when none is yet. */
static int fleet_seed(mg_gateway_t *g, mg_store_t *store, char seed[SEED_TRYTES + 2], char *err, size_t err_len) {
  uint8_t shared[SEED_TRYTES + 1];
  size_t len = 0;
  mg_store_err_t serr = mg_store_init_secret(store, MG_STORE_SECRET_GATEWAY_SEED, (const uint8_t *)seed, SEED_TRYTES, shared,
                                             sizeof shared, &len);
  int ok = serr == MG_STORE_OK && len == SEED_TRYTES && mam_trytes_valid((const char *)shared, SEED_TRYTES);
  if (ok && memcmp(shared, seed, SEED_TRYTES) != 0)
    mg_log(g, MAMGATE_LOG_INFO, "using the fleet's gateway seed from the store, not this data directory's seed file");
  if (ok) memcpy(seed, shared, SEED_TRYTES);
  mam_wipe(shared, sizeof shared);
  if (serr != MG_STORE_OK) return mg_errorf(err, err_len, "cannot read the fleet's gateway seed: %s", mg_store_strerror(serr));
  return ok ? 0 : mg_errorf(err, err_len, "the fleet's gateway seed in the store does not hold 81 trytes");
}

int mg_files_load_seed(mg_gateway_t *g, mg_store_t *store, char *err, size_t err_len) {
  char seed[SEED_TRYTES + 2] = {0};
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
  int rc = read_seed_file(g, seed, err, err_len);
  if (rc == 0 && g->fleet) rc = fleet_seed(g, store, seed, err, err_len);
  if (rc == 0 && mam_trytes_to_trits(seed, SEED_TRYTES, key) != MAM_OK) rc = mg_errorf(err, err_len, "bad seed");
  mam_wipe(seed, sizeof seed);
  if (rc == 0) mam_prng_init(&g->prng, key);
  mam_wipe(key, sizeof key);
  return rc;
}

/* base64url of the bytes without padding (nettle's encoder). */
static void base64url(const unsigned char *in, size_t n, char *out) {
  struct base64_encode_ctx ctx;
  base64url_encode_init(&ctx);
  size_t o = base64_encode_update(&ctx, out, n, in);
  o += base64_encode_final(&ctx, out + o);
  while (o > 0 && out[o - 1] == '=') o--;
  out[o] = 0;
}

static int load_token(mg_gateway_t *g, char *err, size_t err_len) {
  if (g->cfg.token[0]) {
    snprintf(g->token, sizeof g->token, "%s", g->cfg.token);
    return 0;
  }
  char path[MG_PATH_MAX];
  snprintf(path, sizeof path, "%s/token", g->cfg.data_dir);
  if (read_small(path, g->token, sizeof g->token) == 0 && g->token[0]) {
    if (strlen(g->token) < MG_TOKEN_MIN_CHARS)
      return mg_errorf(err, err_len, "the token file %s holds fewer than %d characters (delete it to have one generated)",
                       path, MG_TOKEN_MIN_CHARS);
    return chmod(path, 0600), 0;
  }
  unsigned char raw[32];
  if (random_bytes(raw, sizeof raw) != 0) {
    snprintf(err, err_len, "no random source for the token");
    return -1;
  }
  base64url(raw, sizeof raw, g->token);
  mam_wipe(raw, sizeof raw);
  if (write_private(path, g->token) != 0) {
    snprintf(err, err_len, "cannot write the token file %s: %s", path, strerror(errno));
    return -1;
  }
  mg_log(g, MAMGATE_LOG_INFO, "generated an API token in %s", path);
  return 0;
}

/* One gateway owns one data directory (design "Storage engines"): a second one would sign with
 * the leaves the first has reserved but not yet saved as used. */
static int lock_data_dir(mg_gateway_t *g, char *err, size_t err_len) {
  pid_t holder = 0;
  mg_datadir_err_t derr = mg_datadir_open(g->cfg.data_dir, false, &g->data_dir, &holder);
  if (derr == MG_DATADIR_OK) return 0;
  mg_datadir_refusal(g->cfg.data_dir, derr, holder, errno, err, err_len);
  return -1;
}

/* Replaces the configured data directory by its absolute path, so that nothing later depends on
 * the working directory and the log names the directory in use. */
static int resolve_data_dir(mg_gateway_t *g, char *err, size_t err_len) {
  char *absolute = realpath(g->cfg.data_dir, NULL);
  if (!absolute) return mg_errorf(err, err_len, "cannot resolve the data directory %s: %s", g->cfg.data_dir, strerror(errno));
  int fits = strlen(absolute) < sizeof g->cfg.data_dir;
  if (fits) memcpy(g->cfg.data_dir, absolute, strlen(absolute) + 1);
  free(absolute);
  return fits ? 0 : mg_errorf(err, err_len, "data directory path too long");
}

int mg_files_prepare(mg_gateway_t *g, char *err, size_t err_len) {
  if (lock_data_dir(g, err, err_len) != 0) return -1;
  if (resolve_data_dir(g, err, err_len) != 0) return -1;
  return load_token(g, err, err_len);
}
