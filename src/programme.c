#include "config.h"

#include "programme.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcfg.h"
#include "memory.h"

struct loader {
	struct lcfg lc;
	struct programme *p;
	struct lcfg_group top;
};

/* The keys of each group, named by their indices in struct lcfg_group. */
enum { TOP_EVENT, TOP_TRACKS, TOP_ROOMS, TOP_SPEAKERS, TOP_SESSIONS, TOP_N };
static const char *const top_keys[] = { [TOP_EVENT] = "event", [TOP_TRACKS] = "tracks",
					[TOP_ROOMS] = "rooms", [TOP_SPEAKERS] = "speakers",
					[TOP_SESSIONS] = "sessions", [TOP_N] = NULL };
enum { EV_ID, EV_TITLE, EV_SHORT_TITLE, EV_TIMEZONE, EV_LOCATION, EV_URL, EV_DESCRIPTION, EV_N };
static const char *const event_keys[] = {
	[EV_ID] = "id",		    [EV_TITLE] = "title",	  [EV_SHORT_TITLE] = "short_title",
	[EV_TIMEZONE] = "timezone", [EV_LOCATION] = "location", [EV_URL] = "url",
	[EV_DESCRIPTION] = "description", [EV_N] = NULL,
};
enum { TR_ID, TR_TITLE, TR_DESCRIPTION, TR_N };
static const char *const track_keys[] = { [TR_ID] = "id", [TR_TITLE] = "title",
					  [TR_DESCRIPTION] = "description", [TR_N] = NULL };
enum { RO_ID, RO_TITLE, RO_N };
static const char *const room_keys[] = { [RO_ID] = "id", [RO_TITLE] = "title", [RO_N] = NULL };
enum { SP_ID, SP_NAME, SP_AFFILIATION, SP_BIO_URL, SP_EMAIL, SP_N };
static const char *const speaker_keys[] = { [SP_ID] = "id", [SP_NAME] = "name",
					    [SP_AFFILIATION] = "affiliation",
					    [SP_BIO_URL] = "bio_url", [SP_EMAIL] = "email",
					    [SP_N] = NULL };
enum { SE_ID, SE_TITLE, SE_START, SE_END, SE_TRACK, SE_ROOM, SE_KIND, SE_STATUS,
       SE_DESCRIPTION, SE_PEOPLE, SE_DOCUMENTS, SE_N };
static const char *const session_keys[] = {
	[SE_ID] = "id",		[SE_TITLE] = "title",	  [SE_START] = "start",
	[SE_END] = "end",	[SE_TRACK] = "track",	  [SE_ROOM] = "room",
	[SE_KIND] = "kind",	[SE_STATUS] = "status",	  [SE_DESCRIPTION] = "description",
	[SE_PEOPLE] = "people", [SE_DOCUMENTS] = "documents", [SE_N] = NULL,
};
enum { PE_SPEAKER, PE_ROLE, PE_AFFILIATION, PE_N };
static const char *const person_keys[] = { [PE_SPEAKER] = "speaker", [PE_ROLE] = "role",
					   [PE_AFFILIATION] = "affiliation", [PE_N] = NULL };
enum { DO_TITLE, DO_URL, DO_N };
static const char *const document_keys[] = { [DO_TITLE] = "title", [DO_URL] = "url",
					     [DO_N] = NULL };
/* Each table fits in struct lcfg_group. */
_Static_assert(SE_N <= LCFG_MAX_KEYS && EV_N <= LCFG_MAX_KEYS, "a key table too long");

