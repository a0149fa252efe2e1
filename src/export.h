/* Writes a feedset, the index page and the schedule documents into a
 * folder as static files.  A reader of the folder never sees half a file:
 * changed files are renamed over the old ones, unchanged ones are left
 * alone, new feed folders appear whole. */
#ifndef AGENDAD_EXPORT_H
#define AGENDAD_EXPORT_H

#include "conf.h"
#include "feeds.h"

/* Returns 0 or a negative errno; logs what failed.  Feed files of the
 * folder's days/, tracks/, rooms/, speakers/ and sessions/ that the
 * feedset no longer has are removed. */
int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir);

#endif
