#include "config.h"

#include "pages.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "page_site.h"
#include "page_util.h"
#include "parallel.h"
#include "memory.h"

const char page_style[] =
	":root{--ink:#1d1d1f;--soft:#595959;--line:#d6d6d6;--link:#0a58ca;--bg:#fafafa}"
	"*{box-sizing:border-box}"
	"body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"color:var(--ink);background:var(--bg)}"
	"a{color:var(--link)}a:focus,button:focus,input:focus,select:focus,[tabindex]:focus"
	"{outline:3px solid #f5a623;outline-offset:1px}"
	"header,main,footer,nav.site{max-width:60rem;margin:0 auto;padding:0 1rem}"
	"main.wide{max-width:none}"
	"nav.site{display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:center;padding-top:.6rem;"
	"padding-bottom:.6rem;border-bottom:1px solid var(--line)}"
	"nav.site form{margin-left:auto;display:flex;gap:.3rem}"
	"input[type=search],select{font:inherit;padding:.25rem .4rem;border:1px solid #767676;"
	"border-radius:4px;max-width:100%}"
	"h1{font-size:1.6rem;margin:1rem 0 .3rem}h2{margin-top:1.6rem;border-bottom:2px solid var(--line)}"
	".meta,.role,.who{color:var(--soft);font-size:.9rem}"
	".vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
	"time{font-variant-numeric:tabular-nums;font-weight:600}"
	"ol.list{list-style:none;padding:0}"
	".card{display:block;background:#fff;border:1px solid var(--line);border-left:4px solid var(--link);"
	"border-radius:6px;padding:.45rem .6rem;margin:.4rem 0;overflow-wrap:anywhere}"
	".card .t{display:block;font-weight:600}"
	".card.break{background:#f2f2f2;border-left-color:#999}"
	".card.cancelled .t{text-decoration:line-through}.card.out{display:none}"
	".status{font-weight:700;color:#a4000f}"
	"label.pick{float:right;font-size:.85rem;color:var(--link);cursor:pointer;margin-left:.4rem}"
	"label.pick input{width:1.1rem;height:1.1rem;vertical-align:middle}"
	".mine{position:sticky;bottom:0;background:var(--bg);border-top:1px solid var(--line);"
	"padding:.6rem 0;text-align:center}"
	"button{font:inherit;font-size:.9rem;padding:.2rem .6rem;border:1px solid var(--link);"
	"border-radius:4px;background:#fff;color:var(--link);cursor:pointer}"
	"button.copy{margin:.15rem .4rem .15rem 0}"
	".mine button,button.go{background:var(--link);color:#fff;font-size:1rem;padding:.4rem 1rem}"
	"a.sub,a.btn{display:inline-block;margin:.15rem .4rem .15rem 0;padding:.1rem .5rem;"
	"border:1px solid var(--link);border-radius:4px;text-decoration:none;font-size:.9rem}"
	"table{border-collapse:collapse;width:100%}th,td{padding:.3rem .3rem;border-top:1px solid var(--line);"
	"text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}"
	"dl.facts dt{font-weight:600}dl.facts dd{margin:0}"
	".scroll{overflow-x:auto;border:1px solid var(--line);background:#fff}"
	".grid{display:grid;grid-auto-rows:minmax(.3rem,auto);gap:2px;min-width:100%;padding:2px}"
	".grid .hd{position:sticky;top:0;background:#eef2f8;font-weight:600;padding:.3rem;"
	"font-size:.9rem;z-index:1}"
	".grid .tl{grid-column:1;font-size:.8rem;color:var(--soft);padding:.1rem .2rem;"
	"border-top:1px solid var(--line)}"
	".grid .card{margin:0;font-size:.88rem}"
	".grid .card .room{display:none}"
	"#filter{margin:.6rem 0}"
	"table.now td{width:40%}"
	"@media (max-width:50rem){h1{font-size:1.3rem}.grid{display:block;padding:0}"
	".grid .hd,.grid .tl{display:none}.grid .card{margin:.4rem 0}.grid .card .room{display:inline}"
	".scroll{border:0;background:none;overflow:visible}"
	"nav.site form{margin-left:0;width:100%}nav.site input[type=search]{flex:1}"
	"table.now td,table.now th{display:block;width:auto;border:0}"
	"table.now thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
	"table.now td::before{content:attr(data-l);display:block;font-size:.8rem;color:var(--soft)}"
	"table.now tr{display:block;border-top:1px solid var(--line);padding:.3rem 0}"
	"td.n{text-align:left}}"
	".printonly{display:none}"
	"@media print{@page{size:A4;margin:12mm}body{background:#fff;font-size:10pt}"
	"nav.site,.mine,label.pick,a.sub,button,#filter,.noprint,form.search{display:none}"
	".printonly{display:block}"
	"a{color:inherit;text-decoration:none}.scroll{overflow:visible;border:0}"
	".grid{display:block}.grid .hd,.grid .tl{display:none}"
	".card,.grid .card{border:0;border-top:1px solid #999;border-radius:0;padding:.15rem 0;"
	"margin:0;break-inside:avoid}.card .room,.grid .card .room{display:inline}"
	"h2{break-after:avoid}}\n";