static void errorf(struct loader *L, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warnf(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errorf(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(L->lc.d, lcfg_file(&L->lc, s), lcfg_line(s), "%s", msg);
}

static void warnf(struct loader *L, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_warn(L->lc.d, L->lc.file, line, "%s", msg);
	L->p->warnings++;
}

/* The groups of a top-level list such as tracks = ( { ... }, ... ). */
static int list_groups(struct loader *L, int key, const config_setting_t **list)
{
	*list = lcfg_glist(&L->lc, &L->top, key);
	return *list ? config_setting_length(*list) : 0;
}

/* Element i of list, which must be a group, with its members in G. */
static int group_elem(struct loader *L, const config_setting_t *list, int i, const char *what,
		      const char *const *keys, struct lcfg_group *G)
{
	const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		errorf(L, g, "each %s must be a group { ... }", what);
		return -1;
	}
	lcfg_group(&L->lc, g, what, keys, G);
	return 0;
}

/* Registers an id; a duplicate is an error that points at both places. */
static void register_id(struct loader *L, struct strmap *map, const config_setting_t *at,
			const char *what, const char *id, uint32_t index, const int *lines)
{
	uint32_t first;

	if (!id)
		return;
	if (strmap_put(map, id, index, &first) == -EEXIST)
		errorf(L, at, "duplicate %s id '%s' (first at line %d)", what, id, lines[first]);
}

static void load_event(struct loader *L)
{
	const config_setting_t *g = L->top.m[TOP_EVENT];
	struct prog_event *e = &L->p->event;
	struct lcfg_group G;

	if (!g) {
		diag_error(L->lc.d, L->lc.file, 0, "'event' is required: event = { id = ...; title "
						     "= ...; timezone = ...; };");
		return;
	}
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		errorf(L, g, "'event' must be a group { ... }");
		return;
	}
	lcfg_group(&L->lc, g, "event", event_keys, &G);
	e->id = lcfg_gid(&L->lc, &G, EV_ID, 1);
	e->title = lcfg_gstring(&L->lc, &G, EV_TITLE, 1);
	e->short_title = lcfg_gstring(&L->lc, &G, EV_SHORT_TITLE, 0);
	e->timezone = lcfg_gstring(&L->lc, &G, EV_TIMEZONE, 1);
	e->location = lcfg_gstring(&L->lc, &G, EV_LOCATION, 0);
	e->url = lcfg_gstring(&L->lc, &G, EV_URL, 0);
	e->description = lcfg_gstring(&L->lc, &G, EV_DESCRIPTION, 0);
	if (e->timezone && tz_open(e->timezone, &L->p->tz) < 0)
		errorf(L, G.m[EV_TIMEZONE], "unknown timezone \"%s\": use an IANA name such as \"Europe/Zurich\"",
		       e->timezone);
}

/* Reads one element of a top-level list of things with ids into elem
 * (zeroed); returns its id, or NULL when it has none. */
typedef const char *read_elem_fn(struct loader *L, const struct lcfg_group *G, void *elem);

/* A top-level list of things sessions refer to by id: tracks, rooms,
 * speakers. */
struct id_list {
	int top;                 /* its key in top_keys */
	const char *what;        /* "track", for messages */
	const char *const *keys; /* of one element; "id" is keys[0] */
	size_t size;             /* of one element */
	read_elem_fn *read;
};

/* Loads list d into an arena array; *count and *ids get its length and
 * its id map. */
static void *load_id_list(struct loader *L, const struct id_list *d, size_t *count,
			  struct strmap **ids)
{
	const config_setting_t *list;
	int n = list_groups(L, d->top, &list);
	int *lines = xcalloc((size_t)n + 1, sizeof(int)); /* for "first at line" */
	char *items = arena_alloc(L->p->arena, d->size * (size_t)(n + 1));

	*count = 0;
	*ids = strmap_new((size_t)n);
	for (int i = 0; i < n; i++) {
		struct lcfg_group G;
		const char *id;

		if (group_elem(L, list, i, d->what, d->keys, &G) < 0)
			continue;
		id = d->read(L, &G, items + *count * d->size);
		lines[*count] = lcfg_line(G.g);
		register_id(L, *ids, G.m[0], d->what, id, (uint32_t)*count, lines);
		(*count)++;
	}
	free(lines);
	return items;
}

static const char *read_track(struct loader *L, const struct lcfg_group *G, void *elem)
{
	struct prog_track *t = elem;

	t->id = lcfg_gid(&L->lc, G, TR_ID, 1);
	t->title = lcfg_gstring(&L->lc, G, TR_TITLE, 0);
	t->description = lcfg_gstring(&L->lc, G, TR_DESCRIPTION, 0);
	if (!t->title)
		t->title = t->id;
	return t->id;
}

static const char *read_room(struct loader *L, const struct lcfg_group *G, void *elem)
{
	struct prog_room *r = elem;

	r->id = lcfg_gid(&L->lc, G, RO_ID, 1);
	r->title = lcfg_gstring(&L->lc, G, RO_TITLE, 0);
	if (!r->title)
		r->title = r->id;
	return r->id;
}

