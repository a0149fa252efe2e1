/* ledger.c: the reminder ledger in a real SQLite file.  Recording the
 * plan, attempts and outcomes; what survives a reopen; the names the
 * states are stored under; the join of plan and ledger that agendad
 * --reminders prints; and databases of the old layout, where state.c
 * made the deliveries table. */
#include "config.h"

#include "testutil.h"

#include <libical/ical.h>
#include <sqlite3.h>

#include "conf.h"
#include "ledger.h"
#include "plan.h"
#include "programme.h"
#include "state.h"

struct fixture {
	char *dir, *state_dir, *db;
	struct conf *c;
	struct programme *p;
	struct plan *pl;
};

/* a (10:00) and b (11:00) to the hook, 15 minutes before: two reminders. */
static const char programme_text[] =
	"event = { id = \"ev\"; title = \"E\"; timezone = \"Europe/Zurich\"; };\n"
	"sessions = (\n"
	" { id = \"a\"; title = \"A\"; start = \"2030-06-10 10:00\"; end = \"2030-06-10 11:00\"; },\n"
	" { id = \"b\"; title = \"B\"; start = \"2030-06-10 11:00\"; end = \"2030-06-10 12:00\"; } );\n";

/* the same, with a an hour later: its reminder has another key */
static const char moved_text[] =
	"event = { id = \"ev\"; title = \"E\"; timezone = \"Europe/Zurich\"; };\n"
	"sessions = (\n"
	" { id = \"a\"; title = \"A\"; start = \"2030-06-10 12:00\"; end = \"2030-06-10 13:00\"; },\n"
	" { id = \"b\"; title = \"B\"; start = \"2030-06-10 11:00\"; end = \"2030-06-10 12:00\"; } );\n";

static const char configuration[] =
	"programme = \"p\";\nreminders = { before = [ \"15m\" ]; };\n"
	"channels = ( { name = \"hook\"; type = \"webhook\"; url = \"https://h.example.org/x\"; } );\n";

#define KEY_A "a|2030-06-10T08:00:00Z|15m|hook|hook"
#define KEY_B "b|2030-06-10T09:00:00Z|15m|hook|hook"
#define KEY_A_MOVED "a|2030-06-10T10:00:00Z|15m|hook|hook"

/* The old layout: state.c's three steps as they were, user_version 3. */
static const char old_layout[] =
	"CREATE TABLE published ("
	" event TEXT NOT NULL, id TEXT NOT NULL,"
	" title TEXT NOT NULL, start INTEGER NOT NULL, \"end\" INTEGER NOT NULL,"
	" room TEXT NOT NULL, track TEXT NOT NULL, kind TEXT NOT NULL, speakers TEXT NOT NULL,"
	" status INTEGER NOT NULL, hash INTEGER NOT NULL,"
	" sequence INTEGER NOT NULL, modified INTEGER NOT NULL, removed INTEGER,"
	" PRIMARY KEY (event, id)) WITHOUT ROWID;"
	"CREATE TABLE paths ("
	" event TEXT NOT NULL, path TEXT NOT NULL, hash INTEGER NOT NULL,"
	" modified INTEGER NOT NULL,"
	" PRIMARY KEY (event, path)) WITHOUT ROWID;"
	"CREATE TABLE deliveries ("
	" key TEXT PRIMARY KEY, event TEXT NOT NULL, kind INTEGER NOT NULL,"
	" session TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,"
	" due INTEGER NOT NULL, deadline INTEGER NOT NULL, state TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, in_flight INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL, last_error TEXT, last_attempt_real INTEGER,"
	" done_real INTEGER, lateness_ms INTEGER, payload TEXT) WITHOUT ROWID;"
	"CREATE INDEX deliveries_by_state ON deliveries (event, state, next_attempt);"
	"PRAGMA user_version = 3;";

static struct programme *load_programme(const struct fixture *f, const char *text)
{
	return tu_load_text(f->dir, "p", text);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->state_dir = xasprintf("%s/var/lib/agendad", f->dir);
	f->db = xasprintf("%s/agendad.sqlite", f->state_dir);
	f->c = tu_load_conf(f->dir, configuration);
	f->p = load_programme(f, programme_text);
	f->pl = plan_build(f->p, f->c);
	assert_int_equal(f->pl->n, 2);
	assert_string_equal(f->pl->items[0].key, KEY_A);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	plan_free(f->pl);
	prog_free(f->p);
	conf_free(f->c);
	tu_rmtree(f->dir);
	free(f->db);
	free(f->state_dir);
	free(f->dir);
	free(f);
	return 0;
}

/* --- helpers ------------------------------------------------------------ */

