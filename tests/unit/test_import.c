/* import*.c: schedule.json and schedule.xml into the programme model,
 * the id rules, and the messages that say where a problem is. */
#include "config.h"

#include "testutil.h"

#include "guid.h"

#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "import.h"
#include "import_build.h"
#include "lcfg.h"
#include "schedule.h"

static const struct prog_session *session(const struct programme *p, const char *id)
{
	uint32_t i;

	if (strmap_get(p->session_ids, id, &i) != 0) {
		fprintf(stderr, "no session '%s'; there are:\n", id);
		for (size_t k = 0; k < p->n_sessions; k++)
			fprintf(stderr, "  %s\n", p->sessions[k].id);
		fail();
	}
	return &p->sessions[i];
}

static const struct prog_speaker *speaker_of(const struct programme *p,
					     const struct prog_session *s, uint32_t j)
{
	assert_true(j < s->n_people);
	return &p->speakers[s->people[j].speaker];
}

/* Imports text from a temporary file; *path is that file (caller frees). */
static struct programme *import(const char *text, struct tu_diag *td, char **path)
{
	*path = tu_temp_file(text);
	tu_diag_init(td);
	return import_programme(*path, &td->d);
}

static void done(struct programme *p, struct tu_diag *td, char *path)
{
	prog_free(p);
	tu_diag_free(td);
	tu_unlink_free(path);
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct civil c = { y, mo, d, h, mi, 0 };

	return civil_to_seconds(&c);
}

/* --- helpers ---------------------------------------------------------------- */

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(import_sniff(" {\"schedule\":1}", 15), IMPORT_JSON);
	assert_int_equal(import_sniff("<?xml ?>", 8), IMPORT_XML);
	assert_int_equal(import_sniff("event = {};", 11), IMPORT_LIBCONFIG);
}

static void test_uuid5(void **state)
{
	char out[37];

	(void)state;
	/* Python: str(uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org")) */
	guid_uuid5("https://example.org", out);
	assert_string_equal(out, "0d092af3-c9f8-531f-9cc3-9db40a0750ef");
	guid_uuid5("keynote@test-conf-25", out);
	assert_string_equal(out, "db385b71-ed70-5e1d-9e2b-2d4195e8e471");
}

static void test_slugify(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(import_slugify(a, "Saal Gödel & Co."), "saal-godel-co");
	assert_string_equal(import_slugify(a, "  --HALL_1--  "), "hall-1");
	assert_string_equal(import_slugify(a, "Straße Æther"), "strasse-aether");
	assert_string_equal(import_slugify(a, "会議室"), "");
	arena_free(a);
}

static void test_html_text(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(import_html_text(a, "<p>One &amp;\n  two</p>\n<p>Three<br/>four</p>"
						"<ul><li>a</li><li>b</li></ul>"),
			    "One & two\n\nThree\nfour\n\n- a\n- b");
	assert_string_equal(import_html_text(a, "<p>See <a href=\"https://x.org/\">the site</a>.</p>"),
			    "See the site (https://x.org/).");
	assert_string_equal(import_html_text(a, "<p>at <a href=\"https://x.org/\">https://x.org/</a></p>"),
			    "at https://x.org/");
	assert_string_equal(import_html_text(a, "<pre>a\n  b</pre><p>c</p>"), "a\n  b\n\nc");
	/* Markdown (pretalx) is not HTML, even with an autolink. */
	assert_null(import_html_text(a, "Read <https://x.org> and 1 < 2 > 0"));
	assert_null(import_html_text(a, "plain"));
	arena_free(a);
}

/* --- schedule.json: every field ----------------------------------------------- */

static const char json_full[] =
	"{\"schedule\": {\"version\": \"1\", \"base_url\": \"https://example.org/conf/\",\n"
	" \"conference\": {\"acronym\": \"Test Conf 25\", \"title\": \"Test Conference\",\n"
	"  \"time_zone_name\": \"Europe/Berlin\", \"url\": \"https://example.org/tc\",\n"
	"  \"timeslot_duration\": \"00:10\",\n"
	"  \"tracks\": [{\"name\": \"Hardware & Making\", \"slug\": \"hw\"}, {\"name\": \"Unused\"}],\n"
	"  \"rooms\": [{\"name\": \"Saal 1\"}, {\"name\": \"Empty Room\"}],\n"
	"  \"days\": [{\"index\": 1, \"date\": \"2025-06-02\", \"day_start\": \"2025-06-02T09:00:00+02:00\",\n"
	"   \"day_end\": \"2025-06-03T04:00:00+02:00\", \"rooms\": {\n"
	"    \"Saal 1\": [\n"
	"     {\"guid\": \"A1B2C3D4-0000-4000-8000-00000000000A\", \"id\": 11, \"slug\": \"tc-11-talk\",\n"
	"      \"date\": \"2025-06-02T10:00:00+02:00\", \"start\": \"10:00\", \"duration\": \"01:30\",\n"
	"      \"room\": \"Saal 1\", \"title\": \"Talk \\ud83d\\ude00\", \"subtitle\": \"The subtitle\",\n"
	"      \"track\": \"Hardware & Making\", \"type\": \"Talk\", \"language\": \"en\",\n"
	"      \"abstract\": \"<p>Abs &amp; more</p><p>Second</p>\", \"description\": \"Desc\\n\",\n"
	"      \"do_not_record\": true,\n"
	"      \"persons\": [{\"guid\": \"F00D0000-0000-4000-8000-000000000001\", \"public_name\": \"Ada\",\n"
	"                    \"role\": \"Moderator\", \"url\": \"https://example.org/ada\"},\n"
	"                   {\"id\": 5, \"code\": \"ABC12\", \"public_name\": \"Bob\"}],\n"
	"      \"links\": [{\"title\": \"Slides\", \"url\": \"https://example.org/s.pdf\"}],\n"
	"      \"attachments\": [{\"title\": \"Paper\", \"url\": \"/media/p.pdf\"}]},\n"
	"     {\"slug\": \"Camp-42_Intro\", \"id\": \"42\", \"date\": \"2025-06-02T12:00:00+02:00\",\n"
	"      \"duration\": \"00:30\", \"title\": \"Lunch\", \"track\": null, \"type\": \"Pause\",\n"
	"      \"persons\": [{\"id\": 99, \"code\": \"abc12\", \"public_name\": \"Bob\"}]},\n"
	"     {\"id\": 7, \"date\": \"2025-06-02T23:30:00+02:00\", \"duration\": \"01:00\",\n"
	"      \"title\": \"Late\", \"type\": \"Workshop (long)\",\n"
	"      \"persons\": [{\"id\": 5, \"public_name\": \"Bob by id\"}, {\"public_name\": \"Carol\"}]},\n"
	"     {\"guid\": \"db385b71-ed70-5e1d-9e2b-2d4195e8e471\", \"id\": 1, \"slug\": \"keynote\",\n"
	"      \"date\": \"2025-06-02T14:00:00+02:00\", \"duration\": \"1:02:00\", \"title\": \"Long\",\n"
	"      \"room\": \"Empty Room\",\n"
	"      \"persons\": [{\"guid\": \"03287435-4bbc-58f9-88ca-b395e993bfa9\",\n"
	"                    \"public_name\": \"Grace Hopper\"}]},\n"
	"     {\"id\": 8, \"start\": \"01:00\", \"duration\": \"00:20\", \"title\": \"After midnight\"}\n"
	"    ]}}]}}}\n";

