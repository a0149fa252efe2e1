/* Feeds that are not in the catalogue: the whole programme filtered, any
 * feed with the subscriber's own alarms, a personal selection (doc/reference.md §4).
 * They are assembled on demand from the catalogue's rendered pieces and
 * kept in a cache bounded in entries and bytes, so memory stays flat
 * however many different queries arrive. */
#ifndef AGENDAD_VIEW_H
#define AGENDAD_VIEW_H

#include <stddef.h>

#include "catalogue.h"
#include "query.h"

struct view {
	struct cat_entry entry; /* what http serves */
	/* private */
	struct catalogue *cat;  /* referenced: the bodies point into it */
	char *key;
	uint64_t generation;
	char *name_text, *doc;  /* doc: a feed with other alarms, whole */
	size_t name_len, bytes;
	struct gz_chunk doc_gz;
	struct cat_own own;     /* any other view's, from catalogue_assemble */
	char cache_control[48]; /* a personal feed's: kept out of shared caches */
	uint64_t used;
	int refs;
};

struct view_cache;

/* Never NULL: running out of memory ends the process (memory.h). */
struct view_cache *view_cache_new(size_t max_entries, size_t max_bytes);
void view_cache_free(struct view_cache *vc);

/* The feed base of cat (filters need the whole programme's feed) as q
 * asks.  key is what tells views apart ("calendar.ics?track=x").
 * Returns a new reference (release it with view_unref); never NULL. */
struct view *view_feed(struct view_cache *vc, struct catalogue *cat, const struct feed *base,
		       const struct query *q, const char *key);
/* The pieces whose session id is in ids (removed sessions as cancelled
 * while their tombstones last), named "<event> — My selection". */
struct view *view_selection(struct view_cache *vc, struct catalogue *cat, const char *const *ids,
			    size_t n_ids, const struct query *q, const char *key);
struct view *view_ref(struct view *v);
void view_unref(struct view *v);

/* Entries and bytes held, for /metrics and tests. */
void view_cache_stats(struct view_cache *vc, size_t *entries, size_t *bytes);

#endif
