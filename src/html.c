#include "config.h"

#include "html.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char style[] =
	"body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"color:#1d1d1f;background:#fafafa}"
	"header,main,footer{max-width:56rem;margin:0 auto;padding:0 1rem}"
	"h1{font-size:1.6rem;margin:1.2rem 0 .3rem}h2{margin-top:2rem;border-bottom:2px solid #ddd}"
	"nav a{margin-right:1rem}"
	"ol.sessions{list-style:none;padding:0}"
	"li.session{background:#fff;border:1px solid #e3e3e3;border-radius:8px;margin:.6rem 0;"
	"padding:.7rem .9rem}"
	"li.kind-break{background:#f2f2f2;color:#555}"
	"li.cancelled h3{text-decoration:line-through}"
	"time{font-variant-numeric:tabular-nums;font-weight:600}"
	"h3{margin:.2rem 0;font-size:1.1rem}"
	".meta,.role{color:#666;font-size:.9rem}"
	"ul.people{margin:.3rem 0;padding-left:1.1rem}"
	"a.sub{display:inline-block;margin:.15rem .4rem .15rem 0;padding:.1rem .5rem;"
	"border:1px solid #0a58ca;border-radius:4px;text-decoration:none;font-size:.85rem}"
	"table{border-collapse:collapse;width:100%}td{padding:.3rem .2rem;border-top:1px solid #e3e3e3;"
	"vertical-align:top}"
	"@media (max-width:40rem){h1{font-size:1.3rem}td{display:block;border:0}"
	"tr{display:block;border-top:1px solid #e3e3e3;padding:.3rem 0}}";

static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_add(b, s, 1);
		}
	}
}

/* https and webcal links to one feed; webcal makes phones offer to
 * subscribe instead of downloading the file once. */
static void subscribe(struct buf *b, const struct conf *c, const char *path, const char *what)
{
	const char *rest = strstr(c->base_url, "://");

	buf_adds(b, "<a class=\"sub\" href=\"");
	esc(b, c->base_url);
	buf_adds(b, "/");
	esc(b, path);
	buf_adds(b, "\" title=\"");
	esc(b, what);
	buf_adds(b, "\">.ics</a><a class=\"sub\" href=\"webcal");
	esc(b, rest ? rest : "://");
	buf_adds(b, "/");
	esc(b, path);
	buf_adds(b, "\" title=\"Subscribe: ");
	esc(b, what);
	buf_adds(b, "\">Subscribe</a>");
}

static void hhmm(struct buf *b, const struct civil *c)
{
	buf_printf(b, "%02d:%02d", c->hour, c->min);
}

static void session_item(struct buf *b, const struct feedset *fs, const struct conf *c, size_t i,
			 const struct feed *own)
{
	const struct programme *p = fs->prog;
	const struct prog_session *s = &p->sessions[i];

	buf_adds(b, "<li class=\"session kind-");
	esc(b, s->kind);
	if (s->status == PROG_CANCELLED)
		buf_adds(b, " cancelled");
	buf_adds(b, "\" id=\"");
	esc(b, s->id);
	buf_adds(b, "\"><time>");
	hhmm(b, &s->start_local);
	buf_adds(b, "–");
	hhmm(b, &s->end_local);
	buf_adds(b, "</time><h3>");
	esc(b, s->title);
	buf_adds(b, "</h3>");
	if (s->track != PROG_NONE || s->room != PROG_NONE || s->status != PROG_CONFIRMED) {
		buf_adds(b, "<p class=\"meta\">");
		esc(b, s->track != PROG_NONE ? p->tracks[s->track].title : "");
		if (s->track != PROG_NONE && s->room != PROG_NONE)
			buf_adds(b, " · ");
		esc(b, s->room != PROG_NONE ? p->rooms[s->room].title : "");
		if (s->status == PROG_TENTATIVE)
			buf_adds(b, " (tentative)");
		if (s->status == PROG_CANCELLED)
			buf_adds(b, " (cancelled)");
		buf_adds(b, "</p>");
	}
	if (s->n_people)
		buf_adds(b, "<ul class=\"people\">");
	for (uint32_t j = 0; j < s->n_people; j++) {
		const struct prog_person *pp = &s->people[j];
		const char *aff = prog_person_affiliation(p, pp);

		buf_adds(b, "<li>");
		if (pp->role) {
			buf_adds(b, "<span class=\"role\">");
			esc(b, pp->role);
			buf_adds(b, ":</span> ");
		}
		esc(b, p->speakers[pp->speaker].name);
		if (aff) {
			buf_adds(b, ", ");
			esc(b, aff);
		}
		buf_adds(b, "</li>");
	}
	if (s->n_people)
		buf_adds(b, "</ul>");
	if (own) {
		buf_adds(b, "<p>");
		subscribe(b, c, own->path, s->title);
		buf_adds(b, "</p>");
	}
	buf_adds(b, "</li>\n");
}