static void test_json_mapping(void **state)
{
	struct tu_diag td;
	char *path;
	struct programme *p = import(json_full, &td, &path);
	const struct prog_session *s;

	(void)state;
	if (!p)
		tu_diag_dump(&td, "import failed");
	assert_non_null(p);
	assert_string_equal(p->event.id, "test-conf-25");
	assert_string_equal(p->event.title, "Test Conference");
	assert_string_equal(p->event.timezone, "Europe/Berlin");
	assert_string_equal(p->event.url, "https://example.org/tc");
	assert_int_equal(p->n_sessions, 5);
	assert_int_equal(p->n_rooms, 2);
	assert_int_equal(p->n_tracks, 2);
	assert_string_equal(p->tracks[0].id, "hw");
	assert_string_equal(p->tracks[0].title, "Hardware & Making");
	assert_string_equal(p->rooms[0].id, "saal-1");
	assert_string_equal(p->rooms[1].id, "empty-room");

	s = session(p, "a1b2c3d4-0000-4000-8000-00000000000a"); /* guid, lower-cased */
	assert_string_equal(s->title, "Talk \xf0\x9f\x98\x80");   /* a surrogate pair */
	assert_int_equal(s->start, utc(2025, 6, 2, 8, 0));
	assert_int_equal(s->end, utc(2025, 6, 2, 9, 30));
	assert_string_equal(p->rooms[s->room].title, "Saal 1");
	assert_string_equal(p->tracks[s->track].id, "hw");
	assert_string_equal(s->kind, "talk");
	assert_false(s->is_break);
	assert_int_equal(s->status, PROG_CONFIRMED);
	assert_string_equal(s->description, "The subtitle\n\nAbs & more\n\nSecond\n\nDesc");
	assert_int_equal(s->n_people, 2);
	assert_string_equal(speaker_of(p, s, 0)->id, "f00d0000-0000-4000-8000-000000000001");
	assert_string_equal(speaker_of(p, s, 0)->name, "Ada");
	assert_string_equal(speaker_of(p, s, 0)->bio_url, "https://example.org/ada");
	assert_string_equal(s->people[0].role, "Moderator");
	assert_string_equal(speaker_of(p, s, 1)->id, "abc12"); /* pretalx code */
	assert_null(s->people[1].role);
	assert_int_equal(s->n_docs, 2);
	assert_string_equal(s->docs[0].title, "Slides");
	assert_string_equal(s->docs[0].url, "https://example.org/s.pdf");
	assert_string_equal(s->docs[1].title, "Paper");
	assert_string_equal(s->docs[1].url, "https://example.org/media/p.pdf");
	assert_string_equal(s->where, "day 2025-06-02, room 'Saal 1', event "
				      "A1B2C3D4-0000-4000-8000-00000000000A");
	assert_int_equal(s->line, 0);

	s = session(p, "camp-42-intro"); /* no guid: the slug, made an id */
	assert_string_equal(s->kind, "break");
	assert_true(s->is_break);
	assert_int_equal(s->track, PROG_NONE);
	assert_string_equal(speaker_of(p, s, 0)->id, "abc12"); /* the same code: one speaker */

	s = session(p, "e7"); /* neither guid nor slug */
	assert_string_equal(s->kind, "workshop-long");
	assert_int_equal(s->end, utc(2025, 6, 2, 22, 30)); /* across midnight */
	assert_string_equal(p->days[s->day].date, "2025-06-02");
	assert_string_equal(speaker_of(p, s, 0)->id, "p5");
	assert_string_equal(speaker_of(p, s, 1)->id, "carol");

	s = session(p, "keynote"); /* agendad's own guid: the slug is kept */
	assert_int_equal(s->end - s->start, 26 * 3600); /* "D:HH:MM" */
	assert_string_equal(speaker_of(p, s, 0)->id, "grace-hopper");

	s = session(p, "e8"); /* no date: the day and "start"; 01:00 is after midnight */
	assert_int_equal(s->start, utc(2025, 6, 2, 23, 0));
	assert_string_equal(p->days[s->day].date, "2025-06-03");
	assert_int_equal(p->n_days, 2);

	/* Bob (code ABC12, abc12) and Bob by id 5 are keyed apart: code wins over id. */
	assert_int_equal(p->n_speakers, 5);
	assert_diag_counts(&td, 0, 0);
	done(p, &td, path);
}

/* --- schedule.json: warnings ----------------------------------------------------- */

/* A one-day schedule.json around the events text. */
static char *json_doc(const char *conf_extra, const char *rooms)
{
	return xasprintf("{\"schedule\": {\"conference\": {\"acronym\": \"w\", \"title\": \"W\"%s,\n"
			 " \"days\": [{\"date\": \"2025-12-27\", \"day_start\": \"2025-12-27T10:00:00+01:00\",\n"
			 "  \"rooms\": {%s}}]}}}\n",
			 conf_extra, rooms);
}

#define EV(guid, title, date, dur) \
	"{\"guid\": \"" guid "\", \"title\": \"" title "\", \"date\": \"" date "\", \"duration\": \"" dur "\"}"

