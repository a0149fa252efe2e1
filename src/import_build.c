/* The programme builder shared by the schedule.json and schedule.xml
 * importers (import_build.h): ids, rooms, tracks, speakers, times and the
 * messages that say where in the document something is doubtful. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "buf.h"
#include "guid.h"
#include "hash.h"
#include "import_build.h"
#include "lcfg.h"

#define GROW(arr, n, cap)                                                          \
	do {                                                                       \
		if ((n) == (cap)) {                                                \
			void *more_ = realloc((arr), sizeof(*(arr)) * ((cap) * 2 + 16)); \
			if (!more_)                                                \
				abort();                                           \
			(arr) = more_;                                             \
			(cap) = (cap) * 2 + 16;                                    \
		}                                                                  \
	} while (0)

/* --- messages ------------------------------------------------------------ */

static void vmsg(struct imp *I, int is_error, int line, const char *prefix, const char *fmt,
		 va_list ap)
{
	char msg[1500];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (is_error) {
		diag_error(I->d, I->p->path, line, "%s%s", prefix, msg);
	} else {
		diag_warn(I->d, I->p->path, line, "%s%s", prefix, msg);
		I->p->warnings++;
	}
}

void imp_error(struct imp *I, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(I, 1, line, "", fmt, ap);
	va_end(ap);
}

void imp_warn(struct imp *I, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(I, 0, line, "", fmt, ap);
	va_end(ap);
}

/* JSON has no lines: the message starts with the event's place in the
 * document; XML messages carry the <event>'s line and its name. */
static void event_msg(struct imp *I, int is_error, const char *fmt, va_list ap)
{
	char prefix[1024];

	if (I->line > 0)
		snprintf(prefix, sizeof(prefix), "event %s: ", I->what ? I->what : "?");
	else
		snprintf(prefix, sizeof(prefix), "%s %s: ", I->where ? I->where : "?",
			 I->what ? I->what : "");
	vmsg(I, is_error, I->line, prefix, fmt, ap);
}

void imp_event_error(struct imp *I, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_msg(I, 1, fmt, ap);
	va_end(ap);
}

void imp_event_warn(struct imp *I, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_msg(I, 0, fmt, ap);
	va_end(ap);
}

/* --- text ---------------------------------------------------------------- */

/* ASCII letters for U+00C0..U+00FF (NULL: not a letter). */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

char *import_slugify(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(2 * n + 1), *o = out, *res;
	const unsigned char *u = (const unsigned char *)s;
	int dash = 0;

	if (!out)
		abort();
	while (*u) {
		const char *fold = NULL;
		char one[2] = { 0, 0 };

		if (*u == 0xc3 && u[1] >= 0x80 && u[1] <= 0xbf) {
			fold = latin1[u[1] - 0x80];
			u += 2;
		} else {
			if ((*u >= 'a' && *u <= 'z') || (*u >= '0' && *u <= '9'))
				one[0] = (char)*u;
			else if (*u >= 'A' && *u <= 'Z')
				one[0] = (char)(*u - 'A' + 'a');
			fold = one[0] ? one : NULL;
			u++;
		}
		if (!fold) {
			dash = 1;
			continue;
		}
		if (dash && o > out)
			*o++ = '-';
		dash = 0;
		o = stpcpy(o, fold);
	}
	*o = '\0';
	res = arena_strdup(a, out);
	free(out);
	return res;
}

/* A usable id from an id-like string of the document: kept when it is
 * already a valid id once lower-cased, else slugified. */
static char *make_id(struct arena *a, const char *s)
{
	char *id = arena_strdup(a, s);

	for (char *c = id; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return lcfg_is_id(id) ? id : import_slugify(a, s);
}

/* An id not used yet by another room/track/speaker: base, base-2, base-3... */
static const char *unique_id(struct imp *I, const char *kind, const char *base, const char *empty,
			     size_t n)
{
	struct arena *a = I->p->arena;
	const char *id = *base ? base : arena_printf(a, "%s-%zu", empty, n + 1);
	const char *key = arena_printf(a, "%s:%s", kind, id);

	for (int i = 2; strmap_put(I->used_ids, key, 0, NULL) == -EEXIST; i++)
		key = arena_printf(a, "%s:%s-%d", kind, id, i);
	return strchr(key, ':') + 1;
}

static int blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

/* --- HTML to text ---------------------------------------------------------- */

static const char *const html_tags[] = { "p", "br", "a", "div", "span", "em", "strong", "b", "i",
					 "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
					 "pre", "code", "blockquote", "hr", "img", "table", "tr",
					 "td", "th", "dl", "dt", "dd", "sup", "sub", NULL };
static const char *const block_tags[] = { "p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
					  "h6", "pre", "blockquote", "hr", "table", "dl",
					  "section", "article", "header", "footer", "figure", NULL };

static int in_list(const char *name, size_t len, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == len && strncasecmp(name, list[i], len) == 0)
			return 1;
	return 0;
}

