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
#include "memory.h"

/* --- messages ------------------------------------------------------------ */

static void vmsg(struct imp *imp, int is_error, int line, const char *prefix, const char *fmt,
		 va_list ap)
{
	char msg[1500];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (is_error) {
		diag_error(imp->d, imp->p->path, line, "%s%s", prefix, msg);
	} else {
		diag_warn(imp->d, imp->p->path, line, "%s%s", prefix, msg);
		imp->p->warnings++;
	}
}

void imp_error(struct imp *imp, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(imp, 1, line, "", fmt, ap);
	va_end(ap);
}

void imp_warn(struct imp *imp, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(imp, 0, line, "", fmt, ap);
	va_end(ap);
}

/* JSON has no lines: the message starts with the event's place in the
 * document; XML messages carry the <event>'s line and its name. */
static void event_msg(struct imp *imp, int is_error, const char *fmt, va_list ap)
{
	char prefix[1024];

	if (imp->line > 0)
		snprintf(prefix, sizeof(prefix), "event %s: ", imp->what ? imp->what : "?");
	else
		snprintf(prefix, sizeof(prefix), "%s %s: ", imp->where ? imp->where : "?",
			 imp->what ? imp->what : "");
	vmsg(imp, is_error, imp->line, prefix, fmt, ap);
}

void imp_event_error(struct imp *imp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_msg(imp, 1, fmt, ap);
	va_end(ap);
}

