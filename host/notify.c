#include "host/notify.h"

#include "config.h"

#ifdef HAVE_LIBSYSTEMD
#include <string.h>
#include <systemd/sd-daemon.h>

#include "host/log.h"
#include "mamgate/mamgate_plugin.h"

/* sd_notify is a no-op (0) when NOTIFY_SOCKET is unset; a failure to reach systemd is logged. */
static void notify(const char *state) {
  int rc = sd_notify(0, state);
  if (rc < 0) mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_WARNING, "cannot notify the service manager (%s): %s", state, strerror(-rc));
}

void mgd_notify_ready(void) { notify("READY=1\nSTATUS=running"); }
void mgd_notify_stopping(void) { notify("STOPPING=1"); }
#else
void mgd_notify_ready(void) {}
void mgd_notify_stopping(void) {}
#endif
