#include "config.h"

#include "guard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "ratelimit.h"

/* Milliseconds between two sweeps of the watchdog: deadlines are whole seconds. */
#define SWEEP_MS 1000

enum reason { CUT_PER_CLIENT, CUT_REQUEST, CUT_SEND, CUT_OLD, N_REASONS };
static const char *const reason_names[N_REASONS] = { "per_client", "request_timeout",
						     "send_timeout", "old_catalogue" };

/* One open connection, in its socket context.  The deadline fields are
 * written by the connection's MHD thread and read by the watchdog:
 * atomics.  The list links and fd are guarded by the guard's lock. */
struct tracked {
	struct tracked *prev, *next;
	struct guard *g;
	int fd;
	int counted; /* in the per-client table */
	int cut;     /* shut down already */
	struct client_addr who;
	int64_t deadline;    /* monotonic ms, or 0 */
	int sending;         /* the deadline is a send deadline */
	uint64_t generation; /* the catalogue its response points into, or 0 */
};

struct guard {
	struct guard_options o;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int running, stop;
	struct tracked *head;
	struct connlimit *conns;
	uint64_t current; /* the published catalogue's generation */
	/* Since the last sweep's log line: counts, and an address each. */
	unsigned cuts[N_REASONS];
	struct client_addr last[N_REASONS];
};

#define LOAD(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)
#define STORE(v, x) __atomic_store_n(&(v), (x), __ATOMIC_RELAXED)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct tracked *tracked_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* Under the lock.  shutdown, not close: the descriptor stays MHD's until
 * it closes it, after telling guard_notify (which unlinks t first), so
 * the number can never name another connection's socket here. */
static void cut(struct guard *g, struct tracked *t, enum reason why)
{
	if (t->cut)
		return;
	t->cut = 1;
	shutdown(t->fd, SHUT_RDWR);
	g->cuts[why]++;
	g->last[why] = t->who;
	metrics_connection_closed(reason_names[why]);
}

static void started(struct guard *g, struct MHD_Connection *conn, struct tracked *t)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	unsigned open;

	const union MHD_ConnectionInfo *peer =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	int proxy;

	t->g = g;
	t->fd = info ? info->connect_fd : -1;
	proxy = http_client_addr(g->o.http, NULL, peer ? peer->client_addr : NULL, &t->who);
	t->deadline = now_ms() + (int64_t)g->o.request_timeout * 1000;
	pthread_mutex_lock(&g->lock);
	t->next = g->head;
	if (g->head)
		g->head->prev = t;
	g->head = t;
	/* guard_accept let it in, but other threads may have accepted from
	 * the same address meanwhile: the count here is the exact one.  A
	 * trusted proxy carries many clients: it bounds them itself. */
	open = proxy ? 1 : connlimit_open(g->conns, &t->who);
	t->counted = !proxy && open > 0;
	if (open == 0 || open > g->o.per_client)
		cut(g, t, CUT_PER_CLIENT);
	pthread_mutex_unlock(&g->lock);
}

static void closed(struct guard *g, struct tracked *t)
{
	pthread_mutex_lock(&g->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		g->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	if (t->counted)
		connlimit_close(g->conns, &t->who);
	pthread_mutex_unlock(&g->lock);
	free(t);
}

void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode toe)
{
	struct guard *g = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct tracked *t = xcalloc(1, sizeof(*t));

		*socket_context = t;
		started(g, conn, t);
	} else if (*socket_context) {
		closed(g, *socket_context);
		*socket_context = NULL;
	}
}

enum MHD_Result guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct guard *g = cls;
	struct client_addr who;
	int ok;

	(void)addrlen;
	if (http_client_addr(g->o.http, NULL, addr, &who))
		return MHD_YES;
	pthread_mutex_lock(&g->lock);
	ok = connlimit_admits(g->conns, &who);
	if (!ok) {
		g->cuts[CUT_PER_CLIENT]++;
		g->last[CUT_PER_CLIENT] = who;
		metrics_connection_closed(reason_names[CUT_PER_CLIENT]);
	}
	pthread_mutex_unlock(&g->lock);
	return ok ? MHD_YES : MHD_NO;
}

