/* agendad: command line and modes.  The work is done by the modules. */
#include "config.h"

#include <curl/curl.h>
#include <libxml/parser.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "diag.h"
#include "export.h"
#include "feeds.h"
#include "log.h"
#include "ledger.h"
#include "loop.h"
#include "plan.h"
#include "programme.h"
#include "snapshot.h"
#include "state.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum { EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };
enum mode { MODE_DAEMON, MODE_TEST, MODE_EXPORT, MODE_REMINDERS, MODE_RELOAD };

struct options {
	enum mode mode;
	const char *config;
	const char *export_dir;
	const char *state_dir;
	const char *listen;
	const char *now;
	const char *speed;
	const char *reload_pid;
	int foreground, dry_run;
};

static const char usage[] =
	"Usage: agendad [-c FILE] [-f]          run the daemon\n"
	"       agendad -t [-c FILE]            check configuration and programme, print a summary\n"
	"       agendad --export DIR [-c FILE]  write every feed and the index page into DIR\n"
	"       agendad --reminders [-c FILE]   print the reminder plan\n"
	"       agendad --reload PID [-c FILE]  check as -t does, then tell the daemon PID\n"
	"                                       to reload (exit 1 when the check fails)\n"
	"       agendad --version | --help\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE     configuration (default " SYSCONFDIR "/agendad/agendad.conf)\n"
	"  -f, --foreground      stay in the foreground, log to stderr\n"
	"      --state-dir DIR   overrides state_dir\n"
	"      --listen ADDR:PORT  overrides http.listen\n"
	"      --dry-run         compute and log reminders, send nothing\n"
	"      --now \"YYYY-MM-DD HH:MM[:SS]\"  simulated clock (event time zone)\n"
	"      --speed N         with --now: simulated time runs N times faster\n"
	"\n"
	"Exit status: 0 success, 1 invalid configuration or programme, 2 usage error,\n"
	"3 runtime failure.\n";

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_EXPORT = 256, OPT_REMINDERS, OPT_RELOAD, OPT_STATE, OPT_LISTEN, OPT_DRY, OPT_NOW, OPT_SPEED,
	       OPT_VERSION, OPT_HELP };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "export", required_argument, NULL, OPT_EXPORT },
		{ "reminders", no_argument, NULL, OPT_REMINDERS },
		{ "reload", required_argument, NULL, OPT_RELOAD },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int ch, modes = 0;

	memset(o, 0, sizeof(*o));
	o->config = SYSCONFDIR "/agendad/agendad.conf";
	while ((ch = getopt_long(argc, argv, "c:ft", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = 1; break;
		case 't': o->mode = MODE_TEST; modes++; break;
		case OPT_EXPORT: o->mode = MODE_EXPORT; o->export_dir = optarg; modes++; break;
		case OPT_REMINDERS: o->mode = MODE_REMINDERS; modes++; break;
		case OPT_RELOAD: o->mode = MODE_RELOAD; o->reload_pid = optarg; modes++; break;
		case OPT_STATE: o->state_dir = optarg; break;
		case OPT_LISTEN: o->listen = optarg; break;
		case OPT_DRY: o->dry_run = 1; break;
		case OPT_NOW: o->now = optarg; break;
		case OPT_SPEED: o->speed = optarg; break;
		case OPT_VERSION: printf("agendad %s\n", PACKAGE_VERSION); exit(0);
		case OPT_HELP: fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "agendad: unexpected argument '%s'\n%s", argv[optind], usage);
		return -1;
	}
	if (modes > 1) {
		fprintf(stderr, "agendad: -t, --export, --reminders and --reload exclude each other\n");
		return -1;
	}
	if (o->reload_pid && (strspn(o->reload_pid, "0123456789") != strlen(o->reload_pid) ||
			      atol(o->reload_pid) <= 1)) {
		fprintf(stderr, "agendad: --reload takes the daemon's process id\n");
		return -1;
	}
	if (o->speed && !o->now) {
		fprintf(stderr, "agendad: --speed needs --now\n");
		return -1;
	}
	if (o->speed && !(atof(o->speed) > 0)) {
		fprintf(stderr, "agendad: --speed takes a positive number\n");
		return -1;
	}
	return 0;
}

/* Loads configuration and programme; prints every problem.  Returns 0, or
 * EXIT_INVALID when anything was wrong. */
static int load(const struct options *o, struct conf **c, struct programme **p)
{
	struct overrides ov = { .state_dir = o->state_dir, .listen = o->listen,
				.last_good = LASTGOOD_OFF };
	struct diag d;

	diag_init(&d);
	return snapshot_load(o->config, &ov, SNAPSHOT_FRESH, &d, c, p) == 0 ? 0 : EXIT_INVALID;
}

static int run_test(const struct conf *c, const struct programme *p)
{
	printf("%s: configuration OK (%zu channel%s)\n", c->path, c->n_channels,
	       c->n_channels == 1 ? "" : "s");
	printf("%s: programme OK: \"%s\"\n", p->path, p->event.title);
	printf("  %zu sessions, %zu speakers, %zu days, %zu tracks, %zu rooms, %zu warnings\n",
	       p->n_sessions, p->n_speakers, p->n_days, p->n_tracks, p->n_rooms, p->warnings);
	if (p->n_days)
		printf("  from %s to %s (%s)\n", p->days[0].date, p->days[p->n_days - 1].date,
		       p->event.timezone);
	return 0;
}

