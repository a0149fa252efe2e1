#include "config.h"

#include "snapshot.h"

#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "fetch.h"
#include "import.h"
#include "log.h"
#include "overlay.h"

static struct programme *load_programme(struct conf *c, const char *path, struct diag *d)
{
	struct programme *p = import_programme_max(path, c->programme_max_size, d);

	if (p && c->speakers_overlay && overlay_apply(p, c->speakers_overlay, d) < 0) {
		prog_free(p);
		p = NULL;
	}
	return p;
}

/* A fetched document that loads becomes the saved copy; one that does
 * not is dropped, and the saved copy serves where nothing else does. */
static int load_fetched(struct conf *c, char *fresh, int fallback, struct diag *d,
			struct programme **p)
{
	const char *copy = fetch_copy_path(c);

	*p = load_programme(c, fresh, d);
	if (*p) {
		fetch_commit(c, fresh);
		(*p)->path = arena_strdup((*p)->arena, copy);
	} else {
		fetch_reject(c, fresh);
		log_err("programme_url: the programme at %s is rejected (see above)", c->programme_url);
		if (fallback)
			*p = load_programme(c, copy, d);
	}
	free(fresh);
	return *p ? 0 : -1;
}

static int from_url(struct conf *c, enum snapshot_mode mode, struct diag *d, struct programme **p)
{
	const char *copy = fetch_copy_path(c);
	int have_copy = access(copy, R_OK) == 0;
	char *fresh;

	c->programme = copy;
	if (mode == SNAPSHOT_SAVED && have_copy) {
		*p = load_programme(c, copy, d);
		return *p ? 0 : -1;
	}
	if (fetch_programme(c, &fresh) == FETCH_NEW)
		return load_fetched(c, fresh, mode != SNAPSHOT_POLL && have_copy, d, p);
	if (mode == SNAPSHOT_POLL)
		return 1;
	if (!have_copy) {
		diag_error(d, c->path, c->programme_line,
			   "cannot fetch programme_url %s, and there is no saved copy in %s yet",
			   c->programme_url, c->state_dir);
		return -1;
	}
	*p = load_programme(c, copy, d);
	return *p ? 0 : -1;
}

int snapshot_load(const char *config, const struct overrides *ov, enum snapshot_mode mode,
		  struct diag *d, struct conf **c, struct programme **p)
{
	double t0 = clock_elapsed();
	int rc;

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
	if ((*c)->programme_url) {
		rc = from_url(*c, mode, d, p);
	} else {
		*p = load_programme(*c, (*c)->programme, d);
		rc = *p ? 0 : -1;
	}
	if (rc != 0) {
		conf_free(*c);
		*c = NULL;
		return rc;
	}
	log_debug("loaded %s and %s in %.3f s", config, (*c)->programme, clock_elapsed() - t0);
	return 0;
}
