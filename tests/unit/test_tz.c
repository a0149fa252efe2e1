/* tz.c: civil time arithmetic, parsing of programme times, and local
 * time <-> UTC across DST changes in real IANA zones. */
#include "config.h"

#include "testutil.h"

#include <libical/ical.h>

#include "tz.h"

/* UTC seconds of a civil time read as UTC.  civil_to_seconds itself is
 * checked against fixed numbers in test_civil_known_values first. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct civil c = { y, mo, d, h, mi, s };

	return civil_to_seconds(&c);
}

static struct tz *open_zone(const char *name)
{
	struct tz *tz = NULL;

	assert_int_equal(tz_open(name, &tz), 0);
	assert_non_null(tz);
	assert_string_equal(tz_name(tz), name);
	assert_non_null(tz_ical(tz));
	return tz;
}

/* --- civil arithmetic -------------------------------------------------- */

static void test_civil_known_values(void **state)
{
	static const struct {
		struct civil c;
		int64_t s;
	} cases[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 1969, 12, 31, 23, 59, 59 }, -1 },
		{ { 2000, 2, 29, 12, 0, 0 }, 951825600 },
		{ { 2024, 2, 29, 0, 0, 0 }, 1709164800 },
		{ { 1960, 2, 29, 1, 2, 3 }, -310517877 },
		{ { 1900, 2, 28, 23, 59, 59 }, -2203891201 },
		{ { 1900, 3, 1, 0, 0, 0 }, -2203891200 },
		{ { 1600, 2, 29, 6, 30, 15 }, INT64_C(-11670974985) },
		{ { 1, 1, 1, 0, 0, 0 }, INT64_C(-62135596800) },
		{ { 2014, 3, 24, 10, 0, 0 }, 1395655200 },
		{ { 9999, 12, 31, 23, 59, 59 }, INT64_C(253402300799) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct civil back;

		assert_int_equal(civil_to_seconds(&cases[i].c), cases[i].s);
		seconds_to_civil(cases[i].s, &back);
		assert_memory_equal(&back, &cases[i].c, sizeof(back));
	}
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Every day from 1890 to 2110, at a few times of day: seconds -> civil
 * gives a valid date that follows the previous one, and converts back. */
static void test_civil_round_trip(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct civil prev = { 1889, 12, 31, 0, 0, 0 };
	int64_t day0 = utc(1890, 1, 1, 0, 0, 0);
	size_t leap_days = 0;

	(void)state;
	for (int64_t d = 0; d < 80718; d++) {
		int64_t s = day0 + d * 86400;
		struct civil c;

		seconds_to_civil(s, &c);
		/* the next calendar day after prev */
		if (c.day == 1) {
			int last = prev.month == 2 && is_leap(prev.year) ? 29 : mdays[prev.month - 1];

			assert_int_equal(prev.day, last);
			assert_int_equal(c.month, prev.month % 12 + 1);
			assert_int_equal(c.year, prev.year + (prev.month == 12));
		} else {
			assert_int_equal(c.day, prev.day + 1);
			assert_int_equal(c.month, prev.month);
			assert_int_equal(c.year, prev.year);
		}
		if (c.month == 2 && c.day == 29) {
			assert_true(is_leap(c.year));
			leap_days++;
		}
		assert_int_equal(civil_to_seconds(&c), s);
		prev = c;
		for (int64_t t = 1; t < 86400; t += 8191) {
			struct civil ct;

			seconds_to_civil(s + t, &ct);
			assert_int_equal(ct.year, c.year);
			assert_int_equal(ct.month, c.month);
			assert_int_equal(ct.day, c.day);
			assert_int_equal(ct.hour * 3600 + ct.min * 60 + ct.sec, t);
			assert_int_equal(civil_to_seconds(&ct), s + t);
		}
	}
	/* 1890..2110: 1900 and 2100 are not leap years, 2000 is. */
	assert_int_equal(prev.year, 2110);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
	assert_int_equal(leap_days, 53);
}

