/* schedule.c, schedule_json.c, schedule_xml.c: the documents are parsed
 * back (jansson, libxml2) and their values checked; identifiers against
 * values Python's uuid.uuid5 gives.  With AGENDAD_SCHEDULE_OUT set, the
 * documents and programmes are also written there for
 * tests/integration/test_schedule.py to validate against the schemas. */
#include "config.h"

#include "testutil.h"

#include "guid.h"

#include <jansson.h>
#include <libical/ical.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pthread.h>

#include "buf.h"
#include "conf.h"
#include "programme.h"
#include "schedule.h"

static const char conf_text[] = "programme = \"unused.programme\";\n"
				"base_url = \"https://example.org/agenda/\";\n";

/* Everything that could go wrong: markup and UTF-8 in every text, a
 * session across midnight and the spring DST change (Europe/Berlin,
 * 2025-03-30 02:00 CET -> 03:00 CEST), one longer than 99 hours,
 * tentative and cancelled ones, ids that are not slugs, two rooms with
 * one title, a room titled like the location, no room, e-mail addresses. */
static const char hostile[] =
	"event = { id = \"hostile-ev\"; title = \"<Hostile> & \\\"Ünïcødé\\\" 🎉\";\n"
	"  timezone = \"Europe/Berlin\"; location = \"Berlin <Mitte> & \\\"Haus\\\"\";\n"
	"  url = \"https://example.org/conf?a=1&b=<2>\"; description = \"A & B <c>\"; };\n"
	"tracks = ( { id = \"t1\"; title = \"Track <&> \\\"1\\\"\"; }, { id = \"x\"; title = \"X\"; } );\n"
	"rooms = ( { id = \"r1\"; title = \"Hall \\\"A\\\" & <B>\"; },\n"
	"          { id = \"r2\"; title = \"Hall \\\"A\\\" & <B>\"; },\n"
	"          { id = \"r3\"; title = \"Berlin <Mitte> & \\\"Haus\\\"\"; } );\n"
	"speakers = (\n"
	"  { id = \"alice\"; name = \"Alice <A> & Co\"; affiliation = \"Org & <Co>\"; email = \"alice@example.org\"; },\n"
	"  { id = \"bob\"; name = \"Bøb \\\"b\\\" 中文\"; email = \"bob.secret@evil.example\";\n"
	"    bio_url = \"https://example.org/bob page/ü\"; },\n"
	"  { id = \"carol\"; name = \"Carol\"; email = \"carol@example.net\"; }\n"
	");\n"
	"sessions = (\n"
	"  { id = \"keynote-opening\"; title = \"Keynote: <script>alert(\\\"x\\\")</script> & Ünïcødé 🎉\";\n"
	"    start = \"2025-03-29 22:30\"; end = \"2025-03-30 04:00\"; room = \"r1\"; track = \"t1\";\n"
	"    kind = \"talk\"; description = \"Mail me: not-a-speaker@example.com & <b>bold</b>\";\n"
	"    people = ( { speaker = \"alice\"; role = \"Chair\"; }, { speaker = \"bob\"; } );\n"
	"    documents = ( { title = \"Slides <1>\"; url = \"https://example.org/s.pdf?a=1&b=2\"; },\n"
	"                  { title = \"Notes\"; }, { title = \"Bad\"; url = \"not a url\"; },\n"
	"                  { title = \"JS\"; url = \"javascript:alert(1)\"; },\n"
	"                  { title = \"Port\"; url = \"https://example.org:abc/\"; },\n"
	"                  { title = \"Local\"; url = \"http://[::1]:8080/a b\"; } ); },\n"
	"  { id = \"s1\"; title = \"Short id\"; status = \"cancelled\";\n"
	"    start = \"2025-03-30 10:00\"; end = \"2025-03-30 11:00\"; people = ( { speaker = \"carol\"; } ); },\n"
	"  { id = \"maybe\"; title = \"Maybe\"; status = \"tentative\"; room = \"r2\"; track = \"x\";\n"
	"    start = \"2025-03-30 12:00\"; end = \"2025-03-30 13:00\"; },\n"
	"  { id = \"by-the-door\"; title = \"By the door\"; room = \"r3\";\n"
	"    start = \"2025-03-30 14:00\"; end = \"2025-03-30 14:10\"; },\n"
	"  { id = \"long-run\"; title = \"Hackathon\"; room = \"r1\";\n"
	"    start = \"2025-03-25 09:00\"; end = \"2025-03-30 13:30\"; },\n"
	"  { id = \"a\"; title = \"A\"; kind = \"break\"; start = \"2025-03-30 13:00\"; end = \"2025-03-30 13:15\"; }\n"
	");\n";

