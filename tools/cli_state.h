/* tools/cli_state.h: the state file of `mamgate-cli write`: one channel with its endpoints in
 * mamcore's saved-state format (mamcore/state.h). The file holds no secret key (the seed is given
 * on every write) but is kept at mode 0600 like every writer state. */
#ifndef TOOLS_CLI_STATE_H
#define TOOLS_CLI_STATE_H

#include <stdbool.h>

#include "mamcore/state.h"

typedef struct cli_writer_state {
  mam_channel_t ch;
  mam_endpoint_t *eps;
  size_t n_eps;
} cli_writer_state_t;

/* Takes an exclusive lock on PATH.lock (created with mode 0600), waiting while another process
 * holds it, so two writers never sign with the same leaf. Returns the descriptor to unlock with. */
int cli_state_lock(const char *path);
void cli_state_unlock(int fd);

/* Loads the state. Returns false when the file does not exist; exits with a clear message when it
 * cannot be read or is corrupt (the file is left untouched). */
bool cli_state_load(const char *path, cli_writer_state_t *st);

/* Replaces the file atomically and durably: writes PATH.tmp with mode 0600, fsyncs it, renames it
 * over PATH and fsyncs the directory. Exits with a clear message on failure, leaving PATH as it
 * was. */
void cli_state_save(const char *path, const cli_writer_state_t *st);

void cli_state_free(cli_writer_state_t *st);

#endif
