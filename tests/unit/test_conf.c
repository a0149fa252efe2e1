/* conf.c: agendad.conf, its defaults, paths, durations and channels, and
 * every error at its line. */
#include "config.h"

#include <ctype.h>

#include "testutil.h"

#include "conf.h"
#include "lcfg.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

/* A configuration written as dir/name from text and loaded. */
struct loaded {
	char *dir, *path;
	struct tu_diag td;
	struct conf *c;
};

static void load_in(struct loaded *L, const char *name, const char *text)
{
	L->dir = tu_tmpdir();
	L->path = tu_write(L->dir, name, text);
	tu_diag_init(&L->td);
	L->c = conf_load(L->path, &L->td.d);
}

static void load(struct loaded *L, const char *text)
{
	load_in(L, "agendad.conf", text);
}

static void unload(struct loaded *L)
{
	conf_free(L->c);
	tu_diag_free(&L->td);
	tu_rmtree(L->dir);
	free(L->dir);
	free(L->path);
}

/* The file's path joined with a relative name, as the loader should. */
static char *beside(const struct loaded *L, const char *name)
{
	return xasprintf("%s/%s", L->dir, name);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static void test_shipped(void **state)
{
	const char *path = TESTS_SRCDIR "/../etc/agendad.conf";
	char *text = read_text(path);
	struct tu_diag td;
	struct conf *c;

	(void)state;
	tu_diag_init(&td);
	c = conf_load(path, &td.d);
	if (!c)
		tu_diag_dump(&td, "the shipped agendad.conf does not load");
	assert_non_null(c);
	assert_diag_counts(&td, 0, 0);
	assert_string_equal(c->path, path);
	assert_string_equal(c->programme, TESTS_SRCDIR "/../etc/idm-2014-south-south.programme");
	assert_int_equal(access(c->programme, R_OK), 0);
	assert_int_equal(c->programme_line, tu_line_of(text, "programme = "));
	assert_string_equal(c->state_dir, "/var/lib/agendad");
	assert_string_equal(c->base_url, "http://127.0.0.1:8080");
	assert_string_equal(c->listen, "127.0.0.1:8080");
	assert_null(c->export_dir);
	assert_int_equal(c->refresh, 3600);
	assert_int_equal(c->n_alarms, 1);
	assert_int_equal(c->alarms[0], 900);
	conf_free(c);
	tu_diag_free(&td);
	free(text);
}

static void test_defaults(void **state)
{
	struct loaded L;
	char *prog;

	(void)state;
	load(&L, "programme = \"p.programme\";\n");
	assert_non_null(L.c);
	assert_diag_counts(&L.td, 0, 0);
	prog = beside(&L, "p.programme");
	assert_string_equal(L.c->programme, prog);
	assert_int_equal(L.c->programme_line, 1);
	assert_string_equal(L.c->state_dir, LOCALSTATEDIR "/lib/agendad");
	assert_null(L.c->export_dir);
	assert_string_equal(L.c->listen, "127.0.0.1:8080");
	assert_string_equal(L.c->base_url, "http://127.0.0.1:8080");
	assert_int_equal(L.c->refresh, 3600);
	assert_int_equal(L.c->n_alarms, 0);
	assert_non_null(L.c->alarms);
	assert_int_equal(L.c->n_before, 0);
	assert_non_null(L.c->before);
	assert_int_equal(L.c->catch_up, 600);
	assert_int_equal(L.c->n_skip_kinds, 1);
	assert_string_equal(L.c->skip_kinds[0], "break");
	assert_int_equal(L.c->n_channels, 0);
	assert_int_equal(L.c->programme_max_size, (size_t)256 << 20);
	free(prog);
	unload(&L);
}

/* Groups present but empty keep the defaults too; [] means none. */
static void test_empty_groups(void **state)
{
	struct loaded L;

	(void)state;
	load(&L, "programme = \"p\";\n"
		 "http = { listen = \"[::1]:8081\"; };\n"
		 "feeds = { alarms = []; };\n"
		 "reminders = { skip_kinds = []; };\n"
		 "channels = ();\n");
	assert_non_null(L.c);
	assert_diag_counts(&L.td, 0, 0);
	assert_string_equal(L.c->listen, "[::1]:8081");
	assert_string_equal(L.c->base_url, "http://[::1]:8081");
	assert_int_equal(L.c->refresh, 3600);
	assert_int_equal(L.c->n_alarms, 0);
	assert_int_equal(L.c->catch_up, 600);
	assert_int_equal(L.c->n_before, 0);
	assert_int_equal(L.c->n_skip_kinds, 0);
	assert_int_equal(L.c->n_channels, 0);
	unload(&L);
}

static void test_relative_paths(void **state)
{
	static const char text[] =
		"programme = \"programmes/p.programme\";\n"
		"state_dir = \"state\";\n"
		"export_dir = \"../www\";\n"
		"channels = (\n"
		"  { name = \"mail\"; type = \"email\"; smtp_url = \"smtp://127.0.0.1:2525\";\n"
		"    from = \"a@example.org\"; password_file = \"smtp.pass\"; },\n"
		"  { name = \"hook\"; type = \"webhook\"; url = \"http://127.0.0.1:9000/\";\n"
		"    secret_file = \"/etc/agendad/hook.secret\"; }\n"
		");\n";
	static const char abs_text[] = "programme = \"/srv/agenda/p.programme\";\n"
				       "state_dir = \"/var/lib/x\";\n"
				       "export_dir = \"/var/www/agenda\";\n";
	struct loaded L;
	char *want;
	const char *r;

	(void)state;
	load(&L, text);
	assert_non_null(L.c);
	want = beside(&L, "programmes/p.programme");
	assert_string_equal(L.c->programme, want);
	free(want);
	want = beside(&L, "state");
	assert_string_equal(L.c->state_dir, want);
	free(want);
	want = beside(&L, "../www");
	assert_string_equal(L.c->export_dir, want);
	free(want);
	assert_int_equal(L.c->n_channels, 2);
	want = beside(&L, "smtp.pass");
	assert_string_equal(L.c->channels[0].password_file, want);
	free(want);
	assert_null(L.c->channels[0].secret_file);
	assert_string_equal(L.c->channels[1].secret_file, "/etc/agendad/hook.secret");
	assert_null(L.c->channels[1].password_file);
	/* conf_path itself */
	want = beside(&L, "x/y");
	assert_string_equal(conf_path(L.c, "x/y"), want);
	free(want);
	assert_string_equal(conf_path(L.c, "/abs/olute"), "/abs/olute");
	assert_null(conf_path(L.c, NULL));
	unload(&L);

	load(&L, abs_text);
	assert_non_null(L.c);
	assert_string_equal(L.c->programme, "/srv/agenda/p.programme");
	assert_string_equal(L.c->state_dir, "/var/lib/x");
	assert_string_equal(L.c->export_dir, "/var/www/agenda");
	unload(&L);

	/* a configuration named without a folder: paths stay relative to
	 * the working directory, which is its folder */
	{
		char cwd[4096];
		struct tu_diag td;
		struct conf *c;

		load(&L, text);
		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(L.dir), 0);
		tu_diag_init(&td);
		c = conf_load("agendad.conf", &td.d);
		assert_int_equal(chdir(cwd), 0);
		assert_non_null(c);
		assert_string_equal(c->programme, "programmes/p.programme");
		assert_string_equal(c->state_dir, "state");
		r = conf_path(c, "z");
		assert_string_equal(r, "z");
		conf_free(c);
		tu_diag_free(&td);
		unload(&L);
	}
}

