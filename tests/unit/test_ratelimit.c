/* Unit tests of ratelimit.c: new selections per address and window, and
 * connections per address, in bounded tables under a random key. */
#include "config.h"

#include "testutil.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "ratelimit.h"

static struct client_addr v4(const char *text)
{
	struct client_addr a = { .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, text, a.b), 1);
	return a;
}

static struct client_addr v6(const char *text)
{
	struct client_addr a = { .family = AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, text, a.b), 1);
	return a;
}

static struct client_addr numbered(unsigned i)
{
	struct client_addr a = { .family = AF_INET };

	a.b[0] = 10;
	a.b[1] = (unsigned char)(i >> 16);
	a.b[2] = (unsigned char)(i >> 8);
	a.b[3] = (unsigned char)i;
	return a;
}

static void test_per_window(void **state)
{
	struct ratelimit *rl = ratelimit_new(3, 3600, 1024);
	struct client_addr a = v4("192.0.2.1");
	int64_t wait = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(rl, &a, 1000 + i, &wait), RL_OK);
	assert_int_equal(ratelimit_take(rl, &a, 1100, &wait), RL_LIMITED);
	assert_int_equal(wait, 1000 + 3600 - 1100);
	assert_int_equal(ratelimit_take(rl, &a, 4599, &wait), RL_LIMITED);
	assert_int_equal(wait, 1);
	/* The window is over: a new one starts with this take. */
	assert_int_equal(ratelimit_take(rl, &a, 4600, &wait), RL_OK);
	ratelimit_free(rl);
}

/* The old table reset a bucket when another address landed in it, so
 * two colliding addresses alternating were never limited. */
static void test_colliding_addresses_alternating(void **state)
{
	struct ratelimit *rl = ratelimit_new(5, 3600, 1024);
	struct client_addr a = numbered(0), b;
	unsigned ok_a = 0, ok_b = 0, i = 1;
	int64_t wait;

	(void)state;
	do {
		b = numbered(i++);
	} while (ratelimit_home(rl, &b) != ratelimit_home(rl, &a));
	for (int round = 0; round < 100; round++) {
		ok_a += ratelimit_take(rl, &a, 1000 + round, &wait) == RL_OK;
		ok_b += ratelimit_take(rl, &b, 1000 + round, &wait) == RL_OK;
	}
	assert_int_equal(ok_a, 5);
	assert_int_equal(ok_b, 5);
	ratelimit_free(rl);
}

/* Full of live entries, the table refuses newcomers (nobody is
 * forgotten to make room) until the oldest window ends. */
static void test_full_table_fails_closed(void **state)
{
	struct ratelimit *rl = ratelimit_new(2, 100, 16);
	struct client_addr newcomer = numbered(1000);
	int64_t wait = 0;

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		struct client_addr a = numbered(i);

		assert_int_equal(ratelimit_take(rl, &a, 10 + i, &wait), RL_OK);
	}
	assert_int_equal(ratelimit_take(rl, &newcomer, 50, &wait), RL_FULL);
	assert_int_equal(wait, 10 + 100 - 50);
	/* Those it holds are still counted, and still limited. */
	for (unsigned i = 0; i < 16; i++) {
		struct client_addr a = numbered(i);

		assert_int_equal(ratelimit_take(rl, &a, 60, &wait), RL_OK);
		assert_int_equal(ratelimit_take(rl, &a, 60, &wait), RL_LIMITED);
	}
	assert_int_equal(ratelimit_take(rl, &newcomer, 109, &wait), RL_FULL);
	assert_int_equal(wait, 1);
	/* numbered(0)'s window ended at 110: its entry makes room. */
	assert_int_equal(ratelimit_take(rl, &newcomer, 110, &wait), RL_OK);
	assert_int_equal(ratelimit_take(rl, &(struct client_addr){ .family = AF_INET6 }, 110, &wait),
			 RL_FULL);
	ratelimit_free(rl);
}

static void test_ipv6_by_64(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 3600, 64);
	struct client_addr a = v6("2001:db8:1:2::1"), same = v6("2001:db8:1:2:ffff::9"),
			   other = v6("2001:db8:1:3::1");
	int64_t wait;
	char text[64];

	(void)state;
	assert_int_equal(ratelimit_take(rl, &a, 0, &wait), RL_OK);
	assert_int_equal(ratelimit_take(rl, &same, 0, &wait), RL_LIMITED);
	assert_int_equal(ratelimit_take(rl, &other, 0, &wait), RL_OK);
	client_addr_format(&same, text, sizeof(text));
	assert_string_equal(text, "2001:db8:1:2:ffff::9");
	client_addr_format(&(struct client_addr){ 0 }, text, sizeof(text));
	assert_string_equal(text, "unknown");
	ratelimit_free(rl);
}

/* Against a plain model: many addresses through a small table, windows
 * ending at random, so that runs form, wrap and are purged. */
static void test_ratelimit_model(void **state)
{
	enum { N = 40 };
	struct ratelimit *rl = ratelimit_new(3, 50, 64);
	int64_t since[N], wait, now = 0;
	unsigned count[N] = { 0 };

	(void)state;
	srand(7);
	for (int i = 0; i < N; i++)
		since[i] = -1000;
	for (int op = 0; op < 20000; op++) {
		int i = rand() % N;
		struct client_addr a = numbered((unsigned)i * 7919);
		enum rl_result want;

		now += rand() % 3;
		if (now >= since[i] + 50) {
			since[i] = now;
			count[i] = 0;
		}
		want = count[i] < 3 ? RL_OK : RL_LIMITED;
		if (want == RL_OK)
			count[i]++;
		assert_int_equal(ratelimit_take(rl, &a, now, &wait), want);
	}
	ratelimit_free(rl);
}

static void test_connlimit(void **state)
{
	struct connlimit *cl = connlimit_new(2, 8);
	struct client_addr a = v4("198.51.100.1"), b = v4("198.51.100.2");

	(void)state;
	assert_true(connlimit_admits(cl, &a));
	assert_int_equal(connlimit_open(cl, &a), 1);
	assert_int_equal(connlimit_open(cl, &a), 2);
	assert_false(connlimit_admits(cl, &a));
	assert_true(connlimit_admits(cl, &b));
	assert_int_equal(connlimit_open(cl, &a), 3); /* over: the caller closes it */
	connlimit_close(cl, &a);
	assert_false(connlimit_admits(cl, &a));
	connlimit_close(cl, &a);
	assert_true(connlimit_admits(cl, &a));
	connlimit_close(cl, &a);
	assert_int_equal(connlimit_open(cl, &a), 1);
	connlimit_free(cl);
}

/* Opens and closes in random order against a model: removal must keep
 * every other address findable (the runs are shifted back). */
static void test_connlimit_model(void **state)
{
	enum { N = 60 };
	struct connlimit *cl = connlimit_new(1000, 64);
	unsigned open[N] = { 0 };

	(void)state;
	srand(11);
	for (int op = 0; op < 50000; op++) {
		int i = rand() % N;
		struct client_addr a = numbered((unsigned)i * 104729);

		if (open[i] && rand() % 2) {
			connlimit_close(cl, &a);
			open[i]--;
		} else {
			assert_int_equal(connlimit_open(cl, &a), ++open[i]);
		}
	}
	connlimit_free(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_window),
		cmocka_unit_test(test_colliding_addresses_alternating),
		cmocka_unit_test(test_full_table_fails_closed),
		cmocka_unit_test(test_ipv6_by_64),
		cmocka_unit_test(test_ratelimit_model),
		cmocka_unit_test(test_connlimit),
		cmocka_unit_test(test_connlimit_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
