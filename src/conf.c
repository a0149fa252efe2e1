#include "config.h"

#include "conf.h"

#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lcfg.h"
#include "memory.h"
#include "programme.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

/* Every key is one row of keys[] below: its name, where it is written,
 * how it is read, where it is stored and its default.  One walker reads
 * a group's rows in order (walk_group), unknown keys are those in no
 * row, and the few rules that tie keys together (a channel's type, the
 * programme or its URL, base_url from listen) are the finish_*
 * functions.  Defaults are written here once. */
enum key_type {
	KT_STRING,    /* const char *; names: one of them; check: a test of it */
	KT_PATH,      /* const char *, resolved against the configuration's folder */
	KT_ID,        /* const char *, an id (lcfg_id) */
	KT_BOOL,      /* int */
	KT_UINT,      /* unsigned, a whole number in [lo, hi] */
	KT_MB,        /* size_t bytes, written as a whole number of MiB in [lo, hi] */
	KT_DURATION,  /* int64_t seconds, at least lo; at most hi unless 0 */
	KT_SECONDS,   /* unsigned seconds, as KT_DURATION */
	KT_CHOICE,    /* an enum: the index of the value in names */
	KT_STRINGS,   /* const char ** and its size_t count at .count */
	KT_DURATIONS, /* int64_t * and its size_t count at .count */
	KT_GROUP,     /* a sub-group { ... } whose rows have group .sub */
	KT_READ,      /* read by .read */
};

enum {
	K_REQUIRED = 1, /* an error when absent */
	K_NOCASE = 2,   /* KT_CHOICE: names compared without case */
	K_BARE = 4,     /* KT_CHOICE: the message lists names without quotes */
	K_CLAMP = 8,    /* KT_DURATION: below lo is lo, not an error */
};

struct walk {
	struct conf *c;
	struct lcfg *lc;
	const config_setting_t *g; /* the group being read */
	void *base;                /* struct conf, or the struct conf_channel read */
};

struct key {
	const char *name;
	enum conf_group group;
	enum key_type type;
	size_t offset; /* into struct conf, or struct conf_channel for channel groups */
	size_t count;  /* KT_STRINGS, KT_DURATIONS: offset of the size_t count */
	int64_t def;   /* numbers, durations, choices */
	const char *def_text; /* strings; KT_STRINGS: the one element of the default */
	int64_t lo, hi;
	unsigned flags;
	const char *const *names; /* KT_CHOICE, KT_STRING: the values allowed */
	int (*check)(const char *v);
	const char *expected;     /* what check wants, for the message */
	enum conf_group sub;      /* KT_GROUP */
	void (*read)(struct walk *w, const struct key *k, const config_setting_t *s);
	const char *required_unless; /* required when this key is absent */
};

/* KT_CHOICE and KT_BOOL store an int into the field. */
_Static_assert(sizeof(enum conf_tls) == sizeof(int) && sizeof(enum proxy_header) == sizeof(int) &&
		       sizeof(enum conf_channel_type) == sizeof(int) &&
		       sizeof(enum conf_webhook_format) == sizeof(int),
	       "an enum of the table is not an int");

#define C(f) offsetof(struct conf, f)
#define CH(f) offsetof(struct conf_channel, f)
#define K(n, g, t, off) .name = (n), .group = (g), .type = (t), .offset = (off)

const char *const conf_webhook_formats[] = {
	[WEBHOOK_STANDARD] = "standard", [WEBHOOK_SLACK] = "slack",
	[WEBHOOK_DISCORD] = "discord",   [WEBHOOK_MATTERMOST] = "mattermost",
	[WEBHOOK_TEAMS] = "teams",       [WEBHOOK_NTFY] = "ntfy",
	[WEBHOOK_N_FORMATS] = NULL,
};

/* A channel's type: its name, the group of its own keys, and its
 * max_in_flight default (SMTP servers dislike many parallel sessions;
 * web hooks do not). */
static const struct channel_type {
	const char *name;
	enum conf_group keys;
	unsigned max_in_flight;
} channel_types[] = {
	[CHANNEL_EMAIL] = { "email", CG_EMAIL, 4 },
	[CHANNEL_WEBHOOK] = { "webhook", CG_WEBHOOK, 32 },
};
static const char *const channel_type_names[] = { [CHANNEL_EMAIL] = "email",
						  [CHANNEL_WEBHOOK] = "webhook", NULL };
