#include "config.h"

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "catalogue.h"
#include "deliver.h"
#include "clock.h"
#include "export.h"
#include "feeds.h"
#include "http.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "notify.h"
#include "remind.h"
#include "selections.h"
#include "snapshot.h"
#include "state.h"
#include "watch.h"

/* Editors save in several steps (write, rename, chmod): wait this long
 * after the last change before reloading. */
#define SETTLE_MS 200
/* How long SIGTERM waits for deliveries in flight (systemd's
 * TimeoutStopSec is 30 s). */
#define DRAIN_MS 10000
/* After a write failure (a full disk), the load is tried again after
 * RETRY_FIRST seconds, twice as long each time, RETRY_MAX at most. */
#define RETRY_FIRST 5
#define RETRY_MAX 300
/* Unused personal selections are removed every EXPIRE_EVERY seconds (the
 * first time 10 s after start) on a thread of their own, so that a
 * commit's fsync never delays a reminder: EXPIRE_BATCH rows a
 * transaction, EXPIRE_BATCHES transactions a run at most. */
#define EXPIRE_EVERY 3600
#define EXPIRE_FIRST 10
#define EXPIRE_BATCH 10000
#define EXPIRE_BATCHES 100

enum { EXIT_INVALID = 1, EXIT_RUNTIME = 3 };

/* The loop's own descriptors: signals, file changes, its timers, the
 * loader's eventfd. */
#define MAX_OWN 8

struct loop {
	const struct loop_options *o;
	struct overrides ov;
	struct state *state;
	struct http *http;
	struct remind *remind;
	struct watcher *watcher; /* every descriptor the loop waits on */
	struct watch *own[MAX_OWN]; /* the registrations of the ones below */
	size_t n_own;
	int stopping; /* SIGTERM or SIGINT came */
	int sigfd, inofd, settlefd, watchdogfd, donefd, pollfd, retryfd, expirefd;
	struct selections *selections; /* the expiry's own connection */
	int64_t selections_expire;     /* of the published configuration */
	pthread_t expirer;
	int expiring;     /* expirer was started and not joined yet */
	int expire_done;  /* set by expirer when it ends (atomic) */
	int64_t expire_before, expire_days; /* of the run going on */
	char *state_dir; /* where selections.sqlite is, opened by the first run */
	/* the watched folders and the names in them that matter */
	char *watch_conf_dir, *watch_conf_name, *watch_prog_dir, *watch_prog_name;
	int wd_conf, wd_prog;
	/* the background load: one at a time, another queued at most */
	pthread_t loader;
	int loading, queued;
	/* What the next load does: read the files, fetch programme_url, or both. */
	int want_reload, want_fetch, next_reload, next_fetch;
	struct catalogue *result; /* set by the loader, taken by the loop */
	int result_ok, result_same;
	/* Set by the loader when the state or the export could not be
	 * written: the load is then tried again, every retry_delay seconds. */
	int write_failed;
	unsigned retry_delay;
	int64_t poll_every; /* programme_poll of the published snapshot, 0 without a URL */
	double started;
	char *programme_path; /* of the published snapshot */
	/* For systemd's status line: the first error of the last load when
	 * it was rejected ("" when it was not), when the served programme
	 * loaded, and what it serves. */
	char rejected[256];
	char load_error[256]; /* the loader's, taken into rejected by the loop */
	time_t good_at;
	size_t n_sessions, n_feeds, n_pending;
};

/* Sends STATUS= with what is served and, after a rejected load, why the
 * one served is not the newest.  Shown by "systemctl status". */
