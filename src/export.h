/* Writes a feedset, the index page and the schedule documents into a
 * folder as static files.  A reader of the folder never sees half a file:
 * changed files are renamed over the old ones, unchanged ones are left
 * alone, new feed folders appear whole. */
#ifndef AGENDAD_EXPORT_H
#define AGENDAD_EXPORT_H

#include "conf.h"
#include "feeds.h"

/* An export in two steps, so that the schedule documents (which need only
 * the programme) are built while the feeds are rendered: export_start
 * creates dir and starts them, export_finish writes the feedset (NULL:
 * only wait for the documents), and frees ex.  export_start returns NULL,
 * logged, when dir cannot be made or opened; export_finish 0 or a
 * negative errno. */
struct export;
struct export *export_start(const struct programme *p, const struct conf *c, const char *dir);
int export_finish(struct export *ex, const struct feedset *fs);

/* Both steps at once.  Returns 0 or a negative errno; logs what failed.
 * Feed files of the folder's days/, tracks/, rooms/, speakers/ and
 * sessions/ that the feedset no longer has are removed. */
int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir);

#endif