static sqlite3 *raw(const char *db)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	return h;
}

static void raw_exec(const char *db, const char *sql)
{
	sqlite3 *h = raw(db);
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, err);
	assert_null(err);
	sqlite3_close(h);
}

/* One text value, as stored (SQLite's own reading of the file). */
static char *raw_text(const char *db, const char *sql)
{
	sqlite3 *h = raw(db);
	sqlite3_stmt *q;
	char *out = NULL;

	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		out = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(h);
	return out;
}

static int raw_int(const char *db, const char *sql)
{
	char *t = raw_text(db, sql);
	int v;

	assert_non_null(t);
	v = atoi(t);
	free(t);
	return v;
}

static const struct ledger_row *row_of(const struct ledger_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	fprintf(stderr, "no row %s\n", key);
	fail();
	return NULL;
}

static void sync_plan(struct ledger *lg, const struct fixture *f, const struct plan *pl,
		      const struct programme *p)
{
	(void)f;
	assert_int_equal(ledger_sync(lg, p->event.id, pl, p), 0);
}

/* --- tests ---------------------------------------------------------------- */

static void test_state_names(void **state)
{
	(void)state;
	/* the names in the table: what older and newer agendads read */
	assert_string_equal(delivery_state_name(DELIVERY_PENDING), "pending");
	assert_string_equal(delivery_state_name(DELIVERY_SENT), "sent");
	assert_string_equal(delivery_state_name(DELIVERY_FAILED), "failed");
	assert_string_equal(delivery_state_name(DELIVERY_MISSED), "missed");
	assert_string_equal(delivery_state_name(DELIVERY_DROPPED), "dropped");
	assert_string_equal(delivery_state_name((enum delivery_state)99), "unknown");
}

/* The plan is recorded as pending; attempts and outcomes are on disk
 * after a reopen, under the state names of the table. */
static void test_record_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct ledger *lg = NULL;
	struct ledger_row *rows = NULL;
	size_t n = 0;
	char *s;

	/* a new state folder: the ledger makes folder, file and table */
	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	sync_plan(lg, f, f->pl, f->p);
	sync_plan(lg, f, f->pl, f->p); /* again: nothing changes */
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_PENDING, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].key, KEY_A); /* by next attempt */
	assert_int_equal(rows[0].next_attempt, f->pl->items[0].due);
	assert_int_equal(rows[0].due, f->pl->items[0].due);
	assert_int_equal(rows[0].deadline, f->p->sessions[0].start);
	assert_int_equal(rows[0].kind, LEDGER_REMINDER);
	assert_string_equal(rows[0].session, "a");
	assert_string_equal(rows[0].recipient, "hook");
	assert_int_equal(rows[0].attempts, 0);
	ledger_rows_free(rows, n);

	/* a: tried twice, then sent; b: tried, back to pending for later */
	assert_int_equal(ledger_begin(lg), 0);
	assert_int_equal(ledger_attempt(lg, KEY_A, 1000, 250), 0);
	assert_int_equal(ledger_outcome(lg, KEY_A, DELIVERY_PENDING, 5000, "HTTP 503: busy", 1001), 0);
	assert_int_equal(ledger_attempt(lg, KEY_A, 1010, 9999), 0);
	assert_int_equal(ledger_outcome(lg, KEY_A, DELIVERY_SENT, 5000, NULL, 1011), 0);
	assert_int_equal(ledger_attempt(lg, KEY_B, 1020, 30), 0);
	assert_int_equal(ledger_commit(lg), 0);
	ledger_close(lg);

	/* the file, as SQLite reads it: the names of old */
	s = raw_text(f->db, "SELECT state FROM deliveries WHERE key = '" KEY_A "'");
	assert_string_equal(s, "sent");
	free(s);
	s = raw_text(f->db, "SELECT state FROM deliveries WHERE key = '" KEY_B "'");
	assert_string_equal(s, "pending");
	free(s);

	lg = NULL;
	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_ANY, &rows, &n), 0);
	assert_int_equal(n, 2);
	{
		const struct ledger_row *a = row_of(rows, n, KEY_A), *b = row_of(rows, n, KEY_B);

		assert_int_equal(a->state, DELIVERY_SENT);
		assert_int_equal(a->attempts, 2);
		assert_int_equal(a->in_flight, 0);
		assert_null(a->last_error);
		assert_int_equal(a->lateness_ms, 250); /* the first attempt's */
		assert_int_equal(a->last_attempt_real, 1010);
		assert_int_equal(a->done_real, 1011);
		/* cut off in flight (a crash): it says so */
		assert_int_equal(b->state, DELIVERY_PENDING);
		assert_int_equal(b->attempts, 1);
		assert_int_equal(b->in_flight, 1);
	}
	ledger_rows_free(rows, n);
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_SENT, &rows, &n), 0);
	assert_int_equal(n, 1);
	ledger_rows_free(rows, n);
	assert_int_equal(ledger_rows(lg, "other event", DELIVERY_ANY, &rows, &n), 0);
	assert_int_equal(n, 0);
	ledger_rows_free(rows, n);

	/* every state goes in and comes out as itself */
	for (int st = DELIVERY_PENDING; st < DELIVERY_UNKNOWN; st++) {
		assert_int_equal(ledger_outcome(lg, KEY_B, (enum delivery_state)st, 7, "why", 1), 0);
		assert_int_equal(ledger_rows(lg, "ev", (enum delivery_state)st, &rows, &n), 0);
		assert_true(n >= 1);
		assert_int_equal(row_of(rows, n, KEY_B)->state, st);
		ledger_rows_free(rows, n);
	}
	ledger_close(lg);
}

