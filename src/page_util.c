#include "config.h"

#include "page_util.h"

#include <string.h>

/* Decodes one UTF-8 sequence at s (s[0] >= 0x80); returns its length,
 * or 0 when it is not well formed (overlong, surrogate, beyond U+10FFFF
 * or cut short). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters that never reach a page: C1 controls, the bidi controls
 * that reorder what surrounds them, and noncharacters (which HTML's
 * parser reports as errors). */
static int dropped(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c ||
	       (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* Plain bytes copied in runs: the index of 10,000 sessions is large. */
static const char special[] = "&<>\"'"
			      "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0d\x0e\x0f"
			      "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f";

static size_t plain_run(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && (unsigned char)*p < 0x80 && !strchr(special, *p))
		p++;
	return (size_t)(p - s);
}

static void esc_range(struct buf *b, const char *s, const char *end)
{
	while (s < end) {
		size_t run = plain_run(s, end);
		uint32_t cp;
		size_t n;

		buf_add(b, s, run);
		s += run;
		if (s >= end)
			return;
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); s++; continue;
		case '<': buf_adds(b, "&lt;"); s++; continue;
		case '>': buf_adds(b, "&gt;"); s++; continue;
		case '"': buf_adds(b, "&quot;"); s++; continue;
		case '\'': buf_adds(b, "&#39;"); s++; continue;
		}
		if ((unsigned char)*s < 0x80) { /* a control character */
			s++;
			continue;
		}
		n = utf8_next((const unsigned char *)s, &cp);
		if (n == 0 || (size_t)(end - s) < n) {
			buf_adds(b, "\xef\xbf\xbd");
			s++;
			continue;
		}
		if (!dropped(cp))
			buf_add(b, s, n);
		s += n;
	}
}

void page_esc(struct buf *b, const char *s)
{
	if (s)
		esc_range(b, s, s + strlen(s));
}

void page_esc_n(struct buf *b, const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len <= max) {
		page_esc(b, s);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	esc_range(b, s, s + max);
	buf_adds(b, "…");
}

void page_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c)) {
			buf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_add(b, e, 3);
		}
	}
}

int page_safe_url(const char *url)
{
	if (!url)
		return 0;
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "mailto:", 7) != 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return 0;
	return strlen(url) <= 2048;
}

void page_paragraphs(struct buf *b, const char *text)
{
	const char *s = text;

	while (s && *s) {
		const char *end = strstr(s, "\n\n"), *line;

		if (!end)
			end = s + strlen(s);
		while (s < end && (*s == '\n' || *s == ' '))
			s++;
		if (s < end) {
			buf_adds(b, "<p>");
			for (line = s; line < end;) {
				const char *nl = memchr(line, '\n', (size_t)(end - line));

				if (!nl)
					nl = end;
				esc_range(b, line, nl);
				if (nl < end)
					buf_adds(b, "<br>");
				line = nl < end ? nl + 1 : end;
			}
			buf_adds(b, "</p>\n");
		}
		s = end;
		while (*s == '\n')
			s++;
	}
}

void page_up(struct buf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_adds(b, "../");
}

static void absolute(struct buf *b, const struct conf *c, const char *path)
{
	page_esc(b, c->base_url);
	buf_adds(b, "/");
	page_esc(b, path);
}

void page_start(struct buf *b, const struct conf *c, const struct prog_event *e,
		const struct page_head *h)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	buf_adds(b, "<title>");
	if (h->title) {
		page_esc(b, h->title);
		buf_adds(b, " — ");
	}
	page_esc(b, e->title);
	buf_adds(b, "</title><meta name=\"description\" content=\"");
	page_esc_n(b, h->description ? h->description : e->title, 300);
	buf_adds(b, "\"><link rel=\"canonical\" href=\"");
	absolute(b, c, h->canonical);
	buf_adds(b, "\">");
	if (h->feed) {
		buf_adds(b, "<link rel=\"alternate\" type=\"text/calendar\" title=\"");
		page_esc(b, h->feed_title ? h->feed_title : e->title);
		buf_adds(b, "\" href=\"");
		absolute(b, c, h->feed);
		buf_adds(b, "\">");
	}
	buf_adds(b, "<link rel=\"stylesheet\" href=\"");
	page_up(b, h->depth);
	buf_adds(b, "style.css\"></head><body>");
}

