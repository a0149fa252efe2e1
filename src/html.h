/* The page of a personal selection (the other pages are in pages.h). */
#ifndef AGENDAD_HTML_H
#define AGENDAD_HTML_H

#include <stddef.h>

#include "conf.h"
#include "feeds.h"

/* The page of a personal selection: its feed's links and QR code, the
 * chosen sessions (those gone from the programme marked so), and how to
 * subscribe in the common calendar apps.  Caller frees. */
char *html_selection(const struct feedset *fs, const struct conf *c, const char *token,
		     char *const *ids, size_t n, size_t *len);

#endif