static const char *const tls_names[] = { [TLS_NONE] = "none", [TLS_STARTTLS] = "starttls",
					 [TLS_IMPLICIT] = "tls", NULL };
static const char *const proxy_header_names[] = { [PROXY_X_FORWARDED_FOR] = "X-Forwarded-For",
						  [PROXY_FORWARDED] = "Forwarded", NULL };
static const char *const to_names[] = { "speakers", NULL };

static int http_url(const char *v)
{
	return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

static int smtp_url(const char *v)
{
	return strncmp(v, "smtp://", 7) == 0 || strncmp(v, "smtps://", 8) == 0;
}

static int fqdn(const char *s);
static void read_listen(struct walk *w, const struct key *k, const config_setting_t *s);
static void read_trusted_proxies(struct walk *w, const struct key *k,
				 const config_setting_t *s);
static void read_channels(struct walk *w, const struct key *k, const config_setting_t *s);

#define HTTP_URL .check = http_url, .expected = "an http:// or https:// URL"
/* The README's "HTTP" section says why each guard's default is what it is. */
static const struct key keys[] = {
	{ K("programme", CG_TOP, KT_PATH, C(programme)), .required_unless = "programme_url" },
	{ K("programme_url", CG_TOP, KT_STRING, C(programme_url)), HTTP_URL },
	{ K("programme_poll", CG_TOP, KT_DURATION, C(programme_poll)), .def = 300, .lo = 2 },
	/* 256 MiB: three times a 100,000-session programme (bench/gen_programme.py: 85 MB). */
	{ K("programme_max_mb", CG_TOP, KT_MB, C(programme_max_size)),
	  .def = PROG_MAX_SIZE_DEFAULT >> 20, .lo = 1, .hi = 4096 },
	{ K("speakers_overlay", CG_TOP, KT_PATH, C(speakers_overlay)) },
	{ K("state_dir", CG_TOP, KT_PATH, C(state_dir)), .def_text = LOCALSTATEDIR "/lib/agendad" },
	{ K("export_dir", CG_TOP, KT_PATH, C(export_dir)) },
	{ K("http", CG_TOP, KT_GROUP, 0), .sub = CG_HTTP },
	{ K("base_url", CG_TOP, KT_STRING, C(base_url)), HTTP_URL }, /* default: finish_top */
	{ K("feeds", CG_TOP, KT_GROUP, 0), .sub = CG_FEEDS },
	{ K("reminders", CG_TOP, KT_GROUP, 0), .sub = CG_REMINDERS },
	{ K("channels", CG_TOP, KT_READ, 0), .read = read_channels },

	{ K("listen", CG_HTTP, KT_READ, 0), .read = read_listen, .def_text = "127.0.0.1:8080" },
	{ K("max_connections", CG_HTTP, KT_UINT, C(max_connections)), .def = 512, .lo = 1,
	  .hi = 100000 },
	{ K("threads", CG_HTTP, KT_UINT, C(http_threads)), .def = 2, .lo = 1, .hi = 64 },
	{ K("selection_max_sessions", CG_HTTP, KT_UINT, C(selection_max_sessions)),
	  .def = CONF_SELECTION_MAX_SESSIONS, .lo = 1, .hi = 10000 },
	{ K("selections_per_hour", CG_HTTP, KT_UINT, C(selections_per_hour)),
	  .def = CONF_SELECTIONS_PER_HOUR, .lo = 1, .hi = 1000000 },
	{ K("searches_per_minute", CG_HTTP, KT_UINT, C(searches_per_minute)),
	  .def = CONF_SEARCHES_PER_MINUTE, .lo = 1, .hi = 1000000 },
	{ K("view_cache_mb", CG_HTTP, KT_UINT, C(view_cache_mb)), .def = CONF_VIEW_CACHE_MB, .lo = 1,
	  .hi = 65536 },
	{ K("timeout", CG_HTTP, KT_DURATION, C(http_timeout)), .def = 30 },
	/* Addresses and CIDR ranges of the reverse proxies whose forwarding
	 * headers are believed; none by default. */
	{ K("trusted_proxies", CG_HTTP, KT_READ, 0), .read = read_trusted_proxies },
	{ K("proxy_header", CG_HTTP, KT_CHOICE, C(proxy_header)), .def = PROXY_X_FORWARDED_FOR,
	  .names = proxy_header_names, .flags = K_NOCASE },
	/* Stored selections: at most selections_max; those neither made nor
	 * fetched for selections_expire are removed. */
	{ K("selections_max", CG_HTTP, KT_UINT, C(selections_max)), .def = 100000, .lo = 1,
	  .hi = 100000000 },
	{ K("selections_expire", CG_HTTP, KT_DURATION, C(selections_expire)), .def = 30 * 86400,
	  .lo = 3600 },
	/* Guards against hostile and slow clients. */
	{ K("max_connections_per_client", CG_HTTP, KT_UINT, C(max_connections_per_client)),
	  .def = CONF_MAX_CONNECTIONS_PER_CLIENT, .lo = 1, .hi = 100000 },
	{ K("request_timeout", CG_HTTP, KT_SECONDS, C(request_timeout)), .def = CONF_REQUEST_TIMEOUT,
	  .lo = 1, .hi = 86400 },
	{ K("send_timeout", CG_HTTP, KT_SECONDS, C(send_timeout)), .def = CONF_SEND_TIMEOUT, .lo = 1,
	  .hi = 86400 },
	{ K("send_min_rate", CG_HTTP, KT_UINT, C(send_min_rate)), .def = CONF_SEND_MIN_RATE, .lo = 1,
	  .hi = 1000000000 },
	{ K("max_old_catalogues", CG_HTTP, KT_UINT, C(max_old_catalogues)), .def = 2, .lo = 0,
	  .hi = 64 },
	{ K("rate_limit_clients", CG_HTTP, KT_UINT, C(rate_limit_clients)),
	  .def = CONF_RATE_LIMIT_CLIENTS, .lo = 16, .hi = 16777216 },

	{ K("refresh", CG_FEEDS, KT_DURATION, C(refresh)), .def = 3600 },
	{ K("alarms", CG_FEEDS, KT_DURATIONS, C(alarms)), .count = C(n_alarms) },

	{ K("before", CG_REMINDERS, KT_DURATIONS, C(before)), .count = C(n_before) },
	{ K("catch_up", CG_REMINDERS, KT_DURATION, C(catch_up)), .def = 600 },
	{ K("skip_kinds", CG_REMINDERS, KT_STRINGS, C(skip_kinds)), .count = C(n_skip_kinds),
	  .def_text = "break" },

	{ K("name", CG_CHANNEL, KT_ID, CH(name)), .flags = K_REQUIRED },
	{ K("type", CG_CHANNEL, KT_CHOICE, CH(type)), .names = channel_type_names,
	  .flags = K_REQUIRED },
	{ K("tracks", CG_CHANNEL, KT_STRINGS, CH(tracks)), .count = CH(n_tracks) },
	{ K("kinds", CG_CHANNEL, KT_STRINGS, CH(kinds)), .count = CH(n_kinds) },
	{ K("notify_changes", CG_CHANNEL, KT_BOOL, CH(notify_changes)) },
	{ K("max_in_flight", CG_CHANNEL, KT_UINT, CH(max_in_flight)), .lo = 1, .hi = 1024 },
	{ K("ca_file", CG_CHANNEL, KT_PATH, CH(ca_file)) },
	{ K("timeout", CG_CHANNEL, KT_DURATION, CH(timeout)), .def = 30, .lo = 1, .flags = K_CLAMP },

	{ K("to", CG_EMAIL, KT_STRING, CH(to)), .def_text = "speakers", .names = to_names },
	{ K("smtp_url", CG_EMAIL, KT_STRING, CH(smtp_url)), .flags = K_REQUIRED, .check = smtp_url,
	  .expected = "an smtp:// or smtps:// URL" },
	{ K("from", CG_EMAIL, KT_STRING, CH(from)), .flags = K_REQUIRED },
	{ K("username", CG_EMAIL, KT_STRING, CH(username)) },
	{ K("password_file", CG_EMAIL, KT_PATH, CH(password_file)) },
	/* default: finish_email, from smtp_url's scheme */
	{ K("tls", CG_EMAIL, KT_CHOICE, CH(tls)), .def = TLS_NONE, .names = tls_names },
	{ K("helo", CG_EMAIL, KT_STRING, CH(helo)), .check = fqdn,
	  .expected = "a fully qualified domain name" }, /* default: finish_email */

	{ K("url", CG_WEBHOOK, KT_STRING, CH(url)), .flags = K_REQUIRED, HTTP_URL },
	{ K("format", CG_WEBHOOK, KT_CHOICE, CH(webhook_format)), .def = WEBHOOK_STANDARD,
	  .names = conf_webhook_formats, .flags = K_BARE },
	{ K("secret_file", CG_WEBHOOK, KT_PATH, CH(secret_file)) },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Each group: its name as a sub-group of the top level, and what the
 * messages call it. */
static const struct {
	const char *name, *what;
} groups[] = {
	[CG_TOP] = { NULL, "the configuration" }, [CG_HTTP] = { "http", "http" },
	[CG_FEEDS] = { "feeds", "feeds" },        [CG_REMINDERS] = { "reminders", "reminders" },
	[CG_CHANNEL] = { NULL, "a channel" },     [CG_EMAIL] = { NULL, "a channel" },
	[CG_WEBHOOK] = { NULL, "a channel" },
};

const char *conf_group_name(enum conf_group g)
{
	return g < CG_N_GROUPS ? groups[g].name : NULL;
}

const char *conf_key_name(size_t i, enum conf_group *group)
{
	if (i >= N_KEYS)
		return NULL;
	*group = keys[i].group;
	return keys[i].name;
}

const char *conf_path(struct conf *c, const char *p)
{
	const char *slash;

	if (!p || p[0] == '/')
		return p;
	slash = strrchr(c->path, '/');
	if (!slash)
		return p;
	return arena_printf(c->arena, "%.*s/%s", (int)(slash - c->path), c->path, p);
}

/* A name with at least two labels of letters, digits and hyphens. */
static int fqdn(const char *s)
{
	size_t label = 0, labels = 0;

	if (!s || strlen(s) > 253)
		return 0;
	for (;; s++) {
		if (*s == '.' || *s == '\0') {
			if (label == 0 || label > 63)
				return 0;
			labels++;
			label = 0;
			if (*s == '\0')
				return labels >= 2;
		} else if (isalnum((unsigned char)*s) || (*s == '-' && label > 0)) {
			label++;
		} else {
			return 0;
		}
	}
}

/* From's domain when it is fully qualified, else the host's FQDN. */
static const char *default_helo(struct arena *a, const char *from)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	char host[256], *domain;
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai = NULL;
	const char *out = NULL;

	if (at) {
		domain = arena_strdup(a, at + 1);
		domain[strcspn(domain, "> ")] = '\0';
		if (fqdn(domain))
			return domain;
	}
	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	if (fqdn(host))
		return arena_strdup(a, host);
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai && fqdn(ai->ai_canonname))
		out = arena_strdup(a, ai->ai_canonname);
	if (ai)
		freeaddrinfo(ai);
	return out;
}

