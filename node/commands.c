/* The node API commands (spec node-interface.md 5.2): request objects, paging within the node's
 * limits (5.3), and checks of every answer before it reaches the caller. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"
#include "node/client_internal.h"

/* ---- strings and lists ---- */

static bool is_trytes(const char *s, size_t len) { return strlen(s) == len && mam_trytes_valid(s, len); }

static bool is_all_nines(const char *s, size_t len) { return strspn(s, "9") == len; }

static bool list_valid(const char *const *items, size_t n, size_t len) {
  if (n > 0 && items == NULL) return false;
  for (size_t i = 0; i < n; i++)
    if (items[i] == NULL || !is_trytes(items[i], len)) return false;
  return true;
}

void mg_node_strings_free(mg_node_strings_t *list) {
  if (list == NULL) return;
  for (size_t i = 0; i < list->count; i++) free(list->items[i]);
  free(list->items);
  list->items = NULL;
  list->count = 0;
}

/* Grows list->items to hold `extra` more entries (set to NULL). */
static bool strings_reserve(mg_node_strings_t *list, size_t extra) {
  if (extra > SIZE_MAX / sizeof(char *) - list->count) return false;
  char **grown = realloc(list->items, (list->count + extra) * sizeof(char *));
  if (grown == NULL && list->count + extra > 0) return false;
  list->items = grown;
  for (size_t i = 0; i < extra; i++) list->items[list->count + i] = NULL;
  return true;
}