static const char *read_speaker(struct loader *L, const struct lcfg_group *G, void *elem)
{
	struct prog_speaker *s = elem;

	s->id = lcfg_gid(&L->lc, G, SP_ID, 1);
	s->name = lcfg_gstring(&L->lc, G, SP_NAME, 1);
	s->affiliation = lcfg_gstring(&L->lc, G, SP_AFFILIATION, 0);
	s->bio_url = lcfg_gstring(&L->lc, G, SP_BIO_URL, 0);
	s->email = lcfg_gstring(&L->lc, G, SP_EMAIL, 0);
	if (s->email && (!strchr(s->email, '@') || strpbrk(s->email, " \t\r\n<>,;")))
		errorf(L, G->m[SP_EMAIL], "'email' \"%s\" is not an e-mail address", s->email);
	if (!s->name)
		s->name = s->id ? s->id : "";
	return s->id;
}

static const struct id_list track_list = {
	.top = TOP_TRACKS, .what = "track", .keys = track_keys,
	.size = sizeof(struct prog_track), .read = read_track,
};
static const struct id_list room_list = {
	.top = TOP_ROOMS, .what = "room", .keys = room_keys,
	.size = sizeof(struct prog_room), .read = read_room,
};
static const struct id_list speaker_list = {
	.top = TOP_SPEAKERS, .what = "speaker", .keys = speaker_keys,
	.size = sizeof(struct prog_speaker), .read = read_speaker,
};

/* A reference to a track, room or speaker by id; the model keeps the
 * index, so the id is not copied. */
static uint32_t resolve(struct loader *L, const struct lcfg_group *G, int key, const char *what,
			const struct strmap *map, int required)
{
	const char *id = lcfg_gpeek(&L->lc, G, key, required);
	uint32_t index;

	if (!id)
		return PROG_NONE;
	if (strmap_get(map, id, &index) == 0)
		return index;
	errorf(L, G->m[key], "unknown %s '%s'", what, id);
	return PROG_NONE;
}

static int load_time(struct loader *L, const struct lcfg_group *G, int k, int64_t *out)
{
	const char *v = lcfg_gpeek(&L->lc, G, k, 1);
	const config_setting_t *s = G->m[k];
	const char *key = G->keys[k];
	const char *why, *zone = L->p->event.timezone;
	struct civil c;
	int has_offset, offset;

	if (!v)
		return -1;
	if (civil_parse(v, &c, &has_offset, &offset, &why)) {
		errorf(L, s, "'%s': bad time \"%s\": %s", key, v, why);
		return -1;
	}
	if (c.year < PROG_MIN_YEAR || c.year > PROG_MAX_YEAR) {
		errorf(L, s, "'%s': bad time \"%s\": the year must be between %d and %d", key, v,
		       PROG_MIN_YEAR, PROG_MAX_YEAR);
		return -1;
	}
	if (!L->p->tz)
		return -1; /* the timezone's own error says why */
	if (has_offset) {
		*out = civil_to_seconds(&c) - offset;
		if (tz_offset_at(L->p->tz, *out) != offset) {
			errorf(L, s, "'%s': the UTC offset in \"%s\" is not in force in %s at that time",
			       key, v, zone);
			return -1;
		}
		return 0;
	}
	switch (tz_local_to_utc(L->p->tz, &c, out)) {
	case TZ_OK:
		return 0;
	case TZ_GAP:
		errorf(L, s,
		       "'%s': \"%s\" does not exist in %s (the clocks skip it at the change to "
		       "summer time); move it, or give a UTC offset such as \"%s +01:00\"",
		       key, v, zone, v);
		return -1;
	case TZ_AMBIGUOUS:
		errorf(L, s,
		       "'%s': \"%s\" is ambiguous in %s (it happens twice when the clocks go "
		       "back); add the UTC offset that is meant, such as \"%s +01:00\"",
		       key, v, zone, v);
		return -1;
	}
	return -1;
}

/* A speaker listed twice is kept once (with the first role). */
static int listed(struct loader *L, const struct prog_session *s, const struct prog_person *pp,
		  const config_setting_t *e)
{
	for (uint32_t j = 0; j < s->n_people; j++) {
		if (s->people[j].speaker == pp->speaker) {
			warnf(L, lcfg_line(e), "speaker '%s' is listed twice in session '%s'",
			      L->p->speakers[pp->speaker].id, s->id ? s->id : "?");
			return 1;
		}
	}
	return 0;
}