/* Edges of the identifiers: an event id too short for an acronym, a
 * time zone the schema's time_zone_name pattern refuses, and two session
 * ids whose guids start alike (found by trying c0, c1, ... in Python), so
 * that their integer ids clash; no location and no room. */
static const char edge[] =
	"event = { id = \"ab\"; title = \"Edge\"; timezone = \"Etc/GMT-14\"; };\n"
	"speakers = ( { id = \"x\"; name = \"X\"; email = \"xx@example.com\"; } );\n"
	"sessions = (\n"
	"  { id = \"c150129\"; title = \"Second in id order\"; start = \"2025-01-01 23:50\";\n"
	"    end = \"2025-01-02 00:10\"; people = ( { speaker = \"x\"; } ); },\n"
	"  { id = \"c144809\"; title = \"First in id order\"; start = \"2025-01-01 10:00\";\n"
	"    end = \"2025-01-01 11:00\"; }\n"
	");\n";

/* A programme may have no session at all. */
static const char empty[] = "event = { id = \"void\"; title = \"Void\"; timezone = \"UTC\"; };\n"
			    "speakers = ( { id = \"y\"; name = \"Y\"; email = \"yy@example.com\"; } );\n";

struct fixture {
	char *dir;
	struct conf *c;
	struct programme *hostile, *shipped, *edge, *empty;
	struct buf hj, hx, sj, sx, ej, ex, nj, nx; /* hostile, shipped, edge, empty */
};