const size_t page_style_len = sizeof(page_style) - 1;

/* --- the site ---------------------------------------------------------------------- */

void site_number(struct site *st, const struct feedset *fs, const struct conf *c)
{
	const struct programme *p = fs->prog;

	memset(st, 0, sizeof(*st));
	st->fs = fs;
	st->c = c;
	st->p = p;
	st->day0 = 1;
	st->track0 = st->day0 + p->n_days;
	st->room0 = st->track0 + p->n_tracks;
	st->speaker0 = st->room0 + p->n_rooms;
	st->session0 = st->speaker0 + p->n_speakers;
}

void site_open(struct site *st, const struct feedset *fs, const struct conf *c)
{
	const struct programme *p = fs->prog;

	site_number(st, fs, c);
	/* The time zone is not for threads: localize here, once. */
	st->tombs = xcalloc(fs->n_tombs + 1, sizeof(*st->tombs));
	for (size_t i = 0; i < fs->n_tombs; i++)
		feeds_tomb_session(p, &fs->history.tombs[i], &st->tombs[i]);
}

void site_close(struct site *st)
{
	free(st->tombs);
}

const struct prog_session *site_session(const struct site *st, uint32_t i)
{
	return i < st->p->n_sessions ? &st->p->sessions[i] : &st->tombs[i - st->p->n_sessions];
}

int site_removed(const struct site *st, uint32_t i)
{
	return i >= st->p->n_sessions;
}

static void link_to(struct buf *b, int depth, const char *feed_path)
{
	buf_adds(b, "href=\"");
	page_up(b, depth);
	page_path(b, feed_path);
	buf_adds(b, "\"");
}

void site_anchor(struct buf *b, int depth, const char *feed_path, const char *text)
{
	buf_adds(b, "<a ");
	link_to(b, depth, feed_path);
	buf_adds(b, ">");
	page_esc(b, text);
	buf_adds(b, "</a>");
}

