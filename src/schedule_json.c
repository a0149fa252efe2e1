/* schedule.json in the C3VOC shape (c3voc-schedule.schema.json), built
 * with jansson.  Objects keep the order keys are set in (frab's order),
 * so the same programme gives the same bytes.
 *
 * The document carries the whole programme (but e-mail addresses), so
 * that agendad can import its own export and publish the same feeds.
 * What the schema has a place for goes there; the rest goes in ONE
 * extension object, schedule.conference.meta.agendad (meta is free in the
 * schema), version 1:
 *
 *   "agendad": {
 *     "version": 1,
 *     "event":    { "short_title", "location", "url" }   (those set)
 *     "tracks":   { "<track id>":   { "name"?, "description"? } }
 *     "rooms":    { "<room id>":    { "title"? } }
 *     "speakers": { "<speaker id>": { "name"?, "affiliation"?, "bio_url"? } }
 *     "sessions": { "<session id>": { "status"?, "track"?, "affiliations"?, "documents"? } }
 *   }
 *
 * Entries exist only where the standard fields fall short: a track with a
 * description, or whose id is not a slug (then "name" finds it); a room
 * whose id is not a slug or whose name had to be made unique (matched by
 * its guid, uuid5("room:<id>@<event id>")); every speaker, in programme
 * order ("name" and "bio_url" for one in no session; else "bio_url" only
 * when the person's "url" is not it verbatim); a session that is not confirmed
 * ("status": "tentative" | "cancelled"), whose track shares its title with
 * another ("track": its id), whose people have affiliations of
 * their own ("affiliations", parallel to "persons", null for the
 * speaker's), whose documents are not all in "links" verbatim
 * ("documents": all of them, [{"title", "url"?}], in order), or whose id
 * is not its slug (then an empty entry names it; matched by its guid).
 * A URL with an '@' is never written, here neither (url_or_null): such a
 * document or bio_url does not come back whole.
 * Roles go in each person's "role" (Person leaves extra keys open).  The
 * room made up for sessions without one (guid uuid5("room:@<event id>"))
 * is not a room of the programme.  An importer trusts all this only when
 * the guids follow these rules (import_json.c). */
#include "config.h"

#include "schedule.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "strmap.h"
#include "memory.h"

/* What many events repeat is made once and shared: jansson dumps a value
 * with several parents wherever it appears. */
struct jspeaker {
	char *uri;      /* sched_uri(bio_url), or NULL */
	json_t *person; /* its persons entry when without a role; NULL until needed */
};

/* Every event has the same keys in the same order: one object holds
 * them, and each session sets its values in place (jansson keeps a key
 * where it was first set) and is dumped on its own, instead of an object
 * of 18 keys and their strings being built and freed for every session. */
struct jevent {
	json_t *o;
	json_t *guid, *id, *date, *start, *end, *duration, *slug, *url, *title, *type;
	json_t *abstract, *description, *persons, *links; /* o's values */
};

/* A persons entry and its values (url and role NULL when it has none). */
struct jperson {
	json_t *o;
	json_t *guid, *name, *public_name, *slug, *url, *role;
};

struct jctx {
	const struct sched *s; /* read only: the other document may share it */
	struct buf scratch;    /* for sched_text */
	struct jspeaker *sp;   /* parallel to p->speakers */
	json_t **room_names;   /* parallel to s.room_names */
	json_t **track_titles; /* parallel to p->tracks */
	char *title_shared;    /* parallel to p->tracks: another track has its title */
	struct jevent ev;      /* refilled for every session */
	struct jperson *slots; /* its persons with a role: 2 per person a session has */
	uint32_t n_slots;
	size_t *rooms;         /* a day's rooms' first sessions in s.order, and its end */
	struct buf skel;       /* a day without its events, dumped */
	int err;               /* set when jansson ran out of memory */
};

/* Text from the programme, made valid UTF-8 by sched_text: jansson need
 * not check it again. */
