/* programme.c: loading, validation and the FILE:LINE diagnostics. */
#include "config.h"

#include "testutil.h"

#include <libical/ical.h>

#include "lcfg.h"
#include "programme.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct civil c = { y, mo, d, h, mi, 0 };

	return civil_to_seconds(&c);
}

static const struct prog_session *session(const struct programme *p, const char *id)
{
	uint32_t i;

	if (strmap_get(p->session_ids, id, &i) != 0) {
		fprintf(stderr, "no session '%s'\n", id);
		fail();
	}
	assert_true(i < p->n_sessions);
	assert_string_equal(p->sessions[i].id, id);
	return &p->sessions[i];
}

/* Loads text as a programme; *path is the file (caller frees). */
static struct programme *load(const char *text, struct tu_diag *td, char **path)
{
	*path = tu_temp_file(text);
	tu_diag_init(td);
	return prog_load(*path, &td->d);
}

/* --- a valid programme --------------------------------------------------- */

static const char valid[] =
	"# a small but complete programme\n"
	"event = {\n"
	"  id = \"conf2025\";\n"
	"  title = \"Test Conference\";\n"
	"  short_title = \"TC 2025\";\n"
	"  timezone = \"Europe/Berlin\";\n"
	"  location = \"Berlin, Germany\";\n"
	"  url = \"https://example.org/tc\";\n"
	"  description = \"About it.\";\n"
	"};\n"
	"tracks = (\n"
	"  { id = \"plenary\"; title = \"Plenary\"; description = \"Everyone\"; },\n"
	"  { id = \"panels\"; }\n"
	");\n"
	"rooms = (\n"
	"  { id = \"main-hall\"; title = \"Main Hall\"; },\n"
	"  { id = \"room-2\"; }\n"
	");\n"
	"speakers = (\n"
	"  { id = \"alice\"; name = \"Alice Example\"; affiliation = \"Org A\";\n"
	"    bio_url = \"https://example.org/alice\"; email = \"alice@example.org\"; },\n"
	"  { id = \"bob\"; name = \"Bob Example\"; }\n"
	");\n"
	"sessions = (\n"
	"  { id = \"late\"; title = \"Late Night\"; start = \"2025-06-02 23:30\";\n"
	"    end = \"2025-06-03 01:00\"; room = \"room-2\";\n"
	"    people = ( { speaker = \"bob\"; } ); },\n"
	"  { id = \"opening\"; title = \"Opening\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\";\n"
	"    track = \"plenary\"; room = \"main-hall\"; description = \"Welcome.\";\n"
	"    people = ( { speaker = \"alice\"; role = \"Chair\"; },\n"
	"               { speaker = \"bob\"; affiliation = \"Guest of Org A\"; } );\n"
	"    documents = ( { title = \"Slides\"; url = \"https://example.org/s.pdf\"; },\n"
	"                  { title = \"Notes\"; } ); },\n"
	"  { id = \"coffee\"; title = \"Coffee\"; kind = \"break\"; start = \"2025-06-02 10:00\"; end = \"2025-06-02 10:30\"; },\n"
	"  { id = \"early-night\"; title = \"After midnight\"; start = \"2025-06-04 00:30\"; end = \"2025-06-04 01:30\";\n"
	"    status = \"tentative\"; track = \"panels\"; kind = \"workshop\"; },\n"
	"  { id = \"b-short\"; title = \"Short\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 09:30\"; },\n"
	"  { id = \"a-same\"; title = \"Same time\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"dropped\"; title = \"Dropped\"; start = \"2025-06-02 09:15\"; end = \"2025-06-02 09:45\";\n"
	"    room = \"main-hall\"; status = \"cancelled\"; people = ( { speaker = \"alice\"; } ); },\n"
	"  { id = \"explicit\"; title = \"Explicit\"; status = \"confirmed\";\n"
	"    start = \"2025-06-02 11:00 +02:00\"; end = \"2025-06-02 12:00 +02:00\"; }\n"
	");\n";

