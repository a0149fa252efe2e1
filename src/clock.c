#include "config.h"

#include "clock.h"

#include <time.h>

static int simulated, frozen;
static int64_t sim_start_ms, mono_start_ms;
static double sim_speed = 1.0;

static int64_t ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_real(void)
{
	return ms_of(CLOCK_REALTIME) / 1000;
}

/* A simulated clock is anchored on the monotonic clock, so that changes
 * of the real clock do not move it. */
int64_t clock_now_ms(void)
{
	if (!simulated)
		return ms_of(CLOCK_REALTIME);
	if (frozen)
		return sim_start_ms;
	return sim_start_ms + (int64_t)((double)(ms_of(CLOCK_MONOTONIC) - mono_start_ms) * sim_speed);
}

void clock_simulate(int64_t start_ms, double speed)
{
	sim_start_ms = start_ms;
	mono_start_ms = ms_of(CLOCK_MONOTONIC);
	sim_speed = speed > 0 ? speed : 1.0;
	simulated = 1;
	frozen = 1;
}

/* The simulated clock stands still while the daemon starts: loading a
 * large programme under a fast --speed would otherwise eat the minutes
 * the rehearsal was meant to show. */
void clock_run(void)
{
	if (simulated && frozen) {
		mono_start_ms = ms_of(CLOCK_MONOTONIC);
		frozen = 0;
	}
}

double clock_speed(void)
{
	return sim_speed;
}

int64_t clock_real_delay_ms(int64_t at_ms)
{
	int64_t d = at_ms - clock_now_ms();

	if (d <= 0)
		return 0;
	return (int64_t)((double)d / sim_speed) + 1;
}

double clock_elapsed(void)
{
	return (double)ms_of(CLOCK_MONOTONIC) / 1000.0;
}
