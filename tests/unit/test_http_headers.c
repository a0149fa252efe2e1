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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_not_modified),
		cmocka_unit_test(test_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
