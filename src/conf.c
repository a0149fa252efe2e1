#include "config.h"

#include "conf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lcfg.h"
#include "programme.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

static const char *const top_keys[] = { "programme", "programme_url", "programme_poll",
					"programme_max_mb", "speakers_overlay", "state_dir", "base_url", "export_dir",
					"http", "feeds", "reminders", "channels", NULL };
static const char *const http_keys[] = { "listen", "max_connections", "timeout", "threads",
					 "selection_max_sessions", "selections_per_hour",
					 "view_cache_mb", "trusted_proxies", "proxy_header",
					 NULL };
static const char *const feeds_keys[] = { "refresh", "alarms", NULL };
static const char *const reminders_keys[] = { "before", "catch_up", "skip_kinds", NULL };
static const char *const channel_keys[] = { "name", "type", "to", "smtp_url", "from", "username",
					    "password_file", "tls", "url", "format",
					    "secret_file", "tracks", "kinds", "notify_changes",
					    "max_in_flight", "ca_file", "timeout", NULL };
static const char *const webhook_formats[] = { "standard", "slack", "discord", "mattermost",
					       "teams", "ntfy", NULL };

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

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

static void bad_value(struct lcfg *lc, const config_setting_t *group, const char *name,
		      const char *v, const char *expected)
{
	const config_setting_t *s = config_setting_get_member(group, name);

	diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' is \"%s\"; expected %s", name, v,
		   expected);
}

static unsigned bounded(struct lcfg *lc, const config_setting_t *g, const char *name,
			unsigned def, unsigned lo, unsigned hi)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	int v;

	if (!s)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' must be a whole number", name);
		return def;
	}
	v = config_setting_get_int(s);
	if (v < (int)lo || v > (int)hi) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' must be between %u and %u",
			   name, lo, hi);
		return def;
	}
	return (unsigned)v;
}

static void load_email(struct lcfg *lc, const config_setting_t *g, struct conf_channel *ch)
{
	const char *tls;

	ch->to = lcfg_string(lc, g, "to", 0);
	if (!ch->to)
		ch->to = "speakers";
	else if (strcmp(ch->to, "speakers") != 0)
		bad_value(lc, g, "to", ch->to, "\"speakers\"");
	ch->smtp_url = lcfg_string(lc, g, "smtp_url", 1);
	if (ch->smtp_url && strncmp(ch->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(ch->smtp_url, "smtps://", 8) != 0)
		bad_value(lc, g, "smtp_url", ch->smtp_url, "an smtp:// or smtps:// URL");
	ch->from = lcfg_string(lc, g, "from", 1);
	ch->username = lcfg_string(lc, g, "username", 0);
	ch->password_file = lcfg_string(lc, g, "password_file", 0);
	tls = lcfg_string(lc, g, "tls", 0);
	ch->tls = ch->smtp_url && strncmp(ch->smtp_url, "smtps://", 8) == 0 ? TLS_IMPLICIT : TLS_NONE;
	if (tls && strcmp(tls, "none") == 0)
		ch->tls = TLS_NONE;
	else if (tls && strcmp(tls, "starttls") == 0)
		ch->tls = TLS_STARTTLS;
	else if (tls && strcmp(tls, "tls") == 0)
		ch->tls = TLS_IMPLICIT;
	else if (tls)
		bad_value(lc, g, "tls", tls, "\"none\", \"starttls\" or \"tls\"");
}

static void load_webhook(struct lcfg *lc, const config_setting_t *g, struct conf_channel *ch)
{
	ch->url = lcfg_string(lc, g, "url", 1);
	if (ch->url && strncmp(ch->url, "http://", 7) != 0 && strncmp(ch->url, "https://", 8) != 0)
		bad_value(lc, g, "url", ch->url, "an http:// or https:// URL");
	ch->format = lcfg_string(lc, g, "format", 0);
	if (!ch->format)
		ch->format = "standard";
	else if (!one_of(ch->format, webhook_formats))
		bad_value(lc, g, "format", ch->format,
			  "standard, slack, discord, mattermost, teams or ntfy");
	ch->secret_file = lcfg_string(lc, g, "secret_file", 0);
}

static void load_channel(struct conf *c, struct lcfg *lc, const config_setting_t *g,
			 struct conf_channel *ch)
{
	const char *type;

	ch->line = lcfg_line(g);
	lcfg_check_keys(lc, g, "a channel", channel_keys);
	ch->name = lcfg_id(lc, g, "name", 1);
	type = lcfg_string(lc, g, "type", 1);
	if (type && strcmp(type, "email") == 0) {
		ch->type = CHANNEL_EMAIL;
		load_email(lc, g, ch);
	} else if (type && strcmp(type, "webhook") == 0) {
		ch->type = CHANNEL_WEBHOOK;
		load_webhook(lc, g, ch);
	} else if (type) {
		bad_value(lc, g, "type", type, "\"email\" or \"webhook\"");
	}
	ch->password_file = conf_path(c, ch->password_file);
	ch->secret_file = conf_path(c, ch->secret_file);
	ch->n_tracks = lcfg_strings(lc, g, "tracks", &ch->tracks);
	ch->n_kinds = lcfg_strings(lc, g, "kinds", &ch->kinds);
	ch->notify_changes = lcfg_bool(lc, g, "notify_changes", 0);
	/* SMTP servers dislike many parallel sessions; web hooks do not. */
	ch->max_in_flight = bounded(lc, g, "max_in_flight", ch->type == CHANNEL_EMAIL ? 4 : 32, 1,
				    1024);
	ch->ca_file = conf_path(c, lcfg_string(lc, g, "ca_file", 0));
	lcfg_duration(lc, g, "timeout", 30, &ch->timeout);
	if (ch->timeout < 1)
		ch->timeout = 1;
}

static void load_channels(struct conf *c, struct lcfg *lc, const config_setting_t *root)
{
	const config_setting_t *list = lcfg_list(lc, root, "channels");
	int n = list ? config_setting_length(list) : 0;

	c->channels = arena_alloc(c->arena, sizeof(struct conf_channel) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_channel *ch = &c->channels[c->n_channels];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			diag_error(lc->d, lcfg_file(lc, g), lcfg_line(g),
				   "each channel must be a group { name = ...; type = ...; }");
			continue;
		}
		load_channel(c, lc, g, ch);
		for (size_t j = 0; ch->name && j < c->n_channels; j++)
			if (c->channels[j].name && strcmp(c->channels[j].name, ch->name) == 0)
				diag_error(lc->d, lcfg_file(lc, g), ch->line,
					   "duplicate channel name '%s' (first at line %d)",
					   ch->name, c->channels[j].line);
		c->n_channels++;
	}
}

