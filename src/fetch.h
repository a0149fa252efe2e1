/* Following a programme published elsewhere (programme_url): fetched
 * with libcurl, conditionally (If-None-Match / If-Modified-Since from the
 * last response), into the state directory, so that a restart without
 * network still serves the last good copy. */
#ifndef AGENDAD_FETCH_H
#define AGENDAD_FETCH_H

#include "conf.h"
#include "diag.h"

enum fetch_result {
	FETCH_NEW,       /* new bytes in *new_path: commit or reject them */
	FETCH_UNCHANGED, /* 304 Not Modified */
	FETCH_FAILED,    /* unreachable, an error status, too slow: logged */
};

/* The saved copy: STATE_DIR/programme.fetched (arena-owned by c). */
const char *fetch_copy_path(struct conf *c);
enum fetch_result fetch_programme(struct conf *c, char **new_path);
/* The new bytes were a good programme: they become the saved copy, and
 * their validators those of the next request. */
int fetch_commit(struct conf *c, const char *new_path);
/* They were not: dropped, but their validators are kept, so the same bad
 * document is not fetched and reported again until it changes. */
void fetch_reject(struct conf *c, const char *new_path);

#endif
