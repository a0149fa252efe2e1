/* Times and durations as programmes and queries give them: civil_parse
 * (tz.c) and duration_parse (lcfg.c), with the round trips that must
 * hold: a parsed duration formats and parses back to itself, a parsed
 * date-time survives seconds and back, and a local time that exists once
 * in the event's zone comes back from UTC unchanged. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "duration.h"
#include "tz.h"

static struct tz *zone(void)
{
	static struct tz *tz;

	if (!tz && tz_open("Europe/Zurich", &tz) != 0)
		fuzz_fail("no Europe/Zurich");
	return tz;
}

static void civil(const char *s)
{
	struct civil c, back;
	int has_offset = 0, offset = 0;
	const char *why = NULL;
	int64_t utc;

	if (civil_parse(s, &c, &has_offset, &offset, &why) != 0) {
		if (!why)
			fuzz_fail("civil_parse refused '%s' without a reason", s);
		return;
	}
	seconds_to_civil(civil_to_seconds(&c), &back);
	if (memcmp(&c, &back, sizeof(c)) != 0)
		fuzz_fail("'%s' does not survive seconds and back", s);
	if (!has_offset && tz_local_to_utc(zone(), &c, &utc) == TZ_OK) {
		tz_utc_to_local(zone(), utc, &back);
		if (memcmp(&c, &back, sizeof(c)) != 0)
			fuzz_fail("'%s' in Europe/Zurich does not come back from UTC", s);
	}
}

static void duration(const char *s)
{
	int64_t seconds, again;
	char text[64];

	if (duration_parse(s, &seconds) != 0)
		return;
	duration_format(seconds, text, sizeof(text));
	if (duration_parse(text, &again) != 0 || again != seconds)
		fuzz_fail("duration '%s' (%lld s) formats as '%s', which does not read back", s,
			  (long long)seconds, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);

	civil(s);
	duration(s);
	free(s);
	return 0;
}
