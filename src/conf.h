/* agendad.conf: the daemon's configuration (doc/reference.md §2). */
#ifndef AGENDAD_CONF_H
#define AGENDAD_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "proxy.h"

enum conf_channel_type { CHANNEL_EMAIL, CHANNEL_WEBHOOK };
enum conf_tls { TLS_NONE, TLS_STARTTLS, TLS_IMPLICIT };
/* A webhook's request format (doc/reference.md §6); conf_webhook_formats
 * names each, in this order. */
enum conf_webhook_format {
	WEBHOOK_STANDARD,
	WEBHOOK_SLACK,
	WEBHOOK_DISCORD,
	WEBHOOK_MATTERMOST,
	WEBHOOK_TEAMS,
	WEBHOOK_NTFY,
	WEBHOOK_N_FORMATS
};
extern const char *const conf_webhook_formats[WEBHOOK_N_FORMATS + 1]; /* NULL-ended */

/* Defaults that http.c also falls back on when a caller leaves the
 * option 0; agendad.conf(5) documents them. */
#define CONF_SELECTION_MAX_SESSIONS 500
#define CONF_SELECTIONS_PER_HOUR 30
#define CONF_SEARCHES_PER_MINUTE 60
#define CONF_VIEW_CACHE_MB 64
#define CONF_MAX_CONNECTIONS_PER_CLIENT 64
#define CONF_REQUEST_TIMEOUT 30 /* seconds */
#define CONF_SEND_TIMEOUT 60    /* seconds */
#define CONF_SEND_MIN_RATE 2048 /* bytes a second */
#define CONF_RATE_LIMIT_CLIENTS 65536

struct conf_channel {
	const char *name;
	enum conf_channel_type type;
	/* email */
	const char *to; /* "speakers" */
	const char *smtp_url, *from, *username, *password_file;
	enum conf_tls tls;
	/* The EHLO name (a fully qualified domain name: servers score or
	 * refuse a short one): "helo", else From's domain, else the host's
	 * FQDN; and smtp_url with it as the path, which is how libcurl takes
	 * it.  NULL, and smtp_url as it is, when there is none to give. */
	const char *helo, *smtp_send_url;
	/* webhook */
	const char *url, *secret_file;
	enum conf_webhook_format webhook_format;
	const char *format; /* its name, conf_webhook_formats[webhook_format] */
	/* filters: empty means every session */
	const char **tracks;
	size_t n_tracks;
	const char **kinds;
	size_t n_kinds;
	int notify_changes;
	unsigned max_in_flight; /* deliveries at once on this channel */
	int64_t timeout;        /* seconds an attempt may take */
	const char *ca_file;    /* extra trusted CA certificates (PEM), or NULL */
	int line;
};

struct conf {
	struct arena *arena; /* owns everything below */
	const char *path;
	const char *programme; /* resolved against the configuration's folder */
	int programme_line;
	const char *programme_url;    /* or fetched from here, into the state directory */
	int64_t programme_poll;       /* seconds between fetches */
	size_t programme_max_size;    /* bytes of a programme document (programme_max_mb) */
	const char *speakers_overlay; /* e-mail addresses and more, by speaker id */
	const char *state_dir;
	const char *base_url; /* without a trailing '/' */
	const char *export_dir;
	const char *listen;     /* the first of listens */
	const char **listens; /* every address to listen on */
	size_t n_listens;
	unsigned max_connections;
	int64_t http_timeout;
	unsigned http_threads;
	unsigned selection_max_sessions; /* sessions in one personal selection */
	unsigned selections_per_hour;    /* new selections per client address */
	unsigned searches_per_minute;    /* search.html answers per client address */
	unsigned view_cache_mb;          /* filtered and personal feeds kept */
	struct proxy_list trusted_proxies; /* whose forwarding header counts */
	enum proxy_header proxy_header;    /* which header they append to */
	/* stored selections */
	unsigned selections_max;   /* then POST /my is 503 */
	int64_t selections_expire; /* seconds unused before removal */
	/* guards against hostile and slow clients (guard.c, ratelimit.c) */
	unsigned max_connections_per_client;
	unsigned request_timeout; /* seconds for a whole request to arrive */
	unsigned send_timeout;    /* seconds for any response ... */
	unsigned send_min_rate;   /* ... plus its bytes at this rate */
	unsigned max_old_catalogues;
	unsigned rate_limit_clients; /* addresses the selection limit remembers */
	int64_t refresh;
	int64_t *alarms;
	size_t n_alarms;
	int64_t *before;
	size_t n_before;
	int64_t catch_up;
	const char **skip_kinds;
	size_t n_skip_kinds;
	struct conf_channel *channels;
	size_t n_channels;
};

/* The table of every key agendad.conf knows (conf.c): one row per key,
 * read by one walker.  A key's group says where it is written. */
enum conf_group {
	CG_TOP,       /* the top level */
	CG_HTTP,      /* http = { ... } */
	CG_FEEDS,     /* feeds = { ... } */
	CG_REMINDERS, /* reminders = { ... } */
	CG_CHANNEL,   /* each group of channels = ( ... ) */
	CG_EMAIL,     /* ... of type "email" */
	CG_WEBHOOK,   /* ... of type "webhook" */
	CG_N_GROUPS
};
/* The name of a sub-group of the top level ("http"), or NULL. */
const char *conf_group_name(enum conf_group g);
/* The name and group of row i of the table; NULL past its end. */
const char *conf_key_name(size_t i, enum conf_group *group);

/* Reads path; every problem goes to d.  Returns the configuration, or
 * NULL when d counted errors.  Free with conf_free. */
struct conf *conf_load(const char *path, struct diag *d);
void conf_free(struct conf *c);
/* Resolves p against the configuration's folder (absolute p unchanged). */
const char *conf_path(struct conf *c, const char *p);

#endif
