/* tools/cli_write.c: `mamgate-cli write` (one MAM2 message as transaction trytes) and
 * `mamgate-cli state-info`.
 *
 * Key safety: the message is composed in memory, then the state with the advanced message counter
 * and leaf index is saved, and only then is any transaction printed. A crash before the save
 * leaves nothing published, so the leaves it used are free to sign again; a crash after it burns
 * them. A lock file keeps two writers of one state apart. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mamcore/payload.h"
#include "mamcore/transport.h"
#include "tangle/bundle.h"
#include "tangle/mam_bundle.h"
#include "tools/cli.h"
#include "tools/cli_args.h"
#include "tools/cli_state.h"

#define DEFAULT_HEIGHT 2
/* What a reader with default limits accepts in one packet; a message is kept within it. */
#define PAYLOAD_MAX_TRYTES MAM_READER_DEFAULT_MAX_PAYLOAD_TRYTES
#define PACKETS_MAX 1000

typedef struct write_request {
  const char *state_path;
  mam_prng_t prng;
  unsigned height, endpoint_height;
  bool height_given, endpoint_height_given;
  mam_trit_t *payload;
  size_t payload_trits;
  size_t unit_trytes; /* 2 when the payload is bytes, so that packets never split a byte */
  bool to_endpoint;
  mam_psk_t *psks;
  size_t n_psks;
  mam_trit_t *ntru_pks;
  size_t n_ntru;
  mam_checksum_t checksum;
  size_t packets;
  bool reference_session_key;
} write_request_t;

/* ---- arguments ---- */

static mam_checksum_t parse_checksum(const char *text) {
  static const char *const names[] = {"none", "mac", "sig"};
  if (!text) return MAM_CHECKSUM_MAC;
  for (int i = 0; i < 3; i++)
    if (strcmp(text, names[i]) == 0) return (mam_checksum_t)i;
  cli_usage_error("--checksum must be none, mac or sig, got '%s'", text);
}

/* The bytes of a file, at most max of them. */
static uint8_t *read_bytes(const char *path, size_t max, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) cli_usage_error("--payload-file %s: cannot open it", path);
  uint8_t *buf = cli_alloc(max + 1);
  *n = fread(buf, 1, max + 1, f);
  bool failed = ferror(f);
  fclose(f);
  if (failed) cli_fail("--payload-file %s: read error", path);
  if (*n > max) cli_usage_error("--payload-file %s: larger than %zu bytes", path, max);
  return buf;
}

static void payload_from_bytes(write_request_t *rq, const uint8_t *bytes, size_t n) {
  char *trytes = cli_alloc(2 * n);
  mam_bytes_to_trytes(bytes, n, trytes);
  rq->payload = cli_alloc(6 * n);
  cli_trits_into("payload", trytes, 2 * n, rq->payload);
  rq->payload_trits = 6 * n;
  rq->unit_trytes = 2;
  free(trytes);
}

static void parse_payload(const cli_opts_t *o, write_request_t *rq) {
  const char *trytes = cli_opt(o, OPT_PAYLOAD), *text = cli_opt(o, OPT_TEXT), *file = cli_opt(o, OPT_PAYLOAD_FILE);
  if ((trytes != NULL) + (text != NULL) + (file != NULL) != 1)
    cli_usage_error("give exactly one of --payload, --text and --payload-file");
  if (trytes) {
    if (strlen(trytes) > PAYLOAD_MAX_TRYTES)
      cli_usage_error("--payload is longer than %u trytes", PAYLOAD_MAX_TRYTES);
    rq->payload = cli_trits("--payload", trytes, 0, &rq->payload_trits);
    rq->unit_trytes = 1;
  } else if (text) {
    if (strlen(text) > PAYLOAD_MAX_TRYTES / 2)
      cli_usage_error("--text is longer than %u bytes", PAYLOAD_MAX_TRYTES / 2);
    payload_from_bytes(rq, (const uint8_t *)text, strlen(text));
  } else {
    size_t n;
    uint8_t *bytes = read_bytes(file, PAYLOAD_MAX_TRYTES / 2, &n);
    payload_from_bytes(rq, bytes, n);
    free(bytes);
  }
}