static void test_civil_negative_seconds(void **state)
{
	struct civil c;

	(void)state;
	seconds_to_civil(-1, &c);
	assert_int_equal(c.year, 1969);
	assert_int_equal(c.month, 12);
	assert_int_equal(c.day, 31);
	assert_int_equal(c.hour, 23);
	assert_int_equal(c.min, 59);
	assert_int_equal(c.sec, 59);
	seconds_to_civil(-86400, &c);
	assert_int_equal(c.day, 31);
	assert_int_equal(c.hour, 0);
	assert_int_equal(c.min, 0);
	assert_int_equal(c.sec, 0);
	seconds_to_civil(-86401, &c);
	assert_int_equal(c.day, 30);
	assert_int_equal(c.hour, 23);
	assert_int_equal(c.sec, 59);
	/* 1960-02-29, a leap day before the epoch */
	seconds_to_civil(-310517877, &c);
	assert_int_equal(c.year, 1960);
	assert_int_equal(c.month, 2);
	assert_int_equal(c.day, 29);
	assert_int_equal(c.hour, 1);
	assert_int_equal(c.min, 2);
	assert_int_equal(c.sec, 3);
}

/* --- civil_parse --------------------------------------------------------- */

static void test_parse_valid(void **state)
{
	struct civil c;
	int has_offset = -1, offset = -1;
	const char *why = NULL;

	(void)state;
	assert_int_equal(civil_parse("2014-03-24 10:00", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(c.year, 2014);
	assert_int_equal(c.month, 3);
	assert_int_equal(c.day, 24);
	assert_int_equal(c.hour, 10);
	assert_int_equal(c.min, 0);
	assert_int_equal(c.sec, 0);
	assert_int_equal(has_offset, 0);
	assert_int_equal(offset, 0);

	assert_int_equal(civil_parse("2014-03-24 09:05:07", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(c.hour, 9);
	assert_int_equal(c.min, 5);
	assert_int_equal(c.sec, 7);
	assert_int_equal(has_offset, 0);

	assert_int_equal(civil_parse("2024-02-29 23:59:59", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(c.month, 2);
	assert_int_equal(c.day, 29);
	assert_int_equal(civil_parse("2000-02-29 00:00", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(civil_parse("2014-12-31 00:00", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(c.month, 12);
	assert_int_equal(c.day, 31);

	assert_int_equal(civil_parse("2014-10-26 02:30 +01:00", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(c.hour, 2);
	assert_int_equal(c.min, 30);
	assert_int_equal(has_offset, 1);
	assert_int_equal(offset, 3600);

	assert_int_equal(civil_parse("2014-10-26 02:30:15 -05:30", &c, &has_offset, &offset, &why),
			 0);
	assert_int_equal(c.sec, 15);
	assert_int_equal(has_offset, 1);
	assert_int_equal(offset, -(5 * 3600 + 30 * 60));

	offset = -1;
	assert_int_equal(civil_parse("2014-10-26 02:30 Z", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(has_offset, 1);
	assert_int_equal(offset, 0);

	assert_int_equal(civil_parse("2014-10-26 02:30 +00:00", &c, &has_offset, &offset, &why), 0);
	assert_int_equal(has_offset, 1);
	assert_int_equal(offset, 0);
}

static void parse_fails(const char *s, const char *why_part)
{
	struct civil c = { 1, 2, 3, 4, 5, 6 };
	int has_offset = 7, offset = 8;
	const char *why = NULL;

	if (civil_parse(s, &c, &has_offset, &offset, &why) != -1) {
		fprintf(stderr, "civil_parse accepted \"%s\"\n", s);
		fail();
	}
	assert_non_null(why);
	if (!strstr(why, why_part)) {
		fprintf(stderr, "civil_parse(\"%s\"): why is \"%s\", expected \"...%s...\"\n", s, why,
			why_part);
		fail();
	}
	/* the output is untouched on failure */
	assert_int_equal(c.year, 1);
	assert_int_equal(c.sec, 6);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad_format[] = {
		"",
		"2014-03-24",
		"2014-03-24 10",
		"2014-03-24 10:0",
		"2014-3-24 10:00",
		"14-03-24 10:00",
		"2014/03/24 10:00",
		"2014-03-24  10:00",
		"24.03.2014 10:00",
		"2014-03-24 10:00:",
		"2014-03-24 10:00:5",
		"2014-03-24 1000",
		"2014-03-24 10h00",
		"2014-03-24 10:00 tomorrow",
		"2014-03-24 10:00 +1:00",
		"2014-03-24 10:00 +0100",
		"2014-03-24 10:00 +01",
		"2014-03-24 10:00 +01:00x",
		"2014-03-24 10:00 01:00",
		"2014-03-24 10:00 +24:00",
		"2014-03-24 10:00 +01:60",
		"2014-03-24 10:00 z",
		"2014-03-24 10:00 +",
		" 2014-03-24 10:00",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_format) / sizeof(bad_format[0]); i++)
		parse_fails(bad_format[i], "YYYY-MM-DD HH:MM");

	parse_fails("2014-02-30 10:00", "no such date");
	parse_fails("2014-02-29 10:00", "no such date");
	parse_fails("1900-02-29 10:00", "no such date");
	parse_fails("2014-04-31 10:00", "no such date");
	parse_fails("2014-13-01 10:00", "no such date");
	parse_fails("2014-00-10 10:00", "no such date");
	parse_fails("2014-03-00 10:00", "no such date");
	parse_fails("2014-03-32 10:00", "no such date");

	parse_fails("2014-03-24 24:00", "no such time of day");
	parse_fails("2014-03-24 23:60", "no such time of day");
	parse_fails("2014-03-24 23:59:60", "no such time of day");
	parse_fails("2014-03-24 99:00", "no such time of day");
}

/* --- zones ----------------------------------------------------------------- */

static void test_open_unknown(void **state)
{
	static const char *const names[] = { "Europe/Atlantis", "Mars/Olympus_Mons", "", "CET/",
					     "europe/zurich_x", "Zurich", "../../etc/passwd" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tz *tz = NULL;

		if (tz_open(names[i], &tz) != -ENOENT) {
			fprintf(stderr, "tz_open(\"%s\") did not answer -ENOENT\n", names[i]);
			fail();
		}
		assert_null(tz);
	}
}

static void test_open_utc(void **state)
{
	struct tz *tz = open_zone("UTC");
	struct civil c = { 2025, 10, 26, 2, 30, 0 };
	int64_t u = 0;

	(void)state;
	assert_int_equal(tz_offset_at(tz, utc(2025, 7, 1, 0, 0, 0)), 0);
	assert_int_equal(tz_local_to_utc(tz, &c, &u), TZ_OK);
	assert_int_equal(u, utc(2025, 10, 26, 2, 30, 0));
	tz_free(tz);
}

/* One case of tz_local_to_utc: local wall-clock time -> result, UTC. */
struct l2u {
	struct civil local;
	enum tz_result result;
	struct civil utc; /* for TZ_OK and TZ_AMBIGUOUS (the first instant) */
};

static void check_l2u(const char *zone, const struct l2u *cases, size_t n)
{
	struct tz *tz = open_zone(zone);

	for (size_t i = 0; i < n; i++) {
		const struct l2u *k = &cases[i];
		int64_t u = INT64_MIN;
		enum tz_result r = tz_local_to_utc(tz, &k->local, &u);

		if (r != k->result) {
			fprintf(stderr, "%s %04d-%02d-%02d %02d:%02d:%02d: result %d, expected %d\n",
				zone, k->local.year, k->local.month, k->local.day, k->local.hour,
				k->local.min, k->local.sec, (int)r, (int)k->result);
			fail();
		}
		if (r != TZ_GAP) {
			struct civil back;

			assert_int_equal(u, civil_to_seconds(&k->utc));
			/* and back: the first (or only) instant shows that local time */
			tz_utc_to_local(tz, u, &back);
			assert_memory_equal(&back, &k->local, sizeof(back));
		}
	}
	tz_free(tz);
}

#define L2U(zone, cases) check_l2u(zone, cases, sizeof(cases) / sizeof(cases[0]))

static void test_zurich(void **state)
{
	static const struct l2u cases[] = {
		/* the seed programme: CET */
		{ { 2014, 3, 24, 10, 0, 0 }, TZ_OK, { 2014, 3, 24, 9, 0, 0 } },
		{ { 2014, 7, 1, 10, 0, 0 }, TZ_OK, { 2014, 7, 1, 8, 0, 0 } },
		/* spring forward 2014-03-30 02:00 -> 03:00 */
		{ { 2014, 3, 30, 1, 59, 59 }, TZ_OK, { 2014, 3, 30, 0, 59, 59 } },
		{ { 2014, 3, 30, 2, 0, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2014, 3, 30, 2, 30, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2014, 3, 30, 2, 59, 59 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2014, 3, 30, 3, 0, 0 }, TZ_OK, { 2014, 3, 30, 1, 0, 0 } },
		/* fall back 2014-10-26 03:00 -> 02:00 */
		{ { 2014, 10, 26, 1, 59, 59 }, TZ_OK, { 2014, 10, 25, 23, 59, 59 } },
		{ { 2014, 10, 26, 2, 0, 0 }, TZ_AMBIGUOUS, { 2014, 10, 26, 0, 0, 0 } },
		{ { 2014, 10, 26, 2, 30, 0 }, TZ_AMBIGUOUS, { 2014, 10, 26, 0, 30, 0 } },
		{ { 2014, 10, 26, 2, 59, 59 }, TZ_AMBIGUOUS, { 2014, 10, 26, 0, 59, 59 } },
		{ { 2014, 10, 26, 3, 0, 0 }, TZ_OK, { 2014, 10, 26, 2, 0, 0 } },
		/* 2025 */
		{ { 2025, 3, 30, 2, 30, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 10, 26, 2, 30, 0 }, TZ_AMBIGUOUS, { 2025, 10, 26, 0, 30, 0 } },
		/* around midnight, across a date line in UTC */
		{ { 2025, 1, 1, 0, 30, 0 }, TZ_OK, { 2024, 12, 31, 23, 30, 0 } },
	};

	(void)state;
	L2U("Europe/Zurich", cases);
}

static void test_berlin(void **state)
{
	static const struct l2u cases[] = {
		{ { 2025, 1, 15, 12, 0, 0 }, TZ_OK, { 2025, 1, 15, 11, 0, 0 } },
		{ { 2025, 7, 15, 12, 0, 0 }, TZ_OK, { 2025, 7, 15, 10, 0, 0 } },
		/* spring forward 2025-03-30 02:00 CET -> 03:00 CEST (01:00 UTC) */
		{ { 2025, 3, 30, 1, 59, 0 }, TZ_OK, { 2025, 3, 30, 0, 59, 0 } },
		{ { 2025, 3, 30, 1, 59, 59 }, TZ_OK, { 2025, 3, 30, 0, 59, 59 } },
		{ { 2025, 3, 30, 2, 0, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 3, 30, 2, 30, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 3, 30, 2, 59, 59 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 3, 30, 3, 0, 0 }, TZ_OK, { 2025, 3, 30, 1, 0, 0 } },
		{ { 2025, 3, 30, 3, 1, 0 }, TZ_OK, { 2025, 3, 30, 1, 1, 0 } },
		/* fall back 2025-10-26 03:00 CEST -> 02:00 CET (01:00 UTC) */
		{ { 2025, 10, 26, 1, 59, 59 }, TZ_OK, { 2025, 10, 25, 23, 59, 59 } },
		{ { 2025, 10, 26, 2, 0, 0 }, TZ_AMBIGUOUS, { 2025, 10, 26, 0, 0, 0 } },
		{ { 2025, 10, 26, 2, 30, 0 }, TZ_AMBIGUOUS, { 2025, 10, 26, 0, 30, 0 } },
		{ { 2025, 10, 26, 2, 59, 59 }, TZ_AMBIGUOUS, { 2025, 10, 26, 0, 59, 59 } },
		{ { 2025, 10, 26, 3, 0, 0 }, TZ_OK, { 2025, 10, 26, 2, 0, 0 } },
		{ { 2025, 10, 26, 12, 0, 0 }, TZ_OK, { 2025, 10, 26, 11, 0, 0 } },
	};

	(void)state;
	L2U("Europe/Berlin", cases);
}

static void test_new_york(void **state)
{
	static const struct l2u cases[] = {
		{ { 2025, 1, 15, 9, 0, 0 }, TZ_OK, { 2025, 1, 15, 14, 0, 0 } },
		{ { 2025, 7, 15, 9, 0, 0 }, TZ_OK, { 2025, 7, 15, 13, 0, 0 } },
		/* spring forward 2025-03-09 02:00 EST -> 03:00 EDT (07:00 UTC) */
		{ { 2025, 3, 9, 1, 59, 59 }, TZ_OK, { 2025, 3, 9, 6, 59, 59 } },
		{ { 2025, 3, 9, 2, 30, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 3, 9, 3, 0, 0 }, TZ_OK, { 2025, 3, 9, 7, 0, 0 } },
		/* fall back 2025-11-02 02:00 EDT -> 01:00 EST (06:00 UTC) */
		{ { 2025, 11, 2, 0, 59, 59 }, TZ_OK, { 2025, 11, 2, 4, 59, 59 } },
		{ { 2025, 11, 2, 1, 0, 0 }, TZ_AMBIGUOUS, { 2025, 11, 2, 5, 0, 0 } },
		{ { 2025, 11, 2, 1, 30, 0 }, TZ_AMBIGUOUS, { 2025, 11, 2, 5, 30, 0 } },
		{ { 2025, 11, 2, 2, 0, 0 }, TZ_OK, { 2025, 11, 2, 7, 0, 0 } },
		/* a local evening that is the next day in UTC */
		{ { 2025, 12, 31, 22, 0, 0 }, TZ_OK, { 2026, 1, 1, 3, 0, 0 } },
	};

	(void)state;
	L2U("America/New_York", cases);
}

static void test_tokyo(void **state)
{
	static const struct l2u cases[] = {
		{ { 2025, 1, 15, 9, 0, 0 }, TZ_OK, { 2025, 1, 15, 0, 0, 0 } },
		{ { 2025, 7, 1, 12, 0, 0 }, TZ_OK, { 2025, 7, 1, 3, 0, 0 } },
		/* the European and American change dates are ordinary here */
		{ { 2025, 3, 30, 2, 30, 0 }, TZ_OK, { 2025, 3, 29, 17, 30, 0 } },
		{ { 2025, 10, 26, 2, 30, 0 }, TZ_OK, { 2025, 10, 25, 17, 30, 0 } },
		{ { 2025, 11, 2, 1, 30, 0 }, TZ_OK, { 2025, 11, 1, 16, 30, 0 } },
	};
	struct tz *tz;

	(void)state;
	L2U("Asia/Tokyo", cases);
	tz = open_zone("Asia/Tokyo");
	for (int m = 1; m <= 12; m++)
		assert_int_equal(tz_offset_at(tz, utc(2025, m, 10, 12, 0, 0)), 9 * 3600);
	tz_free(tz);
}

static void test_sydney(void **state)
{
	static const struct l2u cases[] = {
		/* southern summer: AEDT +11 */
		{ { 2025, 1, 15, 10, 0, 0 }, TZ_OK, { 2025, 1, 14, 23, 0, 0 } },
		/* southern winter: AEST +10 */
		{ { 2025, 7, 15, 10, 0, 0 }, TZ_OK, { 2025, 7, 15, 0, 0, 0 } },
		/* fall back 2025-04-06 03:00 AEDT -> 02:00 AEST (16:00 UTC) */
		{ { 2025, 4, 6, 1, 59, 59 }, TZ_OK, { 2025, 4, 5, 14, 59, 59 } },
		{ { 2025, 4, 6, 2, 30, 0 }, TZ_AMBIGUOUS, { 2025, 4, 5, 15, 30, 0 } },
		{ { 2025, 4, 6, 3, 0, 0 }, TZ_OK, { 2025, 4, 5, 17, 0, 0 } },
		/* spring forward 2025-10-05 02:00 AEST -> 03:00 AEDT (16:00 UTC) */
		{ { 2025, 10, 5, 1, 59, 59 }, TZ_OK, { 2025, 10, 4, 15, 59, 59 } },
		{ { 2025, 10, 5, 2, 30, 0 }, TZ_GAP, { 0, 0, 0, 0, 0, 0 } },
		{ { 2025, 10, 5, 3, 0, 0 }, TZ_OK, { 2025, 10, 4, 16, 0, 0 } },
		/* the northern change dates are ordinary */
		{ { 2025, 3, 30, 2, 30, 0 }, TZ_OK, { 2025, 3, 29, 15, 30, 0 } },
		{ { 2025, 10, 26, 2, 30, 0 }, TZ_OK, { 2025, 10, 25, 15, 30, 0 } },
	};

	(void)state;
	L2U("Australia/Sydney", cases);
}

static void test_offset_at(void **state)
{
	struct tz *berlin = open_zone("Europe/Berlin");
	struct tz *ny = open_zone("America/New_York");
	struct tz *syd = open_zone("Australia/Sydney");
	int64_t spring = utc(2025, 3, 30, 1, 0, 0), fall = utc(2025, 10, 26, 1, 0, 0);

	(void)state;
	assert_int_equal(tz_offset_at(berlin, utc(2025, 1, 1, 12, 0, 0)), 3600);
	assert_int_equal(tz_offset_at(berlin, utc(2025, 7, 1, 12, 0, 0)), 7200);
	assert_int_equal(tz_offset_at(berlin, spring - 1), 3600);
	assert_int_equal(tz_offset_at(berlin, spring), 7200);
	assert_int_equal(tz_offset_at(berlin, spring + 1), 7200);
	assert_int_equal(tz_offset_at(berlin, fall - 1), 7200);
	assert_int_equal(tz_offset_at(berlin, fall), 3600);
	assert_int_equal(tz_offset_at(berlin, fall + 1), 3600);
	/* the same instants again, from the cache, in another order */
	assert_int_equal(tz_offset_at(berlin, fall + 1), 3600);
	assert_int_equal(tz_offset_at(berlin, spring - 1), 3600);
	assert_int_equal(tz_offset_at(berlin, fall - 1), 7200);
	assert_int_equal(tz_offset_at(berlin, spring), 7200);
	/* the seed's dates */
	assert_int_equal(tz_offset_at(berlin, utc(2014, 3, 24, 9, 0, 0)), 3600);

	assert_int_equal(tz_offset_at(ny, utc(2025, 1, 15, 12, 0, 0)), -5 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2025, 7, 15, 12, 0, 0)), -4 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2025, 3, 9, 6, 59, 59)), -5 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2025, 3, 9, 7, 0, 0)), -4 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2025, 11, 2, 5, 59, 59)), -4 * 3600);
	assert_int_equal(tz_offset_at(ny, utc(2025, 11, 2, 6, 0, 0)), -5 * 3600);

	assert_int_equal(tz_offset_at(syd, utc(2025, 1, 15, 0, 0, 0)), 11 * 3600);
	assert_int_equal(tz_offset_at(syd, utc(2025, 7, 15, 0, 0, 0)), 10 * 3600);
	assert_int_equal(tz_offset_at(syd, utc(2025, 4, 5, 15, 59, 59)), 11 * 3600);
	assert_int_equal(tz_offset_at(syd, utc(2025, 4, 5, 16, 0, 0)), 10 * 3600);
	assert_int_equal(tz_offset_at(syd, utc(2025, 10, 4, 15, 59, 59)), 10 * 3600);
	assert_int_equal(tz_offset_at(syd, utc(2025, 10, 4, 16, 0, 0)), 11 * 3600);
	tz_free(berlin);
	tz_free(ny);
	tz_free(syd);
}

static void test_utc_to_local(void **state)
{
	struct tz *tz = open_zone("Europe/Berlin");
	struct civil c;

	(void)state;
	/* both passes of 02:30 on 2025-10-26 show as 02:30 */
	tz_utc_to_local(tz, utc(2025, 10, 26, 0, 30, 0), &c);
	assert_int_equal(c.day, 26);
	assert_int_equal(c.hour, 2);
	assert_int_equal(c.min, 30);
	tz_utc_to_local(tz, utc(2025, 10, 26, 1, 30, 0), &c);
	assert_int_equal(c.day, 26);
	assert_int_equal(c.hour, 2);
	assert_int_equal(c.min, 30);
	/* late evening UTC is the next day in Berlin */
	tz_utc_to_local(tz, utc(2025, 12, 31, 23, 30, 0), &c);
	assert_int_equal(c.year, 2026);
	assert_int_equal(c.month, 1);
	assert_int_equal(c.day, 1);
	assert_int_equal(c.hour, 0);
	assert_int_equal(c.min, 30);
	tz_free(tz);
}

static void test_local_names(void **state)
{
	struct tz *tz = open_zone("Europe/Berlin");
	struct tz *ny = open_zone("America/New_York");
	struct tz *tokyo = open_zone("Asia/Tokyo");

	(void)state;
	assert_true(tz_local_names(tz, utc(2025, 1, 15, 11, 0, 0)));
	assert_true(tz_local_names(tz, utc(2025, 7, 15, 10, 0, 0)));
	/* around the gap: every instant has a local time of its own */
	assert_true(tz_local_names(tz, utc(2025, 3, 30, 0, 59, 59)));
	assert_true(tz_local_names(tz, utc(2025, 3, 30, 1, 0, 0)));
	/* around the repeated hour 02:00-03:00 on 2025-10-26 */
	assert_true(tz_local_names(tz, utc(2025, 10, 25, 23, 59, 59))); /* 01:59:59 */
	/* the second 02:30 (01:30 UTC) is not what "02:30 Berlin" names */
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 1, 30, 0)));
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 1, 0, 0)));
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 1, 59, 59)));
	/* nor, as clients disagree about it, the first (tz.h) */
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 0, 0, 0)));
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 0, 30, 0)));
	assert_false(tz_local_names(tz, utc(2025, 10, 26, 0, 59, 59)));
	assert_true(tz_local_names(tz, utc(2025, 10, 26, 2, 0, 0))); /* 03:00 */
	assert_false(tz_local_names(ny, utc(2025, 11, 2, 6, 30, 0)));
	assert_false(tz_local_names(ny, utc(2025, 11, 2, 5, 30, 0)));
	assert_true(tz_local_names(ny, utc(2025, 11, 2, 7, 0, 0)));
	assert_true(tz_local_names(tokyo, utc(2025, 10, 26, 1, 30, 0)));
	tz_free(tz);
	tz_free(ny);
	tz_free(tokyo);
}