static void write_out(const char *name, const char *data, size_t len)
{
	const char *dir = getenv("AGENDAD_SCHEDULE_OUT");
	char *path;
	FILE *f;

	if (!dir || !*dir)
		return;
	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void make(const struct programme *p, const struct conf *c, struct buf *j, struct buf *x)
{
	assert_int_equal(schedule_json(p, c, j), 0);
	assert_int_equal(schedule_xml(p, c, x), 0);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->c = tu_load_conf(f->dir, conf_text);
	f->hostile = tu_load_text(f->dir, "hostile.programme", hostile);
	f->shipped = tu_load(TESTS_SRCDIR "/../etc/idm-2014-south-south.programme");
	f->edge = tu_load_text(f->dir, "edge.programme", edge);
	make(f->edge, f->c, &f->ej, &f->ex);
	f->empty = tu_load_text(f->dir, "empty.programme", empty);
	make(f->empty, f->c, &f->nj, &f->nx);
	make(f->hostile, f->c, &f->hj, &f->hx);
	make(f->shipped, f->c, &f->sj, &f->sx);
	write_out("hostile.programme", hostile, strlen(hostile));
	write_out("hostile.schedule.json", f->hj.data, f->hj.len);
	write_out("hostile.schedule.xml", f->hx.data, f->hx.len);
	write_out("shipped.schedule.json", f->sj.data, f->sj.len);
	write_out("shipped.schedule.xml", f->sx.data, f->sx.len);
	write_out("edge.programme", edge, strlen(edge));
	write_out("edge.schedule.json", f->ej.data, f->ej.len);
	write_out("edge.schedule.xml", f->ex.data, f->ex.len);
	write_out("empty.programme", empty, strlen(empty));
	write_out("empty.schedule.json", f->nj.data, f->nj.len);
	write_out("empty.schedule.xml", f->nx.data, f->nx.len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	prog_free(f->hostile);
	prog_free(f->shipped);
	prog_free(f->edge);
	prog_free(f->empty);
	buf_free(&f->nj);
	buf_free(&f->nx);
	buf_free(&f->ej);
	buf_free(&f->ex);
	conf_free(f->c);
	buf_free(&f->hj);
	buf_free(&f->hx);
	buf_free(&f->sj);
	buf_free(&f->sx);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* --- helpers: reading the documents back --------------------------------------- */

static json_t *parse_json(const struct buf *b)
{
	json_error_t err;
	json_t *root = json_loadb(b->data, b->len, 0, &err);

	if (!root)
		fprintf(stderr, "JSON does not parse: %s at line %d\n", err.text, err.line);
	assert_non_null(root);
	return root;
}

/* The event whose slug is slug, anywhere in the days. */
static json_t *json_event(json_t *root, const char *slug)
{
	json_t *days = json_object_get(json_object_get(json_object_get(root, "schedule"), "conference"), "days");
	size_t i, k;
	json_t *day, *ev;
	const char *room;
	json_t *events;

	json_array_foreach(days, i, day) {
		json_object_foreach(json_object_get(day, "rooms"), room, events) {
			json_array_foreach(events, k, ev) {
				if (strcmp(json_string_value(json_object_get(ev, "slug")), slug) == 0)
					return ev;
			}
		}
	}
	fprintf(stderr, "no event with slug %s\n", slug);
	fail();
	return NULL;
}

static const char *jget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	return json_is_null(v) ? NULL : json_string_value(v);
}

static xmlDocPtr parse_xml(const struct buf *b)
{
	xmlDocPtr doc = xmlReadMemory(b->data, (int)b->len, "schedule.xml", NULL, XML_PARSE_NONET);

	assert_non_null(doc);
	return doc;
}

/* The string value of an XPath expression (caller frees). */
static char *xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	char *s;

	assert_non_null(ctx);
	obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	assert_non_null(obj);
	s = (char *)xmlXPathCastToString(obj);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	assert_non_null(s);
	return s;
}

#define assert_xpath(doc, expr, want)                                                    \
	do {                                                                             \
		char *got_ = xpath((doc), (expr));                                       \
		if (strcmp(got_, (want)) != 0) {                                         \
			fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", (expr), got_,   \
				(want));                                                 \
			fail();                                                          \
		}                                                                        \
		xmlFree(got_);                                                           \
	} while (0)

/* assert_xpath of the path base + rel (an element, then what is under it). */
static void assert_xpath_at(xmlDocPtr doc, const char *base, const char *rel, const char *want)
{
	char *q = xasprintf("%s%s", base, rel);

	assert_xpath(doc, q, want);
	free(q);
}

/* --- tests ------------------------------------------------------------------------ */

static void test_uuid5(void **state)
{
	char out[37];

	(void)state;
	/* python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org"))' */
	guid_uuid5("https://example.org", out);
	assert_string_equal(out, "0d092af3-c9f8-531f-9cc3-9db40a0750ef");
	guid_uuid5("keynote-opening@hostile-ev", out);
	assert_string_equal(out, "af5493c1-0e88-556b-9132-420b1751dda3");
}

static void test_text_and_uri(void **state)
{
	struct buf b = { 0 };
	const char fine[] = "Ünïcødé <&> \t\n";
	char *u;

	(void)state;
	assert_ptr_equal(sched_text(fine, &b), fine);
	/* a control dropped, a stray continuation byte and an overlong '/'
	 * replaced, U+FFFE dropped */
	assert_string_equal(sched_text("a\x01" "b\x80" "c\xc0\xaf" "d\xef\xbf\xbe" "e", &b),
			    "ab\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd" "de");
	buf_free(&b);
#ifdef HAVE_LIBIDN2
	/* an internationalised host becomes punycode (as in 39C3's links) */
	u = sched_uri("https://z\xc3\xbcgli.app/p\xc3\xa4th?q=1");
	assert_string_equal(u, "https://xn--zgli-0ra.app/p%C3%A4th?q=1");
	free(u);
#else
	/* built --without-libidn2: such a host cannot be written as a URI's */
	assert_null(sched_uri("https://z\xc3\xbcgli.app/p\xc3\xa4th?q=1"));
#endif
	assert_null(sched_uri("not a url"));
	assert_null(sched_uri("/relative/path"));
	assert_null(sched_uri("javascript:alert(1)"));
	assert_null(sched_uri("mailto:someone@example.org"));
	assert_null(sched_uri("https://user:secret@example.org/"));
	assert_null(sched_uri("https://example.org:80a/"));
	assert_null(sched_uri("https://[::g]/"));
	assert_null(sched_uri("https:///path"));
	u = sched_uri("HTTPS://[2001:db8::1]:443");
	assert_string_equal(u, "HTTPS://[2001:db8::1]:443");
	free(u);
	u = sched_uri("https://example.org/a b/ü?x=<1>#f#g%zz%41");
	assert_string_equal(u, "https://example.org/a%20b/%C3%BC?x=%3C1%3E#f%23g%25zz%41");
	free(u);
}

static void test_json_times(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->hj), *ev;

	/* across midnight and the DST change: +01:00 at the start, +02:00
	 * at the end, 4h30 in between (21:30Z to 02:00Z) */
	ev = json_event(root, "keynote-opening");
	assert_string_equal(jget(ev, "date"), "2025-03-29T22:30:00+01:00");
	assert_string_equal(jget(ev, "end"), "2025-03-30T04:00:00+02:00");
	assert_string_equal(jget(ev, "start"), "22:30");
	assert_string_equal(jget(ev, "duration"), "04:30");
	ev = json_event(root, "long-run");
	assert_string_equal(jget(ev, "duration"), "123:30"); /* one hour lost to DST */
	ev = json_event(root, "maybe");
	assert_string_equal(jget(ev, "date"), "2025-03-30T12:00:00+02:00");
	json_decref(root);
}

static void test_json_days(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->hj);
	json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
	json_t *days = json_object_get(conf, "days"), *d;

	assert_int_equal(json_array_size(days), 3); /* 03-25, 03-29, 03-30 */
	assert_int_equal(json_integer_value(json_object_get(conf, "daysCount")), 3);
	assert_string_equal(jget(conf, "start"), "2025-03-25");
	assert_string_equal(jget(conf, "end"), "2025-03-30");
	d = json_array_get(days, 1);
	assert_int_equal(json_integer_value(json_object_get(d, "index")), 2);
	assert_string_equal(jget(d, "date"), "2025-03-29");
	/* the day that starts at 22:30 ends after midnight, after the change */
	assert_string_equal(jget(d, "day_start"), "2025-03-29T22:30:00+01:00");
	assert_string_equal(jget(d, "day_end"), "2025-03-30T04:00:00+02:00");
	/* the session across midnight is under the day it starts */
	assert_int_equal(json_array_size(json_object_get(json_object_get(d, "rooms"),
							 "Hall \"A\" & <B>")), 1);
	assert_string_equal(jget(conf, "acronym"), "hostile_ev");
	assert_string_equal(jget(json_object_get(conf, "meta"), "event_id"), "hostile-ev");
	assert_string_equal(jget(conf, "time_zone_name"), "Europe/Berlin");
	json_decref(root);
}

static void test_json_values(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->hj), *ev, *persons, *links, *p0;

	ev = json_event(root, "keynote-opening");
	assert_string_equal(jget(ev, "guid"), "af5493c1-0e88-556b-9132-420b1751dda3");
	assert_string_equal(jget(ev, "title"),
			    "Keynote: <script>alert(\"x\")</script> & Ünïcødé 🎉");
	assert_string_equal(jget(ev, "room"), "Hall \"A\" & <B>");
	assert_string_equal(jget(ev, "track"), "Track <&> \"1\"");
	assert_string_equal(jget(ev, "type"), "talk");
	assert_null(jget(ev, "language"));
	assert_string_equal(jget(ev, "url"), "https://example.org/agenda/#keynote-opening");
	assert_true(json_integer_value(json_object_get(ev, "id")) >= 1);
	persons = json_object_get(ev, "persons");
	assert_int_equal(json_array_size(persons), 2);
	p0 = json_array_get(persons, 0);
	assert_string_equal(jget(p0, "name"), "Alice <A> & Co");
	assert_string_equal(jget(p0, "public_name"), "Alice <A> & Co");
	assert_string_equal(jget(p0, "slug"), "alice");
	/* python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "speaker:alice@hostile-ev"))' */
	assert_string_equal(jget(p0, "guid"), "5f00fff5-3b2b-5711-959d-23bd84784a8b");
	assert_null(json_object_get(p0, "email"));
	assert_string_equal(jget(json_array_get(persons, 1), "url"),
			    "https://example.org/bob%20page/%C3%BC");
	links = json_object_get(ev, "links"); /* only the documents with a usable URL */
	assert_int_equal(json_array_size(links), 2);
	assert_string_equal(jget(json_array_get(links, 1), "url"), "http://[::1]:8080/a%20b");
	assert_string_equal(jget(json_array_get(links, 0), "url"), "https://example.org/s.pdf?a=1&b=2");
	assert_string_equal(jget(json_array_get(links, 0), "title"), "Slides <1>");
	/* The description is the session's own; people and the documents
	 * without a link are in the abstract, for apps that show only these. */
	assert_string_equal(jget(ev, "description"),
			    "Mail me: not-a-speaker@example.com & <b>bold</b>");
	assert_non_null(strstr(jget(ev, "abstract"), "Chair: Alice <A> & Co, Org & <Co>"));
	assert_non_null(strstr(jget(ev, "abstract"), "- Notes"));
	assert_null(strstr(jget(ev, "abstract"), "Slides"));
	assert_string_equal(jget(json_array_get(persons, 0), "role"), "Chair");
	assert_null(json_object_get(json_array_get(persons, 1), "role"));
	json_decref(root);
}