static void test_base_url(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "https://agenda.example.org/", "https://agenda.example.org" },
		{ "https://agenda.example.org", "https://agenda.example.org" },
		{ "https://example.org/idm2014/", "https://example.org/idm2014" },
		{ "http://localhost:8080", "http://localhost:8080" },
		/* conf.h: base_url is "without a trailing '/'" */
		{ "https://example.org/agenda//", "https://example.org/agenda" },
	};
	static const char *const bad[] = { "", "example.org", "ftp://example.org/", "/agenda" };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loaded L;
		char *text = xasprintf("programme = \"p\";\nbase_url = \"%s\";\n", cases[i].in);

		char got[256];

		load(&L, text);
		assert_non_null(L.c);
		snprintf(got, sizeof(got), "%s", L.c->base_url);
		unload(&L);
		free(text);
		assert_string_equal(got, cases[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct loaded L;
		char *text = xasprintf("programme = \"p\";\nbase_url = \"%s\";\n", bad[i]);
		char *want = xasprintf("'base_url' is \"%s\"; expected an http:// or https:// URL", bad[i]);

		load(&L, text);
		assert_null(L.c);
		assert_diag(&L.td, L.path, 2, want);
		assert_diag_counts(&L.td, 1, 0);
		unload(&L);
		free(want);
		free(text);
	}
}

static void test_durations(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "feeds = { refresh = \"90m\"; alarms = [ \"1d\", \"45s\", \"2h\", \"0m\" ]; };\n"
				   "reminders = {\n"
				   "  before = [ \"1d\", \"15m\" ];\n"
				   "  catch_up = \"45s\";\n"
				   "  skip_kinds = [ \"break\", \"social\" ];\n"
				   "};\n";
	struct loaded L;

	(void)state;
	load(&L, text);
	assert_non_null(L.c);
	assert_diag_counts(&L.td, 0, 0);
	assert_int_equal(L.c->refresh, 5400);
	assert_int_equal(L.c->n_alarms, 4);
	assert_int_equal(L.c->alarms[0], 86400);
	assert_int_equal(L.c->alarms[1], 45);
	assert_int_equal(L.c->alarms[2], 7200);
	assert_int_equal(L.c->alarms[3], 0);
	assert_int_equal(L.c->n_before, 2);
	assert_int_equal(L.c->before[0], 86400);
	assert_int_equal(L.c->before[1], 900);
	assert_int_equal(L.c->catch_up, 45);
	assert_int_equal(L.c->n_skip_kinds, 2);
	assert_string_equal(L.c->skip_kinds[1], "social");
	unload(&L);
}

