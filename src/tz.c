#include "config.h"

#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

/* Offsets are looked up hour by hour: a programme's sessions fall on a
 * few hundred distinct hours, and libical's lookup is comparatively slow. */
#define TZ_CACHE 4096

struct tz_cache_entry {
	int64_t slot; /* quarter hour since the epoch */
	int offset;
	int valid;
};

struct tz {
	icaltimezone *zone; /* libical's built-in zone: not ours to free */
	char *name;
	struct tz_cache_entry cache[TZ_CACHE];
};

/* Howard Hinnant's days_from_civil / civil_from_days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t civil_to_seconds(const struct civil *c)
{
	return days_from_civil(c->year, (unsigned)c->month, (unsigned)c->day) * 86400 +
	       c->hour * 3600 + c->min * 60 + c->sec;
}

void seconds_to_civil(int64_t s, struct civil *c)
{
	int64_t z = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t secs = s - z * 86400;

	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	c->year = (int)((int64_t)yoe + era * 400 + (m <= 2));
	c->month = (int)m;
	c->day = (int)d;
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char ch)
{
	if (**p != ch)
		return -1;
	(*p)++;
	return 0;
}

static int parse_offset(const char *p, int *offset)
{
	int sign, hh, mm;

	if (strcmp(p, "Z") == 0 || strcmp(p, "UTC") == 0) {
		*offset = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh) || expect(&p, ':') || digits(&p, 2, &mm) || *p || hh > 23 || mm > 59)
		return -1;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

int civil_parse(const char *s, struct civil *c, int *has_offset, int *offset, const char **why)
{
	const char *p = s;
	struct civil t = { 0 };

	*why = "expected \"YYYY-MM-DD HH:MM\" (optionally \":SS\" and a UTC offset like \"+01:00\")";
	if (digits(&p, 4, &t.year) || expect(&p, '-') || digits(&p, 2, &t.month) ||
	    expect(&p, '-') || digits(&p, 2, &t.day) || (*p != ' ' && *p != 'T'))
		return -1;
	p++;
	if (digits(&p, 2, &t.hour) || expect(&p, ':') || digits(&p, 2, &t.min))
		return -1;
	if (*p == ':' && (p++, digits(&p, 2, &t.sec)))
		return -1;
	if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month)) {
		*why = "no such date";
		return -1;
	}
	if (t.hour > 23 || t.min > 59 || t.sec > 59) {
		*why = "no such time of day";
		return -1;
	}
	*has_offset = 0;
	*offset = 0;
	if (*p) {
		while (*p == ' ')
			p++;
		if (parse_offset(p, offset))
			return -1;
		*has_offset = 1;
	}
	*c = t;
	return 0;
}

int tz_open(const char *name, struct tz **out)
{
	icaltimezone *zone;
	struct tz *tz;

	/* libical answers a lookup of "UTC" with its own UTC zone. */
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		zone = icaltimezone_get_builtin_timezone("Etc/UTC");
	else
		zone = icaltimezone_get_builtin_timezone(name);
	if (!zone || !icaltimezone_get_component(zone))
		return -ENOENT;
	tz = xcalloc(1, sizeof(*tz));
	tz->zone = zone;
	tz->name = xstrdup(name);
	*out = tz;
	return 0;
}

void tz_free(struct tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz);
}

const char *tz_name(const struct tz *tz)
{
	return tz->name;
}

icaltimezone *tz_ical(const struct tz *tz)
{
	return tz->zone;
}

struct icaltimetype civil_to_ical(const struct civil *c, int utc)
{
	struct icaltimetype tt = icaltime_null_time();

	tt.year = c->year;
	tt.month = c->month;
	tt.day = c->day;
	tt.hour = c->hour;
	tt.minute = c->min;
	tt.second = c->sec;
	if (utc)
		tt.zone = icaltimezone_get_utc_timezone();
	return tt;
}

static struct icaltimetype ical_utc(int64_t utc)
{
	struct civil c;

	seconds_to_civil(utc, &c);
	return civil_to_ical(&c, 1);
}

/* Since 1970 every zone's offsets and transition instants are whole
 * quarter hours, so the offset in force at a quarter hour's start holds
 * for the whole of it: that is the cache's key. */