void guard_sending(struct MHD_Connection *conn, size_t bytes)
{
	struct tracked *t = tracked_of(conn);
	const struct guard_options *o;

	if (!t)
		return;
	o = &t->g->o;
	STORE(t->sending, 1);
	STORE(t->deadline, now_ms() + (int64_t)o->send_timeout * 1000 +
				   (int64_t)(bytes / o->send_min_rate) * 1000);
}

void guard_holds(struct MHD_Connection *conn, uint64_t generation)
{
	struct tracked *t = tracked_of(conn);

	if (t)
		STORE(t->generation, generation);
}

void guard_completed(struct MHD_Connection *conn)
{
	struct tracked *t = tracked_of(conn);

	if (!t)
		return;
	STORE(t->generation, 0);
	STORE(t->sending, 0);
	STORE(t->deadline, now_ms() + (int64_t)t->g->o.request_timeout * 1000);
}

void guard_publish(struct guard *g, uint64_t generation)
{
	pthread_mutex_lock(&g->lock);
	g->current = generation;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

/* The oldest generation responses may still hold: the max_old newest
 * of the older ones in flight are kept.  Under the lock. */
static uint64_t oldest_kept(struct guard *g)
{
	uint64_t below = g->current;

	for (unsigned k = 0; k < g->o.max_old_catalogues; k++) {
		uint64_t next = 0;

		for (struct tracked *t = g->head; t; t = t->next) {
			uint64_t gen = LOAD(t->generation);

			if (!t->cut && gen && gen < below && gen > next)
				next = gen;
		}
		if (!next)
			break;
		below = next;
	}
	return below;
}

static void sweep(struct guard *g, int64_t now)
{
	uint64_t keep = g->current ? oldest_kept(g) : 0;

	for (struct tracked *t = g->head; t; t = t->next) {
		int64_t deadline = LOAD(t->deadline);
		uint64_t gen = LOAD(t->generation);

		if (deadline && now >= deadline)
			cut(g, t, LOAD(t->sending) ? CUT_SEND : CUT_REQUEST);
		else if (gen && gen < keep)
			cut(g, t, CUT_OLD);
	}
}

/* One line per reason and sweep, not one per connection: an attack
 * would otherwise write the log full.  Called without the lock (a
 * blocked stderr must not stop connections from starting), with copies. */
static void report(const unsigned *cuts, const struct client_addr *last)
{
	static const char *const what[N_REASONS] = {
		"over the limit of connections per client",
		"whose request did not arrive in time",
		"whose response was not read in time",
		"still sending an old programme",
	};
	char who[64];

	for (int r = 0; r < N_REASONS; r++) {
		if (!cuts[r])
			continue;
		client_addr_format(&last[r], who, sizeof(who));
		log_info("http: closed %u connection%s %s (the last from %s)", cuts[r],
			 cuts[r] == 1 ? "" : "s", what[r], who);
	}
}

static void *watchdog(void *arg)
{
	struct guard *g = arg;
	struct timespec until;
	unsigned cuts[N_REASONS];
	struct client_addr last[N_REASONS];

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SWEEP_MS / 1000;
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		sweep(g, now_ms());
		memcpy(cuts, g->cuts, sizeof(cuts));
		memcpy(last, g->last, sizeof(last));
		memset(g->cuts, 0, sizeof(g->cuts));
		pthread_mutex_unlock(&g->lock);
		report(cuts, last);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct guard *guard_new(const struct guard_options *o)
{
	struct guard *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t attr;

	g->o = *o;
	if (!g->o.send_min_rate)
		g->o.send_min_rate = 1;
	g->conns = connlimit_new(o->per_client, o->max_open);
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (g->conns && pthread_create(&g->thread, NULL, watchdog, g) == 0)
		g->running = 1;
	if (!g->running) {
		guard_free(g);
		return NULL;
	}
	return g;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = 1;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	connlimit_free(g->conns);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
