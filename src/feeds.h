/* The set of published feeds of one programme snapshot: every session
 * rendered once, every feed a list of those pieces (doc/reference.md §4, §5). */
#ifndef AGENDAD_FEEDS_H
#define AGENDAD_FEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "programme.h"
#include "render.h"
#include "state.h"

enum feed_kind { FEED_ALL, FEED_DAY, FEED_TRACK, FEED_ROOM, FEED_SPEAKER, FEED_SESSION };

struct feed {
	enum feed_kind kind;
	const char *path;  /* "calendar.ics", "days/2014-03-24.ics", ... */
	const char *label; /* "Day 1 (24 March)", a track's title, ... */
	const char *name;  /* the calendar's NAME */
	char *name_text;   /* NAME and X-WR-CALNAME lines */
	size_t name_len;
	uint32_t *items; /* indices into pieces */
	size_t n_items;
};

/* What a piece is about, whatever it came from (a session names its
 * speakers through people, a tombstone through speakers): for placing it
 * in feeds, and for filters and selections (view.c). */
struct feed_member {
	const char *id, *title, *kind;
	uint32_t day, track, room; /* PROG_NONE when absent */
	const struct prog_person *people;
	const uint32_t *speakers;
	uint32_t n_speakers;
	int alarmable; /* neither a break nor cancelled: may carry alarms */
};

uint32_t feed_member_speaker(const struct feed_member *m, uint32_t j);

struct feedset {
	const struct programme *prog;
	struct arena *arena;
	struct piece *pieces; /* sessions, in programme order, then tombstones */
	struct feed_member *members; /* one per piece */
	size_t n_pieces, n_tombs;
	struct reconcile history;
	struct feed *feeds;
	size_t n_feeds;
	char *head, *vtimezone;
	size_t head_len, vtimezone_len;
};

/* Renders every feed of p.  The state records the changes at time now.
 * Returns 0 or a negative errno (state failure); p must outlive *out. */
int feedset_build(const struct programme *p, const struct conf *c, struct state *st, int64_t now,
		  struct feedset **out);
void feedset_free(struct feedset *fs);

/* Emits a feed's bytes as a series of chunks, in order.  Returns the
 * first non-zero value of emit, or 0. */
int feedset_emit(const struct feedset *fs, const struct feed *f,
		 int (*emit)(void *ctx, const void *data, size_t len), void *ctx);
/* A removed session (tombstone) as a cancelled session of p, with no
 * people: for rendering it and for messages about it.  Its strings are
 * the tombstone's. */
void feeds_tomb_session(const struct programme *p, const struct tombstone *t,
			struct prog_session *out);

/* The feed's total size in bytes. */
size_t feedset_size(const struct feedset *fs, const struct feed *f);

#endif