static void test_duration_functions(void **state)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} good[] = { { "90m", 5400 }, { "1d", 86400 }, { "45s", 45 }, { "2h", 7200 },
		     { "0s", 0 },     { "15m", 900 },  { "007m", 420 } };
	static const char *const bad[] = { "10", "5x", "m", "-5m", "", " 5m", "5m ", "5 m",
					   "5mm", "1.5h", "+5m", "5M", "1d2h" };
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t s = -1;

		assert_int_equal(duration_parse(good[i].text, &s), 0);
		assert_int_equal(s, good[i].seconds);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t s = -1;

		if (duration_parse(bad[i], &s) != -1) {
			fprintf(stderr, "duration_parse accepted \"%s\"\n", bad[i]);
			fail();
		}
	}
	duration_format(5400, out, sizeof(out));
	assert_string_equal(out, "90m");
	duration_format(86400, out, sizeof(out));
	assert_string_equal(out, "1d");
	duration_format(45, out, sizeof(out));
	assert_string_equal(out, "45s");
	duration_format(7200, out, sizeof(out));
	assert_string_equal(out, "2h");
	duration_format(90000, out, sizeof(out));
	assert_string_equal(out, "25h");
	duration_format(0, out, sizeof(out));
	assert_string_equal(out, "0s");
}

static void test_channels(void **state)
{
	static const char text[] =
		"programme = \"p\";\n"
		"channels = (\n"
		"  { name = \"speakers\"; type = \"email\"; to = \"speakers\";\n"
		"    smtp_url = \"smtp://127.0.0.1:2525\"; from = \"IDM <programme@example.org>\";\n"
		"    username = \"prog\"; password_file = \"smtp.pass\"; tls = \"starttls\"; },\n"
		"  { name = \"ops\"; type = \"webhook\"; url = \"http://127.0.0.1:9000/hook\";\n"
		"    format = \"slack\"; secret_file = \"/etc/agendad/webhook.secret\";\n"
		"    tracks = [ \"plenary\", \"panels\" ]; kinds = [ \"session\" ]; notify_changes = true; },\n"
		"  { name = \"implicit\"; type = \"email\"; smtp_url = \"smtps://mail.example.org\"; from = \"a@example.org\"; },\n"
		"  { name = \"plain\"; type = \"email\"; smtp_url = \"smtps://mail.example.org\"; from = \"a@example.org\"; tls = \"none\"; },\n"
		"  { name = \"tls\"; type = \"email\"; smtp_url = \"smtp://mail.example.org:465\"; from = \"a@example.org\"; tls = \"tls\"; },\n"
		"  { name = \"hook-2\"; type = \"webhook\"; url = \"https://example.org/h\"; notify_changes = false; }\n"
		");\n";
	static const char *const formats[] = { "standard", "slack", "discord", "mattermost", "teams",
					       "ntfy" };
	struct loaded L;
	const struct conf_channel *ch;
	char *want;

	(void)state;
	load(&L, text);
	if (!L.c)
		tu_diag_dump(&L.td, "conf_load failed");
	assert_non_null(L.c);
	assert_diag_counts(&L.td, 0, 0);
	assert_int_equal(L.c->n_channels, 6);

	ch = &L.c->channels[0];
	assert_string_equal(ch->name, "speakers");
	assert_int_equal(ch->type, CHANNEL_EMAIL);
	assert_string_equal(ch->to, "speakers");
	assert_string_equal(ch->smtp_url, "smtp://127.0.0.1:2525");
	assert_string_equal(ch->from, "IDM <programme@example.org>");
	assert_string_equal(ch->username, "prog");
	want = beside(&L, "smtp.pass");
	assert_string_equal(ch->password_file, want);
	free(want);
	assert_int_equal(ch->tls, TLS_STARTTLS);
	assert_int_equal(ch->n_tracks, 0);
	assert_int_equal(ch->n_kinds, 0);
	assert_int_equal(ch->notify_changes, 0);
	assert_int_equal(ch->line, tu_line_of(text, "name = \"speakers\""));

	ch = &L.c->channels[1];
	assert_string_equal(ch->name, "ops");
	assert_int_equal(ch->type, CHANNEL_WEBHOOK);
	assert_string_equal(ch->url, "http://127.0.0.1:9000/hook");
	assert_string_equal(ch->format, "slack");
	assert_string_equal(ch->secret_file, "/etc/agendad/webhook.secret");
	assert_int_equal(ch->n_tracks, 2);
	assert_string_equal(ch->tracks[0], "plenary");
	assert_string_equal(ch->tracks[1], "panels");
	assert_null(ch->tracks[2]);
	assert_int_equal(ch->n_kinds, 1);
	assert_string_equal(ch->kinds[0], "session");
	assert_int_equal(ch->notify_changes, 1);
	assert_int_equal(ch->line, tu_line_of(text, "name = \"ops\""));

	ch = &L.c->channels[2];
	assert_string_equal(ch->to, "speakers"); /* the default */
	assert_int_equal(ch->tls, TLS_IMPLICIT); /* smtps:// */
	assert_null(ch->username);
	assert_null(ch->password_file);
	assert_int_equal(L.c->channels[3].tls, TLS_NONE);
	assert_int_equal(L.c->channels[4].tls, TLS_IMPLICIT);

	ch = &L.c->channels[5];
	assert_string_equal(ch->format, "standard"); /* the default */
	assert_null(ch->secret_file);
	assert_int_equal(ch->notify_changes, 0);
	unload(&L);

	/* every webhook format */
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *t = xasprintf("programme = \"p\";\nchannels = ( { name = \"h\"; type = "
				    "\"webhook\"; url = \"https://example.org/\"; format = \"%s\"; } );\n",
				    formats[i]);

		load(&L, t);
		assert_non_null(L.c);
		assert_string_equal(L.c->channels[0].format, formats[i]);
		unload(&L);
		free(t);
	}
}

