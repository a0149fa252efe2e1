/* Durations as agendad.conf and the pages write them: a whole number
 * followed by s, m, h or d ("90m", "1d"). */
#ifndef AGENDAD_DURATION_H
#define AGENDAD_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* "N" followed by s, m, h or d.  Returns 0 or -1. */
int duration_parse(const char *s, int64_t *seconds);
/* Writes the shortest exact form ("90m", "1d", "45s") into out. */
void duration_format(int64_t seconds, char *out, size_t size);

#endif
