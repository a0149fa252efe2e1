/* Unit tests of the reminder scheduler's own logic, on remind.c's static
 * helpers (included here, as chrony's unit tests include the .c): the
 * waiting heap, the offset in a key, the backoff between attempts, which
 * answers are worth another try, tick() sorting what is due on the
 * daemon's (simulated) clock, and on_done() deciding what follows an
 * attempt.  No request is sent: the channels have no room (tick) or the
 * answer is made up (on_done). */
#include "../../src/remind.c"

#include "testutil.h"

#include "catalogue.h"
#include "conf.h"

/* --- fixtures ------------------------------------------------------------ */

static struct job *new_job(const char *key, const char *channel, int64_t due, int64_t deadline,
			   int64_t next, int attempts)
{
	/* job_from_row copies what it keeps */
	struct ledger_row row = {
		.key = (char *)key,
		.session = (char *)"s1",
		.channel = (char *)channel,
		.recipient = (char *)"someone@example.org",
		.kind = LEDGER_REMINDER,
		.due = due,
		.deadline = deadline,
		.next_attempt = next,
		.attempts = attempts,
	};

	return job_from_row(&row);
}

/* A scheduler with one webhook channel, "hook", that has no room for a
 * delivery (max_in_flight 0): what tick() makes ready stays queued. */
struct fixture {
	struct conf_channel chan;
	struct conf conf;
	struct catalogue cat;
	struct remind r;
};

static void fixture_init(struct fixture *f, int64_t catch_up)
{
	memset(f, 0, sizeof(*f));
	f->chan = (struct conf_channel){ .name = "hook",
					 .type = CHANNEL_WEBHOOK,
					 .url = "http://127.0.0.1:9/hook",
					 .max_in_flight = 0 };
	f->conf.channels = &f->chan;
	f->conf.n_channels = 1;
	f->conf.catch_up = catch_up;
	f->cat.conf = &f->conf;
	f->r.cat = &f->cat;
	f->r.dry_run = 1; /* record() then writes no ledger */
	f->r.timerfd = f->r.clockfd = -1;
	f->r.channels = xcalloc(1, sizeof(*f->r.channels));
	f->r.n_channels = 1;
}

static void fixture_free(struct fixture *f)
{
	f->r.cat = NULL; /* not refcounted: on the stack */
	clear_waiting(&f->r);
	free(f->r.heap);
	free_channels(&f->r);
}

static size_t ready_count(const struct remind *r, const char *first_key)
{
	size_t n = 0;

	for (const struct job *j = r->channels[0].ready_head; j; j = j->next_ready, n++)
		if (n == 0 && first_key)
			assert_string_equal(j->key, first_key);
	return n;
}

/* The counter agendad_reminders_total{channel,state} from /metrics. */
static unsigned long long outcome_count(const char *channel, const char *state)
{
	size_t len;
	char *text = metrics_render(&len), *p, needle[128];
	unsigned long long v = 0;

	snprintf(needle, sizeof(needle), "agendad_reminders_total{channel=\"%s\",state=\"%s\"} ",
		 channel, state);
	if ((p = strstr(text, needle)))
		v = strtoull(p + strlen(needle), NULL, 10);
	free(text);
	return v;
}

/* --- the heap ------------------------------------------------------------- */

static void assert_heap_valid(const struct remind *r)
{
	for (size_t i = 0; i < r->n_heap; i++) {
		assert_int_equal(r->heap[i]->heap, i);
		if (i > 0)
			assert_false(earlier(r->heap[i], r->heap[(i - 1) / 2]));
	}
}

/* Many random times with many ties, across several growths of the
 * array: every pop gives the earliest next attempt, and among equal ones
 * the earliest due time. */
static void test_heap_order_random(void **state)
{
	struct remind r = { 0 };
	const size_t n = 5000;

	(void)state;
	srandom(15);
	for (size_t i = 0; i < n; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%zu", i);
		heap_push(&r, new_job(key, "hook", random() % 40, 1000, random() % 50, 0));
		if (i % 997 == 0)
			assert_heap_valid(&r);
	}
	assert_int_equal(r.n_heap, n);
	assert_heap_valid(&r);
	for (struct job *prev = NULL; r.n_heap;) {
		struct job *j = heap_pop(&r);

		assert_int_equal(j->heap, SIZE_MAX);
		if (prev) {
			assert_true(prev->next <= j->next);
			if (prev->next == j->next)
				assert_true(prev->due <= j->due);
			job_free(prev);
		}
		prev = j;
		if (!r.n_heap)
			job_free(prev);
	}
	free(r.heap);
}