static json_t *string_array(const char *const *items, size_t n) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < n; i++) {
    if (json_array_append_new(array, json_string(items[i])) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

/* {"command": name} plus, when `key` is not NULL, key: [items]. */
static json_t *command_with_list(const char *name, const char *key, const char *const *items,
                                 size_t n) {
  json_t *req = json_pack("{s:s}", "command", name);
  if (req == NULL || key == NULL) return req;
  if (json_object_set_new(req, key, string_array(items, n)) != 0) {
    json_decref(req);
    return NULL;
  }
  return req;
}

static mg_node_err_t out_of_memory(mg_node_client_t *c) {
  return mg_node_fail(c, MG_NODE_ERR_NO_MEMORY, "out of memory");
}

static mg_node_err_t bad_answer(mg_node_client_t *c, const char *command, const char *what) {
  return mg_node_fail(c, MG_NODE_ERR_BAD_RESPONSE, "%s answer: %s", command, what);
}

/* Sends req (consumed) and returns the answer object in *answer. */
static mg_node_err_t call_consume(mg_node_client_t *c, json_t *req, json_t **answer) {
  if (req == NULL) return out_of_memory(c);
  mg_node_err_t err = mg_node_call(c, req, answer);
  json_decref(req);
  return err;
}

/* Copies a string field of exactly `len` trytes into out (len + 1 bytes). */
static bool copy_trytes_field(const json_t *answer, const char *key, size_t len, char *out) {
  const char *s = json_string_value(json_object_get(answer, key));
  if (s == NULL || !is_trytes(s, len)) return false;
  memcpy(out, s, len + 1);
  return true;
}

/* ---- getNodeInfo, getNodeAPIConfiguration ---- */

/* A numeric field; 0 when absent, not a number, or beyond int64_t (a cast of such a double would
 * be undefined behaviour: the node's answer is outside data). */
static int64_t number_field(const json_t *answer, const char *key) {
  const json_t *v = json_object_get(answer, key);
  if (json_is_integer(v)) return (int64_t)json_integer_value(v);
  double d = json_is_real(v) ? json_real_value(v) : 0.0;
  return d > -9.2e18 && d < 9.2e18 ? (int64_t)d : 0;
}

static bool copy_text_field(const json_t *answer, const char *key, char *out, size_t size) {
  const char *s = json_string_value(json_object_get(answer, key));
  if (s == NULL || strlen(s) >= size) return false;
  memcpy(out, s, strlen(s) + 1);
  return true;
}

mg_node_err_t mg_node_get_node_info(mg_node_client_t *c, mg_node_info_t *info) {
  if (c == NULL || info == NULL) return MG_NODE_ERR_NULL_ARG;
  mg_node_clear(c);
  json_t *answer;
  mg_node_err_t err = call_consume(c, command_with_list("getNodeInfo", NULL, NULL, 0), &answer);
  if (err != MG_NODE_OK) return err;
  *info = (mg_node_info_t){0};
  if (!copy_text_field(answer, "appName", info->app_name, sizeof info->app_name) ||
      !copy_text_field(answer, "appVersion", info->app_version, sizeof info->app_version)) {
    json_decref(answer);
    return bad_answer(c, "getNodeInfo", "appName or appVersion missing");
  }
  /* Hashes are optional: nodes without milestones may omit them. */
  (void)copy_trytes_field(answer, "latestMilestone", TANGLE_TX_HASH_TRYTES, info->latest_milestone);
  (void)copy_trytes_field(answer, "latestSolidSubtangleMilestone", TANGLE_TX_HASH_TRYTES,
                          info->latest_solid_milestone);
  info->latest_milestone_index = number_field(answer, "latestMilestoneIndex");
  info->latest_solid_milestone_index = number_field(answer, "latestSolidSubtangleMilestoneIndex");
  info->milestone_start_index = number_field(answer, "milestoneStartIndex");
  info->neighbors = number_field(answer, "neighbors");
  info->tips = number_field(answer, "tips");
  info->time_ms = number_field(answer, "time");
  json_decref(answer);
  return MG_NODE_OK;
}

bool mg_node_info_synced(const mg_node_info_t *info) {
  return info != NULL && info->latest_solid_milestone_index == info->latest_milestone_index;
}

mg_node_err_t mg_node_get_api_limits(mg_node_client_t *c, mg_node_api_limits_t *limits) {
  if (c == NULL || limits == NULL) return MG_NODE_ERR_NULL_ARG;
  mg_node_clear(c);
  json_t *answer;
  mg_node_err_t err =
      call_consume(c, command_with_list("getNodeAPIConfiguration", NULL, NULL, 0), &answer);
  if (err != MG_NODE_OK) return err;
  limits->max_find_transactions = number_field(answer, "maxFindTransactions");
  limits->max_requests_list = number_field(answer, "maxRequestsList");
  limits->max_get_trytes = number_field(answer, "maxGetTrytes");
  limits->max_body_length = number_field(answer, "maxBodyLength");
  json_decref(answer);
  return MG_NODE_OK;
}

/* ---- getTransactionsToApprove ---- */

mg_node_err_t mg_node_get_transactions_to_approve(mg_node_client_t *c, unsigned depth,
                                                  const char *reference, mg_node_tips_t *tips) {
  if (c == NULL || tips == NULL) return MG_NODE_ERR_NULL_ARG;
  mg_node_clear(c);
  if (reference != NULL && !is_trytes(reference, TANGLE_TX_HASH_TRYTES))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG, "reference is not an 81-tryte hash");
  json_t *req =
      json_pack("{s:s, s:I}", "command", "getTransactionsToApprove", "depth", (json_int_t)depth);
  if (req != NULL && reference != NULL &&
      json_object_set_new(req, "reference", json_string(reference)) != 0) {
    json_decref(req);
    req = NULL;
  }
  json_t *answer;
  mg_node_err_t err = call_consume(c, req, &answer);
  if (err != MG_NODE_OK) return err;
  bool ok = copy_trytes_field(answer, "trunkTransaction", TANGLE_TX_HASH_TRYTES, tips->trunk) &&
            copy_trytes_field(answer, "branchTransaction", TANGLE_TX_HASH_TRYTES, tips->branch);
  json_decref(answer);
  return ok ? MG_NODE_OK
            : bad_answer(c, "getTransactionsToApprove", "no 81-tryte trunk and branch");
}

/* ---- trytes lists in answers ---- */

/* Appends the n strings of answer[key] to out; each must have `len` trytes, or be JSON null /
 * all `9`s when nulls_allowed (stored as NULL). */
static mg_node_err_t take_string_list(mg_node_client_t *c, const char *command,
                                      const json_t *answer, const char *key, size_t len,
                                      bool nulls_allowed, mg_node_strings_t *out) {
  const json_t *array = json_object_get(answer, key);
  if (!json_is_array(array)) return bad_answer(c, command, "list missing");
  size_t n = json_array_size(array), base = out->count;
  if (!strings_reserve(out, n)) return out_of_memory(c);
  out->count += n;
  for (size_t i = 0; i < n; i++) {
    const json_t *item = json_array_get(array, i);
    if (nulls_allowed && json_is_null(item)) continue;
    const char *s = json_string_value(item);
    if (s == NULL || !is_trytes(s, len)) return bad_answer(c, command, "malformed list entry");
    if (nulls_allowed && is_all_nines(s, len)) continue;
    if ((out->items[base + i] = strdup(s)) == NULL) return out_of_memory(c);
  }
  return MG_NODE_OK;
}

/* Calls req (consumed) and appends answer[key] to out, expecting `expect` entries unless it is
 * SIZE_MAX. */
static mg_node_err_t call_for_list(mg_node_client_t *c, const char *command, json_t *req,
                                   const char *key, size_t len, bool nulls_allowed, size_t expect,
                                   mg_node_strings_t *out) {
  json_t *answer;
  mg_node_err_t err = call_consume(c, req, &answer);
  if (err != MG_NODE_OK) return err;
  size_t before = out->count;
  err = take_string_list(c, command, answer, key, len, nulls_allowed, out);
  json_decref(answer);
  if (err == MG_NODE_OK && expect != SIZE_MAX && out->count - before != expect)
    err = bad_answer(c, command, "wrong number of entries");
  return err;
}

/* ---- attachToTangle, storeTransactions, broadcastTransactions ---- */

mg_node_err_t mg_node_attach_to_tangle(mg_node_client_t *c, const char *trunk, const char *branch,
                                       unsigned mwm, const char *const *trytes, size_t n,
                                       mg_node_strings_t *attached) {
  if (c == NULL || trunk == NULL || branch == NULL || attached == NULL) return MG_NODE_ERR_NULL_ARG;
  *attached = (mg_node_strings_t){0};
  mg_node_clear(c);
  if (!is_trytes(trunk, TANGLE_TX_HASH_TRYTES) || !is_trytes(branch, TANGLE_TX_HASH_TRYTES))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG, "trunk and branch must be 81-tryte hashes");
  if (n == 0 || n > mg_node_client_config(c)->max_list || !list_valid(trytes, n, TANGLE_TX_TRYTES))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG,
                        "attachToTangle takes 1..%zu transactions of 2673 trytes",
                        mg_node_client_config(c)->max_list);
  json_t *req = command_with_list("attachToTangle", "trytes", trytes, n);
  if (req != NULL &&
      json_object_update_new(
          req, json_pack("{s:s, s:s, s:I}", "trunkTransaction", trunk, "branchTransaction", branch,
                         "minWeightMagnitude", (json_int_t)mwm)) != 0) {
    json_decref(req);
    req = NULL;
  }
  mg_node_err_t err =
      call_for_list(c, "attachToTangle", req, "trytes", TANGLE_TX_TRYTES, false, n, attached);
  if (err != MG_NODE_OK) mg_node_strings_free(attached);
  return err;
}