/* smtp_url with the EHLO name as its path ("smtp://host:port/NAME"); a
 * path already in smtp_url stays unless "helo" is given (force). */
static const char *url_with_helo(struct arena *a, const char *url, const char *helo, int force)
{
	CURLU *u = curl_url();
	char *path = NULL, *full = NULL;
	const char *out = url;

	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && path &&
	    (force || strcmp(path, "/") == 0 || !*path) &&
	    curl_url_set(u, CURLUPART_PATH, arena_printf(a, "/%s", helo), 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
		out = arena_strdup(a, full);
	curl_free(path);
	curl_free(full);
	curl_url_cleanup(u);
	return out;
}

static void *field(const struct walk *w, const struct key *k)
{
	return (char *)w->base + k->offset;
}

static void bad_value(struct lcfg *lc, const config_setting_t *group, const char *name,
		      const char *v, const char *expected)
{
	const config_setting_t *s = config_setting_get_member(group, name);

	diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' is \"%s\"; expected %s", name, v,
		   expected);
}

/* The index of v in k->names, or -1. */
static int choice(const struct key *k, const char *v)
{
	for (int i = 0; v && k->names[i]; i++)
		if ((k->flags & K_NOCASE ? strcasecmp(v, k->names[i]) : strcmp(v, k->names[i])) == 0)
			return i;
	return -1;
}