static void parse_keyloads(const cli_opts_t *o, write_request_t *rq) {
  rq->n_psks = o->count[OPT_PSK];
  rq->n_ntru = o->count[OPT_NTRU_PK];
  if (rq->n_psks + rq->n_ntru > MAM_KEYLOADS_MAX)
    cli_usage_error("at most %d keyloads (--psk and --ntru-pk)", MAM_KEYLOADS_MAX);
  rq->psks = cli_alloc(rq->n_psks * sizeof *rq->psks);
  for (size_t i = 0; i < rq->n_psks; i++) cli_psk(o->values[OPT_PSK][i], &rq->psks[i]);
  rq->ntru_pks = cli_alloc(rq->n_ntru * MAM_NTRU_PK_TRITS);
  for (size_t i = 0; i < rq->n_ntru; i++) {
    const char *pk = o->values[OPT_NTRU_PK][i];
    if (strlen(pk) != MAM_NTRU_PK_TRITS / 3) cli_usage_error("--ntru-pk must be %d trytes", MAM_NTRU_PK_TRITS / 3);
    cli_trits_into("--ntru-pk", pk, MAM_NTRU_PK_TRITS / 3, rq->ntru_pks + i * MAM_NTRU_PK_TRITS);
  }
}

/* The 81 seed trytes of a file only its owner may read (a trailing newline is allowed): a seed
 * on the command line shows in the process list. */
static void read_seed_file(const char *path, char text[MAM_PRNG_KEY_TRITS / 3 + 1]) {
  FILE *f = fopen(path, "r");
  if (!f) cli_usage_error("--seed-file %s: cannot open it", path);
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
    fclose(f);
    cli_usage_error("--seed-file %s: group or others may read it (chmod 600)", path);
  }
  char buf[MAM_PRNG_KEY_TRITS / 3 + 3];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  if (n != MAM_PRNG_KEY_TRITS / 3) {
    mam_wipe(buf, sizeof buf);
    cli_usage_error("--seed-file %s: must hold the %d seed trytes", path, MAM_PRNG_KEY_TRITS / 3);
  }
  memcpy(text, buf, n);
  text[n] = 0;
  mam_wipe(buf, sizeof buf);
}

static void parse_write_request(const cli_opts_t *o, write_request_t *rq) {
  memset(rq, 0, sizeof *rq);
  const char *seed_text = cli_opt(o, OPT_SEED), *seed_file = cli_opt(o, OPT_SEED_FILE);
  if (!seed_text == !seed_file) cli_usage_error("give exactly one of --seed and --seed-file");
  char from_file[MAM_PRNG_KEY_TRITS / 3 + 1];
  if (seed_file) {
    read_seed_file(seed_file, from_file);
    seed_text = from_file;
  }
  mam_trit_t *seed = cli_trits(seed_file ? "--seed-file" : "--seed", seed_text, MAM_PRNG_KEY_TRITS / 3, NULL);
  mam_wipe(from_file, sizeof from_file);
  mam_prng_init(&rq->prng, seed);
  mam_wipe(seed, MAM_PRNG_KEY_TRITS);
  free(seed);
  rq->state_path = cli_opt(o, OPT_STATE);
  if (!rq->state_path) cli_usage_error("missing --state FILE");
  const char *height = cli_opt(o, OPT_HEIGHT);
  rq->height_given = height != NULL;
  rq->height = height ? (unsigned)cli_uint("--height", height, 0, MAM_MSS_MAX_HEIGHT) : DEFAULT_HEIGHT;
  const char *endpoint_height = cli_opt(o, OPT_ENDPOINT_HEIGHT);
  rq->endpoint_height_given = endpoint_height != NULL;
  rq->endpoint_height =
      endpoint_height ? (unsigned)cli_uint("--endpoint-height", endpoint_height, 0, MAM_MSS_MAX_HEIGHT) : rq->height;
  parse_payload(o, rq);
  parse_keyloads(o, rq);
  rq->to_endpoint = cli_flag(o, OPT_TO_ENDPOINT);
  rq->checksum = parse_checksum(cli_opt(o, OPT_CHECKSUM));
  rq->packets = cli_opt(o, OPT_PACKETS) ? (size_t)cli_uint("--packets", cli_opt(o, OPT_PACKETS), 1, PACKETS_MAX) : 1;
  rq->reference_session_key = cli_flag(o, OPT_REFERENCE_SESSION_KEY);
}

