#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "page_site.h"
#include "page_util.h"

static void utc_stamp(char *out, size_t size, int64_t t, int dashes)
{
	struct civil cv;

	seconds_to_civil(t, &cv);
	snprintf(out, size, dashes ? "%04d-%02d-%02dT%02d:%02d:%02dZ" : "%04d%02d%02dT%02d%02d%02dZ",
		 cv.year, cv.month, cv.day, cv.hour, cv.min, cv.sec);
}

/* What an add-event form is given: the start of the description and the
 * session's page. */
static void details(struct buf *b, const struct site *st, const struct prog_session *s,
		    const char *page)
{
	struct buf d = { 0 };
	size_t max = 600;

	if (s->description) {
		size_t n = strlen(s->description);

		if (n > max) {
			while (max > 0 && ((unsigned char)s->description[max] & 0xc0) == 0x80)
				max--;
			n = max;
		}
		buf_add(&d, s->description, n);
		buf_adds(&d, n < strlen(s->description) ? "…\n\n" : "\n\n");
	}
	buf_printf(&d, "%s/%s", st->c->base_url, page);
	page_pct(b, d.data);
	buf_free(&d);
}

/* A calendar's own form for a new event, filled in through its address:
 * the title, the times in UTC, the room and the details. */
struct add_form {
	const char *label;
	const char *title_at; /* the address up to the title's value */
	const char *start;    /* the start's parameter */
	const char *end;      /* what comes between start and end */
	int dashes;           /* times as 2024-05-01T10:00:00Z (else 20240501T100000Z) */
	const char *zone;     /* the parameter of the event's time zone, or NULL */
	const char *details;  /* the parameter of the description */
};

static const struct add_form add_forms[] = {
	{ .label = "Google Calendar",
	  .title_at = "https://calendar.google.com/calendar/render?action=TEMPLATE&text=",
	  .start = "&dates=", .end = "/", .dashes = 0, .zone = "&ctz=", .details = "&details=" },
	{ .label = "Outlook",
	  .title_at = "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2F"
		      "action%2Fcompose&rru=addevent&subject=",
	  .start = "&startdt=", .end = "&enddt=", .dashes = 1, .zone = NULL, .details = "&body=" },
};

static void add_link(struct buf *b, const struct site *st, const struct prog_session *s,
		     const char *page, const struct add_form *form)
{
	const struct programme *p = st->p;
	const char *room = s->room != PROG_NONE ? p->rooms[s->room].title : "";
	char from[24], to[24];
	struct buf u = { 0 };

	utc_stamp(from, sizeof(from), s->start, form->dashes);
	utc_stamp(to, sizeof(to), s->end, form->dashes);
	buf_adds(&u, form->title_at);
	page_pct(&u, s->title);
	buf_printf(&u, "%s%s%s%s", form->start, from, form->end, to);
	if (form->zone) {
		buf_adds(&u, form->zone);
		page_pct(&u, p->event.timezone);
	}
	buf_adds(&u, "&location=");
	page_pct(&u, room);
	buf_adds(&u, form->details);
	details(&u, st, s, page);
	buf_adds(b, "<a class=\"btn\" rel=\"nofollow\" href=\"");
	page_esc(b, u.data);
	buf_printf(b, "\">%s</a>", form->label);
	buf_free(&u);
}

/* Links that open Google Calendar's and Outlook's own forms for a new
 * event, filled in: the attendee checks and saves it there. */
static void add_links(struct buf *b, const struct site *st, const struct prog_session *s,
		      const char *page)
{
	for (size_t i = 0; i < sizeof(add_forms) / sizeof(add_forms[0]); i++)
		add_link(b, st, s, page, &add_forms[i]);
}

/* Whether the session changed since it was first published comes from
 * its SEQUENCE in the state, not from what this load saw change: a page
 * is then a function of programme and state, like the feeds, and an
 * export killed after it recorded a change writes the same page again. */
static void status(struct buf *b, const struct site *st, uint32_t i, const struct prog_session *s)
{
	const struct stamp *sp = i < st->p->n_sessions && st->fs->history.stamps
					 ? &st->fs->history.stamps[i] : NULL;

	if (site_removed(st, i))
		buf_adds(b, "<p class=\"status\" role=\"status\">This session was removed from the "
			    "programme.</p>");
	else if (s->status == PROG_CANCELLED)
		buf_adds(b, "<p class=\"status\" role=\"status\">This session is cancelled.</p>");
	else if (s->status == PROG_TENTATIVE)
		buf_adds(b, "<p class=\"status\" role=\"status\">This session is tentative.</p>");
	if (sp && sp->sequence > 0) {
		struct tm tm;
		time_t t = (time_t)sp->modified;

		gmtime_r(&t, &tm);
		buf_printf(b, "<p class=\"status\" role=\"status\">Changed since the programme was "
			      "first published (time, room, title or status); last change "
			      "%04d-%02d-%02d %02d:%02d UTC.</p>", tm.tm_year + 1900, tm.tm_mon + 1,
			   tm.tm_mday, tm.tm_hour, tm.tm_min);
	}
}

