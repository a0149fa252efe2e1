/* http.c's static helpers, tested directly: the file is included here,
 * as chrony's unit tests include theirs, so nothing is exported for the
 * test's sake.  No server runs: libmicrohttpd's responses are made and
 * destroyed without a daemon, and the programme is the seed in etc/. */
#include "config.h"

#include "../../src/http.c"

#include <arpa/inet.h>

#include "testutil.h"

/* --- the choice of body kind and who holds the bytes ------------------ */

struct counted {
	int refs, released;
};

static void *count_ref(void *obj)
{
	((struct counted *)obj)->refs++;
	return obj;
}

static void count_release(void *obj)
{
	((struct counted *)obj)->released++;
}

static struct cat_body body_of(struct iovec *iov, size_t n)
{
	struct cat_body b = { iov, n, 0 };

	for (size_t i = 0; i < n; i++)
		b.len += iov[i].iov_len;
	return b;
}

/* Many small segments are copied into the response: no reference kept. */
static void test_small_body_is_copied(void **state)
{
	struct iovec iov[3] = { { "BEGIN:", 6 }, { "VCALENDAR", 9 }, { "\r\n", 2 } };
	struct cat_body b = body_of(iov, 3);
	struct counted c = { 0, 0 };
	const struct holder hold = { count_ref, count_release, &c };
	struct MHD_Response *r;

	(void)state;
	r = body_response(&b, &hold);
	assert_non_null(r);
	assert_int_equal(c.refs, 0);
	MHD_destroy_response(r);
	assert_int_equal(c.released, 0);
}

/* Many segments past COPY_MAX are read block by block from where they
 * lie: the holder is referenced until libmicrohttpd lets go. */
static void test_large_body_is_read(void **state)
{
	static char big[COPY_MAX];
	struct iovec iov[2] = { { big, sizeof(big) }, { "x", 1 } };
	struct cat_body b = body_of(iov, 2);
	struct counted c = { 0, 0 };
	const struct holder hold = { count_ref, count_release, &c };
	struct MHD_Response *r;

	(void)state;
	r = body_response(&b, &hold);
	assert_non_null(r);
	assert_int_equal(c.refs, 1);
	assert_int_equal(c.released, 0);
	MHD_destroy_response(r);
	assert_int_equal(c.released, 1);
}

/* One piece is sent from the catalogue itself, under a reference; so is
 * an empty body. */
static void test_one_piece_is_sent_in_place(void **state)
{
	struct iovec iov[1] = { { "END:VCALENDAR\r\n", 15 } };
	struct cat_body one = body_of(iov, 1), none = body_of(NULL, 0);
	struct counted c = { 0, 0 };
	const struct holder hold = { count_ref, count_release, &c };
	struct MHD_Response *r;

	(void)state;
	r = body_response(&one, &hold);
	assert_non_null(r);
	assert_int_equal(c.refs, 1);
	MHD_destroy_response(r);
	assert_int_equal(c.released, 1);
	r = body_response(&none, &hold);
	assert_non_null(r);
	assert_int_equal(c.refs, 2);
	MHD_destroy_response(r);
	assert_int_equal(c.released, 2);
}

/* --- the reader of a body of many segments ---------------------------- */

static void test_reader_in_blocks(void **state)
{
	struct iovec iov[4] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 }, { "ij", 2 } };
	struct cat_body b = body_of(iov, 4);
	const size_t sizes[] = { 1, 2, 3, 4, 7, 10, 64 };

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct body_reader r = { .body = &b };
		char out[64], all[16] = "";
		size_t got = 0;
		ssize_t n;

		while (got < b.len) {
			n = read_body(&r, got, out, sizes[s]);
			assert_true(n > 0);
			assert_true((size_t)n <= sizes[s]);
			memcpy(all + got, out, (size_t)n);
			got += (size_t)n;
		}
		assert_int_equal(got, 10);
		assert_memory_equal(all, "abcdefghij", 10);
		/* Past the end: an error, never a short read that repeats. */
		assert_int_equal(read_body(&r, got, out, sizes[s]),
				 MHD_CONTENT_READER_END_WITH_ERROR);
	}
}

/* A read out of order seeks: from any position the rest follows. */
static void test_reader_seeks(void **state)
{
	struct iovec iov[3] = { { "abc", 3 }, { "defgh", 5 }, { "ij", 2 } };
	struct cat_body b = body_of(iov, 3);
	const char *whole = "abcdefghij";

	(void)state;
	for (uint64_t pos = 0; pos < 10; pos++) {
		struct body_reader r = { .body = &b };
		char out[16];
		ssize_t n = read_body(&r, pos, out, sizeof(out));

		assert_int_equal(n, (ssize_t)(10 - pos));
		assert_memory_equal(out, whole + pos, (size_t)n);
	}
	{
		struct body_reader r = { .body = &b };
		char out[4];

		assert_int_equal(read_body(&r, 10, out, sizeof(out)),
				 MHD_CONTENT_READER_END_WITH_ERROR);
		assert_int_equal(read_body(&r, 1000, out, sizeof(out)),
				 MHD_CONTENT_READER_END_WITH_ERROR);
	}
}

/* --- addresses --------------------------------------------------------- */

static void test_addr_of(void **state)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 }, mapped = { .sin6_family = AF_INET6 };
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };
	struct client_addr a;
	char text[64];

	(void)state;
	inet_pton(AF_INET, "192.0.2.7", &v4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	inet_pton(AF_INET6, "::ffff:198.51.100.9", &mapped.sin6_addr);
	addr_of((struct sockaddr *)&v4, &a);
	assert_int_equal(a.family, AF_INET);
	client_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "192.0.2.7");
	addr_of((struct sockaddr *)&v6, &a);
	assert_int_equal(a.family, AF_INET6);
	client_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
	/* An IPv4 client on a dual-stack socket is the same client as on IPv4. */
	addr_of((struct sockaddr *)&mapped, &a);
	assert_int_equal(a.family, AF_INET);
	client_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "198.51.100.9");
	addr_of(&unix_sa, &a);
	assert_int_equal(a.family, AF_UNSPEC);
	addr_of(NULL, &a);
	assert_int_equal(a.family, AF_UNSPEC);
	client_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "unknown");
}

