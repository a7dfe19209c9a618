/* tools/cli_fleet.c: mamgate-cli fleet-key, which makes the key file every instance of a fleet
 * shares (seal/key.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seal/key.h"
#include "tools/cli.h"
#include "tools/cli_args.h"

int cli_cmd_fleet_key(const cli_opts_t *o) {
  const char *path = o->args[0];
  mg_seal_err_t err = mg_seal_key_create(path);
  if (err == MG_SEAL_ERR_KEY_CREATE || err == MG_SEAL_ERR_RANDOM)
    cli_fail("fleet-key: %s: %s (%s)", path, mg_seal_strerror(err), strerror(errno));
  if (err != MG_SEAL_OK) cli_fail("fleet-key: %s: %s", path, mg_seal_strerror(err));
  printf("%s: new fleet key (%d bytes, mode 0600); copy it to every instance of the fleet\n", path, MG_SEAL_KEY_BYTES);
  return 0;
}
