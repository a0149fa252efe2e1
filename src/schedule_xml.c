/* schedule.xml in the frab/pentabarf shape (c3voc-schedule.xml.xsd),
 * written with libxml2's xmlTextWriter, which does the escaping. */
#include "config.h"

#include "schedule.h"

#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

struct xctx {
	const struct sched *s; /* read only: the other document may share it */
	xmlTextWriterPtr w;
	struct buf scratch; /* for sched_text */
	int err;            /* set when a write failed (out of memory) */
};

#define X(s) ((const xmlChar *)(s))

static void check(struct xctx *x, int rc)
{
	if (rc < 0)
		x->err = 1;
}

static void element_open(struct xctx *x, const char *name)
{
	check(x, xmlTextWriterStartElement(x->w, X(name)));
}

static void element_close(struct xctx *x)
{
	check(x, xmlTextWriterEndElement(x->w));
}

static void attr(struct xctx *x, const char *name, const char *value)
{
	check(x, xmlTextWriterWriteAttribute(x->w, X(name), X(sched_text(value, &x->scratch))));
}

static void text(struct xctx *x, const char *value)
{
	check(x, xmlTextWriterWriteString(x->w, X(sched_text(value, &x->scratch))));
}

static void element(struct xctx *x, const char *name, const char *value)
{
	check(x, xmlTextWriterWriteElement(x->w, X(name), X(sched_text(value, &x->scratch))));
}

/* element() of a malloc'd value, which it frees; NULL writes nothing. */
static void element_take(struct xctx *x, const char *name, char *value)
{
	if (value)
		element(x, name, value);
	free(value);
}

static void persons(struct xctx *x, const struct prog_session *ps)
{
	element_open(x, "persons");
	for (uint32_t k = 0; k < ps->n_people; k++) {
		uint32_t i = ps->people[k].speaker;

		/* The XSD allows only an integer id and the guid: the speaker's
		 * id has no place here (schedule.json has it).  No e-mail. */
		element_open(x, "person");
		attr(x, "guid", x->s->speaker_guids[i]);
		text(x, x->s->p->speakers[i].name);
		element_close(x);
	}
	element_close(x);
}

static void links(struct xctx *x, const struct prog_session *ps)
{
	element_open(x, "links");
	for (uint32_t k = 0; k < ps->n_docs; k++) {
		char *url = ps->docs[k].url ? sched_uri(ps->docs[k].url) : NULL;

		if (!url)
			continue;
		element_open(x, "link");
		attr(x, "href", url);
		text(x, ps->docs[k].title);
		element_close(x);
		free(url);
	}
	element_close(x);
}

static void event_times(struct xctx *x, const struct prog_session *ps)
{
	char date[48], hhmm[8], dur[32];

	sched_datetime(ps->start, &ps->start_local, date);
	sched_hhmm(&ps->start_local, hhmm);
	/* The XSD's duration has at most two digits of hours: a longer
	 * session shows as 99:59 (date and the JSON end stay exact). */
	sched_duration(ps, 99, dur);
	element(x, "date", date);
	element(x, "start", hhmm);
	element(x, "duration", dur);
}

static void event(struct xctx *x, uint32_t i)
{
	const struct programme *p = x->s->p;
	const struct prog_session *ps = &p->sessions[i];
	const struct sched_item *it = &x->s->items[i];
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)it->number);
	element_open(x, "event");
	attr(x, "guid", it->guid);
	attr(x, "id", num);
	event_times(x, ps);
	element(x, "room", x->s->room_names[sched_room(x->s, ps)]);
	element(x, "slug", it->xml_slug);
	element_take(x, "title", sched_title(ps));
	element(x, "subtitle", "");
	/* required, so a session without a track has an empty one */
	element(x, "track", ps->track == PROG_NONE ? "" : p->tracks[ps->track].title);
	element(x, "type", ps->kind);
	element(x, "abstract", "");
	element_take(x, "description", render_description(p, ps));
	persons(x, ps);
	links(x, ps);
	element_take(x, "url", sched_session_url(x->s, ps));
	element_close(x);
}

