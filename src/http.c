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
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "guard.h"
#include "gzip.h"
#include "html.h"
#include "http_headers.h"
#include "pages.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "query.h"
#include "ratelimit.h"
#include "selections.h"
#include "view.h"

#define MAX_LISTEN 8
/* Longer paths are answered 404 without a look-up; no feed path is near it. */
#define MAX_PATH 512
/* Query arguments read per request; a feed takes at most six keys. */
#define MAX_ARGS 64
/* Bytes of a query; a filter of a few dozen ids is far shorter. */
#define MAX_QUERY 8192
/* A selection's form: session=ID, a few hundred times at most. */
#define MAX_ID FORM_MAX_ID
struct http {
	struct MHD_Daemon *daemons[MAX_LISTEN];
	size_t n_daemons;
	pthread_mutex_t lock; /* guards current */
	struct catalogue *current;
	struct view_cache *views;
	struct selections *selections;
	unsigned max_sessions;
	/* Guards rates and searches: a full table's purge waits for no request. */
	pthread_mutex_t rate_lock;
	struct ratelimit *rates;   /* new selections per client and hour */
	struct ratelimit *searches; /* search.html answers per client and minute */
	struct guard *guard;
	struct proxy_list proxies; /* a copy: the configuration goes with its catalogue */
	enum proxy_header proxy_kind;
	const char *proxy_header; /* its name */
};

/* The state of a POST /my while its body arrives. */
struct post {
	struct MHD_PostProcessor *pp;
	char **ids;
	size_t n, cap, bytes, max_bytes;
	unsigned status; /* an error found so far, or 0 */
	char why[256];
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
	int fd = -1, one = 1, sndbuf = 1 << 20, rc;

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
		/* Accepted sockets inherit it: a whole track or day feed (a few
		 * hundred KB) then leaves in one sendmsg instead of waiting for
		 * TCP's send buffer to grow. */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
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
	if (h->guard)
		guard_publish(h->guard, cat->generation);
	catalogue_unref(old);
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
			     size_t body)
{
	enum MHD_Result ret = MHD_queue_response(conn, status, r);

	guard_sending(conn, body);
	metrics_bytes(body);
	MHD_destroy_response(r);
	return ret;
}

/* Counted when a request ends, so that the answers libmicrohttpd gives
 * by itself (414, 431, 400 for a malformed request) count too. */
static int started; /* *req_cls of a GET or HEAD once its first call is done */
/* *req_cls of a request whose query was dropped unread (see on_uri). */
static int too_many_args, query_too_long;

/* libmicrohttpd 0.9.75 keeps each query argument in the connection's
 * 32 KB pool; when they do not fit (a thousand short ones, or a few
 * dozen in a query of 30 KB), it queues a 431 and then goes on reading
 * headers into a buffer it has freed, so the client hears nothing until
 * the timeout.  This callback sees the request line before the
 * arguments are parsed: a query of more arguments than any feed reads,
 * or longer than any feed needs, is ended at its '?' (the line lies in
 * the connection's read buffer, writable, and the library has already
 * found the '?') and the request is answered 400 or 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	char *query = strchr(uri, '?');
	size_t n = 1;
	void *refused = &too_many_args;

	if (!query)
		return NULL;
	for (const char *p = query + 1; *p && n <= MAX_ARGS; p++)
		n += *p == '&';
	if (n <= MAX_ARGS) {
		if (strlen(query + 1) <= MAX_QUERY)
			return NULL;
		refused = &query_too_long;
	}
	query[1] = '\0';
	return refused;
}

static void post_free(struct post *p);

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);

	if (info && info->http_status)
		metrics_request(info->http_status);
	if (*req_cls && *req_cls != &started && *req_cls != &too_many_args &&
	    *req_cls != &query_too_long)
		post_free(*req_cls);
	*req_cls = NULL;
	guard_completed(conn);
}

static enum MHD_Result text_allow(struct MHD_Connection *conn, unsigned status, const char *type,
				  const char *body, const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(conn, status, r, strlen(body));
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *type,
			    const char *body)
{
	return text_allow(conn, status, type, body, "GET, HEAD");
}

/* An error a client caused, with the reason on its own line.  The
 * reason may quote what the client sent, cut at a byte count: whatever
 * is not UTF-8 in it is escaped, never echoed. */
