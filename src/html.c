#include "config.h"

#include "html.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "qr.h"

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
	"button{font:inherit;font-size:.85rem;padding:.1rem .5rem;margin:.15rem 0;"
	"border:1px solid #0a58ca;border-radius:4px;background:#fff;color:#0a58ca;cursor:pointer}"
	"label.pick{float:right;font-size:.85rem;color:#0a58ca;cursor:pointer}"
	"label.pick input{width:1.1rem;height:1.1rem;vertical-align:middle}"
	".mine{position:sticky;bottom:0;background:#fafafa;border-top:1px solid #ddd;padding:.6rem 0;"
	"text-align:center}"
	".mine button{font-size:1rem;padding:.4rem 1rem;background:#0a58ca;color:#fff}"
	"svg.qr{width:12rem;height:12rem;display:block;margin:.5rem 0}"
	"code.url{word-break:break-all;background:#fff;border:1px solid #e3e3e3;padding:.1rem .3rem}"
	"dt{font-weight:600;margin-top:.6rem}"
	"@media (max-width:40rem){h1{font-size:1.3rem}td{display:block;border:0}"
	"tr{display:block;border-top:1px solid #e3e3e3;padding:.3rem 0}label.pick{float:none;"
	"display:block}}";

/* Copy buttons are the only script: everything else works without it. */
static const char script[] =
	"document.querySelectorAll('button.copy').forEach(function(b){"
	"b.hidden=false;b.addEventListener('click',function(){"
	"navigator.clipboard.writeText(b.dataset.url).then(function(){b.textContent='Copied';"
	"setTimeout(function(){b.textContent='Copy link';},1500);});});});";

/* Copies runs of plain text whole: at 10,000 sessions the page is 13 MB. */
static void esc(struct buf *b, const char *s)
{
	while (s && *s) {
		size_t run = strcspn(s, "&<>\"'");

		buf_add(b, s, run);
		s += run;
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: return; /* the end */
		}
		s++;
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
	buf_adds(b, "\">Subscribe</a><button type=\"button\" class=\"copy\" hidden data-url=\"");
	esc(b, c->base_url);
	buf_adds(b, "/");
	esc(b, path);
	buf_adds(b, "\">Copy link</button>");
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
	buf_adds(b, "\">");
	if (!s->is_break && s->status != PROG_CANCELLED) {
		buf_adds(b, "<label class=\"pick\"><input type=\"checkbox\" name=\"session\" value=\"");
		esc(b, s->id);
		buf_adds(b, "\"> My calendar</label>");
	}
	buf_adds(b, "<time>");
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

static void page_start(struct buf *b, const char *event, const char *what)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>");
	if (what) {
		esc(b, what);
		buf_adds(b, " — ");
	}
	esc(b, event);
	buf_printf(b, "</title><style>%s</style></head><body>", style);
}

static void page_end(struct buf *b, const struct prog_event *e)
{
	buf_adds(b, "<footer><p class=\"meta\">Times are in ");
	esc(b, e->timezone);
	buf_adds(b, ". Published by agendad " PACKAGE_VERSION ".</p></footer>");
	buf_printf(b, "<script>%s</script></body></html>\n", script);
}

char *html_index(const struct feedset *fs, const struct conf *c, size_t *len)
{
	const struct programme *p = fs->prog;
	const struct prog_event *e = &p->event;
	struct buf b = { 0 };

	page_start(&b, e->title, NULL);
	buf_adds(&b, "<header><h1>");
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
	buf_adds(&b, "<a href=\"#feeds\">All feeds</a></nav>"
		     "<p class=\"meta\">Tick the sessions you want, then subscribe to your own "
		     "calendar of them: it follows every change to the programme.</p></header>\n"
		     "<main>\n<form method=\"post\" action=\"my\">\n");
	day_sections(&b, fs, c);
	buf_adds(&b, "<div class=\"mine\"><button type=\"submit\">Subscribe to my selection"
		     "</button></div></form>\n");
	buf_adds(&b, "<section id=\"feeds\"><h2>All feeds</h2>\n");
	feed_table(&b, fs, c, FEED_ALL, "Whole programme");
	feed_table(&b, fs, c, FEED_DAY, "Days");
	feed_table(&b, fs, c, FEED_TRACK, "Tracks");
	feed_table(&b, fs, c, FEED_ROOM, "Rooms");
	feed_table(&b, fs, c, FEED_SPEAKER, "Speakers");
	buf_adds(&b, "</section></main>");
	page_end(&b, e);
	return buf_steal(&b, len);
}