void imp_event_warn(struct imp *imp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_msg(imp, 0, fmt, ap);
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
	char *out = xmalloc(2 * n + 1), *o = out, *res;
	const unsigned char *u = (const unsigned char *)s;
	int dash = 0;

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

/* ASCII letters of s to lower case, in place (not the locale's tolower:
 * ids and keys must not depend on it). */
static void ascii_lower(char *s)
{
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

/* A usable id from an id-like string of the document: kept when it is
 * already a valid id once lower-cased, else slugified. */
static char *make_id(struct arena *a, const char *s)
{
	char *id = arena_strdup(a, s);

	ascii_lower(id);
	return lcfg_is_id(id) ? id : import_slugify(a, s);
}

/* An id not used yet by another room/track/speaker: base, base-2, base-3... */
static const char *unique_id(struct imp *imp, const char *kind, const char *base, const char *empty,
			     size_t n)
{
	struct arena *a = imp->p->arena;
	const char *id = *base ? base : arena_printf(a, "%s-%zu", empty, n + 1);
	const char *key = arena_printf(a, "%s:%s", kind, id);

	for (int i = 2; strmap_put(imp->used_ids, key, 0, NULL) == -EEXIST; i++)
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
static void text_add(struct text_out *t, const char *s, size_t n)
{
	if (t->b.len > 0 && t->brk)
		buf_adds(&t->b, t->brk > 1 ? "\n\n" : "\n");
	else if (t->b.len > 0 && t->space && t->b.data[t->b.len - 1] != '\n')
		buf_adds(&t->b, " ");
	t->brk = t->space = 0;
	buf_add(&t->b, s, n);
}

static void text_add_words(struct text_out *t, const char *s)
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
			text_add(t, s, word);
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
			text_add_words(t, (const char *)n->content);
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
			text_add(t, "- ", 2);
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
				text_add(t, "(", 1);
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

void imp_init(struct imp *imp, const char *path, struct diag *d)
{
	memset(imp, 0, sizeof(*imp));
	imp->p = prog_new(path);
	imp->d = d;
	imp->errors_before = d->errors;
	imp->room_names = strmap_new(64);
	imp->track_names = strmap_new(64);
	imp->speaker_keys = strmap_new(1024);
	imp->used_ids = strmap_new(1024);
	imp->session_keys = strmap_new(1024);
	imp->timeslot = 5 * 60;
	imp->day_change = -1;
}

void imp_done(struct imp *imp)
{
	free(imp->rooms);
	free(imp->tracks);
	free(imp->speakers);
	free(imp->sessions);
	strmap_free(imp->room_names);
	strmap_free(imp->track_names);
	strmap_free(imp->speaker_keys);
	strmap_free(imp->used_ids);
	strmap_free(imp->session_keys);
	prog_free(imp->p);
	memset(imp, 0, sizeof(*imp));
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
static const char *clean(struct imp *imp, const char *s, int trim, const char *where,
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
		imp_warn(imp, 0, "%s: %s holds control characters (U+%04X...), which calendars cannot "
			 "show: dropped", where, what, (unsigned)lcfg_control(s));
	out = o = arena_alloc(imp->p->arena, len - start + 1);
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
static const char *short_id(struct imp *imp, const char *id, const char *what)
{
	size_t len = id ? strlen(id) : 0, keep = LCFG_MAX_ID - 9;
	const char *out;

	if (len <= LCFG_MAX_ID)
		return id;
	while (keep > 1 && id[keep - 1] == '-')
		keep--;
	out = arena_printf(imp->p->arena, "%.*s-%08x", (int)keep, id,
			   (unsigned)(hash_bytes(HASH_SEED, id, len) & 0xffffffffu));
	imp_warn(imp, 0, "%s id \"%.32s...\" is %zu bytes long, more than the %d an id may have: "
		 "shortened to \"%s\"", what, id, len, LCFG_MAX_ID, out);
	return out;
}

static void clean_session(struct imp *imp, struct prog_session *s)
{
	const char *w = s->where ? s->where : "?";

	s->id = short_id(imp, s->id, "session");
	s->title = clean(imp, s->title, 1, w, "the title");
	s->description = clean(imp, s->description, 0, w, "the description");
	s->kind = short_id(imp, clean(imp, s->kind, 1, w, "the type"), "kind");
	for (uint32_t j = 0; j < s->n_people; j++) {
		s->people[j].role = clean(imp, s->people[j].role, 1, w, "a person's role");
		s->people[j].affiliation =
			clean(imp, s->people[j].affiliation, 1, w, "a person's affiliation");
	}
	for (uint32_t j = 0; j < s->n_docs; j++) {
		s->docs[j].title = clean(imp, s->docs[j].title, 1, w, "a link's title");
		s->docs[j].url = clean(imp, s->docs[j].url, 1, w, "a link's url");
	}
}

/* Every text of the programme, once, before it is finished. */
static void clean_all(struct imp *imp)
{
	struct programme *p = imp->p;
	struct prog_event *e = &p->event;

	e->id = short_id(imp, e->id, "event");
	e->title = clean(imp, e->title, 1, "the conference", "the title");
	e->location = clean(imp, e->location, 1, "the conference", "the venue");
	e->url = clean(imp, e->url, 1, "the conference", "the url");
	e->description = clean(imp, e->description, 0, "the conference", "the description");
	for (size_t i = 0; i < p->n_rooms; i++) {
		imp->rooms[i].id = short_id(imp, imp->rooms[i].id, "room");
		imp->rooms[i].title = clean(imp, imp->rooms[i].title, 1, "a room", "the name");
	}
	for (size_t i = 0; i < p->n_tracks; i++) {
		imp->tracks[i].id = short_id(imp, imp->tracks[i].id, "track");
		imp->tracks[i].title = clean(imp, imp->tracks[i].title, 1, "a track", "the name");
		imp->tracks[i].description =
			clean(imp, imp->tracks[i].description, 0, "a track", "the description");
	}
	for (size_t i = 0; i < p->n_speakers; i++) {
		struct prog_speaker *sp = &imp->speakers[i];

		sp->id = short_id(imp, sp->id, "speaker");
		sp->name = clean(imp, sp->name, 1, "a person", "the name");
		sp->affiliation = clean(imp, sp->affiliation, 1, "a person", "the affiliation");
		sp->bio_url = clean(imp, sp->bio_url, 1, "a person", "the url");
		sp->email = clean(imp, sp->email, 1, "a person", "the e-mail address");
	}
	for (size_t i = 0; i < p->n_sessions; i++)
		clean_session(imp, &imp->sessions[i]);
}

struct programme *imp_finish(struct imp *imp)
{
	struct programme *p = imp->p;

	if (imp->d->errors == imp->errors_before && !p->tz)
		imp_error(imp, 0, "the document has no events and no time_zone_name");
	for (size_t i = 0; i < p->n_speakers; i++) {
		if (!imp->speakers[i].name) { /* imp_speaker's, named by no person */
			imp_warn(imp, 0, "speaker '%s' has no name: the id is used", imp->speakers[i].id);
			imp->speakers[i].name = imp->speakers[i].id;
		}
	}
	if (imp->d->errors > imp->errors_before)
		return NULL;
	clean_all(imp);
	p->rooms = to_arena(p->arena, imp->rooms, p->n_rooms, sizeof(*p->rooms));
	p->tracks = to_arena(p->arena, imp->tracks, p->n_tracks, sizeof(*p->tracks));
	p->speakers = to_arena(p->arena, imp->speakers, p->n_speakers, sizeof(*p->speakers));
	p->sessions = to_arena(p->arena, imp->sessions, p->n_sessions, sizeof(*p->sessions));
	if (prog_finish(p, imp->d) < 0)
		return NULL;
	imp->p = NULL; /* the caller's now */
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
static int derive_zone(struct imp *imp, int offset)
{
	char name[32];

	if (offset == 0)
		snprintf(name, sizeof(name), "UTC");
	else if (offset % 3600 == 0)
		snprintf(name, sizeof(name), "Etc/GMT%+d", -offset / 3600);
	else {
		imp_error(imp, imp->conf.line, "no time_zone_name, and the offset %+03d:%02d of "
			  "the times has no fixed-offset zone: add time_zone_name", offset / 3600,
			  abs(offset % 3600) / 60);
		return -1;
	}
	if (tz_open(name, &imp->p->tz) < 0) {
		imp_error(imp, imp->conf.line, "no time_zone_name, and the time zone %s is unknown",
			  name);
		return -1;
	}
	imp->p->event.timezone = arena_strdup(imp->p->arena, name);
	if (offset != 0)
		imp_warn(imp, imp->conf.line, "no time_zone_name: using %s, the fixed offset of "
			 "the times (daylight saving time changes are not known)", name);
	return 0;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|+HHMM]" as UTC seconds.
 * An offset wins over the zone (as the document says the instant);
 * when the zone disagrees, that is said once.  Returns 0 or -1 (*why). */
static int iso_time(struct imp *imp, const char *v, int64_t *utc, const char **why)
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
	if (!imp->p->tz && (!has_offset || derive_zone(imp, offset) < 0)) {
		*why = "no time zone: the document has no time_zone_name and this time no offset";
		return -1;
	}
	if (!has_offset) {
		/* A repeated or skipped local time: the first reading (libical's). */
		tz_local_to_utc(imp->p->tz, &c, utc);
		return 0;
	}
	*utc = civil_to_seconds(&c) - offset;
	if (tz_offset_at(imp->p->tz, *utc) != offset && !imp->offset_warned) {
		imp->offset_warned = 1;
		imp_warn(imp, imp->line, "time_zone_name %s disagrees with the offset in \"%s\"%s%s; "
			 "the times' offsets are used (said once)", imp->p->event.timezone, v,
			 imp->line > 0 ? "" : " at ",
			 imp->line > 0 ? "" : (imp->where ? imp->where : "?"));
	}
	return 0;
}

/* --- the conference, rooms, tracks, days ---------------------------------- */

int imp_conference(struct imp *imp, const struct imp_conference *c)
{
	struct programme *p = imp->p;
	struct prog_event *e = &p->event;
	int64_t slot = clock_seconds(c->timeslot);

	imp->conf = *c;
	e->title = arena_strdup(p->arena, blank(c->title) ? c->acronym : c->title);
	e->id = import_slugify(p->arena, c->acronym ? c->acronym : "");
	if (!*e->id && e->title)
		e->id = import_slugify(p->arena, e->title);
	if (!*e->id)
		e->id = "event";
	if (!e->title)
		imp_error(imp, c->line, "the conference has no title and no acronym");
	e->url = arena_strdup(p->arena, blank(c->url) ? c->base_url : c->url);
	e->location = blank(c->location) ? NULL : arena_strdup(p->arena, c->location);
	if (slot > 0 && slot <= 86400)
		imp->timeslot = slot;
	imp->day_change = (int)clock_seconds(c->day_change);
	if (blank(c->zone))
		return 0; /* found from the first time's offset (derive_zone) */
	e->timezone = arena_strdup(p->arena, c->zone);
	if (tz_open(c->zone, &p->tz) < 0) {
		imp_error(imp, c->line, "unknown time_zone_name \"%s\": use an IANA name such as "
			  "\"Europe/Berlin\"", c->zone);
		return -1;
	}
	return 0;
}

/* The index of the room or track called name in names, or n (the next
 * index) after giving a new one its *title and an *id from slug or the
 * name that no other room or track has; the caller then appends it. */
static uint32_t room_or_track(struct imp *imp, struct strmap *names, const char *kind, size_t n,
		      const char *name, const char *slug, const char **title, const char **id)
{
	struct arena *a = imp->p->arena;
	uint32_t index;

	if (strmap_get(names, name, &index) == 0)
		return index;
	*title = arena_strdup(a, name);
	*id = unique_id(imp, kind, import_slugify(a, blank(slug) ? name : slug), kind, n);
	strmap_put(names, *title, (uint32_t)n, NULL);
	return (uint32_t)n;
}

uint32_t imp_room(struct imp *imp, const char *name, const char *slug)
{
	struct programme *p = imp->p;
	struct prog_room room = { 0 };
	uint32_t index;

	if (blank(name))
		return PROG_NONE;
	index = room_or_track(imp, imp->room_names, "room", p->n_rooms, name, slug, &room.title, &room.id);
	if (index == p->n_rooms) {
		XGROW(imp->rooms, imp->cap_rooms, p->n_rooms + 1);
		imp->rooms[p->n_rooms++] = room;
	}
	return index;
}

static uint32_t add_track(struct imp *imp, const struct prog_track *track)
{
	struct programme *p = imp->p;

	XGROW(imp->tracks, imp->cap_tracks, p->n_tracks + 1);
	imp->tracks[p->n_tracks] = *track;
	return (uint32_t)p->n_tracks++;
}

uint32_t imp_track(struct imp *imp, const char *name, const char *slug)
{
	struct programme *p = imp->p;
	struct prog_track track = { 0 };
	uint32_t index;

	if (blank(name))
		return PROG_NONE;
	index = room_or_track(imp, imp->track_names, "track", p->n_tracks, name, slug, &track.title,
		      &track.id);
	return index == p->n_tracks ? add_track(imp, &track) : index;
}

uint32_t imp_track_new(struct imp *imp, const char *name, const char *id)
{
	struct programme *p = imp->p;
	struct prog_track track = { 0 };

	track.title = arena_strdup(p->arena, name);
	track.id = id ? arena_strdup(p->arena, id)
		      : arena_printf(p->arena, "track-%zu", p->n_tracks + 1);
	/* The first of a title keeps the name. */
	strmap_put(imp->track_names, track.title, (uint32_t)p->n_tracks, NULL);
	return add_track(imp, &track);
}

void imp_day(struct imp *imp, const char *date, const char *start, int line)
{
	const char *why;
	struct civil c;
	int has_offset, offset;
	char tmp[32];

	imp->day = arena_strdup(imp->p->arena, date ? date : "?");
	imp->day_line = line;
	imp->has_day_start = 0;
	imp->where = arena_printf(imp->p->arena, "day %s", imp->day);
	imp->line = line;
	if (!blank(start)) {
		if (iso_time(imp, start, &imp->day_start, &why) == 0)
			imp->has_day_start = 1;
		else
			imp_warn(imp, line, "day %s: bad start \"%s\" (ignored): %s", imp->day, start, why);
		return;
	}
	/* No start of its own: the conference's day_change on that date. */
	if (!date || imp->day_change < 0 || !imp->p->tz)
		return;
	snprintf(tmp, sizeof(tmp), "%.10s 00:00", date);
	if (civil_parse(tmp, &c, &has_offset, &offset, &why) == 0) {
		c.hour = imp->day_change / 3600;
		c.min = imp->day_change / 60 % 60;
		c.sec = imp->day_change % 60;
		tz_local_to_utc(imp->p->tz, &c, &imp->day_start);
		imp->has_day_start = 1;
	}
}

/* --- events --------------------------------------------------------------- */

/* Where the event is in the document, for messages and s->where. */
static void event_place(struct imp *imp, const struct imp_event *ev)
{
	struct arena *a = imp->p->arena;
	const char *key = !blank(ev->guid) ? ev->guid : !blank(ev->id) ? ev->id : "?";

	imp->line = ev->line;
	imp->where = arena_printf(a, "day %s, room '%s', event %s", imp->day ? imp->day : "?",
				blank(ev->room) ? "" : ev->room, key);
	imp->what = ev->line > 0 ? arena_printf(a, "%s '%s'", key, ev->title ? ev->title : "")
			       : arena_printf(a, "'%s'", ev->title ? ev->title : "");
}

/* The session id: agendad's own export (guid = uuid5(slug@event)) keeps
 * its slug; else the guid, the slug, or "e<id>". */
static const char *session_id(struct imp *imp, const struct imp_event *ev)
{
	struct arena *a = imp->p->arena;

	if (!blank(ev->guid)) {
		if (!blank(ev->slug)) {
			char uuid[37];

			guid_of("", ev->slug, imp->p->event.id, uuid);
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
static int event_times(struct imp *imp, const struct imp_event *ev, struct prog_session *s)
{
	const char *why;
	int64_t dur;

	if (!blank(ev->date)) {
		if (iso_time(imp, ev->date, &s->start, &why) < 0) {
			imp_event_error(imp, "bad date \"%s\": %s", ev->date, why);
			return -1;
		}
	} else if (!blank(ev->start) && imp->day && clock_seconds(ev->start) >= 0) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%.10sT%s", imp->day, ev->start);
		if (iso_time(imp, tmp, &s->start, &why) < 0) {
			imp_event_error(imp, "bad start \"%s\" on day %s: %s", ev->start, imp->day, why);
			return -1;
		}
		if (imp->has_day_start && s->start < imp->day_start &&
		    s->start + 86400 >= imp->day_start)
			s->start += 86400;
	} else {
		imp_event_error(imp, "no start: give \"date\" (or \"start\" within a day)");
		return -1;
	}
	if (!blank(ev->duration)) {
		if ((dur = duration_seconds(ev->duration, !imp->xml)) < 0) {
			imp_event_error(imp, "bad duration \"%s\": expected \"%s\", at most %d "
					"days", ev->duration, imp->xml ? "HH:MM:SS" : "HH:MM",
					PROG_MAX_DURATION / 86400);
			return -1;
		}
		s->end = s->start + dur;
	} else if (!blank(ev->end)) {
		if (iso_time(imp, ev->end, &s->end, &why) < 0) {
			imp_event_error(imp, "bad end \"%s\": %s", ev->end, why);
			return -1;
		}
	} else {
		imp_event_error(imp, "no duration and no end");
		return -1;
	}
	if (s->end < s->start) {
		imp_event_error(imp, "ends before it starts");
		return -1;
	}
	if (s->end - s->start > PROG_MAX_DURATION) {
		imp_event_error(imp, "lasts longer than %d days (%s \"%s\"), the longest a session may",
				PROG_MAX_DURATION / 86400, blank(ev->duration) ? "end" : "duration",
				blank(ev->duration) ? ev->end : ev->duration);
		return -1;
	}
	/* The model (and iCalendar readers) want end > start; a zero length
	 * is usually an unfinished entry, so it gets the smallest slot of the
	 * conference's grid, and the warning says so. */
	if (s->end == s->start) {
		s->end = s->start + imp->timeslot;
		imp_event_warn(imp, "duration is zero; shown as one timeslot (%d minutes)",
			       (int)(imp->timeslot / 60));
	}
	if (imp->has_day_start && s->start < imp->day_start)
		imp_event_warn(imp, "starts before the start of day %s", imp->day);
	return 0;
}

static const char *event_kind(struct imp *imp, const char *type, int *is_break)
{
	char *k = blank(type) ? NULL : import_slugify(imp->p->arena, type);

	*is_break = k && (strcmp(k, "break") == 0 || strcmp(k, "pause") == 0);
	if (*is_break)
		return "break";
	return k && *k ? k : "session";
}

/* Subtitle, abstract and description as one text, blank lines between. */
static const char *event_text(struct imp *imp, const struct imp_event *ev)
{
	struct arena *a = imp->p->arena;
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

int imp_session(struct imp *imp, const struct imp_event *ev, struct prog_session *s,
		size_t n_people, size_t n_docs)
{
	struct arena *a = imp->p->arena;
	size_t errors = imp->d->errors;

	memset(s, 0, sizeof(*s));
	event_place(imp, ev);
	s->line = ev->line;
	s->where = imp->where;
	if (blank(ev->title))
		imp_event_error(imp, "no title");
	s->title = arena_strdup(a, ev->title);
	if (!(s->id = session_id(imp, ev)) || !*s->id)
		imp_event_error(imp, "no guid, slug or id to name it by");
	if (event_times(imp, ev, s) < 0 || imp->d->errors > errors)
		return -1;
	s->room = imp_room(imp, ev->room, NULL);
	if (s->room == PROG_NONE && !imp->own)
		imp_event_warn(imp, "no room");
	s->track = imp_track(imp, ev->track, ev->track_slug);
	s->kind = event_kind(imp, ev->type, &s->is_break);
	s->status = PROG_CONFIRMED;
	s->description = event_text(imp, ev);
	s->people = arena_alloc(a, sizeof(*s->people) * (n_people + 1));
	s->docs = arena_alloc(a, sizeof(*s->docs) * (n_docs + 1));
	return 0;
}

/* The speaker's id: agendad's own export (guid = uuid5("speaker:<id>@
 * <event>") with the id as code or as the slug of the name) keeps it;
 * else the guid, the pretalx code, "p<id>", or the slug of the name. */
static const char *speaker_id(struct imp *imp, const struct imp_person *pp, const char *name)
{
	struct arena *a = imp->p->arena;

	if (!blank(pp->guid)) {
		/* agendad's schedule.json has the id as "slug"; the XML has none. */
		const char *cand[3] = { pp->slug, pp->code, import_slugify(a, name) };

		for (int i = 0; i < 3; i++) {
			char uuid[37];

			if (blank(cand[i]) || !lcfg_is_id(cand[i]))
				continue;
			guid_of("speaker:", cand[i], imp->p->event.id, uuid);
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

/* Appends a speaker under key, with an id from base that no other
 * speaker has; name may be NULL (imp_speaker's, until a person names it). */
static uint32_t add_speaker(struct imp *imp, const char *key, const char *base, const char *name)
{
	struct programme *p = imp->p;
	struct prog_speaker sp = { 0 };

	sp.name = name;
	sp.id = unique_id(imp, "speaker", base, "speaker", p->n_speakers);
	XGROW(imp->speakers, imp->cap_speakers, p->n_speakers + 1);
	imp->speakers[p->n_speakers] = sp;
	strmap_put(imp->speaker_keys, key, (uint32_t)p->n_speakers, NULL);
	return (uint32_t)p->n_speakers++;
}

/* The same person in many events is one speaker: keyed by guid, code,
 * id, or (when the document names people only) the name. */
static uint32_t speaker(struct imp *imp, const struct imp_person *pp, const char *name)
{
	struct programme *p = imp->p;
	char *key = !blank(pp->guid)   ? arena_printf(p->arena, "g:%s", pp->guid)
		    : !blank(pp->code) ? arena_printf(p->arena, "c:%s", pp->code)
		    : !blank(pp->id)   ? arena_printf(p->arena, "i:%s", pp->id)
				       : arena_printf(p->arena, "n:%s", name);
	struct prog_speaker *sp;
	uint32_t index;

	if (key[0] != 'n') /* guids and pretalx codes are case-insensitive */
		ascii_lower(key);
	if (strmap_get(imp->speaker_keys, key, &index) == 0) {
		sp = &imp->speakers[index];
		if (!sp->name) { /* made by imp_speaker: its first appearance */
			sp->name = arena_strdup(p->arena, name);
			if (!sp->bio_url && !blank(pp->url))
				sp->bio_url = arena_strdup(p->arena, pp->url);
		}
		return index;
	}
	index = add_speaker(imp, key, speaker_id(imp, pp, name), arena_strdup(p->arena, name));
	if (!blank(pp->url))
		imp->speakers[index].bio_url = arena_strdup(p->arena, pp->url);
	return index;
}

uint32_t imp_speaker(struct imp *imp, const char *guid, const char *id, const char *name)
{
	struct programme *p = imp->p;
	char *key = arena_printf(p->arena, "g:%s", guid);
	uint32_t index;

	ascii_lower(key); /* as speaker() keys it */
	if (strmap_get(imp->speaker_keys, key, &index) == 0)
		return index;
	return add_speaker(imp, key, arena_strdup(p->arena, id),
			   blank(name) ? NULL : arena_strdup(p->arena, name));
}

void imp_person(struct imp *imp, struct prog_session *s, const struct imp_person *pp)
{
	const char *name = pp->name;
	struct prog_person *out = &s->people[s->n_people];

	if (blank(name)) {
		imp_event_warn(imp, "a person without a name (ignored)");
		return;
	}
	out->speaker = speaker(imp, pp, name);
	for (uint32_t j = 0; j < s->n_people; j++) {
		if (s->people[j].speaker == out->speaker) {
			imp_event_warn(imp, "'%s' is listed twice", name);
			return;
		}
	}
	out->role = blank(pp->role) ? NULL : arena_strdup(imp->p->arena, pp->role);
	s->n_people++;
}

void imp_document(struct imp *imp, struct prog_session *s, const char *title, const char *url)
{
	struct arena *a = imp->p->arena;
	struct prog_document *doc = &s->docs[s->n_docs];

	if (blank(url) && blank(title))
		return;
	/* Attachments are often site-relative ("/media/..."): resolved
	 * against the schedule's base_url so that a calendar can open them. */
	if (!blank(url) && url[0] == '/' && url[1] != '/' && !blank(imp->conf.base_url)) {
		const char *base = imp->conf.base_url, *host = strstr(base, "://");
		const char *end = host ? strchr(host + 3, '/') : NULL;

		if (host)
			url = arena_printf(a, "%.*s%s", (int)(end ? end - base : (ptrdiff_t)strlen(base)),
					   base, url);
	}
	doc->url = blank(url) ? NULL : arena_strdup(a, url);
	doc->title = arena_strdup(a, blank(title) ? url : title);
	s->n_docs++;
}

void imp_add(struct imp *imp, struct prog_session *s)
{
	struct programme *p = imp->p;
	uint32_t first;

	if (strmap_put(imp->session_keys, s->id, (uint32_t)p->n_sessions, &first) == -EEXIST) {
		const struct prog_session *f = &imp->sessions[first];

		if (f->line > 0)
			imp_event_error(imp, "duplicate guid/id '%s' (first at line %d)", s->id,
					f->line);
		else
			imp_event_error(imp, "duplicate guid/id '%s' (first at %s)", s->id,
					f->where);
		return;
	}
	XGROW(imp->sessions, imp->cap_sessions, p->n_sessions + 1);
	imp->sessions[p->n_sessions++] = *s;
}