/* True when s has a tag of HTML's (so "<https://...>" in Markdown is
 * not HTML). */
static int looks_html(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		const char *name = p + 1 + (p[1] == '/');
		size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ123456");

		if (len && strchr(" \t\r\n/>", name[len]) && in_list(name, len, html_tags))
			return 1;
	}
	return 0;
}

struct text_out {
	struct buf b;
	int brk;   /* pending: 1 a line break, 2 a blank line */
	int space; /* pending: a space */
	int pre;   /* inside <pre>: white space is kept */
};

/* Pending breaks and spaces are written only before more text, so the
 * text neither starts nor ends with them. */
static void put(struct text_out *t, const char *s, size_t n)
{
	if (t->b.len > 0 && t->brk)
		buf_adds(&t->b, t->brk > 1 ? "\n\n" : "\n");
	else if (t->b.len > 0 && t->space && t->b.data[t->b.len - 1] != '\n')
		buf_adds(&t->b, " ");
	t->brk = t->space = 0;
	buf_add(&t->b, s, n);
}

static void put_text(struct text_out *t, const char *s)
{
	while (*s) {
		size_t ws = strspn(s, " \t\r\n"), word;

		if (ws && t->pre) {
			buf_add(&t->b, s, ws);
		} else if (ws) {
			t->space = 1;
		}
		s += ws;
		word = strcspn(s, " \t\r\n");
		if (word)
			put(t, s, word);
		s += word;
	}
}

static void brk(struct text_out *t, int level)
{
	if (t->brk < level)
		t->brk = level;
}

static void walk_html(struct text_out *t, xmlNode *n)
{
	for (; n; n = n->next) {
		const char *name = (const char *)n->name;
		int block;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			put_text(t, (const char *)n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE || !strcmp(name, "script") || !strcmp(name, "style"))
			continue;
		block = in_list(name, strlen(name), block_tags);
		if (!strcmp(name, "br") || !strcmp(name, "tr") || !strcmp(name, "dt"))
			brk(t, 1);
		if (block)
			brk(t, 2);
		if (!strcmp(name, "li")) {
			brk(t, 1);
			put(t, "- ", 2);
		}
		t->pre += !strcmp(name, "pre");
		walk_html(t, n->children);
		t->pre -= !strcmp(name, "pre");
		if (!strcmp(name, "a")) {
			xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
			xmlChar *text = xmlNodeGetContent(n);

			/* The address is lost in plain text unless it is written out. */
			if (href && strstr((char *)href, "://") &&
			    (!text || !strstr((char *)text, (char *)href))) {
				t->space = 1;
				put(t, "(", 1);
				buf_adds(&t->b, (char *)href);
				buf_adds(&t->b, ")");
			}
			xmlFree(href);
			xmlFree(text);
		}
		if (block)
			brk(t, 2);
	}
}