static void test_valid(void **state)
{
	struct tu_diag td;
	char *path;
	struct programme *p = load(valid, &td, &path);
	const struct prog_session *s;
	static const char *const order[] = { "b-short", "a-same",   "opening", "dropped",
					     "coffee",  "explicit", "late",    "early-night" };

	(void)state;
	if (!p)
		tu_diag_dump(&td, "prog_load failed");
	assert_non_null(p);
	assert_diag_counts(&td, 0, 0);
	assert_int_equal(p->warnings, 0);
	assert_string_equal(p->path, path);

	assert_string_equal(p->event.id, "conf2025");
	assert_string_equal(p->event.title, "Test Conference");
	assert_string_equal(p->event.short_title, "TC 2025");
	assert_string_equal(p->event.timezone, "Europe/Berlin");
	assert_string_equal(p->event.location, "Berlin, Germany");
	assert_string_equal(p->event.url, "https://example.org/tc");
	assert_string_equal(p->event.description, "About it.");
	assert_non_null(p->tz);
	assert_string_equal(tz_name(p->tz), "Europe/Berlin");

	assert_int_equal(p->n_tracks, 2);
	assert_string_equal(p->tracks[0].id, "plenary");
	assert_string_equal(p->tracks[0].title, "Plenary");
	assert_string_equal(p->tracks[0].description, "Everyone");
	assert_string_equal(p->tracks[1].id, "panels");
	assert_string_equal(p->tracks[1].title, "panels"); /* the id stands in */
	assert_null(p->tracks[1].description);
	assert_int_equal(p->n_rooms, 2);
	assert_string_equal(p->rooms[0].title, "Main Hall");
	assert_string_equal(p->rooms[1].title, "room-2");
	assert_int_equal(p->n_speakers, 2);
	assert_string_equal(p->speakers[0].name, "Alice Example");
	assert_string_equal(p->speakers[0].affiliation, "Org A");
	assert_string_equal(p->speakers[0].bio_url, "https://example.org/alice");
	assert_string_equal(p->speakers[0].email, "alice@example.org");
	assert_string_equal(p->speakers[1].name, "Bob Example");
	assert_null(p->speakers[1].affiliation);
	assert_null(p->speakers[1].email);

	/* sorted by start, then end, then id */
	assert_int_equal(p->n_sessions, sizeof(order) / sizeof(order[0]));
	for (size_t i = 0; i < p->n_sessions; i++) {
		uint32_t at;

		assert_string_equal(p->sessions[i].id, order[i]);
		assert_int_equal(strmap_get(p->session_ids, order[i], &at), 0);
		assert_int_equal(at, i);
		if (i)
			assert_true(p->sessions[i - 1].start <= p->sessions[i].start);
	}
	assert_int_equal(strmap_get(p->session_ids, "nope", &(uint32_t){ 0 }), -ENOENT);

	/* days: local start dates; "late" ends on the 3rd but belongs to the
	 * 2nd, and "early-night" is on the 3rd in UTC but the 4th in Berlin */
	assert_int_equal(p->n_days, 2);
	assert_string_equal(p->days[0].date, "2025-06-02");
	assert_int_equal(p->days[0].year, 2025);
	assert_int_equal(p->days[0].month, 6);
	assert_int_equal(p->days[0].day, 2);
	assert_string_equal(p->days[1].date, "2025-06-04");
	assert_int_equal(p->days[1].day, 4);

	s = session(p, "opening");
	assert_string_equal(s->title, "Opening");
	assert_int_equal(s->start, utc(2025, 6, 2, 7, 0));
	assert_int_equal(s->end, utc(2025, 6, 2, 8, 0));
	assert_int_equal(s->line, tu_line_of(valid, "{ id = \"opening\""));
	assert_int_equal(s->day, 0);
	assert_int_equal(s->track, 0);
	assert_int_equal(s->room, 0);
	assert_string_equal(s->kind, "session");
	assert_int_equal(s->status, PROG_CONFIRMED);
	assert_false(s->is_break);
	assert_string_equal(s->description, "Welcome.");
	assert_int_equal(s->n_people, 2);
	assert_int_equal(s->people[0].speaker, 0);
	assert_string_equal(s->people[0].role, "Chair");
	assert_null(s->people[0].affiliation);
	assert_string_equal(prog_person_affiliation(p, &s->people[0]), "Org A");
	assert_int_equal(s->people[1].speaker, 1);
	assert_null(s->people[1].role);
	assert_string_equal(prog_person_affiliation(p, &s->people[1]), "Guest of Org A");
	assert_int_equal(s->n_docs, 2);
	assert_string_equal(s->docs[0].title, "Slides");
	assert_string_equal(s->docs[0].url, "https://example.org/s.pdf");
	assert_string_equal(s->docs[1].title, "Notes");
	assert_null(s->docs[1].url);

	s = session(p, "a-same");
	assert_int_equal(s->n_people, 0);
	assert_int_equal(s->track, PROG_NONE);
	assert_int_equal(s->room, PROG_NONE);
	assert_null(s->description);
	assert_int_equal(s->n_docs, 0);

	s = session(p, "coffee");
	assert_string_equal(s->kind, "break");
	assert_true(s->is_break);
	assert_int_equal(s->status, PROG_CONFIRMED);

	s = session(p, "late");
	assert_int_equal(s->start, utc(2025, 6, 2, 21, 30));
	assert_int_equal(s->end, utc(2025, 6, 2, 23, 0));
	assert_int_equal(s->day, 0);
	assert_int_equal(s->room, 1);
	assert_int_equal(s->n_people, 1);
	assert_int_equal(s->people[0].speaker, 1);
	assert_null(prog_person_affiliation(p, &s->people[0])); /* bob has none */

	s = session(p, "early-night");
	assert_int_equal(s->start, utc(2025, 6, 3, 22, 30));
	assert_int_equal(s->day, 1);
	assert_int_equal(s->status, PROG_TENTATIVE);
	assert_string_equal(s->kind, "workshop");
	assert_false(s->is_break);
	assert_int_equal(s->track, 1);

	assert_int_equal(session(p, "dropped")->status, PROG_CANCELLED);
	assert_int_equal(session(p, "explicit")->start, utc(2025, 6, 2, 9, 0));
	assert_int_equal(session(p, "explicit")->status, PROG_CONFIRMED);

	assert_int_equal(prog_day_of(p, utc(2025, 6, 2, 12, 0)), 0);
	assert_int_equal(prog_day_of(p, utc(2025, 6, 1, 22, 0)), 0); /* 00:00 on the 2nd */
	assert_int_equal(prog_day_of(p, utc(2025, 6, 1, 21, 59)), PROG_NONE);
	assert_int_equal(prog_day_of(p, utc(2025, 6, 3, 12, 0)), PROG_NONE);
	assert_int_equal(prog_day_of(p, utc(2025, 6, 3, 22, 0)), 1);

	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
}