static void test_json_warnings(void **state)
{
	char *text = json_doc(", \"time_zone_name\": \"Europe/Berlin\"",
			      "\"Saal 1\": [" EV("g1", "One", "2025-12-27T11:00:00+01:00", "01:00") ","
			      EV("g2", "Two", "2025-12-27T11:30:00+01:00", "00:00") ","
			      EV("g3", "Early", "2025-12-27T09:00:00+01:00", "00:30") ","
			      "{\"guid\": \"g5\", \"title\": \"Twice\", \"date\": \"2025-12-27T15:00:00+01:00\","
			      " \"duration\": \"00:10\", \"persons\": [{\"id\": 1, \"public_name\": \"X\"},"
			      " {\"id\": 1, \"public_name\": \"X\"}]}],"
			      "\"\": [" EV("g4", "Nowhere", "2025-12-27T12:00:00+01:00", "00:30") "]");
	struct tu_diag td;
	char *path;
	struct programme *p = import(text, &td, &path);

	(void)state;
	assert_non_null(p);
	assert_diag(&td, path, 0, "warning: day 2025-12-27, room 'Saal 1', event g2 'Two': "
				  "duration is zero; shown as one timeslot (5 minutes)");
	assert_int_equal(session(p, "g2")->end - session(p, "g2")->start, 300);
	assert_diag(&td, path, 0, "warning: day 2025-12-27, room 'Saal 1', event g3 'Early': "
				  "starts before the start of day 2025-12-27");
	assert_diag(&td, path, 0, "warning: day 2025-12-27, room '', event g4 'Nowhere': no room");
	assert_diag(&td, path, 0, "event g5 'Twice': 'X' is listed twice");
	assert_diag(&td, path, 0, "warning: day 2025-12-27, room 'Saal 1', event g2: session 'g2' "
				  "overlaps 'g1' (day 2025-12-27, room 'Saal 1', event g1) in room 'saal-1'");
	assert_diag_counts(&td, 0, 5);
	assert_int_equal(p->warnings, 5);
	done(p, &td, path);
	free(text);
}

static void test_json_time_zones(void **state)
{
	struct tu_diag td;
	char *path, *text;
	struct programme *p;

	(void)state;
	/* No time_zone_name: a fixed offset, said once. */
	text = json_doc("", "\"R\": [" EV("a", "A", "2025-12-27T11:00:00+01:00", "00:30") ","
			EV("b", "B", "2025-12-27T12:00:00+01:00", "00:30") "]");
	p = import(text, &td, &path);
	assert_non_null(p);
	assert_string_equal(p->event.timezone, "Etc/GMT-1");
	assert_diag(&td, path, 0, "warning: no time_zone_name: using Etc/GMT-1");
	assert_diag_counts(&td, 0, 1);
	assert_int_equal(session(p, "a")->start, utc(2025, 12, 27, 10, 0));
	done(p, &td, path);
	free(text);

	/* No time_zone_name, times in UTC: UTC, nothing to say. */
	text = xstrdup("{\"schedule\": {\"conference\": {\"title\": \"U\", \"days\": [{\"date\": "
			 "\"2025-12-27\", \"rooms\": {\"R\": [" EV("a", "A", "2025-12-27T11:00:00Z", "00:30")
			 "]}}]}}}");
	p = import(text, &td, &path);
	assert_non_null(p);
	assert_string_equal(p->event.timezone, "UTC");
	assert_string_equal(p->event.id, "u");
	assert_diag_counts(&td, 0, 0);
	done(p, &td, path);
	free(text);

	/* No time_zone_name and an offset no Etc/GMT zone has: an error. */
	text = xstrdup("{\"schedule\": {\"conference\": {\"title\": \"I\", \"days\": [{\"date\": "
			 "\"2025-12-27\", \"rooms\": {\"R\": ["
			 EV("a", "A", "2025-12-27T11:00:00+05:30", "00:30") "]}}]}}}");
	p = import(text, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 0, "no time_zone_name, and the offset +05:30 of the times has no "
				  "fixed-offset zone: add time_zone_name");
	done(p, &td, path);
	free(text);

	/* A name that disagrees with the offsets: the offsets win, said once. */
	text = json_doc(", \"time_zone_name\": \"UTC\"",
			"\"R\": [" EV("a", "A", "2025-12-27T11:00:00+01:00", "00:30") ","
			EV("b", "B", "2025-12-27T12:00:00.000+0100", "00:30") "]");
	p = import(text, &td, &path);
	assert_non_null(p);
	assert_diag(&td, path, 0, "warning: time_zone_name UTC disagrees with the offset in "
				  "\"2025-12-27T10:00:00+01:00\" at day 2025-12-27; the times' "
				  "offsets are used");
	assert_diag_counts(&td, 0, 1);
	assert_int_equal(session(p, "b")->start, utc(2025, 12, 27, 11, 0));
	done(p, &td, path);
	free(text);
}

/* Room and track ids: slugs of the names, made unique with -2, -3. */
static void test_json_room_ids(void **state)
{
	char *text = json_doc(", \"time_zone_name\": \"Europe/Berlin\", \"rooms\": [{\"name\": "
			      "\"Saal 1\"}, {\"name\": \"Saal-1\"}, {\"name\": \"!!!\"}, {\"name\": "
			      "\"SAAL  1!\"}], \"tracks\": [{\"name\": \"Ça va\"}, {\"name\": \"ca-va\"}]",
			      "");
	struct tu_diag td;
	char *path;
	struct programme *p = import(text, &td, &path);

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->n_rooms, 4);
	assert_string_equal(p->rooms[0].id, "saal-1");
	assert_string_equal(p->rooms[1].id, "saal-1-2");
	assert_string_equal(p->rooms[2].id, "room-3");
	assert_string_equal(p->rooms[3].id, "saal-1-3");
	assert_string_equal(p->tracks[0].id, "ca-va");
	assert_string_equal(p->tracks[1].id, "ca-va-2");
	assert_int_equal(p->n_sessions, 0);
	assert_diag_counts(&td, 0, 0);
	done(p, &td, path);
	free(text);
}

/* --- schedule.json: errors -------------------------------------------------------- */