static void day_sections(struct buf *b, const struct feedset *fs, const struct conf *c)
{
	static const char *const wd[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					  "Thursday", "Friday", "Saturday" };
	const struct programme *p = fs->prog;
	size_t day_feed = 1, session_feed = 1 + p->n_days + p->n_tracks + p->n_rooms + p->n_speakers;
	size_t *first = calloc(p->n_days + 1, sizeof(size_t)), *order, *next;

	/* Group the sessions by day in one pass (counting sort, stable): a
	 * day is not always one run of the time order, where the clocks go
	 * back across midnight. */
	order = calloc(p->n_sessions + 1, sizeof(size_t));
	next = calloc(p->n_days + 1, sizeof(size_t));
	if (!first || !order || !next)
		abort();
	for (size_t i = 0; i < p->n_sessions; i++)
		first[p->sessions[i].day + 1]++;
	for (size_t d = 0; d < p->n_days; d++) {
		first[d + 1] += first[d];
		next[d] = first[d];
	}
	for (size_t i = 0; i < p->n_sessions; i++)
		order[next[p->sessions[i].day]++] = i;
	for (size_t d = 0; d < p->n_days; d++) {
		const struct prog_day *day = &p->days[d];
		const struct feed *f = &fs->feeds[day_feed + d];
		struct civil cv = { day->year, day->month, day->day, 0, 0, 0 };
		int64_t days = civil_to_seconds(&cv) / 86400;

		buf_adds(b, "<section id=\"day-");
		esc(b, day->date);
		buf_printf(b, "\"><h2>%s, ", wd[((days % 7) + 11) % 7]);
		esc(b, f->label);
		buf_adds(b, "</h2><p>");
		subscribe(b, c, f->path, f->name);
		buf_adds(b, "</p><ol class=\"sessions\">\n");
		for (size_t k = first[d]; k < first[d + 1]; k++)
			session_item(b, fs, c, order[k], &fs->feeds[session_feed + order[k]]);
		buf_adds(b, "</ol></section>\n");
	}
	free(first);
	free(order);
	free(next);
}

static void feed_table(struct buf *b, const struct feedset *fs, const struct conf *c,
		       enum feed_kind kind, const char *heading)
{
	int any = 0;

	for (size_t i = 0; i < fs->n_feeds; i++) {
		const struct feed *f = &fs->feeds[i];

		if (f->kind != kind)
			continue;
		if (!any++) {
			buf_adds(b, "<h3>");
			esc(b, heading);
			buf_adds(b, "</h3><table>\n");
		}
		buf_adds(b, "<tr><td>");
		esc(b, f->label ? f->label : f->name);
		buf_adds(b, "</td><td>");
		subscribe(b, c, f->path, f->name);
		buf_adds(b, "</td></tr>\n");
	}
	if (any)
		buf_adds(b, "</table>\n");
}

char *html_index(const struct feedset *fs, const struct conf *c, size_t *len)
{
	const struct programme *p = fs->prog;
	const struct prog_event *e = &p->event;
	struct buf b = { 0 };

	buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		     "<title>");
	esc(&b, e->title);
	buf_printf(&b, "</title><style>%s</style></head><body><header><h1>", style);
	esc(&b, e->title);
	buf_adds(&b, "</h1>");
	if (e->location) {
		buf_adds(&b, "<p class=\"meta\">");
		esc(&b, e->location);
		buf_adds(&b, "</p>");
	}
	buf_adds(&b, "<p>The whole programme in your calendar: ");
	subscribe(&b, c, fs->feeds[0].path, fs->feeds[0].name);
	buf_adds(&b, "</p><nav>");
	for (size_t d = 0; d < p->n_days; d++) {
		buf_adds(&b, "<a href=\"#day-");
		esc(&b, p->days[d].date);
		buf_adds(&b, "\">");
		esc(&b, fs->feeds[1 + d].label);
		buf_adds(&b, "</a>");
	}
	buf_adds(&b, "<a href=\"#feeds\">All feeds</a></nav></header>\n<main>\n");
	day_sections(&b, fs, c);
	buf_adds(&b, "<section id=\"feeds\"><h2>All feeds</h2>\n");
	feed_table(&b, fs, c, FEED_ALL, "Whole programme");
	feed_table(&b, fs, c, FEED_DAY, "Days");
	feed_table(&b, fs, c, FEED_TRACK, "Tracks");
	feed_table(&b, fs, c, FEED_ROOM, "Rooms");
	feed_table(&b, fs, c, FEED_SPEAKER, "Speakers");
	buf_adds(&b, "</section></main><footer><p class=\"meta\">Times are in ");
	esc(&b, e->timezone);
	buf_adds(&b, ". Published by agendad " PACKAGE_VERSION ".</p></footer></body></html>\n");
	return buf_steal(&b, len);
}