static int run_export(const struct conf *c, const struct programme *p, const char *dir)
{
	struct feedset *fs = NULL;
	struct export *ex;
	struct state *st;
	double t0;
	int rc;

	if (state_open(c->state_dir, &st) < 0)
		return EXIT_RUNTIME;
	t0 = clock_elapsed();
	ex = export_start(p, c, dir); /* the schedule documents, while feeds render */
	if (ex)
		feedset_build(p, c, st, clock_real(), &fs); /* fs stays NULL when it fails */
	rc = ex ? export_finish(ex, fs, NULL) : -1;
	log_debug("wrote %s in %.3f s", dir, clock_elapsed() - t0);
	if (rc == 0 && fs)
		log_info("exported %zu feeds (%zu sessions, %zu cancelled and removed) to %s",
			 fs->n_feeds, p->n_sessions, fs->n_tombs, dir);
	rc = rc == 0 && fs ? 0 : EXIT_RUNTIME;
	if (fs)
		feedset_free(fs);
	state_close(st);
	return rc;
}

static void print_due(const struct programme *p, int64_t t)
{
	struct civil c;

	tz_utc_to_local(p->tz, t, &c);
	printf("%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
}

/* The plan of the programme as it is now, each entry with what the
 * ledger knows of it; then what the ledger holds outside the plan. */
static int run_reminders(const struct conf *c, const struct programme *p)
{
	struct plan *pl;
	struct ledger *lg;
	struct ledger_report rep;

	if (ledger_open(c->state_dir, &lg) < 0)
		return EXIT_RUNTIME;
	pl = plan_build(p, c);
	if (ledger_join(lg, p, pl, &rep) < 0) {
		plan_free(pl);
		ledger_close(lg);
		return EXIT_RUNTIME;
	}
	printf("%-16s  %-24s %-12s %-24s %-8s %s\n", "DUE", "SESSION", "CHANNEL", "RECIPIENT",
	       "STATE", "ATTEMPTS / LAST ERROR");
	for (size_t i = 0; i < rep.n; i++) {
		const struct ledger_entry *e = &rep.entries[i];

		print_due(p, e->due);
		printf("  %-24s %-12s %-24s %-8s %d%s%s\n", e->session, e->channel, e->recipient,
		       delivery_state_name(e->state), e->attempts, e->last_error ? "  " : "",
		       e->last_error ? e->last_error : "");
	}
	printf("%zu planned (%s)\n", pl->n, p->event.timezone);
	ledger_report_free(&rep);
	ledger_close(lg);
	plan_free(pl);
	return 0;
}

/* systemd's ExecReload=: the daemon is told to reload whatever the check
 * finds (it logs and shows a rejection itself, and keeps serving), and
 * the exit status says whether the new programme is taken, so that
 * "systemctl reload" fails, with these FILE:LINE messages in the
 * journal, when it is not.  Needs nothing but agendad (no kill(1)). */
static int run_reload(const struct options *o)
{
	pid_t pid = (pid_t)atol(o->reload_pid);
	struct conf *c = NULL;
	struct programme *p = NULL;
	int rc = load(o, &c, &p);

	if (rc == 0)
		rc = run_test(c, p);
	prog_free(p);
	conf_free(c);
	if (kill(pid, SIGHUP) < 0) {
		fprintf(stderr, "agendad: cannot signal process %ld: %s\n", (long)pid, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (rc != 0)
		fprintf(stderr, "agendad: the programme is rejected; the daemon keeps serving the last good one\n");
	return rc;
}

static void cleanup_libraries(void)
{
	icaltimezone_free_builtin_timezones();
	curl_global_cleanup();
	xmlCleanupParser();
}

int main(int argc, char **argv)
{
	struct options o;
	struct conf *c;
	struct programme *p;
	int rc;

	log_init();
	if (parse_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	/* Both set up global state that is not safe to set up from threads. */
	xmlInitParser();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (o.mode == MODE_DAEMON) {
		struct loop_options lo = { .config = o.config,
					   .state_dir = o.state_dir,
					   .listen = o.listen,
					   .foreground = o.foreground,
					   .dry_run = o.dry_run,
					   .now = o.now,
					   .speed = o.speed ? atof(o.speed) : 1.0 };

		rc = loop_run(&lo);
		cleanup_libraries();
		return rc;
	}
	if (o.mode == MODE_RELOAD) {
		rc = run_reload(&o);
		cleanup_libraries();
		return rc;
	}
	if ((rc = load(&o, &c, &p)) != 0) {
		cleanup_libraries();
		return rc;
	}
	switch (o.mode) {
	case MODE_TEST: rc = run_test(c, p); break;
	case MODE_EXPORT: rc = run_export(c, p, o.export_dir); break;
	case MODE_REMINDERS: rc = run_reminders(c, p); break;
	case MODE_DAEMON: /* handled before loading */
	case MODE_RELOAD:
		break;
	}
	prog_free(p);
	conf_free(c);
	cleanup_libraries();
	return rc;
}