static void expect_json_error(const char *conf_extra, const char *rooms, const char *needle)
{
	char *text = json_doc(conf_extra, rooms);
	struct tu_diag td;
	char *path;
	struct programme *p = import(text, &td, &path);

	assert_null(p);
	assert_diag(&td, path, 0, needle);
	assert_int_equal(td.d.errors, 1);
	done(p, &td, path);
	free(text);
}

static void test_json_errors(void **state)
{
	const char *tz = ", \"time_zone_name\": \"Europe/Berlin\"";

	(void)state;
	expect_json_error(tz, "\"R\": [{\"guid\": \"x\", \"date\": \"2025-12-27T11:00:00+01:00\", "
			      "\"duration\": \"00:30\"}]",
			  "day 2025-12-27, room 'R', event x '': no title");
	expect_json_error(tz, "\"R\": [{\"guid\": \"x\", \"title\": \"T\", \"duration\": \"00:30\"}]",
			  "event x 'T': no start");
	expect_json_error(tz, "\"R\": [" EV("x", "T", "2025-12-27T11:00:00+01:00", "half an hour") "]",
			  "event x 'T': bad duration \"half an hour\"");
	expect_json_error(tz, "\"R\": [" EV("x", "T", "27.12.2025 11:00", "00:30") "]",
			  "event x 'T': bad date \"27.12.2025 11:00\"");
	expect_json_error(", \"time_zone_name\": \"Mars/Olympus\"", "",
			  "unknown time_zone_name \"Mars/Olympus\"");
	expect_json_error(tz, "\"R\": [" EV("dup", "A", "2025-12-27T11:00:00+01:00", "00:30") "],"
			  "\"S\": [" EV("DUP", "B", "2025-12-27T11:00:00+01:00", "00:30") "]",
			  "day 2025-12-27, room 'S', event DUP 'B': duplicate guid/id 'dup' (first at "
			  "day 2025-12-27, room 'R', event dup)");
}

static void test_json_unreadable(void **state)
{
	struct tu_diag td;
	char *path;
	char *at;
	struct programme *p;

	(void)state;
	p = import("{\"schedule\": {\n  \"conference\": {\"title\": \"x\",}\n}}\n", &td, &path);
	assert_null(p);
	at = xasprintf("%s:2", path);
	if (tu_diag_count(&td, at, 31, "") != 1) /* FILE:LINE:COLUMN: */
		tu_diag_dump(&td, "no FILE:2:31: error");
	assert_int_equal(tu_diag_count(&td, at, 31, ""), 1);
	assert_diag_counts(&td, 1, 0);
	free(at);
	done(p, &td, path);

	p = import("{\"conference\": {}}", &td, &path);
	assert_null(p);
	assert_diag(&td, path, 0, "not a schedule.json: no \"schedule\": { \"conference\"");
	done(p, &td, path);
}

/* --- agendad's own schedule.json (meta.agendad) ------------------------------ */

/* Everything the extension must carry: two rooms with one title, one
 * titled like the location, ids that are not slugs ("x", "h", "a"), a
 * track description, two tracks of one title, tentative and cancelled sessions, a confirmed one
 * titled "Cancelled: ...", documents with, without and with an odd URL,
 * per-appearance affiliations, a speaker in no session, a break, a
 * session without a room, and the spring DST change. */
static const char own_prog[] =
	"event = { id = \"own-conf\"; title = \"Own <conf>\"; short_title = \"Own\";\n"
	"  timezone = \"Europe/Berlin\"; location = \"Haus, Berlin\";\n"
	"  url = \"https://example.org/own?a=1&b=<2>\"; description = \"About <b>it</b>.\"; };\n"
	"tracks = ( { id = \"main\"; title = \"Main\"; description = \"The main one.\"; },\n"
	"           { id = \"x\"; title = \"Side; odd\"; }, { id = \"x2\"; title = \"Side; odd\"; } );\n"
	"rooms = ( { id = \"hall\"; title = \"Hall\"; }, { id = \"h\"; title = \"Hall\"; },\n"
	"          { id = \"annex\"; title = \"Haus, Berlin\"; } );\n"
	"speakers = (\n"
	"  { id = \"ann\"; name = \"Ann\"; affiliation = \"Org A\"; email = \"ann@example.org\";\n"
	"    bio_url = \"https://example.org/ann lee\"; },\n"
	"  { id = \"bo\"; name = \"Bo\"; email = \"bo@example.org\"; },\n"
	"  { id = \"cy\"; name = \"Cy\"; affiliation = \"Nowhere\"; bio_url = \"https://example.org/cy\";\n"
	"    email = \"cy@example.org\"; },\n"
	"  { id = \"dee\"; name = \"D\\u00e9e\"; affiliation = \"Org D\"; email = \"dee@example.org\"; }\n"
	");\n"
	"sessions = (\n"
	"  { id = \"opening\"; title = \"Opening\"; start = \"2025-03-29 09:00\"; end = \"2025-03-29 10:00\";\n"
	"    room = \"hall\"; track = \"main\"; kind = \"talk\"; description = \"Welcome <b>all</b>.\";\n"
	"    people = ( { speaker = \"dee\"; role = \"Chair\"; },\n"
	"               { speaker = \"ann\"; role = \"Keynote\"; affiliation = \"Org A, as printed\"; },\n"
	"               { speaker = \"bo\"; } );\n"
	"    documents = ( { title = \"Slides\"; url = \"https://example.org/s.pdf\"; },\n"
	"                  { title = \"Handout\"; }, { title = \"JS\"; url = \"javascript:alert(1)\"; } ); },\n"
	"  { id = \"maybe\"; title = \"Maybe\"; status = \"tentative\"; room = \"h\";\n"
	"    start = \"2025-03-30 01:30\"; end = \"2025-03-30 03:30\"; },\n"
	"  { id = \"x\"; title = \"Cancelled: not really\"; room = \"annex\"; track = \"x\";\n"
	"    start = \"2025-03-30 09:00\"; end = \"2025-03-30 10:00\"; },\n"
	"  { id = \"gone\"; title = \"Gone\"; status = \"cancelled\"; track = \"x2\";\n"
	"    start = \"2025-03-30 11:00\"; end = \"2025-03-30 12:00\"; people = ( { speaker = \"ann\"; } ); },\n"
	"  { id = \"a\"; title = \"Coffee\"; kind = \"break\"; start = \"2025-03-30 10:30\";\n"
	"    end = \"2025-03-30 10:45\"; room = \"annex\"; }\n"
	");\n";

