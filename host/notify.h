/* host/notify.h: tells the service manager (systemd, Type=notify) when mamgated is ready and when
 * it stops. Without libsystemd at build time, or outside systemd, these do nothing. */
#ifndef HOST_NOTIFY_H
#define HOST_NOTIFY_H

/* Every plugin has started. */
void mgd_notify_ready(void);

/* A stop signal came; the plugins are being stopped. */
void mgd_notify_stopping(void);

#endif
