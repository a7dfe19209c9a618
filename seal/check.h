/* seal/check.h: the key check value, which tells at start whether an instance holds the fleet's key.
 *
 * The first instance that opens a database seals a known marker with its fleet key and stores the
 * sealed text once (in the database's meta table); every later start opens it with its own key
 * before touching any secret, and refuses to start on MG_SEAL_ERR_KEY_MISMATCH. The marker is no
 * secret: the check value only proves which key sealed it. */
#ifndef SEAL_CHECK_H
#define SEAL_CHECK_H

#include <stddef.h>

#include "seal/error.h"
#include "seal/key.h"
#include "seal/seal.h"

/* The label the marker is sealed under, and the marker. */
#define MG_SEAL_CHECK_LABEL "meta:fleet-key-check"
#define MG_SEAL_CHECK_MARKER "mamgate fleet key check"
/* The buffer a key check value needs, with its NUL. */
#define MG_SEAL_CHECK_TEXT_SIZE MG_SEAL_TEXT_SIZE(sizeof MG_SEAL_CHECK_MARKER - 1)

/* Makes a key check value for key into text (at least MG_SEAL_CHECK_TEXT_SIZE bytes). */
mg_seal_err_t mg_seal_check_make(const mg_seal_key_t *key, char *text, size_t text_size)
    MAM_WARN_UNUSED;

/* MG_SEAL_OK when text[0..text_len) is a key check value made with key; MG_SEAL_ERR_KEY_MISMATCH
 * when it was made with another key (or altered); the opening's error when it is no sealed value. */
mg_seal_err_t mg_seal_check_verify(const mg_seal_key_t *key, const char *text, size_t text_len)
    MAM_WARN_UNUSED;

#endif
