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
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "catalogue.h"
#include "deliver.h"
#include "clock.h"
#include "export.h"
#include "feeds.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "remind.h"
#include "selections.h"
#include "snapshot.h"
#include "state.h"

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

struct loop {
	const struct loop_options *o;
	struct overrides ov;
	struct state *state;
	struct http *http;
	struct remind *remind;
	int epfd, sigfd, inofd, settlefd, watchdogfd, donefd, pollfd, retryfd, expirefd;
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
	sd_notify(0, msg);
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

/* Loads, renders and prepares a catalogue; NULL when anything failed
 * (everything is logged).  Runs in the loader thread, or before the loop. */
/* Renders and prepares a loaded snapshot (taking c and p). */
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

static struct catalogue *build(struct loop *l, int *same)
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

	l->result = build(l, &l->result_same);
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
	sd_notify(0, msg);
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
		sd_notify(0, "READY=1");
	}
}

static int add_fd(struct loop *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void split_path(const char *path, char **dir, char **name)
{
	char *a = strdup(path), *b = strdup(path);

	if (!a || !b)
		abort();
	*dir = strdup(dirname(a));
	*name = strdup(basename(b));
	free(a);
	free(b);
	if (!*dir || !*name)
		abort();
}

/* Watches the folders, not the files: an editor that saves by renaming
 * a new file over the old one would leave a file watch behind. */
static void watch(struct loop *l, const struct conf *c)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB;
	/* A fetched copy changes by our own hand, after a load: only the
	 * configuration is watched then. */
	const char *programme = c->programme_url ? c->path : c->programme;

	if (l->programme_path && strcmp(l->programme_path, programme) == 0)
		return;
	free(l->programme_path);
	l->programme_path = strdup(programme);
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

static void on_file_change(struct loop *l)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct itimerspec settle = { .it_value = { 0, SETTLE_MS * 1000000L } };
	ssize_t n = read(l->inofd, buf, sizeof(buf));
	int relevant = 0;

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
	struct itimerspec t = { { (time_t)every, 0 }, { (time_t)(first ? first : every), 0 } };

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
	struct itimerspec t = { { EXPIRE_EVERY, 0 }, { EXPIRE_FIRST, 0 } };

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
	struct itimerspec t = { { 0, 0 }, { 0, 0 } };

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

static void on_loaded(struct loop *l)
{
	uint64_t v;
	double took;

	if (read(l->donefd, &v, sizeof(v)) < 0)
		return;
	pthread_join(l->loader, NULL);
	l->loading = 0;
	took = clock_elapsed() - l->started;
	if (l->result_ok) {
		struct catalogue *cat = l->result;

		http_publish(l->http, cat);
		follow_selections(l, cat->conf);
		remind_publish(l->remind, cat);
		metrics_reload(1, clock_real(), took, cat->prog->n_sessions, cat->fs->n_feeds,
			       cat->total_plain);
		l->rejected[0] = '\0';
		set_served(l, cat, time(NULL));
		watch(l, cat->conf);
		arm_poll(l, cat->conf->programme_url ? cat->conf->programme_poll : 0, 0);
		log_info("published %zu sessions in %zu feeds (%.3f s)", cat->prog->n_sessions,
			 cat->fs->n_feeds, took);
		catalogue_unref(cat);
	} else if (!l->result_same) {
		metrics_reload(0, clock_real(), took, 0, 0, 0);
		memcpy(l->rejected, l->load_error, sizeof(l->rejected));
		if (!l->rejected[0]) /* not the files' fault: rendering failed */
			snprintf(l->rejected, sizeof(l->rejected), "see the journal");
		notify_status(l);
	}
	if (l->result_ok || l->write_failed)
		retry_after_failure(l, l->result_ok);
	l->result = NULL;
	if (l->want_reload)
		sd_notify(0, "READY=1");
	if (l->queued) {
		l->queued = 0;
		start_reload(l, "changed again while loading", l->next_reload, l->next_fetch);
		l->next_reload = l->next_fetch = 0;
	}
}

static int setup_fds(struct loop *l)
{
	sigset_t mask;
	uint64_t usec = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* Blocked before any thread starts, so every thread inherits it and
	 * the signals only ever arrive through the signalfd. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->inofd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	l->settlefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->pollfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->retryfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->expirefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->watchdogfd = -1;
	if (l->epfd < 0 || l->sigfd < 0 || l->inofd < 0 || l->settlefd < 0 || l->donefd < 0 ||
	    l->pollfd < 0 || l->retryfd < 0 || l->expirefd < 0 || add_fd(l, l->sigfd) ||
	    add_fd(l, l->inofd) || add_fd(l, l->settlefd) || add_fd(l, l->donefd) ||
	    add_fd(l, l->pollfd) || add_fd(l, l->retryfd) || add_fd(l, l->expirefd)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		struct itimerspec every = { { 0, 0 }, { 0, 0 } };
		uint64_t half = usec / 2;

		every.it_interval.tv_sec = (time_t)(half / 1000000);
		every.it_interval.tv_nsec = (long)(half % 1000000) * 1000;
		every.it_value = every.it_interval;
		l->watchdogfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (l->watchdogfd < 0 || timerfd_settime(l->watchdogfd, 0, &every, NULL) < 0 ||
		    add_fd(l, l->watchdogfd) < 0)
			log_warn("cannot arm the watchdog timer: %s", strerror(errno));
	}
	return 0;
}

/* Returns 1 when the loop should end. */
static int on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			start_reload(l, "SIGHUP", 1, 1);
		} else {
			log_info("stopping (%s)", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return 1;
		}
	}
	return 0;
}

