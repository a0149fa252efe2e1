#include "config.h"

#include "snapshot.h"

#include "clock.h"
#include "import.h"
#include "log.h"

int snapshot_load(const char *config, const struct overrides *ov, struct diag *d,
		  struct conf **c, struct programme **p)
{
	double t0 = clock_elapsed();

	*p = NULL;
	*c = conf_load(config, d);
	if (!*c)
		return -1;
	if (ov->state_dir)
		(*c)->state_dir = ov->state_dir;
	if (ov->listen) {
		(*c)->listen = ov->listen;
		(*c)->listens[0] = ov->listen;
		(*c)->n_listens = 1;
	}
	*p = import_programme((*c)->programme, d);
	if (!*p) {
		conf_free(*c);
		*c = NULL;
		return -1;
	}
	log_debug("loaded %s and %s in %.3f s", config, (*c)->programme, clock_elapsed() - t0);
	return 0;
}