/* k->names as a message lists them: "\"a\", \"b\" or \"c\"". */
static const char *choices(struct arena *a, const struct key *k)
{
	const char *q = k->flags & K_BARE ? "" : "\"", *out = "";

	for (int i = 0; k->names[i]; i++)
		out = arena_printf(a, "%s%s%s%s%s", out,
				   i == 0 ? "" : k->names[i + 1] ? ", " : " or ", q, k->names[i], q);
	return out;
}

static void read_string(struct walk *w, const struct key *k)
{
	const char *v = lcfg_string(w->lc, w->g, k->name, k->flags & K_REQUIRED ||
				    (k->required_unless &&
				     !config_setting_get_member(w->g, k->required_unless)));

	if (!v)
		return;
	if (k->type == KT_PATH)
		v = conf_path(w->c, v);
	else if (k->check && !k->check(v))
		bad_value(w->lc, w->g, k->name, v, k->expected);
	else if (k->names && choice(k, v) < 0)
		bad_value(w->lc, w->g, k->name, v, choices(w->lc->a, k));
	*(const char **)field(w, k) = v;
}

static void read_choice(struct walk *w, const struct key *k)
{
	const char *v = lcfg_string(w->lc, w->g, k->name, k->flags & K_REQUIRED);
	int i = choice(k, v);

	if (i >= 0)
		*(int *)field(w, k) = i;
	else if (v)
		bad_value(w->lc, w->g, k->name, v, choices(w->lc->a, k));
}