static enum MHD_Result client_error(struct MHD_Connection *conn, unsigned status, const char *why)
{
	struct buf body = { 0 };
	enum MHD_Result ret;

	buf_add_clean(&body, why);
	buf_adds(&body, "\n");
	ret = text(conn, status, "text/plain; charset=utf-8", body.data);
	buf_free(&body);
	return ret;
}

/* The answer to a request whose query on_uri dropped; *done says
 * whether there was one. */
static enum MHD_Result refuse_query(struct MHD_Connection *conn, void *req_cls, int *done)
{
	char why[64];

	*done = req_cls == &too_many_args || req_cls == &query_too_long;
	if (!*done)
		return MHD_NO;
	if (req_cls == &too_many_args) {
		snprintf(why, sizeof(why), "too many query parameters (at most %d)", MAX_ARGS);
		return client_error(conn, MHD_HTTP_BAD_REQUEST, why);
	}
	snprintf(why, sizeof(why), "query longer than %d bytes", MAX_QUERY);
	return client_error(conn, MHD_HTTP_URI_TOO_LONG, why);
}

static int wants_gzip(struct MHD_Connection *conn)
{
	return hdr_wants_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							  MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* Returns 0 (send the body) or the ETag to answer 304 with. */
static const char *not_modified(struct MHD_Connection *conn, const struct cat_entry *e, int gz)
{
	return hdr_not_modified(
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_IF_MODIFIED_SINCE),
		e->etag, e->etag_gz, e->modified, gz);
}

static void free_catalogue_ref(void *cls)
{
	catalogue_unref(cls);
}

static void free_view_ref(void *cls)
{
	view_unref(cls);
}

/* What keeps a response's bytes alive until libmicrohttpd has sent them:
 * the catalogue, or a view (which holds its catalogue). */
struct holder {
	void *(*ref)(void *);
	void (*release)(void *);
	void *obj;
};

static void *ref_catalogue(void *cat)
{
	return catalogue_ref(cat);
}

static void *ref_view(void *v)
{
	return view_ref(v);
}

static void common_headers(const struct catalogue *cat, struct MHD_Response *r,
			   const struct cat_entry *e, const char *etag)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, e->last_modified);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				e->cache_control ? e->cache_control : cat->cache_control);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
}

static enum MHD_Result serve_held(struct MHD_Connection *conn, struct catalogue *cat,
				  const struct cat_entry *e, int head, const struct holder *hold);

static enum MHD_Result serve_entry(struct MHD_Connection *conn, struct catalogue *cat,
				   const struct cat_entry *e, int head)
{
	const struct holder hold = { ref_catalogue, free_catalogue_ref, cat };

	return serve_held(conn, cat, e, head, &hold);
}

/* How a body is handed to libmicrohttpd (0.9.75).  Never as an iovec
 * response: the library copies the iovec array into the connection's
 * 32 KB memory pool, and when it does not fit (a few thousand pieces, or
 * a request whose headers filled the pool) it closes with "out of
 * memory" after unlocking a mutex it never locked, which aborts the
 * process on the next response; and one sendmsg stops at IOV_MAX (1024)
 * segments, after which the connection waits for a write event that
 * never comes and the body is cut short.  So a body in one piece is
 * served from where it lies, and any other is copied by a reader into
 * the response's own buffer, a block at a time.
 *
 * Small bodies are copied whole into one buffer: libmicrohttpd sends a
 * buffer with the headers in one segment, and the copy of a few
 * kilobytes costs far less than the extra packet. */
#define COPY_MAX 16384
/* The reader's block, allocated per response in flight: 256 KB served
 * no faster than 64 KB. */
#define READ_BLOCK (64 * 1024)

/* A reader's place in a body of many segments.  MHD asks for the bytes
 * in order, so each block starts where the last one ended. */
struct body_reader {
	const struct cat_body *body;
	struct holder held; /* a reference on what body points into */
	size_t seg, seg_off;
	uint64_t pos;
};

