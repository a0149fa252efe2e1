/* render.c: VEVENT text of sessions (RFC 5545 escaping and folding,
 * DESCRIPTION, alarms, times) and the calendar's own lines. */
#include "config.h"

#include "testutil.h"

#include <libical/ical.h>

#include "buf.h"
#include "conf.h"
#include "programme.h"
#include "render.h"

/* --- the fixture ------------------------------------------------------------ */

static const char conf_text[] = "programme = \"unused.programme\";\n"
				"base_url = \"https://example.org/agenda/\";\n"
				"feeds = { refresh = \"2h\"; alarms = [ \"15m\", \"1h\" ]; };\n";

/* %s: the long title and description, then the edge title and description */
static const char prog_fmt[] =
	"event = { id = \"ev\"; title = \"Event\"; timezone = \"Europe/Berlin\";\n"
	"          location = \"Berlin; Mitte, \\\"Haus\\\"\"; };\n"
	"tracks = ( { id = \"t1\"; title = \"Track, One\"; } );\n"
	"rooms = ( { id = \"r1\"; title = \"Room\\\\A; B,C\"; } );\n"
	"speakers = (\n"
	"  { id = \"alice\"; name = \"Alice, Jr.\"; affiliation = \"Org; A\"; email = \"alice@example.org\"; },\n"
	"  { id = \"bob\"; name = \"Bob\"; },\n"
	"  { id = \"carol\"; name = \"Carol\"; }\n"
	");\n"
	"sessions = (\n"
	"  { id = \"s1\"; title = \"Hello, world; with \\\\ backslash\\nand newline\";\n"
	"    start = \"2025-06-02 09:00\"; end = \"2025-06-02 10:30\"; track = \"t1\"; room = \"r1\";\n"
	"    description = \"Line one,\\nline two; end\\\\\";\n"
	"    people = ( { speaker = \"alice\"; role = \"Chair\"; },\n"
	"               { speaker = \"bob\"; role = \"Speaker\"; affiliation = \"Guest, Inc.\"; },\n"
	"               { speaker = \"carol\"; } );\n"
	"    documents = ( { title = \"Slides\"; url = \"https://example.org/s.pdf\"; },\n"
	"                  { title = \"Notes; draft\"; } ); },\n"
	"  { id = \"coffee\"; title = \"Coffee\"; kind = \"break\"; start = \"2025-06-02 10:30\"; end = \"2025-06-02 11:00\"; },\n"
	"  { id = \"long\"; title = \"%s\"; start = \"2025-06-02 11:00\"; end = \"2025-06-02 12:00\";\n"
	"    description = \"%s\"; },\n"
	"  { id = \"second-pass\"; title = \"Second 02:30\"; start = \"2025-10-26 02:30 +01:00\"; end = \"2025-10-26 03:30\"; },\n"
	"  { id = \"first-pass\"; title = \"First 02:30\"; start = \"2025-10-26 02:30 +02:00\"; end = \"2025-10-26 02:50 +02:00\"; },\n"
	"  { id = \"gone\"; title = \"Gone\"; status = \"cancelled\"; start = \"2025-06-03 09:00\"; end = \"2025-06-03 10:00\"; },\n"
	"  { id = \"maybe\"; title = \"Maybe\"; status = \"tentative\"; start = \"2025-06-03 11:00\"; end = \"2025-06-03 12:00\"; },\n"
	"  { id = \"bare\"; title = \"Bare\"; start = \"2025-06-04 11:00\"; end = \"2025-06-04 12:00\"; },\n"
	/* 73 octets without a space: "SUMMARY:" and them fill a line but for
	 * the CR of its CRLF */
	"  { id = \"edge\"; title = \"%s\"; description = \"%s\";\n"
	"    start = \"2025-06-04 13:00\"; end = \"2025-06-04 14:00\"; }\n"
	");\n";

struct fixture {
	char *dir;
	char *title; /* the 300-character title */
	char *long_desc;
	char *edge; /* 73 x */
	struct conf *c;
	struct programme *p;
};

/* 300 characters cycling through 1-, 2-, 3- and 4-byte UTF-8 sequences,
 * with a space now and then so that no word fills a line. */
