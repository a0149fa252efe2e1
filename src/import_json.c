/* C3VOC/frab/pretalx schedule.json (c3voc-schedule.schema.json):
 * schedule.conference with tracks, rooms and days; each day's rooms map
 * a room name to its events.  jansson parses; this walks. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "import_util.h"

/* A member as text: strings as they are, numbers printed (ids are
 * integers in frab and strings elsewhere), anything else NULL. */
static const char *jtext(struct imp *I, const json_t *o, const char *key)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(I->p->arena, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return arena_printf(I->p->arena, "%.17g", json_real_value(v));
	return NULL;
}

static size_t jlen(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

static void people(struct imp *I, const json_t *e, struct prog_session *s)
{
	const json_t *list = json_object_get(e, "persons"), *p;
	size_t i;

	json_array_foreach(list, i, p) {
		struct imp_person pp = { 0 };

		if (json_is_string(p)) { /* some exports list bare names */
			pp.name = json_string_value(p);
		} else {
			pp.guid = jtext(I, p, "guid");
			pp.code = jtext(I, p, "code");
			pp.id = jtext(I, p, "id");
			pp.name = jtext(I, p, "public_name");
			if (!pp.name || !*pp.name)
				pp.name = jtext(I, p, "name");
			pp.role = jtext(I, p, "role");
			pp.url = jtext(I, p, "url");
		}
		imp_person(I, s, &pp);
	}
}

static void documents(struct imp *I, const json_t *e, const char *key, struct prog_session *s)
{
	const json_t *list = json_object_get(e, key), *l;
	size_t i;

	json_array_foreach(list, i, l) {
		if (json_is_string(l))
			imp_document(I, s, NULL, json_string_value(l));
		else
			imp_document(I, s, jtext(I, l, "title"), jtext(I, l, "url"));
	}
}

static void event(struct imp *I, const json_t *e, const char *room_key)
{
	struct imp_event ev = { 0 };
	struct prog_session s;

	if (!json_is_object(e)) {
		imp_warn(I, 0, "day %s, room '%s': an event that is not an object (ignored)", I->day,
			 room_key);
		return;
	}
	ev.guid = jtext(I, e, "guid");
	ev.id = jtext(I, e, "id");
	ev.slug = jtext(I, e, "slug");
	ev.title = jtext(I, e, "title");
	ev.subtitle = jtext(I, e, "subtitle");
	ev.abstract = jtext(I, e, "abstract");
	ev.description = jtext(I, e, "description");
	ev.type = jtext(I, e, "type");
	ev.room = jtext(I, e, "room");
	if (!ev.room || !*ev.room)
		ev.room = room_key; /* the room the day lists it under */
	ev.track = jtext(I, e, "track");
	ev.date = jtext(I, e, "date");
	ev.start = jtext(I, e, "start");
	ev.duration = jtext(I, e, "duration");
	ev.end = jtext(I, e, "end");
	if (imp_session(I, &ev, &s, jlen(e, "persons"),
			jlen(e, "links") + jlen(e, "attachments")) < 0)
		return;
	people(I, e, &s);
	documents(I, e, "links", &s);
	documents(I, e, "attachments", &s);
	imp_add(I, &s);
}

static void day(struct imp *I, const json_t *d)
{
	const json_t *rooms = json_object_get(d, "rooms"), *events;
	const char *name;

	imp_day(I, jtext(I, d, "date"), jtext(I, d, "day_start"), 0);
	if (!json_is_object(rooms)) {
		imp_warn(I, 0, "day %s: no \"rooms\" object", I->day);
		return;
	}
	json_object_foreach((json_t *)rooms, name, events) {
		const json_t *e;
		size_t i;

		imp_room(I, name, NULL);
		json_array_foreach(events, i, e)
			event(I, e, name);
	}
}

static void conference(struct imp *I, const json_t *schedule, const json_t *c)
{
	struct imp_conference ic = { 0 };
	const json_t *list = json_object_get(c, "days"), *x;
	size_t i;

	ic.acronym = jtext(I, c, "acronym");
	ic.title = jtext(I, c, "title");
	ic.zone = jtext(I, c, "time_zone_name");
	ic.url = jtext(I, c, "url");
	ic.base_url = jtext(I, schedule, "base_url");
	if (!ic.base_url)
		ic.base_url = jtext(I, c, "base_url");
	ic.timeslot = jtext(I, c, "timeslot_duration");
	ic.day_change = jtext(I, c, "day_change");
	if (imp_conference(I, &ic) < 0)
		return;
	json_array_foreach(json_object_get(c, "tracks"), i, x)
		imp_track(I, jtext(I, x, "name"), jtext(I, x, "slug"));
	json_array_foreach(json_object_get(c, "rooms"), i, x)
		imp_room(I, jtext(I, x, "name"), jtext(I, x, "slug"));
	if (!json_is_array(list))
		imp_error(I, 0, "schedule.conference has no \"days\" list");
	json_array_foreach(list, i, x)
		day(I, x);
}

struct programme *import_json(const char *path, const char *data, size_t len, struct diag *d)
{
	struct imp I;
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
	imp_init(&I, path, d);
	schedule = json_object_get(root, "schedule");
	c = json_object_get(schedule, "conference");
	if (!json_is_object(c))
		imp_error(&I, 0, "not a schedule.json: no \"schedule\": { \"conference\": { ... } }");
	else
		conference(&I, schedule, c);
	p = imp_finish(&I);
	imp_done(&I);
	json_decref(root);
	return p;
}