/* --- VTIMEZONE ------------------------------------------------------------ */

static icaltimetype ical_at(int64_t s)
{
	return icaltime_from_timet_with_zone((time_t)s, 0, icaltimezone_get_utc_timezone());
}

/* The offset that a VTIMEZONE (as a client reads it) gives at s. */
static int vtz_offset(icaltimezone *zone, int64_t s)
{
	icaltimetype tt = ical_at(s);
	int dst = 0;

	return icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &dst);
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void check_vtimezone(const char *name, int64_t from, int64_t to, const int64_t *probes,
			    size_t n_probes)
{
	struct tz *tz = open_zone(name);
	icalcomponent *vtz = tz_vtimezone(tz, from, to);
	char *text, *tzid_line;
	icalproperty *prop;
	icaltimezone *zone;

	assert_non_null(vtz);
	assert_int_equal(icalcomponent_isa(vtz), ICAL_VTIMEZONE_COMPONENT);
	prop = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	assert_non_null(prop);
	assert_string_equal(icalproperty_get_tzid(prop), name);
	assert_null(icalcomponent_get_next_property(vtz, ICAL_TZID_PROPERTY));
	text = icalcomponent_as_ical_string_r(vtz);
	assert_non_null(text);
	assert_null(strstr(text, "freeassociation.sourceforge.net"));
	assert_null(strstr(text, "/freeassociation"));
	tzid_line = xasprintf("\r\nTZID:%s\r\n", name);
	assert_non_null(strstr(text, tzid_line));
	assert_int_equal(count_str(text, "TZID"), 1);
	assert_int_equal(strncmp(text, "BEGIN:VTIMEZONE\r\n", 17), 0);
	/* a rule at least */
	assert_true(count_str(text, "BEGIN:STANDARD") + count_str(text, "BEGIN:DAYLIGHT") >= 1);
	free(tzid_line);
	icalmemory_free_buffer(text);

	/* A client using this VTIMEZONE gets the offsets of the real zone
	 * everywhere in the range. */
	zone = icaltimezone_new();
	assert_non_null(zone);
	assert_int_equal(icaltimezone_set_component(zone, vtz), 1);
	for (size_t i = 0; i < n_probes; i++) {
		int want = tz_offset_at(tz, probes[i]), got = vtz_offset(zone, probes[i]);

		if (want != got) {
			fprintf(stderr, "%s VTIMEZONE at %lld: offset %d, expected %d\n", name,
				(long long)probes[i], got, want);
			fail();
		}
	}
	icaltimezone_free(zone, 1); /* frees vtz too */
	tz_free(tz);
}

