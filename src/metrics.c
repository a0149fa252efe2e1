#include "config.h"

#include "metrics.h"

#include "buf.h"

/* Status codes agendad answers with; anything else is counted as "other". */
static const unsigned codes[] = { 200, 303, 304, 400, 404, 405, 413, 414, 429, 431, 500, 503 };
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static uint64_t requests[N_CODES + 1];
static uint64_t bytes_sent;
static uint64_t reloads_ok, reloads_failed;
static int64_t last_reload_time;
static int64_t last_reload_ok = -1;
static double last_reload_seconds;
static uint64_t sessions, feeds, feed_bytes;

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
	/* A double is not atomic everywhere; a torn read of a gauge is harmless. */
	last_reload_seconds = seconds;
	if (ok) {
		SET(sessions, n_sessions);
		SET(feeds, n_feeds);
		SET(feed_bytes, bytes);
	}
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
		   (long long)(GET(last_reload_ok) > 0), last_reload_seconds,
		   (unsigned long long)GET(sessions), (unsigned long long)GET(feeds),
		   (unsigned long long)GET(feed_bytes));
	return buf_steal(&b, len);
}
