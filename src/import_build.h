/* Shared by the schedule.json and schedule.xml importers: the two
 * parsers only walk their documents and hand plain strings to the
 * builder below (import_build.c), which owns the mapping onto the
 * programme model, the id rules and the messages, so that both formats
 * behave the same. */
#ifndef AGENDAD_IMPORT_BUILD_H
#define AGENDAD_IMPORT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "programme.h"

struct programme *import_json(const char *path, const char *data, size_t len, struct diag *d);
struct programme *import_xml(const char *path, const char *data, size_t len, struct diag *d);


/* ASCII slug of s into a (lower case, runs of anything but [a-z0-9]
 * become one '-', Latin-1 letters lose their accents); "" when nothing
 * is left. */
char *import_slugify(struct arena *a, const char *s);
/* Plain text of an HTML fragment (NULL when s does not look like HTML):
 * text content, paragraphs separated by blank lines, links as
 * "text (url)". */
char *import_html_text(struct arena *a, const char *s);

struct imp_conference {
	const char *acronym, *title, *zone, *url, *base_url, *location;
	const char *timeslot;   /* "HH:MM[:SS]" or NULL */
	const char *day_change; /* "HH:MM[:SS]" or NULL */
	int line;
};

/* One event as the document gives it; NULL for what is absent. */
struct imp_event {
	const char *guid, *id, *slug, *title, *subtitle, *abstract, *description, *type;
	const char *room, *track, *track_slug, *date, *start, *duration, *end;
	int line; /* XML: the <event>'s line; JSON: 0 */
};

struct imp_person {
	const char *guid, *code, *id, *slug, *name, *role, *url;
};

struct imp {
	struct programme *p;
	struct diag *d;
	size_t errors_before;
	struct imp_conference conf;
	/* Growing arrays (malloc'd); copied into the arena at the end. */
	struct prog_room *rooms;
	struct prog_track *tracks;
	struct prog_speaker *speakers;
	struct prog_session *sessions;
	size_t cap_rooms, cap_tracks, cap_speakers, cap_sessions;
	struct strmap *room_names, *track_names, *speaker_keys, *used_ids, *session_keys;
	int xml;          /* three-field durations are HH:MM:SS (else D:HH:MM) */
	int64_t timeslot; /* seconds */
	int day_change;   /* seconds after midnight, or -1 */
	int offset_warned;
	int own; /* agendad's own export (import_json.c): no room is no fault */
	/* The current day and event, for messages. */
	const char *day;
	int64_t day_start;
	int has_day_start;
	int day_line;
	const char *where, *what; /* "day D, room 'R', event K", "'Title'" */
	int line;
};

void imp_init(struct imp *imp, const char *path, struct diag *d);
/* Frees the builder; the programme too unless imp_finish returned it. */
void imp_done(struct imp *imp);
/* Completes the programme (prog_finish) and returns it, or NULL after
 * any error in the whole import. */
struct programme *imp_finish(struct imp *imp);

/* Messages about the whole document (line may be 0), or about the
 * current event (imp_event_error / imp_event_warn). */
void imp_error(struct imp *imp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void imp_warn(struct imp *imp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void imp_event_error(struct imp *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void imp_event_warn(struct imp *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The conference: the event's id, title and time zone. */
int imp_conference(struct imp *imp, const struct imp_conference *c);
/* A room or track by its name (found or added); PROG_NONE for NULL or "". */
uint32_t imp_room(struct imp *imp, const char *name, const char *slug);
uint32_t imp_track(struct imp *imp, const char *name, const char *slug);
/* A track of agendad's own export, added even when another has its name
 * (the programme may have two tracks of one title; events name the
 * first, meta.agendad the others). */
uint32_t imp_track_new(struct imp *imp, const char *name, const char *id);
/* Starts a day of the document: its date and when it starts (ISO 8601
 * with offset, or NULL to use the conference's day_change). */
void imp_day(struct imp *imp, const char *date, const char *start, int line);
/* Converts ev into *s (people and documents with room for n_people and
 * n_docs); returns -1 after an error (the event is then skipped). */
int imp_session(struct imp *imp, const struct imp_event *ev, struct prog_session *s,
		size_t n_people, size_t n_docs);
/* A speaker of agendad's own export, before any session names it: keeps
 * the programme's order and speakers in no session.  The persons with
 * this guid are this speaker; name may be NULL until the first of them. */
uint32_t imp_speaker(struct imp *imp, const char *guid, const char *id, const char *name);
void imp_person(struct imp *imp, struct prog_session *s, const struct imp_person *pp);
void imp_document(struct imp *imp, struct prog_session *s, const char *title, const char *url);
/* Adds the completed session; a second event with the same id is an error. */
void imp_add(struct imp *imp, struct prog_session *s);

#endif
