/* C3VOC/frab/pretalx schedule.json (c3voc-schedule.schema.json):
 * schedule.conference with tracks, rooms and days; each day's rooms map
 * a room name to its events.  jansson parses; this walks.
 *
 * agendad's own export (schedule_json.c) carries the whole programme:
 * the standard fields plus conference.meta.agendad.  That object is
 * believed only when every guid of the document follows agendad's rules
 * for meta.event_id (own_check): anyone can write a meta.agendad, but
 * only a document made from that programme's ids has those guids.  Then
 * the programme comes back as it was (same ids, texts, rooms, people,
 * documents), so that its feeds are the same byte for byte. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "guid.h"
#include "import_build.h"
#include "lcfg.h"
#include "strmap.h"

/* What own_check found: agendad's own export, and how to read it. */
struct own {
	const json_t *ag;         /* meta.agendad */
	const char *event_id;     /* meta.event_id */
	const char *zone;         /* meta.time_zone_name */
	char venue_guid[37];      /* the room made up for sessions without one */
	const char *venue;        /* its name, when the document has it */
	struct strmap *sessions;  /* guid -> index into session_keys */
	const char **session_keys;
	struct strmap *rooms;     /* guid -> index into room_keys */
	const char **room_keys;
};

/* A member as text: strings as they are, numbers printed (ids are
 * integers in frab and strings elsewhere), anything else NULL. */
static const char *jtext(struct imp *imp, const json_t *o, const char *key)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(imp->p->arena, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return arena_printf(imp->p->arena, "%.17g", json_real_value(v));
	return NULL;
}

/* A string member, or NULL. */
static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_is_object(o) ? json_object_get(o, key) : NULL);
}

static int blank(const char *s)
{
	return !s || !*s;
}

