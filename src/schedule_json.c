/* schedule.json in the C3VOC shape (c3voc-schedule.schema.json), built
 * with jansson.  Objects keep the order keys are set in (frab's order),
 * so the same programme gives the same bytes. */
#include "config.h"

#include "schedule.h"

#include <jansson.h>
#include <stdlib.h>

#include "render.h"

struct jctx {
	struct sched s;
	struct buf scratch; /* for sched_text */
	int err;            /* set when jansson ran out of memory */
};

static json_t *jstr(struct jctx *j, const char *text)
{
	return json_string(sched_text(text, &j->scratch));
}

/* jansson frees v when setting fails, and a NULL v (out of memory) fails. */
static void set(struct jctx *j, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) < 0)
		j->err = 1;
}

static void push(struct jctx *j, json_t *a, json_t *v)
{
	if (json_array_append_new(a, v) < 0)
		j->err = 1;
}

/* The string a malloc'd (or NULL) value becomes; frees it. */
static json_t *jtake(struct jctx *j, char *text)
{
	json_t *v = text ? jstr(j, text) : NULL;

	free(text);
	return v;
}

static json_t *person(struct jctx *j, const struct prog_person *pp)
{
	const struct prog_speaker *sp = &j->s.p->speakers[pp->speaker];
	json_t *o = json_object();
	char guid[37];
	char *url = sp->bio_url ? sched_uri(sp->bio_url) : NULL;
	struct buf name = { 0 };

	buf_printf(&name, "speaker:%s@%s", sp->id, j->s.p->event.id);
	schedule_uuid5(name.data, guid);
	buf_free(&name);
	/* pretalx's shape (name, no integer id): Person is oneOf frab's
	 * {public_name, id} and pretalx's {name}, and we have no integer id.
	 * public_name too, for clients that read only that.  The speaker's
	 * id goes in "slug", a key Person leaves open.  Never the e-mail. */
	set(j, o, "guid", json_string(guid));
	set(j, o, "name", jstr(j, sp->name));
	set(j, o, "public_name", jstr(j, sp->name));
	set(j, o, "slug", jstr(j, sp->id));
	if (url)
		set(j, o, "url", jtake(j, url));
	return o;
}

static json_t *persons(struct jctx *j, const struct prog_session *ps)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < ps->n_people; k++)
		push(j, a, person(j, &ps->people[k]));
	return a;
}

/* Documents with a URL; the others are in the description (render.c). */
static json_t *links(struct jctx *j, const struct prog_session *ps)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < ps->n_docs; k++) {
		char *url = ps->docs[k].url ? sched_uri(ps->docs[k].url) : NULL;
		json_t *o;

		if (!url)
			continue;
		o = json_object();
		set(j, o, "url", jtake(j, url));
		set(j, o, "title", jstr(j, ps->docs[k].title));
		push(j, a, o);
	}
	return a;
}

static void event_times(struct jctx *j, json_t *o, const struct prog_session *ps)
{
	char date[48], end[48], start[8], dur[32];

	sched_datetime(ps->start, &ps->start_local, date);
	sched_datetime(ps->end, &ps->end_local, end);
	snprintf(start, sizeof(start), "%02d:%02d", ps->start_local.hour, ps->start_local.min);
	sched_duration(ps, 1000000, dur); /* the schema's Duration has no limit */
	set(j, o, "date", json_string(date));
	set(j, o, "start", json_string(start));
	set(j, o, "end", json_string(end));
	set(j, o, "duration", json_string(dur));
}

static json_t *event(struct jctx *j, uint32_t i)
{
	const struct programme *p = j->s.p;
	const struct prog_session *ps = &p->sessions[i];
	const struct sched_item *it = &j->s.items[i];
	json_t *o = json_object();
	char *desc = render_description(p, ps);

	set(j, o, "guid", json_string(it->guid));
	set(j, o, "id", json_integer(it->number));
	event_times(j, o, ps);
	set(j, o, "room", json_string(j->s.room_names[sched_room(&j->s, ps)]));
	set(j, o, "slug", json_string(it->slug));
	set(j, o, "url", jtake(j, sched_session_url(&j->s, ps)));
	set(j, o, "title", jtake(j, sched_title(ps)));
	set(j, o, "subtitle", json_string(""));
	set(j, o, "track", ps->track == PROG_NONE ? json_null() : jstr(j, p->tracks[ps->track].title));
	set(j, o, "type", jstr(j, ps->kind));
	set(j, o, "language", json_null()); /* the programme does not say */
	set(j, o, "abstract", json_string(""));
	set(j, o, "description", desc ? jtake(j, desc) : json_string(""));
	set(j, o, "persons", persons(j, ps));
	set(j, o, "links", links(j, ps));
	return o;
}

/* One day: its rooms (those with sessions that day, in programme order),
 * each with its sessions by start; k walks s.order. */
