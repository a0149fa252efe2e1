/* The request helpers of http_headers.c.  Input lines: Accept-Encoding,
 * If-None-Match, If-Modified-Since (a missing line: no such header), then
 * one form piece a line as libmicrohttpd's post processor hands them to
 * post_field: "key=data" starts a value, "+data" continues the last one
 * (data may hold NUL bytes, which the form can carry as %00). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http_headers.h"

#define CAP 4 /* sessions per form: small, so the cap is reached */

static const char *line(char **s, const char *end)
{
	char *l = *s, *nl;

	if (l >= end)
		return NULL;
	nl = memchr(l, '\n', (size_t)(end - l));
	*s = nl ? nl + 1 : (char *)end;
	if (nl)
		*nl = '\0';
	return l;
}

static void headers(char **s, const char *end)
{
	const char *ae = line(s, end), *inm = line(s, end), *ims = line(s, end), *params, *r;
	const char *etag = "\"0123456789abcdef\"", *etag_gz = "\"0123456789abcdef-gz\"";
	char member[16];

	(void)hdr_wants_gzip(ae);
	for (int gz = 0; gz < 2; gz++) {
		r = hdr_not_modified(inm, ims, etag, etag_gz, 1393632000, gz);
		if (r && r != etag && r != etag_gz)
			fuzz_fail("not_modified answered a tag it was not given");
	}
	for (const char *p = inm; p && hdr_next_member(&p, member, sizeof(member), &params);)
		if (strlen(member) >= sizeof(member) ||
		    (params && (params < member || params > member + sizeof(member))))
			fuzz_fail("next_member wrote past its buffer");
}

static void form(char *s, const char *end)
{
	char *ids[CAP] = { NULL }, why[256];
	size_t n = 0, off = 0;
	unsigned status = 0;

	while (s < end && !status) {
		char *nl = memchr(s, '\n', (size_t)(end - s)), *stop = nl ? nl : (char *)end;
		const char *key = "session", *data = s + 1;

		if (*s != '+') {
			char *eq = memchr(s, '=', (size_t)(stop - s));

			*(eq ? eq : stop) = '\0';
			key = s;
			data = eq ? eq + 1 : stop;
			off = 0;
		}
		status = form_session_field(ids, &n, CAP, key, data, off, (size_t)(stop - data), why,
					    sizeof(why));
		if (strcmp(key, "session") == 0)
			off += (size_t)(stop - data);
		if (n > CAP)
			fuzz_fail("more ids than the form allows");
		s = stop + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strlen(ids[i]) > FORM_MAX_ID)
			fuzz_fail("an id longer than the form allows");
		free(ids[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), *s = text;
	const char *end = text + size;

	headers(&s, end);
	form(s, end);
	free(text);
	return 0;
}