static size_t jlen(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

/* affs: agendad's per-appearance affiliations, parallel to persons. */
static void people(struct imp *imp, const json_t *e, struct prog_session *s, const json_t *affs)
{
	const json_t *list = json_object_get(e, "persons"), *p;
	size_t i;

	json_array_foreach(list, i, p) {
		struct imp_person pp = { 0 };
		uint32_t before = s->n_people;
		const char *aff = json_string_value(json_array_get(affs, i));

		if (json_is_string(p)) { /* some exports list bare names */
			pp.name = json_string_value(p);
		} else {
			pp.guid = jtext(imp, p, "guid");
			pp.code = jtext(imp, p, "code");
			pp.id = jtext(imp, p, "id");
			pp.slug = jtext(imp, p, "slug");
			pp.name = jtext(imp, p, "public_name");
			if (!pp.name || !*pp.name)
				pp.name = jtext(imp, p, "name");
			pp.role = jtext(imp, p, "role");
			pp.url = jtext(imp, p, "url");
		}
		imp_person(imp, s, &pp);
		if (aff && s->n_people > before)
			s->people[before].affiliation = arena_strdup(imp->p->arena, aff);
	}
}

/* agendad's documents as they were, with and without url. */
static void own_documents(struct imp *imp, const json_t *docs, struct prog_session *s)
{
	const json_t *d;
	size_t i;

	json_array_foreach(docs, i, d) {
		const char *title = jstr(d, "title"), *url = jstr(d, "url");

		if (!title)
			continue;
		s->docs[s->n_docs].title = arena_strdup(imp->p->arena, title);
		s->docs[s->n_docs].url = url ? arena_strdup(imp->p->arena, url) : NULL;
		s->n_docs++;
	}
}

/* meta.agendad.sessions' entry for the event: by its guid (a session
 * whose slug is not its id), else by its slug; *id is set to the key. */
static const json_t *own_entry(const struct own *o, const json_t *e, const char **id)
{
	const json_t *sessions = json_object_get(o->ag, "sessions");
	const char *guid = jstr(e, "guid");
	uint32_t k;

	*id = NULL;
	if (guid && strmap_get(o->sessions, guid, &k) == 0) {
		*id = o->session_keys[k];
		return json_object_get(sessions, *id);
	}
	return jstr(e, "slug") ? json_object_get(sessions, jstr(e, "slug")) : NULL;
}

/* The session as the programme had it: what the builder's general
 * mapping changes (prefix of cancelled titles, kinds slugified, HTML
 * turned into text, the abstract joined in) is undone from the event
 * and meta.agendad. */
static void own_session(struct imp *imp, const json_t *entry, const char *id, const json_t *e,
			struct prog_session *s)
{
	struct arena *a = imp->p->arena;
	const char *type = jstr(e, "type"), *desc = jstr(e, "description");
	const char *status = jstr(entry, "status"), *track = jstr(entry, "track");

	if (id)
		s->id = arena_strdup(a, id);
	/* "track" names it by id when another track has the same title. */
	for (size_t t = 0; track && t < imp->p->n_tracks; t++)
		if (strcmp(imp->tracks[t].id, track) == 0)
			s->track = (uint32_t)t;
	if (status && strcmp(status, "tentative") == 0) {
		s->status = PROG_TENTATIVE;
	} else if (status && strcmp(status, "cancelled") == 0) {
		static const char prefix[] = "Cancelled: "; /* sched_title's */

		s->status = PROG_CANCELLED;
		if (strncmp(s->title, prefix, sizeof(prefix) - 1) == 0)
			s->title += sizeof(prefix) - 1;
	}
	s->kind = blank(type) ? "session" : arena_strdup(a, type);
	s->is_break = strcmp(s->kind, "break") == 0; /* as prog_load says */
	s->description = blank(desc) ? NULL : arena_strdup(a, desc);
}

static void documents(struct imp *imp, const json_t *e, const char *key, struct prog_session *s)
{
	const json_t *list = json_object_get(e, key), *l;
	size_t i;

	json_array_foreach(list, i, l) {
		if (json_is_string(l))
			imp_document(imp, s, NULL, json_string_value(l));
		else
			imp_document(imp, s, jtext(imp, l, "title"), jtext(imp, l, "url"));
	}
}

static void event(struct imp *imp, const struct own *o, const json_t *e, const char *room_key)
{
	struct imp_event ev = { 0 };
	struct prog_session s;
	const json_t *entry = NULL, *docs;
	const char *own_id = NULL;
	size_t n_docs;

	if (!json_is_object(e)) {
		imp_warn(imp, 0, "day %s, room '%s': an event that is not an object (ignored)", imp->day,
			 room_key);
		return;
	}
	ev.guid = jtext(imp, e, "guid");
	ev.id = jtext(imp, e, "id");
	ev.slug = jtext(imp, e, "slug");
	ev.title = jtext(imp, e, "title");
	ev.subtitle = jtext(imp, e, "subtitle");
	ev.abstract = jtext(imp, e, "abstract");
	ev.description = jtext(imp, e, "description");
	ev.type = jtext(imp, e, "type");
	ev.room = jtext(imp, e, "room");
	if (!ev.room || !*ev.room)
		ev.room = room_key; /* the room the day lists it under */
	ev.track = jtext(imp, e, "track");
	ev.date = jtext(imp, e, "date");
	ev.start = jtext(imp, e, "start");
	ev.duration = jtext(imp, e, "duration");
	ev.end = jtext(imp, e, "end");
	n_docs = jlen(e, "links") + jlen(e, "attachments");
	if (o) {
		if (o->venue && ev.room && strcmp(ev.room, o->venue) == 0)
			ev.room = NULL; /* the made-up room: the session has none */
		ev.abstract = NULL; /* the people and documents, said again */
		ev.subtitle = NULL;
		entry = own_entry(o, e, &own_id);
		if (json_array_size(json_object_get(entry, "documents")) > n_docs)
			n_docs = json_array_size(json_object_get(entry, "documents"));
	}
	if (imp_session(imp, &ev, &s, jlen(e, "persons"), n_docs) < 0)
		return;
	if (o)
		own_session(imp, entry, own_id, e, &s);
	people(imp, e, &s, json_object_get(entry, "affiliations"));
	docs = json_object_get(entry, "documents");
	if (json_is_array(docs)) {
		own_documents(imp, docs, &s);
	} else {
		documents(imp, e, "links", &s);
		documents(imp, e, "attachments", &s);
	}
	imp_add(imp, &s);
}

static void day(struct imp *imp, const struct own *o, const json_t *d)
{
	const json_t *rooms = json_object_get(d, "rooms"), *events;
	const char *name;

	imp_day(imp, jtext(imp, d, "date"), jtext(imp, d, "day_start"), 0);
	if (!json_is_object(rooms)) {
		imp_warn(imp, 0, "day %s: no \"rooms\" object", imp->day);
		return;
	}
	json_object_foreach((json_t *)rooms, name, events) {
		const json_t *e;
		size_t i;

		if (!o || !o->venue || strcmp(name, o->venue) != 0)
			imp_room(imp, name, NULL);
		json_array_foreach(events, i, e)
			event(imp, o, e, name);
	}
}

/* uuid5("<prefix><id>@<event id>"), as schedule.c makes guids. */
static void own_guid(struct imp *imp, const char *event_id, const char *prefix, const char *id,
		     char out[37])
{
	guid_of(prefix, id, event_id, out);
}

/* guid -> key for each key of meta.agendad's object name. */
static struct strmap *guid_map(struct imp *imp, const struct own *o, const char *name,
			       const char *prefix, const char ***keys)
{
	const json_t *obj = json_object_get(o->ag, name), *v;
	struct strmap *m = strmap_new(json_object_size(obj) + 1);
	const char *key;
	uint32_t n = 0;

	*keys = arena_alloc(imp->p->arena, sizeof(**keys) * (json_object_size(obj) + 1));
	json_object_foreach((json_t *)obj, key, v) {
		char guid[37];

		own_guid(imp, o->event_id, prefix, key, guid);
		(*keys)[n] = key;
		strmap_put(m, arena_strdup(imp->p->arena, guid), n++, NULL);
	}
	return m;
}

/* Whether c is agendad's own export: meta.agendad version 1, and every
 * guid of events, persons and rooms made from meta.event_id and the
 * event's slug, the person's slug, the room's slug or a key of
 * meta.agendad.  Fills o; returns 1, or 0 (with a warning when a
 * meta.agendad was there but is not believed). */
static int own_check(struct imp *imp, const json_t *c, struct own *o)
{
	const json_t *meta = json_object_get(c, "meta"), *ag = json_object_get(meta, "agendad");
	const json_t *d, *x, *events, *e, *pp;
	const char *why = NULL, *name;
	size_t i, k, m;
	char guid[37];
	uint32_t idx;

	if (!json_is_object(ag))
		return 0;
	o->ag = ag;
	o->event_id = jstr(meta, "event_id");
	o->zone = jstr(meta, "time_zone_name");
	if (!o->event_id || !lcfg_is_id(o->event_id) || blank(o->zone)) {
		imp_warn(imp, 0, "meta.agendad ignored: no valid meta.event_id and time_zone_name");
		return 0;
	}
	if (json_integer_value(json_object_get(ag, "version")) != 1) {
		imp_warn(imp, 0, "meta.agendad ignored: not version 1");
		return 0;
	}
	own_guid(imp, o->event_id, "room:", "", o->venue_guid);
	o->sessions = guid_map(imp, o, "sessions", "", &o->session_keys);
	o->rooms = guid_map(imp, o, "rooms", "room:", &o->room_keys);
	json_array_foreach(json_object_get(c, "rooms"), i, x) {
		const char *g = jstr(x, "guid"), *slug = jstr(x, "slug");

		if (g && strcmp(g, o->venue_guid) == 0) {
			o->venue = jstr(x, "name");
			continue;
		}
		if (slug)
			own_guid(imp, o->event_id, "room:", slug, guid);
		if (!g || ((!slug || strcmp(g, guid) != 0) && strmap_get(o->rooms, g, &idx) < 0))
			why = "a room's guid";
	}
	json_array_foreach(json_object_get(c, "days"), i, d) {
		json_object_foreach((json_t *)json_object_get(d, "rooms"), name, events) {
			json_array_foreach(events, k, e) {
				const char *g = jstr(e, "guid"), *slug = jstr(e, "slug");

				if (slug)
					own_guid(imp, o->event_id, "", slug, guid);
				if (!g || ((!slug || strcmp(g, guid) != 0) &&
					   strmap_get(o->sessions, g, &idx) < 0))
					why = "an event's guid";
				json_array_foreach(json_object_get(e, "persons"), m, pp) {
					const char *pg = jstr(pp, "guid"), *ps = jstr(pp, "slug");

					if (ps)
						own_guid(imp, o->event_id, "speaker:", ps, guid);
					if (!pg || !ps || strcmp(pg, guid) != 0)
						why = "a person's guid";
				}
			}
		}
	}
	if (why) {
		imp_warn(imp, 0, "meta.agendad ignored: %s does not follow agendad's rules for "
			 "event_id \"%s\", so this is not agendad's own export", why, o->event_id);
		return 0;
	}
	return 1;
}

/* The event, tracks, rooms and speakers of agendad's own export. */
static void own_conference(struct imp *imp, const struct own *o, const json_t *c)
{
	struct programme *p = imp->p;
	struct arena *a = p->arena;
	const json_t *ev = json_object_get(o->ag, "event"), *tracks = json_object_get(o->ag, "tracks");
	const json_t *rooms = json_object_get(o->ag, "rooms"), *x, *v;
	const char *key, *desc = jstr(c, "description");
	size_t i;

	p->event.id = arena_strdup(a, o->event_id);
	p->event.short_title = jstr(ev, "short_title") ? arena_strdup(a, jstr(ev, "short_title")) : NULL;
	p->event.location = jstr(ev, "location") ? arena_strdup(a, jstr(ev, "location")) : NULL;
	p->event.url = jstr(ev, "url") ? arena_strdup(a, jstr(ev, "url")) : NULL;
	p->event.description = blank(desc) ? NULL : arena_strdup(a, desc);
	char *claimed;

	json_array_foreach(json_object_get(c, "tracks"), i, x)
		if (!blank(jstr(x, "name")))
			imp_track_new(imp, jstr(x, "name"), jstr(x, "slug"));
	/* Tracks whose id is not a slug are found by name: the first not
	 * claimed yet, as both lists are in the programme's order. */
	claimed = arena_alloc(a, p->n_tracks + 1);
	memset(claimed, 0, p->n_tracks + 1);
	json_object_foreach((json_t *)tracks, key, v) {
		const char *name = jstr(v, "name");

		for (size_t t = 0; t < p->n_tracks; t++) {
			if (claimed[t] || (strcmp(imp->tracks[t].id, key) != 0 &&
					   (!name || strcmp(imp->tracks[t].title, name) != 0)))
				continue;
			claimed[t] = 1;
			imp->tracks[t].id = arena_strdup(a, key);
			if (jstr(v, "description"))
				imp->tracks[t].description =
					arena_strdup(a, jstr(v, "description"));
			break;
		}
	}
	json_array_foreach(json_object_get(c, "rooms"), i, x) {
		const char *g = jstr(x, "guid"), *slug = jstr(x, "slug");
		uint32_t r, k;

		if (o->venue && g && strcmp(g, o->venue_guid) == 0)
			continue;
		r = imp_room(imp, jtext(imp, x, "name"), slug);
		if (r == PROG_NONE)
			continue;
		if (slug)
			imp->rooms[r].id = arena_strdup(a, slug);
		if (g && strmap_get(o->rooms, g, &k) == 0) {
			const char *title = jstr(json_object_get(rooms, o->room_keys[k]), "title");

			imp->rooms[r].id = arena_strdup(a, o->room_keys[k]);
			if (title) /* the name was made unique; it stays the key */
				imp->rooms[r].title = arena_strdup(a, title);
		}
	}
	json_object_foreach((json_t *)json_object_get(o->ag, "speakers"), key, v) {
		char guid[37];
		uint32_t sp;

		own_guid(imp, o->event_id, "speaker:", key, guid);
		sp = imp_speaker(imp, guid, key, jstr(v, "name"));
		if (jstr(v, "affiliation"))
			imp->speakers[sp].affiliation = arena_strdup(a, jstr(v, "affiliation"));
		if (jstr(v, "bio_url"))
			imp->speakers[sp].bio_url = arena_strdup(a, jstr(v, "bio_url"));
	}
}

static void conference(struct imp *imp, const json_t *schedule, const json_t *c)
{
	struct imp_conference ic = { 0 };
	const json_t *list = json_object_get(c, "days"), *x;
	struct own own = { 0 }, *o = NULL;
	size_t i;

	if (own_check(imp, c, &own)) {
		o = &own;
		imp->own = 1;
	}
	ic.acronym = jtext(imp, c, "acronym");
	ic.title = jtext(imp, c, "title");
	ic.zone = jtext(imp, c, "time_zone_name");
	ic.url = jtext(imp, c, "url");
	ic.base_url = jtext(imp, schedule, "base_url");
	if (!ic.base_url)
		ic.base_url = jtext(imp, c, "base_url");
	ic.timeslot = jtext(imp, c, "timeslot_duration");
	ic.day_change = jtext(imp, c, "day_change");
	if (o) {
		ic.acronym = own.event_id;
		ic.zone = own.zone; /* time_zone_name is left out when its pattern refuses it */
	}
	if (imp_conference(imp, &ic) < 0)
		goto done;
	if (o) {
		own_conference(imp, o, c);
	} else {
		json_array_foreach(json_object_get(c, "tracks"), i, x)
			imp_track(imp, jtext(imp, x, "name"), jtext(imp, x, "slug"));
		json_array_foreach(json_object_get(c, "rooms"), i, x)
			imp_room(imp, jtext(imp, x, "name"), jtext(imp, x, "slug"));
	}
	if (!json_is_array(list))
		imp_error(imp, 0, "schedule.conference has no \"days\" list");
	json_array_foreach(list, i, x)
		day(imp, o, x);
done:
	strmap_free(own.sessions);
	strmap_free(own.rooms);
}

struct programme *import_json(const char *path, const char *data, size_t len, struct diag *d)
{
	struct imp imp;
	struct programme *p = NULL;
	json_error_t err;
	json_t *root, *schedule, *c;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3; /* jansson refuses a byte order mark */
		len -= 3;
	}
	root = json_loadb(data, len, 0, &err);
	if (!root) {
		char at[4096];

		/* "FILE:LINE:COL: ..." as compilers write it. */
		snprintf(at, sizeof(at), "%s:%d", path, err.line);
		if (err.line > 0 && err.column > 0)
			diag_error(d, at, err.column, "%s", err.text);
		else
			diag_error(d, path, err.line, "%s", err.text);
		return NULL;
	}
	imp_init(&imp, path, d);
	schedule = json_object_get(root, "schedule");
	c = json_object_get(schedule, "conference");
	if (!json_is_object(c))
		imp_error(&imp, 0, "not a schedule.json: no \"schedule\": { \"conference\": { ... } }");
	else
		conference(&imp, schedule, c);
	p = imp_finish(&imp);
	imp_done(&imp);
	json_decref(root);
	return p;
}
