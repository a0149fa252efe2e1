#include "config.h"

#include "notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

void notify_send(const char *state)
{
	sd_notify(0, state);
}

int notify_watchdog(uint64_t *usec)
{
	return sd_watchdog_enabled(0, usec) > 0 && *usec > 0;
}
#else
void notify_send(const char *state)
{
	(void)state;
}

int notify_watchdog(uint64_t *usec)
{
	*usec = 0;
	return 0;
}
#endif