static char *long_title(void)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					     "Z", "\xce\xa9", "\xe4\xb8\xad", "\xf0\x9d\x84\x9e",
					     " " };
	char *t = calloc(1, 300 * 4 + 1);
	size_t len = 0;

	assert_non_null(t);
	for (int i = 0; i < 300; i++) {
		const char *c = chars[i % 9];

		memcpy(t + len, c, strlen(c));
		len += strlen(c);
	}
	return t;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *text;

	f->dir = tu_tmpdir();
	f->title = long_title();
	assert_int_equal(utf8_chars(f->title), 300);
	/* a description of 4 x 300 characters with no space at all, and
	 * commas to escape */
	f->long_desc = xasprintf("%s%s%s%s", f->title, f->title, f->title, f->title);
	for (char *q = f->long_desc; *q; q++)
		if (*q == ' ')
			*q = ',';
	f->edge = xcalloc(1, 74);
	memset(f->edge, 'x', 73);
	text = xasprintf(prog_fmt, f->title, f->long_desc, f->edge, f->edge);
	f->p = tu_load_text_clean(f->dir, "render.programme", text);
	f->c = tu_load_conf(f->dir, conf_text);
	free(text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	prog_free(f->p);
	conf_free(f->c);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->title);
	free(f->long_desc);
	free(f->edge);
	free(f);
	return 0;
}

static const struct prog_session *session(const struct programme *p, const char *id)
{
	uint32_t i;

	assert_int_equal(strmap_get(p->session_ids, id, &i), 0);
	return &p->sessions[i];
}

/* render_body + render_piece with a fixed stamp. */
static void render(const struct fixture *f, const char *id, struct piece *out)
{
	struct stamp st = { 3, 1735732800 }; /* 2025-01-01 12:00:00 UTC */
	struct piece body;

	render_body(f->p, f->c, NULL, session(f->p, id), &body);
	render_piece(&body, &st, NULL, out);
	assert_null(body.text);
	assert_non_null(out->text);
	assert_int_equal(strlen(out->text), out->len);
}

/* --- text helpers ------------------------------------------------------------ */

/* RFC 5545 3.3.11 TEXT escaping, written independently of libical. */
static char *escape(const char *s)
{
	char *out = calloc(1, strlen(s) * 2 + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',')
			*o++ = '\\', *o++ = *s;
		else if (*s == '\n')
			*o++ = '\\', *o++ = 'n';
		else
			*o++ = *s;
	}
	return out;
}

static char *unescape(const char *s)
{
	char *out = calloc(1, strlen(s) + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = (*s == 'n' || *s == 'N') ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	return out;
}

/* Joins folded lines (CRLF followed by a space or tab). */
static char *unfold(const char *text)
{
	char *out = calloc(1, strlen(text) + 1), *o = out;

	assert_non_null(out);
	for (const char *s = text; *s;) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t'))
			s += 3;
		else
			*o++ = *s++;
	}
	return out;
}

/* The value of the first unfolded content line named name (with any
 * parameters: the part after the first ':' that follows the name). */
static char *prop_value(const char *unfolded, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = unfolded; *l;) {
		const char *eol = strstr(l, "\r\n");

		assert_non_null(eol);
		if (strncmp(l, name, n) == 0 && (l[n] == ':' || l[n] == ';')) {
			const char *colon = memchr(l + n, ':', (size_t)(eol - (l + n)));

			assert_non_null(colon);
			return strndup(colon + 1, (size_t)(eol - colon - 1));
		}
		l = eol + 2;
	}
	return NULL;
}

/* The whole unfolded content line named name, or NULL. */
static char *prop_line(const char *unfolded, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = unfolded; *l;) {
		const char *eol = strstr(l, "\r\n");

		assert_non_null(eol);
		if (strncmp(l, name, n) == 0 && (l[n] == ':' || l[n] == ';'))
			return strndup(l, (size_t)(eol - l));
		l = eol + 2;
	}
	return NULL;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k;

		if (s[i] < 0x80)
			k = 1;
		else if ((s[i] & 0xe0) == 0xc0 && s[i] >= 0xc2)
			k = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			k = 3;
		else if ((s[i] & 0xf8) == 0xf0 && s[i] <= 0xf4)
			k = 4;
		else
			return 0;
		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

enum { CHECK_LEN = 1, CHECK_UTF8 = 2, CHECK_CRLF = 4, CHECK_ALL = 7 };

/* Every physical line (text split at CRLF): at most 75 octets
 * (CHECK_LEN), valid UTF-8 on its own, so that no fold splits a
 * character (CHECK_UTF8), without a stray CR or LF: a fold never lands
 * inside a line's CRLF (CHECK_CRLF).  Returns the number of
 * continuation lines. */
