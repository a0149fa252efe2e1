/* Every "now" of agendad comes from here, so that a simulated clock
 * (--now, --speed) can stand in for the real one where reminders are
 * concerned.  What is published (feeds' dates, metrics) uses real time. */
#ifndef AGENDAD_CLOCK_H
#define AGENDAD_CLOCK_H

#include <stdint.h>

/* Real wall-clock time, UTC seconds since the epoch. */
int64_t clock_real(void);
/* The daemon's clock in milliseconds: real, or simulated after
 * clock_simulate. */
int64_t clock_now_ms(void);
static inline int64_t clock_now(void)
{
	return clock_now_ms() / 1000;
}
/* The daemon's clock reads start_ms, and from clock_run on runs speed
 * times faster than real time. */
void clock_simulate(int64_t start_ms, double speed);
/* Starts a simulated clock (the daemon is ready); no effect otherwise. */
void clock_run(void);
double clock_speed(void);
/* Real milliseconds until the daemon's clock reads at_ms (0 if past). */
int64_t clock_real_delay_ms(int64_t at_ms);
/* Monotonic seconds, for measuring how long work takes. */
double clock_elapsed(void);

#endif