/* A whole number in [lo, hi]; the default stays on any error. */
static void read_number(struct walk *w, const struct key *k, const config_setting_t *s)
{
	int v;

	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "'%s' must be a whole number", k->name);
		return;
	}
	v = config_setting_get_int(s);
	if (v < k->lo || v > k->hi) {
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "'%s' must be between %u and %u", k->name, (unsigned)k->lo,
			   (unsigned)k->hi);
		return;
	}
	if (k->type == KT_MB)
		*(size_t *)field(w, k) = (size_t)v << 20;
	else
		*(unsigned *)field(w, k) = (unsigned)v;
}

/* A duration of at least lo and, when hi is given, at most hi. */
static void read_duration(struct walk *w, const struct key *k, const config_setting_t *s)
{
	char lo[32], hi[32];
	int64_t v;

	if (lcfg_duration(w->lc, w->g, k->name, k->def, &v) < 0)
		return;
	duration_format(k->lo, lo, sizeof(lo));
	duration_format(k->hi, hi, sizeof(hi));
	if (v < k->lo && k->flags & K_CLAMP) {
		v = k->lo;
	} else if (k->hi && (v < k->lo || v > k->hi)) {
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "'%s' must be between \"%s\" and \"%s\"", k->name, lo, hi);
		return;
	} else if (v < k->lo) {
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "'%s' must be at least \"%s\"", k->name, lo);
		return;
	}
	if (k->type == KT_SECONDS)
		*(unsigned *)field(w, k) = (unsigned)v;
	else
		*(int64_t *)field(w, k) = v;
}

static void walk_group(struct walk *w, enum conf_group group);

/* A sub-group such as http = { ... }: absent is fine, anything else not. */
static void read_group(struct walk *w, const struct key *k, const config_setting_t *s)
{
	struct walk sub = *w;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "'%s' must be a group { ... }", k->name);
		return;
	}
	sub.g = s;
	walk_group(&sub, k->sub);
}

/* Reads row k of the group; an absent key keeps its default. */
static void read_key(struct walk *w, const struct key *k)
{
	const config_setting_t *s = config_setting_get_member(w->g, k->name);

	switch (k->type) {
	case KT_STRING:
	case KT_PATH: read_string(w, k); return;
	case KT_ID:
		*(const char **)field(w, k) = lcfg_id(w->lc, w->g, k->name, k->flags & K_REQUIRED);
		return;
	case KT_CHOICE: read_choice(w, k); return;
	default: break;
	}
	if (!s)
		return;
	switch (k->type) {
	case KT_BOOL: *(int *)field(w, k) = lcfg_bool(w->lc, w->g, k->name, (int)k->def); break;
	case KT_UINT:
	case KT_MB: read_number(w, k, s); break;
	case KT_DURATION:
	case KT_SECONDS: read_duration(w, k, s); break;
	case KT_STRINGS:
		*(size_t *)((char *)w->base + k->count) =
			lcfg_strings(w->lc, w->g, k->name, (const char ***)field(w, k));
		break;
	case KT_DURATIONS:
		*(size_t *)((char *)w->base + k->count) =
			lcfg_durations(w->lc, w->g, k->name, (int64_t **)field(w, k));
		break;
	case KT_GROUP: read_group(w, k, s); break;
	case KT_READ: k->read(w, k, s); break;
	default: break; /* read above */
	}
}