char *import_html_text(struct arena *a, const char *s)
{
	struct text_out t = { { NULL, 0, 0 }, 0, 0, 0 };
	htmlDocPtr doc;
	char *out;

	if (!s || !looks_html(s))
		return NULL;
	doc = htmlReadMemory(s, (int)strlen(s), NULL, "UTF-8",
			     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (!doc)
		return NULL;
	walk_html(&t, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	out = arena_strdup(a, t.b.data ? t.b.data : "");
	buf_free(&t.b);
	return out;
}

/* --- set-up and the end -------------------------------------------------- */

void imp_init(struct imp *I, const char *path, struct diag *d)
{
	memset(I, 0, sizeof(*I));
	I->p = prog_new(path);
	if (!I->p)
		abort();
	I->d = d;
	I->errors_before = d->errors;
	I->room_names = strmap_new(64);
	I->track_names = strmap_new(64);
	I->speaker_keys = strmap_new(1024);
	I->used_ids = strmap_new(1024);
	I->session_keys = strmap_new(1024);
	I->timeslot = 5 * 60;
	I->day_change = -1;
}

void imp_done(struct imp *I)
{
	free(I->rooms);
	free(I->tracks);
	free(I->speakers);
	free(I->sessions);
	strmap_free(I->room_names);
	strmap_free(I->track_names);
	strmap_free(I->speaker_keys);
	strmap_free(I->used_ids);
	strmap_free(I->session_keys);
	prog_free(I->p);
	memset(I, 0, sizeof(*I));
}

static void *to_arena(struct arena *a, const void *src, size_t n, size_t size)
{
	void *dst = arena_alloc(a, size * (n + 1));

	if (n)
		memcpy(dst, src, size * n);
	return dst;
}

/* --- text fit to publish --------------------------------------------------- */

/* s without the control characters that iCalendar TEXT may not hold
 * (lcfg_control; they would reach every feed and page raw), and, for
 * titles and names (trim), without white space at either end: libical
 * and KCalendarCore drop it from SUMMARY, other readers keep it.  s
 * itself when nothing changes; where/what name it in the warning. */
static const char *clean(struct imp *I, const char *s, int trim, const char *where,
			 const char *what)
{
	size_t len, start = 0;
	char *out, *o;

	if (!s)
		return NULL;
	len = strlen(s);
	if (trim) {
		start = strspn(s, " \t\r\n");
		while (len > start && strchr(" \t\r\n", s[len - 1]))
			len--;
	}
	if (lcfg_control(s) < 0 && start == 0 && len == strlen(s))
		return s;
	if (lcfg_control(s) >= 0)
		imp_warn(I, 0, "%s: %s holds control characters (U+%04X...), which calendars cannot "
			 "show: dropped", where, what, (unsigned)lcfg_control(s));
	out = o = arena_alloc(I->p->arena, len - start + 1);
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r')
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* An id of at most LCFG_MAX_ID bytes (files and URLs are named by it):
 * a longer one is cut, and a hash of the whole keeps cut ids apart. */
static const char *short_id(struct imp *I, const char *id, const char *what)
{
	size_t len = id ? strlen(id) : 0, keep = LCFG_MAX_ID - 9;
	const char *out;

	if (len <= LCFG_MAX_ID)
		return id;
	while (keep > 1 && id[keep - 1] == '-')
		keep--;
	out = arena_printf(I->p->arena, "%.*s-%08x", (int)keep, id,
			   (unsigned)(hash_bytes(HASH_SEED, id, len) & 0xffffffffu));
	imp_warn(I, 0, "%s id \"%.32s...\" is %zu bytes long, more than the %d an id may have: "
		 "shortened to \"%s\"", what, id, len, LCFG_MAX_ID, out);
	return out;
}

static void clean_session(struct imp *I, struct prog_session *s)
{
	const char *w = s->where ? s->where : "?";

	s->id = short_id(I, s->id, "session");
	s->title = clean(I, s->title, 1, w, "the title");
	s->description = clean(I, s->description, 0, w, "the description");
	s->kind = short_id(I, clean(I, s->kind, 1, w, "the type"), "kind");
	for (uint32_t j = 0; j < s->n_people; j++) {
		s->people[j].role = clean(I, s->people[j].role, 1, w, "a person's role");
		s->people[j].affiliation =
			clean(I, s->people[j].affiliation, 1, w, "a person's affiliation");
	}
	for (uint32_t j = 0; j < s->n_docs; j++) {
		s->docs[j].title = clean(I, s->docs[j].title, 1, w, "a link's title");
		s->docs[j].url = clean(I, s->docs[j].url, 1, w, "a link's url");
	}
}

/* Every text of the programme, once, before it is finished. */
static void clean_all(struct imp *I)
{
	struct programme *p = I->p;
	struct prog_event *e = &p->event;

	e->id = short_id(I, e->id, "event");
	e->title = clean(I, e->title, 1, "the conference", "the title");
	e->location = clean(I, e->location, 1, "the conference", "the venue");
	e->url = clean(I, e->url, 1, "the conference", "the url");
	e->description = clean(I, e->description, 0, "the conference", "the description");
	for (size_t i = 0; i < p->n_rooms; i++) {
		I->rooms[i].id = short_id(I, I->rooms[i].id, "room");
		I->rooms[i].title = clean(I, I->rooms[i].title, 1, "a room", "the name");
	}
	for (size_t i = 0; i < p->n_tracks; i++) {
		I->tracks[i].id = short_id(I, I->tracks[i].id, "track");
		I->tracks[i].title = clean(I, I->tracks[i].title, 1, "a track", "the name");
		I->tracks[i].description =
			clean(I, I->tracks[i].description, 0, "a track", "the description");
	}
	for (size_t i = 0; i < p->n_speakers; i++) {
		struct prog_speaker *sp = &I->speakers[i];

		sp->id = short_id(I, sp->id, "speaker");
		sp->name = clean(I, sp->name, 1, "a person", "the name");
		sp->affiliation = clean(I, sp->affiliation, 1, "a person", "the affiliation");
		sp->bio_url = clean(I, sp->bio_url, 1, "a person", "the url");
		sp->email = clean(I, sp->email, 1, "a person", "the e-mail address");
	}
	for (size_t i = 0; i < p->n_sessions; i++)
		clean_session(I, &I->sessions[i]);
}

struct programme *imp_finish(struct imp *I)
{
	struct programme *p = I->p;

	if (I->d->errors == I->errors_before && !p->tz)
		imp_error(I, 0, "the document has no events and no time_zone_name");
	for (size_t i = 0; i < p->n_speakers; i++) {
		if (!I->speakers[i].name) { /* imp_speaker's, named by no person */
			imp_warn(I, 0, "speaker '%s' has no name: the id is used", I->speakers[i].id);
			I->speakers[i].name = I->speakers[i].id;
		}
	}
	if (I->d->errors > I->errors_before)
		return NULL;
	clean_all(I);
	p->rooms = to_arena(p->arena, I->rooms, p->n_rooms, sizeof(*p->rooms));
	p->tracks = to_arena(p->arena, I->tracks, p->n_tracks, sizeof(*p->tracks));
	p->speakers = to_arena(p->arena, I->speakers, p->n_speakers, sizeof(*p->speakers));
	p->sessions = to_arena(p->arena, I->sessions, p->n_sessions, sizeof(*p->sessions));
	if (prog_finish(p, I->d) < 0)
		return NULL;
	I->p = NULL; /* the caller's now */
	return p;
}

/* --- times --------------------------------------------------------------- */

#define STR_(x) #x
#define STR(x) STR_(x)
#define PROG_YEARS STR(PROG_MIN_YEAR) " and " STR(PROG_MAX_YEAR)

/* "HH:MM" or "HH:MM:SS" as seconds, or -1. */
static int64_t clock_seconds(const char *s)
{
	int h, m, sec = 0, n = 0;

	if (!s || (sscanf(s, "%3d:%2d%n:%2d%n", &h, &m, &n, &sec, &n) < 2) || s[n] || h < 0 ||
	    m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return (int64_t)h * 3600 + m * 60 + sec;
}

/* A duration: "H:MM" (hours may exceed 23) or, with three fields,
 * "D:HH:MM" in JSON (frab's days) and "HH:MM:SS" in XML (the XSD's
 * pattern).  Returns seconds, or -1. */
static int64_t duration_seconds(const char *s, int three_is_days)
{
	int a, b, c, n = 0;

	if (!s)
		return -1;
	/* Nine digits at most: sscanf's %d wraps past INT_MAX ("4294967297"
	 * would read as 1); the length is bounded after (PROG_MAX_DURATION). */
	if (sscanf(s, "%9d:%2d:%2d%n", &a, &b, &c, &n) == 3 && !s[n]) {
		if (a < 0 || b < 0 || c < 0 || c > 59 || (three_is_days ? b > 23 : b > 59))
			return -1;
		return three_is_days ? (int64_t)a * 86400 + b * 3600 + c * 60
				     : (int64_t)a * 3600 + b * 60 + c;
	}
	n = 0;
	if (sscanf(s, "%9d:%2d%n", &a, &b, &n) == 2 && !s[n] && a >= 0 && b >= 0 && b <= 59)
		return (int64_t)a * 3600 + b * 60;
	return -1;
}

/* The zone for a document without time_zone_name: UTC, or the fixed
 * offset of its first time ("Etc/GMT-1" is UTC+1: POSIX signs). */
static int derive_zone(struct imp *I, int offset)
{
	char name[32];

	if (offset == 0)
		snprintf(name, sizeof(name), "UTC");
	else if (offset % 3600 == 0)
		snprintf(name, sizeof(name), "Etc/GMT%+d", -offset / 3600);
	else {
		imp_error(I, I->conf.line, "no time_zone_name, and the offset %+03d:%02d of the "
			  "times has no fixed-offset zone: add time_zone_name", offset / 3600,
			  abs(offset % 3600) / 60);
		return -1;
	}
	if (tz_open(name, &I->p->tz) < 0) {
		imp_error(I, I->conf.line, "no time_zone_name, and the time zone %s is unknown",
			  name);
		return -1;
	}
	I->p->event.timezone = arena_strdup(I->p->arena, name);
	if (offset != 0)
		imp_warn(I, I->conf.line, "no time_zone_name: using %s, the fixed offset of the "
			 "times (daylight saving time changes are not known)", name);
	return 0;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|+HHMM]" as UTC seconds.
 * An offset wins over the zone (as the document says the instant);
 * when the zone disagrees, that is said once.  Returns 0 or -1 (*why). */
static int iso_time(struct imp *I, const char *v, int64_t *utc, const char **why)
{
	char tmp[64], *dot;
	size_t n = strlen(v);
	struct civil c;
	int has_offset, offset;

	*why = "expected an ISO 8601 time such as \"2025-12-27T10:30:00+01:00\"";
	if (n >= sizeof(tmp) - 2)
		return -1;
	memcpy(tmp, v, n + 1);
	if ((dot = strchr(tmp, '.')) != NULL) { /* fractions of a second do not matter */
		const char *rest = dot + 1 + strspn(dot + 1, "0123456789");

		memmove(dot, rest, strlen(rest) + 1);
	}
	n = strlen(tmp);
	if (n > 5 && (tmp[n - 5] == '+' || tmp[n - 5] == '-') && !strchr(tmp + n - 4, ':')) {
		memmove(tmp + n - 1, tmp + n - 2, 3); /* +HHMM -> +HH:MM */
		tmp[n - 2] = ':';
	}
	if (civil_parse(tmp, &c, &has_offset, &offset, why) < 0)
		return -1;
	if (c.year < PROG_MIN_YEAR || c.year > PROG_MAX_YEAR) {
		*why = "the year must be between " PROG_YEARS;
		return -1;
	}
	if (!I->p->tz && (!has_offset || derive_zone(I, offset) < 0)) {
		*why = "no time zone: the document has no time_zone_name and this time no offset";
		return -1;
	}
	if (!has_offset) {
		/* A repeated or skipped local time: the first reading (libical's). */
		tz_local_to_utc(I->p->tz, &c, utc);
		return 0;
	}
	*utc = civil_to_seconds(&c) - offset;
	if (tz_offset_at(I->p->tz, *utc) != offset && !I->offset_warned) {
		I->offset_warned = 1;
		imp_warn(I, I->line, "time_zone_name %s disagrees with the offset in \"%s\"%s%s; "
			 "the times' offsets are used (said once)", I->p->event.timezone, v,
			 I->line > 0 ? "" : " at ", I->line > 0 ? "" : (I->where ? I->where : "?"));
	}
	return 0;
}

/* --- the conference, rooms, tracks, days ---------------------------------- */

int imp_conference(struct imp *I, const struct imp_conference *c)
{
	struct programme *p = I->p;
	struct prog_event *e = &p->event;
	int64_t slot = clock_seconds(c->timeslot);

	I->conf = *c;
	e->title = arena_strdup(p->arena, blank(c->title) ? c->acronym : c->title);
	e->id = import_slugify(p->arena, c->acronym ? c->acronym : "");
	if (!*e->id && e->title)
		e->id = import_slugify(p->arena, e->title);
	if (!*e->id)
		e->id = "event";
	if (!e->title)
		imp_error(I, c->line, "the conference has no title and no acronym");
	e->url = arena_strdup(p->arena, blank(c->url) ? c->base_url : c->url);
	e->location = blank(c->location) ? NULL : arena_strdup(p->arena, c->location);
	if (slot > 0 && slot <= 86400)
		I->timeslot = slot;
	I->day_change = (int)clock_seconds(c->day_change);
	if (blank(c->zone))
		return 0; /* found from the first time's offset (derive_zone) */
	e->timezone = arena_strdup(p->arena, c->zone);
	if (tz_open(c->zone, &p->tz) < 0) {
		imp_error(I, c->line, "unknown time_zone_name \"%s\": use an IANA name such as "
			  "\"Europe/Berlin\"", c->zone);
		return -1;
	}
	return 0;
}

uint32_t imp_room(struct imp *I, const char *name, const char *slug)
{
	struct programme *p = I->p;
	uint32_t index;
	struct prog_room *r;

	if (blank(name))
		return PROG_NONE;
	if (strmap_get(I->room_names, name, &index) == 0)
		return index;
	GROW(I->rooms, p->n_rooms, I->cap_rooms);
	r = &I->rooms[p->n_rooms];
	r->title = arena_strdup(p->arena, name);
	r->id = unique_id(I, "room", import_slugify(p->arena, blank(slug) ? name : slug), "room",
			  p->n_rooms);
	strmap_put(I->room_names, r->title, (uint32_t)p->n_rooms, NULL);
	return (uint32_t)p->n_rooms++;
}

uint32_t imp_track(struct imp *I, const char *name, const char *slug)
{
	struct programme *p = I->p;
	uint32_t index;
	struct prog_track *t;

	if (blank(name))
		return PROG_NONE;
	if (strmap_get(I->track_names, name, &index) == 0)
		return index;
	GROW(I->tracks, p->n_tracks, I->cap_tracks);
	t = &I->tracks[p->n_tracks];
	memset(t, 0, sizeof(*t));
	t->title = arena_strdup(p->arena, name);
	t->id = unique_id(I, "track", import_slugify(p->arena, blank(slug) ? name : slug), "track",
			  p->n_tracks);
	strmap_put(I->track_names, t->title, (uint32_t)p->n_tracks, NULL);
	return (uint32_t)p->n_tracks++;
}

uint32_t imp_track_new(struct imp *I, const char *name, const char *id)
{
	struct programme *p = I->p;
	struct prog_track *t;

	GROW(I->tracks, p->n_tracks, I->cap_tracks);
	t = &I->tracks[p->n_tracks];
	memset(t, 0, sizeof(*t));
	t->title = arena_strdup(p->arena, name);
	t->id = id ? arena_strdup(p->arena, id) : arena_printf(p->arena, "track-%zu", p->n_tracks + 1);
	strmap_put(I->track_names, t->title, (uint32_t)p->n_tracks, NULL); /* the first keeps it */
	return (uint32_t)p->n_tracks++;
}

void imp_day(struct imp *I, const char *date, const char *start, int line)
{
	const char *why;
	struct civil c;
	int has_offset, offset;
	char tmp[32];

	I->day = arena_strdup(I->p->arena, date ? date : "?");
	I->day_line = line;
	I->has_day_start = 0;
	I->where = arena_printf(I->p->arena, "day %s", I->day);
	I->line = line;
	if (!blank(start)) {
		if (iso_time(I, start, &I->day_start, &why) == 0)
			I->has_day_start = 1;
		else
			imp_warn(I, line, "day %s: bad start \"%s\" (ignored): %s", I->day, start, why);
		return;
	}
	/* No start of its own: the conference's day_change on that date. */
	if (!date || I->day_change < 0 || !I->p->tz)
		return;
	snprintf(tmp, sizeof(tmp), "%.10s 00:00", date);
	if (civil_parse(tmp, &c, &has_offset, &offset, &why) == 0) {
		c.hour = I->day_change / 3600;
		c.min = I->day_change / 60 % 60;
		c.sec = I->day_change % 60;
		tz_local_to_utc(I->p->tz, &c, &I->day_start);
		I->has_day_start = 1;
	}
}

/* --- events --------------------------------------------------------------- */

/* Where the event is in the document, for messages and s->where. */
static void event_place(struct imp *I, const struct imp_event *ev)
{
	struct arena *a = I->p->arena;
	const char *key = !blank(ev->guid) ? ev->guid : !blank(ev->id) ? ev->id : "?";

	I->line = ev->line;
	I->where = arena_printf(a, "day %s, room '%s', event %s", I->day ? I->day : "?",
				blank(ev->room) ? "" : ev->room, key);
	I->what = ev->line > 0 ? arena_printf(a, "%s '%s'", key, ev->title ? ev->title : "")
			       : arena_printf(a, "'%s'", ev->title ? ev->title : "");
}

/* The session id: agendad's own export (guid = uuid5(slug@event)) keeps
 * its slug; else the guid, the slug, or "e<id>". */
static const char *session_id(struct imp *I, const struct imp_event *ev)
{
	struct arena *a = I->p->arena;

	if (!blank(ev->guid)) {
		if (!blank(ev->slug)) {
			char uuid[37];

			guid_of("", ev->slug, I->p->event.id, uuid);
			if (strcasecmp(uuid, ev->guid) == 0 && lcfg_is_id(ev->slug))
				return arena_strdup(a, ev->slug);
		}
		return make_id(a, ev->guid);
	}
	if (!blank(ev->slug))
		return make_id(a, ev->slug);
	if (!blank(ev->id))
		return arena_printf(a, "e%s", make_id(a, ev->id));
	return NULL;
}

/* Start and end.  The document's full date wins; without it, the day's
 * date and the wall-clock start (after midnight but before the day's
 * start it is the next calendar date, as frab's days run to day_change). */
static int event_times(struct imp *I, const struct imp_event *ev, struct prog_session *s)
{
	const char *why;
	int64_t dur;

	if (!blank(ev->date)) {
		if (iso_time(I, ev->date, &s->start, &why) < 0) {
			imp_event_error(I, "bad date \"%s\": %s", ev->date, why);
			return -1;
		}
	} else if (!blank(ev->start) && I->day && clock_seconds(ev->start) >= 0) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%.10sT%s", I->day, ev->start);
		if (iso_time(I, tmp, &s->start, &why) < 0) {
			imp_event_error(I, "bad start \"%s\" on day %s: %s", ev->start, I->day, why);
			return -1;
		}
		if (I->has_day_start && s->start < I->day_start && s->start + 86400 >= I->day_start)
			s->start += 86400;
	} else {
		imp_event_error(I, "no start: give \"date\" (or \"start\" within a day)");
		return -1;
	}
	if (!blank(ev->duration)) {
		if ((dur = duration_seconds(ev->duration, !I->xml)) < 0) {
			imp_event_error(I, "bad duration \"%s\": expected \"%s\", at most %d days",
					ev->duration, I->xml ? "HH:MM:SS" : "HH:MM",
					PROG_MAX_DURATION / 86400);
			return -1;
		}
		s->end = s->start + dur;
	} else if (!blank(ev->end)) {
		if (iso_time(I, ev->end, &s->end, &why) < 0) {
			imp_event_error(I, "bad end \"%s\": %s", ev->end, why);
			return -1;
		}
	} else {
		imp_event_error(I, "no duration and no end");
		return -1;
	}
	if (s->end < s->start) {
		imp_event_error(I, "ends before it starts");
		return -1;
	}
	if (s->end - s->start > PROG_MAX_DURATION) {
		imp_event_error(I, "lasts longer than %d days (%s \"%s\"), the longest a session may",
				PROG_MAX_DURATION / 86400, blank(ev->duration) ? "end" : "duration",
				blank(ev->duration) ? ev->end : ev->duration);
		return -1;
	}
	/* The model (and iCalendar readers) want end > start; a zero length
	 * is usually an unfinished entry, so it gets the smallest slot of the
	 * conference's grid, and the warning says so. */
	if (s->end == s->start) {
		s->end = s->start + I->timeslot;
		imp_event_warn(I, "duration is zero; shown as one timeslot (%d minutes)",
			       (int)(I->timeslot / 60));
	}
	if (I->has_day_start && s->start < I->day_start)
		imp_event_warn(I, "starts before the start of day %s", I->day);
	return 0;
}

static const char *event_kind(struct imp *I, const char *type, int *is_break)
{
	char *k = blank(type) ? NULL : import_slugify(I->p->arena, type);

	*is_break = k && (strcmp(k, "break") == 0 || strcmp(k, "pause") == 0);
	if (*is_break)
		return "break";
	return k && *k ? k : "session";
}

/* Subtitle, abstract and description as one text, blank lines between. */
static const char *event_text(struct imp *I, const struct imp_event *ev)
{
	struct arena *a = I->p->arena;
	const char *parts[3] = { ev->subtitle, ev->abstract, ev->description };
	char *out = NULL;

	for (int i = 0; i < 3; i++) {
		const char *t = parts[i];
		char *plain;

		if (blank(t) || (i == 2 && ev->abstract && strcmp(t, ev->abstract) == 0))
			continue;
		plain = import_html_text(a, t);
		t = plain ? plain : t;
		if (blank(t))
			continue;
		out = out ? arena_printf(a, "%s\n\n%s", out, t) : arena_strdup(a, t);
	}
	/* Trailing newlines of the source only make the calendar text ragged. */
	for (size_t n = out ? strlen(out) : 0; n > 0 && strchr(" \r\n\t", out[n - 1]); n--)
		out[n - 1] = '\0';
	return out;
}

int imp_session(struct imp *I, const struct imp_event *ev, struct prog_session *s,
		size_t n_people, size_t n_docs)
{
	struct arena *a = I->p->arena;
	size_t errors = I->d->errors;

	memset(s, 0, sizeof(*s));
	event_place(I, ev);
	s->line = ev->line;
	s->where = I->where;
	if (blank(ev->title))
		imp_event_error(I, "no title");
	s->title = arena_strdup(a, ev->title);
	if (!(s->id = session_id(I, ev)) || !*s->id)
		imp_event_error(I, "no guid, slug or id to name it by");
	if (event_times(I, ev, s) < 0 || I->d->errors > errors)
		return -1;
	s->room = imp_room(I, ev->room, NULL);
	if (s->room == PROG_NONE && !I->own)
		imp_event_warn(I, "no room");
	s->track = imp_track(I, ev->track, ev->track_slug);
	s->kind = event_kind(I, ev->type, &s->is_break);
	s->status = PROG_CONFIRMED;
	s->description = event_text(I, ev);
	s->people = arena_alloc(a, sizeof(*s->people) * (n_people + 1));
	s->docs = arena_alloc(a, sizeof(*s->docs) * (n_docs + 1));
	return 0;
}

/* The speaker's id: agendad's own export (guid = uuid5("speaker:<id>@
 * <event>") with the id as code or as the slug of the name) keeps it;
 * else the guid, the pretalx code, "p<id>", or the slug of the name. */
static const char *speaker_id(struct imp *I, const struct imp_person *pp, const char *name)
{
	struct arena *a = I->p->arena;

	if (!blank(pp->guid)) {
		/* agendad's schedule.json has the id as "slug"; the XML has none. */
		const char *cand[3] = { pp->slug, pp->code, import_slugify(a, name) };

		for (int i = 0; i < 3; i++) {
			char uuid[37];

			if (blank(cand[i]) || !lcfg_is_id(cand[i]))
				continue;
			guid_of("speaker:", cand[i], I->p->event.id, uuid);
			if (strcasecmp(uuid, pp->guid) == 0)
				return arena_strdup(a, cand[i]);
		}
		return make_id(a, pp->guid);
	}
	if (!blank(pp->code))
		return make_id(a, pp->code);
	if (!blank(pp->id))
		return arena_printf(a, "p%s", make_id(a, pp->id));
	return import_slugify(a, name);
}

/* The same person in many events is one speaker: keyed by guid, code,
 * id, or (when the document names people only) the name. */
static uint32_t speaker(struct imp *I, const struct imp_person *pp, const char *name)
{
	struct programme *p = I->p;
	char *key = !blank(pp->guid)   ? arena_printf(p->arena, "g:%s", pp->guid)
		    : !blank(pp->code) ? arena_printf(p->arena, "c:%s", pp->code)
		    : !blank(pp->id)   ? arena_printf(p->arena, "i:%s", pp->id)
				       : arena_printf(p->arena, "n:%s", name);
	struct prog_speaker *sp;
	uint32_t index;

	if (key[0] != 'n') /* guids and pretalx codes are case-insensitive */
		for (char *c = key; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	if (strmap_get(I->speaker_keys, key, &index) == 0) {
		sp = &I->speakers[index];
		if (!sp->name) { /* made by imp_speaker: its first appearance */
			sp->name = arena_strdup(p->arena, name);
			if (!sp->bio_url && !blank(pp->url))
				sp->bio_url = arena_strdup(p->arena, pp->url);
		}
		return index;
	}
	GROW(I->speakers, p->n_speakers, I->cap_speakers);
	sp = &I->speakers[p->n_speakers];
	memset(sp, 0, sizeof(*sp));
	sp->name = arena_strdup(p->arena, name);
	sp->id = unique_id(I, "speaker", speaker_id(I, pp, name), "speaker", p->n_speakers);
	sp->bio_url = blank(pp->url) ? NULL : arena_strdup(p->arena, pp->url);
	strmap_put(I->speaker_keys, key, (uint32_t)p->n_speakers, NULL);
	return (uint32_t)p->n_speakers++;
}

uint32_t imp_speaker(struct imp *I, const char *guid, const char *id, const char *name)
{
	struct programme *p = I->p;
	char *key = arena_printf(p->arena, "g:%s", guid);
	struct prog_speaker *sp;
	uint32_t index;

	for (char *c = key; *c; c++) /* as speaker() keys it */
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	if (strmap_get(I->speaker_keys, key, &index) == 0)
		return index;
	GROW(I->speakers, p->n_speakers, I->cap_speakers);
	sp = &I->speakers[p->n_speakers];
	memset(sp, 0, sizeof(*sp));
	sp->name = blank(name) ? NULL : arena_strdup(p->arena, name);
	sp->id = unique_id(I, "speaker", arena_strdup(p->arena, id), "speaker", p->n_speakers);
	strmap_put(I->speaker_keys, key, (uint32_t)p->n_speakers, NULL);
	return (uint32_t)p->n_speakers++;
}

void imp_person(struct imp *I, struct prog_session *s, const struct imp_person *pp)
{
	const char *name = pp->name;
	struct prog_person *out = &s->people[s->n_people];

	if (blank(name)) {
		imp_event_warn(I, "a person without a name (ignored)");
		return;
	}
	out->speaker = speaker(I, pp, name);
	for (uint32_t j = 0; j < s->n_people; j++) {
		if (s->people[j].speaker == out->speaker) {
			imp_event_warn(I, "'%s' is listed twice", name);
			return;
		}
	}
	out->role = blank(pp->role) ? NULL : arena_strdup(I->p->arena, pp->role);
	s->n_people++;
}

void imp_document(struct imp *I, struct prog_session *s, const char *title, const char *url)
{
	struct arena *a = I->p->arena;
	struct prog_document *doc = &s->docs[s->n_docs];

	if (blank(url) && blank(title))
		return;
	/* Attachments are often site-relative ("/media/..."): resolved
	 * against the schedule's base_url so that a calendar can open them. */
	if (!blank(url) && url[0] == '/' && url[1] != '/' && !blank(I->conf.base_url)) {
		const char *base = I->conf.base_url, *host = strstr(base, "://");
		const char *end = host ? strchr(host + 3, '/') : NULL;

		if (host)
			url = arena_printf(a, "%.*s%s", (int)(end ? end - base : (ptrdiff_t)strlen(base)),
					   base, url);
	}
	doc->url = blank(url) ? NULL : arena_strdup(a, url);
	doc->title = arena_strdup(a, blank(title) ? url : title);
	s->n_docs++;
}

void imp_add(struct imp *I, struct prog_session *s)
{
	struct programme *p = I->p;
	uint32_t first;

	if (strmap_put(I->session_keys, s->id, (uint32_t)p->n_sessions, &first) == -EEXIST) {
		const struct prog_session *f = &I->sessions[first];

		if (f->line > 0)
			imp_event_error(I, "duplicate guid/id '%s' (first at line %d)", s->id, f->line);
		else
			imp_event_error(I, "duplicate guid/id '%s' (first at %s)", s->id, f->where);
		return;
	}
	GROW(I->sessions, p->n_sessions, I->cap_sessions);
	I->sessions[p->n_sessions++] = *s;
}