static size_t check_lines_how(const char *text, size_t len, int how)
{
	size_t folds = 0;
	const char *l = text, *end = text + len;

	assert_true(len >= 2);
	assert_memory_equal(end - 2, "\r\n", 2);
	while (l < end) {
		const char *eol = strstr(l, "\r\n");
		size_t n;

		assert_non_null(eol);
		n = (size_t)(eol - l);
		if ((how & CHECK_LEN) && n > 75) {
			fprintf(stderr, "a line of %zu octets: %.*s\n", n, (int)n, l);
			fail();
		}
		if ((how & CHECK_CRLF) && (memchr(l, '\r', n) || memchr(l, '\n', n))) {
			fprintf(stderr, "a bare CR or LF in the physical line at octet %zu: a fold "
					"inside a CRLF\n",
				(size_t)(l - text));
			fail();
		}
		if ((how & CHECK_UTF8) && !valid_utf8((const unsigned char *)l, n)) {
			fprintf(stderr, "a fold splits a UTF-8 sequence: %.*s\n", (int)n, l);
			fail();
		}
		if (*l == ' ')
			folds++;
		l = eol + 2;
	}
	return folds;
}

static size_t check_lines(const char *text, size_t len)
{
	return check_lines_how(text, len, CHECK_ALL);
}

/* Whether a fold falls between a backslash and the character it
 * escapes ("\\" CRLF " ,"): legal, but some clients (Google Calendar)
 * then fail to rejoin the escape. */
static int fold_splits_escape(const char *text)
{
	int escaped = 0;

	for (const char *q = text; *q; q++) {
		if (q[0] == '\r' && q[1] == '\n' && (q[2] == ' ' || q[2] == '\t')) {
			if (escaped)
				return 1;
			q += 2;
			continue;
		}
		if (escaped)
			escaped = 0;
		else if (*q == '\\')
			escaped = 1;
	}
	return 0;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *q = hay; (q = strstr(q, needle)); q += strlen(needle))
		n++;
	return n;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* --- tests ------------------------------------------------------------------ */

static void test_escaping(void **state)
{
	const struct fixture *f = *state;
	const struct prog_session *s = session(f->p, "s1");
	struct piece piece;
	char *u, *v, *want, *desc, *loc;

	render(f, "s1", &piece);
	check_lines(piece.text, piece.len);
	u = unfold(piece.text);

	/* SUMMARY: exactly the RFC 5545 escaped title */
	assert_string_equal(s->title, "Hello, world; with \\ backslash\nand newline");
	v = prop_value(u, "SUMMARY");
	assert_string_equal(v, "Hello\\, world\\; with \\\\ backslash\\nand newline");
	free(v);

	/* DESCRIPTION */
	desc = render_description(f->p, s);
	assert_non_null(desc);
	want = escape(desc);
	v = prop_value(u, "DESCRIPTION");
	assert_non_null(v);
	assert_string_equal(v, want);
	assert_non_null(strstr(v, "Chair: Alice\\, Jr.\\, Org\\; A\\nSpeaker: Bob\\, Guest\\, Inc."));
	assert_non_null(strstr(v, "Line one\\,\\nline two\\; end\\\\\\n\\nDocuments:"));
	free(v);
	free(want);

	/* LOCATION: room and event location */
	loc = render_location(f->p, s);
	assert_string_equal(loc, "Room\\A; B,C, Berlin; Mitte, \"Haus\"");
	v = prop_value(u, "LOCATION");
	assert_string_equal(v, "Room\\\\A\\; B\\,C\\, Berlin\\; Mitte\\, \"Haus\"");
	free(v);

	/* unescaping gives back the originals */
	v = prop_value(u, "SUMMARY");
	want = unescape(v);
	assert_string_equal(want, s->title);
	free(want);
	free(v);
	v = prop_value(u, "DESCRIPTION");
	want = unescape(v);
	assert_string_equal(want, desc);
	free(want);
	free(v);
	v = prop_value(u, "LOCATION");
	want = unescape(v);
	assert_string_equal(want, loc);
	free(want);
	free(v);

	/* the speaker's e-mail address is nowhere */
	assert_null(strstr(piece.text, "alice@example.org"));
	assert_null(strstr(u, "alice@example.org"));

	free(desc);
	free(loc);
	free(u);
	free(piece.text);
}

