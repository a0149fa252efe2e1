#include "config.h"

#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Status codes agendad answers with; anything else is counted as "other". */
static const unsigned codes[] = { 200, 303, 304, 400, 404, 405, 413, 414, 415, 429, 431, 500, 503 };
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static uint64_t requests[N_CODES + 1];
static uint64_t bytes_sent;
static uint64_t reloads_ok, reloads_failed;
static int64_t last_reload_time;
static int64_t last_reload_ok = -1;
static int64_t last_reload_us; /* microseconds: a double cannot be atomic */
static uint64_t sessions, feeds, feed_bytes;
static uint64_t views, view_bytes, selections_created;
static const char *const fetch_results[] = { "new", "unchanged", "failed", "rejected" };
static uint64_t fetches[4];
static const char *const close_reasons[] = { "per_client", "request_timeout", "send_timeout",
					     "old_catalogue" };
#define N_CLOSE_REASONS (sizeof(close_reasons) / sizeof(close_reasons[0]))
static uint64_t closed[N_CLOSE_REASONS];
static int64_t catalogues_alive;

/* Reminder counters per channel: few channels, updated by the loop,
 * read by /metrics, so a mutex is cheap enough. */
#define MAX_CHANNELS 64
#define LATENESS_WINDOW 1024
static const char *const reminder_states[] = { "sent", "failed", "missed", "dropped", "pending" };
#define N_STATES (sizeof(reminder_states) / sizeof(reminder_states[0]))

struct channel_counts {
	char name[64];
	uint64_t states[N_STATES];
	uint64_t attempts;
};

static pthread_mutex_t reminder_lock = PTHREAD_MUTEX_INITIALIZER;
static struct channel_counts channel_counts[MAX_CHANNELS];
static size_t n_channel_counts;
static int64_t lateness[LATENESS_WINDOW];
static size_t n_lateness, lateness_next;
static uint64_t reminders_pending;

#define ADD(v, n) __atomic_add_fetch(&(v), (n), __ATOMIC_RELAXED)
#define GET(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)
#define SET(v, n) __atomic_store_n(&(v), (n), __ATOMIC_RELAXED)

void metrics_request(unsigned status)
{
	size_t i = 0;

	while (i < N_CODES && codes[i] != status)
		i++;
	ADD(requests[i], 1);
}

void metrics_bytes(size_t body_bytes)
{
	ADD(bytes_sent, body_bytes);
}

void metrics_reload(int ok, int64_t when, double seconds, size_t n_sessions, size_t n_feeds,
		    size_t bytes)
{
	if (ok)
		ADD(reloads_ok, 1);
	else
		ADD(reloads_failed, 1);
	SET(last_reload_time, when);
	SET(last_reload_ok, ok);
	SET(last_reload_us, (int64_t)(seconds * 1e6));
	if (ok) {
		SET(sessions, n_sessions);
		SET(feeds, n_feeds);
		SET(feed_bytes, bytes);
	}
}

static struct channel_counts *counts_of(const char *channel)
{
	for (size_t i = 0; i < n_channel_counts; i++)
		if (strcmp(channel_counts[i].name, channel) == 0)
			return &channel_counts[i];
	if (n_channel_counts == MAX_CHANNELS)
		return NULL;
	snprintf(channel_counts[n_channel_counts].name, sizeof(channel_counts[0].name), "%s", channel);
	return &channel_counts[n_channel_counts++];
}

void metrics_reminder(const char *channel, const char *state)
{
	struct channel_counts *c;

	pthread_mutex_lock(&reminder_lock);
	if ((c = counts_of(channel)))
		for (size_t i = 0; i < N_STATES; i++)
			if (strcmp(reminder_states[i], state) == 0)
				c->states[i]++;
	pthread_mutex_unlock(&reminder_lock);
}

void metrics_attempt(const char *channel)
{
	struct channel_counts *c;

	pthread_mutex_lock(&reminder_lock);
	if ((c = counts_of(channel)))
		c->attempts++;
	pthread_mutex_unlock(&reminder_lock);
}

