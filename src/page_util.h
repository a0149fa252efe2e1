/* What every attendee page shares: escaping text from the programme,
 * links that are safe to follow, the page's head and foot, and the
 * stylesheet.  Text from a programme or an import is hostile: it only
 * reaches a page through page_esc, and a link it names through
 * page_safe_url. */
#ifndef AGENDAD_PAGE_UTIL_H
#define AGENDAD_PAGE_UTIL_H

#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "feeds.h"

/* Escapes s for text and attribute values; drops C0/C1 controls (other
 * than tab and newline), DEL and the bidi embedding, override and
 * isolate controls (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C),
 * which could reorder the text around them.  Invalid UTF-8 becomes
 * U+FFFD. */
void page_esc(struct buf *b, const char *s);
/* Like page_esc, at most max bytes of s (cut at a character boundary),
 * followed by "…" when cut. */
void page_esc_n(struct buf *b, const char *s, size_t max);
/* Percent-encodes s for a query string value (RFC 3986 unreserved kept). */
void page_pct(struct buf *b, const char *s);
/* True when url may be a link: http:, https: or mailto:, with no
 * control characters or spaces. */
int page_safe_url(const char *url);
/* Plain text as paragraphs: blank lines separate <p>, single newlines
 * become <br>. */
void page_paragraphs(struct buf *b, const char *text);

/* A page's head.  depth is how many folders below the site's root the
 * page is (0 for the index, 1 for days/X.html), so that its links can be
 * relative; canonical and feed are paths from the root (feed may be
 * NULL).  Opens <body>. */
struct page_head {
	const char *title;       /* the page's own title, before the event's */
	const char *description; /* for <meta name="description"> */
	const char *canonical;   /* "" for the index */
	const char *feed;        /* its calendar, "days/2026-01-31.ics" */
	const char *feed_title;
	int depth;
};
void page_start(struct buf *b, const struct conf *c, const struct prog_event *e,
		const struct page_head *h);
/* The site navigation (index, now, speakers) and the search form. */
void page_nav(struct buf *b, const struct programme *p, int depth, const char *q);
void page_end(struct buf *b, const struct prog_event *e, int depth);
/* "../" depth times. */
void page_up(struct buf *b, int depth);
/* Absolute https and webcal links to a feed (webcal makes phones offer a
 * subscription), and a copy button the script shows. */
void page_subscribe(struct buf *b, const struct conf *c, const char *path, const char *what);
void page_hhmm(struct buf *b, const struct civil *cv);
/* "Saturday 31 January 2026" */
void page_day_name(struct buf *b, const struct prog_day *d);
/* The page of a feed path: "days/x.ics" → "days/x.html". */
void page_path(struct buf *b, const char *feed_path);

/* The shared stylesheet, served as style.css. */
extern const char page_style[];
extern const size_t page_style_len;

#endif