static json_t *jstr(struct jctx *j, const char *text)
{
	return json_string_nocheck(sched_text(text, &j->scratch));
}

/* ASCII that agendad makes: guids, times, slugs that matched a pattern. */
static json_t *jascii(const char *text)
{
	return json_string_nocheck(text);
}

/* jansson frees v when setting fails, and a NULL v (out of memory) fails.
 * key is a literal here; set_key is for keys from the programme. */
static void set(struct jctx *j, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new_nocheck(o, key, v) < 0)
		j->err = 1;
}

static void set_key(struct jctx *j, json_t *o, const char *key, json_t *v)
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

/* v, which o now holds (check j->err before using it). */
static json_t *keep(struct jctx *j, json_t *o, const char *key, json_t *v)
{
	set(j, o, key, v);
	return v;
}

/* v's text becomes text, which is valid UTF-8. */
static void put_text(struct jctx *j, json_t *v, const char *text)
{
	if (!text || json_string_set_nocheck(v, text) < 0)
		j->err = 1;
}

/* put_text of text from the programme (see jstr). */
static void put_prog(struct jctx *j, json_t *v, const char *text)
{
	put_text(j, v, sched_text(text, &j->scratch));
}

/* put_prog of a malloc'd (or NULL) text, which it frees. */
static void put_take(struct jctx *j, json_t *v, char *text)
{
	if (text)
		put_prog(j, v, text);
	else
		j->err = 1;
	free(text);
}

/* text (from the programme) as o's key: in place when *v, the value,
 * is there already, else set and kept in *v. */
static void field(struct jctx *j, json_t *o, json_t **v, const char *key, const char *text)
{
	if (*v)
		put_prog(j, *v, text);
	else
		*v = keep(j, o, key, jstr(j, text));
}

/* Fills e with speaker i's persons entry: in place when it has the
 * same keys already, else made anew.  Returns e->o. */
static json_t *fill_person(struct jctx *j, struct jperson *e, uint32_t i, const char *role)
{
	const struct prog_speaker *sp = &j->s->p->speakers[i];
	const char *uri = j->sp[i].uri;

	if (!e->o || !e->url != !uri || !e->role != !role) {
		json_decref(e->o);
		*e = (struct jperson){ .o = json_object() };
	}
	/* pretalx's shape (name, no integer id): Person is oneOf frab's
	 * {public_name, id} and pretalx's {name}, and we have no integer id.
	 * public_name too, for clients that read only that.  The speaker's
	 * id goes in "slug", a key Person leaves open.  Never the e-mail. */
	field(j, e->o, &e->guid, "guid", j->s->speaker_guids[i]);
	field(j, e->o, &e->name, "name", sp->name);
	field(j, e->o, &e->public_name, "public_name", sp->name);
	field(j, e->o, &e->slug, "slug", sp->id);
	if (uri)
		field(j, e->o, &e->url, "url", uri);
	if (role)
		field(j, e->o, &e->role, "role", role);
	return e->o;
}

/* A speaker's entry without a role is made once and shared; the k-th
 * with a role is the event's own, refilled for the next event (which
 * clears the persons that held it first) in one of two slots: those of
 * speakers with a url have one more key. */
static json_t *person(struct jctx *j, const struct prog_person *pp, uint32_t k)
{
	struct jspeaker *js = &j->sp[pp->speaker];
	struct jperson made = { 0 };

	if (pp->role)
		return json_incref(fill_person(j, &j->slots[2 * k + !!js->uri], pp->speaker,
					       pp->role));
	if (!js->person)
		js->person = fill_person(j, &made, pp->speaker, NULL);
	return json_incref(js->person);
}

static void persons(struct jctx *j, json_t *a, const struct prog_session *ps)
{
	for (uint32_t k = 0; k < ps->n_people; k++)
		push(j, a, person(j, &ps->people[k], k));
}