/* Not expected from MHD, which reads in order, but cheap to honour. */
static int seek(struct body_reader *r, uint64_t pos)
{
	const struct cat_body *b = r->body;

	r->seg = 0;
	r->pos = 0;
	while (r->seg < b->n_iov && pos - r->pos >= b->iov[r->seg].iov_len)
		r->pos += b->iov[r->seg++].iov_len;
	if (r->seg == b->n_iov)
		return -1;
	r->seg_off = (size_t)(pos - r->pos);
	r->pos = pos;
	return 0;
}

static ssize_t read_body(void *cls, uint64_t pos, char *out, size_t max)
{
	struct body_reader *r = cls;
	const struct cat_body *b = r->body;
	size_t done = 0;

	if (pos != r->pos && seek(r, pos) < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	while (done < max && r->seg < b->n_iov) {
		const struct iovec *v = &b->iov[r->seg];
		size_t n = v->iov_len - r->seg_off;

		if (n > max - done)
			n = max - done;
		memcpy(out + done, (const char *)v->iov_base + r->seg_off, n);
		done += n;
		r->seg_off += n;
		if (r->seg_off == v->iov_len) {
			r->seg++;
			r->seg_off = 0;
		}
	}
	r->pos += done;
	return done ? (ssize_t)done : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_reader(void *cls)
{
	struct body_reader *r = cls;

	r->held.release(r->held.obj);
	free(r);
}

static struct MHD_Response *reader_response(const struct cat_body *body, const struct holder *hold)
{
	struct body_reader *r = xcalloc(1, sizeof(*r));
	struct MHD_Response *resp;
	size_t block = body->len < READ_BLOCK ? body->len : READ_BLOCK;

	r->body = body;
	r->held = *hold;
	r->held.obj = hold->ref(hold->obj);
	resp = MHD_create_response_from_callback(body->len, block, read_body, r, free_reader);
	if (!resp)
		free_reader(r);
	return resp;
}

static struct MHD_Response *copy_response(const struct cat_body *body)
{
	struct MHD_Response *r;
	char *copy = xmalloc(body->len ? body->len : 1), *p = copy;

	for (size_t i = 0; i < body->n_iov; i++) {
		memcpy(p, body->iov[i].iov_base, body->iov[i].iov_len);
		p += body->iov[i].iov_len;
	}
	r = MHD_create_response_from_buffer(body->len, copy, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(copy);
	return r;
}

static struct MHD_Response *body_response(const struct cat_body *body, const struct holder *hold)
{
	struct MHD_Response *r;

	if (body->n_iov > 1)
		return body->len <= COPY_MAX ? copy_response(body) : reader_response(body, hold);
	/* One piece is sent from the catalogue itself, which the response
	 * keeps a reference on until MHD has sent the last byte, even
	 * across a reload. */
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		body->len, body->n_iov ? body->iov[0].iov_base : (void *)"", hold->release,
		hold->ref(hold->obj));
	if (!r)
		hold->release(hold->obj);
	return r;
}

static enum MHD_Result serve_held(struct MHD_Connection *conn, struct catalogue *cat,
				  const struct cat_entry *e, int head, const struct holder *hold)
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
	r = body_response(body, hold);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, e->content_type);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	common_headers(cat, r, e, gz ? e->etag_gz : e->etag);
	guard_holds(conn, cat->generation);
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


struct args {
	struct query_arg a[MAX_ARGS];
	size_t n;
	int overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct args *args = cls;

	if (args->n == MAX_ARGS) {
		args->overflow = 1;
		return MHD_NO;
	}
	args->a[args->n++] = (struct query_arg){ key, value };
	return MHD_YES;
}

/* Reads the query of a feed request into q; answers 400 itself (and
 * returns -1) when the query is wrong. */
static int read_query(struct MHD_Connection *conn, const struct programme *p, int filters,
		      struct query *q, enum MHD_Result *ret)
{
	struct args args = { .n = 0 };
	char why[300];

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
	if (args.overflow) {
		memset(q, 0, sizeof(*q));
		*ret = client_error(conn, MHD_HTTP_BAD_REQUEST, "too many query parameters");
		return -1;
	}
	if (query_parse(p, args.a, args.n, filters, q, why, sizeof(why)) < 0) {
		*ret = client_error(conn, MHD_HTTP_BAD_REQUEST, why);
		query_free(q);
		return -1;
	}
	return 0;
}

static enum MHD_Result serve_view(struct MHD_Connection *conn, struct catalogue *cat,
				  struct view *v, int head)
{
	const struct holder hold = { ref_view, free_view_ref, v };
	enum MHD_Result ret;

	ret = serve_held(conn, cat, &v->entry, head, &hold);
	view_unref(v);
	return ret;
}

/* A feed with a query: filtered (the whole programme only) or with the
 * subscriber's alarms.  Without a query the catalogue's entry serves. */
static enum MHD_Result serve_feed(struct http *h, struct MHD_Connection *conn,
				  struct catalogue *cat, const struct cat_entry *e, int head)
{
	struct query q;
	enum MHD_Result ret;
	char *key;

	if (MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0)
		return serve_entry(conn, cat, e, head);
	if (read_query(conn, cat->prog, e->feed->kind == FEED_ALL, &q, &ret) < 0)
		return ret;
	if (!*q.canon) {
		query_free(&q);
		return serve_entry(conn, cat, e, head);
	}
	key = xasprintf("%s?%s", e->path, q.canon);
	ret = serve_view(conn, cat, view_feed(h->views, cat, e->feed, &q, key), head);
	free(key);
	query_free(&q);
	return ret;
}

/* A page built for one request (search.html, /my/TOKEN), which it
 * owns: compressed per request too, since a broad search at 10,000
 * sessions lists 200 of them in about 110 KB, and a selection can hold
 * thousands; gzip brings either to about a tenth, for a phone on
 * conference Wi-Fi.  A private page is not cached and keeps its address,
 * the only key to the selection, out of Referer. */
static enum MHD_Result serve_built(struct MHD_Connection *conn, char *body, size_t len, int head,
				   int private_page)
{
	struct MHD_Response *r;
	int gz = wants_gzip(conn);

	if (gz) {
		struct gz_chunk c;

		gz_whole(body, len, &c);
		free(body);
		body = (char *)c.data;
		len = c.len;
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				private_page ? "private, no-cache" : "max-age=30");
	if (private_page)
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	return queue(conn, MHD_HTTP_OK, r, head ? 0 : len);
}

/* The selection's page, or with ".ics" its feed. */
static enum MHD_Result serve_my(struct http *h, struct MHD_Connection *conn, struct catalogue *cat,
				const char *rest, int head)
{
	size_t len = strlen(rest), n = 0, page_len;
	int feed = len > 4 && strcmp(rest + len - 4, ".ics") == 0;
	char token[SELECTION_TOKEN_LEN + 1], **ids = NULL, *key = NULL, *page;
	enum MHD_Result ret;
	struct query q;
	int rc;

	if (feed)
		len -= 4;
	if (!h->selections || !selection_token_valid(rest, len))
		return text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
	memcpy(token, rest, len);
	token[len] = '\0';
	rc = selections_get(h->selections, token, &ids, &n);
	if (rc == -ENOENT)
		return text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			    "no such selection\n");
	if (rc < 0)
		return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
			    "cannot read the selection\n");
	if (!feed) {
		page = html_selection(cat->fs, cat->conf, token, ids, n, &page_len);
		free(ids);
		return serve_built(conn, page, page_len, head, 1);
	}
	if (read_query(conn, cat->prog, 0, &q, &ret) < 0) {
		free(ids);
		return ret;
	}
	key = xasprintf("my/%s.ics?%s", token, q.canon);
	ret = serve_view(conn, cat,
			 view_selection(h->views, cat, (const char *const *)ids, n, &q, key), head);
	free(key);
	free(ids);
	query_free(&q);
	return ret;
}