static mg_node_err_t send_transactions(mg_node_client_t *c, const char *command,
                                       const char *const *trytes, size_t n) {
  if (c == NULL) return MG_NODE_ERR_NULL_ARG;
  mg_node_clear(c);
  if (!list_valid(trytes, n, TANGLE_TX_TRYTES))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG, "%s takes transactions of 2673 trytes",
                        command);
  size_t page = mg_node_client_config(c)->max_txs;
  for (size_t at = 0; at < n; at += page) {
    size_t count = n - at < page ? n - at : page;
    json_t *answer;
    mg_node_err_t err =
        call_consume(c, command_with_list(command, "trytes", trytes + at, count), &answer);
    if (err != MG_NODE_OK) return err;
    json_decref(answer);
  }
  return MG_NODE_OK;
}

mg_node_err_t mg_node_store_transactions(mg_node_client_t *c, const char *const *trytes, size_t n) {
  return send_transactions(c, "storeTransactions", trytes, n);
}

mg_node_err_t mg_node_broadcast_transactions(mg_node_client_t *c, const char *const *trytes,
                                             size_t n) {
  return send_transactions(c, "broadcastTransactions", trytes, n);
}

/* ---- findTransactions ---- */

static const char *find_key(mg_node_find_field_t field) {
  switch (field) {
    case MG_NODE_FIND_ADDRESSES: return "addresses";
    case MG_NODE_FIND_BUNDLES: return "bundles";
    case MG_NODE_FIND_TAGS: return "tags";
    case MG_NODE_FIND_APPROVEES: return "approvees";
  }
  return NULL;
}

