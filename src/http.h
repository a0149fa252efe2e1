/* The HTTP server (libmicrohttpd): serves the published catalogue, the
 * health check and the metrics (doc/reference.md §4).  Request threads only read. */
#ifndef AGENDAD_HTTP_H
#define AGENDAD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "proxy.h"
#include "ratelimit.h"

struct http_options {
	const char *const *listen; /* "ADDR:PORT", "[V6]:PORT" */
	size_t n_listen;
	unsigned max_connections;
	unsigned timeout; /* seconds a connection may stay idle */
	unsigned threads;
	const char *state_dir;           /* where personal selections are kept */
	unsigned selection_max_sessions; /* per selection */
	unsigned selections_per_hour;    /* new selections per client address */
	unsigned searches_per_minute;    /* search.html answers per client address */
	size_t view_cache_bytes;         /* filtered and personal feeds kept */
	/* Guards against hostile and slow clients (guard.c, ratelimit.c). */
	unsigned max_connections_per_client;
	unsigned request_timeout;    /* seconds for a whole request to arrive */
	unsigned send_timeout;       /* seconds for any response ... */
	unsigned send_min_rate;      /* ... plus its bytes at this rate (bytes/s) */
	unsigned max_old_catalogues; /* older catalogues responses may keep alive */
	unsigned rate_limit_clients; /* addresses each per-address rate remembers */
	const struct proxy_list *trusted_proxies; /* copied; NULL: none */
	enum proxy_header proxy_header;
};

struct http;

/* Binds every address and starts serving (404 until a catalogue is
 * published).  Returns 0 or a negative errno; logs which address failed. */
int http_start(const struct http_options *o, struct http **out);
/* Makes cat the catalogue answered from now on; takes a reference.
 * Requests already being answered finish with the one they started with. */
void http_publish(struct http *h, struct catalogue *cat);
/* Stops accepting, closes connections, frees; accepts NULL. */
void http_stop(struct http *h);

struct MHD_Connection;
struct sockaddr;
/* Who a connection or request comes from: the one place that decides,
 * for the limits and the log.  The peer's address (IPv4-mapped IPv6 read
 * as IPv4), or for a peer in http.trusted_proxies the client its
 * forwarding header names (proxy.c).  conn may be NULL while a connection
 * is accepted (no header yet: peer given), peer NULL when conn is given.
 * Returns 1 when the peer is a trusted proxy, else 0. */
int http_client_addr(const struct http *h, struct MHD_Connection *conn, const struct sockaddr *peer,
		     struct client_addr *out);

/* Splits "ADDR:PORT" / "[ADDR]:PORT" into host and port (out buffers of
 * at least 64 and 8 bytes).  Returns 0 or -EINVAL. */
int http_split_listen(const char *listen, char *host, size_t hsize, char *port, size_t psize);

#endif