/* Fields of one header joined with ", " (RFC 9110 5.3), as proxy_client
 * wants them; a value longer than the buffer is not believed. */
struct joined {
	const char *name;
	char value[4096];
	size_t len;
	int overflow;
};

static enum MHD_Result join_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct joined *j = cls;
	size_t n = strlen(value);

	(void)kind;
	if (strcasecmp(key, j->name) != 0)
		return MHD_YES;
	if (j->len + n + 3 > sizeof(j->value)) {
		j->overflow = 1;
		return MHD_NO;
	}
	if (j->len) {
		memcpy(j->value + j->len, ", ", 2);
		j->len += 2;
	}
	memcpy(j->value + j->len, value, n + 1);
	j->len += n;
	return MHD_YES;
}

static void addr_of(const struct sockaddr *sa, struct client_addr *out);

int http_client_addr(const struct http *h, struct MHD_Connection *conn, const struct sockaddr *peer,
		     struct client_addr *out)
{
	const union MHD_ConnectionInfo *info =
		conn && !peer ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
			      : NULL;
	const struct sockaddr *sa = peer ? peer : info ? info->client_addr : NULL;
	struct sockaddr_storage client;
	struct joined j = { .len = 0 };

	if (!sa || !h || !proxy_trusted(&h->proxies, sa)) {
		addr_of(sa, out);
		return 0;
	}
	if (!conn) { /* accepting: no header yet */
		addr_of(sa, out);
		return 1;
	}
	j.name = h->proxy_header;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, join_field, &j);
	proxy_client(&h->proxies, sa, h->proxy_kind, j.len && !j.overflow ? j.value : NULL,
		     &client);
	addr_of((const struct sockaddr *)&client, out);
	return 1;
}

