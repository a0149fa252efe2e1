/* Durable state in the state directory's SQLite database: what each
 * session looked like when last published, so that SEQUENCE and
 * LAST-MODIFIED follow real changes and removed sessions live on as
 * cancelled tombstones (doc/reference.md §5). */
#ifndef AGENDAD_STATE_H
#define AGENDAD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "programme.h"

struct state;

/* Creates dir and its parents (mode 0750).  Returns 0 or a negative errno. */
int state_mkdirs(const char *dir);
/* Opens (creating dir and the database if needed) and migrates the
 * schema.  Returns 0 or a negative errno; logs why. */
int state_open(const char *dir, struct state **out);
void state_close(struct state *st);

/* What a feed needs to say about a session's history. */
struct stamp {
	int64_t sequence;
	int64_t modified; /* UTC seconds */
};

/* A session that was published and has since left the programme. */
struct tombstone {
	char *id, *title, *kind, *track, *room, *speakers; /* speakers: space-separated ids */
	int64_t start, end;
	struct stamp stamp;
};

/* A change that subscribers and speakers should hear of (doc/reference.md §7): the
 * session's time, room, title or status changed, or it was removed. */
struct change {
	struct tombstone before; /* as last published (stamp: the new one) */
	int status_before;
	int removed;      /* gone from the programme (now a tombstone) */
	uint32_t session; /* its index in the programme when not removed */
};

struct reconcile {
	struct stamp *stamps; /* one per programme session, same order */
	struct tombstone *tombs;
	size_t n_tombs;
	struct change *changes; /* only where something was published before */
	size_t n_changes;
};

/* How long a removed session stays in feeds as CANCELLED. */
#define STATE_TOMBSTONE_DAYS 30

/* Compares the programme with what was published before and records the
 * differences at time now: sessions whose time, room, title or status
 * changed get SEQUENCE+1, any change of hash (the rendered content)
 * updates LAST-MODIFIED, sessions gone become tombstones.  hashes has
 * one entry per session.  Returns 0 or a negative errno. */
int state_reconcile(struct state *st, const struct programme *p, const uint64_t *hashes,
		    int64_t now, struct reconcile *out);
void reconcile_free(struct reconcile *r);

/* When did each published path's bytes last change?  For each of the n
 * paths, hashes[i] is a hash of its bytes and modified[i] the date the
 * caller would give it; a path whose hash differs from the recorded one
 * is stamped with the latest of that date, now, and one second after its
 * previous stamp (so that If-Modified-Since sees every change).  On
 * return modified[] holds the dates to publish.  Returns 0 or -EIO. */
int state_stamp_paths(struct state *st, const char *event, size_t n, const char *const *paths,
		      const uint64_t *hashes, int64_t now, int64_t *modified);

#endif