/* Row k's default, stored before the group is read. */
static void set_default(struct walk *w, const struct key *k)
{
	struct arena *a = w->c->arena;

	switch (k->type) {
	case KT_STRING:
	case KT_PATH:
	case KT_ID: *(const char **)field(w, k) = k->def_text; break;
	case KT_BOOL:
	case KT_CHOICE: *(int *)field(w, k) = (int)k->def; break;
	case KT_UINT:
	case KT_SECONDS: *(unsigned *)field(w, k) = (unsigned)k->def; break;
	case KT_MB: *(size_t *)field(w, k) = (size_t)k->def << 20; break;
	case KT_DURATION: *(int64_t *)field(w, k) = k->def; break;
	case KT_STRINGS: {
		const char **v = arena_alloc(a, 2 * sizeof(char *));

		v[0] = k->def_text;
		*(const char ***)field(w, k) = v;
		*(size_t *)((char *)w->base + k->count) = k->def_text ? 1 : 0;
		break;
	}
	case KT_DURATIONS:
		*(int64_t **)field(w, k) = arena_alloc(a, sizeof(int64_t));
		*(size_t *)((char *)w->base + k->count) = 0;
		break;
	case KT_GROUP:
		for (size_t i = 0; i < N_KEYS; i++)
			if (keys[i].group == k->sub)
				set_default(w, &keys[i]);
		break;
	case KT_READ: k->read(w, k, NULL); break; /* NULL: store the default */
	}
}

static int in_channel(enum conf_group g)
{
	return g == CG_CHANNEL || g == CG_EMAIL || g == CG_WEBHOOK;
}

static int known(const char *name, enum conf_group group)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0 &&
		    (keys[i].group == group || (in_channel(group) && in_channel(keys[i].group))))
			return 1;
	return 0;
}

/* Reports every member of w->g that is no row of group: a channel's
 * keys of either type are known in every channel. */
static void check_keys(struct walk *w, enum conf_group group)
{
	int n = config_setting_length(w->g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(w->g, (unsigned)i);

		if (!known(config_setting_name(s), group))
			lcfg_unknown(w->lc, s, groups[group].what);
	}
}

/* The rows of group, in order, from w->g (defaults already stored). */
static void walk_rows(struct walk *w, enum conf_group group)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].group == group)
			read_key(w, &keys[i]);
}

static void walk_group(struct walk *w, enum conf_group group)
{
	check_keys(w, group);
	walk_rows(w, group);
}

static void set_defaults(struct walk *w, enum conf_group group)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].group == group)
			set_default(w, &keys[i]);
}

/* listen is one address or an array of them (IPv4 and IPv6 side by side). */
static void read_listen(struct walk *w, const struct key *k, const config_setting_t *s)
{
	struct conf *c = w->c;

	c->n_listens = 0;
	if (s && config_setting_type(s) == CONFIG_TYPE_STRING) {
		c->listens = arena_alloc(c->arena, 2 * sizeof(char *));
		c->listens[0] = lcfg_string(w->lc, w->g, k->name, 1);
		c->n_listens = c->listens[0] ? 1 : 0;
	} else if (s) {
		c->n_listens = lcfg_strings(w->lc, w->g, k->name, &c->listens);
		if (c->n_listens == 0)
			diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
				   "'listen' needs at least one address");
	}
	if (c->n_listens == 0) {
		c->listens = arena_alloc(c->arena, 2 * sizeof(char *));
		c->listens[0] = k->def_text;
		c->n_listens = 1;
	}
	c->listen = c->listens[0];
}

static void read_trusted_proxies(struct walk *w, const struct key *k,
				 const config_setting_t *s)
{
	struct conf *c = w->c;
	const char **specs;
	size_t n = s ? lcfg_strings(w->lc, w->g, k->name, &specs) : 0;

	c->trusted_proxies.ranges = arena_alloc(c->arena, sizeof(struct proxy_range) * (n + 1));
	c->trusted_proxies.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct proxy_range *r = &c->trusted_proxies.ranges[c->trusted_proxies.n];

		if (proxy_range_parse(specs[i], r) == 0)
			c->trusted_proxies.n++;
		else
			diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
				   "'trusted_proxies': \"%s\" is not an address or CIDR range "
				   "(\"192.0.2.1\", \"10.0.0.0/8\", \"::1\", \"fd00::/8\")", specs[i]);
	}
}

static const struct key *row(enum conf_group group, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].group == group && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	abort(); /* a name that is not in the table */
}