static void load_people(struct loader *L, const struct lcfg_group *S, struct prog_session *s)
{
	const config_setting_t *list = lcfg_glist(&L->lc, S, SE_PEOPLE);
	int n = list ? config_setting_length(list) : 0;

	s->people = arena_alloc(L->p->arena, sizeof(*s->people) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct prog_person *pp = &s->people[s->n_people];
		struct lcfg_group G;

		if (group_elem(L, list, i, "person", person_keys, &G) < 0)
			continue;
		pp->speaker = resolve(L, &G, PE_SPEAKER, "speaker", L->p->speaker_ids, 1);
		pp->role = lcfg_gstring(&L->lc, &G, PE_ROLE, 0);
		pp->affiliation = lcfg_gstring(&L->lc, &G, PE_AFFILIATION, 0);
		if (pp->speaker == PROG_NONE || listed(L, s, pp, G.g))
			continue;
		s->n_people++;
	}
}

static void load_documents(struct loader *L, const struct lcfg_group *S, struct prog_session *s)
{
	const config_setting_t *list = lcfg_glist(&L->lc, S, SE_DOCUMENTS);
	int n = list ? config_setting_length(list) : 0;

	s->docs = arena_alloc(L->p->arena, sizeof(*s->docs) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		struct prog_document *doc = &s->docs[s->n_docs];
		struct lcfg_group G;

		if (group_elem(L, list, i, "document", document_keys, &G) < 0)
			continue;
		doc->title = lcfg_gstring(&L->lc, &G, DO_TITLE, 1);
		doc->url = lcfg_gstring(&L->lc, &G, DO_URL, 0);
		if (doc->title)
			s->n_docs++;
	}
}

static void load_status(struct loader *L, const struct lcfg_group *G, struct prog_session *s)
{
	const char *v = lcfg_gpeek(&L->lc, G, SE_STATUS, 0);

	s->status = PROG_CONFIRMED;
	if (!v || strcmp(v, "confirmed") == 0)
		return;
	if (strcmp(v, "tentative") == 0)
		s->status = PROG_TENTATIVE;
	else if (strcmp(v, "cancelled") == 0)
		s->status = PROG_CANCELLED;
	else
		errorf(L, G->m[SE_STATUS], "'status' is \"%s\"; expected \"confirmed\", \"tentative\" or \"cancelled\"", v);
}

static int load_session(struct loader *L, const struct lcfg_group *G, struct prog_session *s)
{
	size_t errors = L->lc.d->errors;
	int times_ok;

	s->line = lcfg_line(G->g);
	s->id = lcfg_gid(&L->lc, G, SE_ID, 1);
	s->title = lcfg_gstring(&L->lc, G, SE_TITLE, 1);
	times_ok = (load_time(L, G, SE_START, &s->start) == 0) &
		   (load_time(L, G, SE_END, &s->end) == 0);
	if (times_ok && s->end <= s->start)
		errorf(L, G->m[SE_END], "session '%s' ends before it starts (or at the same time)",
		       s->id ? s->id : "?");
	else if (times_ok && s->end - s->start > PROG_MAX_DURATION)
		errorf(L, G->m[SE_END], "session '%s' lasts longer than %d days, the longest a "
		       "session may", s->id ? s->id : "?", PROG_MAX_DURATION / 86400);
	s->track = resolve(L, G, SE_TRACK, "track", L->p->track_ids, 0);
	s->room = resolve(L, G, SE_ROOM, "room", L->p->room_ids, 0);
	s->kind = lcfg_gid(&L->lc, G, SE_KIND, 0);
	if (!s->kind)
		s->kind = "session";
	s->is_break = strcmp(s->kind, "break") == 0;
	load_status(L, G, s);
	s->description = lcfg_gstring(&L->lc, G, SE_DESCRIPTION, 0);
	load_people(L, G, s);
	load_documents(L, G, s);
	return L->lc.d->errors == errors ? 0 : -1;
}