/* A sub-group such as http = { ... }: absent is fine, anything else not. */
static const config_setting_t *subgroup(struct lcfg *lc, const config_setting_t *root,
					const char *name, const char *const *keys)
{
	const config_setting_t *g = config_setting_get_member(root, name);

	if (!g)
		return NULL;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		diag_error(lc->d, lcfg_file(lc, g), lcfg_line(g), "'%s' must be a group { ... }",
			   name);
		return NULL;
	}
	lcfg_check_keys(lc, g, name, keys);
	return g;
}

/* Addresses and CIDR ranges of the reverse proxies whose forwarding
 * headers are believed; none by default. */
static void load_trusted_proxies(struct conf *c, struct lcfg *lc, const config_setting_t *g)
{
	const config_setting_t *s = g ? config_setting_get_member(g, "trusted_proxies") : NULL;
	const char **specs, *header;
	size_t n = s ? lcfg_strings(lc, g, "trusted_proxies", &specs) : 0;

	c->trusted_proxies.ranges = arena_alloc(c->arena, sizeof(struct proxy_range) * (n + 1));
	c->trusted_proxies.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct proxy_range *r = &c->trusted_proxies.ranges[c->trusted_proxies.n];

		if (proxy_range_parse(specs[i], r) == 0)
			c->trusted_proxies.n++;
		else
			diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
				   "'trusted_proxies': \"%s\" is not an address or CIDR range "
				   "(\"192.0.2.1\", \"10.0.0.0/8\", \"::1\", \"fd00::/8\")", specs[i]);
	}
	header = g ? lcfg_string(lc, g, "proxy_header", 0) : NULL;
	c->proxy_header = PROXY_X_FORWARDED_FOR;
	if (header && strcasecmp(header, "Forwarded") == 0)
		c->proxy_header = PROXY_FORWARDED;
	else if (header && strcasecmp(header, "X-Forwarded-For") != 0)
		bad_value(lc, g, "proxy_header", header, "\"X-Forwarded-For\" or \"Forwarded\"");
}

/* listen is one address or an array of them (IPv4 and IPv6 side by side). */
static void load_http(struct conf *c, struct lcfg *lc, const config_setting_t *g)
{
	const config_setting_t *s = g ? config_setting_get_member(g, "listen") : NULL;

	c->n_listens = 0;
	if (s && config_setting_type(s) == CONFIG_TYPE_STRING) {
		c->listens = arena_alloc(c->arena, 2 * sizeof(char *));
		c->listens[0] = lcfg_string(lc, g, "listen", 1);
		c->n_listens = c->listens[0] ? 1 : 0;
	} else if (s) {
		c->n_listens = lcfg_strings(lc, g, "listen", &c->listens);
		if (c->n_listens == 0)
			diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
				   "'listen' needs at least one address");
	}
	if (c->n_listens == 0) {
		c->listens = arena_alloc(c->arena, 2 * sizeof(char *));
		c->listens[0] = "127.0.0.1:8080";
		c->n_listens = 1;
	}
	c->listen = c->listens[0];
	c->max_connections = bounded(lc, g, "max_connections", 512, 1, 100000);
	c->http_threads = bounded(lc, g, "threads", 2, 1, 64);
	c->selection_max_sessions = bounded(lc, g, "selection_max_sessions", 500, 1, 10000);
	c->selections_per_hour = bounded(lc, g, "selections_per_hour", 30, 1, 1000000);
	c->view_cache_mb = bounded(lc, g, "view_cache_mb", 64, 1, 65536);
	c->http_timeout = 30;
	if (g)
		lcfg_duration(lc, g, "timeout", 30, &c->http_timeout);
	load_trusted_proxies(c, lc, g);
}