void metrics_lateness(int64_t ms)
{
	pthread_mutex_lock(&reminder_lock);
	lateness[lateness_next] = ms < 0 ? 0 : ms;
	lateness_next = (lateness_next + 1) % LATENESS_WINDOW;
	if (n_lateness < LATENESS_WINDOW)
		n_lateness++;
	pthread_mutex_unlock(&reminder_lock);
}

void metrics_views(size_t entries, size_t bytes)
{
	SET(views, (uint64_t)entries);
	SET(view_bytes, (uint64_t)bytes);
}

void metrics_fetch(const char *result)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(result, fetch_results[i]) == 0)
			ADD(fetches[i], 1);
}

void metrics_selection_created(void)
{
	ADD(selections_created, 1);
}

void metrics_reminders_pending(size_t n)
{
	SET(reminders_pending, (uint64_t)n);
}

void metrics_connection_closed(const char *reason)
{
	for (size_t i = 0; i < N_CLOSE_REASONS; i++)
		if (strcmp(reason, close_reasons[i]) == 0)
			ADD(closed[i], 1);
}

void metrics_catalogues_alive(int delta)
{
	ADD(catalogues_alive, delta);
}

static void render_guards(struct buf *b)
{
	buf_adds(b, "# HELP agendad_http_connections_closed_total Connections closed by a limit,"
		    " by reason.\n# TYPE agendad_http_connections_closed_total counter\n");
	for (size_t i = 0; i < N_CLOSE_REASONS; i++)
		buf_printf(b, "agendad_http_connections_closed_total{reason=\"%s\"} %llu\n",
			   close_reasons[i], (unsigned long long)GET(closed[i]));
	buf_printf(b, "# HELP agendad_catalogues_alive Programme snapshots in memory: the"
		      " published one and older ones responses still send from.\n"
		      "# TYPE agendad_catalogues_alive gauge\nagendad_catalogues_alive %lld\n",
		   (long long)GET(catalogues_alive));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void render_reminders(struct buf *b)
{
	int64_t sorted[LATENESS_WINDOW];
	size_t n;

	buf_adds(b, "# HELP agendad_reminders_total Reminder outcomes, by channel and state"
		    " (pending: a retry was scheduled).\n# TYPE agendad_reminders_total counter\n");
	pthread_mutex_lock(&reminder_lock);
	for (size_t i = 0; i < n_channel_counts; i++)
		for (size_t s = 0; s < N_STATES; s++)
			buf_printf(b, "agendad_reminders_total{channel=\"%s\",state=\"%s\"} %llu\n",
				   channel_counts[i].name, reminder_states[s],
				   (unsigned long long)channel_counts[i].states[s]);
	buf_adds(b, "# HELP agendad_reminder_attempts_total Delivery attempts, by channel.\n"
		    "# TYPE agendad_reminder_attempts_total counter\n");
	for (size_t i = 0; i < n_channel_counts; i++)
		buf_printf(b, "agendad_reminder_attempts_total{channel=\"%s\"} %llu\n",
			   channel_counts[i].name, (unsigned long long)channel_counts[i].attempts);
	n = n_lateness;
	memcpy(sorted, lateness, n * sizeof(int64_t));
	pthread_mutex_unlock(&reminder_lock);
	qsort(sorted, n, sizeof(int64_t), cmp_i64);
	buf_adds(b, "# HELP agendad_reminder_lateness_seconds How late first attempts started,"
		    " over the last 1024.\n# TYPE agendad_reminder_lateness_seconds summary\n");
	if (n) {
		buf_printf(b, "agendad_reminder_lateness_seconds{quantile=\"0.5\"} %.3f\n",
			   (double)sorted[n / 2] / 1000.0);
		buf_printf(b, "agendad_reminder_lateness_seconds{quantile=\"0.99\"} %.3f\n",
			   (double)sorted[(n * 99) / 100] / 1000.0);
	}
	buf_printf(b, "agendad_reminder_lateness_seconds_count %zu\n", n);
	buf_printf(b, "# HELP agendad_reminders_pending Reminders waiting for their time.\n"
		      "# TYPE agendad_reminders_pending gauge\nagendad_reminders_pending %llu\n",
		   (unsigned long long)GET(reminders_pending));
}

char *metrics_render(size_t *len)
{
	struct buf b = { 0 };

	buf_adds(&b, "# HELP agendad_http_requests_total HTTP requests answered, by status code.\n"
		     "# TYPE agendad_http_requests_total counter\n");
	for (size_t i = 0; i <= N_CODES; i++) {
		if (i < N_CODES)
			buf_printf(&b, "agendad_http_requests_total{code=\"%u\"} %llu\n", codes[i],
				   (unsigned long long)GET(requests[i]));
		else
			buf_printf(&b, "agendad_http_requests_total{code=\"other\"} %llu\n",
				   (unsigned long long)GET(requests[i]));
	}
	buf_printf(&b,
		   "# HELP agendad_http_response_bytes_total Bytes of response bodies sent.\n"
		   "# TYPE agendad_http_response_bytes_total counter\n"
		   "agendad_http_response_bytes_total %llu\n"
		   "# HELP agendad_reloads_total Programme loads, by result.\n"
		   "# TYPE agendad_reloads_total counter\n"
		   "agendad_reloads_total{result=\"ok\"} %llu\n"
		   "agendad_reloads_total{result=\"failed\"} %llu\n"
		   "# HELP agendad_last_reload_timestamp_seconds When the last load finished.\n"
		   "# TYPE agendad_last_reload_timestamp_seconds gauge\n"
		   "agendad_last_reload_timestamp_seconds %lld\n"
		   "# HELP agendad_last_reload_success Whether the last load was accepted (1) or rejected (0).\n"
		   "# TYPE agendad_last_reload_success gauge\n"
		   "agendad_last_reload_success %lld\n"
		   "# HELP agendad_last_reload_duration_seconds How long the last load took.\n"
		   "# TYPE agendad_last_reload_duration_seconds gauge\n"
		   "agendad_last_reload_duration_seconds %.6f\n"
		   "# HELP agendad_programme_sessions Sessions in the published programme.\n"
		   "# TYPE agendad_programme_sessions gauge\n"
		   "agendad_programme_sessions %llu\n"
		   "# HELP agendad_feeds Feeds published.\n"
		   "# TYPE agendad_feeds gauge\n"
		   "agendad_feeds %llu\n"
		   "# HELP agendad_feed_bytes Bytes of all published feeds, uncompressed.\n"
		   "# TYPE agendad_feed_bytes gauge\n"
		   "agendad_feed_bytes %llu\n",
		   (unsigned long long)GET(bytes_sent), (unsigned long long)GET(reloads_ok),
		   (unsigned long long)GET(reloads_failed), (long long)GET(last_reload_time),
		   (long long)(GET(last_reload_ok) > 0), (double)GET(last_reload_us) / 1e6,
		   (unsigned long long)GET(sessions), (unsigned long long)GET(feeds),
		   (unsigned long long)GET(feed_bytes));
	buf_printf(&b,
		   "# HELP agendad_view_cache_entries Filtered, re-alarmed and personal feeds cached.\n"
		   "# TYPE agendad_view_cache_entries gauge\n"
		   "agendad_view_cache_entries %llu\n"
		   "# HELP agendad_view_cache_bytes Bytes those cached feeds hold.\n"
		   "# TYPE agendad_view_cache_bytes gauge\n"
		   "agendad_view_cache_bytes %llu\n"
		   "# HELP agendad_selections_created_total Personal selections stored (POST /my).\n"
		   "# TYPE agendad_selections_created_total counter\n"
		   "agendad_selections_created_total %llu\n",
		   (unsigned long long)GET(views), (unsigned long long)GET(view_bytes),
		   (unsigned long long)GET(selections_created));
	buf_adds(&b, "# HELP agendad_programme_fetches_total Fetches of programme_url, by result.\n"
		     "# TYPE agendad_programme_fetches_total counter\n");
	for (size_t i = 0; i < 4; i++)
		buf_printf(&b, "agendad_programme_fetches_total{result=\"%s\"} %llu\n",
			   fetch_results[i], (unsigned long long)GET(fetches[i]));
	render_guards(&b);
	render_reminders(&b);
	return buf_steal(&b, len);
}
