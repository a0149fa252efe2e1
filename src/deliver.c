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

#include "log.h"

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
	int epfd, timerfd;
	deliver_done_fn done;
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

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct deliver *d = userp;
	struct epoll_event ev = { 0 };

	ev.data.u64 = DELIVER_TAG | (uint64_t)(uint32_t)fd;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
		curl_multi_assign(d->multi, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (socketp) {
		epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev);
	} else {
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
		curl_multi_assign(d->multi, fd, d); /* marks it as registered */
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

int deliver_new(int epfd, deliver_done_fn done, void *ctx, struct deliver **out)
{
	struct deliver *d = calloc(1, sizeof(*d));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!d)
		return -ENOMEM;
	d->epfd = epfd;
	d->done = done;
	d->ctx = ctx;
	d->timerfd = -1;
	d->donefd = -1;
	pthread_mutex_init(&d->done_lock, NULL);
	d->multi = curl_multi_init();
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.fd = d->timerfd;
	if (!d->multi || d->timerfd < 0 || d->donefd < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, d->timerfd, &ev) < 0) {
		deliver_free(d);
		return -EIO;
	}
	ev.data.fd = d->donefd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, d->donefd, &ev) < 0) {
		deliver_free(d);
		return -EIO;
	}
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	*out = d;
	return 0;
}

int deliver_timerfd(const struct deliver *d)
{
	return d->timerfd;
}

int deliver_donefd(const struct deliver *d)
{
	return d->donefd;
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

/* A transfer for easy, whose body head it collects; NULL without memory. */
static struct transfer *new_transfer(CURL *easy, void *job)
{
	struct transfer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->job = job;
	t->easy = easy;
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
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
		return -ENOMEM;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
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

void deliver_on_timer(struct deliver *d)
{
	uint64_t v;
	int running;

	if (read(d->timerfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("deliver: timer: %s", strerror(errno));
	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(d);
}

void deliver_on_socket(struct deliver *d, int fd, uint32_t events)
{
	int running, mask = (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

	curl_multi_socket_action(d->multi, fd, mask, &running);
	drain(d);
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
		return -ENOMEM;
	t->owner = d;
	t->threaded = 1;
	if (pthread_create(&t->thread, NULL, perform, t) != 0) {
		free(t);
		return -EAGAIN;
	}
	link_transfer(d, t); /* the list is the loop's alone: perform() never touches it */
	return 0;
}

void deliver_on_done(struct deliver *d)
{
	struct transfer *list;
	uint64_t v;

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
	if (d->multi)
		curl_multi_cleanup(d->multi);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->donefd >= 0)
		close(d->donefd);
	pthread_mutex_destroy(&d->done_lock);
	free(d);
}
