/* Loading one snapshot: the configuration (with command-line overrides)
 * and the programme it names (a file, or programme_url's copy), with the
 * speakers overlay applied, as -t, --export and every reload do. */
#ifndef AGENDAD_SNAPSHOT_H
#define AGENDAD_SNAPSHOT_H

#include "conf.h"
#include "diag.h"
#include "programme.h"

struct overrides {
	const char *state_dir, *listen; /* NULL: as configured */
	/* The daemon's: LASTGOOD_SAVE keeps a copy of each programme file that
	 * loads; LASTGOOD_FALLBACK also loads that copy when the programme
	 * is rejected (a start: there is nothing served yet). */
	enum { LASTGOOD_OFF, LASTGOOD_SAVE, LASTGOOD_FALLBACK } last_good;
};

enum snapshot_mode {
	SNAPSHOT_SAVED, /* programme_url: its saved copy if there is one, else fetch */
	SNAPSHOT_FRESH, /* fetch first; the saved copy when nothing new comes */
	SNAPSHOT_POLL,  /* fetch first; 1 when nothing new comes */
};

/* Whether p was loaded from the last good copy, c's programme rejected. */
int snapshot_is_last_good(struct conf *c, const struct programme *p);

/* Every problem goes to d.  Returns 0 with both set, -1 with neither, or
 * 1 with neither when a poll found nothing new (unchanged, or upstream
 * unreachable: the last good programme stays). */
int snapshot_load(const char *config, const struct overrides *ov, enum snapshot_mode mode,
		  struct diag *d, struct conf **c, struct programme **p);

#endif