/* Documents with a URL; the others are in the abstract and in meta. */
static void links(struct jctx *j, json_t *a, const struct prog_session *ps)
{
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
}

/* The abstract: the people with their roles and affiliations, and the
 * documents that have no usable link, as render_description says them.
 * Such documents are named by title only: their URL is not one to open
 * (javascript:, mailto: with an address...).
 * The description is the session's own text, as a frab app shows the
 * persons list beside it; but roles and affiliations are much of what a
 * programme like the shipped one prints, and a plain frab app has no
 * other field that shows them.  Never NULL. */
static char *people_text(const struct programme *p, const struct prog_session *ps)
{
	struct prog_session copy = *ps;
	struct prog_document *docs = xcalloc(ps->n_docs + 1, sizeof(*docs));
	char *text;

	copy.description = NULL;
	copy.docs = docs;
	copy.n_docs = 0;
	for (uint32_t k = 0; k < ps->n_docs; k++) {
		char *url = ps->docs[k].url ? sched_uri(ps->docs[k].url) : NULL;

		if (!url)
			docs[copy.n_docs++] = (struct prog_document){ ps->docs[k].title, NULL };
		free(url);
	}
	text = render_description(p, &copy);
	free(docs);
	return text ? text : xstrdup("");
}

/* Compact: conference apps parse it, and at 100,000 sessions the
 * indentation alone is 30 MB. */
#define FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* jansson hands its dump callback every token apart (a quote, a key, a
 * colon...): over two million calls at 10,000 sessions, each of which
 * cost a call of the sink.  They are gathered here and reach the sink in
 * large pieces. */
#define OUT_SIZE 65536

struct out {
	sched_sink sink;
	void *ctx;
	char *buf; /* OUT_SIZE bytes */
	size_t len;
	int rc; /* -1 once the sink gave up */
};

static int out_flush(struct out *o)
{
	if (o->rc == 0 && o->len)
		o->rc = o->sink(o->ctx, o->buf, o->len);
	o->len = 0;
	return o->rc;
}

static int out_add(struct out *o, const char *data, size_t len)
{
	if (o->len + len > OUT_SIZE)
		out_flush(o);
	if (o->rc == 0 && len > OUT_SIZE)
		o->rc = o->sink(o->ctx, data, len);
	else if (o->rc == 0) {
		memcpy(o->buf + o->len, data, len);
		o->len += len;
	}
	return o->rc;
}

static int to_out(const char *data, size_t len, void *o)
{
	return out_add(o, data, len);
}

static int to_buf(const char *data, size_t len, void *out)
{
	buf_add(out, data, len);
	return 0;
}

/* --- events ------------------------------------------------------------------------ */

/* NULL when memory runs out. */
static json_t *jevent_new(struct jctx *j, struct jevent *e)
{
	json_t *o = e->o = json_object();

	e->guid = keep(j, o, "guid", jascii(""));
	e->id = keep(j, o, "id", json_integer(0));
	e->date = keep(j, o, "date", jascii(""));
	e->start = keep(j, o, "start", jascii(""));
	e->end = keep(j, o, "end", jascii(""));
	e->duration = keep(j, o, "duration", jascii(""));
	set(j, o, "room", json_null());
	e->slug = keep(j, o, "slug", jascii(""));
	e->url = keep(j, o, "url", jascii(""));
	e->title = keep(j, o, "title", jascii(""));
	set(j, o, "subtitle", jascii(""));
	set(j, o, "track", json_null());
	e->type = keep(j, o, "type", jascii(""));
	set(j, o, "language", json_null()); /* the programme does not say */
	e->abstract = keep(j, o, "abstract", jascii(""));
	e->description = keep(j, o, "description", jascii(""));
	e->persons = keep(j, o, "persons", json_array());
	e->links = keep(j, o, "links", json_array());
	return j->err ? NULL : o;
}

