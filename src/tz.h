/* Local wall-clock time <-> UTC in the event's IANA time zone, with DST
 * gaps and overlaps made explicit, and the VTIMEZONE that describes it. */
#ifndef AGENDAD_TZ_H
#define AGENDAD_TZ_H

#include <libical/ical.h>
#include <stdint.h>

struct civil {
	int year, month, day, hour, min, sec;
};

/* Seconds since the epoch of c read as if it were UTC (proleptic Gregorian). */
int64_t civil_to_seconds(const struct civil *c);
void seconds_to_civil(int64_t s, struct civil *c);
/* Parses "YYYY-MM-DD HH:MM[:SS]" optionally followed by " +HH:MM",
 * " -HH:MM" or " Z".  Returns 0, or -1 with *why set to a static
 * explanation.  *has_offset tells whether an offset was given. */
int civil_parse(const char *s, struct civil *c, int *has_offset, int *offset, const char **why);
/* c as a libical date-time: in UTC when utc is true, else floating (the
 * caller names its zone, e.g. by a TZID parameter). */
struct icaltimetype civil_to_ical(const struct civil *c, int utc);

struct tz;

enum tz_result {
	TZ_OK,
	TZ_GAP,       /* the local time does not exist (clocks jumped over it) */
	TZ_AMBIGUOUS, /* it exists twice (clocks went back); *utc is the first */
};

/* Returns 0 or -ENOENT for a name the time zone database does not know. */
int tz_open(const char *name, struct tz **out);
void tz_free(struct tz *tz);
const char *tz_name(const struct tz *tz);
icaltimezone *tz_ical(const struct tz *tz);

/* Offset east of UTC, in seconds, in force at the instant utc. */
int tz_offset_at(struct tz *tz, int64_t utc);
enum tz_result tz_local_to_utc(struct tz *tz, const struct civil *local, int64_t *utc);
void tz_utc_to_local(struct tz *tz, int64_t utc, struct civil *local);
/* True when the local time of utc happens once, so that "local time,
 * with TZID" names exactly utc.  RFC 5545 3.3.5 reads a repeated local
 * time as its first pass, but clients disagree (ical.js takes the
 * second), so both passes of a repeated hour count as not named. */
int tz_local_names(struct tz *tz, int64_t utc);

/* A new VTIMEZONE (caller frees) whose TZID is the plain IANA name and
 * which holds only the rules that cover [from, to]. */
icalcomponent *tz_vtimezone(struct tz *tz, int64_t from, int64_t to);

#endif
