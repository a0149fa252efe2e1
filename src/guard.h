/* Guards on HTTP connections that libmicrohttpd does not bound by itself:
 * connections per client address, a deadline for the whole request
 * (libmicrohttpd's idle timeout restarts on every byte, so a request
 * trickled in a byte at a time would hold its slot for ever), a deadline
 * for sending a response, and how many older catalogues responses in
 * flight may keep alive.  A watchdog thread shuts down (never closes)
 * the socket of a connection over its deadline; libmicrohttpd then sees
 * the error and closes it in its own thread. */
#ifndef AGENDAD_GUARD_H
#define AGENDAD_GUARD_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct http;
struct guard_options {
	const struct http *http; /* for http_client_addr */
	unsigned per_client;      /* connections open per client address (trusted proxies: no limit) */
	size_t max_open;          /* connections the server allows in all */
	unsigned request_timeout; /* seconds for a request to arrive */
	unsigned send_timeout;    /* seconds any response may take to send ... */
	unsigned send_min_rate;   /* ... plus its bytes at this many per second */
	unsigned max_old_catalogues; /* older catalogues responses may hold */
};

struct guard;

/* Starts the watchdog.  NULL when its thread cannot start or its
 * table of connections per address cannot be made. */
struct guard *guard_new(const struct guard_options *o);
/* Stops the watchdog and frees; call after the daemons have stopped. */
void guard_free(struct guard *g);

/* libmicrohttpd callbacks, with the guard as their closure:
 * MHD_OPTION_NOTIFY_CONNECTION and the accept policy. */
void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode toe);
enum MHD_Result guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* A response of bytes body bytes was queued on conn: its send deadline
 * starts. */
void guard_sending(struct MHD_Connection *conn, size_t bytes);
/* conn's response points into the catalogue of this generation. */
void guard_holds(struct MHD_Connection *conn, uint64_t generation);
/* conn's request is over (MHD_OPTION_NOTIFY_COMPLETED): the next one
 * has request_timeout to arrive. */
void guard_completed(struct MHD_Connection *conn);
/* A new catalogue is published: responses from older ones beyond
 * max_old_catalogues are cut at the next sweep, which this wakes. */
void guard_publish(struct guard *g, uint64_t generation);

#endif
