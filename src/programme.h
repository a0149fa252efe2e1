/* The programme: an immutable snapshot of the conference (doc/reference.md §3), loaded
 * and validated from a libconfig file.  Everything it holds lives in its
 * arena; one prog_free releases it. */
#ifndef AGENDAD_PROGRAMME_H
#define AGENDAD_PROGRAMME_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "strmap.h"
#include "tz.h"

#define PROG_NONE UINT32_MAX

struct prog_event {
	const char *id, *title, *short_title, *timezone, *location, *url, *description;
};

struct prog_track {
	const char *id, *title, *description;
};

struct prog_room {
	const char *id, *title;
};

struct prog_speaker {
	const char *id, *name, *affiliation, *bio_url, *email;
};

struct prog_person {
	uint32_t speaker;
	const char *role;        /* may be NULL */
	const char *affiliation; /* as printed for this appearance; NULL: the speaker's */
};

struct prog_document {
	const char *title, *url; /* url may be NULL */
};

enum prog_status { PROG_CONFIRMED, PROG_TENTATIVE, PROG_CANCELLED };

struct prog_session {
	const char *id, *title, *kind, *description;
	int64_t start, end; /* UTC seconds */
	/* Local wall-clock times, and whether they name start and end
	 * unambiguously (see tz_local_names); set by prog_localize. */
	struct civil start_local, end_local;
	int start_named, end_named;
	uint32_t track, room; /* PROG_NONE when absent */
	uint32_t day;         /* index into days: the local date of start */
	enum prog_status status;
	int is_break;
	struct prog_person *people;
	uint32_t n_people;
	struct prog_document *docs;
	uint32_t n_docs;
	int line;          /* in a libconfig programme; 0 when imported */
	const char *where; /* imported: its place in the document, for messages */
};

struct prog_day {
	char date[11]; /* YYYY-MM-DD, local */
	int year, month, day;
};

struct programme {
	struct arena *arena;
	const char *path;
	struct tz *tz;
	struct prog_event event;
	struct prog_track *tracks;
	struct prog_room *rooms;
	struct prog_speaker *speakers;
	struct prog_session *sessions; /* sorted by start, end, id */
	struct prog_day *days;         /* sorted */
	size_t n_tracks, n_rooms, n_speakers, n_sessions, n_days;
	const char **kinds; /* the distinct session kinds, in order of first use */
	size_t n_kinds;
	struct strmap *track_ids, *room_ids, *speaker_ids, *session_ids, *day_ids, *kind_ids;
	size_t warnings;
};

/* The largest programme document read by default (programme_max_mb):
 * bench/gen_programme.py's 100,000 sessions are 85 MB. */
#define PROG_MAX_SIZE_DEFAULT ((size_t)256 << 20)
/* The longest session (end - start) a programme may have. */
#define PROG_MAX_DURATION (31 * 86400)
/* Session times must lie in these years (so that every format writes
 * them with four digits). */
#define PROG_MIN_YEAR 1900
#define PROG_MAX_YEAR 9998

/* Loads and validates path.  Every error and warning goes to d; returns
 * NULL when there was any error.  Free with prog_free.  A file larger
 * than max_size bytes, or beyond lcfg_prescan's other limits, is
 * refused before libconfig reads it; prog_load allows
 * PROG_MAX_SIZE_DEFAULT. */
struct programme *prog_load(const char *path, struct diag *d);
struct programme *prog_load_max(const char *path, size_t max_size, struct diag *d);
void prog_free(struct programme *p);

/* Building a programme from another format (import.c): prog_new, then
 * open p->tz, fill the event and the arrays from p->arena (references as
 * indices), and call prog_finish, which indexes the ids (a duplicate is
 * an error), sorts the sessions, finds the days and warns about double
 * bookings, as prog_load does.  Returns 0, or -1 after errors in d. */
struct programme *prog_new(const char *path);
int prog_finish(struct programme *p, struct diag *d);

/* The affiliation printed for a person in a session (override or the speaker's). */
const char *prog_person_affiliation(const struct programme *p, const struct prog_person *pp);
/* Fills s's local times from its UTC ones.  Done once at load time so
 * that rendering needs no time zone lookups (and can run in threads). */
void prog_localize(struct tz *tz, struct prog_session *s);
/* Index of the day whose date is the local date of utc, or PROG_NONE. */
uint32_t prog_day_of(const struct programme *p, int64_t utc);

#endif