static int cmp_session(const void *a, const void *b)
{
	const struct prog_session *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void load_sessions(struct loader *L)
{
	const config_setting_t *list;
	int n = list_groups(L, TOP_SESSIONS, &list);
	struct programme *p = L->p;
	int ok = 1;

	p->sessions = arena_alloc(p->arena, sizeof(*p->sessions) * (size_t)(n + 1));
	p->session_ids = strmap_new((size_t)n);
	for (int i = 0; i < n; i++) {
		struct prog_session *s = &p->sessions[p->n_sessions];
		struct lcfg_group G;
		int is_group = group_elem(L, list, i, "session", session_keys, &G) == 0;
		uint32_t first;

		if (!is_group) {
			ok = 0;
			continue;
		}
		/* A session that failed without an id left its fields in this
		 * slot; a stale n_people made load_people write past its array. */
		memset(s, 0, sizeof(*s));
		if (load_session(L, &G, s) < 0)
			ok = 0;
		if (s->id && strmap_put(p->session_ids, s->id, (uint32_t)p->n_sessions, &first) == -EEXIST) {
			errorf(L, G.m[SE_ID], "duplicate session id '%s' (first at line %d)", s->id,
			       p->sessions[first].line);
			ok = 0;
		}
		if (s->id)
			p->n_sessions++;
	}
	if (!ok) {
		strmap_free(p->session_ids);
		p->session_ids = NULL;
	}
}

static int cmp_day(const void *a, const void *b)
{
	return strcmp(((const struct prog_day *)a)->date, ((const struct prog_day *)b)->date);
}

/* "%04d-%02d-%02d" cut to 10 characters; written by hand for the dates
 * a calendar has, since snprintf cost more than the rest of finding a
 * session's day. */
static void format_date(const struct civil *c, char out[11])
{
	char tmp[32];

	if (c->year < 0 || c->year > 9999 || c->month < 0 || c->month > 99 || c->day < 0 ||
	    c->day > 99) {
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", c->year, c->month, c->day);
		memcpy(out, tmp, 10);
		out[10] = '\0';
		return;
	}
	out[0] = (char)('0' + c->year / 1000);
	out[1] = (char)('0' + c->year / 100 % 10);
	out[2] = (char)('0' + c->year / 10 % 10);
	out[3] = (char)('0' + c->year % 10);
	out[4] = '-';
	out[5] = (char)('0' + c->month / 10);
	out[6] = (char)('0' + c->month % 10);
	out[7] = '-';
	out[8] = (char)('0' + c->day / 10);
	out[9] = (char)('0' + c->day % 10);
	out[10] = '\0';
}

static void local_date(struct programme *p, int64_t utc, char out[11], struct civil *c)
{
	tz_utc_to_local(p->tz, utc, c);
	format_date(c, out);
}

static int same_date(const struct civil *a, const struct civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

/* The days, from the sessions' local start dates, which prog_localize
 * has filled in.  Sessions are sorted by start, so most have the date of
 * the one before and need no lookup. */
static void collect_days(struct programme *p)
{
	struct strmap *seen = strmap_new(64);

	p->days = arena_alloc(p->arena, sizeof(*p->days) * (p->n_sessions + 1));
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct civil *c = &p->sessions[i].start_local;
		struct prog_day *d = &p->days[p->n_days];

		if (i > 0 && same_date(c, &p->sessions[i - 1].start_local))
			continue;
		format_date(c, d->date);
		if (strmap_put(seen, d->date, 0, NULL) == 0) {
			d->year = c->year;
			d->month = c->month;
			d->day = c->day;
			p->n_days++;
		}
	}
	strmap_free(seen);
}

static void build_days(struct programme *p)
{
	char date[11];
	uint32_t index;

	for (size_t i = 0; i < p->n_sessions; i++)
		prog_localize(p->tz, &p->sessions[i]);
	collect_days(p);
	qsort(p->days, p->n_days, sizeof(*p->days), cmp_day);
	p->day_ids = strmap_new(p->n_days);
	for (size_t i = 0; i < p->n_days; i++)
		strmap_put(p->day_ids, p->days[i].date, (uint32_t)i, NULL);
	for (size_t i = 0; i < p->n_sessions; i++) {
		struct prog_session *s = &p->sessions[i];

		if (i > 0 && same_date(&s->start_local, &s[-1].start_local)) {
			s->day = s[-1].day;
			continue;
		}
		format_date(&s->start_local, date);
		s->day = strmap_get(p->day_ids, date, &index) == 0 ? index : PROG_NONE;
	}
}

void prog_localize(struct tz *tz, struct prog_session *s)
{
	tz_utc_to_local(tz, s->start, &s->start_local);
	tz_utc_to_local(tz, s->end, &s->end_local);
	s->start_named = tz_local_names(tz, s->start);
	s->end_named = tz_local_names(tz, s->end);
}

uint32_t prog_day_of(const struct programme *p, int64_t utc)
{
	char date[11];
	struct civil c;
	uint32_t index;

	local_date((struct programme *)p, utc, date, &c);
	return strmap_get(p->day_ids, date, &index) == 0 ? index : PROG_NONE;
}

const char *prog_person_affiliation(const struct programme *p, const struct prog_person *pp)
{
	return pp->affiliation ? pp->affiliation : p->speakers[pp->speaker].affiliation;
}

/* A (resource, session) pair, for finding double bookings. */
struct booking {
	uint32_t who;
	uint32_t session;
};

static int cmp_booking(const void *a, const void *b)
{
	const struct booking *x = a, *y = b;

	if (x->who != y->who)
		return x->who < y->who ? -1 : 1;
	return x->session < y->session ? -1 : x->session > y->session;
}

/* Where a session is, for messages: its line, or for an imported
 * programme (no lines) its place in the document. */
static const char *place(const struct prog_session *s, char *buf, size_t size)
{
	if (s->line > 0)
		snprintf(buf, size, "line %d", s->line);
	else
		snprintf(buf, size, "%s", s->where ? s->where : "?");
	return buf;
}

static void warn_at(struct programme *p, struct diag *d, const struct prog_session *s,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void warn_at(struct programme *p, struct diag *d, const struct prog_session *s,
		    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->line > 0)
		diag_warn(d, p->path, s->line, "%s", msg);
	else
		diag_warn(d, p->path, 0, "%s: %s", s->where ? s->where : "?", msg);
	p->warnings++;
}

/* Sessions are sorted by start, so within one resource the pairs are in
 * time order and an overlap is a start before the latest end so far. */
static void warn_overlaps(struct programme *p, struct diag *d, struct booking *b, size_t n,
			  const char *what)
{
	size_t latest = 0;
	char at[256];

	qsort(b, n, sizeof(*b), cmp_booking);
	for (size_t i = 1; i < n; i++) {
		const struct prog_session *s = &p->sessions[b[i].session];
		const struct prog_session *prev = &p->sessions[b[latest].session];

		if (b[i].who != b[i - 1].who) {
			latest = i;
			continue;
		}
		if (s->start < prev->end) {
			if (strcmp(what, "room") == 0)
				warn_at(p, d, s, "session '%s' overlaps '%s' (%s) in room '%s'", s->id,
					prev->id, place(prev, at, sizeof(at)), p->rooms[b[i].who].id);
			else
				warn_at(p, d, s, "speaker '%s' is in session '%s' and in '%s' (%s) at once",
					p->speakers[b[i].who].id, s->id, prev->id,
					place(prev, at, sizeof(at)));
		}
		if (s->end > prev->end)
			latest = i;
	}
}

static void check_overlaps(struct programme *p, struct diag *d)
{
	size_t n_people = 0, nr = 0, ns = 0;
	struct booking *rooms, *speakers;

	for (size_t i = 0; i < p->n_sessions; i++)
		n_people += p->sessions[i].n_people;
	rooms = xcalloc(p->n_sessions + 1, sizeof(*rooms));
	speakers = xcalloc(n_people + 1, sizeof(*speakers));
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *s = &p->sessions[i];

		if (s->status == PROG_CANCELLED)
			continue;
		if (s->room != PROG_NONE)
			rooms[nr++] = (struct booking){ s->room, (uint32_t)i };
		for (uint32_t j = 0; j < s->n_people; j++)
			speakers[ns++] = (struct booking){ s->people[j].speaker, (uint32_t)i };
	}
	warn_overlaps(p, d, rooms, nr, "room");
	warn_overlaps(p, d, speakers, ns, "speaker");
	free(rooms);
	free(speakers);
}

