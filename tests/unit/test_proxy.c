/* Unit tests of proxy.c: trusted ranges, and which client a request
 * names through Forwarded and X-Forwarded-For. */
#include "config.h"

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "proxy.h"

static struct sockaddr_storage peer(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s->sin_addr), 1);
	}
	return ss;
}

/* The client proxy_client finds, as text; *from_header says whether a
 * header named it. */
static const char *client(const struct proxy_list *l, const char *from, const char *fwd,
			  const char *xff, int *from_header)
{
	static char text[64];
	struct sockaddr_storage p = peer(from), out;

	if (fwd && xff)
		fail_msg("one header at a time");
	*from_header = proxy_client(l, (struct sockaddr *)&p,
				    fwd ? PROXY_FORWARDED : PROXY_X_FORWARDED_FOR, fwd ? fwd : xff,
				    &out);
	proxy_format((struct sockaddr *)&out, text, sizeof(text));
	return text;
}

static struct proxy_range ranges[4];
static struct proxy_list list = { ranges, 4 };

static int setup(void **state)
{
	assert_int_equal(proxy_range_parse("127.0.0.1", &ranges[0]), 0);
	assert_int_equal(proxy_range_parse("10.0.0.0/8", &ranges[1]), 0);
	assert_int_equal(proxy_range_parse("::1", &ranges[2]), 0);
	assert_int_equal(proxy_range_parse("fd00::/8", &ranges[3]), 0);
	return 0;
}

static void test_ranges(void **state)
{
	struct proxy_range r;
	struct sockaddr_storage a;

	assert_int_equal(proxy_range_parse("192.0.2.0/24", &r), 0);
	assert_int_equal(r.prefix, 96 + 24);
	assert_int_equal(proxy_range_parse("2001:db8::/32", &r), 0);
	assert_int_equal(r.prefix, 32);
	assert_int_equal(proxy_range_parse("192.0.2.0/33", &r), -1);
	assert_int_equal(proxy_range_parse("2001:db8::/129", &r), -1);
	assert_int_equal(proxy_range_parse("192.0.2.0/", &r), -1);
	assert_int_equal(proxy_range_parse("192.0.2.0/-1", &r), -1);
	assert_int_equal(proxy_range_parse("proxy.example.org", &r), -1);
	assert_int_equal(proxy_range_parse("", &r), -1);

	a = peer("10.200.3.4");
	assert_true(proxy_trusted(&list, (struct sockaddr *)&a));
	a = peer("11.0.0.1");
	assert_false(proxy_trusted(&list, (struct sockaddr *)&a));
	a = peer("fdab::7");
	assert_true(proxy_trusted(&list, (struct sockaddr *)&a));
	a = peer("fe80::1");
	assert_false(proxy_trusted(&list, (struct sockaddr *)&a));
	/* A prefix that is not a whole number of bytes. */
	assert_int_equal(proxy_range_parse("192.0.2.128/25", &r), 0);
	struct proxy_list one = { &r, 1 };
	a = peer("192.0.2.200");
	assert_true(proxy_trusted(&one, (struct sockaddr *)&a));
	a = peer("192.0.2.100");
	assert_false(proxy_trusted(&one, (struct sockaddr *)&a));
	/* Nobody is trusted by an empty list. */
	a = peer("127.0.0.1");
	assert_false(proxy_trusted(NULL, (struct sockaddr *)&a));
}

static void test_untrusted_peer_is_the_client(void **state)
{
	int h;

	assert_string_equal(client(&list, "198.51.100.7", NULL, "203.0.113.9", &h), "198.51.100.7");
	assert_false(h);
	assert_string_equal(client(&list, "198.51.100.7", "for=203.0.113.9", NULL, &h),
			    "198.51.100.7");
	assert_false(h);
	assert_string_equal(client(NULL, "127.0.0.1", NULL, "203.0.113.9", &h), "127.0.0.1");
	assert_false(h);
	/* A trusted peer without a header is its own client. */
	assert_string_equal(client(&list, "127.0.0.1", NULL, NULL, &h), "127.0.0.1");
	assert_false(h);
}

static void test_x_forwarded_for(void **state)
{
	int h;

	assert_string_equal(client(&list, "127.0.0.1", NULL, "203.0.113.9", &h), "203.0.113.9");
	assert_true(h);
	/* The rightmost untrusted hop: what the client wrote itself, to the
	 * left of it, is not believed. */
	assert_string_equal(client(&list, "127.0.0.1", NULL, "1.2.3.4, 203.0.113.9, 10.1.1.1", &h),
			    "203.0.113.9");
	assert_string_equal(client(&list, "::1", NULL, "2001:db8::5", &h), "2001:db8::5");
	assert_string_equal(client(&list, "127.0.0.1", NULL, "[2001:db8::5]:4711", &h),
			    "2001:db8::5");
	assert_string_equal(client(&list, "127.0.0.1", NULL, "203.0.113.9:5555", &h),
			    "203.0.113.9");
	/* Every hop trusted: the leftmost is the client. */
	assert_string_equal(client(&list, "127.0.0.1", NULL, "10.0.0.2,10.0.0.3", &h), "10.0.0.2");
	/* An unreadable hop stops at the last address a proxy gave. */
	assert_string_equal(client(&list, "127.0.0.1", NULL, "203.0.113.9, junk", &h), "127.0.0.1");
	assert_false(h);
	assert_string_equal(client(&list, "127.0.0.1", NULL, "junk, 10.0.0.4", &h), "10.0.0.4");
	assert_true(h);
	assert_string_equal(client(&list, "127.0.0.1", NULL, "", &h), "127.0.0.1");
	assert_false(h);
}

static void test_forwarded(void **state)
{
	int h;

	assert_string_equal(client(&list, "127.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43",
				   NULL, &h), "192.0.2.60");
	assert_true(h);
	assert_string_equal(client(&list, "127.0.0.1",
				   "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\"", NULL, &h),
			    "2001:db8:cafe::17");
	assert_string_equal(client(&list, "127.0.0.1", "For=\"192.0.2.43:80\";proto=https", NULL, &h),
			    "192.0.2.43");
	/* An obfuscated or unknown hop, or an element without for=. */
	assert_string_equal(client(&list, "127.0.0.1", "for=_hidden", NULL, &h), "127.0.0.1");
	assert_false(h);
	assert_string_equal(client(&list, "127.0.0.1", "for=192.0.2.1, proto=https", NULL, &h),
			    "127.0.0.1");
	/* A quoted value with a comma does not split the element. */
	assert_string_equal(client(&list, "127.0.0.1", "for=192.0.2.9;x=\"a,b\"", NULL, &h),
			    "192.0.2.9");
	/* Garbage never reads past its end. */
	assert_string_equal(client(&list, "127.0.0.1", "for=\"unterminated", NULL, &h), "127.0.0.1");
	assert_string_equal(client(&list, "127.0.0.1", ";;,,=;=,for", NULL, &h), "127.0.0.1");
}

static void test_long_chains(void **state)
{
	char xff[PROXY_MAX_HOPS * 16 + 64] = "203.0.113.1";
	int h;

	/* More hops than are looked at: the rightmost decide. */
	for (int i = 0; i < PROXY_MAX_HOPS + 5; i++)
		strcat(xff, ",10.0.0.9");
	assert_string_equal(client(&list, "127.0.0.1", NULL, xff, &h), "10.0.0.9");
	strcat(xff, ",198.51.100.3");
	assert_string_equal(client(&list, "127.0.0.1", NULL, xff, &h), "198.51.100.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_untrusted_peer_is_the_client),
		cmocka_unit_test(test_x_forwarded_for),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_long_chains),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