/* How to subscribe in the calendar apps most attendees use. */
static const char how_to[] =
	"<h2>Add it to your calendar</h2><dl>"
	"<dt>Apple Calendar (iPhone, iPad, Mac)</dt><dd>Press <em>Subscribe</em> above on the device "
	"itself. On a Mac you can also use File → New Calendar Subscription and paste the "
	"link.</dd>"
	"<dt>Google Calendar</dt><dd>On a computer, open Google Calendar, press + next to "
	"<em>Other calendars</em>, choose <em>From URL</em> and paste the link. Google refreshes "
	"subscribed calendars every few hours.</dd>"
	"<dt>Outlook</dt><dd>Add calendar → <em>Subscribe from web</em> (Outlook on the web), or "
	"File → Account Settings → Internet Calendars → New (Outlook for Windows); paste the "
	"link.</dd>"
	"<dt>Thunderbird</dt><dd>Calendar → New Calendar → <em>On the Network</em>, paste the link "
	"as the location, and keep <em>iCalendar (ICS)</em> as the format.</dd></dl>";

static void chosen(struct buf *b, const struct feedset *fs, char *const *ids, size_t n)
{
	const struct programme *p = fs->prog;

	buf_adds(b, "<h2>Your sessions</h2><ol class=\"sessions\">\n");
	for (size_t i = 0; i < n; i++) {
		uint32_t k;

		if (strmap_get(p->session_ids, ids[i], &k) == 0) {
			const struct prog_session *s = &p->sessions[k];

			buf_adds(b, "<li class=\"session\"><time>");
			esc(b, p->days[s->day].date);
			buf_adds(b, " ");
			hhmm(b, &s->start_local);
			buf_adds(b, "–");
			hhmm(b, &s->end_local);
			buf_adds(b, "</time><h3>");
			esc(b, s->title);
			buf_adds(b, s->status == PROG_CANCELLED ? " (cancelled)</h3></li>\n"
								: "</h3></li>\n");
		} else {
			buf_adds(b, "<li class=\"session cancelled\"><h3>");
			esc(b, ids[i]);
			buf_adds(b, "</h3><p class=\"meta\">No longer in the programme.</p></li>\n");
		}
	}
	buf_adds(b, "</ol>\n");
}

char *html_selection(const struct feedset *fs, const struct conf *c, const char *token,
		     char *const *ids, size_t n, size_t *len)
{
	const struct prog_event *e = &fs->prog->event;
	struct buf b = { 0 }, path = { 0 }, url = { 0 };
	char *qr;

	buf_printf(&path, "my/%s.ics", token);
	buf_printf(&url, "%s/%s", c->base_url, path.data);
	page_start(&b, e->title, "My selection");
	buf_adds(&b, "<header><h1>My selection</h1><p class=\"meta\">");
	esc(&b, e->title);
	buf_adds(&b, "</p></header>\n<main><p>Your calendar of the sessions below. It follows "
		     "the programme: a session that moves moves in your calendar too, and one that "
		     "is dropped is marked cancelled. Keep this page's address: it is the only way "
		     "back to it.</p><p>");
	subscribe(&b, c, path.data, "My selection");
	buf_adds(&b, "</p><p>Feed address: <code class=\"url\" id=\"feed-url\">");
	esc(&b, url.data);
	buf_adds(&b, "</code></p>");
	if ((qr = qr_svg(url.data))) {
		buf_adds(&b, "<figure>");
		buf_adds(&b, qr);
		buf_adds(&b, "<figcaption class=\"meta\">Scan it to carry the feed address to your "
			     "phone.</figcaption></figure>");
		free(qr);
	}
	chosen(&b, fs, ids, n);
	buf_adds(&b, how_to);
	buf_adds(&b, "<p><a href=\"../\">Back to the programme</a></p></main>\n");
	page_end(&b, e);
	buf_free(&path);
	buf_free(&url);
	return buf_steal(&b, len);
}