/* The programme in prog_text (or at path), and its schedule.json (caller frees). */
static char *own_export(const char *prog_text, const char *path, struct programme **orig)
{
	char *dir = tu_tmpdir(), *conf_path, *prog_path;
	struct tu_diag td;
	struct conf *c;
	struct buf out = { 0 };

	conf_path = tu_write(dir, "agendad.conf", "programme = \"p.programme\";\n"
				  "base_url = \"https://example.org/agenda\";\n");
	prog_path = path ? xstrdup(path) : tu_write(dir, "p.programme", prog_text);
	tu_diag_init(&td);
	c = conf_load(conf_path, &td.d);
	assert_non_null(c);
	*orig = prog_load(prog_path, &td.d);
	if (!*orig)
		tu_diag_dump(&td, "the programme does not load");
	assert_non_null(*orig);
	assert_int_equal(schedule_json(*orig, c, &out), 0);
	tu_diag_free(&td);
	conf_free(c);
	tu_rmtree(dir);
	free(dir);
	free(conf_path);
	free(prog_path);
	return buf_steal(&out, NULL);
}

static void same_text(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
		fprintf(stderr, "%s: \"%s\" != \"%s\"\n", what, a ? a : "(null)", b ? b : "(null)");
		fail();
	}
}

/* b (imported) is a (loaded) but for e-mail addresses, which no
 * schedule.json holds. */
static void assert_same_programme(const struct programme *a, const struct programme *b)
{
	same_text("event id", a->event.id, b->event.id);
	same_text("event title", a->event.title, b->event.title);
	same_text("short_title", a->event.short_title, b->event.short_title);
	same_text("timezone", a->event.timezone, b->event.timezone);
	same_text("location", a->event.location, b->event.location);
	same_text("event url", a->event.url, b->event.url);
	same_text("event description", a->event.description, b->event.description);
	assert_int_equal(a->n_tracks, b->n_tracks);
	for (size_t i = 0; i < a->n_tracks; i++) {
		same_text("track id", a->tracks[i].id, b->tracks[i].id);
		same_text("track title", a->tracks[i].title, b->tracks[i].title);
		same_text("track description", a->tracks[i].description, b->tracks[i].description);
	}
	assert_int_equal(a->n_rooms, b->n_rooms);
	for (size_t i = 0; i < a->n_rooms; i++) {
		same_text("room id", a->rooms[i].id, b->rooms[i].id);
		same_text("room title", a->rooms[i].title, b->rooms[i].title);
	}
	assert_int_equal(a->n_speakers, b->n_speakers);
	for (size_t i = 0; i < a->n_speakers; i++) {
		same_text("speaker id", a->speakers[i].id, b->speakers[i].id);
		same_text("speaker name", a->speakers[i].name, b->speakers[i].name);
		same_text("affiliation", a->speakers[i].affiliation, b->speakers[i].affiliation);
		same_text("bio_url", a->speakers[i].bio_url, b->speakers[i].bio_url);
		assert_null(b->speakers[i].email);
	}
	assert_int_equal(a->n_sessions, b->n_sessions);
	for (size_t i = 0; i < a->n_sessions; i++) {
		const struct prog_session *x = &a->sessions[i], *y = &b->sessions[i];

		same_text("session id", x->id, y->id);
		same_text("title", x->title, y->title);
		same_text("kind", x->kind, y->kind);
		same_text("description", x->description, y->description);
		assert_true(x->start == y->start && x->end == y->end);
		assert_int_equal(x->track, y->track);
		assert_int_equal(x->room, y->room);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->is_break, y->is_break);
		assert_int_equal(x->n_people, y->n_people);
		for (uint32_t k = 0; k < x->n_people; k++) {
			assert_int_equal(x->people[k].speaker, y->people[k].speaker);
			same_text("role", x->people[k].role, y->people[k].role);
			same_text("person affiliation", x->people[k].affiliation,
				  y->people[k].affiliation);
		}
		assert_int_equal(x->n_docs, y->n_docs);
		for (uint32_t k = 0; k < x->n_docs; k++) {
			same_text("document title", x->docs[k].title, y->docs[k].title);
			same_text("document url", x->docs[k].url, y->docs[k].url);
		}
	}
}

static void round_trip(const char *prog_text, const char *path)
{
	struct programme *orig, *back;
	struct tu_diag td;
	char *json = own_export(prog_text, path, &orig), *tmp;

	back = import(json, &td, &tmp);
	if (!back || td.n)
		tu_diag_dump(&td, "the own export does not import cleanly");
	assert_non_null(back);
	assert_int_equal(td.n, 0); /* no "no room" warnings either */
	assert_same_programme(orig, back);
	done(back, &td, tmp);
	prog_free(orig);
	free(json);
}

static void test_own_export_restored(void **state)
{
	(void)state;
	round_trip(own_prog, NULL);
	round_trip(NULL, TESTS_SRCDIR "/../etc/idm-2014-south-south.programme");
}

/* The export's own meta.agendad after edit(root); imported. */
static struct programme *import_edited(const char *json, void (*edit)(json_t *root),
				       struct tu_diag *td, char **path)
{
	json_error_t err;
	json_t *root = json_loadb(json, strlen(json), 0, &err);
	char *text;
	struct programme *p;

	assert_non_null(root);
	edit(root);
	text = json_dumps(root, JSON_PRESERVE_ORDER);
	json_decref(root);
	p = import(text, td, path);
	free(text);
	return p;
}

static json_t *conference_of(json_t *root)
{
	return json_object_get(json_object_get(root, "schedule"), "conference");
}

/* One event's guid ("Coffee"'s) is not agendad's, as if a hand edited it. */
static void forge_guid(json_t *root)
{
	json_t *day, *events, *ev;
	const char *room;
	size_t i, k;

	json_array_foreach(json_object_get(conference_of(root), "days"), i, day) {
		json_object_foreach(json_object_get(day, "rooms"), room, events) {
			json_array_foreach(events, k, ev) {
				if (strcmp(json_string_value(json_object_get(ev, "title")), "Coffee"))
					continue;
				json_object_set_new(ev, "guid",
						    json_string("0d092af3-c9f8-531f-9cc3-9db40a0750ef"));
				return;
			}
		}
	}
	fail();
}