void site_card(struct buf *b, const struct site *st, uint32_t i, int depth, const char *tag,
	       const char *style, int flags)
{
	const struct programme *p = st->p;
	const struct prog_session *s = site_session(st, i);
	const struct feed_member *m = &st->fs->members[i];
	int removed = site_removed(st, i);
	int open = !s->is_break && s->status != PROG_CANCELLED && !(flags & CARD_NO_PICK);

	buf_printf(b, "<%s class=\"card%s%s\"", tag, s->is_break ? " break" : "",
		   s->status == PROG_CANCELLED ? " cancelled" : "");
	if (style)
		buf_printf(b, " style=\"%s\"", style);
	buf_adds(b, ">");
	if (open) {
		buf_adds(b, "<label class=\"pick\"><input type=\"checkbox\" name=\"session\" value=\"");
		page_esc(b, s->id);
		buf_adds(b, "\"> Pick<span class=\"vh\">: ");
		page_esc(b, s->title);
		buf_adds(b, "</span></label>");
	}
	buf_adds(b, "<time>");
	if ((flags & CARD_DAY) && m->day != PROG_NONE) {
		page_esc(b, p->days[m->day].date);
		buf_adds(b, " ");
	}
	page_hhmm(b, &s->start_local);
	buf_adds(b, "–");
	page_hhmm(b, &s->end_local);
	buf_adds(b, "</time> <a class=\"t\" ");
	link_to(b, depth, st->fs->feeds[st->session0 + i].path);
	buf_adds(b, ">");
	page_esc(b, s->title);
	buf_adds(b, "</a>");
	if (removed || s->status != PROG_CONFIRMED)
		buf_adds(b, removed ? "<span class=\"status\">Removed</span> "
				    : s->status == PROG_CANCELLED ? "<span class=\"status\">Cancelled</span> "
								  : "<span class=\"status\">Tentative</span> ");
	if (i < p->n_sessions && st->fs->history.stamps && st->fs->history.stamps[i].sequence > 0)
		buf_adds(b, "<span class=\"status\">Changed</span> ");
	buf_adds(b, "<span class=\"meta\">");
	if (s->room != PROG_NONE) {
		buf_adds(b, "<span class=\"room\">");
		page_esc(b, p->rooms[s->room].title);
		buf_adds(b, s->track != PROG_NONE ? " · </span>" : "</span>");
	}
	if (s->track != PROG_NONE)
		page_esc(b, p->tracks[s->track].title);
	buf_adds(b, "</span>");
	if (s->n_people) {
		buf_adds(b, "<span class=\"who\"> — ");
		for (uint32_t j = 0; j < s->n_people; j++) {
			if (j)
				buf_adds(b, ", ");
			page_esc(b, p->speakers[s->people[j].speaker].name);
		}
		buf_adds(b, "</span>");
	}
	buf_printf(b, "</%s>\n", tag);
}

void site_form_open(struct buf *b, int depth)
{
	buf_adds(b, "<form method=\"post\" action=\"");
	page_up(b, depth);
	buf_adds(b, "my\">\n");
}

void site_form_close(struct buf *b)
{
	buf_adds(b, "<div class=\"mine\"><button type=\"submit\">Subscribe to my selection"
		    "</button></div></form>\n");
}

void site_filter(struct buf *b)
{
	buf_adds(b, "<div id=\"filter\" hidden><label>Filter this page: <input type=\"search\" "
		    "maxlength=\"100\"></label></div>\n");
}

void site_day_lists(struct buf *b, const struct site *st, const uint32_t *items, size_t n,
		    int depth)
{
	uint32_t day = PROG_NONE - 1;

	site_form_open(b, depth);
	for (size_t k = 0; k < n; k++) {
		const struct feed_member *m = &st->fs->members[items[k]];

		if (k == 0 || m->day != day) {
			if (k)
				buf_adds(b, "</ol>\n");
			day = m->day;
			buf_adds(b, "<h2>");
			if (day != PROG_NONE)
				page_day_name(b, &st->p->days[day]);
			else
				buf_adds(b, "Other days");
			buf_adds(b, "</h2><ol class=\"list\">\n");
		}
		site_card(b, st, items[k], depth, "li", NULL, 0);
	}
	if (n)
		buf_adds(b, "</ol>\n");
	else
		buf_adds(b, "<p>No sessions.</p>\n");
	site_form_close(b);
}

/* --- the index --------------------------------------------------------------------- */

