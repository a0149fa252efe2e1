/* Every "now" of agendad comes from here, so that a simulated clock
 * (--now, --speed) can stand in for the real one. */
#ifndef AGENDAD_CLOCK_H
#define AGENDAD_CLOCK_H

#include <stdint.h>

/* Wall-clock time, UTC seconds since the epoch. */
int64_t clock_now(void);
/* Monotonic seconds, for measuring how long work takes. */
double clock_elapsed(void);

#endif