static bool tag_valid(const char *tag) {
  size_t len = strlen(tag);
  return len >= 1 && len <= TANGLE_TX_TAG_TRYTES && strspn(tag, MAM_TRYTE_ALPHABET) == len;
}

static bool find_values_valid(mg_node_find_field_t field, const char *const *values, size_t n) {
  if (field != MG_NODE_FIND_TAGS) return list_valid(values, n, TANGLE_TX_HASH_TRYTES);
  if (n > 0 && values == NULL) return false;
  for (size_t i = 0; i < n; i++)
    if (values[i] == NULL || !tag_valid(values[i])) return false;
  return true;
}

/* Hornet v0.4 only accepts 27-tryte tags; IRI pads shorter ones itself (spec 5.2). */
static json_t *padded_tags(const char *const *tags, size_t n) {
  json_t *array = json_array();
  char padded[TANGLE_TX_TAG_TRYTES + 1];
  for (size_t i = 0; array != NULL && i < n; i++) {
    size_t len = strlen(tags[i]);
    memcpy(padded, tags[i], len);
    memset(padded + len, '9', TANGLE_TX_TAG_TRYTES - len);
    padded[TANGLE_TX_TAG_TRYTES] = '\0';
    if (json_array_append_new(array, json_string(padded)) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

static json_t *find_request(mg_node_find_field_t field, const char *const *values, size_t n) {
  if (field != MG_NODE_FIND_TAGS)
    return command_with_list("findTransactions", find_key(field), values, n);
  json_t *req = command_with_list("findTransactions", NULL, NULL, 0);
  if (req != NULL && json_object_set_new(req, "tags", padded_tags(values, n)) != 0) {
    json_decref(req);
    req = NULL;
  }
  return req;
}

static int compare_strings(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the list and drops repeated entries (a hash may answer several pages). */
static void sort_unique(mg_node_strings_t *list) {
  if (list->count < 2) return;
  qsort(list->items, list->count, sizeof(char *), compare_strings);
  size_t kept = 1;
  for (size_t i = 1; i < list->count; i++) {
    if (strcmp(list->items[i], list->items[kept - 1]) == 0)
      free(list->items[i]);
    else
      list->items[kept++] = list->items[i];
  }
  list->count = kept;
}

mg_node_err_t mg_node_find_transactions(mg_node_client_t *c, mg_node_find_field_t field,
                                        const char *const *values, size_t n,
                                        mg_node_strings_t *hashes) {
  if (c == NULL || hashes == NULL) return MG_NODE_ERR_NULL_ARG;
  *hashes = (mg_node_strings_t){0};
  mg_node_clear(c);
  if (find_key(field) == NULL || !find_values_valid(field, values, n))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG, "findTransactions: invalid %s",
                        find_key(field) ? find_key(field) : "field");
  size_t page = mg_node_client_config(c)->max_list;
  for (size_t at = 0; at < n; at += page) {
    size_t count = n - at < page ? n - at : page;
    mg_node_err_t err =
        call_for_list(c, "findTransactions", find_request(field, values + at, count), "hashes",
                      TANGLE_TX_HASH_TRYTES, false, SIZE_MAX, hashes);
    if (err != MG_NODE_OK) {
      mg_node_strings_free(hashes);
      return err;
    }
  }
  sort_unique(hashes);
  return MG_NODE_OK;
}

/* ---- getTrytes ---- */

mg_node_err_t mg_node_get_trytes(mg_node_client_t *c, const char *const *hashes, size_t n,
                                 mg_node_strings_t *trytes) {
  if (c == NULL || trytes == NULL) return MG_NODE_ERR_NULL_ARG;
  *trytes = (mg_node_strings_t){0};
  mg_node_clear(c);
  if (!list_valid(hashes, n, TANGLE_TX_HASH_TRYTES))
    return mg_node_fail(c, MG_NODE_ERR_INVALID_ARG, "getTrytes takes 81-tryte hashes");
  size_t page = mg_node_client_config(c)->max_list;
  for (size_t at = 0; at < n; at += page) {
    size_t count = n - at < page ? n - at : page;
    mg_node_err_t err =
        call_for_list(c, "getTrytes", command_with_list("getTrytes", "hashes", hashes + at, count),
                      "trytes", TANGLE_TX_TRYTES, true, count, trytes);
    if (err != MG_NODE_OK) {
      mg_node_strings_free(trytes);
      return err;
    }
  }
  return MG_NODE_OK;
}
