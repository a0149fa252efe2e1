/* A feed request's query string (doc/reference.md §4): filters on /calendar.ics and
 * alarm= on every feed, checked against the programme and put in one
 * canonical form, so that equal requests share one rendering and ETag. */
#ifndef AGENDAD_QUERY_H
#define AGENDAD_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "feeds.h"
#include "programme.h"

enum query_key { QUERY_TRACK, QUERY_ROOM, QUERY_DAY, QUERY_SPEAKER, QUERY_KIND, QUERY_FILTERS };

#define QUERY_MAX_ALARMS 8
/* More values than there are in any sane filter; a bound on the work. */
#define QUERY_MAX_VALUES 256

/* One argument as it came in the URL, still percent-encoded. */
struct query_arg {
	const char *key, *value;
};

struct query {
	const struct programme *prog;
	uint32_t *sel[QUERY_FILTERS]; /* per key: sorted, distinct indices */
	size_t n_sel[QUERY_FILTERS];
	int has_alarm; /* alarm= given: alarms replace the configured ones */
	int64_t alarms[QUERY_MAX_ALARMS]; /* seconds before the start, longest first */
	size_t n_alarms;                   /* 0 with has_alarm: alarm=none */
	char *canon; /* "track=a,b&day=2014-03-24&alarm=15m"; "" when empty */
};

/* Reads args against p.  Filters are accepted only when filters is set
 * (the whole programme's feed).  Returns 0, or -1 with a message for the
 * client in why.  Free q with query_free either way. */
int query_parse(const struct programme *p, const struct query_arg *args, size_t n, int filters,
		struct query *q, char *why, size_t size);
void query_free(struct query *q);
int query_has_filters(const struct query *q);
/* Whether the piece m passes every filter of q. */
int query_matches(const struct query *q, const struct feed_member *m);
/* "Plenary or Panels, Day 1 (24 March)": what a filtered feed holds,
 * from the feeds' labels.  Caller frees. */
char *query_label(const struct query *q, const struct feedset *fs);

#endif