static void feed_rows(struct buf *b, const struct site *st, size_t first, size_t n,
		      const char *heading, const char *id)
{
	if (!n)
		return;
	buf_printf(b, "<section id=\"%s\"><h2>%s</h2><table><thead><tr><th scope=\"col\">%s</th>"
		      "<th scope=\"col\" class=\"n\">Sessions</th><th scope=\"col\">Calendar</th>"
		      "</tr></thead><tbody>\n", id, heading, heading);
	for (size_t i = first; i < first + n; i++) {
		const struct feed *f = &st->fs->feeds[i];

		buf_adds(b, "<tr><td><a ");
		link_to(b, 0, f->path);
		buf_adds(b, ">");
		page_esc(b, f->label);
		buf_printf(b, "</a></td><td class=\"n\">%zu</td><td>", f->n_items);
		page_subscribe(b, st->c, f->path, f->name);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody></table></section>\n");
}

static char *index_page(const struct site *st, size_t *len)
{
	const struct programme *p = st->p;
	const struct prog_event *e = &p->event;
	struct buf b = { 0 }, desc = { 0 };
	struct page_head h = { .canonical = "", .feed = "calendar.ics" };

	buf_printf(&desc, "The programme of %s: %zu sessions", e->title, p->n_sessions);
	if (p->n_days)
		buf_printf(&desc, " from %s to %s", p->days[0].date, p->days[p->n_days - 1].date);
	if (e->location)
		buf_printf(&desc, ", %s", e->location);
	h.description = desc.data;
	page_start(&b, st->c, e, &h);
	page_nav(&b, p, 0, NULL);
	buf_adds(&b, "<header><h1>");
	page_esc(&b, e->title);
	buf_adds(&b, "</h1>");
	if (e->location || p->n_days) {
		buf_adds(&b, "<p class=\"meta\">");
		if (p->n_days) {
			page_day_name(&b, &p->days[0]);
			if (p->n_days > 1) {
				buf_adds(&b, " – ");
				page_day_name(&b, &p->days[p->n_days - 1]);
			}
		}
		if (e->location) {
			buf_adds(&b, p->n_days ? " · " : "");
			page_esc(&b, e->location);
		}
		buf_adds(&b, "</p>");
	}
	if (page_safe_url(e->url)) {
		buf_adds(&b, "<p><a href=\"");
		page_esc(&b, e->url);
		buf_adds(&b, "\">The event's website</a></p>");
	}
	buf_printf(&b, "<p>%zu sessions, %zu tracks, %zu rooms, %zu speakers. "
		       "<a class=\"btn\" href=\"now.html\">What is on now</a></p>",
		   p->n_sessions, p->n_tracks, p->n_rooms, p->n_speakers);
	buf_adds(&b, "<p>The whole programme in your calendar: ");
	page_subscribe(&b, st->c, "calendar.ics", st->fs->feeds[0].name);
	buf_adds(&b, "</p><p class=\"meta\">Open a day, a track or a room, tick the sessions you "
		     "want and subscribe to your own calendar of them: it follows every change to "
		     "the programme.</p></header>\n<main>\n");
	buf_adds(&b, "<section id=\"days\"><h2>Days</h2><ol class=\"list\">\n");
	for (size_t d = 0; d < p->n_days; d++) {
		const struct feed *f = &st->fs->feeds[st->day0 + d];

		buf_adds(&b, "<li class=\"card\"><a class=\"t\" ");
		link_to(&b, 0, f->path);
		buf_adds(&b, ">");
		page_day_name(&b, &p->days[d]);
		buf_printf(&b, "</a><span class=\"meta\">Day %zu, %zu sessions</span> ", d + 1,
			   f->n_items);
		page_subscribe(&b, st->c, f->path, f->name);
		buf_adds(&b, "</li>\n");
	}
	buf_adds(&b, "</ol></section>\n");
	feed_rows(&b, st, st->track0, p->n_tracks, "Tracks", "tracks");
	feed_rows(&b, st, st->room0, p->n_rooms, "Rooms", "rooms");
	buf_printf(&b, "<section id=\"speakers\"><h2>Speakers</h2><p><a href=\"speakers.html\">"
		       "All %zu speakers</a></p></section>\n", p->n_speakers);
	buf_adds(&b, "<section id=\"feeds\"><h2>Calendar feeds and data</h2><p>Every day, track, "
		     "room, speaker and session has its own calendar feed, linked from its page. "
		     "The whole programme: ");
	page_subscribe(&b, st->c, "calendar.ics", st->fs->feeds[0].name);
	buf_adds(&b, "</p><p>For apps: <a href=\"schedule.json\">schedule.json</a>, "
		     "<a href=\"schedule.xml\">schedule.xml</a>, "
		     "<a href=\"now.json\">now.json</a>.</p></section>\n</main>");
	page_end(&b, e, 0);
	buf_free(&desc);
	return buf_steal(&b, len);
}

/* --- a day as a grid ------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static size_t unique(int64_t *v, size_t n)
{
	size_t u = 0;

	for (size_t k = 0; k < n; k++)
		if (u == 0 || v[u - 1] != v[k])
			v[u++] = v[k];
	return u;
}

/* The row of time t among the sorted distinct times (rows start at 2,
 * below the rooms' heads). */
static size_t row_of(const int64_t *times, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (times[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 2;
}

/* Rooms are columns (those used that day, in the programme's order, and
 * one for sessions without a room), the day's distinct start and end
 * times are rows, so every session spans exactly its time and a row is as
 * tall as its content needs.  On a phone the grid is a list: its cards
 * are in time order. */
static void day_grid(struct buf *b, const struct site *st, const struct feed *f)
{
	const struct programme *p = st->p;
	uint32_t *col = xcalloc(p->n_rooms + 1, sizeof(uint32_t));
	int64_t *times = xmalloc(sizeof(int64_t) * (2 * f->n_items + 1));
	size_t n_times = 0, n_cols = 1, k;
	char style[80];

	for (k = 0; k < f->n_items; k++) {
		const struct prog_session *s = site_session(st, f->items[k]);

		col[s->room == PROG_NONE ? p->n_rooms : s->room] = 1;
		times[n_times++] = s->start;
		times[n_times++] = s->end > s->start ? s->end : s->start + 60;
	}
	qsort(times, n_times, sizeof(int64_t), cmp_i64);
	n_times = unique(times, n_times);
	for (size_t r = 0; r <= p->n_rooms; r++)
		if (col[r])
			col[r] = (uint32_t)++n_cols;
	buf_printf(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Timetable\">"
		      "<div class=\"grid\" style=\"grid-template-columns:3.2rem repeat(%zu,minmax(9rem,1fr))\">\n",
		   n_cols - 1);
	for (size_t r = 0; r <= p->n_rooms; r++) {
		if (!col[r])
			continue;
		buf_printf(b, "<div class=\"hd\" style=\"grid-column:%u;grid-row:1\">", col[r]);
		if (r < p->n_rooms) {
			buf_adds(b, "<a ");
			link_to(b, 1, st->fs->feeds[st->room0 + r].path);
			buf_adds(b, ">");
			page_esc(b, p->rooms[r].title);
			buf_adds(b, "</a>");
		} else {
			buf_adds(b, "Elsewhere");
		}
		buf_adds(b, "</div>\n");
	}
	/* A time label on every row a session starts on, in document order
	 * before its sessions. */
	for (k = 0; k < f->n_items; k++) {
		const struct prog_session *s = site_session(st, f->items[k]);
		size_t row = row_of(times, n_times, s->start);
		size_t end = row_of(times, n_times, s->end > s->start ? s->end : s->start + 60);

		if (k == 0 || site_session(st, f->items[k - 1])->start != s->start) {
			buf_printf(b, "<div class=\"tl\" style=\"grid-row:%zu\" aria-hidden=\"true\">", row);
			page_hhmm(b, &s->start_local);
			buf_adds(b, "</div>\n");
		}
		snprintf(style, sizeof(style), "grid-column:%u;grid-row:%zu/%zu",
			 col[s->room == PROG_NONE ? p->n_rooms : s->room], row, end);
		site_card(b, st, f->items[k], 1, "div", style, 0);
	}
	buf_adds(b, "</div></div>\n");
	free(col);
	free(times);
}

static char *day_page(const struct site *st, size_t d, size_t *len)
{
	const struct programme *p = st->p;
	const struct feed *f = &st->fs->feeds[st->day0 + d];
	struct buf b = { 0 }, title = { 0 }, path = { 0 }, desc = { 0 };
	struct page_head h = { .feed = f->path, .feed_title = f->name, .depth = 1 };

	page_day_name(&title, &p->days[d]);
	page_path(&path, f->path);
	buf_printf(&desc, "%s: the %zu sessions of %s, by room and time.", title.data, f->n_items,
		   p->event.title);
	h.title = title.data;
	h.canonical = path.data;
	h.description = desc.data;
	page_start(&b, st->c, &p->event, &h);
	page_nav(&b, p, 1, NULL);
	/* On paper the site's navigation is gone, and the event's name with it. */
	buf_adds(&b, "<header><p class=\"printonly\">");
	page_esc(&b, p->event.title);
	buf_adds(&b, "</p><h1>");
	page_esc(&b, title.data);
	buf_printf(&b, "</h1><p class=\"meta\">Day %zu of %zu · %zu sessions<span class=\"noprint\">",
		   d + 1, p->n_days, f->n_items);
	if (d > 0) {
		buf_adds(&b, " · <a ");
		link_to(&b, 1, st->fs->feeds[st->day0 + d - 1].path);
		buf_adds(&b, " rel=\"prev\">Previous day</a>");
	}
	if (d + 1 < p->n_days) {
		buf_adds(&b, " · <a ");
		link_to(&b, 1, st->fs->feeds[st->day0 + d + 1].path);
		buf_adds(&b, " rel=\"next\">Next day</a>");
	}
	buf_adds(&b, "</span></p><p class=\"noprint\">This day in your calendar: ");
	page_subscribe(&b, st->c, f->path, f->name);
	buf_adds(&b, "</p>");
	site_filter(&b);
	buf_adds(&b, "</header>\n<main class=\"wide\">\n");
	site_form_open(&b, 1);
	day_grid(&b, st, f);
	site_form_close(&b);
	buf_adds(&b, "</main>");
	page_end(&b, &p->event, 1);
	buf_free(&title);
	buf_free(&path);
	buf_free(&desc);
	return buf_steal(&b, len);
}

/* --- tracks, rooms, speakers ------------------------------------------------------- */

static char *list_page(const struct site *st, size_t fi, const char *what, const char *intro,
		       const char *text, size_t *len)
{
	const struct programme *p = st->p;
	const struct feed *f = &st->fs->feeds[fi];
	struct buf b = { 0 }, path = { 0 }, desc = { 0 };
	struct page_head h = { .title = f->label, .feed = f->path, .feed_title = f->name, .depth = 1 };

	page_path(&path, f->path);
	buf_printf(&desc, "%s %s at %s: %zu sessions.", what, f->label, p->event.title, f->n_items);
	h.canonical = path.data;
	h.description = desc.data;
	page_start(&b, st->c, &p->event, &h);
	page_nav(&b, p, 1, NULL);
	/* Printed for a room's door, it keeps the event's name and drops
	 * the calendar buttons, as a day does. */
	buf_adds(&b, "<header><p class=\"printonly\">");
	page_esc(&b, p->event.title);
	buf_adds(&b, "</p><p class=\"meta\">");
	page_esc(&b, what);
	buf_adds(&b, "</p><h1>");
	page_esc(&b, f->label);
	buf_adds(&b, "</h1>");
	if (intro)
		buf_adds(&b, intro);
	page_paragraphs(&b, text);
	buf_printf(&b, "<p>%zu sessions.<span class=\"noprint\"> In your calendar: ", f->n_items);
	page_subscribe(&b, st->c, f->path, f->name);
	buf_adds(&b, "</span></p>");
	site_filter(&b);
	buf_adds(&b, "</header>\n<main>\n");
	site_day_lists(&b, st, f->items, f->n_items, 1);
	buf_adds(&b, "</main>");
	page_end(&b, &p->event, 1);
	buf_free(&path);
	buf_free(&desc);
	return buf_steal(&b, len);
}

static char *speaker_page(const struct site *st, size_t i, size_t *len)
{
	const struct prog_speaker *sp = &st->p->speakers[i];
	struct buf intro = { 0 };
	char *page;

	if (sp->affiliation) {
		buf_adds(&intro, "<p>");
		page_esc(&intro, sp->affiliation);
		buf_adds(&intro, "</p>");
	}
	if (page_safe_url(sp->bio_url)) {
		buf_adds(&intro, "<p><a href=\"");
		page_esc(&intro, sp->bio_url);
		buf_adds(&intro, "\">About ");
		page_esc(&intro, sp->name);
		buf_adds(&intro, "</a></p>");
	}
	page = list_page(st, st->speaker0 + i, "Speaker", intro.data, NULL, len);
	buf_free(&intro);
	return page;
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct programme *p = ctx;
	const uint32_t *x = a, *y = b;
	int c = strcasecmp(p->speakers[*x].name, p->speakers[*y].name);

	return c ? c : (*x > *y) - (*x < *y);
}

static char *speakers_page(const struct site *st, size_t *len)
{
	const struct programme *p = st->p;
	struct buf b = { 0 }, desc = { 0 };
	struct page_head h = { .title = "Speakers", .canonical = "speakers.html",
			       .feed = "calendar.ics" };
	uint32_t *order = xmalloc(sizeof(uint32_t) * (p->n_speakers + 1));

	for (size_t i = 0; i < p->n_speakers; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, p->n_speakers, sizeof(uint32_t), cmp_name, (void *)p);
	buf_printf(&desc, "The %zu speakers of %s.", p->n_speakers, p->event.title);
	h.description = desc.data;
	page_start(&b, st->c, &p->event, &h);
	page_nav(&b, p, 0, NULL);
	buf_printf(&b, "<header><h1>Speakers</h1><p class=\"meta\">%zu speakers</p>", p->n_speakers);
	site_filter(&b);
	buf_adds(&b, "</header>\n<main><ul class=\"list\">\n");
	for (size_t k = 0; k < p->n_speakers; k++) {
		const struct feed *f = &st->fs->feeds[st->speaker0 + order[k]];

		buf_adds(&b, "<li class=\"card\"><a class=\"t\" ");
		link_to(&b, 0, f->path);
		buf_adds(&b, ">");
		page_esc(&b, p->speakers[order[k]].name);
		buf_adds(&b, "</a>");
		if (p->speakers[order[k]].affiliation) {
			buf_adds(&b, "<span class=\"meta\">");
			page_esc(&b, p->speakers[order[k]].affiliation);
			buf_adds(&b, "</span>");
		}
		buf_printf(&b, " <span class=\"meta\">(%zu)</span></li>\n", f->n_items);
	}
	buf_adds(&b, "</ul></main>");
	page_end(&b, &p->event, 0);
	free(order);
	buf_free(&desc);
	return buf_steal(&b, len);
}

/* --- the page set ------------------------------------------------------------------ */

enum { PG_INDEX, PG_STYLE, PG_SPEAKERS, PG_FIXED };

struct build {
	struct site st;
	struct pageset *ps;
};

static void build_one(struct build *bd, size_t i)
{
	const struct site *st = &bd->st;
	const struct programme *p = st->p;
	struct page *pg = &bd->ps->pages[i];
	size_t k = i - PG_FIXED, fi = 1 + k; /* the feed of the page, past the fixed ones */
	struct buf path = { 0 };

	pg->content_type = "text/html; charset=utf-8";
	if (i == PG_INDEX) {
		pg->path = xstrdup("index.html");
		pg->data = index_page(st, &pg->len);
		return;
	}
	if (i == PG_STYLE) {
		pg->path = xstrdup("style.css");
		pg->content_type = "text/css; charset=utf-8";
		pg->data = xmalloc(page_style_len + 1);
		memcpy(pg->data, page_style, page_style_len + 1);
		pg->len = page_style_len;
		return;
	}
	if (i == PG_SPEAKERS) {
		pg->path = xstrdup("speakers.html");
		pg->data = speakers_page(st, &pg->len);
		return;
	}
	page_path(&path, st->fs->feeds[fi].path);
	pg->path = buf_steal(&path, NULL);
	if (fi < st->track0)
		pg->data = day_page(st, fi - st->day0, &pg->len);
	else if (fi < st->room0)
		pg->data = list_page(st, fi, "Track", NULL, p->tracks[fi - st->track0].description,
				     &pg->len);
	else if (fi < st->speaker0)
		pg->data = list_page(st, fi, "Room", NULL, NULL, &pg->len);
	else if (fi < st->session0)
		pg->data = speaker_page(st, fi - st->speaker0, &pg->len);
	else
		pg->data = page_session(st, (uint32_t)(fi - st->session0), &pg->len);
}

static void build_range(void *ctx, size_t begin, size_t end)
{
	for (size_t i = begin; i < end; i++)
		build_one(ctx, i);
}

void pages_build(const struct feedset *fs, const struct conf *c, struct pageset *out)
{
	struct build bd;

	site_open(&bd.st, fs, c);
	out->n = PG_FIXED + fs->n_feeds - 1; /* every feed but calendar.ics has a page */
	out->pages = xcalloc(out->n, sizeof(*out->pages));
	bd.ps = out;
	parallel_for(out->n, 64, build_range, &bd);
	site_close(&bd.st);
}

void pages_free(struct pageset *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->pages[i].path);
		free(ps->pages[i].data);
	}
	free(ps->pages);
	ps->pages = NULL;
	ps->n = 0;
}