static void people(struct buf *b, const struct site *st, const struct prog_session *s)
{
	const struct programme *p = st->p;

	if (!s->n_people)
		return;
	buf_adds(b, "<h2>Speakers</h2><ul>");
	for (uint32_t j = 0; j < s->n_people; j++) {
		const struct prog_person *pp = &s->people[j];
		const char *aff = prog_person_affiliation(p, pp);

		buf_adds(b, "<li>");
		site_anchor(b, 1, st->fs->feeds[st->speaker0 + pp->speaker].path,
			    p->speakers[pp->speaker].name);
		if (pp->role) {
			buf_adds(b, " <span class=\"role\">(");
			page_esc(b, pp->role);
			buf_adds(b, ")</span>");
		}
		if (aff) {
			buf_adds(b, ", ");
			page_esc(b, aff);
		}
		buf_adds(b, "</li>");
	}
	buf_adds(b, "</ul>\n");
}

static void documents(struct buf *b, const struct prog_session *s)
{
	if (!s->n_docs)
		return;
	buf_adds(b, "<h2>Documents and links</h2><ul>");
	for (uint32_t j = 0; j < s->n_docs; j++) {
		const struct prog_document *doc = &s->docs[j];

		buf_adds(b, "<li>");
		if (page_safe_url(doc->url)) {
			buf_adds(b, "<a href=\"");
			page_esc(b, doc->url);
			buf_adds(b, "\">");
			page_esc(b, doc->title);
			buf_adds(b, "</a>");
		} else {
			/* A link agendad will not follow (javascript:, data:…) is
			 * shown as text. */
			page_esc(b, doc->title);
			if (doc->url && strcmp(doc->url, doc->title) != 0) {
				buf_adds(b, " <span class=\"meta\">");
				page_esc_n(b, doc->url, 200);
				buf_adds(b, "</span>");
			}
		}
		buf_adds(b, "</li>");
	}
	buf_adds(b, "</ul>\n");
}

static void facts(struct buf *b, const struct site *st, uint32_t i, const struct prog_session *s)
{
	const struct programme *p = st->p;
	uint32_t day = st->fs->members[i].day;

	buf_adds(b, "<dl class=\"facts\"><dt>When</dt><dd>");
	if (day != PROG_NONE) {
		buf_adds(b, "<a href=\"../");
		page_path(b, st->fs->feeds[st->day0 + day].path);
		buf_adds(b, "\">");
		page_day_name(b, &p->days[day]);
		buf_adds(b, "</a>, ");
	}
	buf_adds(b, "<time>");
	page_hhmm(b, &s->start_local);
	buf_adds(b, "–");
	page_hhmm(b, &s->end_local);
	buf_adds(b, "</time> <span class=\"meta\">(");
	page_esc(b, p->event.timezone);
	buf_printf(b, ", %lld minutes)</span></dd>", (long long)((s->end - s->start) / 60));
	if (s->room != PROG_NONE) {
		buf_adds(b, "<dt>Room</dt><dd>");
		site_anchor(b, 1, st->fs->feeds[st->room0 + s->room].path, p->rooms[s->room].title);
		buf_adds(b, "</dd>");
	}
	if (s->track != PROG_NONE) {
		buf_adds(b, "<dt>Track</dt><dd>");
		site_anchor(b, 1, st->fs->feeds[st->track0 + s->track].path,
			    p->tracks[s->track].title);
		buf_adds(b, "</dd>");
	}
	if (s->kind) {
		buf_adds(b, "<dt>Kind</dt><dd>");
		page_esc(b, s->kind);
		buf_adds(b, "</dd>");
	}
	buf_adds(b, "</dl>\n");
}

char *page_session(const struct site *st, uint32_t i, size_t *len)
{
	const struct programme *p = st->p;
	const struct prog_session *s = site_session(st, i);
	const struct feed *f = &st->fs->feeds[st->session0 + i];
	struct buf b = { 0 }, path = { 0 }, desc = { 0 };
	struct page_head h = { .title = s->title, .feed = f->path, .feed_title = f->name, .depth = 1 };
	int open = !s->is_break && s->status != PROG_CANCELLED;

	page_path(&path, f->path);
	if (s->description)
		buf_adds(&desc, s->description);
	else
		buf_printf(&desc, "%s at %s", s->title, p->event.title);
	h.canonical = path.data;
	h.description = desc.data;
	page_start(&b, st->c, &p->event, &h);
	page_nav(&b, p, 1, NULL);
	buf_adds(&b, "<header><h1>");
	page_esc(&b, s->title);
	buf_adds(&b, "</h1>");
	status(&b, st, i, s);
	buf_adds(&b, "</header>\n<main>\n");
	facts(&b, st, i, s);
	people(&b, st, s);
	if (s->description) {
		buf_adds(&b, "<h2>About</h2>\n");
		page_paragraphs(&b, s->description);
	}
	documents(&b, s);
	buf_adds(&b, "<h2>Add to calendar</h2><p>");
	page_subscribe(&b, st->c, f->path, f->name);
	add_links(&b, st, s, path.data);
	buf_adds(&b, "</p><p class=\"meta\">The .ics file and the subscription follow changes "
		     "to this session; Google Calendar and Outlook keep a copy as it is now.</p>\n");
	if (open) {
		buf_adds(&b, "<form method=\"post\" action=\"../my\" class=\"noprint\"><input "
			     "type=\"hidden\" name=\"session\" value=\"");
		page_esc(&b, s->id);
		buf_adds(&b, "\"><button type=\"submit\">Start my selection with this session"
			     "</button></form>\n");
	}
	buf_adds(&b, "</main>");
	page_end(&b, &p->event, 1);
	buf_free(&path);
	buf_free(&desc);
	return buf_steal(&b, len);
}