/* Pops interleaved with pushes keep the order (the loop pushes retries
 * back while it pops what is due). */
static void test_heap_interleaved(void **state)
{
	struct remind r = { 0 };
	int64_t last = -1;

	(void)state;
	srandom(7);
	for (int i = 0; i < 300; i++)
		heap_push(&r, new_job("k", "hook", 0, 1000, 1000 + random() % 1000, 0));
	for (int i = 0; i < 300; i++) {
		struct job *j = heap_pop(&r);

		assert_true(j->next >= last);
		last = j->next;
		/* a retry always lands later than what was popped */
		j->next += 1 + random() % 500;
		if (i % 2)
			heap_push(&r, j);
		else
			job_free(j);
		assert_heap_valid(&r);
	}
	while (r.n_heap) {
		struct job *j = heap_pop(&r);

		assert_true(j->next >= last);
		last = j->next;
		job_free(j);
	}
	free(r.heap);
}

static void test_heap_ties(void **state)
{
	struct remind r = { 0 };
	struct job *a = new_job("late-due", "hook", 20, 100, 50, 1);
	struct job *b = new_job("early-due", "hook", 10, 100, 50, 1);
	struct job *c = new_job("first", "hook", 30, 100, 40, 0);

	(void)state;
	heap_push(&r, a);
	heap_push(&r, b);
	heap_push(&r, c);
	assert_ptr_equal(heap_pop(&r), c);
	assert_ptr_equal(heap_pop(&r), b);
	assert_ptr_equal(heap_pop(&r), a);
	assert_int_equal(r.n_heap, 0);
	job_free(a);
	job_free(b);
	job_free(c);
	free(r.heap);
}

/* --- keys and times -------------------------------------------------------- */

static void test_key_offset(void **state)
{
	(void)state;
	assert_int_equal(key_offset("s1|2026-07-01T10:00|15m|hook|a@example.org"), 900);
	assert_int_equal(key_offset("s1|2026-07-01T10:00|1h|hook|a@example.org"), 3600);
	assert_int_equal(key_offset("s1|2026-07-01T10:00|2d|hook|x"), 2 * 86400);
	assert_int_equal(key_offset("s1|2026-07-01T10:00|30s|hook|x"), 30);
	/* anything else is no offset, never a crash */
	assert_int_equal(key_offset("s1|2026-07-01T10:00|soon|hook|x"), 0);
	assert_int_equal(key_offset("s1|2026-07-01T10:00|15m"), 0);
	assert_int_equal(key_offset("s1|2026-07-01T10:00"), 0);
	assert_int_equal(key_offset(""), 0);
	assert_int_equal(key_offset("s1|t|123456789012345678901234567890123456m|hook|x"), 0);
}

/* Retries wait 10 s, doubling up to 600 s, each within 50-150 % so that
 * receivers that failed together are not retried together. */