/* libical reads the values back as they were. */
static void test_parse_back(void **state)
{
	const struct fixture *f = *state;
	static const char *const ids[] = { "s1", "long", "coffee", "bare", "edge" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct prog_session *s = session(f->p, ids[i]);
		struct piece piece;
		icalcomponent *ev;
		char *desc, *loc, *uid, *url;

		render(f, ids[i], &piece);
		ev = icalparser_parse_string(piece.text);
		assert_non_null(ev);
		assert_int_equal(icalcomponent_isa(ev), ICAL_VEVENT_COMPONENT);
		assert_string_equal(icalcomponent_get_summary(ev), s->title);
		desc = render_description(f->p, s);
		if (desc)
			assert_string_equal(icalcomponent_get_description(ev), desc);
		else
			assert_null(icalcomponent_get_first_property(ev, ICAL_DESCRIPTION_PROPERTY));
		loc = render_location(f->p, s);
		assert_non_null(loc); /* the event has a location */
		assert_string_equal(icalcomponent_get_location(ev), loc);
		uid = xasprintf("%s@ev", s->id);
		assert_string_equal(icalcomponent_get_uid(ev), uid);
		url = xasprintf("https://example.org/agenda/#%s", s->id);
		assert_string_equal(icalproperty_get_url(icalcomponent_get_first_property(ev, ICAL_URL_PROPERTY)),
				    url);
		assert_int_equal(icalcomponent_get_sequence(ev), 3);
		assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
		free(url);
		free(uid);
		free(desc);
		free(loc);
		icalcomponent_free(ev);
		free(piece.text);
	}
}

/* A track title is one category, commas and all. */
static void test_categories(void **state)
{
	const struct fixture *f = *state;
	struct piece piece;
	icalcomponent *ev;
	icalproperty *prop;
	char *u, *v;

	render(f, "s1", &piece);
	u = unfold(piece.text);
	v = prop_value(u, "CATEGORIES");
	assert_non_null(v);
	assert_string_equal(v, "Track\\, One");
	ev = icalparser_parse_string(piece.text);
	assert_non_null(ev);
	prop = icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY);
	assert_non_null(prop);
	assert_string_equal(icalproperty_get_categories(prop), "Track, One");
	assert_null(icalcomponent_get_next_property(ev, ICAL_CATEGORIES_PROPERTY));
	icalcomponent_free(ev);
	free(v);
	free(u);
	free(piece.text);
	/* no track, no CATEGORIES */
	render(f, "bare", &piece);
	assert_null(strstr(piece.text, "CATEGORIES"));
	free(piece.text);
}

static void test_folding_utf8(void **state)
{
	const struct fixture *f = *state;
	struct piece piece;
	char *u, *v, *want;
	size_t folds;

	render(f, "long", &piece);
	folds = check_lines_how(piece.text, piece.len, CHECK_LEN | CHECK_UTF8);
	/* 750 octets of title and 3000 of description need many folds */
	assert_true(folds >= (750 + 3000) / 75);
	u = unfold(piece.text);
	v = prop_value(u, "SUMMARY");
	assert_string_equal(v, f->title); /* nothing to escape in it */
	free(v);
	v = prop_value(u, "DESCRIPTION");
	want = escape(f->long_desc);
	assert_string_equal(v, want);
	free(want);
	free(v);
	/* the alarms' DESCRIPTION holds the title too, folded the same way */
	assert_int_equal(count_str(u, f->title), 3);
	free(u);
	free(piece.text);
}

/* Folding never breaks a line's CRLF apart, in any session. */
static void test_line_endings(void **state)
{
	const struct fixture *f = *state;
	size_t bad = 0;

	for (size_t i = 0; i < f->p->n_sessions; i++) {
		struct piece piece;
		const char *q;

		render(f, f->p->sessions[i].id, &piece);
		/* every CR starts a CRLF, every LF ends one, and a fold is
		 * CRLF + space + something else than a line end */
		for (q = piece.text; *q; q++) {
			if ((*q == '\r' && q[1] != '\n') || (*q == '\n' && (q == piece.text || q[-1] != '\r')) ||
			    (q[0] == '\r' && q[1] == '\n' && q[2] == ' ' && (q[3] == '\r' || q[3] == '\n')))
				break;
		}
		if (*q) {
			fprintf(stderr, "session '%s': a fold inside or before a CRLF at octet %zu: \"",
				f->p->sessions[i].id, (size_t)(q - piece.text));
			for (const char *k = q > piece.text + 20 ? q - 20 : piece.text; k < q + 8 && *k; k++)
				fprintf(stderr, *k == '\r' ? "\\r" : *k == '\n' ? "\\n" : "%c", *k);
			fprintf(stderr, "\"\n");
			bad++;
		}
		free(piece.text);
	}
	assert_int_equal(bad, 0);
}

/* Folds keep each TEXT escape ("\,", "\;", "\\", "\n") whole. */
static void test_fold_keeps_escapes(void **state)
{
	const struct fixture *f = *state;
	size_t bad = 0;

	for (size_t i = 0; i < f->p->n_sessions; i++) {
		struct piece piece;

		render(f, f->p->sessions[i].id, &piece);
		if (fold_splits_escape(piece.text)) {
			fprintf(stderr, "session '%s': a fold splits an escape\n", f->p->sessions[i].id);
			bad++;
		}
		free(piece.text);
	}
	assert_int_equal(bad, 0);
}