/* The client as ratelimit.h keys it, from proxy.c's one reading of a
 * socket address (IPv4-mapped IPv6 is the IPv4 client). */
static void addr_of(const struct sockaddr *sa, struct client_addr *out)
{
	unsigned char a[16];

	memset(out, 0, sizeof(*out));
	out->family = proxy_addr_bytes(sa, a);
	if (out->family == AF_INET)
		memcpy(out->b, a + 12, 4);
	else if (out->family == AF_INET6)
		memcpy(out->b, a, 16);
}

/* Counts one take of this client in rl (a new selection, a search):
 * RL_OK, or how long to wait. */
static enum rl_result rate_limit(struct http *h, struct ratelimit *rl, struct MHD_Connection *conn,
				 int64_t now, int64_t *wait)
{
	struct client_addr who;
	enum rl_result rc;

	http_client_addr(h, conn, NULL, &who);
	pthread_mutex_lock(&h->rate_lock);
	rc = ratelimit_take(rl, &who, now, wait);
	pthread_mutex_unlock(&h->rate_lock);
	return rc;
}

/* A refusal that passes with time: status, the reason, Retry-After. */
static enum MHD_Result retry_later(struct MHD_Connection *conn, unsigned status, const char *why,
				   int64_t wait)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(why), (void *)why, MHD_RESPMEM_MUST_COPY);
	char after[32];

	if (!r)
		return MHD_NO;
	snprintf(after, sizeof(after), "%lld", (long long)wait);
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, after);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(conn, status, r, strlen(why));
}

/* 429 when this client made too many, 503 when too many clients did. */
static enum MHD_Result rate_limited(struct MHD_Connection *conn, enum rl_result rc, int64_t wait)
{
	char why[160];

	snprintf(why, sizeof(why), "%s: try again in %lld minutes\n",
		 rc == RL_LIMITED ? "too many new selections from your address"
				  : "too many addresses made selections recently",
		 (long long)(wait + 59) / 60);
	return retry_later(conn, rc == RL_LIMITED ? MHD_HTTP_TOO_MANY_REQUESTS
						  : MHD_HTTP_SERVICE_UNAVAILABLE, why, wait);
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	struct post *p = cls;

	if (!p->status)
		p->status = form_session_field(p->ids, &p->n, p->cap, key, data, off, size, p->why,
					       sizeof(p->why));
	return MHD_YES;
}

static void post_free(struct post *p)
{
	if (!p)
		return;
	if (p->pp)
		MHD_destroy_post_processor(p->pp);
	for (size_t i = 0; i < p->n; i++)
		free(p->ids[i]);
	free(p->ids);
	free(p);
}