/* The shipped example loads cleanly. */
static void test_shipped_example(void **state)
{
	struct tu_diag td;
	struct programme *p;

	(void)state;
	tu_diag_init(&td);
	p = prog_load(TESTS_SRCDIR "/../etc/idm-2014-south-south.programme", &td.d);
	if (!p)
		tu_diag_dump(&td, "the shipped programme does not load");
	assert_non_null(p);
	assert_diag_counts(&td, 0, 0);
	assert_string_equal(p->event.id, "idm2014-south-south");
	assert_string_equal(tz_name(p->tz), "Europe/Zurich");
	assert_int_equal(p->n_days, 2);
	assert_string_equal(p->days[0].date, "2014-03-24");
	assert_string_equal(p->days[1].date, "2014-03-25");
	assert_true(p->n_sessions > 5);
	for (size_t i = 1; i < p->n_sessions; i++)
		assert_true(p->sessions[i - 1].start <= p->sessions[i].start);
	prog_free(p);
	tu_diag_free(&td);
}

static void test_zero_sessions(void **state)
{
	static const char *const texts[] = {
		"event = { id = \"empty\"; title = \"Empty\"; timezone = \"Asia/Tokyo\"; };\n"
		"sessions = ();\n",
		"event = { id = \"empty\"; title = \"Empty\"; timezone = \"Asia/Tokyo\"; };\n",
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct tu_diag td;
		char *path;
		struct programme *p = load(texts[i], &td, &path);

		assert_non_null(p);
		assert_diag_counts(&td, 0, 0);
		assert_int_equal(p->n_sessions, 0);
		assert_int_equal(p->n_days, 0);
		assert_int_equal(p->n_tracks, 0);
		assert_int_equal(p->n_rooms, 0);
		assert_int_equal(p->n_speakers, 0);
		assert_int_equal(prog_day_of(p, utc(2025, 6, 2, 12, 0)), PROG_NONE);
		prog_free(p);
		tu_diag_free(&td);
		tu_unlink_free(path);
	}
}

/* --- errors -------------------------------------------------------------- */

struct expected {
	const char *marker; /* text on the offending line */
	int nth;            /* which line with marker (0 = first) */
	const char *needle; /* part of the message */
};

/* Loads text, which must fail with exactly the expected errors, each on
 * its line, and no warnings. */
static void check_errors(const char *text, const struct expected *ex, size_t n)
{
	struct tu_diag td;
	char *path;
	struct programme *p = load(text, &td, &path);

	assert_null(p);
	for (size_t i = 0; i < n; i++)
		assert_diag(&td, path, tu_line_of_nth(text, ex[i].marker, ex[i].nth + 1),
			    ex[i].needle);
	assert_diag_counts(&td, n, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);
}

#define CHECK_ERRORS(text, ex) check_errors(text, ex, sizeof(ex) / sizeof(ex[0]))

static void test_syntax_error(void **state)
{
	static const char text[] = "event = {\n"
				   "  id = \"x\";\n"
				   "  title = = \"broken\";\n"
				   "  timezone = \"Europe/Berlin\";\n"
				   "};\n";
	static const struct expected ex[] = { { "title = =", 0, "syntax error" } };

	(void)state;
	CHECK_ERRORS(text, ex);
}

