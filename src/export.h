/* Writes a feedset, the index page and the schedule documents into a
 * folder as static files.  A reader of the folder sees one whole export
 * at a time (publish.h): each export is a new generation swapped in at
 * once, in which unchanged files are hard links to the previous ones. */
#ifndef AGENDAD_EXPORT_H
#define AGENDAD_EXPORT_H

#include "conf.h"
#include "feeds.h"
#include "pages.h"

/* An export in two steps, so that the schedule documents (which need only
 * the programme) are built while the feeds are rendered: export_start
 * begins a new generation of dir and starts them, export_finish writes
 * the feedset and its pages and publishes the generation (fs NULL:
 * waits for the documents and discards it, returning -ECANCELED), and
 * frees ex.  pages are fs's pages when the caller has them already
 * (pages_build), else NULL and the export builds them.
 * export_start returns NULL, logged, when dir cannot be prepared;
 * export_finish 0 or a negative errno (dir then shows what it did). */
struct export;
struct export *export_start(const struct programme *p, const struct conf *c, const char *dir);
int export_finish(struct export *ex, const struct feedset *fs, const struct pageset *pages);

/* Both steps at once.  Returns 0 or a negative errno; logs what failed.
 * Feed files of the folder's days/, tracks/, rooms/, speakers/ and
 * sessions/ that the feedset no longer has are left out of the new
 * generation; other files of the folder are carried over. */
int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir,
		 const struct pageset *pages);

#endif
