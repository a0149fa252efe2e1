/* The request header and form helpers (http_headers.c), without a server:
 * list members, Accept-Encoding, conditional GET, and the selection
 * form's session fields as libmicrohttpd's post processor hands them over. */
#include "config.h"

#include "http_headers.h"

#include <microhttpd.h>

#include "testutil.h"

static void test_members(void **state)
{
	const char *h = " gzip;q=0.5 ,,\tbr ; q=1, identity", *params;
	char out[16];

	assert_true(hdr_next_member(&h, out, sizeof(out), &params));
	assert_string_equal(out, "gzip");
	assert_string_equal(params, "q=0.5");
	assert_true(hdr_next_member(&h, out, sizeof(out), &params));
	assert_string_equal(out, "br");
	assert_string_equal(params, " q=1");
	/* Cut to the buffer, never past it. */
	assert_true(hdr_next_member(&h, out, 8, &params));
	assert_string_equal(out, "identit");
	assert_null(params);
	assert_false(hdr_next_member(&h, out, sizeof(out), &params));
	h = " , \t";
	assert_false(hdr_next_member(&h, out, sizeof(out), &params));
}

static void test_gzip(void **state)
{
	assert_false(hdr_wants_gzip(NULL));
	assert_false(hdr_wants_gzip(""));
	assert_false(hdr_wants_gzip("br, deflate"));
	assert_true(hdr_wants_gzip("br, GZIP"));
	assert_true(hdr_wants_gzip("x-gzip"));
	assert_true(hdr_wants_gzip("*"));
	assert_true(hdr_wants_gzip("gzip;q=0.001"));
	assert_false(hdr_wants_gzip("gzip;q=0"));
	assert_false(hdr_wants_gzip("gzip ; q=0.000, *"));
	/* Only the first matching member counts. */
	assert_false(hdr_wants_gzip("*;q=0, gzip"));
	/* A member longer than the buffer is cut, not matched by accident. */
	assert_false(hdr_wants_gzip("gzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzipgzip"));
}

static void test_not_modified(void **state)
{
	const char *e = "\"abc\"", *egz = "\"abc-gz\"";
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const int64_t t = 784111777;

	assert_null(hdr_not_modified(NULL, NULL, e, egz, t, 0));
	assert_ptr_equal(hdr_not_modified("\"x\", \"abc\"", NULL, e, egz, t, 1), e);
	assert_ptr_equal(hdr_not_modified("W/\"abc-gz\"", NULL, e, egz, t, 0), egz);
	assert_ptr_equal(hdr_not_modified("*", NULL, e, egz, t, 1), egz);
	assert_ptr_equal(hdr_not_modified("*", NULL, e, egz, t, 0), e);
	assert_null(hdr_not_modified("\"abcd\"", NULL, e, egz, t, 0));
	/* If-None-Match wins: a matching date does not help a wrong tag. */
	assert_null(hdr_not_modified("\"old\"", "Sun, 06 Nov 1994 08:49:37 GMT", e, egz, t, 0));
	assert_ptr_equal(hdr_not_modified(NULL, "Sun, 06 Nov 1994 08:49:37 GMT", e, egz, t, 0), e);
	assert_ptr_equal(hdr_not_modified(NULL, "Sun, 06 Nov 1994 08:49:38 GMT", e, egz, t, 1), egz);
	assert_null(hdr_not_modified(NULL, "Sun, 06 Nov 1994 08:49:36 GMT", e, egz, t, 0));
	assert_null(hdr_not_modified(NULL, "not a date", e, egz, t, 0));
}

struct form {
	char *ids[3];
	size_t n;
	char why[64];
};

static unsigned field(struct form *f, const char *key, const char *data, uint64_t off)
{
	return form_session_field(f->ids, &f->n, 3, key, data, off, strlen(data), f->why,
				  sizeof(f->why));
}

static void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->ids[i]);
}

static void test_form(void **state)
{
	struct form f = { .n = 0 };
	char long_id[FORM_MAX_ID + 2];

	assert_int_equal(field(&f, "submit", "Subscribe", 0), 0);
	assert_int_equal(field(&f, "session", "open", 0), 0);
	assert_int_equal(field(&f, "session", "ing", 4), 0); /* the rest of the same value */
	assert_int_equal(field(&f, "session", "keynote", 0), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.ids[0], "opening");
	assert_string_equal(f.ids[1], "keynote");
	assert_int_equal(field(&f, "session", "x", 0), 0);
	assert_int_equal(field(&f, "session", "y", 0), MHD_HTTP_CONTENT_TOO_LARGE);
	assert_non_null(strstr(f.why, "at most 3 sessions"));
	form_free(&f);

	/* FORM_MAX_ID bytes fit, in pieces or at once; one more does not. */
	f.n = 0;
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[FORM_MAX_ID] = '\0';
	assert_int_equal(field(&f, "session", long_id, 0), 0);
	assert_int_equal(strlen(f.ids[0]), FORM_MAX_ID);
	assert_int_equal(field(&f, "session", "b", FORM_MAX_ID), MHD_HTTP_BAD_REQUEST);
	long_id[FORM_MAX_ID] = 'a';
	long_id[FORM_MAX_ID + 1] = '\0';
	assert_int_equal(field(&f, "session", long_id, 0), MHD_HTTP_BAD_REQUEST);
	assert_non_null(strstr(f.why, "at most 200 characters"));
	form_free(&f);

	/* A piece that claims to continue a value that never started. */
	f.n = 0;
	assert_int_equal(field(&f, "session", "x", 5), MHD_HTTP_BAD_REQUEST);
	assert_int_equal(f.n, 0);
}

