/* What search.html looks in, prepared once per programme.  Searching
 * every session's title, description, track, room and speakers with
 * strcasestr folded case again on every request: at 10,000 sessions a
 * word found nowhere was answered about 200 times a second, so a client
 * asking for one could keep a thread busy.  Here each session's fields
 * are folded to ASCII lower case once, into one block, and a query only
 * runs memmem over it (about 940 answers a second). */
#ifndef AGENDAD_SEARCH_H
#define AGENDAD_SEARCH_H

#include <stddef.h>

#include "programme.h"

struct search_index {
	char *text;    /* each session's fields, folded, separated by '\n' */
	size_t *start; /* session i's text is text[start[i]] to text[start[i + 1]] */
	size_t n;
};

/* Allocation follows memory.h: this never fails. */
void search_index_build(const struct programme *p, struct search_index *out);
void search_index_free(struct search_index *idx);

/* Folds ASCII letters of s to lower case, in place, as the index is. */
void search_fold(char *s);
/* Whether session i's text holds each of the n folded words, each
 * within one field (a word holding '\n' matches nothing). */
int search_index_match(const struct search_index *idx, size_t i, char *const *words, size_t n);

#endif