static void event_times(struct jctx *j, struct jevent *e, const struct prog_session *ps)
{
	char date[48], end[48], start[8], dur[32];

	sched_datetime(ps->start, &ps->start_local, date);
	sched_datetime(ps->end, &ps->end_local, end);
	sched_hhmm(&ps->start_local, start);
	sched_duration(ps, 1000000, dur); /* the schema's Duration has no limit */
	put_text(j, e->date, date);
	put_text(j, e->start, start);
	put_text(j, e->end, end);
	put_text(j, e->duration, dur);
}

/* Sets e's values to session i's. */
static void event(struct jctx *j, struct jevent *e, uint32_t i)
{
	const struct programme *p = j->s->p;
	const struct prog_session *ps = &p->sessions[i];
	const struct sched_item *it = &j->s->items[i];

	put_text(j, e->guid, it->guid);
	if (json_integer_set(e->id, it->number) < 0)
		j->err = 1;
	event_times(j, e, ps);
	set(j, e->o, "room", json_incref(j->room_names[sched_room(j->s, ps)]));
	put_text(j, e->slug, it->slug);
	put_take(j, e->url, sched_session_url(j->s, ps));
	put_take(j, e->title, sched_title(ps));
	set(j, e->o, "track",
	    ps->track == PROG_NONE ? json_null() : json_incref(j->track_titles[ps->track]));
	put_prog(j, e->type, ps->kind);
	put_take(j, e->abstract, people_text(p, ps));
	put_prog(j, e->description, ps->description ? ps->description : "");
	json_array_clear(e->persons);
	persons(j, e->persons, ps);
	json_array_clear(e->links);
	links(j, e->links, ps);
}

/* --- days --------------------------------------------------------------------------- */

/* What is dumped apart is left out of a tree as a string of this text
 * (a "hole"), and dumped in its place: the document's days, and each
 * day's lists of events (one per room).  Memory then holds one event's
 * tree, not the whole programme's (at 100,000 sessions, gigabytes of
 * jansson objects).  Text never contains the marker: sched_text drops
 * control characters. */
#define HOLE "\001" "hole" "\001"
#define HOLE_DUMPED "\"\\u0001hole\\u0001\""

/* Fills hole number i (in the order the tree dumps them). */
typedef int (*fill_fn)(struct jctx *j, struct out *out, size_t i);

/* Dumps o into out through skel (scratch space), with fill writing
 * what belongs in each of its n holes. */
static int dump_holes(struct jctx *j, json_t *o, struct buf *skel, struct out *out, size_t n,
		      fill_fn fill)
{
	const char *at, *hole;
	size_t i = 0;
	int rc = 0;

	skel->len = 0;
	if (!o || j->err || json_dump_callback(o, to_buf, skel, FLAGS) < 0 || !skel->data)
		return -1;
	for (at = skel->data; rc == 0 && (hole = strstr(at, HOLE_DUMPED)); i++) {
		rc = out_add(out, at, (size_t)(hole - at));
		if (rc == 0)
			rc = i < n ? fill(j, out, i) : -1;
		at = hole + strlen(HOLE_DUMPED);
	}
	if (rc == 0 && i != n)
		return -1;
	return rc == 0 ? out_add(out, at, strlen(at)) : rc;
}

/* Hole i of a day: the events of its i-th room, order[rooms[i]] on. */
static int fill_room(struct jctx *j, struct out *out, size_t i)
{
	int rc = out_add(out, "[", 1);

	for (size_t k = j->rooms[i]; k < j->rooms[i + 1] && rc == 0; k++) {
		if (k > j->rooms[i])
			rc = out_add(out, ",", 1);
		event(j, &j->ev, j->s->order[k]);
		if (rc == 0)
			rc = j->err ? -1 : json_dump_callback(j->ev.o, to_out, out, FLAGS);
	}
	return rc == 0 ? out_add(out, "]", 1) : rc;
}