static void sort_sessions(struct programme *p)
{
	/* Feeds list sessions in time order; the index must follow the sort. */
	qsort(p->sessions, p->n_sessions, sizeof(*p->sessions), cmp_session);
	strmap_free(p->session_ids);
	p->session_ids = strmap_new(p->n_sessions);
	for (size_t i = 0; i < p->n_sessions; i++)
		strmap_put(p->session_ids, p->sessions[i].id, (uint32_t)i, NULL);
}

/* Filters name kinds; the set is small, so it is listed once here. */
static void build_kinds(struct programme *p)
{
	p->kinds = arena_alloc(p->arena, sizeof(*p->kinds) * (p->n_sessions + 1));
	p->kind_ids = strmap_new(16);
	for (size_t i = 0; i < p->n_sessions; i++)
		if (strmap_put(p->kind_ids, p->sessions[i].kind, (uint32_t)p->n_kinds, NULL) == 0)
			p->kinds[p->n_kinds++] = p->sessions[i].kind;
}

struct programme *prog_new(const char *path)
{
	struct programme *p = xcalloc(1, sizeof(*p));

	p->arena = arena_new();
	p->path = arena_strdup(p->arena, path);
	return p;
}

/* One id map of an imported programme; a duplicate is an error. */
static struct strmap *index_ids(struct programme *p, struct diag *d, const char *what,
				const void *base, size_t n, size_t stride)
{
	struct strmap *m = strmap_new(n);

	for (size_t i = 0; i < n; i++) {
		const char *id = *(const char *const *)((const char *)base + i * stride);

		if (strmap_put(m, id, (uint32_t)i, NULL) == -EEXIST)
			diag_error(d, p->path, 0, "duplicate %s id '%s'", what, id);
	}
	return m;
}

