/* Sessions -> VEVENT text, rendered once each with libical; feeds are
 * assembled from these pieces (feeds.c). */
#ifndef AGENDAD_RENDER_H
#define AGENDAD_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "programme.h"
#include "state.h"

/* A session's VEVENT, "BEGIN:VEVENT\r\n" ... "END:VEVENT\r\n".  The
 * configured VALARMs are text[alarm_off, alarm_off + alarm_len), so a
 * subscriber's own alarms can replace them without rendering again. */
struct piece {
	char *text; /* malloc'd */
	size_t len, alarm_off, alarm_len;
	int64_t modified; /* LAST-MODIFIED, once render_piece has run */
};

/* The lines of each VALARM up to its DESCRIPTION (BEGIN, ACTION,
 * TRIGGER), one per offset: made by libical once, copied into every
 * session. */
struct alarm_heads {
	char **text;
	size_t n;
};
/* before: seconds before the start, as in conf's alarms. */
void alarm_heads_make(struct alarm_heads *h, const int64_t *before, size_t n);
void alarm_heads_free(struct alarm_heads *h);

/* Renders everything about s except SEQUENCE, LAST-MODIFIED and DTSTAMP
 * (which depend on its history) into *body, and returns the hash of what
 * a subscriber would see, for state_reconcile.  alarms: the heads of c's
 * alarms, or NULL to make them here. */
uint64_t render_body(const struct programme *p, const struct conf *c,
		     const struct alarm_heads *alarms, const struct prog_session *s,
		     struct piece *body);
/* The DTSTAMP, LAST-MODIFIED and SEQUENCE lines of the last stamp
 * rendered: most pieces share their stamp (an export from empty state
 * stamps every session alike).  Zero-initialise; one per thread. */
struct stamp_lines {
	struct stamp stamp;
	int valid;
	struct buf text;
};
void stamp_lines_free(struct stamp_lines *memo);

/* Completes a body into the published VEVENT with its stamp; consumes
 * body.  memo may be NULL. */
void render_piece(struct piece *body, const struct stamp *stamp, struct stamp_lines *memo,
		  struct piece *out);

/* Appends one display VALARM per head, each saying title. */
void render_alarms(struct buf *b, const char *title, const struct alarm_heads *h);

/* VCALENDAR properties shared by every feed (VERSION ... X-PUBLISHED-TTL),
 * after "BEGIN:VCALENDAR\r\n".  Caller frees. */
char *render_calendar_head(const struct programme *p, const struct conf *c, size_t *len);
/* NAME and X-WR-CALNAME lines for one feed.  Caller frees. */
char *render_calendar_name(const char *name, size_t *len);
/* The event time zone's VTIMEZONE covering [from, to].  Caller frees. */
char *render_vtimezone(const struct programme *p, int64_t from, int64_t to, size_t *len);

/* The DESCRIPTION text: people with roles and affiliations, the session's
 * description, its documents.  Caller frees; NULL when there is nothing. */
char *render_description(const struct programme *p, const struct prog_session *s);
/* LOCATION: room and event location; NULL when neither exists.  Caller frees. */
char *render_location(const struct programme *p, const struct prog_session *s);

/* Appends the content line "NAME:value", folded, and escaped as TEXT
 * when escape is set (see render.c for why libical does not write these). */
void ics_line(struct buf *b, const char *name, const char *value, int escape);
void ics_text_line(struct buf *b, const char *name, const char *value);

#define RENDER_END_CALENDAR "END:VCALENDAR\r\n"

#endif
