/* The HTTP server (libmicrohttpd): serves the published catalogue, the
 * health check and the metrics (doc/reference.md §4).  Request threads only read. */
#ifndef AGENDAD_HTTP_H
#define AGENDAD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"

struct http_options {
	const char *const *listen; /* "ADDR:PORT", "[V6]:PORT" */
	size_t n_listen;
	unsigned max_connections;
	unsigned timeout; /* seconds a connection may stay idle */
	unsigned threads;
	const char *state_dir;           /* where personal selections are kept */
	unsigned selection_max_sessions; /* per selection */
	unsigned selections_per_hour;    /* new selections per client address */
	size_t view_cache_bytes;         /* filtered and personal feeds kept */
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

/* Splits "ADDR:PORT" / "[ADDR]:PORT" into host and port (out buffers of
 * at least 64 and 8 bytes).  Returns 0 or -EINVAL. */
int http_split_listen(const char *listen, char *host, size_t hsize, char *port, size_t psize);

#endif