static void free_write_request(write_request_t *rq) {
  mam_prng_destroy(&rq->prng);
  free(rq->payload);
  mam_wipe(rq->psks, rq->n_psks * sizeof *rq->psks);
  free(rq->psks);
  free(rq->ntru_pks);
}

/* ---- the state ---- */

/* API names: the n-th channel or endpoint of a seed is named <n>_18 (spec 11.1). */
static void api_name(int64_t n, mam_trit_t name[MAM_API_NAME_TRITS]) { mam_trits_from_int(n, name, MAM_API_NAME_TRITS); }

/* A new state: channel <0>_18 and its endpoint <0>_18; saved at once so its ids never change. */
static void create_state(const write_request_t *rq, cli_writer_state_t *st) {
  memset(st, 0, sizeof *st);
  mam_trit_t name[MAM_API_NAME_TRITS];
  api_name(0, name);
  cli_check(mam_channel_create(&st->ch, &rq->prng, name, sizeof name, rq->height, 0), "creating the channel");
  st->eps = cli_alloc(sizeof *st->eps);
  api_name(st->ch.endpoint_ord, name);
  cli_check(mam_endpoint_create(&st->eps[0], &st->ch, &rq->prng, name, sizeof name, rq->endpoint_height, 0),
            "creating the endpoint");
  st->n_eps = 1;
  st->ch.endpoint_ord++;
  cli_state_save(rq->state_path, st);
}

/* A loaded state must agree with the heights asked for, when they are given. */
static void check_heights(const write_request_t *rq, const cli_writer_state_t *st) {
  if (rq->height_given && rq->height != st->ch.mss.height)
    cli_fail("%s: the channel has height %u, not %u", rq->state_path, st->ch.mss.height, rq->height);
  if (rq->endpoint_height_given && st->n_eps && rq->endpoint_height != st->eps[0].mss.height)
    cli_fail("%s: the endpoint has height %u, not %u", rq->state_path, st->eps[0].mss.height, rq->endpoint_height);
}

/* ---- composing ---- */

typedef struct composed {
  mam_bundle_t *bundles;
  size_t n_bundles;
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
} composed_t;

/* Writes the message in memory; the state's counter and signing tree move on. */
static void compose(const write_request_t *rq, cli_writer_state_t *st, mam_mss_t *signing, composed_t *out) {
  uint64_t needed = rq->checksum == MAM_CHECKSUM_SIG ? rq->packets : 0, remaining = mam_mss_remaining(signing);
  if (remaining < needed)
    cli_fail("not enough signatures left: %llu remaining, %llu needed", (unsigned long long)remaining,
             (unsigned long long)needed);
  uint32_t skn_before = signing->skn;
  mam_channel_next_msg_id(&st->ch, out->msg_id);
  mam_trit_t entropy[81];
  cli_random_trits(entropy, sizeof entropy);
  mam_message_spec_t spec = {
      .header = {.ch = &st->ch,
                 .ep = rq->to_endpoint ? &st->eps[0] : NULL,
                 .msg_id = out->msg_id,
                 .psks = rq->psks,
                 .n_psks = rq->n_psks,
                 .ntru_pks = rq->ntru_pks,
                 .n_ntru = rq->n_ntru,
                 .key_mode = rq->reference_session_key ? MAM_SESSION_KEY_REFERENCE : MAM_SESSION_KEY_UNIQUE,
                 .entropy = rq->reference_session_key ? NULL : entropy,
                 .entropy_len = rq->reference_session_key ? 0 : sizeof entropy},
      .payload = rq->payload,
      .payload_trits = rq->payload_trits,
      .checksum = rq->checksum,
      .packets = rq->packets,
      .unit_trytes = rq->unit_trytes,
  };
  mam_err_t err = mam_message_write(&rq->prng, &spec, &out->bundles, &out->n_bundles);
  mam_wipe(entropy, sizeof entropy);
  cli_check(err, "writing the message");
  /* every leaf signed with must be behind skn before the state is saved */
  if (signing->skn != skn_before + needed) cli_fail("internal error: the leaf index did not advance as expected");
}

/* ---- transactions ---- */

/* The tangle transactions of one MAM bundle as tryte lines at out (2674 characters each),
 * finalised; trunk, branch, nonce and the attachment fields stay all 9 (not attached). */