/* The first call of a POST /my: refuse a body too large before reading it. */
static enum MHD_Result post_begin(struct http *h, struct MHD_Connection *conn, void **req_cls)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct post *p = xcalloc(1, sizeof(*p));
	char why[128];

	p->ids = xcalloc(h->max_sessions + 1, sizeof(char *));
	p->cap = h->max_sessions;
	p->max_bytes = (size_t)h->max_sessions * (MAX_ID / 4 + 10) + 4096;
	*req_cls = p;
	/* libmicrohttpd 0.9.75 can answer only before it reads a body or
	 * after its end: a form of unknown length (chunked) would be read to
	 * its end, however long, before the answer to its first oversized
	 * kilobytes.  Forms carry their length. */
	if (!cl)
		return client_error(conn, MHD_HTTP_LENGTH_REQUIRED,
				    "send the form with a Content-Length");
	if (strtoull(cl, NULL, 10) > p->max_bytes) {
		snprintf(why, sizeof(why), "the form is larger than %zu bytes", p->max_bytes);
		return client_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, why);
	}
	p->pp = MHD_create_post_processor(conn, 4096, post_field, p);
	if (!p->pp)
		return client_error(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				    "send a form: application/x-www-form-urlencoded or "
				    "multipart/form-data with session=ID fields");
	return MHD_YES;
}

/* Every id must name a session now; duplicates are dropped. */
static int check_ids(struct post *p, const struct programme *prog)
{
	size_t kept = 0;
	uint32_t index;

	for (size_t i = 0; i < p->n; i++) {
		int again = 0;

		if (strmap_get(prog->session_ids, p->ids[i], &index) != 0) {
			snprintf(p->why, sizeof(p->why), "unknown session '%.100s'", p->ids[i]);
			return -1;
		}
		for (size_t j = 0; j < kept && !again; j++)
			again = strcmp(p->ids[j], p->ids[i]) == 0;
		if (again)
			free(p->ids[i]);
		else
			p->ids[kept++] = p->ids[i];
	}
	p->n = kept;
	return 0;
}

static enum MHD_Result post_end(struct http *h, struct MHD_Connection *conn, struct post *p)
{
	struct catalogue *cat = current(h);
	char token[SELECTION_TOKEN_LEN + 1], where[64];
	int64_t now = (int64_t)time(NULL), wait = 0;
	struct MHD_Response *r;
	enum MHD_Result ret;
	enum rl_result rl;
	int stored;

	if (!cat || !h->selections)
		ret = text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "no programme loaded\n");
	else if (p->status)
		ret = client_error(conn, p->status, p->why);
	else if (p->n == 0)
		ret = client_error(conn, MHD_HTTP_BAD_REQUEST, "choose at least one session");
	else if (check_ids(p, cat->prog) < 0)
		ret = client_error(conn, MHD_HTTP_BAD_REQUEST, p->why);
	else if ((rl = rate_limit(h, h->rates, conn, now, &wait)) != RL_OK)
		ret = rate_limited(conn, rl, wait);
	else if ((stored = selections_create(h->selections, (const char *const *)p->ids, p->n,
					       now, token)) == -ENOSPC)
		/* http.selections_max: room comes back as unused ones expire. */
		ret = retry_later(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "this server stores as many personal selections as it may; try "
				  "again later\n", 3600);
	else if (stored < 0)
		ret = text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
			   "cannot store the selection\n");
	else {
		metrics_selection_created();
		/* Relative to /my, so that it holds behind a proxy's path prefix. */
		snprintf(where, sizeof(where), "my/%s", token);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, where);
			MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
			ret = queue(conn, MHD_HTTP_SEE_OTHER, r, 0);
		} else {
			ret = MHD_NO; /* the selection is stored: closing loses only its address */
		}
	}
	catalogue_unref(cat);
	return ret;
}

