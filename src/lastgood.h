/* The last good programme: a copy, in the state directory, of the last
 * programme file the daemon loaded, so that a start (or restart) with a
 * programme that is rejected serves the one before it instead of
 * nothing.  programme_url's saved copy (programme.fetched) plays the same
 * part for a fetched programme. */
#ifndef AGENDAD_LASTGOOD_H
#define AGENDAD_LASTGOOD_H

#include <sys/stat.h>

#include "conf.h"

/* state_dir/programme.last-good (allocated in c's arena). */
const char *lastgood_path(struct conf *c);

/* Copies c->programme there (through a temporary file and a rename), if
 * it is still the file described by loaded (stat'ed before it was
 * loaded): a file changed since then is not the one that loaded, and the
 * reload its change starts saves it.  Returns 0, or -1 (logged). */
int lastgood_save(struct conf *c, const struct stat *loaded);

#endif