int tz_offset_at(struct tz *tz, int64_t utc)
{
	int64_t slot = utc >= 0 ? utc / 900 : (utc - 899) / 900;
	struct tz_cache_entry *e = &tz->cache[(uint64_t)slot % TZ_CACHE];
	struct icaltimetype tt;
	int dst;

	if (!e->valid || e->slot != slot) {
		tt = ical_utc(slot * 900);
		e->offset = icaltimezone_get_utc_offset_of_utc_time(tz->zone, &tt, &dst);
		e->slot = slot;
		e->valid = 1;
	}
	return e->offset;
}

enum tz_result tz_local_to_utc(struct tz *tz, const struct civil *local, int64_t *utc)
{
	int64_t l = civil_to_seconds(local);
	int before = tz_offset_at(tz, l - 86400);
	int after = tz_offset_at(tz, l + 86400);
	int64_t u1 = l - before, u2 = l - after;
	int ok1 = tz_offset_at(tz, u1) == before;
	int ok2 = tz_offset_at(tz, u2) == after;

	if (ok1 && ok2 && u1 != u2) {
		*utc = u1 < u2 ? u1 : u2;
		return TZ_AMBIGUOUS;
	}
	if (ok1 || ok2) {
		*utc = ok1 ? u1 : u2;
		return TZ_OK;
	}
	return TZ_GAP;
}

void tz_utc_to_local(struct tz *tz, int64_t utc, struct civil *local)
{
	seconds_to_civil(utc + tz_offset_at(tz, utc), local);
}

int tz_local_names(struct tz *tz, int64_t utc)
{
	struct civil c;
	int64_t back;

	tz_utc_to_local(tz, utc, &c);
	return tz_local_to_utc(tz, &c, &back) == TZ_OK && back == utc;
}

/* The truncated rule's UNTIL is its last onset to the second, in UTC
 * (RFC 5545 3.3.10), while DTSTART is local: a reader that compares the
 * two as they are written (Ruby's icalendar gem, in Rails apps) takes
 * the onset's local time, later than UNTIL east of Greenwich, as past
 * the end and drops that onset, so its events after the last change are
 * an hour off.  Any UNTIL from that onset to the rule's next one (a year
 * on) means the same set, so a day later is read alike by every reader. */
#define UNTIL_SLACK 86400

static void widen_until(icalcomponent *c)
{
	icalproperty *rr = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
	icalproperty *from = icalcomponent_get_first_property(c, ICAL_TZOFFSETFROM_PROPERTY);
	icalproperty *start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
	struct icalrecurrencetype r;
	struct icaltimetype dt;
	struct civil onset;
	int64_t until;

	if (!rr || !from || !start)
		return;
	r = icalproperty_get_rrule(rr);
	if (icaltime_is_null_time(r.until) || r.freq != ICAL_YEARLY_RECURRENCE)
		return;
	/* Only an UNTIL at an onset: its local time is DTSTART's time of day. */
	until = icaltime_as_timet_with_zone(r.until, icaltimezone_get_utc_timezone());
	seconds_to_civil(until + icalproperty_get_tzoffsetfrom(from), &onset);
	dt = icalproperty_get_dtstart(start);
	if (onset.hour != dt.hour || onset.min != dt.minute || onset.sec != dt.second)
		return;
	r.until = ical_utc(until + UNTIL_SLACK);
	icalproperty_set_rrule(rr, r);
}

icalcomponent *tz_vtimezone(struct tz *tz, int64_t from, int64_t to)
{
	icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(tz->zone));
	icalproperty *p;

	/* Outlook-compatible truncation keeps each rule's original DTSTART,
	 * which every client understands; the other form moves it. */
	icaltimezone_truncate_vtimezone(vtz, ical_utc(from), ical_utc(to), 1);
	for (icalcomponent *c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT))
		widen_until(c);
	/* libical 3.0 names its built-in zones "/freeassociation.sourceforge.net/
	 * Europe/Zurich", which Thunderbird reports as unknown (libical #583). */
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p)
		icalproperty_set_tzid(p, tz->name);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz->name));
	return vtz;
}
