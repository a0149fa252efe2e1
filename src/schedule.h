/* The programme in the shapes conference apps read (doc/reference.md §4): the C3VOC
 * schedule.json (valid against c3voc-schedule.schema.json) and the
 * frab/pentabarf schedule.xml (valid against c3voc-schedule.xml.xsd).
 * Neither ever holds an e-mail address. */
#ifndef AGENDAD_SCHEDULE_H
#define AGENDAD_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "programme.h"

/* Where a document goes, bit by bit and in order (at 100,000 sessions
 * each is over 100 MB: an export streams them to a file).  Returns 0, or
 * -1 to give the document up. */
typedef int (*sched_sink)(void *ctx, const char *data, size_t len);

/* Write the document to sink.  Return 0, or -1 when jansson, libxml2 or
 * OpenSSL fail (they run out of memory) or the sink gave up; what reached
 * the sink by then is not a document. */
int schedule_json_to(const struct programme *p, const struct conf *c, sched_sink sink, void *ctx);
int schedule_xml_to(const struct programme *p, const struct conf *c, sched_sink sink, void *ctx);
/* The same, appended to out (left as it was when they fail). */
int schedule_json(const struct programme *p, const struct conf *c, struct buf *out);
int schedule_xml(const struct programme *p, const struct conf *c, struct buf *out);

/* --- shared by schedule_json.c and schedule_xml.c (schedule.c) -------------
 * Everything both documents derive from the programme, worked out once so
 * that the two shapes say the same thing about every session. */


struct sched_item {       /* one session */
	char guid[37];    /* uuid5("<session id>@<event id>") */
	uint32_t number;  /* the positive integer id both formats require */
	const char *slug; /* the session id, or derived when it cannot be one */
	const char *xml_slug; /* the same under the stricter XSD pattern */
	char derived[48];     /* "session-<guid>" when the id is not a slug */
};

struct sched_day { /* day_start/day_end: from its sessions */
	const struct prog_session *first; /* the earliest start */
	const struct prog_session *last;  /* the latest end */
};

struct sched {
	const struct programme *p;
	const struct conf *c;
	char acronym[64 + 1]; /* the event id under the acronym pattern */
	char version[17];     /* hex digest of what the documents show */
	const char *tz_json;  /* time_zone_name when the JSON pattern takes it */
	struct sched_item *items; /* parallel to p->sessions */
	struct sched_day *days;   /* parallel to p->days */
	/* Rooms: p->rooms then one for sessions without a room (index
	 * n_rooms); names are unique because both formats key rooms by name. */
	char **room_names;
	char (*room_guids)[37];
	int room_used_fallback;
	char (*speaker_guids)[37]; /* parallel to p->speakers */
	/* Session indices by (day, room, start): the documents' nesting. */
	uint32_t *order;
};

/* The documents from s (sched_init of their programme), which they only
 * read: threads may build both from one s at once, as an export does, so
 * that it is worked out once.  Return as the _to functions. */
int schedule_json_from(const struct sched *s, sched_sink sink, void *ctx);
int schedule_xml_from(const struct sched *s, sched_sink sink, void *ctx);
/* from(s, sink, ctx) with s worked out for (p, c) here. */
int sched_build(int (*from)(const struct sched *, sched_sink, void *), const struct programme *p,
		const struct conf *c, sched_sink sink, void *ctx);
/* to(p, c) appended to out, which is left as it was when it fails. */
int sched_keep_whole(int (*to)(const struct programme *, const struct conf *, sched_sink, void *),
		     const struct programme *p, const struct conf *c, struct buf *out);
/* Returns 0, or -1 when OpenSSL cannot make the guids or the version's
 * SHA-1 (s is then freed). */
int sched_init(struct sched *s, const struct programme *p, const struct conf *c);
void sched_free(struct sched *s);
uint32_t sched_room(const struct sched *s, const struct prog_session *ps);
/* "YYYY-MM-DDTHH:MM:SS+HH:MM": local (the local time of utc) with its offset. */
void sched_datetime(int64_t utc, const struct civil *local, char out[48]);
/* "HH:MM": the hour and minute of local. */
void sched_hhmm(const struct civil *local, char out[8]);
/* "H:MM" rounded up to whole minutes; hours capped at max_hours. */
void sched_duration(const struct prog_session *ps, int max_hours, char out[32]);
/* The title as shown: cancelled sessions keep their place, marked. */
char *sched_title(const struct prog_session *ps);
/* The session's place on the daemon's page: base_url/#<id>. */
char *sched_session_url(const struct sched *s, const struct prog_session *ps);
/* An http(s) url made acceptable as an RFC 3986 URI (bytes outside it
 * percent-encoded), or NULL for any other scheme or an authority that is
 * not host[:port]; caller frees. */
char *sched_uri(const char *url);
/* text as valid UTF-8 that XML 1.0 can carry: invalid bytes become U+FFFD,
 * disallowed controls are dropped.  Returns text itself when it is fine,
 * else scratch's contents. */
const char *sched_text(const char *text, struct buf *scratch);
/* Slug patterns of the JSON schema and of the XSD's tracks. */
int sched_is_json_slug(const char *s);
int sched_is_xsd_track_slug(const char *s);

#endif
