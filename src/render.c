#include "config.h"

#include "render.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "memory.h"

static const char begin_vevent[] = "BEGIN:VEVENT\r\n";
static const char end_vevent[] = "END:VEVENT\r\n";

char *render_description(const struct programme *p, const struct prog_session *s)
{
	struct buf b = { 0 };

	for (uint32_t i = 0; i < s->n_people; i++) {
		const struct prog_person *pp = &s->people[i];
		const char *aff = prog_person_affiliation(p, pp);

		if (i)
			buf_adds(&b, "\n");
		if (pp->role) {
			buf_adds(&b, pp->role);
			buf_adds(&b, ": ");
		}
		buf_adds(&b, p->speakers[pp->speaker].name);
		if (aff) {
			buf_adds(&b, ", ");
			buf_adds(&b, aff);
		}
	}
	if (s->description) {
		if (b.len)
			buf_adds(&b, "\n\n");
		buf_adds(&b, s->description);
	}
	if (s->n_docs) {
		if (b.len)
			buf_adds(&b, "\n\n");
		buf_adds(&b, "Documents:");
		for (uint32_t i = 0; i < s->n_docs; i++) {
			buf_adds(&b, "\n- ");
			buf_adds(&b, s->docs[i].title);
			if (s->docs[i].url) {
				buf_adds(&b, ": ");
				buf_adds(&b, s->docs[i].url);
			}
		}
	}
	if (!b.len)
		return NULL;
	return buf_steal(&b, NULL);
}

char *render_location(const struct programme *p, const struct prog_session *s)
{
	const char *room = s->room == PROG_NONE ? NULL : p->rooms[s->room].title;
	const char *where = p->event.location;
	struct buf b = { 0 };

	if (room)
		buf_adds(&b, room);
	if (room && where)
		buf_adds(&b, ", ");
	if (where)
		buf_adds(&b, where);
	return b.len ? buf_steal(&b, NULL) : NULL;
}

/* DTSTART/DTEND in the event's zone by TZID, as RFC 5545 prefers; UTC
 * for an instant in an hour that the clocks repeat, which clients do not
 * read alike (see tz_local_names). */
static icalproperty *when(const struct programme *p, const struct prog_session *s, int is_end)
{
	int local = is_end ? s->end_named : s->start_named;
	struct civil c = is_end ? s->end_local : s->start_local;
	struct icaltimetype tt;
	icalproperty *prop;

	if (!local)
		seconds_to_civil(is_end ? s->end : s->start, &c);
	tt = civil_to_ical(&c, !local);
	prop = is_end ? icalproperty_new_dtend(tt) : icalproperty_new_dtstart(tt);
	/* The TZID is set by hand: libical would write its own prefixed name. */
	if (local)
		icalproperty_add_parameter(prop, icalparameter_new_tzid(tz_name(p->tz)));
	return prop;
}

static enum icalproperty_status ical_status(enum prog_status st)
{
	switch (st) {
	case PROG_TENTATIVE: return ICAL_STATUS_TENTATIVE;
	case PROG_CANCELLED: return ICAL_STATUS_CANCELLED;
	default: return ICAL_STATUS_CONFIRMED;
	}
}

static char *take_text(icalcomponent *comp, size_t *len)
{
	char *text = icalcomponent_as_ical_string_r(comp);

	*len = strlen(text);
	return text;
}

static void add_prop(struct buf *b, icalproperty *prop);

/* libical takes some 6,000 instructions to write a property: lines that
 * can only take a few values are written by it once and copied. */
static struct {
	char *status[3]; /* by enum prog_status */
	char *transp[2]; /* opaque, transparent */
} fixed;
static pthread_once_t fixed_once = PTHREAD_ONCE_INIT;

static char *prop_text(icalproperty *prop)
{
	struct buf b = { 0 };

	add_prop(&b, prop);
	return buf_steal(&b, NULL);
}