static void test_backoff_growth_and_cap(void **state)
{
	const int64_t base[] = { 0, 10, 20, 40, 80, 160, 320, 600, 600, 600 };

	(void)state;
	srandom(42);
	for (int attempts = 1; attempts < 10; attempts++) {
		int64_t lo = INT64_MAX, hi = 0;

		for (int k = 0; k < 2000; k++) {
			int64_t d = backoff(attempts);

			assert_true(d >= base[attempts] / 2);
			assert_true(d <= base[attempts] + base[attempts] / 2);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* the jitter spreads them: not one value */
		assert_true(hi - lo >= base[attempts] / 2);
	}
	/* attempts 0 (never tried) waits like the first */
	assert_true(backoff(0) >= 5 && backoff(0) <= 15);
	assert_true(backoff(1000) <= 900);
}

/* --- which answers are retried ---------------------------------------------- */

static int retry(CURLcode code, long status, int email)
{
	struct deliver_result res = { .curl = code, .status = status, .retry_after = -1 };

	return retryable(&res, email);
}

static void test_retryable_http(void **state)
{
	(void)state;
	/* a response came: 408, 429 and 5xx are worth another try */
	assert_true(retry(CURLE_OK, 408, 0));
	assert_true(retry(CURLE_OK, 429, 0));
	assert_true(retry(CURLE_OK, 500, 0));
	assert_true(retry(CURLE_OK, 503, 0));
	assert_true(retry(CURLE_OK, 599, 0));
	assert_false(retry(CURLE_OK, 400, 0));
	assert_false(retry(CURLE_OK, 401, 0));
	assert_false(retry(CURLE_OK, 404, 0));
	assert_false(retry(CURLE_OK, 410, 0));
	assert_false(retry(CURLE_OK, 413, 0));
	assert_false(retry(CURLE_OK, 301, 0));
	/* no response: the network's trouble passes */
	assert_true(retry(CURLE_COULDNT_CONNECT, 0, 0));
	assert_true(retry(CURLE_COULDNT_RESOLVE_HOST, 0, 0));
	assert_true(retry(CURLE_OPERATION_TIMEDOUT, 0, 0));
	assert_true(retry(CURLE_RECV_ERROR, 0, 0));
	assert_true(retry(CURLE_GOT_NOTHING, 0, 0));
	/* a transport error with a status code from a webhook is retried */
	assert_true(retry(CURLE_HTTP_RETURNED_ERROR, 500, 0));
	/* what another try cannot fix */
	assert_false(retry(CURLE_URL_MALFORMAT, 0, 0));
	assert_false(retry(CURLE_UNSUPPORTED_PROTOCOL, 0, 0));
	assert_false(retry(CURLE_PEER_FAILED_VERIFICATION, 0, 0));
	assert_false(retry(CURLE_LOGIN_DENIED, 0, 0));
	assert_false(retry(CURLE_USE_SSL_FAILED, 0, 0));
}

static void test_retryable_smtp(void **state)
{
	(void)state;
	/* SMTP refusals come back as curl errors carrying the reply code:
	 * 4xx is "try later", 5xx is final */
	assert_true(retry(CURLE_SEND_ERROR, 421, 1));
	assert_true(retry(CURLE_SEND_ERROR, 451, 1));
	assert_true(retry(CURLE_RECV_ERROR, 452, 1));
	assert_false(retry(CURLE_SEND_ERROR, 550, 1));
	assert_false(retry(CURLE_RECV_ERROR, 554, 1));
	assert_false(retry(CURLE_LOGIN_DENIED, 535, 1));
	assert_false(retry(CURLE_USE_SSL_FAILED, 0, 1));
	assert_true(retry(CURLE_COULDNT_CONNECT, 0, 1));
	assert_true(retry(CURLE_OPERATION_TIMEDOUT, 0, 1));
}

/* --- tick: what is due ------------------------------------------------------- */

/* On a simulated clock: the future waits, the due is queued on its
 * channel in order, the too-late is missed, the started is missed or
 * failed, a vanished channel drops its job. */
static void test_tick(void **state)
{
	struct fixture f;
	const int64_t now = 1800000000; /* 2027-01-15 */
	unsigned long long missed = outcome_count("hook", "missed");
	unsigned long long failed = outcome_count("hook", "failed");
	unsigned long long dropped = outcome_count("gone", "dropped");

	(void)state;
	fixture_init(&f, 3600);
	clock_simulate(now * 1000, 1.0);
	heap_push(&f.r, new_job("future", "hook", now + 600, now + 1500, now + 600, 0));
	heap_push(&f.r, new_job("due-now", "hook", now - 1, now + 900, now - 1, 0));
	heap_push(&f.r, new_job("due-earlier", "hook", now - 60, now + 900, now - 60, 0));
	heap_push(&f.r, new_job("started", "hook", now - 900, now - 10, now - 900, 0));
	heap_push(&f.r, new_job("retry-started", "hook", now - 900, now - 10, now - 5, 2));
	heap_push(&f.r, new_job("too-late", "hook", now - 7200, now + 600, now - 7200, 0));
	/* a retry is not a first attempt: catch_up does not apply */
	heap_push(&f.r, new_job("old-retry", "hook", now - 7200, now + 600, now - 30, 3));
	heap_push(&f.r, new_job("orphan", "gone", now - 5, now + 600, now - 5, 0));

	tick(&f.r);

	assert_int_equal(f.r.n_heap, 1);
	assert_string_equal(f.r.heap[0]->key, "future");
	/* queued by next attempt: old-retry (-30) after due-earlier (-60) */
	assert_int_equal(ready_count(&f.r, "due-earlier"), 3);
	assert_string_equal(f.r.channels[0].ready_head->next_ready->key, "old-retry");
	assert_string_equal(f.r.channels[0].ready_tail->key, "due-now");
	assert_int_equal(outcome_count("hook", "missed") - missed, 2); /* started, too-late */
	assert_int_equal(outcome_count("hook", "failed") - failed, 1); /* retry-started */
	assert_int_equal(outcome_count("gone", "dropped") - dropped, 1);
	assert_int_equal(f.r.n_in_flight, 0); /* no room: nothing started */

	/* the clock moves past the last one's session start */
	clock_simulate((now + 1600) * 1000, 1.0);
	tick(&f.r);
	assert_int_equal(f.r.n_heap, 0);
	assert_int_equal(outcome_count("hook", "missed") - missed, 3);
	fixture_free(&f);
}

/* catch_up 0: anything not tried on time is missed (a daemon that was
 * down does not send a burst of stale reminders). */
static void test_tick_catch_up_zero(void **state)
{
	struct fixture f;
	const int64_t now = 1800000000;

	(void)state;
	fixture_init(&f, 0);
	clock_simulate(now * 1000, 1.0);
	heap_push(&f.r, new_job("stale", "hook", now - 2, now + 900, now - 2, 0));
	tick(&f.r);
	assert_int_equal(f.r.n_heap, 0);
	assert_int_equal(ready_count(&f.r, NULL), 0);
	fixture_free(&f);
}

/* --- on_done: what follows an attempt ------------------------------------------ */

static struct job *attempt(struct fixture *f, const char *key, int64_t now, CURLcode code,
			   long status, long retry_after)
{
	struct deliver_result res = { .curl = code, .status = status, .retry_after = retry_after };
	struct job *j = new_job(key, "hook", now - 10, now + 3600, now - 10, 1);

	j->started_ms = clock_now_ms();
	flying_add(&f->r, j);
	f->r.channels[0].in_flight = 1;
	on_done(&f->r, j, &res);
	assert_int_equal(f->r.n_in_flight, 0);
	assert_int_equal(f->r.channels[0].in_flight, 0);
	return f->r.n_heap ? heap_pop(&f->r) : NULL;
}

static void test_on_done(void **state)
{
	struct fixture f;
	const int64_t now = 1800000000;
	unsigned long long sent = outcome_count("hook", "sent");
	unsigned long long failed = outcome_count("hook", "failed");
	struct job *j;

	(void)state;
	fixture_init(&f, 3600);
	clock_simulate(now * 1000, 1.0);
	assert_null(attempt(&f, "ok", now, CURLE_OK, 204, -1));
	assert_int_equal(outcome_count("hook", "sent") - sent, 1);
	assert_null(attempt(&f, "gone", now, CURLE_OK, 410, -1));
	assert_int_equal(outcome_count("hook", "failed") - failed, 1);

	/* the server's Retry-After is taken as it is */
	j = attempt(&f, "busy", now, CURLE_OK, 503, 120);
	assert_non_null(j);
	assert_true(j->next >= now + 120 && j->next <= now + 121);
	job_free(j);
	/* without it, the backoff of the first attempt: 5-15 s */
	j = attempt(&f, "down", now, CURLE_COULDNT_CONNECT, 0, -1);
	assert_non_null(j);
	assert_true(j->next >= now + 5 && j->next <= now + 16);
	job_free(j);
	/* a retry that would come after the session starts is a failure */
	assert_null(attempt(&f, "too-busy", now, CURLE_OK, 429, 7200));
	assert_int_equal(outcome_count("hook", "failed") - failed, 2);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_order_random),
		cmocka_unit_test(test_heap_interleaved),
		cmocka_unit_test(test_heap_ties),
		cmocka_unit_test(test_key_offset),
		cmocka_unit_test(test_backoff_growth_and_cap),
		cmocka_unit_test(test_retryable_http),
		cmocka_unit_test(test_retryable_smtp),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_tick_catch_up_zero),
		cmocka_unit_test(test_on_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