/* --- errors ---------------------------------------------------------------- */

struct expected {
	const char *marker; /* text on the offending line ("" with nth -1: line 0) */
	int nth;
	const char *needle;
};

static void check_errors(const char *text, const struct expected *ex, size_t n)
{
	struct loaded L;

	load(&L, text);
	assert_null(L.c);
	for (size_t i = 0; i < n; i++) {
		int line = ex[i].nth < 0 ? 0 : tu_line_of_nth(text, ex[i].marker, ex[i].nth + 1);

		assert_diag(&L.td, L.path, line, ex[i].needle);
	}
	assert_diag_counts(&L.td, n, 0);
	unload(&L);
}

#define CHECK_ERRORS(text, ex) check_errors(text, ex, sizeof(ex) / sizeof(ex[0]))

/* programme_max_mb: whole MiB, 1 to 4096. */
static void test_programme_max_mb(void **state)
{
	static const char bad[] = "programme = \"p\";\nprogramme_max_mb = 0;\n";
	static const char big[] = "programme = \"p\";\nprogramme_max_mb = 4097;\n";
	static const struct expected ex[] = { { "programme_max_mb", 0, "between 1 and 4096" } };
	struct loaded L;

	(void)state;
	load(&L, "programme = \"p\";\nprogramme_max_mb = 2;\n");
	assert_non_null(L.c);
	assert_int_equal(L.c->programme_max_size, (size_t)2 << 20);
	unload(&L);
	CHECK_ERRORS(bad, ex);
	CHECK_ERRORS(big, ex);
}

static void test_http(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "http = { listen = [ \"127.0.0.1:8080\", \"[::1]:8080\" ];\n"
				   "         max_connections = 100; threads = 4; timeout = \"1m\"; };\n";
	static const char bad[] = "programme = \"p\";\n"
				  "http = {\n"
				  "  listen = [];\n"
				  "  max_connections = 0;\n"
				  "  threads = \"2\";\n"
				  "  timeout = \"30\";\n"
				  "};\n";
	static const struct expected ex[] = {
		{ "listen", 0, "'listen' needs at least one address" },
		{ "max_connections", 0, "'max_connections' must be between 1 and 100000" },
		{ "threads", 0, "'threads' must be a whole number" },
		{ "timeout", 0, "'timeout': bad duration \"30\"" },
	};
	struct loaded L;

	(void)state;
	load(&L, "programme = \"p\";\n");
	assert_non_null(L.c);
	assert_int_equal(L.c->n_listens, 1);
	assert_string_equal(L.c->listens[0], "127.0.0.1:8080");
	assert_string_equal(L.c->listen, "127.0.0.1:8080");
	assert_int_equal(L.c->max_connections, 512);
	assert_int_equal(L.c->http_threads, 2);
	assert_int_equal(L.c->http_timeout, 30);
	unload(&L);

	load(&L, text);
	if (!L.c)
		tu_diag_dump(&L.td, "conf_load failed");
	assert_non_null(L.c);
	assert_int_equal(L.c->n_listens, 2);
	assert_string_equal(L.c->listens[0], "127.0.0.1:8080");
	assert_string_equal(L.c->listens[1], "[::1]:8080");
	assert_string_equal(L.c->listen, "127.0.0.1:8080");
	assert_string_equal(L.c->base_url, "http://127.0.0.1:8080");
	assert_int_equal(L.c->max_connections, 100);
	assert_int_equal(L.c->http_threads, 4);
	assert_int_equal(L.c->http_timeout, 60);
	unload(&L);

	check_errors(bad, ex, sizeof(ex) / sizeof(ex[0]));
}

