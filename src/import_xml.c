/* frab/pentabarf/C3VOC schedule.xml (c3voc-schedule.xml.xsd):
 * <schedule> with <conference>, optional <tracks> and <rooms>, and
 * <day><room name=...><event>...</event></room></day>.  libxml2 parses
 * (no network, no entity expansion, no entity declarations); this
 * walks, keeping line numbers. */
#include "config.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "import_build.h"

static int named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Text content of n in the arena (NULL for no node). */
static const char *text(struct imp *imp, const xmlNode *n)
{
	xmlChar *c;
	const char *s;

	if (!n)
		return NULL;
	c = xmlNodeGetContent(n);
	s = arena_strdup(imp->p->arena, (const char *)c);
	xmlFree(c);
	return s;
}

static const char *attr(struct imp *imp, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	const char *s = arena_strdup(imp->p->arena, (const char *)v);

	xmlFree(v);
	return s;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

static size_t count(const xmlNode *n, const char *name)
{
	size_t k = 0;

	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		k += c->type == XML_ELEMENT_NODE && (!name || named(c, name));
	return k;
}

static void people(struct imp *imp, const xmlNode *list, struct prog_session *s)
{
	for (const xmlNode *c = list ? list->children : NULL; c; c = c->next) {
		struct imp_person pp = { 0 };

		if (!named(c, "person"))
			continue;
		pp.guid = attr(imp, c, "guid");
		pp.code = attr(imp, c, "code");
		pp.id = attr(imp, c, "id");
		pp.role = attr(imp, c, "role");
		/* <person id="1">Name</person>, or with <name> inside (FOSDEM's top level). */
		pp.name = child(c, "name") ? text(imp, child(c, "name")) : text(imp, c);
		imp_person(imp, s, &pp);
	}
}

static void documents(struct imp *imp, const xmlNode *list, struct prog_session *s)
{
	for (const xmlNode *c = list ? list->children : NULL; c; c = c->next)
		if (named(c, "link") || named(c, "attachment"))
			imp_document(imp, s, text(imp, c), attr(imp, c, "href"));
}

static void event(struct imp *imp, const xmlNode *e, const char *room_name)
{
	struct imp_event ev = { 0 };
	const xmlNode *track = child(e, "track");
	const xmlNode *persons = child(e, "persons");
	const xmlNode *links = child(e, "links"), *attachments = child(e, "attachments");
	struct prog_session s;

	ev.line = (int)xmlGetLineNo(e);
	ev.guid = attr(imp, e, "guid");
	ev.id = attr(imp, e, "id");
	ev.slug = text(imp, child(e, "slug"));
	ev.title = text(imp, child(e, "title"));
	ev.subtitle = text(imp, child(e, "subtitle"));
	ev.abstract = text(imp, child(e, "abstract"));
	ev.description = text(imp, child(e, "description"));
	ev.type = text(imp, child(e, "type"));
	ev.room = text(imp, child(e, "room"));
	if (!ev.room || !*ev.room)
		ev.room = room_name;
	ev.track = text(imp, track);
	ev.track_slug = track ? attr(imp, track, "slug") : NULL;
	ev.date = text(imp, child(e, "date"));
	ev.start = text(imp, child(e, "start"));
	ev.duration = text(imp, child(e, "duration"));
	ev.end = text(imp, child(e, "end"));
	if (imp_session(imp, &ev, &s, count(persons, "person"),
			count(links, NULL) + count(attachments, NULL)) < 0)
		return;
	people(imp, persons, &s);
	documents(imp, links, &s);
	documents(imp, attachments, &s);
	imp_add(imp, &s);
}

static void day(struct imp *imp, const xmlNode *d)
{
	imp_day(imp, attr(imp, d, "date"), attr(imp, d, "start"), (int)xmlGetLineNo(d));
	for (const xmlNode *r = d->children; r; r = r->next) {
		const char *name;

		if (!named(r, "room"))
			continue;
		name = attr(imp, r, "name");
		imp_room(imp, name, attr(imp, r, "slug"));
		for (const xmlNode *e = r->children; e; e = e->next)
			if (named(e, "event"))
				event(imp, e, name);
	}
}

static int conference(struct imp *imp, const xmlNode *c)
{
	struct imp_conference ic = { 0 };
	const char *venue = text(imp, child(c, "venue")), *city = text(imp, child(c, "city"));

	ic.line = (int)xmlGetLineNo(c);
	ic.acronym = text(imp, child(c, "acronym"));
	ic.title = text(imp, child(c, "title"));
	ic.zone = text(imp, child(c, "time_zone_name"));
	ic.url = text(imp, child(c, "url"));
	ic.base_url = text(imp, child(c, "base_url"));
	ic.timeslot = text(imp, child(c, "timeslot_duration"));
	ic.day_change = text(imp, child(c, "day_change"));
	if (venue && *venue && city && *city)
		ic.location = arena_printf(imp->p->arena, "%s, %s", venue, city);
	else
		ic.location = venue && *venue ? venue : city;
	if (imp_conference(imp, &ic) < 0)
		return -1;
	/* C3VOC lists tracks inside <conference> as <track name= slug=/>. */
	for (const xmlNode *t = c->children; t; t = t->next)
		if (named(t, "track"))
			imp_track(imp, attr(imp, t, "name"), attr(imp, t, "slug"));
	return 0;
}

static void schedule(struct imp *imp, const xmlNode *root)
{
	const xmlNode *c = child(root, "conference");

	if (!named(root, "schedule") || !c) {
		imp_error(imp, (int)xmlGetLineNo(root),
			  "not a schedule.xml: expected <schedule> with a <conference>");
		return;
	}
	if (conference(imp, c) < 0)
		return;
	for (const xmlNode *n = root->children; n; n = n->next) {
		if (named(n, "tracks")) {
			for (const xmlNode *t = n->children; t; t = t->next)
				if (named(t, "track"))
					imp_track(imp, text(imp, t), attr(imp, t, "slug"));
		} else if (named(n, "rooms")) {
			for (const xmlNode *r = n->children; r; r = r->next)
				if (named(r, "room"))
					imp_room(imp, attr(imp, r, "name"), attr(imp, r, "slug"));
		} else if (named(n, "day")) {
			day(imp, n);
		}
	}
}

/* The first error libxml2 reports (the last one is often only "Premature
 * end of data" at the end of the file). */
struct first_error {
	int set, line;
	char msg[512];
};

static void first_error(void *data, xmlErrorPtr e)
{
	struct first_error *f = ((xmlParserCtxtPtr)data)->_private;
	size_t n;

	if (f->set || !e || e->level < XML_ERR_ERROR)
		return;
	f->set = 1;
	f->line = e->line;
	snprintf(f->msg, sizeof(f->msg), "%s", e->message ? e->message : "not well-formed XML");
	for (n = strlen(f->msg); n > 0 && (f->msg[n - 1] == '\n' || f->msg[n - 1] == ' '); n--)
		f->msg[n - 1] = '\0'; /* libxml2's messages end with a newline */
}

/* libxml2 keeps entity references unexpanded, but xmlNodeGetContent
 * expands them on every read: one 20 KB entity used 50,000 times in a
 * 283 KB document took 35 s and 2.9 GB.  A schedule.xml needs no entity
 * of its own, so a document that declares one is refused as soon as the
 * declaration is seen (the predefined &amp; and character references
 * are no declarations and stay fine). */
static void entity_decl(void *data, const xmlChar *name, int type, const xmlChar *public_id,
			const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = data;
	struct first_error *f = ctxt->_private;

	(void)type, (void)public_id, (void)system_id, (void)content;
	if (!f->set) {
		f->set = 1;
		f->line = xmlSAX2GetLineNumber(ctxt);
		snprintf(f->msg, sizeof(f->msg),
			 "the document declares the entity '%.64s' (<!ENTITY>): entity "
			 "declarations are refused, a schedule.xml needs none",
			 (const char *)name);
	}
	xmlStopParser(ctxt);
}

struct programme *import_xml(const char *path, const char *data, size_t len, struct diag *d)
{
	/* No network, no entity expansion (XML_PARSE_NOENT stays off), and
	 * line numbers past 65535 (big FOSDEM files). */
	const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			    XML_PARSE_BIG_LINES;
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;
	struct programme *p;
	struct first_error err = { 0, 0, "" };
	struct imp imp;

	if (!ctxt) {
		diag_error(d, path, 0, "out of memory");
		return NULL;
	}
	ctxt->_private = &err;
	ctxt->sax->serror = first_error;
	ctxt->sax->entityDecl = entity_decl;
	doc = len > INT_MAX ? NULL : xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL, options);
	if (!doc || err.set) {
		diag_error(d, path, err.set ? err.line : 0, "%s",
			   err.set ? err.msg : "too big or not well-formed XML");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	imp_init(&imp, path, d);
	imp.xml = 1;
	schedule(&imp, xmlDocGetRootElement(doc));
	p = imp_finish(&imp);
	imp_done(&imp);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return p;
}