/* A change notification is added once; a reminder the plan no longer
 * has becomes dropped. */
static void test_add_and_drop(void **state)
{
	struct fixture *f = *state;
	struct programme *moved = load_programme(f, moved_text);
	struct plan *pl = plan_build(moved, f->c);
	struct ledger_row note = { .key = "change|a|1|hook|hook", .kind = LEDGER_CHANGED,
				   .session = "a", .channel = "hook", .recipient = "hook",
				   .due = 100, .deadline = 200, .payload = "{}" };
	struct ledger *lg = NULL;
	struct ledger_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	sync_plan(lg, f, f->pl, f->p);
	assert_int_equal(ledger_add(lg, "ev", &note), 0);
	note.payload = "{\"second\": true}";
	assert_int_equal(ledger_add(lg, "ev", &note), 0); /* ignored: the key exists */
	sync_plan(lg, f, pl, moved);
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_ANY, &rows, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(row_of(rows, n, KEY_A)->state, DELIVERY_DROPPED);
	assert_string_equal(row_of(rows, n, KEY_A)->last_error,
			    "the session moved, was cancelled or removed");
	assert_int_equal(row_of(rows, n, KEY_A_MOVED)->state, DELIVERY_PENDING);
	assert_int_equal(row_of(rows, n, KEY_B)->state, DELIVERY_PENDING);
	/* change notices are not the plan's: never dropped by it */
	assert_int_equal(row_of(rows, n, note.key)->state, DELIVERY_PENDING);
	assert_int_equal(row_of(rows, n, note.key)->kind, LEDGER_CHANGED);
	assert_string_equal(row_of(rows, n, note.key)->payload, "{}");
	ledger_rows_free(rows, n);
	ledger_close(lg);
	plan_free(pl);
	prog_free(moved);
}

/* agendad --reminders: the plan in its order with what the ledger knows,
 * then the rows outside the plan. */
static void test_join(void **state)
{
	struct fixture *f = *state;
	struct programme *moved = load_programme(f, moved_text);
	struct plan *pl = plan_build(moved, f->c);
	struct ledger *lg = NULL;
	struct ledger_report rep;

	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	sync_plan(lg, f, f->pl, f->p); /* a at 10:00, b */
	assert_int_equal(ledger_attempt(lg, KEY_B, 1, 0), 0);
	assert_int_equal(ledger_outcome(lg, KEY_B, DELIVERY_FAILED, 0, "HTTP 410: gone", 2), 0);
	assert_int_equal(ledger_attempt(lg, KEY_A, 1, 0), 0);
	assert_int_equal(ledger_outcome(lg, KEY_A, DELIVERY_SENT, 0, NULL, 2), 0);

	/* a has moved: its new reminder is not recorded yet */
	assert_int_equal(ledger_join(lg, moved, pl, &rep), 0);
	assert_int_equal(rep.n, 3);
	/* the plan's order: b (due 10:45) before the moved a (11:45) */
	assert_true(rep.entries[0].planned);
	assert_string_equal(rep.entries[0].session, "b");
	assert_string_equal(rep.entries[0].channel, "hook");
	assert_string_equal(rep.entries[0].recipient, "hook");
	assert_int_equal(rep.entries[0].due, pl->items[0].due);
	assert_int_equal(rep.entries[0].state, DELIVERY_FAILED);
	assert_int_equal(rep.entries[0].attempts, 1);
	assert_string_equal(rep.entries[0].last_error, "HTTP 410: gone");

	assert_true(rep.entries[1].planned);
	assert_string_equal(rep.entries[1].session, "a");
	assert_int_equal(rep.entries[1].due, pl->items[1].due);
	assert_int_equal(rep.entries[1].state, DELIVERY_PENDING);
	assert_int_equal(rep.entries[1].attempts, 0);
	assert_null(rep.entries[1].last_error);

	/* the old a, sent, outside the plan now */
	assert_false(rep.entries[2].planned);
	assert_string_equal(rep.entries[2].session, "a");
	assert_int_equal(rep.entries[2].due, f->pl->items[0].due);
	assert_int_equal(rep.entries[2].state, DELIVERY_SENT);
	assert_int_equal(rep.entries[2].attempts, 1);
	ledger_report_free(&rep);
	ledger_close(lg);
	plan_free(pl);
	prog_free(moved);
}