static void test_json_rooms_and_status(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->hj), *ev, *rooms;
	char guid[37], slug[48];

	/* an id too short for the slug pattern gets one made from its guid */
	guid_uuid5("a@hostile-ev", guid);
	snprintf(slug, sizeof(slug), "session-%s", guid);
	assert_string_equal(jget(json_event(root, slug), "title"), "A");
	/* a cancelled session stays, marked */
	ev = json_event(root, "s1");
	assert_string_equal(jget(ev, "title"), "Cancelled: Short id");
	assert_null(jget(ev, "track"));
	/* no room: the location, which room r3 also has as its title */
	assert_string_equal(jget(ev, "room"), "Berlin <Mitte> & \"Haus\" (no room)");
	assert_string_equal(jget(json_event(root, "by-the-door"), "room"), "Berlin <Mitte> & \"Haus\"");
	assert_string_equal(jget(json_event(root, "maybe"), "room"), "Hall \"A\" & <B> (r2)");
	assert_string_equal(jget(json_event(root, "maybe"), "title"), "Maybe");
	rooms = json_object_get(json_object_get(json_object_get(root, "schedule"), "conference"), "rooms");
	assert_int_equal(json_array_size(rooms), 4);
	/* python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "room:r1@hostile-ev"))' */
	assert_string_equal(jget(json_array_get(rooms, 0), "guid"), "2718d846-dfcc-5454-ab3c-8d4d2037fcc3");
	assert_string_equal(jget(json_array_get(rooms, 0), "slug"), "r1");
	json_decref(root);
}