/* Folding as RFC 5545 3.1 puts it, one character or escape at a time,
 * each on the current line when it fits in 75 octets: what ics_line must
 * give, written here the slow, obvious way. */
static char *slow_line(const char *name, const char *value)
{
	struct buf b = { 0 };
	size_t line = strlen(name) + 1;

	buf_adds(&b, name);
	buf_adds(&b, ":");
	for (const unsigned char *p = (const unsigned char *)value; *p;) {
		char unit[8] = { 0 };
		size_t n = 1;

		if (*p == '\\' || *p == ';' || *p == ',' || *p == '\n') {
			unit[0] = '\\';
			unit[1] = *p == '\n' ? 'n' : (char)*p;
			n = 2;
			p++;
		} else if (*p == '\r') {
			p++;
			continue;
		} else {
			unit[0] = (char)*p++;
			while ((*p & 0xc0) == 0x80)
				unit[n++] = (char)*p++;
		}
		if (line + n > 75) {
			buf_adds(&b, "\r\n ");
			line = 1;
		}
		buf_add(&b, unit, n);
		line += n;
	}
	buf_adds(&b, "\r\n");
	return buf_steal(&b, NULL);
}

/* ics_line writes into room it reserves up front: values that escape
 * every byte, or fold as often as they can, must fit it exactly as
 * before (ASan would see a write past it) and come back whole. */
static void test_line_worst_cases(void **state)
{
	static const char *const units[] = { ",",
					     "\\",
					     "\n",
					     "a",
					     "\xc3\xa9",
					     "\xe4\xb8\xad",
					     "\xf0\x9f\x8c\x8d",
					     ",\xf0\x9f\x8c\x8d",
					     "ab\xc3\xa9;",
					     "\r\nabc\xe4\xb8\xad\xe4\xb8\xad" };
	static const char head[] = "BEGIN:X\r\nDESCRIPTION:";
	const size_t hl = sizeof(head) - 1;
	(void)state;

	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		for (size_t reps = 0; reps <= 200; reps += 7) {
			struct buf value = { 0 }, out = { 0 };
			char *joined, *want, *slow;

			buf_adds(&value, "");
			for (size_t i = 0; i < reps; i++)
				buf_adds(&value, units[u]);
			buf_adds(&out, "BEGIN:X\r\n"); /* not at the start of the buffer */
			ics_text_line(&out, "DESCRIPTION", value.data);
			check_lines(out.data, out.len);
			assert_int_equal(fold_splits_escape(out.data), 0);
			slow = slow_line("DESCRIPTION", value.data);
			assert_string_equal(out.data + strlen("BEGIN:X\r\n"), slow);
			/* and it reads back: a bare CR is dropped, the rest escaped */
			for (char *cr; (cr = strchr(value.data, '\r'));)
				memmove(cr, cr + 1, strlen(cr));
			joined = unfold(out.data);
			want = escape(value.data);
			assert_memory_equal(joined, head, hl);
			assert_int_equal(strlen(joined), hl + strlen(want) + 2);
			assert_memory_equal(joined + hl, want, strlen(want));
			free(slow);
			free(joined);
			free(want);
			buf_free(&value);
			buf_free(&out);
		}
	}
}

static void test_every_session_well_formed(void **state)
{
	const struct fixture *f = *state;

	for (size_t i = 0; i < f->p->n_sessions; i++) {
		struct piece piece;
		char *u;

		render(f, f->p->sessions[i].id, &piece);
		check_lines_how(piece.text, piece.len, CHECK_LEN | CHECK_UTF8);
		assert_true(starts_with(piece.text, "BEGIN:VEVENT\r\n"));
		assert_int_equal(count_str(piece.text, "BEGIN:VEVENT"), 1);
		assert_int_equal(count_str(piece.text, "END:VEVENT\r\n"), 1);
		assert_string_equal(piece.text + piece.len - 12, "END:VEVENT\r\n");
		u = unfold(piece.text);
		assert_int_equal(count_str(u, "\r\nUID:"), 1);
		assert_int_equal(count_str(u, "\r\nDTSTART"), 1);
		assert_int_equal(count_str(u, "\r\nDTEND"), 1);
		assert_int_equal(count_str(u, "\r\nSUMMARY:"), 1);
		assert_int_equal(count_str(u, "\r\nDTSTAMP:"), 1);
		assert_int_equal(count_str(u, "\r\nSEQUENCE:"), 1);
		assert_int_equal(count_str(u, "\r\nLAST-MODIFIED:"), 1);
		free(u);
		free(piece.text);
	}
}