/* An agendad.sqlite of the old layout (user_version 3, deliveries made
 * by state.c) opens with its rows, for the ledger and the state in
 * either order, and keeps its version. */
static void test_old_layout(void **state)
{
	struct fixture *f = *state;
	struct ledger *lg = NULL;
	struct state *st = NULL;
	struct ledger_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(state_mkdirs(f->state_dir), 0);
	raw_exec(f->db, old_layout);
	raw_exec(f->db, "INSERT INTO deliveries (key, event, kind, session, channel, recipient, due,"
			" deadline, state, attempts, next_attempt, last_error)"
			" VALUES ('" KEY_A "', 'ev', 0, 'a', 'hook', 'hook', 10, 20, 'failed', 3, 10,"
			" 'HTTP 500')");

	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_ANY, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].state, DELIVERY_FAILED);
	assert_int_equal(rows[0].attempts, 3);
	assert_string_equal(rows[0].last_error, "HTTP 500");
	ledger_rows_free(rows, n);
	sync_plan(lg, f, f->pl, f->p); /* b is added, a stays failed */
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_PENDING, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, KEY_B);
	ledger_rows_free(rows, n);

	assert_int_equal(state_open(f->state_dir, &st), 0);
	state_close(st);
	ledger_close(lg);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(f->db, "SELECT version FROM schema_parts WHERE part = 'ledger'"), 1);

	/* and again, the state first this time */
	assert_int_equal(state_open(f->state_dir, &st), 0);
	lg = NULL;
	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	assert_int_equal(ledger_rows(lg, "ev", DELIVERY_ANY, &rows, &n), 0);
	assert_int_equal(n, 2);
	ledger_rows_free(rows, n);
	ledger_close(lg);
	state_close(st);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 3);
}

/* A file from before the ledger (state version 2) gets the table; a new
 * file made by the ledger first is then completed by the state: both
 * end as a file made by the old code would be. */
static void test_before_the_ledger(void **state)
{
	struct fixture *f = *state;
	char *other = xasprintf("%s/other", f->dir);
	char *other_db = xasprintf("%s/agendad.sqlite", other);
	struct ledger *lg = NULL;
	struct state *st = NULL;

	assert_int_equal(state_open(f->state_dir, &st), 0);
	state_close(st);
	/* the state makes no deliveries table now: as version 2 was */
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'deliveries'"),
			 0);
	raw_exec(f->db, "PRAGMA user_version = 2;");
	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	sync_plan(lg, f, f->pl, f->p);
	ledger_close(lg);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM deliveries"), 2);
	assert_int_equal(state_open(f->state_dir, &st), 0);
	state_close(st);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 3);

	/* the ledger first, in a folder that does not exist yet */
	lg = NULL;
	assert_int_equal(ledger_open(other, &lg), 0);
	ledger_close(lg);
	assert_int_equal(raw_int(other_db, "PRAGMA user_version"), 0);
	assert_int_equal(state_open(other, &st), 0);
	state_close(st);
	assert_int_equal(raw_int(other_db, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(other_db, "SELECT count(*) FROM published"), 0);
	assert_int_equal(raw_int(other_db, "SELECT count(*) FROM deliveries"), 0);
	free(other_db);
	free(other);
}

/* A ledger of a newer agendad is not touched. */
static void test_newer_ledger(void **state)
{
	struct fixture *f = *state;
	struct ledger *lg = NULL;

	assert_int_equal(ledger_open(f->state_dir, &lg), 0);
	ledger_close(lg);
	raw_exec(f->db, "UPDATE schema_parts SET version = 99 WHERE part = 'ledger'");
	lg = NULL;
	assert_true(ledger_open(f->state_dir, &lg) < 0);
	assert_null(lg);
	assert_int_equal(raw_int(f->db, "SELECT version FROM schema_parts WHERE part = 'ledger'"),
			 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test_setup_teardown(test_record_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_before_the_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_ledger, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