static void test_xml_values(void **state)
{
	struct fixture *f = *state;
	xmlDocPtr doc = parse_xml(&f->hx);
	const char *ev = "//event[@guid='af5493c1-0e88-556b-9132-420b1751dda3']";

	assert_xpath_at(doc, ev, "/title", "Keynote: <script>alert(\"x\")</script> & Ünïcødé 🎉");
	assert_xpath_at(doc, ev, "/date", "2025-03-29T22:30:00+01:00");
	assert_xpath_at(doc, ev, "/duration", "04:30");
	assert_xpath_at(doc, ev, "/slug", "keynote-opening");
	assert_xpath_at(doc, ev, "/persons/person[1]/@guid", "5f00fff5-3b2b-5711-959d-23bd84784a8b");
	assert_xpath_at(doc, ev, "/persons/person[2]", "Bøb \"b\" 中文");
	assert_xpath_at(doc, ev, "/links/link[1]/@href", "https://example.org/s.pdf?a=1&b=2");
	assert_xpath_at(doc, ev, "/../@name", "Hall \"A\" & <B>");
	/* the XSD's duration has two digits of hours */
	assert_xpath(doc, "//event[title='Hackathon']/duration", "99:59");
	/* "long-run" and "maybe" do not match the XSD's slug pattern, which
	 * "keynote-opening" does */
	assert_xpath(doc, "count(//event[slug='long-run' or slug='maybe'])", "0");
	assert_xpath(doc, "substring(//event[title='Maybe']/slug, 1, 8)", "session-");
	assert_xpath(doc, "//event[title='Maybe']/track", "X");
	assert_xpath(doc, "//event[title='Cancelled: Short id']/track", "");
	assert_xpath(doc, "/schedule/conference/acronym", "hostile_ev");
	assert_xpath(doc, "/schedule/conference/title", "<Hostile> & \"Ünïcødé\" 🎉");
	assert_xpath(doc, "/schedule/conference/url", "https://example.org/conf?a=1&b=%3C2%3E");
	assert_xpath(doc, "/schedule/day[2]/@end", "2025-03-30T04:00:00+02:00");
	assert_xpath(doc, "count(/schedule/day)", "3");
	assert_xpath(doc, "count(//event)", "6");
	xmlFreeDoc(doc);
}

/* Both documents say the same about every session. */
static void test_json_xml_agree(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->sj);
	xmlDocPtr doc = parse_xml(&f->sx);
	char *q;

	for (size_t i = 0; i < f->shipped->n_sessions; i++) {
		json_t *ev = json_event(root, f->shipped->sessions[i].id);

		q = xasprintf("//event[@guid='%s']/date", jget(ev, "guid"));
		assert_xpath(doc, q, jget(ev, "date"));
		free(q);
		q = xasprintf("//event[@guid='%s']/@id", jget(ev, "guid"));
		{
			char *id = xpath(doc, q);

			assert_int_equal(strtoll(id, NULL, 10),
					 json_integer_value(json_object_get(ev, "id")));
			xmlFree(id);
		}
		free(q);
	}
	q = xasprintf("/schedule/version");
	assert_xpath(doc, q, jget(json_object_get(root, "schedule"), "version"));
	free(q);
	json_decref(root);
	xmlFreeDoc(doc);
}

static void test_shipped(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->sj);
	json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
	json_t *ev;

	assert_string_equal(jget(conf, "acronym"), "idm2014_south_south");
	assert_string_equal(jget(conf, "start"), "2014-03-24");
	assert_string_equal(jget(conf, "end"), "2014-03-25");
	assert_int_equal(json_array_size(json_object_get(conf, "days")), 2);
	/* no rooms in the programme: every session is at the location */
	assert_int_equal(json_array_size(json_object_get(conf, "rooms")), 1);
	assert_string_equal(jget(json_array_get(json_object_get(conf, "rooms"), 0), "name"),
			    "Geneva, Switzerland");
	ev = json_event(root, f->shipped->sessions[0].id);
	assert_string_equal(jget(ev, "room"), "Geneva, Switzerland");
	json_decref(root);
}