/* meta.event_id names another event: no guid follows from it. */
static void other_event_id(json_t *root)
{
	json_object_set_new(json_object_get(conference_of(root), "meta"), "event_id",
			    json_string("someone-else"));
}

static void assert_not_trusted(const char *json, void (*edit)(json_t *root))
{
	struct tu_diag td;
	char *path;
	struct programme *p = import_edited(json, edit, &td, &path);
	const struct prog_session *gone;

	assert_non_null(p);
	assert_int_equal(tu_diag_count(&td, path, 0, "meta.agendad ignored"), 1);
	/* Read as any schedule.json: nothing of meta.agendad is believed. */
	assert_null(p->event.short_title);
	assert_null(p->event.location);
	assert_int_equal(session(p, "maybe")->status, PROG_CONFIRMED);
	gone = session(p, "gone");
	assert_string_equal(gone->title, "Cancelled: Gone");
	assert_int_equal(gone->status, PROG_CONFIRMED);
	assert_int_equal(gone->n_docs, 0);
	assert_null(session(p, "opening")->people[1].affiliation);
	assert_int_equal(session(p, "opening")->n_docs, 1); /* the link only */
	for (size_t i = 0; i < p->n_tracks; i++)
		assert_null(p->tracks[i].description);
	for (size_t i = 0; i < p->n_speakers; i++)
		assert_null(p->speakers[i].affiliation);
	assert_int_equal(p->n_rooms, 4); /* the made-up room for "gone" is one */
	done(p, &td, path);
}

static void test_own_export_needs_guids(void **state)
{
	struct programme *orig;
	char *json = own_export(own_prog, NULL, &orig);

	(void)state;
	assert_not_trusted(json, forge_guid);
	assert_not_trusted(json, other_event_id);
	prog_free(orig);
	free(json);
}

/* --- schedule.xml -------------------------------------------------------------- */