static void test_trusted_proxies(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "http = { trusted_proxies = [ \"127.0.0.1\", \"10.0.0.0/8\", \"::1\" ];\n"
				   "         proxy_header = \"forwarded\"; };\n";
	static const char bad[] = "programme = \"p\";\n"
				  "http = {\n"
				  "  trusted_proxies = [ \"::1\", \"proxy.example.org\" ];\n"
				  "  proxy_header = \"X-Real-IP\";\n"
				  "};\n";
	static const struct expected ex[] = {
		{ "trusted_proxies", 0, "\"proxy.example.org\" is not an address or CIDR range" },
		{ "proxy_header", 0, "'proxy_header' is \"X-Real-IP\"; expected \"X-Forwarded-For\" or" },
	};
	struct loaded L;

	(void)state;
	load(&L, "programme = \"p\";\n");
	assert_non_null(L.c);
	assert_int_equal(L.c->trusted_proxies.n, 0);
	assert_int_equal(L.c->proxy_header, PROXY_X_FORWARDED_FOR);
	unload(&L);

	load(&L, text);
	assert_non_null(L.c);
	assert_int_equal(L.c->trusted_proxies.n, 3);
	assert_int_equal(L.c->trusted_proxies.ranges[1].prefix, 96 + 8);
	assert_int_equal(L.c->proxy_header, PROXY_FORWARDED);
	unload(&L);

	CHECK_ERRORS(bad, ex);
}

/* The limits on hostile and slow clients: defaults, values, bounds. */
static void test_http_guards(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "http = { max_connections_per_client = 8; request_timeout = \"5s\";\n"
				   "  send_timeout = \"2m\"; send_min_rate = 100; max_old_catalogues = 0;\n"
				   "  rate_limit_clients = 1000; };\n";
	static const char bad[] = "programme = \"p\";\n"
				  "http = {\n"
				  "  max_connections_per_client = 0;\n"
				  "  request_timeout = \"0s\";\n"
				  "  send_timeout = \"2d\";\n"
				  "  rate_limit_clients = 15;\n"
				  "};\n";
	static const struct expected ex[] = {
		{ "max_connections_per_client", 0,
		  "'max_connections_per_client' must be between 1 and 100000" },
		{ "request_timeout", 0, "'request_timeout' must be between \"1s\" and \"1d\"" },
		{ "send_timeout", 0, "'send_timeout' must be between \"1s\" and \"1d\"" },
		{ "rate_limit_clients", 0, "'rate_limit_clients' must be between 16 and 16777216" },
	};
	struct loaded L;

	(void)state;
	load(&L, "programme = \"p\";\n");
	assert_non_null(L.c);
	assert_int_equal(L.c->max_connections_per_client, 64);
	assert_int_equal(L.c->request_timeout, 30);
	assert_int_equal(L.c->send_timeout, 60);
	assert_int_equal(L.c->send_min_rate, 2048);
	assert_int_equal(L.c->max_old_catalogues, 2);
	assert_int_equal(L.c->rate_limit_clients, 65536);
	unload(&L);

	load(&L, text);
	assert_non_null(L.c);
	assert_int_equal(L.c->max_connections_per_client, 8);
	assert_int_equal(L.c->request_timeout, 5);
	assert_int_equal(L.c->send_timeout, 120);
	assert_int_equal(L.c->send_min_rate, 100);
	assert_int_equal(L.c->max_old_catalogues, 0);
	assert_int_equal(L.c->rate_limit_clients, 1000);
	unload(&L);

	check_errors(bad, ex, sizeof(ex) / sizeof(ex[0]));
}

static void test_syntax_error(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "http = {\n"
				   "  listen = \"127.0.0.1:8080\"\n"
				   "  oops oops;\n"
				   "};\n";
	static const struct expected ex[] = { { "oops oops", 0, "syntax error" } };

	(void)state;
	CHECK_ERRORS(text, ex);
}

static void test_unreadable(void **state)
{
	struct tu_diag td;

	(void)state;
	tu_diag_init(&td);
	assert_null(conf_load("/nonexistent/agendad.conf", &td.d));
	assert_diag_counts(&td, 1, 0);
	assert_string_equal(td.msgs[0].text,
			    "/nonexistent/agendad.conf: cannot read: No such file or directory");
	tu_diag_free(&td);
}

static void test_missing_programme(void **state)
{
	static const char text[] = "state_dir = \"/tmp\";\n";
	static const struct expected ex[] = { { "", -1, "'programme' is required" } };

	(void)state;
	CHECK_ERRORS(text, ex);
}