/* One day: its rooms (those with sessions that day, in programme order),
 * each with its sessions by start; k walks s.order, and j->rooms says
 * where each of its n rooms' sessions begin there. */
static json_t *day(struct jctx *j, uint32_t d, size_t *k, size_t *n)
{
	const struct programme *p = j->s->p;
	const struct sched_day *sd = &j->s->days[d];
	json_t *o = json_object(), *rooms = json_object();
	char t[48];

	set(j, o, "index", json_integer(d + 1));
	set(j, o, "date", json_string(p->days[d].date));
	sched_datetime(sd->first->start, &sd->first->start_local, t);
	set(j, o, "day_start", json_string(t));
	sched_datetime(sd->last->end, &sd->last->end_local, t);
	set(j, o, "day_end", json_string(t));
	while (*k < p->n_sessions && p->sessions[j->s->order[*k]].day == d) {
		uint32_t room = sched_room(j->s, &p->sessions[j->s->order[*k]]);

		j->rooms[(*n)++] = *k;
		for (; *k < p->n_sessions && p->sessions[j->s->order[*k]].day == d &&
		       sched_room(j->s, &p->sessions[j->s->order[*k]]) == room;
		     ++*k)
			;
		set_key(j, rooms, j->s->room_names[room], json_string_nocheck(HOLE));
	}
	j->rooms[*n] = *k;
	set(j, o, "rooms", rooms);
	return o;
}

