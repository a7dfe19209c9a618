/* tests/store_fill.c: fills a new store with a bit of everything a gateway keeps, through the
 * store interface, for tests/store_copy_test.sh: messages of three channels (one no longer
 * watched), two watches, two writer channels with state, leaf and message counters, PSKs and an
 * NTRU key pair. Usage: store_fill LOCATION [SEED]. Exit status 0 when all went in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tests/testutil.h"

static uint64_t rng;

static void random_trytes(char *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(&rng) % 27];
  out[n] = '\0';
}

static void must(mg_store_t *s, mg_store_err_t err, const char *what) {
  if (err == MG_STORE_OK) return;
  fprintf(stderr, "store_fill: %s: %s (%s)\n", what, mg_store_strerror(err), mg_store_errmsg(s));
  exit(1);
}

/* n packets of one channel: messages of 3 packets each. */
static void put_channel_messages(mg_store_t *s, const char *channel, size_t n) {
  mg_message_t m = {0};
  char payload[61];
  snprintf(m.channel_id, sizeof m.channel_id, "%s", channel);
  for (size_t i = 0; i < n; i++) {
    if (i % 3 == 0) random_trytes(m.message_id, MG_MSG_ID_TRYTES);
    random_trytes(m.endpoint_id, MG_ID_TRYTES);
    random_trytes(m.bundle, MG_ID_TRYTES);
    random_trytes(payload, 60);
    m.payload_trytes = payload;
    m.ord = (int64_t)(i % 3) + 1;
    m.last = i % 3 == 2;
    m.checksum = 2;
    m.verified = 1;
    m.leaf = (int64_t)i;
    m.received_at_ms = 1700000000000 + (int64_t)i;
    must(s, mg_store_put_messages(s, &m, 1, NULL), "put_messages");
  }
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: store_fill LOCATION [SEED]\n");
    return 2;
  }
  rng = argc == 3 ? strtoull(argv[2], NULL, 10) : 1;
  mg_store_t *s = NULL;
  mg_store_err_t err = mg_store_open(argv[1], &s);
  if (err) {
    fprintf(stderr, "store_fill: open %s: %s\n", argv[1], mg_store_strerror(err));
    return 1;
  }
  char channels[3][MG_ID_TRYTES + 1];
  for (int i = 0; i < 3; i++) random_trytes(channels[i], MG_ID_TRYTES);
  put_channel_messages(s, channels[0], 30);
  put_channel_messages(s, channels[1], 12);
  put_channel_messages(s, channels[2], 6); /* its watch was removed: the history stays */
  for (int i = 0; i < 2; i++) {
    mg_watch_t w = {.options = "{\"own_keys\":true}", .state = (uint8_t *)"state", .state_len = 5, .created_at_ms = 1};
    memcpy(w.channel_id, channels[i], sizeof w.channel_id);
    must(s, mg_store_add_watch(s, &w), "add_watch");
  }
  for (int i = 0; i < 2; i++) { /* writer channels: numbers 0 and 1, counters */
    char id[MG_ID_TRYTES + 1], endpoint[MG_ID_TRYTES + 1];
    random_trytes(id, MG_ID_TRYTES);
    random_trytes(endpoint, MG_ID_TRYTES);
    int64_t number = 0;
    uint64_t first = 0;
    uint8_t state[300];
    for (size_t k = 0; k < sizeof state; k++) state[k] = (uint8_t)tu_rand(&rng);
    must(s, mg_store_next_channel_number(s, &number), "next_channel_number");
    must(s, mg_store_put_channel(s, id, number, state, sizeof state), "put_channel");
    must(s, mg_store_reserve_leaves(s, id, 0, 5 + (uint64_t)i, &first), "reserve_leaves");
    must(s, mg_store_reserve_leaves(s, endpoint, 0, 3, &first), "reserve_leaves");
    must(s, mg_store_reserve_msg_numbers(s, id, 0, 4, &first), "reserve_msg_numbers");
  }
  for (int i = 0; i < 3; i++) {
    char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1];
    random_trytes(id, MG_PSK_ID_TRYTES);
    random_trytes(key, MG_PSK_KEY_TRYTES);
    must(s, mg_store_add_psk(s, id, key), "add_psk");
  }
  static char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1];
  char ntru_id[MG_PSK_ID_TRYTES + 1];
  random_trytes(sk, MG_NTRU_SK_TRYTES);
  random_trytes(pk, MG_NTRU_PK_TRYTES);
  memcpy(ntru_id, pk, MG_PSK_ID_TRYTES);
  ntru_id[MG_PSK_ID_TRYTES] = '\0';
  must(s, mg_store_add_ntru(s, ntru_id, sk, pk), "add_ntru");
  mg_store_close(s);
  return 0;
}
