/* Counters for /metrics (Prometheus text format).  Process-wide and
 * lock-free: the HTTP threads and the main loop update them. */
#ifndef AGENDAD_METRICS_H
#define AGENDAD_METRICS_H

#include <stddef.h>
#include <stdint.h>

void metrics_request(unsigned status);
void metrics_bytes(size_t body_bytes);
/* A finished load: ok or rejected, when, and what the published
 * programme holds (ignored when !ok). */
void metrics_reload(int ok, int64_t when, double seconds, size_t sessions, size_t feeds,
		    size_t bytes);
/* Reminders: an outcome ("sent", "failed", "missed", "dropped",
 * "pending" for a retry) on a channel, an attempt, the lateness of a
 * first attempt, and how many wait. */
void metrics_reminder(const char *channel, const char *state);
void metrics_attempt(const char *channel);
void metrics_lateness(int64_t ms);
void metrics_reminders_pending(size_t n);
/* The cache of derived feeds (view.c) and personal selections. */
void metrics_views(size_t entries, size_t bytes);
void metrics_selection_created(void);
/* A fetch of programme_url: "new", "unchanged", "failed" or "rejected". */
void metrics_fetch(const char *result);
/* Connection guards (guard.c): a connection closed by a limit, by
 * reason ("per_client", "request_timeout", "send_timeout",
 * "old_catalogue"), and catalogues alive (current and older ones still
 * held by responses in flight). */
void metrics_connection_closed(const char *reason);
void metrics_catalogues_alive(int delta);
/* The whole exposition text; caller frees. */
char *metrics_render(size_t *len);

#endif