static void day(struct xctx *x, uint32_t d, size_t *k)
{
	const struct programme *p = x->s->p;
	const struct sched_day *sd = &x->s->days[d];
	char t[48], index[16];

	snprintf(index, sizeof(index), "%u", (unsigned)d + 1);
	element_open(x, "day");
	attr(x, "index", index);
	attr(x, "date", p->days[d].date);
	sched_datetime(sd->first->start, &sd->first->start_local, t);
	attr(x, "start", t);
	sched_datetime(sd->last->end, &sd->last->end_local, t);
	attr(x, "end", t);
	while (*k < p->n_sessions && p->sessions[x->s->order[*k]].day == d) {
		uint32_t room = sched_room(x->s, &p->sessions[x->s->order[*k]]);

		element_open(x, "room");
		attr(x, "name", x->s->room_names[room]);
		attr(x, "guid", x->s->room_guids[room]);
		for (; *k < p->n_sessions && p->sessions[x->s->order[*k]].day == d &&
		       sched_room(x->s, &p->sessions[x->s->order[*k]]) == room;
		     ++*k)
			event(x, x->s->order[*k]);
		element_close(x);
	}
	element_close(x);
}

static void tracks(struct xctx *x)
{
	for (size_t i = 0; i < x->s->p->n_tracks; i++) {
		const struct prog_track *t = &x->s->p->tracks[i];

		element_open(x, "track");
		attr(x, "name", t->title);
		if (sched_is_xsd_track_slug(t->id))
			attr(x, "slug", t->id);
		element_close(x);
	}
}

/* httpURI: the conference's page when it is http(s), else the daemon's. */
static char *conference_url(struct xctx *x)
{
	char *url = x->s->p->event.url ? sched_uri(x->s->p->event.url) : NULL;
	struct buf b = { 0 };

	if (url && (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0))
		return url;
	free(url);
	buf_printf(&b, "%s/", x->s->c->base_url);
	return buf_steal(&b, NULL);
}

static void conference(struct xctx *x)
{
	const struct programme *p = x->s->p;
	char days[16];
	struct buf base = { 0 };

	snprintf(days, sizeof(days), "%zu", p->n_days);
	buf_printf(&base, "%s/", x->s->c->base_url);
	element_open(x, "conference");
	element(x, "acronym", x->s->acronym);
	element(x, "title", p->event.title);
	if (p->n_days) {
		element(x, "start", p->days[0].date);
		element(x, "end", p->days[p->n_days - 1].date);
	}
	element(x, "days", days);
	element(x, "timeslot_duration", "00:05");
	element(x, "time_zone_name", tz_name(p->tz));
	element_take(x, "url", conference_url(x));
	tracks(x);
	element_take(x, "base_url", buf_steal(&base, NULL));
	element_close(x);
}

static void document(struct xctx *x)
{
	size_t k = 0;

	/* No indentation, as schedule.json has none: apps read it, and
	 * libxml2 writes the indent a level at a time, a quarter of the
	 * document's cost (and 1.7 MB at 10,000 sessions). */
	check(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
	element_open(x, "schedule");
	element_open(x, "generator");
	attr(x, "name", "agendad");
	attr(x, "version", PACKAGE_VERSION);
	element_close(x);
	element(x, "version", x->s->version);
	conference(x);
	for (uint32_t d = 0; d < x->s->p->n_days; d++)
		day(x, d, &k);
	element_close(x);
	check(x, xmlTextWriterEndDocument(x->w));
}

/* libxml2's output buffer hands its chunks to out directly: an xmlBuffer
 * would grow by copying and then be copied into out whole. */
/* libxml2's output callback onto a sched_sink. */
struct out {
	sched_sink sink;
	void *ctx;
};

static int to_sink(void *o, const char *data, int len)
{
	struct out *out = o;

	return out->sink(out->ctx, data, (size_t)len) == 0 ? len : -1;
}

int schedule_xml_from(const struct sched *s, sched_sink sink, void *ctx)
{
	struct xctx x = { .s = s };
	struct out out = { sink, ctx };
	xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(to_sink, NULL, &out, NULL);
	int rc = -1;

	x.w = ob ? xmlNewTextWriter(ob) : NULL; /* which then owns ob */
	if (!x.w)
		xmlOutputBufferClose(ob);
	else {
		document(&x);
		check(&x, xmlTextWriterFlush(x.w)); /* a failed write shows here */
		rc = x.err ? -1 : 0;
		xmlFreeTextWriter(x.w);
	}
	buf_free(&x.scratch);
	return rc;
}

int schedule_xml_to(const struct programme *p, const struct conf *c, sched_sink sink, void *ctx)
{
	return sched_build(schedule_xml_from, p, c, sink, ctx);
}

int schedule_xml(const struct programme *p, const struct conf *c, struct buf *out)
{
	return sched_keep_whole(schedule_xml_to, p, c, out);
}
