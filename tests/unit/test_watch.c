/* Unit tests of watch.c, the loop's registry of descriptors, on real
 * eventfds and a pipe: a ready descriptor runs its function with its
 * context, a registration removed from inside a dispatch gets no event
 * already read for it, watch_break leaves the rest for the next
 * dispatch, and watch_set_events changes what is waited for. */
#include "config.h"

#include "testutil.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "watch.h"

#define N 4

struct seen {
	struct watcher *w;
	int calls[N];
	int fds[N];
	uint32_t events[N];
	struct watch *h[N];
	int remove_others; /* the first callback removes every other one */
	int stop;          /* the first callback ends the dispatch */
};

static int index_of(struct seen *s, int fd)
{
	for (int i = 0; i < N; i++)
		if (s->fds[i] == fd)
			return i;
	fail_msg("unknown descriptor %d", fd);
	return -1;
}

static void on_ready(void *ctx, int fd, uint32_t events)
{
	struct seen *s = ctx;
	int i = index_of(s, fd);
	uint64_t v;

	s->calls[i]++;
	s->events[i] = events;
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	if (s->remove_others) {
		s->remove_others = 0;
		for (int k = 0; k < N; k++)
			if (k != i) {
				watch_remove(s->h[k]);
				s->h[k] = NULL;
			}
	}
	if (s->stop) {
		s->stop = 0;
		watch_break(s->w);
	}
}

static void setup(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(watcher_new(&s->w), 0);
	for (int i = 0; i < N; i++) {
		s->fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(s->fds[i] >= 0);
		s->h[i] = watch_add(s->w, s->fds[i], EPOLLIN, on_ready, s);
		assert_non_null(s->h[i]);
	}
}

static void teardown(struct seen *s)
{
	watcher_free(s->w); /* frees the registrations left */
	for (int i = 0; i < N; i++)
		close(s->fds[i]);
}

static void signal_all(struct seen *s)
{
	uint64_t one = 1;

	for (int i = 0; i < N; i++)
		assert_int_equal(write(s->fds[i], &one, sizeof(one)), sizeof(one));
}

static void test_dispatch(void **state)
{
	struct seen s;
	uint64_t one = 1;

	(void)state;
	setup(&s);
	assert_int_equal(watch_dispatch(s.w, 0), 0); /* nothing ready */
	assert_int_equal(write(s.fds[2], &one, sizeof(one)), sizeof(one));
	assert_int_equal(watch_dispatch(s.w, 1000), 1);
	assert_int_equal(s.calls[2], 1);
	assert_int_equal(s.events[2], EPOLLIN);
	assert_int_equal(s.calls[0] + s.calls[1] + s.calls[3], 0);
	signal_all(&s);
	assert_int_equal(watch_dispatch(s.w, 1000), N);
	for (int i = 0; i < N; i++)
		assert_int_equal(s.calls[i], 1 + (i == 2));
	teardown(&s);
}

/* The first callback removes the others although their events were read
 * by the same epoll_wait: they are not run (they may be freed). */
static void test_remove_inside_dispatch(void **state)
{
	struct seen s;
	int total = 0;

	(void)state;
	setup(&s);
	signal_all(&s);
	s.remove_others = 1;
	assert_int_equal(watch_dispatch(s.w, 1000), N);
	for (int i = 0; i < N; i++)
		total += s.calls[i];
	assert_int_equal(total, 1);
	/* removed ones stay silent, however ready */
	signal_all(&s);
	assert_int_equal(watch_dispatch(s.w, 1000), 1);
	assert_int_equal(s.calls[0] + s.calls[1] + s.calls[2] + s.calls[3], 2);
	teardown(&s);
}

static void test_break(void **state)
{
	struct seen s;

	(void)state;
	setup(&s);
	signal_all(&s);
	s.stop = 1;
	assert_int_equal(watch_dispatch(s.w, 1000), N);
	assert_int_equal(s.calls[0] + s.calls[1] + s.calls[2] + s.calls[3], 1);
	/* the rest is still ready: the next dispatch runs it */
	assert_int_equal(watch_dispatch(s.w, 1000), N - 1);
	for (int i = 0; i < N; i++)
		assert_int_equal(s.calls[i], 1);
	teardown(&s);
}

static int pipe_calls;
static uint32_t pipe_events;

static void on_pipe(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)fd;
	pipe_calls++;
	pipe_events = events;
}

static void test_set_events_and_errors(void **state)
{
	struct watcher *w;
	struct watch *h;
	int p[2];

	(void)state;
	assert_int_equal(watcher_new(&w), 0);
	assert_int_equal(pipe(p), 0);
	/* the write end is writable: nothing until EPOLLOUT is asked for */
	h = watch_add(w, p[1], 0, on_pipe, NULL);
	assert_non_null(h);
	assert_int_equal(watch_dispatch(w, 0), 0);
	assert_int_equal(watch_set_events(h, EPOLLOUT), 0);
	assert_int_equal(watch_dispatch(w, 1000), 1);
	assert_int_equal(pipe_calls, 1);
	assert_int_equal(pipe_events, EPOLLOUT);
	/* the same descriptor twice, or a closed one, is refused */
	assert_null(watch_add(w, p[1], EPOLLIN, on_pipe, NULL));
	assert_int_equal(errno, EEXIST);
	assert_null(watch_add(w, 999, EPOLLIN, on_pipe, NULL));
	assert_int_equal(errno, EBADF);
	watch_remove(h);
	watch_remove(NULL);
	assert_int_equal(watch_dispatch(w, 0), 0);
	close(p[0]);
	close(p[1]);
	watcher_free(w);
	watcher_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_remove_inside_dispatch),
		cmocka_unit_test(test_break),
		cmocka_unit_test(test_set_events_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