static const char xml_full[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<schedule>\n"
	"  <conference>\n"
	"    <acronym>fosdem-2030</acronym>\n"
	"    <title>FOSDEM 2030</title>\n"
	"    <venue>ULB</venue>\n"
	"    <city>Brussels</city>\n"
	"    <day_change>09:00:00</day_change>\n"
	"    <timeslot_duration>00:05:00</timeslot_duration>\n"
	"    <base_url>https://fosdem.org/2030/schedule/</base_url>\n"
	"    <time_zone_name>Europe/Brussels</time_zone_name>\n"
	"  </conference>\n"
	"  <tracks><track slug=\"llvm\">LLVM</track><track>Go &amp; Rust</track></tracks>\n"
	"  <day index=\"1\" date=\"2030-02-02\">\n"
	"    <room name=\"K.3.201\" slug=\"k3201\">\n"
	"      <event guid=\"852280ac-61d3-588c-b74c-8d87f9d9d2c6\" id=\"6210\">\n"
	"        <date>2030-02-02T10:35:00+01:00</date>\n"
	"        <start>10:35</start>\n"
	"        <duration>00:25</duration>\n"
	"        <room>K.3.201</room>\n"
	"        <slug>fosdem-2030-6210-a-talk</slug>\n"
	"        <title>A talk</title>\n"
	"        <subtitle></subtitle>\n"
	"        <track>LLVM</track>\n"
	"        <type>devroom</type>\n"
	"        <abstract>&lt;p&gt;First &amp;amp; one.&lt;/p&gt;\n&lt;p&gt;Second.&lt;/p&gt;</abstract>\n"
	"        <description></description>\n"
	"        <persons>\n"
	"          <person id=\"4744\" role=\"speaker\">Mikhail Gudim</person>\n"
	"          <person id=\"12\">Zoë</person>\n"
	"        </persons>\n"
	"        <attachments>\n"
	"          <attachment type=\"slides\" href=\"https://fosdem.org/s.pdf\">Slides</attachment>\n"
	"        </attachments>\n"
	"        <links><link href=\"https://github.com/llvm/\">LLVM</link></links>\n"
	"      </event>\n"
	"      <event guid=\"852280ac-61d3-588c-b74c-8d87f9d9d2c7\" id=\"6211\">\n"
	"        <date>2030-02-02T10:50:00+01:00</date>\n"
	"        <duration>00:25:00</duration>\n"
	"        <title>Overlapping</title>\n"
	"        <track slug=\"main\">Main Track</track>\n"
	"        <persons><person id=\"12\">Zoë</person></persons>\n"
	"      </event>\n"
	"      <event id=\"6212\">\n"
	"        <date>2030-02-02T08:00:00+01:00</date>\n"
	"        <duration>00:00</duration>\n"
	"        <room></room>\n"
	"        <title>Early</title>\n"
	"      </event>\n"
	"    </room>\n"
	"    <room name=\"\">\n"
	"      <event id=\"6213\"><date>2030-02-02T12:00:00+01:00</date><duration>00:30</duration>"
	"<title>Roomless</title></event>\n"
	"    </room>\n"
	"  </day>\n"
	"</schedule>\n";

static void test_xml_mapping(void **state)
{
	struct tu_diag td;
	char *path;
	struct programme *p = import(xml_full, &td, &path);
	const struct prog_session *s;

	(void)state;
	if (!p)
		tu_diag_dump(&td, "import failed");
	assert_non_null(p);
	assert_string_equal(p->event.id, "fosdem-2030");
	assert_string_equal(p->event.location, "ULB, Brussels");
	assert_string_equal(p->event.url, "https://fosdem.org/2030/schedule/");
	assert_int_equal(p->n_sessions, 4);
	assert_int_equal(p->n_rooms, 1);
	assert_int_equal(p->n_tracks, 3);
	assert_string_equal(p->tracks[1].id, "go-rust");
	assert_string_equal(p->tracks[2].id, "main");
	assert_int_equal(p->n_speakers, 2);

	s = session(p, "852280ac-61d3-588c-b74c-8d87f9d9d2c6");
	assert_int_equal(s->line, tu_line_of(xml_full, "d9d2c6\""));
	assert_int_equal(s->start, utc(2030, 2, 2, 9, 35));
	assert_int_equal(s->end, utc(2030, 2, 2, 10, 0));
	assert_string_equal(p->rooms[s->room].id, "k3201");
	assert_string_equal(p->tracks[s->track].id, "llvm");
	assert_string_equal(s->kind, "devroom");
	assert_string_equal(s->description, "First & one.\n\nSecond.");
	assert_string_equal(speaker_of(p, s, 0)->id, "p4744");
	assert_string_equal(speaker_of(p, s, 0)->name, "Mikhail Gudim");
	assert_string_equal(s->people[0].role, "speaker");
	assert_string_equal(speaker_of(p, s, 1)->name, "Zoë");
	assert_int_equal(s->n_docs, 2);
	assert_string_equal(s->docs[0].title, "LLVM");
	assert_string_equal(s->docs[1].url, "https://fosdem.org/s.pdf");

	s = session(p, "852280ac-61d3-588c-b74c-8d87f9d9d2c7");
	assert_int_equal(s->end - s->start, 25 * 60); /* "HH:MM:SS" in XML */
	assert_string_equal(p->rooms[s->room].id, "k3201"); /* the <room> it is in */
	assert_string_equal(speaker_of(p, s, 0)->id, "p12");

	assert_diag(&td, path, tu_line_of(xml_full, "d9d2c7\""),
		    "warning: session '852280ac-61d3-588c-b74c-8d87f9d9d2c7' overlaps "
		    "'852280ac-61d3-588c-b74c-8d87f9d9d2c6' (line 16) in room 'k3201'");
	assert_diag(&td, path, tu_line_of(xml_full, "\"6212\""),
		    "warning: event 6212 'Early': duration is zero; shown as one timeslot (5 minutes)");
	assert_diag(&td, path, tu_line_of(xml_full, "\"6212\""),
		    "warning: event 6212 'Early': starts before the start of day 2030-02-02");
	assert_diag(&td, path, tu_line_of(xml_full, "\"6213\""),
		    "warning: event 6213 'Roomless': no room");
	assert_diag(&td, path, tu_line_of(xml_full, "d9d2c7\""),
		    "warning: speaker 'p12' is in session '852280ac-61d3-588c-b74c-8d87f9d9d2c7' and "
		    "in '852280ac-61d3-588c-b74c-8d87f9d9d2c6' (line 16) at once");
	assert_diag_counts(&td, 0, 5);
	done(p, &td, path);
}

static void test_xml_errors(void **state)
{
	static const char broken[] = "<?xml version=\"1.0\"?>\n<schedule>\n<conference>\n"
				     "</schedule>\n";
	static const char no_start[] =
		"<schedule><conference><title>T</title>\n"
		"<time_zone_name>Europe/Brussels</time_zone_name></conference>\n"
		"<day date=\"2030-02-02\"><room name=\"R\">\n"
		"<event guid=\"x\"><title>No start</title><duration>00:30</duration></event>\n"
		"<event guid=\"x\"><title>Dup</title><date>2030-02-02T12:00:00+01:00</date>"
		"<duration>00:30</duration></event>\n"
		"<event guid=\"X\"><title>Dup</title><date>2030-02-02T12:00:00+01:00</date>"
		"<duration>00:30</duration></event>\n"
		"</room></day></schedule>\n";
	struct tu_diag td;
	char *path;
	struct programme *p;

	(void)state;
	p = import(broken, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 4, "Opening and ending tag mismatch: conference");
	assert_diag_counts(&td, 1, 0);
	done(p, &td, path);

	p = import(no_start, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 4, "event x 'No start': no start");
	assert_diag(&td, path, 6, "event X 'Dup': duplicate guid/id 'x' (first at line 5)");
	assert_diag_counts(&td, 2, 0);
	done(p, &td, path);

	p = import("<calendar/>", &td, &path);
	assert_null(p);
	assert_diag(&td, path, 1, "not a schedule.xml");
	done(p, &td, path);
}

/* An external entity is neither fetched nor read: a document that
 * declares any entity is refused, and the message shows nothing of it. */
static void test_xml_no_entities(void **state)
{
	static const char xxe[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE schedule [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
		"<schedule><conference><title>T&e;</title>\n"
		"<time_zone_name>UTC</time_zone_name></conference>\n"
		"<day date=\"2030-02-02\"><room name=\"R\">\n"
		"<event guid=\"x\"><title>A&e;</title><date>2030-02-02T12:00:00Z</date>"
		"<duration>00:30</duration></event></room></day></schedule>\n";
	struct tu_diag td;
	char *path;
	struct programme *p = import(xxe, &td, &path);

	(void)state;
	assert_null(p);
	assert_diag(&td, path, 2, "declares the entity 'e'");
	assert_diag_counts(&td, 1, 0);
	assert_null(strstr(td.msgs[0].text, "root:"));
	done(p, &td, path);
}

/* xmlNodeGetContent expands entities on every read: one 20 KB entity
 * used 50,000 times took 35 s and 2.9 GB.  An internal entity is
 * refused as an external one is, before any of the document is read. */
static void test_xml_internal_entity_refused(void **state)
{
	struct tu_diag td;
	char *path, *big = malloc(20001), *uses = malloc(3 * 2000 + 1), *doc;
	struct programme *p;

	(void)state;
	assert_non_null(big);
	assert_non_null(uses);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	uses[0] = '\0';
	for (int i = 0; i < 2000; i++)
		memcpy(uses + 3 * i, "&e;", 4);
	doc = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE schedule [\n<!ENTITY e \"%s\">\n]>\n"
			"<schedule><conference><title>T</title>\n"
			"<time_zone_name>UTC</time_zone_name></conference>\n"
			"<day date=\"2030-02-02\"><room name=\"R\">\n"
			"<event guid=\"x\"><title>%s</title><date>2030-02-02T12:00:00Z</date>"
			"<duration>00:30</duration></event></room></day></schedule>\n",
			big, uses);
	p = import(doc, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 3, "entity declarations are refused");
	assert_diag_counts(&td, 1, 0);
	done(p, &td, path);
	free(doc);
	free(uses);
	free(big);
}

static char *json_event(const char *title, const char *duration, const char *guid,
			const char *person)
{
	return xasprintf("{\"schedule\": {\"version\": \"1\", \"conference\": {\"acronym\": \"c\", "
			 "\"title\": \" Conf\\u0007 \", \"time_zone_name\": \"Europe/Berlin\", "
			 "\"days\": [{\"index\": 1, \"date\": \"2025-06-02\", \"rooms\": {\"R \": [{"
			 "\"guid\": \"%s\", \"id\": 1, \"title\": \"%s\", "
			 "\"date\": \"2025-06-02T10:00:00+02:00\", \"duration\": \"%s\", "
			 "\"room\": \"R \", \"description\": \"a\\u001bb\\u007f\\tc\", "
			 "\"persons\": [{\"id\": 7, \"public_name\": \"%s\"}]}]}}]}}}",
			 guid, title, duration, person);
}

/* Control characters are dropped (with a warning); titles and names
 * lose the spaces at their ends, which libical drops and others keep. */
static void test_import_text_cleaned(void **state)
{
	struct tu_diag td;
	char *path, *doc = json_event("  Cyborg\\u0007 Foundation ", "01:00", "g1",
				      " Neil\\u000b Harbisson ");
	struct programme *p = import(doc, &td, &path);

	(void)state;
	assert_non_null(p);
	assert_string_equal(p->event.title, "Conf");
	assert_string_equal(p->sessions[0].title, "Cyborg Foundation");
	assert_string_equal(p->sessions[0].description, "ab\tc");
	assert_string_equal(p->rooms[0].title, "R");
	assert_string_equal(p->speakers[0].name, "Neil Harbisson");
	assert_int_equal(td.d.errors, 0);
	assert_true(tu_diag_count(&td, path, 0, "control characters") >= 3);
	done(p, &td, path);
	free(doc);
}

/* "99999999999:59" passed and published DTEND ...:00000000T000000;
 * "4294967297:00" would wrap to one hour. */
static void test_import_duration_bounded(void **state)
{
	static const char *const bad[] = { "99999999999:59", "4294967297:00", "745:00",
					   "31:00:01" };
	struct tu_diag td;
	char *path;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *doc = json_event("T", bad[i], "g1", "A");
		struct programme *p = import(doc, &td, &path);

		if (p || td.d.errors != 1)
			fprintf(stderr, "duration %s\n", bad[i]);
		assert_null(p);
		assert_int_equal(td.d.errors, 1);
		done(p, &td, path);
		free(doc);
	}
	{
		char *doc = json_event("T", "744:00", "g1", "A");
		struct programme *p = import(doc, &td, &path);

		assert_non_null(p);
		assert_int_equal(p->sessions[0].end - p->sessions[0].start, 31 * 86400);
		done(p, &td, path);
		free(doc);
	}
}

/* An id longer than LCFG_MAX_ID is cut, the same way every time, with
 * a hash that keeps two long ids with one beginning apart. */
static void test_import_long_ids_shortened(void **state)
{
	char *g1 = malloc(10001), *g2, *doc1, *doc2;
	struct programme *p1, *p2;
	struct tu_diag td1, td2;
	char *path1, *path2;

	(void)state;
	assert_non_null(g1);
	memset(g1, 'g', 10000);
	g1[10000] = '\0';
	g2 = xasprintf("%sh", g1);
	doc1 = json_event("T", "01:00", g1, "A");
	doc2 = json_event("T", "01:00", g2, "A");
	p1 = import(doc1, &td1, &path1);
	p2 = import(doc2, &td2, &path2);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_true(strlen(p1->sessions[0].id) <= 128);
	assert_true(lcfg_is_id(p1->sessions[0].id));
	assert_int_equal(strncmp(p1->sessions[0].id, g1, 100), 0);
	assert_string_not_equal(p1->sessions[0].id, p2->sessions[0].id);
	assert_true(tu_diag_count(&td1, path1, 0, "shortened to") == 1);
	done(p2, &td2, path2);
	p2 = import(doc1, &td2, &path2);
	assert_string_equal(p1->sessions[0].id, p2->sessions[0].id);
	done(p1, &td1, path1);
	done(p2, &td2, path2);
	free(doc1);
	free(doc2);
	free(g2);
	free(g1);
}

/* programme_max_mb: a document past it is refused before it is read. */
static void test_import_size_cap(void **state)
{
	char *doc = json_event("T", "01:00", "g1", "A");
	char *path = tu_temp_file(doc);
	struct tu_diag td;

	(void)state;
	tu_diag_init(&td);
	assert_null(import_programme_max(path, 100, &td.d));
	assert_diag(&td, path, 0, "larger than 100 bytes");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);
	free(doc);
}

/* Entities that expand a billion times are refused by libxml2's parser. */
static void test_xml_entity_bomb(void **state)
{
	struct tu_diag td;
	char *path, *text = xstrdup("<?xml version=\"1.0\"?>\n<!DOCTYPE schedule [<!ENTITY l0 \"lol\">");
	struct programme *p;

	(void)state;
	for (int i = 1; i < 10; i++) {
		char *more = xasprintf("%s<!ENTITY l%d \"%s\">", text, i,
				       "&lx;&lx;&lx;&lx;&lx;&lx;&lx;&lx;&lx;&lx;");
		for (char *x = strstr(more + strlen(text), "&lx;"); x; x = strstr(x, "&lx;"))
			x[2] = (char)('0' + i - 1);
		free(text);
		text = more;
	}
	{
		char *doc = xasprintf("%s]>\n<schedule><conference><title>&l9;</title></conference>"
				      "</schedule>\n", text);
		free(text);
		text = doc;
	}
	p = import(text, &td, &path);
	assert_null(p);
	assert_int_equal(td.d.errors, 1);
	done(p, &td, path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_uuid5),
		cmocka_unit_test(test_slugify),
		cmocka_unit_test(test_html_text),
		cmocka_unit_test(test_json_mapping),
		cmocka_unit_test(test_json_warnings),
		cmocka_unit_test(test_json_time_zones),
		cmocka_unit_test(test_json_room_ids),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_unreadable),
		cmocka_unit_test(test_own_export_restored),
		cmocka_unit_test(test_own_export_needs_guids),
		cmocka_unit_test(test_xml_mapping),
		cmocka_unit_test(test_xml_errors),
		cmocka_unit_test(test_xml_no_entities),
		cmocka_unit_test(test_xml_entity_bomb),
		cmocka_unit_test(test_xml_internal_entity_refused),
		cmocka_unit_test(test_import_text_cleaned),
		cmocka_unit_test(test_import_duration_bounded),
		cmocka_unit_test(test_import_long_ids_shortened),
		cmocka_unit_test(test_import_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