static void test_top_level_errors(void **state)
{
	static const char text[] =
		"programme = 5;\n"
		"state_dir = [ \"a\" ];\n"
		"base_url = \"ftp://example.org/\";\n"
		"listen = \"127.0.0.1:8080\";\n"
		"http = { listen = \"127.0.0.1:8080\"; port = 8080; };\n"
		"feeds = \"1h\";\n"
		"reminders = {\n"
		"  before = \"15m\";\n"
		"  catchup = \"10m\";\n"
		"  skip_kinds = [ 1, 2 ];\n"
		"};\n"
		"export_dir = true;\n";
	static const struct expected ex[] = {
		{ "programme = 5", 0, "'programme' must be a string, not an integer" },
		{ "state_dir", 0, "'state_dir' must be a string, not an array" },
		{ "ftp://", 0, "'base_url' is \"ftp://example.org/\"; expected an http:// or https:// URL" },
		{ "listen = \"127", 0, "unknown setting 'listen' in the configuration" },
		{ "port = 8080", 0, "unknown setting 'port' in http" },
		{ "feeds = \"1h\"", 0, "'feeds' must be a group" },
		{ "before = \"15m\"", 0, "'before' must be an array such as [ \"a\", \"b\" ], not a string" },
		{ "catchup", 0, "unknown setting 'catchup' in reminders" },
		{ "skip_kinds", 0, "'skip_kinds' must hold strings only" },
		{ "skip_kinds", 0, "'skip_kinds' must hold strings only" },
		{ "export_dir", 0, "'export_dir' must be a string, not a boolean" },
	};
	struct loaded L;

	(void)state;
	/* skip_kinds has two bad elements on its line: two messages */
	load(&L, text);
	assert_null(L.c);
	assert_int_equal(tu_diag_count(&L.td, L.path, tu_line_of(text, "skip_kinds"),
				       "must hold strings only"),
			 2);
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		int line = tu_line_of(text, ex[i].marker);

		assert_true(tu_diag_count(&L.td, L.path, line, ex[i].needle) >= 1);
	}
	assert_diag_counts(&L.td, sizeof(ex) / sizeof(ex[0]), 0);
	unload(&L);
}