static void test_vtimezone(void **state)
{
	int64_t seed[] = { utc(2014, 3, 24, 8, 0, 0), utc(2014, 3, 24, 9, 0, 0),
			   utc(2014, 3, 25, 17, 0, 0) };
	/* a range that spans both 2025 changes in Berlin */
	int64_t spring = utc(2025, 3, 30, 1, 0, 0), fall = utc(2025, 10, 26, 1, 0, 0);
	int64_t y2025[] = { utc(2025, 3, 1, 12, 0, 0), spring - 1, spring, spring + 3600,
			    utc(2025, 7, 1, 12, 0, 0), fall - 1, fall, fall + 3600,
			    utc(2025, 11, 30, 12, 0, 0) };
	int64_t syd[] = { utc(2025, 1, 15, 0, 0, 0), utc(2025, 4, 5, 15, 59, 59),
			  utc(2025, 4, 5, 16, 0, 0), utc(2025, 7, 15, 0, 0, 0),
			  utc(2025, 10, 4, 16, 0, 0), utc(2025, 12, 1, 0, 0, 0) };
	int64_t tokyo[] = { utc(2025, 5, 1, 0, 0, 0), utc(2025, 5, 2, 0, 0, 0) };
	/* narrow ranges: across one change, and just after one */
	int64_t across[] = { utc(2025, 3, 29, 8, 0, 0), spring - 1, spring, spring + 1,
			     utc(2025, 3, 31, 18, 0, 0) };
	int64_t summer[] = { utc(2025, 7, 1, 8, 0, 0), utc(2025, 7, 2, 18, 0, 0) };
	int64_t autumn[] = { utc(2025, 10, 25, 8, 0, 0), fall - 1, fall, fall + 1,
			     utc(2025, 10, 27, 18, 0, 0) };

	(void)state;
	check_vtimezone("Europe/Zurich", seed[0], seed[2], seed, 3);
	check_vtimezone("Europe/Berlin", y2025[0], y2025[8], y2025, 9);
	check_vtimezone("America/New_York", utc(2025, 1, 1, 0, 0, 0), utc(2025, 12, 31, 0, 0, 0),
			y2025, 9);
	check_vtimezone("Australia/Sydney", syd[0], syd[5], syd, 6);
	check_vtimezone("Asia/Tokyo", tokyo[0], tokyo[1], tokyo, 2);
	check_vtimezone("Europe/Berlin", across[0], across[4], across, 5);
	check_vtimezone("Europe/Berlin", summer[0], summer[1], summer, 2);
	check_vtimezone("Europe/Berlin", autumn[0], autumn[4], autumn, 5);
}