static void test_edge(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->ej);
	json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
	json_t *first = json_event(root, "c144809"), *second = json_event(root, "c150129");
	xmlDocPtr doc = parse_xml(&f->ex);

	assert_string_equal(jget(conf, "acronym"), "ab__");
	/* "Etc/GMT-14" does not match the schema's pattern: only in meta */
	assert_null(json_object_get(conf, "time_zone_name"));
	assert_string_equal(jget(json_object_get(conf, "meta"), "time_zone_name"), "Etc/GMT-14");
	assert_xpath(doc, "/schedule/conference/time_zone_name", "Etc/GMT-14");
	/* both guids begin 0x54271a26 or 0xd4271a26: the clash moves the
	 * later id (in id order) on by one */
	assert_int_equal(json_integer_value(json_object_get(first, "id")), 1411848742);
	assert_int_equal(json_integer_value(json_object_get(second, "id")), 1411848743);
	assert_string_equal(jget(second, "date"), "2025-01-01T23:50:00+14:00");
	assert_string_equal(jget(second, "end"), "2025-01-02T00:10:00+14:00");
	assert_string_equal(jget(second, "room"), "Venue");
	assert_xpath(doc, "//event[slug='session-54271a26-912b-5d70-bbd0-2893891e5628']/@id",
		     "1411848743");
	json_decref(root);
	xmlFreeDoc(doc);
}

/* No days: the JSON says so; the XSD wants at least one day, and there
 * is none to give (see tests/integration/test_schedule.py). */
static void test_empty(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->nj);
	json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
	xmlDocPtr doc = parse_xml(&f->nx);

	assert_int_equal(json_array_size(json_object_get(conf, "days")), 0);
	assert_int_equal(json_integer_value(json_object_get(conf, "daysCount")), 0);
	assert_int_equal(json_array_size(json_object_get(conf, "rooms")), 0);
	assert_string_equal(jget(conf, "acronym"), "void");
	assert_xpath(doc, "count(/schedule/day)", "0");
	assert_xpath(doc, "/schedule/conference/days", "0");
	json_decref(root);
	xmlFreeDoc(doc);
}

/* --- meta.agendad: what has no standard place ------------------------------------ */

static json_t *agendad_meta(json_t *root)
{
	json_t *c = json_object_get(json_object_get(root, "schedule"), "conference");
	json_t *ag = json_object_get(json_object_get(c, "meta"), "agendad");

	assert_true(json_is_object(ag));
	assert_int_equal(json_integer_value(json_object_get(ag, "version")), 1);
	return ag;
}

static void test_json_meta(void **state)
{
	struct fixture *f = *state;
	json_t *root = parse_json(&f->hj), *ag = agendad_meta(root), *docs, *o;
	const char *key;
	json_t *v;
	size_t n = 0;

	/* The event: what conference has no field for, and its own url. */
	o = json_object_get(ag, "event");
	assert_string_equal(jget(o, "location"), "Berlin <Mitte> & \"Haus\"");
	assert_string_equal(jget(o, "url"), "https://example.org/conf?a=1&b=<2>");
	assert_null(json_object_get(o, "short_title"));
	/* Tracks: "x" is no slug, so its name finds it; "t1" needs nothing. */
	o = json_object_get(ag, "tracks");
	assert_string_equal(jget(json_object_get(o, "x"), "name"), "X");
	assert_null(json_object_get(o, "t1"));
	/* Rooms: r2's name was made unique; its title is kept. */
	o = json_object_get(ag, "rooms");
	assert_int_equal(json_object_size(o), 1);
	assert_string_equal(jget(json_object_get(o, "r2"), "title"), "Hall \"A\" & <B>");
	/* Speakers: all, in order; bob's bio_url is not in persons verbatim. */
	json_object_foreach(json_object_get(ag, "speakers"), key, v)
		assert_string_equal(key, f->hostile->speakers[n++].id);
	assert_int_equal(n, f->hostile->n_speakers);
	o = json_object_get(ag, "speakers");
	assert_string_equal(jget(json_object_get(o, "alice"), "affiliation"), "Org & <Co>");
	assert_string_equal(jget(json_object_get(o, "bob"), "bio_url"), "https://example.org/bob page/ü");
	assert_null(json_object_get(json_object_get(o, "carol"), "name")); /* in a session */
	/* Sessions: only where needed. */
	o = json_object_get(ag, "sessions");
	assert_string_equal(jget(json_object_get(o, "s1"), "status"), "cancelled");
	assert_string_equal(jget(json_object_get(o, "maybe"), "status"), "tentative");
	assert_int_equal(json_object_size(json_object_get(o, "a")), 0); /* "a" is no slug */
	assert_null(json_object_get(o, "by-the-door"));
	assert_null(json_object_get(o, "long-run"));
	docs = json_object_get(json_object_get(o, "keynote-opening"), "documents");
	assert_int_equal(json_array_size(docs), 6);
	assert_string_equal(jget(json_array_get(docs, 1), "title"), "Notes");
	assert_null(json_object_get(json_array_get(docs, 1), "url"));
	assert_string_equal(jget(json_array_get(docs, 3), "url"), "javascript:alert(1)");
	json_decref(root);

	/* The shipped programme: per-appearance affiliations, documents
	 * without URL, track descriptions, short_title. */
	root = parse_json(&f->sj);
	ag = agendad_meta(root);
	assert_string_equal(jget(json_object_get(ag, "event"), "short_title"), "IDM 2014 South-South");
	assert_non_null(json_object_get(json_object_get(json_object_get(ag, "tracks"), "plenary"),
					"description"));
	o = json_object_get(json_object_get(ag, "sessions"), "d2-closing");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "affiliations"), 0)),
			    "The IOM Deputy Director General");
	assert_null(json_object_get(json_array_get(json_object_get(o, "documents"), 0), "url"));
	json_decref(root);
}

