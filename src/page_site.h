/* Shared between the page builders (pages.c, page_session.c, page_now.c):
 * the programme as the pages see it, removed sessions included. */
#ifndef AGENDAD_PAGE_SITE_H
#define AGENDAD_PAGE_SITE_H

#include "buf.h"
#include "conf.h"
#include "feeds.h"

struct site {
	const struct feedset *fs;
	const struct conf *c;
	const struct programme *p;
	struct prog_session *tombs;   /* removed sessions as cancelled ones, localized */
	/* the feeds' numbering (feeds.c) */
	size_t day0, track0, room0, speaker0, session0;
};

/* The site without removed sessions (no tombs): only the feeds' numbering,
 * which needs no time zone and so may run on a request thread. */
void site_number(struct site *st, const struct feedset *fs, const struct conf *c);
/* <a href="(../ depth times)PAGE">text</a>, PAGE the page of feed_path. */
void site_anchor(struct buf *b, int depth, const char *feed_path, const char *text);
void site_open(struct site *st, const struct feedset *fs, const struct conf *c);
void site_close(struct site *st);
/* Piece i (a session, or a removed one) as a session. */
const struct prog_session *site_session(const struct site *st, uint32_t i);
int site_removed(const struct site *st, uint32_t i);
/* A session in a list: tick box, time, title linking to its page, room,
 * track and speakers.  style: an inline style (grid placement) or NULL;
 * tag: "li" or "div"; flags: CARD_*. */
enum { CARD_DAY = 1, CARD_NO_PICK = 2 };
void site_card(struct buf *b, const struct site *st, uint32_t i, int depth, const char *tag,
	       const char *style, int flags);
/* A list of pieces grouped by day, in a form that posts the ticked ones
 * to ../my. */
void site_day_lists(struct buf *b, const struct site *st, const uint32_t *items, size_t n,
		    int depth);
/* The form around tick boxes, and its submit button. */
void site_form_open(struct buf *b, int depth);
void site_form_close(struct buf *b);
/* The type-ahead filter (shown by the script). */
void site_filter(struct buf *b);

char *page_session(const struct site *st, uint32_t i, size_t *len);

#endif