static void test_unreadable(void **state)
{
	struct tu_diag td;
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/missing.programme", dir);
	char *want = xasprintf("%s: cannot read: No such file or directory", path);

	(void)state;
	tu_diag_init(&td);
	assert_null(prog_load(path, &td.d));
	assert_diag_counts(&td, 1, 0);
	assert_string_equal(td.msgs[0].text, want);
	tu_diag_free(&td);
	free(want);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_missing_event(void **state)
{
	static const char text[] = "tracks = ( { id = \"t\"; } );\n";
	struct tu_diag td;
	char *path;

	(void)state;
	assert_null(load(text, &td, &path));
	assert_diag_counts(&td, 1, 0);
	assert_diag(&td, path, 0, "'event' is required");
	tu_diag_free(&td);
	tu_unlink_free(path);
}

static void test_missing_required(void **state)
{
	static const char text[] =
		"event = {\n"
		"  url = \"https://example.org\";\n"
		"};\n"
		"speakers = (\n"
		"  { id = \"nameless\"; }\n"
		");\n"
		"sessions = (\n"
		"  {\n"
		"    id = \"no-title\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
		"  { title = \"No id\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
		"  { id = \"no-start\"; title = \"S\"; end = \"2025-06-02 10:00\"; },\n"
		"  { id = \"no-end\"; title = \"E\"; start = \"2025-06-02 09:00\"; },\n"
		"  { id = \"empty-title\"; title = \"\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
		"  { id = \"parts\"; title = \"P\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\";\n"
		"    people = ( { role = \"Chair\"; } );\n"
		"    documents = ( { url = \"https://example.org\"; } ); }\n"
		");\n";
	static const struct expected ex[] = {
		/* missing members point at their group's first line */
		{ "event = {", 0, "'id' is required in 'event'" },
		{ "event = {", 0, "'title' is required in 'event'" },
		{ "event = {", 0, "'timezone' is required in 'event'" },
		{ "\"nameless\"", 0, "'name' is required" },
		{ "  {", 1, "'title' is required" },
		{ "No id", 0, "'id' is required" },
		{ "no-start", 0, "'start' is required" },
		{ "no-end", 0, "'end' is required" },
		{ "empty-title", 0, "'title' must not be empty" },
		{ "role = \"Chair\"", 0, "'speaker' is required" },
		{ "url = \"https://example.org\"; }", 0, "'title' is required" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

/* Every other kind of error, all in one file: each is reported, at the
 * line of the offending setting, in a single run. */
static const char errors[] =
	"event = {\n"
	"  id = \"Conf\";\n"
	"  title = \"Errors\";\n"
	"  timezone = \"Europe/Berlin\";\n"
	"  colour = \"blue\";\n"
	"};\n"
	"tracks = (\n"
	"  { id = \"plenary\"; title = \"Plenary\"; },\n"
	"  { id = \"-panels\"; },\n"
	"  { id = \"plenary\"; title = \"Again\"; },\n"
	"  { id = \"misc\"; title = \"Misc\"; descripton = \"typo\"; }\n"
	");\n"
	"rooms = (\n"
	"  { id = \"hall\"; },\n"
	"  { id = \"hall\"; title = \"Hall again\"; }\n"
	");\n"
	"speakers = (\n"
	"  { id = \"alice\"; name = \"Alice\"; },\n"
	"  { id = \"Bob\"; name = \"Bob\"; },\n"
	"  { id = \"alice\"; name = \"Alice 2\"; },\n"
	"  { id = \"carol\"; name = 42; },\n"
	"  { id = \"dave\"; name = \"Dave\"; email = \"dave at example.org\"; }\n"
	");\n"
	"sesions = ();\n"
	"sessions = (\n"
	"  { id = \"first\"; title = \"First\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"first\"; title = \"Dup\"; start = \"2025-06-02 11:00\"; end = \"2025-06-02 12:00\"; },\n"
	"  { id = \"backwards\"; title = \"B\"; start = \"2025-06-02 10:00\";\n"
	"    end = \"2025-06-02 09:00\"; },\n"
	"  { id = \"zero\"; title = \"Z\"; start = \"2025-06-02 10:00\";\n"
	"    end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"gap\"; title = \"G\";\n"
	"    start = \"2025-03-30 02:30\"; end = \"2025-03-30 04:00\"; },\n"
	"  { id = \"ambiguous\"; title = \"A\"; start = \"2025-10-26 01:00\";\n"
	"    end = \"2025-10-26 02:30\"; },\n"
	"  { id = \"offset-ok\"; title = \"O\"; start = \"2025-10-26 02:30 +01:00\"; end = \"2025-10-26 04:00\"; },\n"
	"  { id = \"offset-first\"; title = \"O\"; start = \"2025-10-26 02:30 +02:00\"; end = \"2025-10-26 02:45 +02:00\"; },\n"
	"  { id = \"offset-bad\"; title = \"O\"; start = \"2025-06-02 09:00 +01:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"offset-gap\"; title = \"O\"; start = \"2025-03-30 02:30 +01:00\"; end = \"2025-03-30 04:00\"; },\n"
	"  { id = \"badtime\"; title = \"T\"; start = \"2025-06-02 9:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"badday\"; title = \"T\"; start = \"2025-06-02 09:00\"; end = \"2014-02-30 10:00\"; },\n"
	"  { id = \"midnight\"; title = \"T\"; start = \"2025-06-02 24:00\"; end = \"2025-06-03 10:00\"; },\n"
	"  { id = \"refs\"; title = \"R\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\";\n"
	"    track = \"nope\";\n"
	"    room = \"nowhere\";\n"
	"    people = ( { speaker = \"nobody\"; role = \"Chair\"; },\n"
	"               { speaker = \"alice\"; roles = \"x\"; } );\n"
	"    documents = ( { title = \"Slides\"; link = \"https://example.org\"; } ); },\n"
	"  { id = \"typo\"; titel = \"T\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"types\"; title = 42; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"types2\"; title = \"T\"; start = 20250602; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"types3\"; title = \"T\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\";\n"
	"    people = \"alice\"; },\n"
	"  { id = \"status\"; title = \"S\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; status = \"maybe\"; },\n"
	"  { id = \"Upper\"; title = \"U\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	"  { id = \"kind\"; title = \"K\"; kind = \"Coffee Break\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
	/* on one line: libconfig dates a scalar list element by the token
	 * after it, which would be the next line's ")" */
	"  \"not a group\" );\n";

static const struct expected errors_expected[] = {
	{ "id = \"Conf\"", 0, "'id' \"Conf\" is not a valid id" },
	{ "colour", 0, "unknown setting 'colour' in event" },
	{ "-panels", 0, "'id' \"-panels\" is not a valid id" },
	{ "title = \"Again\"", 0, "duplicate track id 'plenary' (first at line 8)" },
	{ "descripton", 0, "unknown setting 'descripton' in track" },
	{ "Hall again", 0, "duplicate room id 'hall' (first at line 14)" },
	{ "\"Bob\"", 0, "'id' \"Bob\" is not a valid id" },
	{ "Alice 2", 0, "duplicate speaker id 'alice' (first at line 18)" },
	{ "name = 42", 0, "'name' must be a string, not an integer" },
	{ "dave at example.org", 0, "is not an e-mail address" },
	{ "sesions", 0, "unknown setting 'sesions' in the programme" },
	{ "title = \"Dup\"", 0, "duplicate session id 'first' (first at line 26)" },
	{ "    end = \"2025-06-02 09:00\"", 0, "session 'backwards' ends before it starts" },
	{ "    end = \"2025-06-02 10:00\"", 0,
	  "session 'zero' ends before it starts (or at the same time)" },
	{ "start = \"2025-03-30 02:30\"", 0,
	  "'start': \"2025-03-30 02:30\" does not exist in Europe/Berlin" },
	{ "end = \"2025-10-26 02:30\"", 0,
	  "'end': \"2025-10-26 02:30\" is ambiguous in Europe/Berlin" },
	{ "offset-bad", 0,
	  "the UTC offset in \"2025-06-02 09:00 +01:00\" is not in force in Europe/Berlin" },
	{ "offset-gap", 0, "the UTC offset in \"2025-03-30 02:30 +01:00\" is not in force" },
	{ "badtime", 0, "'start': bad time \"2025-06-02 9:00\": expected \"YYYY-MM-DD HH:MM\"" },
	{ "badday", 0, "'end': bad time \"2014-02-30 10:00\": no such date" },
	{ "midnight", 0, "'start': bad time \"2025-06-02 24:00\": no such time of day" },
	{ "track = \"nope\"", 0, "unknown track 'nope'" },
	{ "room = \"nowhere\"", 0, "unknown room 'nowhere'" },
	{ "speaker = \"nobody\"", 0, "unknown speaker 'nobody'" },
	{ "roles =", 0, "unknown setting 'roles' in person" },
	{ "link =", 0, "unknown setting 'link' in document" },
	{ "titel", 0, "unknown setting 'titel' in session" },
	{ "titel", 0, "'title' is required" },
	{ "title = 42", 0, "'title' must be a string, not an integer" },
	{ "start = 20250602", 0, "'start' must be a string, not an integer" },
	{ "people = \"alice\"", 0, "'people' must be a list, not a string" },
	{ "maybe", 0,
	  "'status' is \"maybe\"; expected \"confirmed\", \"tentative\" or \"cancelled\"" },
	{ "\"Upper\"", 0, "'id' \"Upper\" is not a valid id" },
	{ "Coffee Break", 0, "'kind' \"Coffee Break\" is not a valid id" },
	{ "not a group", 0, "each session must be a group" },
};

static void test_every_error_in_one_run(void **state)
{
	(void)state;
	CHECK_ERRORS(errors, errors_expected);
}

/* Explicit offsets are fine, also for the ambiguous hour. */
static void test_explicit_offsets(void **state)
{
	static const char text[] =
		"event = { id = \"dst\"; title = \"DST\"; timezone = \"Europe/Berlin\"; };\n"
		"sessions = (\n"
		"  { id = \"second\"; title = \"S\"; start = \"2025-10-26 02:30 +01:00\"; end = \"2025-10-26 04:00\"; },\n"
		"  { id = \"first\"; title = \"F\"; start = \"2025-10-26 02:30 +02:00\"; end = \"2025-10-26 02:45 +02:00\"; },\n"
		"  { id = \"utc\"; title = \"U\"; start = \"2025-10-26 12:00 +01:00\"; end = \"2025-10-26 13:00:30\"; },\n"
		"  { id = \"around\"; title = \"A\"; start = \"2025-03-30 01:59\"; end = \"2025-03-30 03:00\"; }\n"
		");\n";
	struct tu_diag td;
	char *path;
	struct programme *p = load(text, &td, &path);

	(void)state;
	if (!p)
		tu_diag_dump(&td, "prog_load failed");
	assert_non_null(p);
	assert_diag_counts(&td, 0, 0);
	assert_int_equal(session(p, "second")->start, utc(2025, 10, 26, 1, 30));
	assert_int_equal(session(p, "second")->end, utc(2025, 10, 26, 3, 0));
	assert_int_equal(session(p, "first")->start, utc(2025, 10, 26, 0, 30));
	assert_int_equal(session(p, "first")->end, utc(2025, 10, 26, 0, 45));
	assert_int_equal(session(p, "utc")->start, utc(2025, 10, 26, 11, 0));
	assert_int_equal(session(p, "utc")->end, utc(2025, 10, 26, 12, 0) + 30);
	/* local times and whether they name the instant (prog_localize) */
	assert_int_equal(session(p, "second")->start_local.hour, 2);
	assert_int_equal(session(p, "second")->start_local.min, 30);
	assert_false(session(p, "second")->start_named);
	assert_int_equal(session(p, "first")->start_local.hour, 2);
	assert_int_equal(session(p, "first")->start_local.min, 30);
	assert_false(session(p, "first")->start_named);
	assert_int_equal(session(p, "second")->end_local.hour, 4);
	assert_true(session(p, "second")->end_named);
	assert_int_equal(session(p, "utc")->start_local.hour, 12);
	assert_true(session(p, "utc")->start_named);
	assert_int_equal(session(p, "utc")->end_local.sec, 30);
	assert_int_equal(session(p, "around")->start_local.hour, 1);
	assert_int_equal(session(p, "around")->start_local.min, 59);
	assert_int_equal(session(p, "around")->end_local.hour, 3);
	assert_true(session(p, "around")->start_named);
	assert_true(session(p, "around")->end_named);
	/* 01:59 CET to 03:00 CEST is one minute */
	assert_int_equal(session(p, "around")->end - session(p, "around")->start, 60);
	/* both 2025-03-30 and 2025-10-26 */
	assert_int_equal(p->n_days, 2);
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
}

/* Text that is not UTF-8 cannot go into feeds declared UTF-8. */
static void test_invalid_utf8(void **state)
{
	static const char text[] =
		"event = { id = \"u\"; title = \"U\"; timezone = \"Europe/Zurich\";\n"
		"  location = \"Gen\xe8ve\"; };\n"
		"speakers = ( { id = \"a\"; name = \"\xc0\xaf overlong\"; },\n"
		"             { id = \"b\"; name = \"B\"; affiliation = \"\xed\xa0\x80 surrogate\"; } );\n"
		"sessions = (\n"
		"  { id = \"s\"; title = \"\xf4\x90\x80\x80 too high\";\n"
		"    start = \"2014-03-24 09:00\"; end = \"2014-03-24 10:00\";\n"
		"    description = \"cut \xe2\x82\"; },\n"
		"  { id = \"t\"; title = \"fine: Gen\xc3\xa8ve \xe2\x82\xac \xf0\x9f\x98\x80\";\n"
		"    start = \"2014-03-24 09:00\"; end = \"2014-03-24 10:00\"; kind = \"\x80\"; }\n"
		");\n";
	static const struct expected ex[] = {
		{ "location", 0, "'location' is not valid UTF-8" },
		{ "overlong", 0, "'name' is not valid UTF-8" },
		{ "surrogate", 0, "'affiliation' is not valid UTF-8" },
		{ "too high", 0, "'title' is not valid UTF-8" },
		{ "cut", 0, "'description' is not valid UTF-8" },
		{ "kind =", 0, "'kind' is not valid UTF-8" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

static void test_unknown_timezone(void **state)
{
	static const char text[] =
		"event = {\n"
		"  id = \"tz\"; title = \"TZ\";\n"
		"  timezone = \"Europe/Atlantis\";\n"
		"};\n"
		"sessions = (\n"
		"  { id = \"s\"; title = \"S\"; start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\"; },\n"
		"  { id = \"t\"; title = \"T\"; start = \"2025-06-02 9:00\"; end = \"2025-06-02 10:00\"; }\n"
		");\n";
	static const struct expected ex[] = {
		{ "Atlantis", 0, "unknown timezone \"Europe/Atlantis\"" },
		/* a time's format is still checked */
		{ "\"2025-06-02 9:00\"", 0, "'start': bad time" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

static void test_wrong_top_level_types(void **state)
{
	static const char text[] =
		"event = \"conf\";\n"
		"tracks = { id = \"t\"; };\n"
		"rooms = ( \"hall\" );\n"
		"speakers = ( { id = \"a\"; name = \"A\"; } );\n"
		"sessions = 3;\n";
	static const struct expected ex[] = {
		{ "event = \"conf\"", 0, "'event' must be a group" },
		{ "tracks =", 0, "'tracks' must be a list, not a group" },
		{ "rooms =", 0, "each room must be a group" },
		{ "sessions = 3", 0, "'sessions' must be a list, not an integer" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

/* --- warnings -------------------------------------------------------------- */

static const char overlaps[] =
	"event = { id = \"w\"; title = \"W\"; timezone = \"Europe/Zurich\"; };\n"
	"rooms = ( { id = \"hall\"; }, { id = \"annex\"; } );\n"
	"speakers = ( { id = \"alice\"; name = \"Alice\"; }, { id = \"bob\"; name = \"Bob\"; } );\n"
	"sessions = (\n"
	"  { id = \"a\"; title = \"A\"; start = \"2014-03-24 09:00\"; end = \"2014-03-24 10:00\"; room = \"hall\"; },\n"
	"  { id = \"b\"; title = \"B\"; start = \"2014-03-24 09:30\"; end = \"2014-03-24 10:30\"; room = \"hall\"; },\n"
	"  { id = \"c\"; title = \"C\"; start = \"2014-03-24 10:30\"; end = \"2014-03-24 11:00\"; room = \"hall\"; },\n"
	"  { id = \"d\"; title = \"D\"; start = \"2014-03-24 09:00\"; end = \"2014-03-24 12:00\"; room = \"annex\";\n"
	"    people = ( { speaker = \"alice\"; } ); },\n"
	"  { id = \"e\"; title = \"E\"; start = \"2014-03-24 11:30\"; end = \"2014-03-24 11:45\";\n"
	"    people = ( { speaker = \"alice\"; }, { speaker = \"bob\"; } ); },\n"
	"  { id = \"f\"; title = \"F\"; start = \"2014-03-24 12:00\"; end = \"2014-03-24 13:00\";\n"
	"    people = ( { speaker = \"alice\"; } ); },\n"
	"  { id = \"g\"; title = \"G\"; start = \"2014-03-24 09:00\"; end = \"2014-03-24 13:00\"; room = \"hall\";\n"
	"    status = \"cancelled\"; people = ( { speaker = \"bob\"; } ); }\n"
	");\n";

static void test_overlap_warnings(void **state)
{
	struct tu_diag td;
	char *path;
	struct programme *p = load(overlaps, &td, &path);

	(void)state;
	if (!p)
		tu_diag_dump(&td, "prog_load failed");
	assert_non_null(p);
	assert_int_equal(p->n_sessions, 7);
	/* b overlaps a in the hall (c only touches b; cancelled g does not
	 * count); alice is in d and in e at once (f only touches d). */
	assert_diag(&td, path, tu_line_of(overlaps, "id = \"b\""),
		    "warning: session 'b' overlaps 'a' (line 5) in room 'hall'");
	assert_diag(&td, path, tu_line_of(overlaps, "id = \"e\""),
		    "warning: speaker 'alice' is in session 'e' and in 'd' (line 8) at once");
	assert_diag_counts(&td, 0, 2);
	assert_int_equal(p->warnings, 2);
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
}

/* A speaker listed twice in one session is one warning, not also an
 * overlap of the session with itself. */
static void test_speaker_listed_twice(void **state)
{
	static const char text[] =
		"event = { id = \"w\"; title = \"W\"; timezone = \"Europe/Zurich\"; };\n"
		"speakers = ( { id = \"alice\"; name = \"Alice\"; } );\n"
		"sessions = (\n"
		"  { id = \"a\"; title = \"A\"; start = \"2014-03-24 09:00\"; end = \"2014-03-24 10:00\";\n"
		"    people = ( { speaker = \"alice\"; role = \"Chair\"; },\n"
		"               { speaker = \"alice\"; role = \"Speaker\"; } ); }\n"
		");\n";
	struct tu_diag td;
	char *path;
	struct programme *p = load(text, &td, &path);

	size_t listed, warnings, n_errors, p_warnings;

	(void)state;
	assert_non_null(p);
	/* everything is freed before the assertions, so that a failure
	 * leaks nothing under valgrind */
	listed = tu_diag_count(&td, path, tu_line_of(text, "role = \"Speaker\""),
			       "warning: speaker 'alice' is listed twice in session 'a'");
	warnings = td.d.warnings;
	n_errors = td.d.errors;
	p_warnings = p->warnings;
	if (listed != 1 || warnings != 1)
		tu_diag_dump(&td, "expected exactly one warning");
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
	assert_int_equal(listed, 1);
	assert_int_equal(n_errors, 0);
	assert_int_equal(warnings, 1);
	assert_int_equal(p_warnings, 1);
}

/* A session rejected before it has an id leaves nothing behind for the
 * next one: its people once made the next session "list" the same
 * speaker twice. */
static void test_session_without_id_leaves_nothing(void **state)
{
	static const char text[] =
		"event = { id = \"w\"; title = \"W\"; timezone = \"Europe/Zurich\"; };\n"
		"speakers = ( { id = \"alice\"; name = \"Alice\"; } );\n"
		"sessions = (\n"
		"  { title = \"No id\"; start = \"2014-03-24 09:00\"; end = \"2014-03-24 10:00\";\n"
		"    people = ( { speaker = \"alice\"; } ); },\n"
		"  { id = \"b\"; title = \"B\"; start = \"2014-03-24 11:00\"; end = \"2014-03-24 12:00\";\n"
		"    people = ( { speaker = \"alice\"; } ); }\n"
		");\n";
	struct tu_diag td;
	char *path;
	struct programme *p = load(text, &td, &path);
	size_t missing = tu_diag_count(&td, path, 4, "'id' is required");
	size_t n_warnings = td.d.warnings, n_errors = td.d.errors;

	(void)state;
	if (missing != 1 || n_warnings != 0 || n_errors != 1)
		tu_diag_dump(&td, "expected one error and no warning");
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
	assert_null(p);
	assert_int_equal(missing, 1);
	assert_int_equal(n_errors, 1);
	assert_int_equal(n_warnings, 0);
}

/* Errors and warnings of one file are counted in the caller's diag on
 * top of what it held already. */
static void test_diag_accumulates(void **state)
{
	struct tu_diag td;
	char *a = tu_temp_file(overlaps), *b = tu_temp_file(errors);
	struct programme *p;

	(void)state;
	tu_diag_init(&td);
	p = prog_load(a, &td.d);
	assert_non_null(p);
	assert_null(prog_load(b, &td.d));
	assert_int_equal(td.d.warnings, 2);
	assert_int_equal(td.d.errors, sizeof(errors_expected) / sizeof(errors_expected[0]));
	/* a programme that loads after another one failed in the same diag */
	prog_free(p);
	p = prog_load(a, &td.d);
	assert_non_null(p);
	assert_int_equal(td.d.warnings, 4);
	assert_int_equal(p->warnings, 2);
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(a);
	tu_unlink_free(b);
}

/* --- hostile files ----------------------------------------------------------- */

#define HEAD "event = { id = \"h\"; title = \"H\"; timezone = \"Europe/Berlin\"; };\n"
#define TIMES "start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:00\";"

/* Control characters (raw or escaped) would reach every feed raw:
 * RFC 5545 TEXT allows none but HTAB (and the line breaks we escape). */
static void test_control_characters(void **state)
{
	static const char text[] =
		HEAD "sessions = (\n"
		"  { id = \"bel\"; title = \"ring \a\"; " TIMES " },\n"
		"  { id = \"esc\"; title = \"x\"; description = \"\x1b[31mred\"; " TIMES " },\n"
		"  { id = \"vt\"; title = \"v\vt\"; " TIMES " },\n"
		"  { id = \"ff\"; title = \"f\ff\"; " TIMES " },\n"
		"  { id = \"del\"; title = \"d\x7f\"; " TIMES " },\n"
		"  { id = \"soh\"; title = \"\x01s\"; " TIMES " },\n"
		"  { id = \"escaped\"; title = \"\\x07 escaped\"; " TIMES " },\n"
		"  { id = \"fine\"; title = \"tab\there\"; description = \"a\\nb\\r\\n\"; " TIMES " }\n"
		");\n";
	static const struct expected ex[] = {
		{ "\"bel\"", 0, "'title' holds the control character U+0007" },
		{ "\"esc\"", 0, "'description' holds the control character U+001B" },
		{ "\"vt\"", 0, "'title' holds the control character U+000B" },
		{ "\"ff\"", 0, "'title' holds the control character U+000C" },
		{ "\"del\"", 0, "'title' holds the control character U+007F" },
		{ "\"soh\"", 0, "'title' holds the control character U+0001" },
		{ "\"escaped\"", 0, "'title' holds the control character U+0007" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

/* A NUL byte cut the title short and -t said OK; "\x00" vanished. */
static void test_nul_refused(void **state)
{
	static const char bytes[] = HEAD "sessions = (\n"
				    "  { id = \"n\"; title = \"before\0after\"; " TIMES " }\n);\n";
	static const char escaped[] = HEAD "sessions = (\n"
				      "  { id = \"n\"; title = \"before\\x00after\"; " TIMES " }\n);\n";
	static const struct expected ex[] = { { "\"n\"", 0, "\\x00" } };
	struct tu_diag td;
	char *dir = tu_tmpdir(), *path = xasprintf("%s/nul.programme", dir);
	FILE *f = fopen(path, "wb");

	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, sizeof(bytes) - 1, f), sizeof(bytes) - 1);
	assert_int_equal(fclose(f), 0);
	tu_diag_init(&td);
	assert_null(prog_load(path, &td.d));
	assert_diag(&td, path, 3, "a NUL byte");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	free(path);
	tu_rmtree(dir);
	free(dir);
	CHECK_ERRORS(escaped, ex);
}

/* Ids name files and URLs: a 10,000-byte one passed -t, then --export
 * could not write its file and HTTP answered 404. */
static void test_id_length(void **state)
{
	char *ok_id = xstrdup(""), *long_id;
	char *text;
	struct tu_diag td;
	struct programme *p;
	char *path;

	(void)state;
	for (int i = 0; i < LCFG_MAX_ID; i++) {
		char *more = xasprintf("%sa", ok_id);

		free(ok_id);
		ok_id = more;
	}
	long_id = xasprintf("%sb", ok_id);
	text = xasprintf(HEAD "sessions = (\n  { id = \"%s\"; title = \"T\"; " TIMES " },\n"
			 "  { id = \"%s\"; title = \"T\"; " TIMES " }\n);\n",
			 ok_id, long_id);
	p = load(text, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 4, "is 129 bytes long");
	assert_diag(&td, path, 4, "at most 128");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);
	free(text);
	free(long_id);
	free(ok_id);
}

/* libconfig's scanner takes time quadratic in a line's length (8 MB:
 * 29 s): a line past 64 KiB is refused before libconfig reads the file,
 * while the same text split into strings on several lines loads. */
static void test_long_line(void **state)
{
	char *chunk = malloc(40001), *one, *split;
	struct tu_diag td;
	struct programme *p;
	char *path;

	(void)state;
	assert_non_null(chunk);
	memset(chunk, 'x', 40000);
	chunk[40000] = '\0';
	one = xasprintf(HEAD "sessions = (\n  { id = \"s\"; " TIMES "\n"
			"    title = \"%s%s\"; }\n);\n", chunk, chunk);
	p = load(one, &td, &path);
	assert_null(p);
	assert_diag(&td, path, 4, "a line longer than 65536 bytes");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);

	split = xasprintf(HEAD "sessions = (\n  { id = \"s\"; " TIMES "\n"
			  "    title = \"%s\"\n            \"%s\"; }\n);\n", chunk, chunk);
	p = load(split, &td, &path);
	assert_non_null(p);
	assert_int_equal(strlen(p->sessions[0].title), 80000);
	prog_free(p);
	tu_diag_free(&td);
	tu_unlink_free(path);
	free(one);
	free(split);
	free(chunk);
}

/* libconfig checks each new setting of a group against all before it
 * (50,000 settings: 13 s); @include reads any file, a fetched
 * programme's too; nesting is bounded. */
static void test_scanner_limits(void **state)
{
	char *many = xstrdup(HEAD "junk = {\n"), *deep = xstrdup(HEAD "x = ");
	static const char include[] = HEAD "@include \"/etc/hostname\"\n";
	static const struct expected inc[] = { { "@include", 0, "without @include" } };
	struct tu_diag td;
	char *path;

	(void)state;
	for (int i = 0; i <= 1000; i++) {
		char *more = xasprintf("%s  k%d = 1;\n", many, i);

		free(many);
		many = more;
	}
	assert_null(load(many, &td, &path));
	assert_diag(&td, path, 1003, "more than 1000 settings in one group");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);

	for (int i = 0; i < 70; i++) {
		char *more = xasprintf("%s(", deep);

		free(deep);
		deep = more;
	}
	assert_null(load(deep, &td, &path));
	assert_diag(&td, path, 2, "nested more than 64 deep");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);

	CHECK_ERRORS(include, inc);
	free(many);
	free(deep);
}

/* programme_max_mb: a larger file is refused before it is parsed. */
static void test_size_cap(void **state)
{
	struct tu_diag td;
	char *path = tu_temp_file(valid);

	(void)state;
	tu_diag_init(&td);
	assert_null(prog_load_max(path, 1000, &td.d));
	assert_diag(&td, path, 0, "larger than 1000 bytes");
	assert_diag_counts(&td, 1, 0);
	tu_diag_free(&td);
	tu_diag_init(&td);
	prog_free(prog_load_max(path, sizeof(valid), &td.d));
	assert_diag_counts(&td, 0, 0);
	tu_diag_free(&td);
	tu_unlink_free(path);
}

/* A session's length and its years are bounded, so that every feed can
 * write its end (year 10000 has no DATE-TIME). */
static void test_session_bounds(void **state)
{
	static const char text[] =
		HEAD "sessions = (\n"
		"  { id = \"month\"; title = \"T\"; start = \"2025-06-01 09:00\"; end = \"2025-07-02 09:01\"; },\n"
		"  { id = \"month-ok\"; title = \"T\"; start = \"2025-06-01 09:00\"; end = \"2025-07-02 09:00\"; },\n"
		"  { id = \"far\"; title = \"T\"; start = \"9999-06-01 09:00\"; end = \"9999-06-01 10:00\"; },\n"
		"  { id = \"old\"; title = \"T\"; start = \"0001-06-01 09:00\"; end = \"2025-06-01 10:00\"; }\n"
		");\n";
	static const struct expected ex[] = {
		{ "\"month\"", 0, "lasts longer than 31 days" },
		{ "\"far\"", 0, "'start': bad time \"9999-06-01 09:00\": the year must be between 1900 and 9998" },
		{ "\"far\"", 0, "'end': bad time \"9999-06-01 10:00\": the year must be" },
		{ "\"old\"", 0, "'start': bad time \"0001-06-01 09:00\": the year must be" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_zero_sessions),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_missing_event),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_every_error_in_one_run),
		cmocka_unit_test(test_explicit_offsets),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_unknown_timezone),
		cmocka_unit_test(test_wrong_top_level_types),
		cmocka_unit_test(test_overlap_warnings),
		cmocka_unit_test(test_speaker_listed_twice),
		cmocka_unit_test(test_session_without_id_leaves_nothing),
		cmocka_unit_test(test_diag_accumulates),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_id_length),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_scanner_limits),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_session_bounds),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