static json_t *tracks(struct jctx *j)
{
	json_t *a = json_array();

	for (size_t i = 0; i < j->s->p->n_tracks; i++) {
		const struct prog_track *t = &j->s->p->tracks[i];
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
	const char *id = r < j->s->p->n_rooms ? j->s->p->rooms[r].id : NULL;

	set(j, o, "name", json_string(j->s->room_names[r]));
	set(j, o, "guid", json_string(j->s->room_guids[r]));
	if (id && sched_is_json_slug(id))
		set(j, o, "slug", json_string(id));
	return o;
}

static json_t *rooms(struct jctx *j)
{
	json_t *a = json_array();

	for (size_t r = 0; r < j->s->p->n_rooms; r++)
		push(j, a, room(j, r));
	if (j->s->room_used_fallback)
		push(j, a, room(j, j->s->p->n_rooms));
	return a;
}

/* The conference's public page, else the daemon's. */
static json_t *conference_url(struct jctx *j)
{
	char *url = j->s->p->event.url ? sched_uri(j->s->p->event.url) : NULL;
	struct buf b = { 0 };

	if (url)
		return jtake(j, url);
	buf_printf(&b, "%s/", j->s->c->base_url);
	return jtake(j, buf_steal(&b, NULL));
}

static void conference_dates(struct jctx *j, json_t *o)
{
	const struct programme *p = j->s->p;

	set(j, o, "start", p->n_days ? json_string(p->days[0].date) : json_string(""));
	set(j, o, "end", p->n_days ? json_string(p->days[p->n_days - 1].date) : json_string(""));
	set(j, o, "daysCount", json_integer((json_int_t)p->n_days));
}

/* --- meta.agendad (see the top of this file) ------------------------------------ */

static void set_text(struct jctx *j, json_t *o, const char *key, const char *text)
{
	if (text)
		set(j, o, key, jstr(j, text));
}

/* An object, or NULL (freed) when it stayed empty. */
static json_t *unless_empty(json_t *o)
{
	if (o && json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void set_if(struct jctx *j, json_t *o, const char *key, json_t *v)
{
	if (v)
		set(j, o, key, v);
}

/* A URL that may be written down as it is: none with an '@', which
 * could be an e-mail address (mailto:, or userinfo that reads like one),
 * and the document never holds those.  Such a URL is left out of
 * meta.agendad too: the importer then gets the document without it. */
static const char *url_or_null(const char *url)
{
	return url && !strchr(url, '@') ? url : NULL;
}

/* True when url travels in the document exactly as it is. */
static int url_verbatim(const char *url)
{
	char *u = url ? sched_uri(url) : NULL;
	int same = u && strcmp(u, url) == 0;

	free(u);
	return same;
}

static json_t *meta_event(struct jctx *j)
{
	const struct prog_event *e = &j->s->p->event;
	json_t *o = json_object();

	set_text(j, o, "short_title", e->short_title);
	set_text(j, o, "location", e->location);
	/* conference.url falls back on the daemon's page: only this says
	 * whether the programme has a url of its own. */
	set_text(j, o, "url", url_or_null(e->url));
	return unless_empty(o);
}

static json_t *meta_tracks(struct jctx *j)
{
	json_t *all = json_object();

	for (size_t i = 0; i < j->s->p->n_tracks; i++) {
		const struct prog_track *t = &j->s->p->tracks[i];
		json_t *o = json_object();

		if (!sched_is_json_slug(t->id))
			set_text(j, o, "name", t->title);
		set_text(j, o, "description", t->description);
		o = unless_empty(o);
		if (o)
			set_key(j, all, t->id, o);
	}
	return unless_empty(all);
}

static json_t *meta_rooms(struct jctx *j)
{
	json_t *all = json_object();

	for (size_t i = 0; i < j->s->p->n_rooms; i++) {
		const struct prog_room *r = &j->s->p->rooms[i];
		json_t *o = json_object();

		if (strcmp(j->s->room_names[i], r->title) != 0)
			set_text(j, o, "title", r->title);
		if (json_object_size(o) || !sched_is_json_slug(r->id))
			set_key(j, all, r->id, o);
		else
			json_decref(o);
	}
	return unless_empty(all);
}

/* Every speaker, so that the importer keeps their order (the order of
 * the speaker feeds and of the index page). */
static json_t *meta_speakers(struct jctx *j)
{
	const struct programme *p = j->s->p;
	json_t *all = json_object();
	char *used = xcalloc(p->n_speakers + 1, 1);

	for (size_t i = 0; i < p->n_sessions; i++)
		for (uint32_t k = 0; k < p->sessions[i].n_people; k++)
			used[p->sessions[i].people[k].speaker] = 1;
	for (size_t i = 0; i < p->n_speakers; i++) {
		const struct prog_speaker *sp = &p->speakers[i];
		json_t *o = json_object();

		if (!used[i]) /* else its persons entries name it */
			set_text(j, o, "name", sp->name);
		set_text(j, o, "affiliation", sp->affiliation);
		if (sp->bio_url && (!used[i] || !j->sp[i].uri || strcmp(j->sp[i].uri, sp->bio_url)))
			set_text(j, o, "bio_url", url_or_null(sp->bio_url));
		set_key(j, all, sp->id, o);
	}
	free(used);
	return unless_empty(all);
}

static json_t *meta_affiliations(struct jctx *j, const struct prog_session *ps)
{
	json_t *a = json_array();
	int any = 0;

	for (uint32_t k = 0; k < ps->n_people; k++) {
		const char *aff = ps->people[k].affiliation;

		any |= aff != NULL;
		push(j, a, aff ? jstr(j, aff) : json_null());
	}
	if (!any) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* All the documents when "links" cannot say them: one has no usable URL,
 * or its URL had to be encoded. */
static json_t *meta_documents(struct jctx *j, const struct prog_session *ps)
{
	json_t *a;
	int all_links = 1;

	for (uint32_t k = 0; k < ps->n_docs; k++)
		all_links &= url_verbatim(ps->docs[k].url);
	if (all_links)
		return NULL;
	a = json_array();
	for (uint32_t k = 0; k < ps->n_docs; k++) {
		json_t *o = json_object();

		set_text(j, o, "title", ps->docs[k].title);
		set_text(j, o, "url", url_or_null(ps->docs[k].url));
		push(j, a, o);
	}
	return a;
}

static json_t *meta_sessions(struct jctx *j)
{
	const struct programme *p = j->s->p;
	json_t *all = json_object();

	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *ps = &p->sessions[i];
		json_t *o = json_object();

		if (ps->status == PROG_TENTATIVE)
			set(j, o, "status", json_string("tentative"));
		else if (ps->status == PROG_CANCELLED)
			set(j, o, "status", json_string("cancelled"));
		if (ps->track != PROG_NONE && j->title_shared[ps->track])
			set(j, o, "track", jstr(j, p->tracks[ps->track].id));
		set_if(j, o, "affiliations", meta_affiliations(j, ps));
		set_if(j, o, "documents", meta_documents(j, ps));
		/* A session whose slug is not its id is found by its guid. */
		if (json_object_size(o) || j->s->items[i].slug != ps->id)
			set_key(j, all, ps->id, o);
		else
			json_decref(o);
	}
	return unless_empty(all);
}

static json_t *meta_agendad(struct jctx *j)
{
	json_t *o = json_object();

	set(j, o, "version", json_integer(1));
	set_if(j, o, "event", meta_event(j));
	set_if(j, o, "tracks", meta_tracks(j));
	set_if(j, o, "rooms", meta_rooms(j));
	set_if(j, o, "speakers", meta_speakers(j));
	set_if(j, o, "sessions", meta_sessions(j));
	return o;
}

static json_t *conference(struct jctx *j)
{
	const struct programme *p = j->s->p;
	json_t *o = json_object(), *meta = json_object();

	set(j, o, "acronym", json_string(j->s->acronym));
	set(j, o, "title", jstr(j, p->event.title));
	if (p->event.description)
		set(j, o, "description", jstr(j, p->event.description));
	conference_dates(j, o);
	set(j, o, "timeslot_duration", json_string("00:05"));
	if (j->s->tz_json)
		set(j, o, "time_zone_name", json_string(j->s->tz_json));
	set(j, o, "url", conference_url(j));
	set(j, o, "tracks", tracks(j));
	set(j, o, "rooms", rooms(j));
	/* The acronym is the event id bent to its pattern; the id itself
	 * (which session and speaker guids are made from) goes in meta. */
	set(j, meta, "event_id", jstr(j, p->event.id));
	set(j, meta, "time_zone_name", jstr(j, tz_name(p->tz)));
	set(j, meta, "agendad", meta_agendad(j));
	set(j, o, "meta", meta);
	set(j, o, "days", json_string_nocheck(HOLE));
	return o;
}

static json_t *document(struct jctx *j)
{
	json_t *root = json_object(), *gen = json_object(), *sch = json_object();
	struct buf base = { 0 };

	buf_printf(&base, "%s/", j->s->c->base_url);
	set(j, root, "$schema", json_string("https://c3voc.de/schedule/schema.json"));
	set(j, gen, "name", json_string("agendad"));
	set(j, gen, "version", json_string(PACKAGE_VERSION));
	set(j, root, "generator", gen);
	set(j, sch, "version", json_string(j->s->version));
	set(j, sch, "base_url", jtake(j, buf_steal(&base, NULL)));
	set(j, sch, "conference", conference(j));
	set(j, root, "schedule", sch);
	return root;
}

/* The document's hole: every day, each dumped around its events. */
static int fill_days(struct jctx *j, struct out *out, size_t i)
{
	size_t k = 0;
	int rc = out_add(out, "[", 1);

	(void)i; /* the only one */
	for (uint32_t d = 0; d < j->s->p->n_days && rc == 0; d++) {
		size_t n = 0;
		json_t *o = day(j, d, &k, &n);

		if (d)
			rc = out_add(out, ",", 1);
		if (rc == 0)
			rc = dump_holes(j, o, &j->skel, out, n, fill_room);
		json_decref(o);
	}
	return rc == 0 ? out_add(out, "]", 1) : rc;
}

/* Which tracks share their title with another: "track" cannot tell
 * those apart, so meta names their id. */
static char *shared_titles(const struct programme *p)
{
	char *shared = xcalloc(p->n_tracks + 1, 1);
	struct strmap *seen = strmap_new(p->n_tracks);
	uint32_t first;

	for (uint32_t t = 0; t < p->n_tracks; t++)
		if (strmap_put(seen, p->tracks[t].title, t, &first) == -EEXIST)
			shared[t] = shared[first] = 1;
	strmap_free(seen);
	return shared;
}

/* The shared values (struct jspeaker and the names); 0, or -1 when
 * jansson cannot make the event template. */
static int shared_init(struct jctx *j)
{
	const struct programme *p = j->s->p;

	j->sp = xcalloc(p->n_speakers + 1, sizeof(*j->sp));
	j->room_names = xcalloc(p->n_rooms + 1, sizeof(*j->room_names));
	j->track_titles = xcalloc(p->n_tracks + 1, sizeof(*j->track_titles));
	j->title_shared = shared_titles(p);
	j->rooms = xmalloc((p->n_rooms + 2) * sizeof(*j->rooms));
	for (size_t i = 0; i < p->n_sessions; i++)
		if (p->sessions[i].n_people > j->n_slots)
			j->n_slots = p->sessions[i].n_people;
	j->n_slots *= 2;
	j->slots = xcalloc(j->n_slots + 1, sizeof(*j->slots));
	if (!jevent_new(j, &j->ev))
		return -1;
	for (size_t i = 0; i < p->n_speakers; i++)
		if (p->speakers[i].bio_url)
			j->sp[i].uri = sched_uri(p->speakers[i].bio_url);
	/* Checked: a made-up name may hold an id as it is (unique_name). */
	for (size_t r = 0; r <= p->n_rooms; r++)
		j->room_names[r] = json_string(j->s->room_names[r]);
	for (size_t t = 0; t < p->n_tracks; t++)
		j->track_titles[t] = jstr(j, p->tracks[t].title);
	return 0;
}

static void shared_free(struct jctx *j)
{
	const struct programme *p = j->s->p;

	for (size_t i = 0; j->sp && i < p->n_speakers; i++) {
		free(j->sp[i].uri);
		json_decref(j->sp[i].person);
	}
	for (size_t r = 0; j->room_names && r <= p->n_rooms; r++)
		json_decref(j->room_names[r]);
	for (size_t t = 0; j->track_titles && t < p->n_tracks; t++)
		json_decref(j->track_titles[t]);
	free(j->sp);
	free(j->room_names);
	free(j->track_titles);
	free(j->title_shared);
	json_decref(j->ev.o);
	for (uint32_t k = 0; j->slots && k < j->n_slots; k++)
		json_decref(j->slots[k].o);
	free(j->slots);
	free(j->rooms);
	buf_free(&j->skel);
}

int schedule_json_from(const struct sched *s, sched_sink sink, void *ctx)
{
	struct jctx j = { .s = s };
	struct buf skel = { 0 };
	struct out out = { sink, ctx, xmalloc(OUT_SIZE), 0, 0 };
	json_t *root = NULL;
	int rc = -1;

	if (shared_init(&j) == 0)
		root = document(&j);
	if (root && !j.err)
		rc = dump_holes(&j, root, &skel, &out, 1, fill_days);
	if (rc == 0)
		rc = out_add(&out, "\n", 1);
	if (rc == 0)
		rc = out_flush(&out);
	json_decref(root);
	buf_free(&skel);
	buf_free(&j.scratch);
	free(out.buf);
	shared_free(&j);
	return rc;
}

int schedule_json_to(const struct programme *p, const struct conf *c, sched_sink sink, void *ctx)
{
	return sched_build(schedule_json_from, p, c, sink, ctx);
}

int schedule_json(const struct programme *p, const struct conf *c, struct buf *out)
{
	return sched_keep_whole(schedule_json_to, p, c, out);
}