static void test_description_format(void **state)
{
	const struct fixture *f = *state;
	char *d;

	d = render_description(f->p, session(f->p, "s1"));
	assert_string_equal(d, "Chair: Alice, Jr., Org; A\n"
			       "Speaker: Bob, Guest, Inc.\n"
			       "Carol\n"
			       "\n"
			       "Line one,\nline two; end\\\n"
			       "\n"
			       "Documents:\n"
			       "- Slides: https://example.org/s.pdf\n"
			       "- Notes; draft");
	free(d);
	/* nothing to say: no DESCRIPTION */
	assert_null(render_description(f->p, session(f->p, "bare")));
	d = render_description(f->p, session(f->p, "long"));
	assert_string_equal(d, f->long_desc);
	free(d);
	/* LOCATION without a room is the event's location */
	d = render_location(f->p, session(f->p, "bare"));
	assert_string_equal(d, "Berlin; Mitte, \"Haus\"");
	free(d);
}

static void test_break(void **state)
{
	const struct fixture *f = *state;
	struct piece body, piece;
	struct stamp st = { 0, 0 };

	assert_true(session(f->p, "coffee")->is_break);
	render_body(f->p, f->c, NULL, session(f->p, "coffee"), &body);
	assert_int_equal(body.alarm_len, 0);
	assert_int_equal(body.alarm_off, body.len);
	render_piece(&body, &st, NULL, &piece);
	assert_non_null(strstr(piece.text, "\r\nTRANSP:TRANSPARENT\r\n"));
	assert_null(strstr(piece.text, "OPAQUE"));
	assert_null(strstr(piece.text, "VALARM"));
	assert_int_equal(piece.alarm_len, 0);
	assert_int_equal(piece.alarm_off, piece.len - strlen("END:VEVENT\r\n"));
	free(piece.text);

	render(f, "bare", &piece);
	assert_non_null(strstr(piece.text, "\r\nTRANSP:OPAQUE\r\n"));
	free(piece.text);
}

static void check_alarm_block(const struct fixture *f, const char *id)
{
	struct piece body, piece;
	struct stamp st = { 7, 1735732800 };
	char *block;
	size_t off;

	render_body(f->p, f->c, NULL, session(f->p, id), &body);
	/* in the body: the alarms are its last bytes */
	assert_true(body.alarm_len > 0);
	assert_int_equal(body.alarm_off + body.alarm_len, body.len);
	block = strndup(body.text + body.alarm_off, body.alarm_len);
	assert_true(starts_with(block, "BEGIN:VALARM\r\n"));
	assert_string_equal(block + strlen(block) - 12, "END:VALARM\r\n");
	assert_int_equal(count_str(block, "BEGIN:VALARM\r\n"), f->c->n_alarms);
	assert_int_equal(count_str(block, "END:VALARM\r\n"), f->c->n_alarms);
	assert_int_equal(count_str(body.text, "VALARM"), 2 * f->c->n_alarms);
	assert_non_null(strstr(block, "\r\nTRIGGER:-PT15M\r\n"));
	assert_non_null(strstr(block, "\r\nTRIGGER:-PT1H\r\n"));
	assert_int_equal(count_str(block, "ACTION:DISPLAY\r\n"), 2);

	render_piece(&body, &st, NULL, &piece);
	/* in the piece: the same bytes, just before END:VEVENT */
	assert_int_equal(piece.alarm_len, strlen(block));
	assert_memory_equal(piece.text + piece.alarm_off, block, piece.alarm_len);
	off = piece.alarm_off + piece.alarm_len;
	assert_string_equal(piece.text + off, "END:VEVENT\r\n");
	assert_true(starts_with(piece.text + piece.alarm_off - 2, "\r\nBEGIN:VALARM"));
	/* without the block, the VEVENT is complete and has no alarm */
	{
		char *cut = calloc(1, piece.len + 1);
		icalcomponent *ev;

		memcpy(cut, piece.text, piece.alarm_off);
		memcpy(cut + piece.alarm_off, piece.text + off, piece.len - off);
		assert_null(strstr(cut, "VALARM"));
		ev = icalparser_parse_string(cut);
		assert_non_null(ev);
		assert_null(icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT));
		icalcomponent_free(ev);
		free(cut);
	}
	free(block);
	free(piece.text);
}

static void test_alarm_block(void **state)
{
	const struct fixture *f = *state;

	assert_int_equal(f->c->n_alarms, 2);
	check_alarm_block(f, "s1");
	check_alarm_block(f, "long");
	check_alarm_block(f, "maybe");
}

