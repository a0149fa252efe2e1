#include "config.h"

#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "memory.h"

/* Events read by one epoll_wait. */
#define BATCH 64

struct watch {
	struct watcher *owner;
	int fd;
	watch_fn fn; /* NULL once removed */
	void *ctx;
	struct watch *prev, *next; /* the owner's live list, or its removed list */
};

struct watcher {
	int epfd;
	struct watch *live;
	/* Removed during a dispatch: freed at its end, because the events
	 * of that epoll_wait may still point at them. */
	struct watch *removed;
	int dispatching, stop;
};

int watcher_new(struct watcher **out)
{
	struct watcher *w = xcalloc(1, sizeof(*w));

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

static void free_list(struct watch *h)
{
	while (h) {
		struct watch *next = h->next;

		free(h);
		h = next;
	}
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
	free_list(w->live);
	free_list(w->removed);
	close(w->epfd);
	free(w);
}

struct watch *watch_add(struct watcher *w, int fd, uint32_t events, watch_fn fn, void *ctx)
{
	struct watch *h = xcalloc(1, sizeof(*h));
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(h);
		errno = e;
		return NULL;
	}
	*h = (struct watch){ .owner = w, .fd = fd, .fn = fn, .ctx = ctx, .next = w->live };
	if (w->live)
		w->live->prev = h;
	w->live = h;
	return h;
}

int watch_set_events(struct watch *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(h->owner->epfd, EPOLL_CTL_MOD, h->fd, &ev);
}

void watch_remove(struct watch *h)
{
	struct watcher *w;

	if (!h)
		return;
	w = h->owner;
	/* Fails harmlessly when the descriptor is already closed. */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	if (h->prev)
		h->prev->next = h->next;
	else
		w->live = h->next;
	if (h->next)
		h->next->prev = h->prev;
	if (!w->dispatching) {
		free(h);
		return;
	}
	h->fn = NULL;
	h->prev = NULL;
	h->next = w->removed;
	w->removed = h;
}

void watch_break(struct watcher *w)
{
	w->stop = 1;
}

int watch_dispatch(struct watcher *w, int timeout_ms)
{
	struct epoll_event evs[BATCH];
	int n = epoll_wait(w->epfd, evs, BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	w->dispatching = 1;
	w->stop = 0;
	for (int i = 0; i < n && !w->stop; i++) {
		struct watch *h = evs[i].data.ptr;

		if (h->fn)
			h->fn(h->ctx, h->fd, evs[i].events);
	}
	w->dispatching = 0;
	free_list(w->removed);
	w->removed = NULL;
	return n;
}
