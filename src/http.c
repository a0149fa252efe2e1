#include "config.h"

#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define MAX_LISTEN 8
/* Longer paths are answered 404 without a look-up; no feed path is near it. */
#define MAX_PATH 512

struct http {
	struct MHD_Daemon *daemons[MAX_LISTEN];
	size_t n_daemons;
	pthread_mutex_t lock; /* guards current */
	struct catalogue *current;
};

int http_split_listen(const char *listen, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon;
	size_t hlen;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - listen - 1);
		listen++;
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - listen);
	}
	if (hlen == 0 || hlen >= hsize || strlen(colon + 1) == 0 || strlen(colon + 1) >= psize)
		return -EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int bind_socket(const char *addr)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[64], port[8];
	int fd = -1, one = 1, rc;

	if (http_split_listen(addr, host, sizeof(host), port, sizeof(port)) < 0) {
		log_err("listen \"%s\": expected ADDRESS:PORT or [IPV6]:PORT", addr);
		return -EINVAL;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_err("listen \"%s\": %s", addr, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* "[::]" means IPv6 only: list "0.0.0.0:PORT" too for IPv4. */
		if (res->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		rc = -errno;
		log_err("cannot listen on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return rc;
	}
	freeaddrinfo(res);
	return fd;
}

static struct catalogue *current(struct http *h)
{
	struct catalogue *cat;

	pthread_mutex_lock(&h->lock);
	cat = h->current ? catalogue_ref(h->current) : NULL;
	pthread_mutex_unlock(&h->lock);
	return cat;
}

void http_publish(struct http *h, struct catalogue *cat)
{
	struct catalogue *old;

	catalogue_ref(cat);
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = cat;
	pthread_mutex_unlock(&h->lock);
	catalogue_unref(old);
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
			     size_t body)
{
	enum MHD_Result ret = MHD_queue_response(conn, status, r);

	metrics_bytes(body);
	MHD_destroy_response(r);
	return ret;
}

/* Counted when a request ends, so that the answers libmicrohttpd gives
 * by itself (414, 431, 400 for a malformed request) count too. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);

	if (info && info->http_status)
		metrics_request(info->http_status);
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *type,
			    const char *body)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(conn, status, r, strlen(body));
}

/* The list members of a header such as Accept-Encoding or If-None-Match,
 * each trimmed, with its parameters (";q=0") in *params. */
static int next_member(const char **p, char *out, size_t size, const char **params)
{
	const char *s = *p, *end;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return 0;
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	*p = end;
	n = (size_t)(end - s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	*params = strchr(out, ';');
	if (*params) {
		char *cut = (char *)*params;

		*params = cut + 1;
		*cut = '\0';
		for (; cut > out && (cut[-1] == ' ' || cut[-1] == '\t'); cut--)
			cut[-1] = '\0';
	}
	return 1;
}

/* RFC 9110 12.5.3: gzip is acceptable unless refused with q=0. */
static int wants_gzip(struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *params;
	char member[64];

	while (h && next_member(&h, member, sizeof(member), &params)) {
		int refused = 0;

		if (params) {
			const char *q = strstr(params, "q=");

			refused = q && strtod(q + 2, NULL) <= 0.0;
		}
		if (strcasecmp(member, "gzip") == 0 || strcasecmp(member, "x-gzip") == 0 ||
		    strcmp(member, "*") == 0)
			return !refused;
	}
	return 0;
}

/* RFC 9110 13.1.2 (weak comparison) and 13.1.3: If-None-Match wins over
 * If-Modified-Since, which curl_getdate reads.  Returns 0 (send the
 * body) or the ETag to answer 304 with. */
static const char *not_modified(struct MHD_Connection *conn, const struct cat_entry *e, int gz)
{
	const char *selected = gz ? e->etag_gz : e->etag;
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims, *params;
	char member[128];

	/* Either representation's tag will do: a client holding the plain
	 * bytes has current content even when it would now accept gzip. */
	if (inm) {
		while (next_member(&inm, member, sizeof(member), &params)) {
			const char *tag = strncmp(member, "W/", 2) == 0 ? member + 2 : member;

			if (strcmp(tag, "*") == 0)
				return selected;
			if (strcmp(tag, e->etag) == 0)
				return e->etag;
			if (strcmp(tag, e->etag_gz) == 0)
				return e->etag_gz;
		}
		return NULL;
	}
	ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	if (ims) {
		time_t t = curl_getdate(ims, NULL);

		return t != -1 && e->modified <= (int64_t)t ? selected : NULL;
	}
	return NULL;
}

static void free_catalogue_ref(void *cls)
{
	catalogue_unref(cls);
}

static void common_headers(const struct catalogue *cat, struct MHD_Response *r,
			   const struct cat_entry *e, const char *etag)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, e->last_modified);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cat->cache_control);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
}