/* A URL with an '@' may be an address: in no field, meta.agendad neither. */
static void test_json_meta_no_at(void **state)
{
	struct fixture *f = *state;
	static const char text[] =
		"event = { id = \"at-ev\"; title = \"At\"; timezone = \"UTC\";\n"
		"  url = \"https://user@example.org/\"; };\n"
		"speakers = ( { id = \"m\"; name = \"M\"; bio_url = \"mailto:m@example.org\"; } );\n"
		"sessions = ( { id = \"s\"; title = \"S\"; start = \"2025-01-01 10:00\";\n"
		"  end = \"2025-01-01 11:00\"; people = ( { speaker = \"m\"; } );\n"
		"  documents = ( { title = \"Write\"; url = \"mailto:x@example.org\"; } ); } );\n";
	struct programme *p = tu_load_text(f->dir, "at.programme", text);
	struct buf j = { 0 };

	assert_int_equal(schedule_json(p, f->c, &j), 0);
	assert_null(strchr(j.data, '@'));
	assert_non_null(strstr(j.data, "\"title\":\"Write\""));
	buf_free(&j);
	prog_free(p);
}

/* Tracks that share a title cannot be told apart by "track": meta names
 * the track of their sessions, and only of theirs. */
static void test_json_meta_shared_track_title(void **state)
{
	struct fixture *f = *state;
	static const char text[] =
		"event = { id = \"tt-ev\"; title = \"TT\"; timezone = \"UTC\"; };\n"
		"tracks = ( { id = \"a\"; title = \"Same\"; }, { id = \"b\"; title = \"Other\"; },\n"
		"           { id = \"c\"; title = \"Same\"; } );\n"
		"sessions = (\n"
		"  { id = \"in-a\"; title = \"A\"; start = \"2025-01-01 10:00\"; end = \"2025-01-01 11:00\"; track = \"a\"; },\n"
		"  { id = \"in-b\"; title = \"B\"; start = \"2025-01-01 10:00\"; end = \"2025-01-01 11:00\"; track = \"b\"; },\n"
		"  { id = \"in-c\"; title = \"C\"; start = \"2025-01-01 10:00\"; end = \"2025-01-01 11:00\"; track = \"c\"; } );\n";
	struct programme *p = tu_load_text(f->dir, "tt.programme", text);
	struct buf j = { 0 };
	json_t *root, *sessions;

	assert_int_equal(schedule_json(p, f->c, &j), 0);
	root = parse_json(&j);
	sessions = json_object_get(agendad_meta(root), "sessions");
	assert_string_equal(jget(json_object_get(sessions, "in-a"), "track"), "a");
	assert_string_equal(jget(json_object_get(sessions, "in-c"), "track"), "c");
	assert_null(json_object_get(sessions, "in-b"));
	json_decref(root);
	buf_free(&j);
	prog_free(p);
}

static void assert_no_emails(const struct programme *p, const struct buf *b)
{
	for (size_t i = 0; i < p->n_speakers; i++) {
		const char *e = p->speakers[i].email, *at;

		if (!e)
			continue;
		if (strstr(b->data, e)) {
			fprintf(stderr, "the e-mail of %s is in the document\n", p->speakers[i].id);
			fail();
		}
		/* nor its domain part after an '@' */
		at = strchr(e, '@');
		assert_non_null(at);
		assert_null(strstr(b->data, at));
	}
}

static void test_no_emails(void **state)
{
	struct fixture *f = *state;

	assert_true(f->hostile->n_speakers == 3 && f->hostile->speakers[1].email);
	assert_no_emails(f->hostile, &f->hj);
	assert_no_emails(f->hostile, &f->hx);
	assert_no_emails(f->shipped, &f->sj);
	assert_no_emails(f->shipped, &f->sx);
	assert_no_emails(f->edge, &f->ej);
	assert_no_emails(f->edge, &f->ex);
	/* a text of the programme that has an '@' is not an e-mail of a speaker */
	assert_non_null(strstr(f->hj.data, "not-a-speaker@example.com"));
}

