/* The index page: the programme as a timetable with a subscribe link for
 * every feed, readable on a phone, no external assets. */
#ifndef AGENDAD_HTML_H
#define AGENDAD_HTML_H

#include <stddef.h>

#include "conf.h"
#include "feeds.h"

/* Caller frees. */
char *html_index(const struct feedset *fs, const struct conf *c, size_t *len);

#endif
