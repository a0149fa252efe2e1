#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_init(struct diag *d)
{
	d->errors = 0;
	d->warnings = 0;
	d->emit = NULL;
	d->ctx = NULL;
}

static void diag_vemit(struct diag *d, int is_error, const char *file, int line, const char *fmt,
		       va_list ap)
{
	char msg[2048], full[2600];
	const char *kind = is_error ? "" : "warning: ";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s%s", file, line, kind, msg);
	else
		snprintf(full, sizeof(full), "%s: %s%s", file, kind, msg);
	/* Messages quote the document (a title, a bad value): its control
	 * characters would reach the terminal or the journal as they are
	 * (ESC sequences), and a line break would forge another message. */
	for (char *c = full; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (is_error)
		d->errors++;
	else
		d->warnings++;
	if (d->emit)
		d->emit(d->ctx, is_error, full);
	else
		fprintf(stderr, "%s\n", full);
}

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vemit(d, 1, file, line, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vemit(d, 0, file, line, fmt, ap);
	va_end(ap);
}