static char *bundle_lines(const mam_bundle_t *b, int64_t timestamp, char *out) {
  tangle_tx_t *txs = cli_alloc(b->n * sizeof *txs);
  tangle_err_t err = tangle_bundle_from_mam(b, timestamp, txs);
  for (size_t i = 0; err == TANGLE_OK && i < b->n; i++, out += TANGLE_TX_TRYTES + 1) {
    err = tangle_tx_to_trytes(&txs[i], out);
    out[TANGLE_TX_TRYTES] = '\n';
  }
  if (err != TANGLE_OK) cli_fail("building the bundle: %s", tangle_strerror(err));
  free(txs);
  return out;
}

/* Every transaction of the message, one line each. */
static char *message_lines(const composed_t *m, size_t *len) {
  size_t n = 0;
  for (size_t i = 0; i < m->n_bundles; i++) n += m->bundles[i].n;
  char *lines = cli_alloc(n * (TANGLE_TX_TRYTES + 1)), *end = lines;
  int64_t now = (int64_t)time(NULL);
  for (size_t i = 0; i < m->n_bundles; i++) end = bundle_lines(&m->bundles[i], now, end);
  *len = (size_t)(end - lines);
  return lines;
}

static void report_ids(const cli_writer_state_t *st, const mam_trit_t msg_id[MAM_MSG_ID_TRITS]) {
  char id[MAM_ID_TRITS / 3 + 1];
  cli_trytes(mam_channel_id(&st->ch), MAM_ID_TRITS, id);
  fprintf(stderr, "channel %s\n", id);
  for (size_t i = 0; i < st->n_eps; i++) {
    cli_trytes(mam_endpoint_id(&st->eps[i]), MAM_ID_TRITS, id);
    fprintf(stderr, "endpoint %s\n", id);
  }
  cli_trytes(msg_id, MAM_MSG_ID_TRITS, id);
  fprintf(stderr, "message %s\n", id);
}

int cli_cmd_write(const cli_opts_t *o) {
  write_request_t rq;
  parse_write_request(o, &rq);
  int lock = cli_state_lock(rq.state_path);
  cli_writer_state_t st;
  if (cli_state_load(rq.state_path, &st))
    check_heights(&rq, &st);
  else
    create_state(&rq, &st);
  if (rq.to_endpoint && st.n_eps == 0) cli_fail("%s: the channel has no endpoint", rq.state_path);
  composed_t m;
  compose(&rq, &st, rq.to_endpoint ? &st.eps[0].mss : &st.ch.mss, &m);
  size_t len;
  char *lines = message_lines(&m, &len);
  cli_state_save(rq.state_path, &st); /* before any transaction leaves the process */
  cli_state_unlock(lock);
  if (fwrite(lines, 1, len, stdout) != len || fflush(stdout) != 0) cli_fail("cannot write the transactions");
  report_ids(&st, m.msg_id);
  free(lines);
  mam_bundles_free(m.bundles, m.n_bundles);
  cli_state_free(&st);
  free_write_request(&rq);
  return 0;
}

/* ---- state-info ---- */

static json_t *tree_json(const char *id_key, const mam_trit_t id[MAM_ID_TRITS], const mam_mss_t *mss) {
  char trytes[MAM_ID_TRITS / 3 + 1];
  cli_trytes(id, MAM_ID_TRITS, trytes);
  return json_pack("{s:s, s:I, s:I}", id_key, trytes, "height", (json_int_t)mss->height, "remaining",
                   (json_int_t)mam_mss_remaining(mss));
}

int cli_cmd_state_info(const cli_opts_t *o) {
  const char *path = cli_opt(o, OPT_STATE);
  if (!path) cli_usage_error("missing --state FILE");
  cli_writer_state_t st;
  if (!cli_state_load(path, &st)) cli_fail("%s: no such file", path);
  json_t *info = tree_json("channel_id", mam_channel_id(&st.ch), &st.ch.mss), *eps = json_array();
  for (size_t i = 0; eps && i < st.n_eps; i++)
    if (json_array_append_new(eps, tree_json("endpoint_id", mam_endpoint_id(&st.eps[i]), &st.eps[i].mss)) != 0)
      cli_fail("out of memory");
  char *text = NULL;
  if (!info || !eps || json_object_set_new(info, "endpoints", eps) != 0 || !(text = json_dumps(info, JSON_COMPACT)))
    cli_fail("out of memory");
  puts(text);
  free(text);
  json_decref(info);
  cli_state_free(&st);
  return 0;
}