static enum MHD_Result serve_entry(struct MHD_Connection *conn, struct catalogue *cat,
				   const struct cat_entry *e, int head)
{
	int gz = wants_gzip(conn);
	const struct cat_body *body = gz ? &e->gzip : &e->plain;
	const char *etag = not_modified(conn, e, gz);
	struct MHD_Response *r;

	if (etag) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		common_headers(cat, r, e, etag);
		return queue(conn, MHD_HTTP_NOT_MODIFIED, r, 0);
	}
	/* The response points into the catalogue: it keeps a reference
	 * until MHD has sent the last byte, even across a reload. */
	r = MHD_create_response_from_iovec((const struct MHD_IoVec *)body->iov,
					   (unsigned int)body->n_iov, free_catalogue_ref,
					   catalogue_ref(cat));
	if (!r) {
		catalogue_unref(cat);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, e->content_type);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	common_headers(cat, r, e, gz ? e->etag_gz : e->etag);
	return queue(conn, MHD_HTTP_OK, r, head ? 0 : body->len);
}

static enum MHD_Result serve_metrics(struct MHD_Connection *conn)
{
	size_t len;
	char *body = metrics_render(&len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(conn, MHD_HTTP_OK, r, len);
}

static enum MHD_Result route(struct http *h, struct MHD_Connection *conn, const char *url, int head)
{
	struct catalogue *cat;
	const struct cat_entry *e = NULL;
	enum MHD_Result ret;

	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(conn);
	cat = current(h);
	if (strcmp(url, "/healthz") == 0) {
		ret = cat ? text(conn, MHD_HTTP_OK, "text/plain", "ok\n")
			  : text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "no programme loaded\n");
		catalogue_unref(cat);
		return ret;
	}
	if (cat && url[0] == '/' && strlen(url) < MAX_PATH)
		e = catalogue_find(cat, url + 1);
	if (e)
		ret = serve_entry(conn, cat, e, head);
	else
		ret = text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
	catalogue_unref(cat);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int started;
	int head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	/* Other methods are answered at once (and the connection closed):
	 * their bodies are never read. */
	if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n");
	/* Answering in the first call, before libmicrohttpd has seen the end
	 * of the request, makes it close the connection: wait for the end. */
	if (!*req_cls) {
		*req_cls = &started;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a GET with a body: read and ignore it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(cls, conn, url, head);
}

/* Paths are matched as they arrive: no published path has a '%', so an
 * escaped "..", "/" or NUL can never name anything (and never a file). */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *uri)
{
	return strlen(uri);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("http: %s", msg);
}

int http_start(const struct http_options *o, struct http **out)
{
	struct http *h = calloc(1, sizeof(*h));
	int rc = 0;

	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	for (size_t i = 0; i < o->n_listen && i < MAX_LISTEN && rc == 0; i++) {
		int fd = bind_socket(o->listen[i]);

		if (fd < 0) {
			rc = fd;
			break;
		}
		h->daemons[i] = MHD_start_daemon(
			MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
			0, NULL, NULL, on_request, h,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, fd,
			MHD_OPTION_THREAD_POOL_SIZE, o->threads,
			MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
			MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
			MHD_OPTION_STRICT_FOR_CLIENT, 1,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			MHD_OPTION_END);
		if (!h->daemons[i]) {
			log_err("cannot start the HTTP server on %s", o->listen[i]);
			close(fd);
			rc = -EIO;
			break;
		}
		h->n_daemons++;
	}
	if (rc < 0) {
		http_stop(h);
		return rc;
	}
	*out = h;
	return 0;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_daemons; i++)
		MHD_stop_daemon(h->daemons[i]);
	catalogue_unref(h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