/* Both kinds of rule are present when the range covers both seasons. */
static void test_vtimezone_rules(void **state)
{
	struct tz *tz = open_zone("Europe/Berlin");
	icalcomponent *vtz = tz_vtimezone(tz, utc(2025, 1, 1, 0, 0, 0), utc(2025, 12, 31, 0, 0, 0));
	icalcomponent *sub;
	int standard = 0, daylight = 0;

	(void)state;
	for (sub = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); sub;
	     sub = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalproperty *from = icalcomponent_get_first_property(sub, ICAL_TZOFFSETFROM_PROPERTY);
		icalproperty *to = icalcomponent_get_first_property(sub, ICAL_TZOFFSETTO_PROPERTY);

		assert_non_null(from);
		assert_non_null(to);
		if (icalcomponent_isa(sub) == ICAL_XSTANDARD_COMPONENT &&
		    icalproperty_get_tzoffsetto(to) == 3600)
			standard++;
		if (icalcomponent_isa(sub) == ICAL_XDAYLIGHT_COMPONENT &&
		    icalproperty_get_tzoffsetto(to) == 7200)
			daylight++;
	}
	assert_true(standard >= 1);
	assert_true(daylight >= 1);
	icalcomponent_free(vtz);
	tz_free(tz);
}

/* Each truncated rule's UNTIL is on or after its last onset however it
 * is read: as the UTC instant it is (RFC 5545), or compared with the
 * onset's local wall time as written (Ruby's icalendar gem), which put
 * the events after a DST change an hour off; and it stays before the
 * rule's next onset, so the set of onsets is the same for every reader. */
