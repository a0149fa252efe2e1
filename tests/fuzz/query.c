/* A feed request's query (query_parse) against the sample programme, and
 * what a feed does with an accepted one (query_matches, query_label).
 * Input: one flag byte (bit 0: the whole programme's feed, which takes
 * filters), then the query string as libmicrohttpd splits it: arguments
 * at '&', key and value at the first '=' (none: a NULL value). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "fuzz.h"
#include "query.h"
#include "state.h"

#define MAX_ARGS 64 /* as http.c reads at most */

static const struct feedset *sample_feeds(void)
{
	static struct feedset *fs;
	static struct state *st;
	static const char conf[] = "programme = \"unused.programme\";\n";
	struct programme *p = fuzz_sample_programme();
	static struct conf *c; /* reachable, as fs is, until exit */
	char sd[512];
	struct diag d;

	if (fs)
		return fs;
	diag_init(&d);
	c = conf_load(fuzz_write("query.conf", (const uint8_t *)conf, sizeof(conf) - 1), &d);
	snprintf(sd, sizeof(sd), "%s/query-state", fuzz_dir());
	if (!c || state_open(sd, &st) < 0 || feedset_build(p, c, st, 1393632000, &fs) < 0)
		fuzz_fail("cannot build the sample feeds");
	/* fs keeps pointers into p, not into c or st; all live to exit. */
	return fs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct feedset *fs = sample_feeds();
	struct query_arg args[MAX_ARGS];
	struct query q;
	char why[300], *text, *s, *save = NULL;
	size_t n = 0;
	int filters;

	if (size < 1)
		return 0;
	filters = data[0] & 1;
	s = text = fuzz_string(data + 1, size - 1);
	/* libmicrohttpd hands over C strings: a NUL ends the query. */
	for (char *a = strtok_r(s, "&", &save); a && n < MAX_ARGS; a = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(a, '=');

		if (eq)
			*eq++ = '\0';
		args[n++] = (struct query_arg){ a, eq };
	}
	why[0] = '\0';
	if (query_parse(fs->prog, args, n, filters, &q, why, sizeof(why)) == 0) {
		size_t kept = 0;
		char *label;

		if (!q.canon)
			fuzz_fail("an accepted query without a canonical form");
		if (!filters && query_has_filters(&q))
			fuzz_fail("filters taken where none are allowed: %s", q.canon);
		for (size_t i = 0; i < fs->n_pieces; i++)
			kept += query_matches(&q, &fs->members[i]) != 0;
		if (!query_has_filters(&q) && kept != fs->n_pieces)
			fuzz_fail("a query without filters dropped sessions: %s", q.canon);
		label = query_label(&q, fs);
		free(label);
	} else if (!why[0]) {
		fuzz_fail("a query refused without a reason");
	}
	query_free(&q);
	free(text);
	return 0;
}
