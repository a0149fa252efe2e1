#include "config.h"

#include "deliver.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "curl_util.h"
#include "log.h"
#include "memory.h"

struct transfer {
	struct transfer *prev, *next; /* every running transfer, for shutdown */
	CURL *easy;
	void *job;
	/* a transfer on its own thread (see deliver_start_thread) */
	struct deliver *owner;
	pthread_t thread;
	int threaded;
	struct deliver_result result;
	struct transfer *next_done;
	char head[200]; /* the start of the response body, for the log */
	size_t head_len;
};

struct deliver {
	CURLM *multi;
	struct watcher *watcher;
	int timerfd;
	struct watch *timer_watch, *done_watch;
	deliver_done_fn done;
	deliver_after_fn after;
	void *ctx;
	size_t running;
	struct transfer *transfers;
	int donefd;                /* threads say "done" here */
	pthread_mutex_t done_lock; /* guards done_head */
	struct transfer *done_head;
};

static void unlink_transfer(struct deliver *d, struct transfer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		d->transfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	d->running--;
}

static void drain(struct deliver *d);

static void on_socket_ready(void *ctx, int fd, uint32_t events)
{
	struct deliver *d = ctx;
	int running, mask = (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

	curl_multi_socket_action(d->multi, fd, mask, &running);
	drain(d);
	d->after(d->ctx);
}

/* curl's socket callback: each socket's registration is its socketp. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct deliver *d = userp;
	struct watch *h = socketp;
	uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		watch_remove(h);
		curl_multi_assign(d->multi, fd, NULL);
		return 0;
	}
	if (h) {
		watch_set_events(h, events);
	} else if ((h = watch_add(d->watcher, fd, events, on_socket_ready, d))) {
		curl_multi_assign(d->multi, fd, h);
	} else {
		/* As before the registry: the transfer then runs into its timeout. */
		log_warn("deliver: cannot watch a socket: %s", strerror(errno));
	}
	return 0;
}

static int on_timeout(CURLM *multi, long ms, void *userp)
{
	struct deliver *d = userp;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (ms == 0)
		its.it_value.tv_nsec = 1; /* as soon as possible, from the loop */
	else if (ms > 0) {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(d->timerfd, 0, &its, NULL); /* ms < 0: disarm */
	return 0;
}

static void on_timer(void *ctx, int fd, uint32_t events);
static void on_done(void *ctx, int fd, uint32_t events);

int deliver_new(struct watcher *w, deliver_done_fn done, deliver_after_fn after, void *ctx,
		struct deliver **out)
{
	struct deliver *d = xcalloc(1, sizeof(*d));

	d->watcher = w;
	d->done = done;
	d->after = after;
	d->ctx = ctx;
	d->timerfd = -1;
	d->donefd = -1;
	pthread_mutex_init(&d->done_lock, NULL);
	d->multi = curl_multi_init();
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!d->multi || d->timerfd < 0 || d->donefd < 0 ||
	    !(d->timer_watch = watch_add(w, d->timerfd, EPOLLIN, on_timer, d)) ||
	    !(d->done_watch = watch_add(w, d->donefd, EPOLLIN, on_done, d)) ||
	    curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
	    curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d) != CURLM_OK ||
	    curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timeout) != CURLM_OK ||
	    curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d) != CURLM_OK) {
		deliver_free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

size_t deliver_running(const struct deliver *d)
{
	return d->running;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	struct transfer *t = userp;
	size_t len = size * n, room = sizeof(t->head) - 1 - t->head_len;

	memcpy(t->head + t->head_len, data, len < room ? len : room);
	t->head_len += len < room ? len : room;
	t->head[t->head_len] = '\0';
	return len;
}

/* A transfer for easy, whose body head it collects; NULL when libcurl
 * refuses an option (logged). */
static struct transfer *new_transfer(CURL *easy, void *job)
{
	struct transfer *t = xcalloc(1, sizeof(*t));

	t->job = job;
	t->easy = easy;
	if (easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body) ||
	    easy_setopt(easy, CURLOPT_WRITEDATA, t) || easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) ||
	    easy_setopt(easy, CURLOPT_PRIVATE, t)) {
		free(t);
		return NULL;
	}
	return t;
}

static void link_transfer(struct deliver *d, struct transfer *t)
{
	t->next = d->transfers;
	if (t->next)
		t->next->prev = t;
	d->transfers = t;
	d->running++;
}

int deliver_start(struct deliver *d, CURL *easy, void *job)
{
	struct transfer *t = new_transfer(easy, job);

	if (!t)
		return -EIO;
	if (curl_multi_add_handle(d->multi, easy) != CURLM_OK) {
		free(t);
		return -EIO;
	}
	link_transfer(d, t);
	return 0;
}

