/* Diagnostics about user files: every problem is reported as
 * "FILE:LINE: message" and counted, so a whole file is checked in one run. */
#ifndef AGENDAD_DIAG_H
#define AGENDAD_DIAG_H

#include <stddef.h>

#include "log.h"

struct diag {
	size_t errors;
	size_t warnings;
	/* Where messages go; NULL prints them to stderr.  The daemon routes
	 * them into its log so a rejected reload explains itself. */
	void (*emit)(void *ctx, int is_error, const char *msg);
	void *ctx;
};

void diag_init(struct diag *d);
/* line <= 0 omits the line number (the message is about the whole file). */
void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...) LOG_PRINTF(4, 5);
void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...) LOG_PRINTF(4, 5);

#endif
