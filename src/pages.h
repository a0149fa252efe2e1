/* The attendee's web pages, built once per programme from the same
 * feedset as the feeds: an overview (index), a page per day (a grid of
 * rooms by time on wide screens, a list on phones), per session, per
 * speaker, track and room, the list of speakers, and the stylesheet.
 * Links between pages are relative and feed links derive from base_url,
 * so the same bytes serve over HTTP, behind a path prefix, and as a
 * static export.  now.html, now.json and search.html depend on the clock
 * or the query and are built per request. */
#ifndef AGENDAD_PAGES_H
#define AGENDAD_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "feeds.h"
#include "search.h"

struct page {
	char *path; /* from the site's root: "index.html", "days/2026-01-31.html" */
	const char *content_type;
	char *data;
	size_t len;
};

struct pageset {
	struct page *pages;
	size_t n;
};

/* Builds every page of fs (in parallel).  Free with pages_free. */
void pages_build(const struct feedset *fs, const struct conf *c, struct pageset *out);
void pages_free(struct pageset *ps);

/* Now and next in each room at UTC second now, as a page that refreshes
 * itself every minute, or as JSON for signage.  Caller frees. */
char *page_now_html(const struct feedset *fs, const struct conf *c, int64_t now, size_t *len);
char *page_now_json(const struct feedset *fs, const struct conf *c, int64_t now, size_t *len);

/* Sessions matching a query: words of q (each found in the title,
 * description, speakers, track or room, ignoring ASCII case, looked up
 * in idx, fs's index), and the ids of a day, track and room (NULL or ""
 * for any).  At most PAGE_SEARCH_MAX results are listed.  Caller frees. */
#define PAGE_SEARCH_MAX 200
#define PAGE_QUERY_MAX 100
char *page_search(const struct feedset *fs, const struct search_index *idx, const struct conf *c,
		  const char *q, const char *day, const char *track, const char *room, size_t *len);

#endif