static void notify_status(struct loop *l)
{
	char msg[512], when[32];
	struct tm tm;

	l->n_pending = remind_pending(l->remind);
	if (!l->rejected[0]) {
		snprintf(msg, sizeof(msg), "STATUS=serving %zu sessions in %zu feeds; %zu reminders pending",
			 l->n_sessions, l->n_feeds, l->n_pending);
	} else {
		gmtime_r(&l->good_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		snprintf(msg, sizeof(msg),
			 "STATUS=programme rejected (%s); serving the one loaded at %s: "
			 "%zu sessions in %zu feeds; %zu reminders pending",
			 l->rejected, when, l->n_sessions, l->n_feeds, l->n_pending);
	}
	notify_send(msg);
}

/* What a new snapshot serves (after a rejection: still the reason). */
static void set_served(struct loop *l, const struct catalogue *cat, time_t loaded_at)
{
	l->n_sessions = cat->prog->n_sessions;
	l->n_feeds = cat->fs->n_feeds;
	l->good_at = loaded_at;
	notify_status(l);
}

/* Keeps the first error of a load for the status line. */
static void remember_error(struct loop *l, const char *msg)
{
	size_t n = strlen(msg), max = sizeof(l->load_error) - 1;

	if (l->load_error[0])
		return;
	if (n > max) {
		memcpy(l->load_error, msg, max - 3);
		strcpy(l->load_error + max - 3, "...");
	} else {
		memcpy(l->load_error, msg, n + 1);
	}
}

static void log_diag(void *ctx, int is_error, const char *msg)
{
	if (is_error) {
		log_err("%s", msg);
		remember_error(ctx, msg);
	} else {
		log_warn("%s", msg);
	}
}

/* At start, as -t prints them (to the terminal, or the journal). */
static void print_diag(void *ctx, int is_error, const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	if (is_error)
		remember_error(ctx, msg);
}

/* Renders and prepares a loaded snapshot (taking c and p); NULL when
 * anything failed (everything is logged).  Runs in the loader thread, or
 * before the loop. */
static struct catalogue *prepare(struct loop *l, struct conf *c, struct programme *p)
{
	struct feedset *fs;
	struct catalogue *cat;
	int64_t now = clock_real();
	double t0 = clock_elapsed();

	if (feedset_build(p, c, l->state, now, &fs) < 0) {
		log_err("the programme could not be recorded in the state in %s", c->state_dir);
		l->write_failed = 1;
		prog_free(p);
		conf_free(c);
		return NULL;
	}
	cat = catalogue_new(c, p, fs, now);
	/* The mirror writes the pages the catalogue has just built. */
	if (c->export_dir && export_feeds(fs, c, c->export_dir, &cat->pages) < 0) {
		log_warn("the mirror in %s still shows the last programme it could write, whole",
			 c->export_dir);
		l->write_failed = 1;
	}
	if (catalogue_stamp(cat, l->state, now) < 0) {
		log_warn("Last-Modified dates are those of the sessions only");
		l->write_failed = 1;
	}
	log_debug("prepared %zu feeds (%zu bytes, %zu gzip) in %.3f s", cat->n_entries,
		  cat->total_plain, cat->total_gzip, clock_elapsed() - t0);
	return cat;
}

/* The loader's work: reads (or fetches) and prepares a new snapshot; NULL
 * when rejected, or when *same says nothing changed. */
static struct catalogue *load_and_prepare(struct loop *l, int *same)
{
	enum snapshot_mode mode = !l->want_fetch ? SNAPSHOT_SAVED
				  : l->want_reload ? SNAPSHOT_FRESH
						   : SNAPSHOT_POLL;
	struct diag d;
	struct conf *c;
	struct programme *p;
	int rc;

	diag_init(&d);
	d.emit = log_diag;
	d.ctx = l;
	*same = 0;
	l->write_failed = 0;
	l->load_error[0] = '\0';
	rc = snapshot_load(l->o->config, &l->ov, mode, &d, &c, &p);
	if (rc == 1) {
		*same = 1;
		return NULL;
	}
	if (rc < 0) {
		log_err("programme rejected: %zu error%s; still serving the last good one", d.errors,
			d.errors == 1 ? "" : "s");
		return NULL;
	}
	return prepare(l, c, p);
}

static void *loader_main(void *arg)
{
	struct loop *l = arg;
	uint64_t one = 1;

	l->result = load_and_prepare(l, &l->result_same);
	l->result_ok = l->result != NULL;
	/* The eventfd write publishes result to the loop (a full barrier). */
	if (write(l->donefd, &one, sizeof(one)) < 0)
		log_err("cannot wake the main loop: %s", strerror(errno));
	return NULL;
}

static void notify_reloading(void)
{
	char msg[64];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

/* fetch: programme_url is fetched first; a poll (fetch without reload)
 * that finds nothing new changes nothing. */
static void start_reload(struct loop *l, const char *why, int reload, int fetch)
{
	if (l->loading) {
		l->queued = 1;
		l->next_reload |= reload;
		l->next_fetch |= fetch;
		return;
	}
	l->want_reload = reload;
	l->want_fetch = fetch;
	if (reload) {
		log_info("reloading (%s)", why);
		notify_reloading();
	} else {
		log_debug("fetching the programme (%s)", why);
	}
	l->started = clock_elapsed();
	l->loading = 1;
	if (pthread_create(&l->loader, NULL, loader_main, l) != 0) {
		log_err("cannot start a reload: %s", strerror(errno));
		l->loading = 0;
		notify_send("READY=1");
	}
}

static void split_path(const char *path, char **dir, char **name)
{
	char *a = xstrdup(path), *b = xstrdup(path);

	*dir = xstrdup(dirname(a));
	*name = xstrdup(basename(b));
	free(a);
	free(b);
}

/* Watches the folders, not the files: an editor that saves by renaming
 * a new file over the old one would leave a file watch behind. */
static void watch_files(struct loop *l, const struct conf *c)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB;
	/* A fetched copy changes by our own hand, after a load: only the
	 * configuration is watched then. */
	const char *programme = c->programme_url ? c->path : c->programme;

	if (l->programme_path && strcmp(l->programme_path, programme) == 0)
		return;
	free(l->programme_path);
	l->programme_path = xstrdup(programme);
	if (l->wd_prog >= 0 && l->wd_prog != l->wd_conf)
		inotify_rm_watch(l->inofd, l->wd_prog);
	free(l->watch_prog_dir);
	free(l->watch_prog_name);
	split_path(programme, &l->watch_prog_dir, &l->watch_prog_name);
	if (l->wd_conf < 0) {
		split_path(l->o->config, &l->watch_conf_dir, &l->watch_conf_name);
		l->wd_conf = inotify_add_watch(l->inofd, l->watch_conf_dir, mask);
	}
	l->wd_prog = inotify_add_watch(l->inofd, l->watch_prog_dir, mask);
	if (l->wd_conf < 0 || l->wd_prog < 0)
		log_warn("cannot watch for file changes (%s): reload with SIGHUP", strerror(errno));
}

static void on_file_change(void *ctx, int fd, uint32_t events)
{
	struct loop *l = ctx;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct itimerspec settle = { .it_value = { .tv_nsec = SETTLE_MS * 1000000L } };
	ssize_t n = read(fd, buf, sizeof(buf));
	int relevant = 0;

	(void)events;
	for (char *p = buf; n > 0 && p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;

		if (ev->len && ((ev->wd == l->wd_conf && strcmp(ev->name, l->watch_conf_name) == 0) ||
				(ev->wd == l->wd_prog && strcmp(ev->name, l->watch_prog_name) == 0)))
			relevant = 1;
		p += sizeof(*ev) + ev->len;
	}
	if (relevant)
		timerfd_settime(l->settlefd, 0, &settle, NULL);
}

/* Polls programme_url every `every` seconds (0: never), the first time
 * after `first` seconds when that is set. */
static void arm_poll(struct loop *l, int64_t every, int64_t first)
{
	struct itimerspec t = { .it_interval = { .tv_sec = (time_t)every },
				.it_value = { .tv_sec = (time_t)(first ? first : every) } };

	if (every == l->poll_every && !first)
		return;
	l->poll_every = every;
	if (timerfd_settime(l->pollfd, 0, &t, NULL) < 0)
		log_warn("cannot arm the programme_url poll: %s", strerror(errno));
}

/* The published configuration's cap and expiry of personal selections. */
static void follow_selections(struct loop *l, const struct conf *c)
{
	selections_set_max(c->selections_max);
	l->selections_expire = c->selections_expire;
}

static void arm_expiry(struct loop *l)
{
	struct itimerspec t = { .it_interval = { .tv_sec = EXPIRE_EVERY },
				.it_value = { .tv_sec = EXPIRE_FIRST } };

	timerfd_settime(l->expirefd, 0, &t, NULL);
}

static void *expire_main(void *arg)
{
	struct loop *l = arg;
	int64_t n = EXPIRE_BATCH, total = 0;

	/* Opened here, not at start: start-up stays as short as it was. */
	if (!l->selections && (!l->state_dir || selections_open(l->state_dir, &l->selections) < 0)) {
		log_warn("unused personal selections cannot be removed");
		__atomic_store_n(&l->expire_done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (int i = 0; i < EXPIRE_BATCHES && n == EXPIRE_BATCH; i++)
		if ((n = selections_expire(l->selections, l->expire_before, EXPIRE_BATCH)) > 0)
			total += n;
	if (total > 0)
		log_info("removed %lld personal selections unused for %lld days", (long long)total,
			 (long long)l->expire_days);
	__atomic_store_n(&l->expire_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Starts a run of the expiry, unless the last one is still going. */
static void expire_selections(struct loop *l)
{
	if (l->expiring && !__atomic_load_n(&l->expire_done, __ATOMIC_ACQUIRE))
		return;
	if (l->expiring)
		pthread_join(l->expirer, NULL);
	l->expiring = 0;
	if (!l->selections_expire)
		return;
	l->expire_before = clock_real() - l->selections_expire;
	l->expire_days = l->selections_expire / 86400;
	l->expire_done = 0;
	l->expiring = pthread_create(&l->expirer, NULL, expire_main, l) == 0;
}

/* A load that could not write (the state, the mirror) is tried again on
 * its own, later and later, until one succeeds; the last good programme
 * is served meanwhile. */
static void retry_after_failure(struct loop *l, int published)
{
	struct itimerspec t = { .it_value = { .tv_sec = 0 } };

	if (!l->write_failed) {
		if (l->retry_delay)
			log_info("writing works again");
		l->retry_delay = 0;
		timerfd_settime(l->retryfd, 0, &t, NULL);
		return;
	}
	l->retry_delay = !l->retry_delay ? RETRY_FIRST
			 : l->retry_delay >= RETRY_MAX / 2 ? RETRY_MAX
							   : 2 * l->retry_delay;
	t.it_value.tv_sec = (time_t)l->retry_delay;
	timerfd_settime(l->retryfd, 0, &t, NULL);
	log_err("%s; trying again in %u s",
		published ? "the new programme is served, but not all of it could be written"
			  : "still serving the last good programme",
		l->retry_delay);
}

/* Makes cat the served snapshot (taking the reference): at the start
 * (at_start) and after every load.  Watched, planned and counted before
 * HTTP serves it: once a request sees it, nothing else lags behind. */
static void publish(struct loop *l, struct catalogue *cat, double took, int at_start)
{
	const struct conf *c = cat->conf;

	watch_files(l, c);
	/* At the start a saved copy of programme_url may be old: ask
	 * upstream at once. */
	arm_poll(l, c->programme_url ? c->programme_poll : 0, at_start && c->programme_url);
	follow_selections(l, c);
	remind_publish(l->remind, cat);
	metrics_reload(1, clock_real(), took, cat->prog->n_sessions, cat->fs->n_feeds,
		       cat->total_plain);
	http_publish(l->http, cat);
	if (at_start)
		log_info("serving %zu sessions in %zu feeds on %s", cat->prog->n_sessions,
			 cat->fs->n_feeds, c->listen);
	else
		log_info("published %zu sessions in %zu feeds (%.3f s)", cat->prog->n_sessions,
			 cat->fs->n_feeds, took);
	/* A start may serve the last good copy: the rejection stays shown. */
	if (!at_start)
		l->rejected[0] = '\0';
	retry_after_failure(l, 1);
	set_served(l, cat, l->rejected[0] ? l->good_at : time(NULL));
	catalogue_unref(cat);
}

static void on_loaded(void *ctx, int fd, uint32_t events)
{
	struct loop *l = ctx;
	uint64_t v;
	double took;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	pthread_join(l->loader, NULL);
	l->loading = 0;
	took = clock_elapsed() - l->started;
	if (l->result_ok) {
		publish(l, l->result, took, 0);
	} else if (!l->result_same) {
		metrics_reload(0, clock_real(), took, 0, 0, 0);
		memcpy(l->rejected, l->load_error, sizeof(l->rejected));
		if (!l->rejected[0]) /* not the files' fault: rendering failed */
			snprintf(l->rejected, sizeof(l->rejected), "see the journal");
		notify_status(l);
	}
	if (!l->result_ok && l->write_failed)
		retry_after_failure(l, 0);
	l->result = NULL;
	if (l->want_reload)
		notify_send("READY=1");
	if (l->queued) {
		l->queued = 0;
		start_reload(l, "changed again while loading", l->next_reload, l->next_fetch);
		l->next_reload = l->next_fetch = 0;
	}
}

/* Returns 0, or -1 with errno set. */
static int watch_own(struct loop *l, int fd, watch_fn fn)
{
	struct watch *h;

	if (fd < 0)
		return -1;
	if (l->n_own == MAX_OWN) {
		errno = ENOSPC;
		return -1;
	}
	if (!(h = watch_add(l->watcher, fd, EPOLLIN, fn, l)))
		return -1;
	l->own[l->n_own++] = h;
	return 0;
}

/* Reads a timerfd's expiry count; 0 when there was none after all. */
static int expired(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) > 0;
}

/* Ends the loop on SIGTERM or SIGINT, and leaves the rest of the wake-up
 * undone. */
static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct loop *l = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			start_reload(l, "SIGHUP", 1, 1);
		} else {
			log_info("stopping (%s)", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			l->stopping = 1;
			watch_break(l->watcher);
			return;
		}
	}
}

static void on_settled(void *ctx, int fd, uint32_t events)
{
	(void)events;
	if (expired(fd))
		start_reload(ctx, "file changed", 1, 0);
}

static void on_poll(void *ctx, int fd, uint32_t events)
{
	(void)events;
	if (expired(fd))
		start_reload(ctx, "programme_poll", 0, 1);
}

static void on_expire(void *ctx, int fd, uint32_t events)
{
	(void)events;
	if (expired(fd))
		expire_selections(ctx);
}

static void on_retry(void *ctx, int fd, uint32_t events)
{
	(void)events;
	if (expired(fd))
		start_reload(ctx, "trying again after a write failure", 1, 0);
}

static void on_watchdog(void *ctx, int fd, uint32_t events)
{
	struct loop *l = ctx;

	(void)events;
	if (!expired(fd))
		return;
	notify_send("WATCHDOG=1");
	if (remind_pending(l->remind) != l->n_pending)
		notify_status(l);
}

static void arm_watchdog(struct loop *l)
{
	struct itimerspec every = { .it_value = { .tv_sec = 0 } };
	uint64_t usec = 0, half;

	if (!notify_watchdog(&usec))
		return;
	half = usec / 2;
	every.it_interval.tv_sec = (time_t)(half / 1000000);
	every.it_interval.tv_nsec = (long)(half % 1000000) * 1000;
	every.it_value = every.it_interval;
	l->watchdogfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->watchdogfd < 0 || timerfd_settime(l->watchdogfd, 0, &every, NULL) < 0 ||
	    watch_own(l, l->watchdogfd, on_watchdog) < 0)
		log_warn("cannot arm the watchdog timer: %s", strerror(errno));
}

static int setup_fds(struct loop *l)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* Blocked before any thread starts, so every thread inherits it and
	 * the signals only ever arrive through the signalfd. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->inofd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	l->settlefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->pollfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->retryfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->expirefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (watcher_new(&l->watcher) < 0 || watch_own(l, l->sigfd, on_signal) < 0 ||
	    watch_own(l, l->inofd, on_file_change) < 0 ||
	    watch_own(l, l->settlefd, on_settled) < 0 || watch_own(l, l->donefd, on_loaded) < 0 ||
	    watch_own(l, l->pollfd, on_poll) < 0 || watch_own(l, l->retryfd, on_retry) < 0 ||
	    watch_own(l, l->expirefd, on_expire) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	arm_watchdog(l);
	return 0;
}

/* Until SIGTERM or SIGINT; each wake-up is one batch of the reminders. */
static void serve_events(struct loop *l)
{
	while (!l->stopping) {
		int rc;

		remind_batch_begin(l->remind);
		rc = watch_dispatch(l->watcher, -1);
		remind_batch_end(l->remind);
		if (rc < 0) {
			log_err("event loop: %s", strerror(errno));
			return;
		}
	}
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void cleanup(struct loop *l)
{
	if (l->loading) {
		/* A load in progress finishes first: it may be writing the state. */
		pthread_join(l->loader, NULL);
		catalogue_unref(l->result);
	}
	/* Stop taking requests and events, then let the deliveries in flight
	 * finish (through the watcher, which has only theirs left). */
	http_stop(l->http);
	for (size_t i = 0; i < l->n_own; i++)
		watch_remove(l->own[i]);
	l->n_own = 0;
	remind_free(l->remind, l->remind ? DRAIN_MS : 0);
	watcher_free(l->watcher);
	state_close(l->state);
	close_fd(l->sigfd);
	close_fd(l->inofd);
	close_fd(l->settlefd);
	close_fd(l->donefd);
	close_fd(l->pollfd);
	close_fd(l->retryfd);
	close_fd(l->expirefd);
	if (l->expiring)
		pthread_join(l->expirer, NULL);
	selections_close(l->selections);
	free(l->state_dir);
	close_fd(l->watchdogfd);
	free(l->watch_conf_dir);
	free(l->watch_conf_name);
	free(l->watch_prog_dir);
	free(l->watch_prog_name);
	free(l->programme_path);
}

/* --now is a local time of the event, like the programme's times. */
static int simulate(const struct loop_options *o, struct programme *p)
{
	struct civil c;
	int has_offset, offset;
	const char *why;
	int64_t utc;

	if (civil_parse(o->now, &c, &has_offset, &offset, &why) < 0) {
		log_err("--now \"%s\": %s", o->now, why);
		return -1;
	}
	if (has_offset)
		utc = civil_to_seconds(&c) - offset;
	else if (tz_local_to_utc(p->tz, &c, &utc) == TZ_GAP) {
		log_err("--now \"%s\" does not exist in %s", o->now, p->event.timezone);
		return -1;
	}
	clock_simulate(utc * 1000, o->speed > 0 ? o->speed : 1.0);
	log_info("simulated clock: %s %s, %g times real time", o->now, p->event.timezone,
		 clock_speed());
	return 0;
}

/* The first load (falling back on the last good copy), HTTP and the
 * reminders: what must work before the daemon says it started. */
static int start_serving(struct loop *l, struct catalogue **first)
{
	struct diag d;
	struct conf *c;
	struct programme *p;
	struct http_options ho;
	struct overrides ov = l->ov;

	diag_init(&d);
	d.emit = print_diag;
	d.ctx = l;
	ov.last_good = LASTGOOD_FALLBACK;
	if (snapshot_load(l->o->config, &ov, SNAPSHOT_SAVED, &d, &c, &p) < 0)
		return EXIT_INVALID;
	if (snapshot_is_last_good(c, p)) {
		struct stat st;

		memcpy(l->rejected, l->load_error, sizeof(l->rejected));
		l->good_at = stat(p->path, &st) == 0 ? st.st_mtime : 0;
	}
	ho = (struct http_options){
		.listen = c->listens,
		.n_listen = c->n_listens,
		.max_connections = c->max_connections,
		.timeout = (unsigned)c->http_timeout,
		.threads = c->http_threads,
		.state_dir = c->state_dir,
		.selection_max_sessions = c->selection_max_sessions,
		.selections_per_hour = c->selections_per_hour,
		.searches_per_minute = c->searches_per_minute,
		.view_cache_bytes = (size_t)c->view_cache_mb << 20,
		.max_connections_per_client = c->max_connections_per_client,
		.request_timeout = c->request_timeout,
		.send_timeout = c->send_timeout,
		.send_min_rate = c->send_min_rate,
		.max_old_catalogues = c->max_old_catalogues,
		.rate_limit_clients = c->rate_limit_clients,
		.trusted_proxies = &c->trusted_proxies,
		.proxy_header = c->proxy_header,
	};
	if (l->o->now && simulate(l->o, p) < 0) {
		prog_free(p);
		conf_free(c);
		return EXIT_INVALID;
	}
	selections_set_max(c->selections_max);
	if (state_open(c->state_dir, &l->state) < 0 || http_start(&ho, &l->http) < 0 ||
	    remind_new(l->watcher, c->state_dir, l->o->dry_run, &l->remind) < 0) {
		prog_free(p);
		conf_free(c);
		return EXIT_RUNTIME;
	}
	l->state_dir = xstrdup(c->state_dir);
	l->selections_expire = c->selections_expire;
	arm_expiry(l);
	l->started = clock_elapsed();
	*first = prepare(l, c, p);
	return *first ? 0 : EXIT_RUNTIME;
}

/* Without -f: the parent waits until the child serves (or fails) and
 * exits with its status, so "agendad && echo started" tells the truth and
 * errors reach the terminal. */
static int background(int *report)
{
	int fds[2];
	pid_t pid;
	unsigned char status = EXIT_RUNTIME;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = EXIT_RUNTIME;
		_exit(status);
	}
	close(fds[0]);
	setsid();
	*report = fds[1];
	return 0;
}

static void detach(int report)
{
	unsigned char ok = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	log_to_syslog();
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (write(report, &ok, 1) < 0)
		log_warn("cannot report start-up: %s", strerror(errno));
	close(report);
}

static int fail(int report, int rc)
{
	unsigned char status = (unsigned char)rc;

	if (report >= 0 && write(report, &status, 1) < 0)
		log_warn("cannot report start-up: %s", strerror(errno));
	return rc;
}

int loop_run(const struct loop_options *o)
{
	int report = -1;
	struct loop l = { .o = o, .wd_conf = -1, .wd_prog = -1, .sigfd = -1, .inofd = -1,
			  .settlefd = -1, .donefd = -1, .pollfd = -1, .retryfd = -1,
			  .expirefd = -1, .watchdogfd = -1 };
	struct catalogue *cat = NULL;
	int rc;

	l.ov = (struct overrides){ .state_dir = o->state_dir, .listen = o->listen,
				   .last_good = LASTGOOD_SAVE };
	if (!o->foreground && background(&report) < 0) {
		log_err("cannot start in the background: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (setup_fds(&l) < 0) {
		cleanup(&l);
		return fail(report, EXIT_RUNTIME);
	}
	if ((rc = start_serving(&l, &cat)) != 0) {
		cleanup(&l);
		return fail(report, rc);
	}
	/* Watch, plan and count before /healthz can say ok: a change made
	 * the moment the daemon answers must not go unnoticed. */
	publish(&l, cat, clock_elapsed() - l.started, 1);
	clock_run();
	notify_send("READY=1");
	if (report >= 0)
		detach(report);
	serve_events(&l);
	notify_send("STOPPING=1");
	cleanup(&l);
	return 0;
}