int prog_finish(struct programme *p, struct diag *d)
{
	size_t errors = d->errors;

	if (!p->tz) {
		diag_error(d, p->path, 0, "the programme has no time zone");
		return -1;
	}
	if (!p->track_ids)
		p->track_ids = index_ids(p, d, "track", p->tracks, p->n_tracks, sizeof(*p->tracks));
	if (!p->room_ids)
		p->room_ids = index_ids(p, d, "room", p->rooms, p->n_rooms, sizeof(*p->rooms));
	if (!p->speaker_ids)
		p->speaker_ids = index_ids(p, d, "speaker", p->speakers, p->n_speakers,
					   sizeof(*p->speakers));
	if (!p->session_ids)
		p->session_ids = index_ids(p, d, "session", p->sessions, p->n_sessions,
					   sizeof(*p->sessions));
	if (d->errors > errors)
		return -1;
	sort_sessions(p);
	build_days(p);
	build_kinds(p);
	check_overlaps(p, d);
	return 0;
}

struct programme *prog_load(const char *path, struct diag *d)
{
	return prog_load_max(path, PROG_MAX_SIZE_DEFAULT, d);
}

struct programme *prog_load_max(const char *path, size_t max_size, struct diag *d)
{
	struct programme *p = prog_new(path);
	struct loader L = { .lc = { d, path, NULL }, .p = p };
	size_t errors = d->errors;
	config_t cfg;

	L.lc.a = p->arena;
	config_init(&cfg);
	if (lcfg_prescan(&L.lc, max_size) == 0 && lcfg_read(&L.lc, &cfg) == 0) {
		lcfg_group(&L.lc, config_root_setting(&cfg), "the programme", top_keys, &L.top);
		load_event(&L);
		p->tracks = load_id_list(&L, &track_list, &p->n_tracks, &p->track_ids);
		p->rooms = load_id_list(&L, &room_list, &p->n_rooms, &p->room_ids);
		p->speakers = load_id_list(&L, &speaker_list, &p->n_speakers, &p->speaker_ids);
		load_sessions(&L);
		if (d->errors == errors)
			prog_finish(p, d);
	}
	config_destroy(&cfg);
	if (d->errors > errors) {
		prog_free(p);
		return NULL;
	}
	return p;
}

void prog_free(struct programme *p)
{
	if (!p)
		return;
	strmap_free(p->track_ids);
	strmap_free(p->room_ids);
	strmap_free(p->speaker_ids);
	strmap_free(p->session_ids);
	strmap_free(p->day_ids);
	strmap_free(p->kind_ids);
	tz_free(p->tz);
	arena_free(p->arena);
	free(p);
}