static json_t *day(struct jctx *j, uint32_t d, size_t *k)
{
	const struct programme *p = j->s.p;
	const struct sched_day *sd = &j->s.days[d];
	json_t *o = json_object(), *rooms = json_object();
	char t[48];

	set(j, o, "index", json_integer(d + 1));
	set(j, o, "date", json_string(p->days[d].date));
	sched_datetime(sd->first->start, &sd->first->start_local, t);
	set(j, o, "day_start", json_string(t));
	sched_datetime(sd->last->end, &sd->last->end_local, t);
	set(j, o, "day_end", json_string(t));
	while (*k < p->n_sessions && p->sessions[j->s.order[*k]].day == d) {
		uint32_t room = sched_room(&j->s, &p->sessions[j->s.order[*k]]);
		json_t *a = json_array();

		for (; *k < p->n_sessions && p->sessions[j->s.order[*k]].day == d &&
		       sched_room(&j->s, &p->sessions[j->s.order[*k]]) == room;
		     ++*k)
			push(j, a, event(j, j->s.order[*k]));
		set(j, rooms, j->s.room_names[room], a);
	}
	set(j, o, "rooms", rooms);
	return o;
}

static json_t *tracks(struct jctx *j)
{
	json_t *a = json_array();

	for (size_t i = 0; i < j->s.p->n_tracks; i++) {
		const struct prog_track *t = &j->s.p->tracks[i];
		json_t *o = json_object();

		set(j, o, "name", jstr(j, t->title));
		if (sched_is_json_slug(t->id))
			set(j, o, "slug", json_string(t->id));
		push(j, a, o);
	}
	return a;
}

static json_t *room(struct jctx *j, size_t r)
{
	json_t *o = json_object();
	const char *id = r < j->s.p->n_rooms ? j->s.p->rooms[r].id : NULL;

	set(j, o, "name", json_string(j->s.room_names[r]));
	set(j, o, "guid", json_string(j->s.room_guids[r]));
	if (id && sched_is_json_slug(id))
		set(j, o, "slug", json_string(id));
	return o;
}

static json_t *rooms(struct jctx *j)
{
	json_t *a = json_array();

	for (size_t r = 0; r < j->s.p->n_rooms; r++)
		push(j, a, room(j, r));
	if (j->s.room_used_fallback)
		push(j, a, room(j, j->s.p->n_rooms));
	return a;
}

/* The conference's public page, else the daemon's. */
static json_t *conference_url(struct jctx *j)
{
	char *url = j->s.p->event.url ? sched_uri(j->s.p->event.url) : NULL;
	struct buf b = { 0 };

	if (url)
		return jtake(j, url);
	buf_printf(&b, "%s/", j->s.c->base_url);
	return jtake(j, buf_steal(&b, NULL));
}

static void conference_dates(struct jctx *j, json_t *o)
{
	const struct programme *p = j->s.p;

	set(j, o, "start", p->n_days ? json_string(p->days[0].date) : json_string(""));
	set(j, o, "end", p->n_days ? json_string(p->days[p->n_days - 1].date) : json_string(""));
	set(j, o, "daysCount", json_integer((json_int_t)p->n_days));
}

static json_t *conference(struct jctx *j)
{
	const struct programme *p = j->s.p;
	json_t *o = json_object(), *days = json_array(), *meta = json_object();
	size_t k = 0;

	set(j, o, "acronym", json_string(j->s.acronym));
	set(j, o, "title", jstr(j, p->event.title));
	if (p->event.description)
		set(j, o, "description", jstr(j, p->event.description));
	conference_dates(j, o);
	set(j, o, "timeslot_duration", json_string("00:05"));
	if (j->s.tz_json)
		set(j, o, "time_zone_name", json_string(j->s.tz_json));
	set(j, o, "url", conference_url(j));
	set(j, o, "tracks", tracks(j));
	set(j, o, "rooms", rooms(j));
	/* The acronym is the event id bent to its pattern; the id itself
	 * (which session and speaker guids are made from) goes in meta. */
	set(j, meta, "event_id", jstr(j, p->event.id));
	set(j, meta, "time_zone_name", jstr(j, tz_name(p->tz)));
	set(j, o, "meta", meta);
	for (uint32_t d = 0; d < p->n_days; d++)
		push(j, days, day(j, d, &k));
	set(j, o, "days", days);
	return o;
}

static json_t *document(struct jctx *j)
{
	json_t *root = json_object(), *gen = json_object(), *sch = json_object();
	struct buf base = { 0 };

	buf_printf(&base, "%s/", j->s.c->base_url);
	set(j, root, "$schema", json_string("https://c3voc.de/schedule/schema.json"));
	set(j, gen, "name", json_string("agendad"));
	set(j, gen, "version", json_string(PACKAGE_VERSION));
	set(j, root, "generator", gen);
	set(j, sch, "version", json_string(j->s.version));
	set(j, sch, "base_url", jtake(j, buf_steal(&base, NULL)));
	set(j, sch, "conference", conference(j));
	set(j, root, "schedule", sch);
	return root;
}

static int to_buf(const char *data, size_t len, void *out)
{
	buf_add(out, data, len);
	return 0;
}

int schedule_json(const struct programme *p, const struct conf *c, struct buf *out)
{
	struct jctx j = { 0 };
	json_t *root;
	int rc = -1;

	if (sched_init(&j.s, p, c) < 0)
		return -1;
	root = document(&j);
	if (root && !j.err &&
	    json_dump_callback(root, to_buf, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0) {
		buf_add(out, "\n", 1);
		rc = 0;
	}
	json_decref(root);
	buf_free(&j.scratch);
	sched_free(&j.s);
	return rc;
}
