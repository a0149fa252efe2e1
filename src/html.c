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