static void make_fixed(void)
{
	static const enum prog_status statuses[] = { PROG_CONFIRMED, PROG_TENTATIVE, PROG_CANCELLED };

	for (size_t i = 0; i < 3; i++)
		fixed.status[statuses[i]] = prop_text(icalproperty_new_status(ical_status(statuses[i])));
	fixed.transp[0] = prop_text(icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	fixed.transp[1] = prop_text(icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
}

/* The properties whose values are fixed-length come from libical; those
 * of any length are written by ics_line (see there for why). */
static void fixed_props(const struct programme *p, const struct prog_session *s, struct buf *b)
{
	pthread_once(&fixed_once, make_fixed);
	buf_add(b, begin_vevent, sizeof(begin_vevent) - 1);
	add_prop(b, when(p, s, 0));
	add_prop(b, when(p, s, 1));
	buf_adds(b, fixed.status[s->status]);
	buf_adds(b, fixed.transp[s->is_break ? 1 : 0]);
}

static void text_props(const struct programme *p, const struct conf *c,
		       const struct prog_session *s, struct buf *b)
{
	char *desc = render_description(p, s), *loc = render_location(p, s);
	struct buf uid = { 0 }, url = { 0 };

	buf_adds(&uid, s->id);
	buf_adds(&uid, "@");
	buf_adds(&uid, p->event.id);
	buf_adds(&url, c->base_url);
	buf_adds(&url, "/#");
	buf_adds(&url, s->id);
	ics_text_line(b, "UID", uid.data);
	ics_text_line(b, "SUMMARY", s->title);
	if (desc)
		ics_text_line(b, "DESCRIPTION", desc);
	if (loc)
		ics_text_line(b, "LOCATION", loc);
	if (s->track != PROG_NONE)
		ics_text_line(b, "CATEGORIES", p->tracks[s->track].title);
	ics_line(b, "URL", url.data, 0);
	buf_free(&uid);
	buf_free(&url);
	free(desc);
	free(loc);
}

void alarm_heads_make(struct alarm_heads *h, const int64_t *before, size_t n)
{
	h->n = n;
	h->text = xcalloc(n + 1, sizeof(*h->text));
	for (size_t i = 0; i < n; i++) {
		struct icaltriggertype trig = { icaltime_null_time(),
						icaldurationtype_from_int(-(int)before[i]) };
		struct buf b = { 0 };

		buf_adds(&b, "BEGIN:VALARM\r\n");
		add_prop(&b, icalproperty_new_action(ICAL_ACTION_DISPLAY));
		add_prop(&b, icalproperty_new_trigger(trig));
		h->text[i] = buf_steal(&b, NULL);
	}
}

void alarm_heads_free(struct alarm_heads *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->text[i]);
	free(h->text);
	h->text = NULL;
	h->n = 0;
}

void render_alarms(struct buf *b, const char *title, const struct alarm_heads *h)
{
	for (size_t i = 0; i < h->n; i++) {
		buf_adds(b, h->text[i]);
		ics_text_line(b, "DESCRIPTION", title);
		buf_adds(b, "END:VALARM\r\n");
	}
}

/* Breaks and cancelled sessions get no alarm: nobody needs to be called
 * to a coffee break or to a session that will not happen. */
static void add_alarms(const struct alarm_heads *h, const struct prog_session *s, struct buf *b)
{
	if (s->is_break || s->status == PROG_CANCELLED)
		return;
	render_alarms(b, s->title, h);
}

uint64_t render_body(const struct programme *p, const struct conf *c,
		     const struct alarm_heads *alarms, const struct prog_session *s,
		     struct piece *body)
{
	struct alarm_heads own = { 0 };
	struct buf b = { 0 };

	if (!alarms) {
		alarm_heads_make(&own, c->alarms, c->n_alarms);
		alarms = &own;
	}
	/* Stamps go after BEGIN (render_piece), alarms after the rest. */
	fixed_props(p, s, &b);
	text_props(p, c, s, &b);
	body->alarm_off = b.len;
	add_alarms(alarms, s, &b);
	body->alarm_len = b.len - body->alarm_off;
	body->text = buf_steal(&b, &body->len);
	alarm_heads_free(&own);
	return hash_bytes(HASH_SEED, body->text, body->len);
}

/* Room for any value of vlen bytes: at worst every byte is escaped (2
 * bytes), and a fold (3 bytes) comes every 18 bytes of value: a fold needs
 * the line so far and the character that does not fit to fill 75 bytes,
 * and each escaped byte is counted in at most two such spans. */
static size_t ics_line_room(size_t nlen, size_t vlen)
{
	return nlen + 1 + 2 * vlen + 3 * (vlen / 18 + 2) + 2;
}

/* Copies up to run plain bytes from *p, as many as fit on the line,
 * never splitting a UTF-8 character; folds when some are left. */
static char *plain_run(char *o, const unsigned char **p, size_t run, size_t *line)
{
	while (run) {
		size_t room = *line < 75 ? 75 - *line : 0;
		size_t k = run < room ? run : room;

		if (k < run)
			while (k && ((*p)[k] & 0xc0) == 0x80)
				k--;
		if (k == 0 && *line == 1) /* a "character" longer than a line */
			while (++k < run && ((*p)[k] & 0xc0) == 0x80)
				;
		memcpy(o, *p, k);
		o += k;
		*p += k;
		*line += k;
		run -= k;
		if (run) {
			memcpy(o, "\r\n ", 3);
			o += 3;
			*line = 1;
		}
	}
	return o;
}

#define CONTROLS                                                                         \
	"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19" \
	"\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

/* Content lines whose values can be of any length are written here, not
 * by libical 3.0, which (a) writes CATEGORIES and X- values without
 * escaping ',' and ';', so a track "Law, order" becomes two categories,
 * (b) can fold inside a line's own CRLF ("...\r\r\n \n", libical #1338,
 * fixed only in 4.0.3) and (c) can fold between '\' and the character it
 * escapes, which Google Calendar does not rejoin.  Rules: RFC 5545 3.3.11
 * escaping for TEXT (escape), 3.1 folding at 75 octets, only between whole
 * UTF-8 characters and whole escapes. */
void ics_line(struct buf *b, const char *name, const char *value, int escape)
{
	/* Control characters are no TEXT (RFC 5545 3.3.11); the loaders
	 * refuse or drop them, and none must reach a feed even so. */
	static const char controls[] = CONTROLS;
	const char *special = escape ? "\\;,\r\n" CONTROLS : "\r\n" CONTROLS;
	const size_t nlen = strlen(name);
	const unsigned char *p = (const unsigned char *)value;
	size_t line = nlen + 1;
	char *o;

	/* Written straight into reserved room, plain text a run at a time:
	 * this runs for every text property of every session and feed. */
	buf_reserve(b, ics_line_room(nlen, strlen(value)));
	o = b->data + b->len;
	memcpy(o, name, nlen);
	o += nlen;
	*o++ = ':';
	for (;;) {
		o = plain_run(o, &p, strcspn((const char *)p, special), &line);
		if (!*p)
			break;
		if (*p == '\r' || (*p == '\n' && !escape) || strchr(controls, *p)) {
			p++; /* a bare line break would end the content line, and a
			      * control character is no TEXT */
			continue;
		}
		if (line + 2 > 75) {
			memcpy(o, "\r\n ", 3);
			o += 3;
			line = 1;
		}
		*o++ = '\\';
		*o++ = *p == '\n' ? 'n' : (char)*p;
		p++;
		line += 2;
	}
	memcpy(o, "\r\n", 2);
	o += 2;
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

void ics_text_line(struct buf *b, const char *name, const char *value)
{
	ics_line(b, name, value, 1);
}

static void add_prop(struct buf *b, icalproperty *prop)
{
	char *text = icalproperty_as_ical_string_r(prop);

	buf_adds(b, text);
	icalmemory_free_buffer(text);
	icalproperty_free(prop);
}

static struct icaltimetype utc_time(int64_t t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* DTSTAMP is the last change, not the time of export: feeds must be a
 * function of programme and state, so that ETags and diffs stay quiet. */
static void stamp_text(struct stamp_lines *memo, const struct stamp *stamp)
{
	if (memo->valid && memo->stamp.modified == stamp->modified &&
	    memo->stamp.sequence == stamp->sequence)
		return;
	memo->text.len = 0;
	add_prop(&memo->text, icalproperty_new_dtstamp(utc_time(stamp->modified)));
	add_prop(&memo->text, icalproperty_new_lastmodified(utc_time(stamp->modified)));
	add_prop(&memo->text, icalproperty_new_sequence((int)stamp->sequence));
	memo->stamp = *stamp;
	memo->valid = 1;
}

void render_piece(struct piece *body, const struct stamp *stamp, struct stamp_lines *memo,
		  struct piece *out)
{
	const size_t skip = sizeof(begin_vevent) - 1;
	struct stamp_lines own = { 0 };
	struct buf b = { 0 };

	if (!memo)
		memo = &own;
	stamp_text(memo, stamp);
	buf_reserve(&b, body->len + memo->text.len + sizeof(end_vevent));
	buf_add(&b, begin_vevent, skip);
	buf_add(&b, memo->text.data, memo->text.len);
	buf_add(&b, body->text + skip, body->len - skip);
	buf_add(&b, end_vevent, sizeof(end_vevent) - 1);
	out->alarm_off = body->alarm_off + memo->text.len;
	out->alarm_len = body->alarm_len;
	out->modified = stamp->modified;
	out->text = buf_steal(&b, &out->len);
	free(body->text);
	body->text = NULL;
	buf_free(&own.text);
}

void stamp_lines_free(struct stamp_lines *memo)
{
	buf_free(&memo->text);
	memo->valid = 0;
}

char *render_calendar_head(const struct programme *p, const struct conf *c, size_t *len)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();
	struct icaldurationtype refresh = icaldurationtype_from_int((int)c->refresh);
	icalproperty *prop;
	char *text, *ttl;
	struct buf b = { 0 };

	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//agendad//agendad " PACKAGE_VERSION "//EN"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	prop = icalproperty_new_x(tz_name(p->tz));
	icalproperty_set_x_name(prop, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, prop);
	prop = icalproperty_new_refreshinterval(refresh);
	icalproperty_add_parameter(prop, icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, prop);
	ttl = icaldurationtype_as_ical_string_r(refresh);
	prop = icalproperty_new_x(ttl);
	icalproperty_set_x_name(prop, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, prop);
	icalmemory_free_buffer(ttl);
	text = icalcomponent_as_ical_string_r(cal);
	/* Everything but the closing line: the feed's own lines follow. */
	buf_add(&b, text, strlen(text) - (sizeof(RENDER_END_CALENDAR) - 1));
	icalmemory_free_buffer(text);
	icalcomponent_free(cal);
	return buf_steal(&b, len);
}

char *render_calendar_name(const char *name, size_t *len)
{
	struct buf b = { 0 };

	ics_text_line(&b, "NAME", name);
	ics_text_line(&b, "X-WR-CALNAME", name);
	return buf_steal(&b, len);
}

char *render_vtimezone(const struct programme *p, int64_t from, int64_t to, size_t *len)
{
	icalcomponent *vtz = tz_vtimezone(p->tz, from, to);
	char *text = take_text(vtz, len);
	char *copy = xstrdup(text);

	icalmemory_free_buffer(text);
	icalcomponent_free(vtz);
	return copy;
}