/* Retry-After is seconds or an HTTP date (RFC 9110 10.2.3). */
static long retry_after(CURL *easy)
{
	struct curl_header *h;
	char *end;
	long v;

	if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return -1;
	v = strtol(h->value, &end, 10);
	if (end != h->value && *end == '\0' && v >= 0)
		return v;
	v = (long)(curl_getdate(h->value, NULL) - time(NULL));
	return v >= 0 ? v : 0;
}

static void finished(struct deliver *d, CURLMsg *msg)
{
	CURL *easy = msg->easy_handle;
	struct transfer *t = NULL;
	struct deliver_result r = { .curl = msg->data.result, .retry_after = -1 };

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
	if (r.curl == CURLE_OK || r.status) {
		r.retry_after = retry_after(easy);
		snprintf(r.error, sizeof(r.error), "%s", t->head);
	}
	if (r.curl != CURLE_OK)
		snprintf(r.error, sizeof(r.error), "%s", curl_easy_strerror(r.curl));
	curl_multi_remove_handle(d->multi, easy);
	unlink_transfer(d, t);
	d->done(d->ctx, t->job, &r);
	free(t);
}

static void drain(struct deliver *d)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(d->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			finished(d, msg);
}

static void on_timer(void *ctx, int fd, uint32_t events)
{
	struct deliver *d = ctx;
	uint64_t v;
	int running;

	(void)fd;
	(void)events;
	if (read(d->timerfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("deliver: timer: %s", strerror(errno));
	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(d);
	d->after(d->ctx);
}

/* libcurl 7.88 waits for the answer to an SMTP DATA inside its "done"
 * phase with a blocking poll, even in the multi interface (the pingpong
 * protocols' block_statemach): a slow mail server would stall the whole
 * loop.  So e-mail goes out on threads of its own, curl_easy_perform
 * each, bounded by the channel's max_in_flight, and reports back through
 * an eventfd. */
static void *perform(void *arg)
{
	struct transfer *t = arg;
	struct deliver *d = t->owner;
	uint64_t one = 1;

	t->result.retry_after = -1;
	t->result.curl = curl_easy_perform(t->easy);
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->result.status);
	snprintf(t->result.error, sizeof(t->result.error), "%s",
		 t->result.curl == CURLE_OK ? t->head : curl_easy_strerror(t->result.curl));
	pthread_mutex_lock(&d->done_lock);
	t->next_done = d->done_head;
	d->done_head = t;
	pthread_mutex_unlock(&d->done_lock);
	if (write(d->donefd, &one, sizeof(one)) < 0)
		log_err("deliver: cannot wake the loop: %s", strerror(errno));
	return NULL;
}

int deliver_start_thread(struct deliver *d, CURL *easy, void *job)
{
	struct transfer *t = new_transfer(easy, job);

	if (!t)
		return -EIO;
	t->owner = d;
	t->threaded = 1;
	if (pthread_create(&t->thread, NULL, perform, t) != 0) {
		free(t);
		return -EAGAIN;
	}
	link_transfer(d, t); /* the list is the loop's alone: perform() never touches it */
	return 0;
}

static void on_done(void *ctx, int fd, uint32_t events)
{
	struct deliver *d = ctx;
	struct transfer *list;
	uint64_t v;

	(void)fd;
	(void)events;
	if (read(d->donefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("deliver: %s", strerror(errno));
	pthread_mutex_lock(&d->done_lock);
	list = d->done_head;
	d->done_head = NULL;
	pthread_mutex_unlock(&d->done_lock);
	while (list) {
		struct transfer *t = list;

		list = t->next_done;
		pthread_join(t->thread, NULL);
		unlink_transfer(d, t);
		d->done(d->ctx, t->job, &t->result);
		free(t);
	}
	d->after(d->ctx);
}

void deliver_free(struct deliver *d)
{
	if (!d)
		return;
	/* Threads cannot be interrupted: they end within their timeout. */
	for (struct transfer *t = d->transfers; t; t = t->next)
		if (t->threaded)
			pthread_join(t->thread, NULL);
	while (d->transfers) {
		struct transfer *t = d->transfers;

		if (!t->threaded)
			curl_multi_remove_handle(d->multi, t->easy);
		unlink_transfer(d, t);
		free(t);
	}
	/* Before the cleanup, which reports its sockets' removal. */
	watch_remove(d->timer_watch);
	watch_remove(d->done_watch);
	if (d->multi)
		curl_multi_cleanup(d->multi);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->donefd >= 0)
		close(d->donefd);
	pthread_mutex_destroy(&d->done_lock);
	free(d);
}
