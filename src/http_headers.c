#include "config.h"

#include "http_headers.h"

#include <curl/curl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "memory.h"

int hdr_next_member(const char **p, char *out, size_t size, const char **params)
{
	const char *s = *p, *end;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return 0;
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	*p = end;
	n = (size_t)(end - s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	*params = strchr(out, ';');
	if (*params) {
		char *cut = (char *)*params;

		*params = cut + 1;
		*cut = '\0';
		for (; cut > out && (cut[-1] == ' ' || cut[-1] == '\t'); cut--)
			cut[-1] = '\0';
	}
	return 1;
}

/* RFC 9110 12.5.3: gzip is acceptable unless refused with q=0. */
int hdr_wants_gzip(const char *h)
{
	const char *params;
	char member[64];

	while (h && hdr_next_member(&h, member, sizeof(member), &params)) {
		int refused = 0;

		if (params) {
			const char *q = strstr(params, "q=");

			refused = q && strtod(q + 2, NULL) <= 0.0;
		}
		if (strcasecmp(member, "gzip") == 0 || strcasecmp(member, "x-gzip") == 0 ||
		    strcmp(member, "*") == 0)
			return !refused;
	}
	return 0;
}

void http_date(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* RFC 9110 13.1.2 (weak comparison) and 13.1.3: If-None-Match wins over
 * If-Modified-Since, which curl_getdate reads. */
const char *hdr_not_modified(const char *inm, const char *ims, const char *etag,
			     const char *etag_gz, int64_t modified, int gz)
{
	const char *selected = gz ? etag_gz : etag, *params;
	char member[128];

	/* Either representation's tag will do: a client holding the plain
	 * bytes has current content even when it would now accept gzip. */
	if (inm) {
		while (hdr_next_member(&inm, member, sizeof(member), &params)) {
			const char *tag = strncmp(member, "W/", 2) == 0 ? member + 2 : member;

			if (strcmp(tag, "*") == 0)
				return selected;
			if (strcmp(tag, etag) == 0)
				return etag;
			if (strcmp(tag, etag_gz) == 0)
				return etag_gz;
		}
		return NULL;
	}
	if (ims) {
		time_t t = curl_getdate(ims, NULL);

		return t != -1 && modified <= (int64_t)t ? selected : NULL;
	}
	return NULL;
}

unsigned form_session_field(char **ids, size_t *n, size_t cap, const char *key, const char *data,
			    uint64_t off, size_t size, char *why, size_t why_size)
{
	size_t have;

	if (strcmp(key, "session") != 0)
		return 0; /* other fields (a button's name) mean nothing */
	if (off == 0) {
		if (*n == cap) {
			snprintf(why, why_size, "a selection holds at most %zu sessions", cap);
			return MHD_HTTP_CONTENT_TOO_LARGE;
		}
		ids[(*n)++] = xcalloc(1, FORM_MAX_ID + 1);
	} else if (*n == 0) {
		/* A continuation with no start: the post processor never does
		 * this, but nothing here may depend on it. */
		snprintf(why, why_size, "a form field without its start");
		return MHD_HTTP_BAD_REQUEST;
	}
	have = strlen(ids[*n - 1]);
	if (size > FORM_MAX_ID - have) {
		snprintf(why, why_size, "a session id is at most %d characters", FORM_MAX_ID);
		return MHD_HTTP_BAD_REQUEST;
	}
	memcpy(ids[*n - 1] + have, data, size);
	return 0;
}