/* No alarm calls anyone to a cancelled session; its STATUS says so. */
static void test_cancelled(void **state)
{
	const struct fixture *f = *state;
	struct piece piece;

	render(f, "gone", &piece);
	assert_non_null(strstr(piece.text, "\r\nSTATUS:CANCELLED\r\n"));
	assert_null(strstr(piece.text, "VALARM"));
	assert_int_equal(piece.alarm_len, 0);
	free(piece.text);
	render(f, "maybe", &piece);
	assert_non_null(strstr(piece.text, "\r\nSTATUS:TENTATIVE\r\n"));
	free(piece.text);
	render(f, "bare", &piece);
	assert_non_null(strstr(piece.text, "\r\nSTATUS:CONFIRMED\r\n"));
	free(piece.text);
}

/* Local times by TZID; instants in a repeated hour in UTC. */
static void test_times(void **state)
{
	const struct fixture *f = *state;
	struct piece piece;
	char *u, *l;

	render(f, "s1", &piece);
	u = unfold(piece.text);
	l = prop_line(u, "DTSTART");
	assert_string_equal(l, "DTSTART;TZID=Europe/Berlin:20250602T090000");
	free(l);
	l = prop_line(u, "DTEND");
	assert_string_equal(l, "DTEND;TZID=Europe/Berlin:20250602T103000");
	free(l);
	assert_null(strstr(u, "freeassociation"));
	free(u);
	free(piece.text);

	/* 2025-10-26 02:30 +01:00 is 01:30 UTC: "02:30 Berlin" is ambiguous,
	 * so it is given in UTC; its end (03:30) is not */
	render(f, "second-pass", &piece);
	u = unfold(piece.text);
	l = prop_line(u, "DTSTART");
	assert_string_equal(l, "DTSTART:20251026T013000Z");
	free(l);
	l = prop_line(u, "DTEND");
	assert_string_equal(l, "DTEND;TZID=Europe/Berlin:20251026T033000");
	free(l);
	free(u);
	free(piece.text);

	/* the first pass too: RFC 5545 3.3.5 says "02:30 Berlin" is the
	 * first, but clients disagree (tz.h) */
	render(f, "first-pass", &piece);
	u = unfold(piece.text);
	l = prop_line(u, "DTSTART");
	assert_string_equal(l, "DTSTART:20251026T003000Z");
	free(l);
	l = prop_line(u, "DTEND");
	assert_string_equal(l, "DTEND:20251026T005000Z");
	free(l);
	free(u);
	free(piece.text);
}

static void test_stamp(void **state)
{
	const struct fixture *f = *state;
	struct stamp st = { 12, 1395655200 }; /* 2014-03-24 10:00:00 UTC */
	struct piece body, piece;
	size_t body_len;
	char *body_copy;

	render_body(f->p, f->c, NULL, session(f->p, "bare"), &body);
	/* the body has no history in it */
	assert_null(strstr(body.text, "DTSTAMP"));
	assert_null(strstr(body.text, "LAST-MODIFIED"));
	assert_null(strstr(body.text, "SEQUENCE"));
	assert_true(starts_with(body.text, "BEGIN:VEVENT\r\n"));
	assert_null(strstr(body.text, "END:VEVENT"));
	body_len = body.len;
	body_copy = strndup(body.text, body.len);
	render_piece(&body, &st, NULL, &piece);
	assert_true(starts_with(piece.text, "BEGIN:VEVENT\r\n"
					    "DTSTAMP:20140324T100000Z\r\n"
					    "LAST-MODIFIED:20140324T100000Z\r\n"
					    "SEQUENCE:12\r\n"));
	/* followed by the body and the end */
	assert_int_equal(piece.len, body_len + strlen("DTSTAMP:20140324T100000Z\r\n"
						       "LAST-MODIFIED:20140324T100000Z\r\n"
						       "SEQUENCE:12\r\nEND:VEVENT\r\n"));
	assert_non_null(strstr(piece.text, body_copy + strlen("BEGIN:VEVENT\r\n")));
	free(body_copy);
	free(piece.text);
}

/* A memo shared along a run of pieces gives each its own stamp, whether
 * the stamp repeats or changes in time, in sequence or both. */
static void test_stamp_memo(void **state)
{
	const struct fixture *f = *state;
	static const struct stamp stamps[] = { { 1, 1395655200 }, { 1, 1395655200 }, { 2, 1395655200 },
					       { 2, 1395658800 }, { 1, 1395655200 }, { 0, 1395658800 } };
	struct stamp_lines memo = { 0 };

	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		struct piece a, b, body;
		const char *id = i % 2 ? "bare" : "s1";

		render_body(f->p, f->c, NULL, session(f->p, id), &body);
		render_piece(&body, &stamps[i], &memo, &a);
		render_body(f->p, f->c, NULL, session(f->p, id), &body);
		render_piece(&body, &stamps[i], NULL, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.text, b.text, a.len);
		assert_int_equal(a.alarm_off, b.alarm_off);
		assert_int_equal(a.alarm_len, b.alarm_len);
		free(a.text);
		free(b.text);
	}
	stamp_lines_free(&memo);
}