static void test_bad_durations(void **state)
{
	static const char text[] = "programme = \"p\";\n"
				   "feeds = {\n"
				   "  refresh = \"10\";\n"
				   "  alarms = [ \"5x\" ];\n"
				   "};\n"
				   "reminders = {\n"
				   "  before = [ \"m\", \"1d\" ];\n"
				   "  catch_up = \"-5m\";\n"
				   "};\n";
	static const struct expected ex[] = {
		{ "\"10\"", 0, "'refresh': bad duration \"10\": write a whole number followed by s, m, h or d" },
		{ "\"5x\"", 0, "'alarms': bad duration \"5x\"" },
		{ "\"m\"", 0, "'before': bad duration \"m\"" },
		{ "\"-5m\"", 0, "'catch_up': bad duration \"-5m\"" },
	};
	static const char numbers[] = "programme = \"p\";\n"
				      "feeds = {\n"
				      "  refresh = 3600;\n"
				      "  alarms = [ 15 ];\n"
				      "};\n"
				      "reminders = {\n"
				      "  catch_up = 1.5;\n"
				      "};\n";
	static const struct expected ex_numbers[] = {
		{ "3600", 0, "'refresh' must be a duration string such as \"15m\", not an integer" },
		{ "15 ]", 0, "'alarms' must be a duration string such as \"15m\", not an integer" },
		{ "1.5", 0, "'catch_up' must be a duration string such as \"15m\", not a number" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
	CHECK_ERRORS(numbers, ex_numbers);
}

static void test_channel_errors(void **state)
{
	static const char text[] =
		"programme = \"p\";\n"
		"channels = (\n"
		"  { name = \"a\"; type = \"sms\"; },\n"
		"  { name = \"b\"; type = \"webhook\"; url = \"http://x/\"; format = \"irc\"; },\n"
		"  { name = \"c\"; type = \"email\"; smtp_url = \"smtp://x\"; from = \"f@x\"; tls = \"ssl\"; },\n"
		"  { name = \"a\"; type = \"webhook\"; url = \"http://y/\"; },\n"
		"  { name = \"d\"; type = \"webhook\"; url = \"http://x/\"; colour = \"red\"; },\n"
		"  { name = \"e\"; type = \"webhook\"; url = \"ftp://x/\"; },\n"
		"  { name = \"f\"; type = \"email\"; smtp_url = \"http://x\"; from = \"f@x\"; to = \"everyone\"; },\n"
		"  { name = \"g\";\n"
		"    type = \"email\"; },\n"
		"  { type = \"webhook\"; url = \"http://x/\"; },\n"
		"  { name = \"Bad Name\"; type = \"webhook\"; url = \"http://x/\"; },\n"
		"  { name = \"h\"; type = \"webhook\"; url = \"http://x/\";\n"
		"    notify_changes = \"yes\";\n"
		"    tracks = \"plenary\"; },\n"
		"  { name = \"i\"; url = \"http://x/\"; },\n"
		"  \"ops\" );\n";
	static const struct expected ex[] = {
		{ "\"sms\"", 0, "'type' is \"sms\"; expected \"email\" or \"webhook\"" },
		{ "\"irc\"", 0, "'format' is \"irc\"; expected standard, slack, discord, mattermost, teams or ntfy" },
		{ "\"ssl\"", 0, "'tls' is \"ssl\"; expected \"none\", \"starttls\" or \"tls\"" },
		{ "http://y/", 0, "duplicate channel name 'a' (first at line 3)" },
		{ "colour", 0, "unknown setting 'colour' in a channel" },
		{ "ftp://x/", 0, "'url' is \"ftp://x/\"; expected an http:// or https:// URL" },
		{ "\"everyone\"", 0, "'to' is \"everyone\"; expected \"speakers\"" },
		{ "\"everyone\"", 0, "'smtp_url' is \"http://x\"; expected an smtp:// or smtps:// URL" },
		{ "name = \"g\"", 0, "'smtp_url' is required" },
		{ "name = \"g\"", 0, "'from' is required" },
		{ "{ type = \"webhook\"", 0, "'name' is required" },
		{ "Bad Name", 0, "'name' \"Bad Name\" is not a valid id" },
		{ "notify_changes = \"yes\"", 0, "'notify_changes' must be a boolean, not a string" },
		{ "tracks = \"plenary\"", 0, "'tracks' must be an array" },
		{ "name = \"i\"", 0, "'type' is required" },
		{ "\"ops\" );", 0, "each channel must be a group" },
	};

	(void)state;
	CHECK_ERRORS(text, ex);
}

/* Rules of the table beyond one key: max_in_flight's default by type, a
 * timeout below a second raised to one, keys of the other type known in
 * any channel, format as an enum and its name, and a header name in any
 * case. */
static void test_channel_rules(void **state)
{
	const char *text = "programme = \"p\";\n"
			   "http = { proxy_header = \"forwarded\"; };\n"
			   "channels = (\n"
			   "  { name = \"m\"; type = \"email\"; smtp_url = \"smtp://x.example.org\";\n"
			   "    from = \"a@example.org\"; timeout = \"0s\"; url = \"https://y/\"; },\n"
			   "  { name = \"w\"; type = \"webhook\"; url = \"https://y/\"; from = \"a@b\"; },\n"
			   "  { name = \"t\"; type = \"webhook\"; url = \"https://y/\"; format = \"teams\";\n"
			   "    max_in_flight = 7; timeout = \"2m\"; }\n"
			   ");\n";
	struct loaded L;

	(void)state;
	load(&L, text);
	if (!L.c)
		tu_diag_dump(&L.td, "the channels do not load");
	assert_non_null(L.c);
	assert_diag_counts(&L.td, 0, 0);
	assert_int_equal(L.c->proxy_header, PROXY_FORWARDED);
	assert_int_equal(L.c->n_channels, 3);
	assert_int_equal(L.c->channels[0].max_in_flight, 4);
	assert_int_equal(L.c->channels[0].timeout, 1);
	assert_null(L.c->channels[0].url);
	assert_null(L.c->channels[0].format);
	assert_int_equal(L.c->channels[1].max_in_flight, 32);
	assert_int_equal(L.c->channels[1].timeout, 30);
	assert_null(L.c->channels[1].from);
	assert_int_equal(L.c->channels[1].webhook_format, WEBHOOK_STANDARD);
	assert_string_equal(L.c->channels[1].format, "standard");
	assert_int_equal(L.c->channels[2].max_in_flight, 7);
	assert_int_equal(L.c->channels[2].timeout, 120);
	assert_int_equal(L.c->channels[2].webhook_format, WEBHOOK_TEAMS);
	assert_string_equal(L.c->channels[2].format, "teams");
	for (int f = 0; f < WEBHOOK_N_FORMATS; f++)
		assert_non_null(conf_webhook_formats[f]);
	assert_null(conf_webhook_formats[WEBHOOK_N_FORMATS]);
	unload(&L);
}

/* The keys agendad.conf(5) documents: each ".TP" entry's ".B key" or
 * ".B group.key" in CONFIGURATION (tp), and the ".B"/".BR" words of the
 * channels entry (channel), which lists a channel's keys in prose. */
struct man_keys {
	char *tp[128], *channel[64];
	size_t n_tp, n_channel;
};

static int key_word(const char *w, int dotted)
{
	size_t n = strlen(w);

	if (n < 2 || !islower((unsigned char)w[0]) || !islower((unsigned char)w[n - 1]))
		return 0;
	for (; *w; w++)
		if (!islower((unsigned char)*w) && *w != '_' && !(dotted && *w == '.'))
			return 0;
	return 1;
}

static void man_keys_read(const char *man, struct man_keys *K)
{
	const char *p = strstr(man, "\n.SH CONFIGURATION\n");
	int after_tp = 0, in_channels = 0;

	memset(K, 0, sizeof(*K));
	assert_non_null(p);
	for (p++; *p;) {
		size_t len = strcspn(p, "\n");
		char line[256], word[128] = "";

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
		if (strncmp(line, ".SH ", 4) == 0 && strcmp(line, ".SH CONFIGURATION") != 0)
			break;
		if (strcmp(line, ".TP") == 0) {
			after_tp = 1;
			in_channels = 0;
			continue;
		}
		if (strncmp(line, ".BR ", 4) == 0 || strncmp(line, ".B ", 3) == 0)
			sscanf(strchr(line, ' '), "%127s", word);
		if (after_tp && key_word(word, 1) && K->n_tp < 128)
			K->tp[K->n_tp++] = strdup(word);
		else if (in_channels && key_word(word, 0) && K->n_channel < 64)
			K->channel[K->n_channel++] = strdup(word);
		in_channels |= after_tp && strcmp(word, "channels") == 0;
		after_tp = 0;
	}
}

static void man_keys_free(struct man_keys *K)
{
	for (size_t i = 0; i < K->n_tp; i++)
		free(K->tp[i]);
	for (size_t i = 0; i < K->n_channel; i++)
		free(K->channel[i]);
}

static int listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int in_table(const char *name, int channel, enum conf_group group)
{
	enum conf_group g;
	const char *k;

	for (size_t i = 0; (k = conf_key_name(i, &g)); i++)
		if (strcmp(k, name) == 0 &&
		    (channel ? g == CG_CHANNEL || g == CG_EMAIL || g == CG_WEBHOOK : g == group))
			return 1;
	return 0;
}

/* A ".TP" key ("http.listen") that names a row of the table. */
static int tp_in_table(const char *key)
{
	const char *dot = strchr(key, '.');

	if (!dot)
		return in_table(key, 0, CG_TOP);
	for (int g = 0; g < CG_N_GROUPS; g++)
		if (conf_group_name(g) && strlen(conf_group_name(g)) == (size_t)(dot - key) &&
		    strncmp(key, conf_group_name(g), (size_t)(dot - key)) == 0)
			return in_table(dot + 1, 0, g);
	return 0;
}

/* How many keys of the table the man page text does not document, plus
 * how many it documents that are not in the table; each is printed if say. */
static int man_mismatches(const char *man, int say)
{
	struct man_keys K;
	enum conf_group g;
	const char *k;
	int bad = 0;

	man_keys_read(man, &K);
	for (size_t i = 0; (k = conf_key_name(i, &g)); i++) {
		int sub = g == CG_TOP && listed((char *const[]){ "http", "feeds", "reminders" }, 3, k);
		char *full = conf_group_name(g) ? xasprintf("%s.%s", conf_group_name(g), k)
						: xstrdup(k);
		int ok = sub || (g == CG_CHANNEL || g == CG_EMAIL || g == CG_WEBHOOK
					 ? listed(K.channel, K.n_channel, k)
					 : listed(K.tp, K.n_tp, full));

		if (!ok && say)
			print_message("agendad.conf(5) does not document '%s'\n", full);
		bad += !ok;
		free(full);
	}
	for (size_t i = 0; i < K.n_tp; i++)
		if (!tp_in_table(K.tp[i]) && ++bad && say)
			print_message("agendad.conf(5) documents '%s', which is no key\n", K.tp[i]);
	for (size_t i = 0; i < K.n_channel; i++)
		if (!in_table(K.channel[i], 1, CG_CHANNEL) && ++bad && say)
			print_message("agendad.conf(5) documents channel key '%s', which is no key\n",
				      K.channel[i]);
	man_keys_free(&K);
	return bad;
}

static char *replace_once(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

/* Every key of the table is in agendad.conf(5) and every key there is in
 * the table; a page with a key renamed fails the same check twice. */
static void test_man_page_keys(void **state)
{
	char *man = read_text(TESTS_SRCDIR "/../man/agendad.conf.5.in");
	char *renamed = replace_once(man, "\n.B http.threads\n", "\n.B http.thread\n");
	char *channel = replace_once(renamed, "\n.B secret_file\n", "\n.B secret\n");
	struct man_keys K;

	(void)state;
	man_keys_read(man, &K);
	assert_true(K.n_tp >= 30);
	assert_true(K.n_channel > 15);
	man_keys_free(&K);
	assert_int_equal(man_mismatches(man, 1), 0);
	assert_int_equal(man_mismatches(renamed, 0), 2);
	assert_int_equal(man_mismatches(channel, 0), 4);
	free(channel);
	free(renamed);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_programme_max_mb),
		cmocka_unit_test(test_empty_groups),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_guards),
		cmocka_unit_test(test_trusted_proxies),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_functions),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_missing_programme),
		cmocka_unit_test(test_top_level_errors),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_channel_errors),
		cmocka_unit_test(test_channel_rules),
		cmocka_unit_test(test_man_page_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
