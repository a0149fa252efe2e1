/* Loading one snapshot: the configuration (with command-line overrides)
 * and the programme it names, as -t, --export and every reload do. */
#ifndef AGENDAD_SNAPSHOT_H
#define AGENDAD_SNAPSHOT_H

#include "conf.h"
#include "diag.h"
#include "programme.h"

struct overrides {
	const char *state_dir, *listen; /* NULL: as configured */
};

/* Every problem goes to d.  Returns 0 with both set, or -1 with neither. */
int snapshot_load(const char *config, const struct overrides *ov, struct diag *d,
		  struct conf **c, struct programme **p);

#endif
