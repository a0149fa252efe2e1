/* What agendad reads from a request's headers and form, as pure functions
 * of the strings libmicrohttpd hands over: http.c looks the values up, this
 * decides what they mean; and the HTTP dates it writes.  Kept apart so that the unit tests and the fuzz
 * targets (tests/fuzz) can drive them without a connection. */
#ifndef AGENDAD_HTTP_HEADERS_H
#define AGENDAD_HTTP_HEADERS_H

#include <stddef.h>
#include <stdint.h>

/* The longest session id a selection's form may carry. */
#define FORM_MAX_ID 200

/* The next list member of a header such as Accept-Encoding or
 * If-None-Match from *p, trimmed and cut to size - 1 bytes, with its
 * parameters (";q=0", NULL when none) in *params, which points into out.
 * Advances *p; returns 0 when the list is exhausted. */
int hdr_next_member(const char **p, char *out, size_t size, const char **params);

/* Whether an Accept-Encoding value (NULL: absent) accepts gzip. */
int hdr_wants_gzip(const char *accept_encoding);

/* Writes the HTTP date (IMF-fixdate, RFC 9110 5.6.7) of t, seconds since
 * the epoch, into out (at least 30 bytes): the Last-Modified that
 * hdr_not_modified later compares If-Modified-Since with. */
void http_date(int64_t t, char *out, size_t size);

/* Conditional GET: given the request's If-None-Match and
 * If-Modified-Since values (NULL when absent) and the resource's two
 * ETags and modification time, returns NULL (send the body) or the ETag
 * to answer 304 Not Modified with.  gz: the gzip representation is the
 * one selected. */
const char *hdr_not_modified(const char *if_none_match, const char *if_modified_since,
			     const char *etag, const char *etag_gz, int64_t modified, int gz);

/* One call of libmicrohttpd's post processor for a selection's form:
 * collects the values of "session" fields (each may arrive in pieces, off
 * being the offset of data in the value) into ids[0 .. *n), at most cap
 * of them and each at most FORM_MAX_ID bytes; ids has cap slots and owns
 * what it holds (free each).  Other fields are ignored.  Running out of
 * memory ends the process (memory.h).  Returns 0, or
 * the HTTP status to refuse the form with, with why set. */
unsigned form_session_field(char **ids, size_t *n, size_t cap, const char *key, const char *data,
			    uint64_t off, size_t size, char *why, size_t why_size);

#endif