/* Several X-Forwarded-For fields are one list (RFC 9110 5.3). */
static void test_join_field(void **state)
{
	struct joined j = { .name = "X-Forwarded-For", .len = 0 };
	char *big;

	(void)state;
	assert_int_equal(join_field(&j, MHD_HEADER_KIND, "x-forwarded-for", "192.0.2.1"), MHD_YES);
	assert_int_equal(join_field(&j, MHD_HEADER_KIND, "Host", "example.org"), MHD_YES);
	assert_int_equal(join_field(&j, MHD_HEADER_KIND, "X-Forwarded-For", "10.0.0.1"), MHD_YES);
	assert_string_equal(j.value, "192.0.2.1, 10.0.0.1");
	assert_false(j.overflow);
	/* Longer than the buffer: marked, and not half copied. */
	big = calloc(1, sizeof(j.value));
	assert_non_null(big);
	memset(big, '1', sizeof(j.value) - 1);
	assert_int_equal(join_field(&j, MHD_HEADER_KIND, "X-Forwarded-For", big), MHD_NO);
	assert_true(j.overflow);
	assert_string_equal(j.value, "192.0.2.1, 10.0.0.1");
	free(big);
}

/* --- query arguments and the selection form ---------------------------- */

static void test_collect_arg_bound(void **state)
{
	struct args args = { .n = 0 };

	(void)state;
	for (int i = 0; i < MAX_ARGS; i++)
		assert_int_equal(collect_arg(&args, MHD_GET_ARGUMENT_KIND, "track", "a"), MHD_YES);
	assert_false(args.overflow);
	assert_int_equal(collect_arg(&args, MHD_GET_ARGUMENT_KIND, "track", "a"), MHD_NO);
	assert_true(args.overflow);
	assert_int_equal(args.n, MAX_ARGS);
}

static struct programme *seed(void)
{
	struct tu_diag td;
	struct programme *p;

	tu_diag_init(&td);
	p = prog_load(TESTS_SRCDIR "/../etc/idm-2014-south-south.programme", &td.d);
	if (!p)
		tu_diag_dump(&td, "prog_load failed");
	assert_non_null(p);
	tu_diag_free(&td);
	return p;
}

static struct post *form_of(const char *const *ids, size_t n)
{
	struct post *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->ids = calloc(n + 1, sizeof(char *));
	assert_non_null(p->ids);
	for (size_t i = 0; i < n; i++)
		p->ids[i] = xstrdup(ids[i]);
	p->n = p->cap = n;
	return p;
}

static void test_check_ids(void **state)
{
	struct programme *prog = seed();
	const char *a = prog->sessions[0].id, *b = prog->sessions[1].id;
	const char *dup[] = { a, b, a, a }, *bad[] = { a, "no-such-session" };
	struct post *p;

	(void)state;
	p = form_of(dup, 4);
	assert_int_equal(check_ids(p, prog), 0);
	assert_int_equal(p->n, 2);
	assert_string_equal(p->ids[0], a);
	assert_string_equal(p->ids[1], b);
	post_free(p);
	p = form_of(bad, 2);
	assert_int_equal(check_ids(p, prog), -1);
	assert_string_equal(p->why, "unknown session 'no-such-session'");
	post_free(p);
	prog_free(prog);
}

/* --- listen addresses and paths ----------------------------------------- */

static void test_split_listen(void **state)
{
	char host[64], port[16];

	(void)state;
	assert_int_equal(http_split_listen("127.0.0.1:8080", host, sizeof(host), port, sizeof(port)),
			 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "8080");
	assert_int_equal(http_split_listen("[::1]:80", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "80");
	assert_int_equal(http_split_listen("localhost", host, sizeof(host), port, sizeof(port)),
			 -EINVAL);
	assert_int_equal(http_split_listen(":80", host, sizeof(host), port, sizeof(port)), -EINVAL);
	assert_int_equal(http_split_listen("[::1]80", host, sizeof(host), port, sizeof(port)),
			 -EINVAL);
	assert_int_equal(http_split_listen("[::1]:", host, sizeof(host), port, sizeof(port)),
			 -EINVAL);
	assert_int_equal(http_split_listen("h:123456789012345678", host, sizeof(host), port,
					   sizeof(port)),
			 -EINVAL);
}

/* Paths stay escaped: "%2e%2e" is never "..". */
static void test_paths_stay_escaped(void **state)
{
	char uri[] = "/%2e%2e/etc/passwd%00";

	(void)state;
	assert_int_equal(keep_escaped(NULL, NULL, uri), strlen("/%2e%2e/etc/passwd%00"));
	assert_string_equal(uri, "/%2e%2e/etc/passwd%00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_body_is_copied),
		cmocka_unit_test(test_large_body_is_read),
		cmocka_unit_test(test_one_piece_is_sent_in_place),
		cmocka_unit_test(test_reader_in_blocks),
		cmocka_unit_test(test_reader_seeks),
		cmocka_unit_test(test_addr_of),
		cmocka_unit_test(test_join_field),
		cmocka_unit_test(test_collect_arg_bound),
		cmocka_unit_test(test_check_ids),
		cmocka_unit_test(test_split_listen),
		cmocka_unit_test(test_paths_stay_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