static enum MHD_Result post_my(struct http *h, struct MHD_Connection *conn, const char *data,
			       size_t *size, void **req_cls)
{
	struct post *p = *req_cls;

	if (!p)
		return post_begin(h, conn, req_cls);
	if (*size) {
		p->bytes += *size;
		if (p->bytes > p->max_bytes && !p->status) {
			snprintf(p->why, sizeof(p->why), "the form is larger than %zu bytes",
				 p->max_bytes);
			p->status = MHD_HTTP_CONTENT_TOO_LARGE;
		}
		if (!p->status)
			MHD_post_process(p->pp, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return post_end(h, conn, p);
}

/* A search parameter, decoded as a form sends it ('+' for a space; the
 * server keeps URLs escaped).  NULL when absent; *bad is set when it is
 * longer than PAGE_QUERY_MAX or holds a NUL. */
static char *form_value(struct MHD_Connection *conn, const char *key, int *bad)
{
	const char *raw = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
	char *plus, *value;
	int len = 0;

	if (!raw)
		return NULL;
	if (strlen(raw) > 3 * PAGE_QUERY_MAX) {
		*bad = 1;
		return NULL;
	}
	plus = xstrdup(raw);
	for (char *p = plus; *p; p++)
		if (*p == '+')
			*p = ' ';
	value = curl_easy_unescape(NULL, plus, 0, &len);
	free(plus);
	if (!value || len > PAGE_QUERY_MAX || strlen(value) != (size_t)len) {
		*bad = 1;
		curl_free(value);
		return NULL;
	}
	return value;
}

static void *ref_live(void *l)
{
	return catalogue_live_ref(l);
}

static void free_live_ref(void *l)
{
	catalogue_live_unref(l);
}

/* now.html and now.json follow the daemon's clock (simulated with --now):
 * built once a minute, served like the other pages. */
static enum MHD_Result serve_live(struct MHD_Connection *conn, struct catalogue *cat,
				  const char *url, int head)
{
	struct cat_live *l = catalogue_live(cat, strcmp(url, "/now.json") == 0, clock_now_ms());
	const struct holder hold = { ref_live, free_live_ref, l };
	enum MHD_Result ret = serve_held(conn, cat, &l->e, head, &hold);

	catalogue_live_unref(l);
	return ret;
}

/* A search reads every session's text: about 2 ms of CPU at 10,000
 * sessions, so each address gets http.searches_per_minute of them. */
static enum MHD_Result serve_search(struct http *h, struct MHD_Connection *conn,
				    struct catalogue *cat, int head)
{
	int64_t wait;
	enum rl_result rl = rate_limit(h, h->searches, conn, (int64_t)time(NULL), &wait);
	int bad = 0;
	char *q, *day, *track, *room, *body = NULL;
	size_t len = 0;

	if (rl != RL_OK)
		return retry_later(conn, rl == RL_LIMITED ? MHD_HTTP_TOO_MANY_REQUESTS
							  : MHD_HTTP_SERVICE_UNAVAILABLE,
				   rl == RL_LIMITED ? "too many searches from your address: try again "
						      "in a minute\n"
						    : "too many addresses searched recently: try again "
						      "in a minute\n",
				   wait);
	q = form_value(conn, "q", &bad);
	day = form_value(conn, "day", &bad);
	track = form_value(conn, "track", &bad);
	room = form_value(conn, "room", &bad);
	if (!bad)
		body = page_search(cat->fs, &cat->search, cat->conf, q, day, track, room, &len);
	curl_free(q);
	curl_free(day);
	curl_free(track);
	curl_free(room);
	if (bad)
		return client_error(conn, MHD_HTTP_BAD_REQUEST,
				    "a search term is longer than 100 bytes or holds a NUL");
	return serve_built(conn, body, len, head, 0);
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
	if (cat && strncmp(url, "/my/", 4) == 0 && strlen(url) < MAX_PATH) {
		ret = serve_my(h, conn, cat, url + 4, head);
		catalogue_unref(cat);
		return ret;
	}
	if (cat && (strcmp(url, "/now.html") == 0 || strcmp(url, "/now.json") == 0)) {
		ret = serve_live(conn, cat, url, head);
		catalogue_unref(cat);
		return ret;
	}
	if (cat && strcmp(url, "/search.html") == 0) {
		ret = serve_search(h, conn, cat, head);
		catalogue_unref(cat);
		return ret;
	}
	if (cat && url[0] == '/' && strlen(url) < MAX_PATH)
		e = catalogue_find(cat, url + 1);
	if (e && e->feed)
		ret = serve_feed(h, conn, cat, e, head);
	else if (e)
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
	int head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	enum MHD_Result ret;
	int refused;

	/* At once, whatever the method: the connection is closed after it. */
	ret = refuse_query(conn, *req_cls, &refused);
	if (refused)
		return ret;
	if (strcmp(url, "/my") == 0) {
		if (post)
			return post_my(cls, conn, upload_data, upload_data_size, req_cls);
		return text_allow(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				  "method not allowed: POST a form of session=ID fields\n", "POST");
	}
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

static struct guard *start_guard(const struct http *h, const struct http_options *o)
{
	struct guard_options go = {
		.http = h,
		.per_client = o->max_connections_per_client ? o->max_connections_per_client
							: CONF_MAX_CONNECTIONS_PER_CLIENT,
		.max_open = (size_t)o->max_connections * (o->n_listen ? o->n_listen : 1),
		.request_timeout = o->request_timeout ? o->request_timeout : CONF_REQUEST_TIMEOUT,
		.send_timeout = o->send_timeout ? o->send_timeout : CONF_SEND_TIMEOUT,
		.send_min_rate = o->send_min_rate ? o->send_min_rate : CONF_SEND_MIN_RATE,
		.max_old_catalogues = o->max_old_catalogues,
	};

	return guard_new(&go);
}

int http_start(const struct http_options *o, struct http **out)
{
	struct http *h = xcalloc(1, sizeof(*h));
	int rc = 0;

	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->rate_lock, NULL);
	h->max_sessions = o->selection_max_sessions ? o->selection_max_sessions
						    : CONF_SELECTION_MAX_SESSIONS;
	h->views = view_cache_new(1024, o->view_cache_bytes ? o->view_cache_bytes
							  : (size_t)CONF_VIEW_CACHE_MB << 20);
	h->rates = ratelimit_new(o->selections_per_hour ? o->selections_per_hour
							 : CONF_SELECTIONS_PER_HOUR,
				 3600,
				 o->rate_limit_clients ? o->rate_limit_clients : CONF_RATE_LIMIT_CLIENTS);
	h->searches = ratelimit_new(o->searches_per_minute ? o->searches_per_minute
							   : CONF_SEARCHES_PER_MINUTE,
				    60,
				    o->rate_limit_clients ? o->rate_limit_clients : CONF_RATE_LIMIT_CLIENTS);
	if (o->trusted_proxies && o->trusted_proxies->n) {
		h->proxies.ranges =
			xreallocarray(NULL, o->trusted_proxies->n, sizeof(struct proxy_range));
		memcpy(h->proxies.ranges, o->trusted_proxies->ranges,
		       o->trusted_proxies->n * sizeof(struct proxy_range));
		h->proxies.n = o->trusted_proxies->n;
	}
	h->proxy_kind = o->proxy_header;
	h->proxy_header = h->proxy_kind == PROXY_FORWARDED ? "Forwarded" : "X-Forwarded-For";
	h->guard = start_guard(h, o);
	/* OpenSSL could not key a table, or the watchdog did not start. */
	if (!h->rates || !h->searches || !h->guard) {
		http_stop(h);
		return -EIO;
	}
	if (o->state_dir && (rc = selections_open(o->state_dir, &h->selections)) < 0) {
		http_stop(h);
		return rc;
	}
	for (size_t i = 0; i < o->n_listen && i < MAX_LISTEN && rc == 0; i++) {
		int fd = bind_socket(o->listen[i]);

		if (fd < 0) {
			rc = fd;
			break;
		}
		h->daemons[i] = MHD_start_daemon(
			MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
			0, guard_accept, h->guard, on_request, h,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, fd,
			MHD_OPTION_THREAD_POOL_SIZE, o->threads,
			MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
			MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
			MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
			MHD_OPTION_STRICT_FOR_CLIENT, 1,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			MHD_OPTION_NOTIFY_CONNECTION, guard_notify, h->guard,
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
	guard_free(h->guard);
	ratelimit_free(h->rates);
	ratelimit_free(h->searches);
	free(h->proxies.ranges);
	catalogue_unref(h->current);
	view_cache_free(h->views);
	selections_close(h->selections);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->rate_lock);
	free(h);
}