static void test_deterministic(void **state)
{
	struct fixture *f = *state;
	struct buf j = { 0 }, x = { 0 };

	make(f->hostile, f->c, &j, &x);
	assert_int_equal(j.len, f->hj.len);
	assert_memory_equal(j.data, f->hj.data, j.len);
	assert_int_equal(x.len, f->hx.len);
	assert_memory_equal(x.data, f->hx.data, x.len);
	buf_free(&j);
	buf_free(&x);
}

/* A sink that takes limit bytes, then gives up. */
struct limited {
	struct buf got;
	size_t limit;
};

static int limited_sink(void *ctx, const char *data, size_t len)
{
	struct limited *l = ctx;

	if (l->got.len + len > l->limit)
		return -1;
	buf_add(&l->got, data, len);
	return 0;
}

/* Streamed, a document arrives in pieces that make the same bytes; a sink
 * that gives up (a full disk) fails the document, wherever it stops. */
static void test_streamed(void **state)
{
	struct fixture *f = *state;
	const struct buf *whole[2] = { &f->hj, &f->hx };

	for (int which = 0; which < 2; which++) {
		int (*to)(const struct programme *, const struct conf *, sched_sink, void *) =
			which == 0 ? schedule_json_to : schedule_xml_to;
		struct limited all = { { 0 }, (size_t)-1 };
		struct buf kept = { 0 };

		assert_int_equal(to(f->hostile, f->c, limited_sink, &all), 0);
		assert_int_equal(all.got.len, whole[which]->len);
		assert_memory_equal(all.got.data, whole[which]->data, all.got.len);
		for (size_t cut = 0; cut < whole[which]->len; cut += whole[which]->len / 7 + 1) {
			struct limited some = { { 0 }, cut };

			assert_int_equal(to(f->hostile, f->c, limited_sink, &some), -1);
			buf_free(&some.got);
		}
		/* into a buffer, appended to what it held */
		buf_adds(&kept, "before");
		assert_int_equal(sched_keep_whole(to, f->hostile, f->c, &kept), 0);
		assert_int_equal(kept.len, 6 + whole[which]->len);
		buf_free(&kept);
		buf_free(&all.got);
	}
}

/* One document built from a shared sched, on a thread of its own. */
struct from_job {
	const struct sched *s;
	int (*from)(const struct sched *, sched_sink, void *);
	struct limited out;
	int rc;
};

static void *run_from(void *arg)
{
	struct from_job *job = arg;

	job->rc = job->from(job->s, limited_sink, &job->out);
	return NULL;
}

/* An export works the sched out once and builds both documents from it
 * at once: they are the bytes schedule_json() and schedule_xml() make. */
static void test_from_shared_sched(void **state)
{
	struct fixture *f = *state;
	const struct programme *progs[4] = { f->hostile, f->shipped, f->edge, f->empty };
	const struct buf *want[4][2] = { { &f->hj, &f->hx }, { &f->sj, &f->sx },
					 { &f->ej, &f->ex }, { &f->nj, &f->nx } };

	for (int i = 0; i < 4; i++) {
		struct sched s;
		struct from_job jobs[2] = { { &s, schedule_json_from, { { 0 }, (size_t)-1 }, -1 },
					    { &s, schedule_xml_from, { { 0 }, (size_t)-1 }, -1 } };
		pthread_t tid[2];

		assert_int_equal(sched_init(&s, progs[i], f->c), 0);
		for (int k = 0; k < 2; k++)
			assert_int_equal(pthread_create(&tid[k], NULL, run_from, &jobs[k]), 0);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(pthread_join(tid[k], NULL), 0);
			assert_int_equal(jobs[k].rc, 0);
			assert_int_equal(jobs[k].out.got.len, want[i][k]->len);
			assert_memory_equal(jobs[k].out.got.data, want[i][k]->data, want[i][k]->len);
			buf_free(&jobs[k].out.got);
		}
		sched_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid5),
		cmocka_unit_test(test_text_and_uri),
		cmocka_unit_test(test_json_times),
		cmocka_unit_test(test_json_days),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_rooms_and_status),
		cmocka_unit_test(test_json_meta),
		cmocka_unit_test(test_json_meta_no_at),
		cmocka_unit_test(test_json_meta_shared_track_title),
		cmocka_unit_test(test_xml_values),
		cmocka_unit_test(test_json_xml_agree),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_no_emails),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_streamed),
		cmocka_unit_test(test_from_shared_sched),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);

	xmlCleanupParser();
	icaltimezone_free_builtin_timezones();
	return rc;
}
