#include "config.h"

#include "duration.h"

#include <inttypes.h>
#include <stdio.h>

int duration_parse(const char *s, int64_t *seconds)
{
	int64_t n = 0, unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > INT64_C(100000000))
			return -1;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (p[1])
		return -1;
	*seconds = n * unit;
	return 0;
}

void duration_format(int64_t seconds, char *out, size_t size)
{
	if (seconds != 0 && seconds % 86400 == 0)
		snprintf(out, size, "%" PRId64 "d", seconds / 86400);
	else if (seconds != 0 && seconds % 3600 == 0)
		snprintf(out, size, "%" PRId64 "h", seconds / 3600);
	else if (seconds != 0 && seconds % 60 == 0)
		snprintf(out, size, "%" PRId64 "m", seconds / 60);
	else
		snprintf(out, size, "%" PRId64 "s", seconds);
}
