/* Writes a feedset and the index page into a folder as static files,
 * each one replaced atomically (write to a temporary name, rename). */
#ifndef AGENDAD_EXPORT_H
#define AGENDAD_EXPORT_H

#include "conf.h"
#include "feeds.h"

/* Returns 0 or a negative errno; logs what failed.  Feed files of the
 * folder's days/, tracks/, rooms/, speakers/ and sessions/ that the
 * feedset no longer has are removed. */
int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir);

#endif