/* More Accept-Encoding lists (RFC 9110 12.5.3): q-values other than 0,
 * parameters other than q, whitespace and empty members. */
static void test_gzip_lists(void **state)
{
	assert_true(hdr_wants_gzip("gzip;q=1.0"));
	assert_true(hdr_wants_gzip("identity, gzip;q=0.2"));
	assert_true(hdr_wants_gzip("deflate;q=0, gzip"));
	assert_true(hdr_wants_gzip("gzip;level=1"));
	assert_true(hdr_wants_gzip(",, \tgzip\t ,"));
	assert_true(hdr_wants_gzip("br;q=1, *;q=0.1"));
	assert_false(hdr_wants_gzip("x-gzip;q=0"));
	assert_false(hdr_wants_gzip("gzip;q=0.0"));
	assert_false(hdr_wants_gzip("gzip;q=-1"));
	assert_false(hdr_wants_gzip("identity"));
	assert_false(hdr_wants_gzip("gzipx, xgzip"));
}

/* If-None-Match lists: weak and strong members, spaces, and tags that
 * only look like ours. */
static void test_if_none_match_lists(void **state)
{
	const char *e = "\"abc\"", *egz = "\"abc-gz\"";
	const int64_t t = 784111777;

	assert_ptr_equal(hdr_not_modified("W/\"x\", W/\"abc\"", NULL, e, egz, t, 1), e);
	assert_ptr_equal(hdr_not_modified(" \"x\" ,\t\"abc-gz\" ", NULL, e, egz, t, 0), egz);
	assert_ptr_equal(hdr_not_modified("\"abc\", \"abc-gz\"", NULL, e, egz, t, 1), e);
	assert_null(hdr_not_modified("abc", NULL, e, egz, t, 0));   /* unquoted */
	assert_null(hdr_not_modified("\"ABC\"", NULL, e, egz, t, 0)); /* case matters */
	assert_null(hdr_not_modified("w/\"abc\"", NULL, e, egz, t, 0)); /* "W/" is upper case */
	assert_null(hdr_not_modified("", NULL, e, egz, t, 0));
	assert_null(hdr_not_modified(" , ", NULL, e, egz, t, 0));
	/* A list that matches nothing is not rescued by a date. */
	assert_null(hdr_not_modified("\"x\", \"y\"", "Sun, 06 Nov 2044 08:49:37 GMT", e, egz, t, 0));
}

/* If-Modified-Since in the three formats RFC 9110 5.6.7 reads. */
static void test_if_modified_since_formats(void **state)
{
	const char *e = "\"abc\"", *egz = "\"abc-gz\"";
	const int64_t t = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

	assert_ptr_equal(hdr_not_modified(NULL, "Sunday, 06-Nov-94 08:49:37 GMT", e, egz, t, 0), e);
	assert_ptr_equal(hdr_not_modified(NULL, "Sun Nov  6 08:49:37 1994", e, egz, t, 1), egz);
	assert_null(hdr_not_modified(NULL, "Sun Nov  6 08:49:36 1994", e, egz, t, 0));
	assert_ptr_equal(hdr_not_modified(NULL, "Sun, 06 Nov 2044 08:49:37 GMT", e, egz, t, 0), e);
	assert_null(hdr_not_modified(NULL, "", e, egz, t, 0));
}

/* Last-Modified as written, and read back by the conditional GET. */
static void test_http_date(void **state)
{
	char d[32];

	http_date(784111777, d, sizeof(d));
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_date(0, d, sizeof(d));
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date(1709251199, d, sizeof(d)); /* a leap day's last second */
	assert_string_equal(d, "Thu, 29 Feb 2024 23:59:59 GMT");
	assert_ptr_equal(hdr_not_modified(NULL, d, "\"a\"", "\"a-gz\"", 1709251199, 0), "\"a\"");
	assert_null(hdr_not_modified(NULL, d, "\"a\"", "\"a-gz\"", 1709251200, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_not_modified),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_gzip_lists),
		cmocka_unit_test(test_if_none_match_lists),
		cmocka_unit_test(test_if_modified_since_formats),
		cmocka_unit_test(test_http_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