static void test_vtimezone_until_read_alike(void **state)
{
	struct tz *tz = open_zone("Europe/Berlin");
	/* 2025: spring 03-30 02:00 CET (01:00Z), autumn 10-26 03:00 CEST (01:00Z) */
	icalcomponent *vtz = tz_vtimezone(tz, utc(2025, 10, 20, 0, 0, 0), utc(2025, 10, 30, 0, 0, 0));
	int64_t wall[] = { utc(2025, 3, 30, 2, 0, 0), utc(2025, 10, 26, 3, 0, 0) };
	int64_t next[] = { utc(2026, 3, 29, 1, 0, 0), utc(2026, 10, 25, 1, 0, 0) };
	int rules = 0;

	(void)state;
	for (icalcomponent *sub = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); sub;
	     sub = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalproperty *rr = icalcomponent_get_first_property(sub, ICAL_RRULE_PROPERTY);
		struct icalrecurrencetype r;
		int i = icalcomponent_isa(sub) == ICAL_XSTANDARD_COMPONENT;
		int64_t until;

		if (!rr)
			continue;
		r = icalproperty_get_rrule(rr);
		assert_false(icaltime_is_null_time(r.until));
		assert_true(icaltime_is_utc(r.until));
		until = icaltime_as_timet_with_zone(r.until, icaltimezone_get_utc_timezone());
		if (until < wall[i] || until >= next[i]) {
			fprintf(stderr, "%s UNTIL %lld: want [%lld, %lld)\n", i ? "STANDARD" : "DAYLIGHT",
				(long long)until, (long long)wall[i], (long long)next[i]);
			fail();
		}
		rules++;
	}
	assert_int_equal(rules, 2);
	icalcomponent_free(vtz);
	tz_free(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtimezone_until_read_alike),
		cmocka_unit_test(test_civil_known_values),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_civil_negative_seconds),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_open_unknown),
		cmocka_unit_test(test_open_utc),
		cmocka_unit_test(test_zurich),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_tokyo),
		cmocka_unit_test(test_sydney),
		cmocka_unit_test(test_offset_at),
		cmocka_unit_test(test_utc_to_local),
		cmocka_unit_test(test_local_names),
		cmocka_unit_test(test_vtimezone),
		cmocka_unit_test(test_vtimezone_rules),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