static void run(struct loop *l)
{
	for (;;) {
		struct epoll_event evs[64];
		uint64_t v;
		int n = epoll_wait(l->epfd, evs, 64, -1);

		if (n < 0 && errno != EINTR) {
			log_err("event loop: %s", strerror(errno));
			return;
		}
		remind_batch_begin(l->remind);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (evs[i].data.u64 & DELIVER_TAG) {
				remind_on_socket(l->remind, (int)(uint32_t)evs[i].data.u64,
						 evs[i].events);
				continue;
			}
			if (remind_is_fd(l->remind, fd))
				remind_on_fd(l->remind, fd);
			if (fd == l->sigfd && on_signal(l)) {
				remind_batch_end(l->remind);
				return;
			}
			if (fd == l->inofd)
				on_file_change(l);
			if (fd == l->settlefd && read(fd, &v, sizeof(v)) > 0)
				start_reload(l, "file changed", 1, 0);
			if (fd == l->pollfd && read(fd, &v, sizeof(v)) > 0)
				start_reload(l, "programme_poll", 0, 1);
			if (fd == l->expirefd && read(fd, &v, sizeof(v)) > 0)
				expire_selections(l);
			if (fd == l->retryfd && read(fd, &v, sizeof(v)) > 0)
				start_reload(l, "trying again after a write failure", 1, 0);
			if (fd == l->donefd)
				on_loaded(l);
			if (fd == l->watchdogfd && read(fd, &v, sizeof(v)) > 0) {
				sd_notify(0, "WATCHDOG=1");
				if (remind_pending(l->remind) != l->n_pending)
					notify_status(l);
			}
		}
		remind_batch_end(l->remind);
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
	/* Stop taking requests, then let the deliveries in flight finish. */
	http_stop(l->http);
	remind_free(l->remind, l->remind ? DRAIN_MS : 0);
	state_close(l->state);
	close_fd(l->epfd);
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

static int start(struct loop *l, struct catalogue **first)
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
	ho = (struct http_options){ c->listens,
				    c->n_listens,
				    c->max_connections,
				    (unsigned)c->http_timeout,
				    c->http_threads,
				    c->state_dir,
				    c->selection_max_sessions,
				    c->selections_per_hour,
				    (size_t)c->view_cache_mb << 20,
				    c->max_connections_per_client,
				    c->request_timeout,
				    c->send_timeout,
				    c->send_min_rate,
				    c->max_old_catalogues,
				    c->rate_limit_clients,
				    &c->trusted_proxies,
				    c->proxy_header };
	if (l->o->now && simulate(l->o, p) < 0) {
		prog_free(p);
		conf_free(c);
		return EXIT_INVALID;
	}
	selections_set_max(c->selections_max);
	if (state_open(c->state_dir, &l->state) < 0 || http_start(&ho, &l->http) < 0 ||
	    remind_new(l->epfd, c->state_dir, l->o->dry_run, &l->remind) < 0) {
		prog_free(p);
		conf_free(c);
		return EXIT_RUNTIME;
	}
	l->state_dir = strdup(c->state_dir);
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
	struct loop l = { .o = o, .wd_conf = -1, .wd_prog = -1, .epfd = -1, .sigfd = -1,
			  .inofd = -1, .settlefd = -1, .donefd = -1, .pollfd = -1, .retryfd = -1,
			  .expirefd = -1, .watchdogfd = -1 };
	struct catalogue *cat = NULL;
	int rc;

	l.ov = (struct overrides){ o->state_dir, o->listen, LASTGOOD_SAVE };
	if (!o->foreground && background(&report) < 0) {
		log_err("cannot start in the background: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (setup_fds(&l) < 0) {
		cleanup(&l);
		return fail(report, EXIT_RUNTIME);
	}
	if ((rc = start(&l, &cat)) != 0) {
		cleanup(&l);
		return fail(report, rc);
	}
	/* Watch, plan and count before /healthz can say ok: a change made
	 * the moment the daemon answers must not go unnoticed. */
	watch(&l, cat->conf);
	/* A saved copy of programme_url may be old: ask upstream at once. */
	if (cat->conf->programme_url)
		arm_poll(&l, cat->conf->programme_poll, 1);
	remind_publish(l.remind, cat);
	metrics_reload(1, clock_real(), clock_elapsed() - l.started, cat->prog->n_sessions,
		       cat->fs->n_feeds, cat->total_plain);
	http_publish(l.http, cat);
	log_info("serving %zu sessions in %zu feeds on %s", cat->prog->n_sessions, cat->fs->n_feeds,
		 cat->conf->listen);
	if (l.write_failed)
		retry_after_failure(&l, 1);
	set_served(&l, cat, l.rejected[0] ? l.good_at : time(NULL));
	catalogue_unref(cat);
	sd_notify(0, "READY=1");
	if (report >= 0)
		detach(report);
	run(&l);
	sd_notify(0, "STOPPING=1");
	cleanup(&l);
	return 0;
}