static void test_deterministic(void **state)
{
	const struct fixture *f = *state;
	struct programme *again;
	struct tu_diag td;

	tu_diag_init(&td);
	again = prog_load(f->p->path, &td.d);
	assert_non_null(again);
	for (size_t i = 0; i < f->p->n_sessions; i++) {
		struct piece a, b;
		uint64_t ha = render_body(f->p, f->c, NULL, &f->p->sessions[i], &a);
		uint64_t hb = render_body(again, f->c, NULL, &again->sessions[i], &b);

		assert_int_equal(ha, hb);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.text, b.text, a.len);
		assert_int_equal(a.alarm_off, b.alarm_off);
		/* and different sessions hash differently */
		if (i) {
			struct piece prev;
			uint64_t hp = render_body(f->p, f->c, NULL, &f->p->sessions[i - 1], &prev);

			assert_true(hp != ha);
			free(prev.text);
		}
		free(a.text);
		free(b.text);
	}
	prog_free(again);
	tu_diag_free(&td);
}

static void test_calendar_name(void **state)
{
	const char *name = "IDM 2014, Day 1; \"24 March\" \\ \xe2\x80\x94 new\nline";
	char *text, *u, *v, *want;
	size_t len = 0;

	(void)state;
	text = render_calendar_name(name, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	check_lines(text, len);
	u = unfold(text);
	want = escape(name);
	v = prop_value(u, "NAME");
	assert_string_equal(v, want);
	free(v);
	v = prop_value(u, "X-WR-CALNAME");
	assert_string_equal(v, want);
	free(v);
	free(want);
	assert_true(starts_with(u, "NAME:"));
	assert_int_equal(count_str(u, "\r\n"), 2);
	free(u);
	free(text);

	/* a long name is folded */
	{
		char *long_name = long_title();

		text = render_calendar_name(long_name, &len);
		assert_true(check_lines(text, len) >= 2 * (strlen(long_name) / 75));
		u = unfold(text);
		v = prop_value(u, "NAME");
		assert_string_equal(v, long_name);
		free(v);
		v = prop_value(u, "X-WR-CALNAME");
		assert_string_equal(v, long_name);
		free(v);
		free(u);
		free(text);
		free(long_name);
	}
}

static void test_calendar_head_and_vtimezone(void **state)
{
	const struct fixture *f = *state;
	size_t len = 0;
	char *text = render_calendar_head(f->p, f->c, &len);

	assert_int_equal(strlen(text), len);
	check_lines(text, len);
	assert_true(starts_with(text, "BEGIN:VCALENDAR\r\n"));
	assert_null(strstr(text, "END:VCALENDAR"));
	assert_non_null(strstr(text, "\r\nVERSION:2.0\r\n"));
	assert_non_null(strstr(text, "\r\nPRODID:"));
	assert_non_null(strstr(text, "\r\nCALSCALE:GREGORIAN\r\n"));
	assert_non_null(strstr(text, "\r\nMETHOD:PUBLISH\r\n"));
	assert_non_null(strstr(text, "\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"));
	assert_non_null(strstr(text, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n"));
	assert_non_null(strstr(text, "\r\nX-PUBLISHED-TTL:PT2H\r\n"));
	free(text);

	text = render_vtimezone(f->p, f->p->sessions[0].start, f->p->sessions[f->p->n_sessions - 1].end,
				&len);
	assert_int_equal(strlen(text), len);
	check_lines(text, len);
	assert_true(starts_with(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
	assert_null(strstr(text, "freeassociation"));
	assert_string_equal(text + len - strlen("END:VTIMEZONE\r\n"), "END:VTIMEZONE\r\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_parse_back),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_folding_utf8),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_fold_keeps_escapes),
		cmocka_unit_test(test_line_worst_cases),
		cmocka_unit_test(test_every_session_well_formed),
		cmocka_unit_test(test_description_format),
		cmocka_unit_test(test_break),
		cmocka_unit_test(test_alarm_block),
		cmocka_unit_test(test_cancelled),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_stamp_memo),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_calendar_name),
		cmocka_unit_test(test_calendar_head_and_vtimezone),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);

	icaltimezone_free_builtin_timezones();
	return rc;
}