void page_nav(struct buf *b, const struct programme *p, int depth, const char *q)
{
	buf_adds(b, "<nav class=\"site\" aria-label=\"Site\"><a href=\"");
	page_up(b, depth);
	buf_adds(b, depth ? "index.html\">" : "./\">");
	page_esc(b, p->event.short_title ? p->event.short_title : p->event.title);
	buf_adds(b, "</a>");
	for (size_t d = 0; d < p->n_days && p->n_days <= 7; d++) {
		buf_adds(b, "<a href=\"");
		page_up(b, depth);
		buf_adds(b, "days/");
		page_esc(b, p->days[d].date);
		buf_printf(b, ".html\">Day %zu</a>", d + 1);
	}
	buf_adds(b, "<a href=\"");
	page_up(b, depth);
	buf_adds(b, "now.html\">Now</a><a href=\"");
	page_up(b, depth);
	buf_adds(b, "speakers.html\">Speakers</a><form class=\"search\" role=\"search\" "
		    "method=\"get\" action=\"");
	page_up(b, depth);
	buf_adds(b, "search.html\"><label for=\"q\" class=\"vh\">Search sessions</label>"
		    "<input type=\"search\" id=\"q\" name=\"q\" maxlength=\"100\" "
		    "placeholder=\"Search sessions\" value=\"");
	page_esc(b, q);
	buf_adds(b, "\"><button type=\"submit\">Search</button></form></nav>\n");
}

/* The copy buttons, the type-ahead filter and now.html's refresh (which
 * the reader can stop: a meta refresh could not be) are the only script:
 * everything works without it. */
static const char script[] =
	"document.querySelectorAll('button.copy').forEach(function(b){"
	"b.hidden=false;b.addEventListener('click',function(){"
	"navigator.clipboard.writeText(b.dataset.url).then(function(){b.textContent='Copied';"
	"setTimeout(function(){b.textContent='Copy link';},1500);});});});"
	"var f=document.getElementById('filter');if(f){f.hidden=false;"
	"var c=document.querySelectorAll('.card');f.querySelector('input').addEventListener('input',"
	"function(){var t=this.value.toLowerCase();c.forEach(function(e){"
	"e.classList.toggle('out',t!==''&&e.textContent.toLowerCase().indexOf(t)<0);});});}"
	"var a=document.getElementById('auto');if(a){a.closest('p').hidden=false;"
	"setInterval(function(){if(a.checked)location.reload();},60000);}";

void page_end(struct buf *b, const struct prog_event *e, int depth)
{
	buf_adds(b, "<footer><p class=\"meta\">Times are in ");
	page_esc(b, e->timezone);
	buf_adds(b, ". <a href=\"");
	page_up(b, depth);
	buf_adds(b, depth ? "index.html" : "./");
	buf_adds(b, "#feeds\">Calendar feeds</a>. Published by agendad " PACKAGE_VERSION
		    ".</p></footer>");
	buf_printf(b, "<script>%s</script></body></html>\n", script);
}

void page_subscribe(struct buf *b, const struct conf *c, const char *path, const char *what)
{
	const char *rest = strstr(c->base_url, "://");

	buf_adds(b, "<a class=\"sub\" href=\"");
	absolute(b, c, path);
	buf_adds(b, "\" title=\"");
	page_esc(b, what);
	buf_adds(b, "\">.ics</a><a class=\"sub\" href=\"webcal");
	page_esc(b, rest ? rest : "://");
	buf_adds(b, "/");
	page_esc(b, path);
	buf_adds(b, "\" title=\"Subscribe: ");
	page_esc(b, what);
	buf_adds(b, "\">Subscribe</a><button type=\"button\" class=\"copy\" hidden data-url=\"");
	absolute(b, c, path);
	buf_adds(b, "\">Copy link</button>");
}

void page_hhmm(struct buf *b, const struct civil *cv)
{
	char s[6] = { (char)('0' + cv->hour / 10), (char)('0' + cv->hour % 10), ':',
		      (char)('0' + cv->min / 10), (char)('0' + cv->min % 10), 0 };

	buf_add(b, s, 5);
}

static const char *const weekdays[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday" };
static const char *const month_names[] = { "January", "February", "March", "April",
					   "May", "June", "July", "August", "September",
					   "October", "November", "December" };

void page_day_name(struct buf *b, const struct prog_day *d)
{
	struct civil cv = { d->year, d->month, d->day, 0, 0, 0 };
	int64_t days = civil_to_seconds(&cv) / 86400;

	buf_printf(b, "%s %d %s %d", weekdays[((days % 7) + 11) % 7], d->day,
		   month_names[(d->month - 1) % 12], d->year);
}

void page_path(struct buf *b, const char *feed_path)
{
	size_t len = strlen(feed_path);

	if (len > 4 && strcmp(feed_path + len - 4, ".ics") == 0)
		len -= 4;
	buf_add(b, feed_path, len);
	buf_adds(b, ".html");
}