/* Where the programme comes from: a file, or a URL polled into the
 * state directory (snapshot.c then points programme at the copy). */
static void load_source(struct conf *c, struct lcfg *lc, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "programme_url");
	const char *url = lcfg_string(lc, root, "programme_url", 0);

	c->programme = conf_path(c, lcfg_string(lc, root, "programme", !s));
	if (url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		bad_value(lc, root, "programme_url", url, "an http:// or https:// URL");
	if (url && c->programme)
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "give either 'programme' (a file) or 'programme_url', not both");
	c->programme_url = url;
	c->programme_poll = 300;
	lcfg_duration(lc, root, "programme_poll", 300, &c->programme_poll);
	if (c->programme_poll < 2) {
		s = config_setting_get_member(root, "programme_poll");
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'programme_poll' must be at least \"2s\"");
	}
	/* Programme documents: 256 MiB by default, three times a
	 * 100,000-session programme (bench/gen_programme.py: 85 MB). */
	c->programme_max_size = (size_t)bounded(lc, root, "programme_max_mb",
						 (unsigned)(PROG_MAX_SIZE_DEFAULT >> 20), 1, 4096)
				 << 20;
	s = config_setting_get_member(root, url ? "programme_url" : "programme");
	c->programme_line = s ? lcfg_line(s) : 0;
	c->speakers_overlay = conf_path(c, lcfg_string(lc, root, "speakers_overlay", 0));
}

static void load_top(struct conf *c, struct lcfg *lc, const config_setting_t *root)
{
	const config_setting_t *g;
	const char *base;
	size_t len;

	lcfg_check_keys(lc, root, "the configuration", top_keys);
	load_source(c, lc, root);
	c->state_dir = conf_path(c, lcfg_string(lc, root, "state_dir", 0));
	if (!c->state_dir)
		c->state_dir = LOCALSTATEDIR "/lib/agendad";
	c->export_dir = conf_path(c, lcfg_string(lc, root, "export_dir", 0));

	load_http(c, lc, subgroup(lc, root, "http", http_keys));

	base = lcfg_string(lc, root, "base_url", 0);
	if (base && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		bad_value(lc, root, "base_url", base, "an http:// or https:// URL");
	if (!base)
		base = arena_printf(c->arena, "http://%s", c->listen);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	c->base_url = arena_strndup(c->arena, base, len);

	c->refresh = 3600;
	if ((g = subgroup(lc, root, "feeds", feeds_keys))) {
		lcfg_duration(lc, g, "refresh", 3600, &c->refresh);
		c->n_alarms = lcfg_durations(lc, g, "alarms", &c->alarms);
	}
	if (!c->alarms)
		c->alarms = arena_alloc(c->arena, sizeof(int64_t));

	c->catch_up = 600;
	if ((g = subgroup(lc, root, "reminders", reminders_keys))) {
		c->n_before = lcfg_durations(lc, g, "before", &c->before);
		lcfg_duration(lc, g, "catch_up", 600, &c->catch_up);
		if (config_setting_get_member(g, "skip_kinds"))
			c->n_skip_kinds = lcfg_strings(lc, g, "skip_kinds", &c->skip_kinds);
	}
	if (!c->before)
		c->before = arena_alloc(c->arena, sizeof(int64_t));
	if (!c->skip_kinds) {
		c->skip_kinds = arena_alloc(c->arena, 2 * sizeof(char *));
		c->skip_kinds[0] = "break";
		c->n_skip_kinds = 1;
	}
}

struct conf *conf_load(const char *path, struct diag *d)
{
	struct conf *c = calloc(1, sizeof(*c));
	size_t errors = d->errors;
	struct lcfg lc = { d, path, NULL };
	config_t cfg;

	if (!c)
		return NULL;
	c->arena = arena_new();
	c->path = arena_strdup(c->arena, path);
	lc.a = c->arena;
	config_init(&cfg);
	if (lcfg_read(&lc, &cfg) == 0) {
		load_top(c, &lc, config_root_setting(&cfg));
		load_channels(c, &lc, config_root_setting(&cfg));
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