/* The channel's type when it is one (the walk has reported it if not). */
static int channel_type(const config_setting_t *g)
{
	const config_setting_t *s = config_setting_get_member(g, "type");

	return s ? choice(row(CG_CHANNEL, "type"), config_setting_get_string(s)) : -1;
}

static void finish_email(struct walk *cw)
{
	struct conf_channel *ch = cw->base;
	int given = ch->helo != NULL;

	if (!config_setting_get_member(cw->g, "tls") && ch->smtp_url &&
	    strncmp(ch->smtp_url, "smtps://", 8) == 0)
		ch->tls = TLS_IMPLICIT;
	if (!given)
		ch->helo = default_helo(cw->c->arena, ch->from);
	ch->smtp_send_url = ch->smtp_url && ch->helo
				    ? url_with_helo(cw->c->arena, ch->smtp_url, ch->helo, given)
				    : ch->smtp_url;
}

static void load_channel(struct walk *w, const config_setting_t *g, struct conf_channel *ch)
{
	struct walk cw = { .c = w->c, .lc = w->lc, .g = g, .base = ch };
	int type;

	ch->line = lcfg_line(g);
	check_keys(&cw, CG_CHANNEL);
	set_defaults(&cw, CG_CHANNEL);
	walk_rows(&cw, CG_CHANNEL);
	if ((type = channel_type(g)) >= 0) {
		set_defaults(&cw, channel_types[type].keys);
		walk_rows(&cw, channel_types[type].keys);
	}
	if (type == CHANNEL_EMAIL)
		finish_email(&cw);
	else if (type == CHANNEL_WEBHOOK)
		ch->format = conf_webhook_formats[ch->webhook_format];
	if (!config_setting_get_member(g, "max_in_flight"))
		ch->max_in_flight = channel_types[ch->type].max_in_flight;
}

static void read_channels(struct walk *w, const struct key *k, const config_setting_t *s)
{
	struct conf *c = w->c;
	const config_setting_t *list = s ? lcfg_list(w->lc, w->g, k->name) : NULL;
	int n = list ? config_setting_length(list) : 0;

	c->channels = arena_alloc(c->arena, sizeof(struct conf_channel) * (size_t)(n + 1));
	c->n_channels = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_channel *ch = &c->channels[c->n_channels];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			diag_error(w->lc->d, lcfg_file(w->lc, g), lcfg_line(g),
				   "each channel must be a group { name = ...; type = ...; }");
			continue;
		}
		load_channel(w, g, ch);
		for (size_t j = 0; ch->name && j < c->n_channels; j++)
			if (c->channels[j].name && strcmp(c->channels[j].name, ch->name) == 0)
				diag_error(w->lc->d, lcfg_file(w->lc, g), ch->line,
					   "duplicate channel name '%s' (first at line %d)",
					   ch->name, c->channels[j].line);
		c->n_channels++;
	}
}

/* What ties top-level keys together: a programme file or URL, not both
 * (snapshot.c points programme at the copy of the URL's document), and
 * base_url, by default from listen, without a trailing '/'. */
static void finish_top(struct walk *w)
{
	struct conf *c = w->c;
	const config_setting_t *s = config_setting_get_member(w->g, "programme_url");
	const char *base = c->base_url;
	size_t len;

	if (c->programme_url && c->programme)
		diag_error(w->lc->d, lcfg_file(w->lc, s), lcfg_line(s),
			   "give either 'programme' (a file) or 'programme_url', not both");
	s = config_setting_get_member(w->g, c->programme_url ? "programme_url" : "programme");
	c->programme_line = s ? lcfg_line(s) : 0;
	if (!base)
		base = arena_printf(c->arena, "http://%s", c->listen);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	c->base_url = arena_strndup(c->arena, base, len);
}

struct conf *conf_load(const char *path, struct diag *d)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	size_t errors = d->errors;
	struct lcfg lc = { d, path, NULL };
	config_t cfg;

	c->arena = arena_new();
	c->path = arena_strdup(c->arena, path);
	lc.a = c->arena;
	config_init(&cfg);
	if (lcfg_read(&lc, &cfg) == 0) {
		struct walk w = { .c = c, .lc = &lc, .g = config_root_setting(&cfg), .base = c };

		set_defaults(&w, CG_TOP);
		walk_group(&w, CG_TOP);
		finish_top(&w);
	}
	config_destroy(&cfg);
	if (d->errors > errors) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	arena_free(c->arena);
	free(c);
}
