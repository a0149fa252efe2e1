/* state.c: the SQLite ledger behind SEQUENCE, LAST-MODIFIED and the
 * tombstones of removed sessions. */
#include "config.h"

#include "testutil.h"

#include <libical/ical.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "hash.h"
#include "programme.h"
#include "state.h"
#include "strmap.h"

#define T0 INT64_C(1700000000)
#define DAY INT64_C(86400)

struct fixture {
	char *dir, *state_dir;
	struct state *st;
	int n_files;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->state_dir = xasprintf("%s/var/lib/agendad", f->dir);
	assert_int_equal(state_open(f->state_dir, &f->st), 0);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	state_close(f->st);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->state_dir);
	free(f);
	return 0;
}

/* Session a, as the tests vary it. */
#define A_TITLE "A"
#define A_START "2014-03-24 09:00"
#define A_END "2014-03-24 10:00"
#define A_ROOM "r1"
#define A_TRACK "t1"
#define A_STATUS "confirmed"
#define A_KIND "session"
#define A_PEOPLE "{ speaker = \"alice\"; }, { speaker = \"bob\"; }"

static char *session_a(const char *title, const char *start, const char *end, const char *room,
		       const char *track, const char *status, const char *kind, const char *people)
{
	return xasprintf("{ id = \"a\"; title = \"%s\"; start = \"%s\"; end = \"%s\"; room = \"%s\";"
			 " track = \"%s\"; status = \"%s\"; kind = \"%s\"; people = ( %s ); }",
			 title, start, end, room, track, status, kind, people);
}

static char *default_a(void)
{
	return session_a(A_TITLE, A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);
}

static const char session_b[] = "{ id = \"b\"; title = \"B\"; start = \"2014-03-24 10:00\";"
				 " end = \"2014-03-24 11:00\"; room = \"r2\"; }";
static const char session_c[] = "{ id = \"c\"; title = \"C\"; kind = \"break\";"
				 " start = \"2014-03-24 11:00\"; end = \"2014-03-24 11:30\"; }";

/* A programme of event id event with the sessions given (comma-joined
 * by the caller). */
static struct programme *programme(struct fixture *f, const char *event, const char *sessions)
{
	char *text = xasprintf("event = { id = \"%s\"; title = \"E\"; timezone = \"Europe/Zurich\"; };\n"
			       "tracks = ( { id = \"t1\"; }, { id = \"t2\"; } );\n"
			       "rooms = ( { id = \"r1\"; }, { id = \"r2\"; } );\n"
			       "speakers = ( { id = \"alice\"; name = \"A\"; }, { id = \"bob\"; name = \"B\"; } );\n"
			       "sessions = ( %s );\n",
			       event, sessions);
	char *name = xasprintf("p%d.programme", f->n_files++);
	struct programme *p = tu_load_text(f->dir, name, text);

	free(name);
	free(text);
	return p;
}

/* The usual programme: a, b and c, with a as given (NULL: the default). */
static struct programme *abc(struct fixture *f, const char *a)
{
	char *def = default_a();
	char *sessions = xasprintf("%s, %s, %s", a ? a : def, session_b, session_c);
	struct programme *p = programme(f, "ev", sessions);

	free(sessions);
	free(def);
	return p;
}

static uint64_t default_hash(const char *id)
{
	return hash_bytes(HASH_SEED, id, strlen(id));
}

/* Reconciles p at now; every session's hash is default_hash(id), but
 * a's is a_hash when non-zero. */
static void reconcile(struct fixture *f, const struct programme *p, uint64_t a_hash, int64_t now,
		      struct reconcile *r)
{
	uint64_t *hashes = calloc(p->n_sessions + 1, sizeof(*hashes));

	assert_non_null(hashes);
	for (size_t i = 0; i < p->n_sessions; i++)
		hashes[i] = a_hash && strcmp(p->sessions[i].id, "a") == 0
				    ? a_hash
				    : default_hash(p->sessions[i].id);
	assert_int_equal(state_reconcile(f->st, p, hashes, now, r), 0);
	assert_non_null(r->stamps);
	free(hashes);
}

static struct stamp stamp_of(const struct programme *p, const struct reconcile *r, const char *id)
{
	uint32_t i;

	assert_int_equal(strmap_get(p->session_ids, id, &i), 0);
	return r->stamps[i];
}

#define assert_stamp(p, r, id, seq, mod)                                  \
	do {                                                              \
		struct stamp s_ = stamp_of((p), (r), (id));               \
		assert_int_equal(s_.sequence, (seq));                     \
		assert_int_equal(s_.modified, (mod));                     \
	} while (0)

/* One run with the usual programme (a as given) at now; asserts that
 * b and c are untouched since T0 and returns a's stamp. */
static struct stamp run_a(struct fixture *f, const char *a, uint64_t a_hash, int64_t now)
{
	struct programme *p = abc(f, a);
	struct reconcile r;
	struct stamp s;

	reconcile(f, p, a_hash, now, &r);
	assert_int_equal(r.n_tombs, 0);
	assert_stamp(p, &r, "b", 0, T0);
	assert_stamp(p, &r, "c", 0, T0);
	s = stamp_of(p, &r, "a");
	reconcile_free(&r);
	prog_free(p);
	return s;
}

/* --- tests ------------------------------------------------------------------ */

static int user_version(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	int v;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	return v;
}

static void test_open_creates_database(void **state)
{
	struct fixture *f = *state;
	char *db = xasprintf("%s/agendad.sqlite", f->state_dir);
	struct stat sb;
	sqlite3 *h;
	sqlite3_stmt *q;
	struct state *again = NULL;
	int version;

	assert_int_equal(stat(f->state_dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(stat(db, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));

	/* the schema is versioned: PRAGMA user_version counts the
	 * migrations that ran, the first of which made "published" */
	version = user_version(db);
	assert_true(version >= 1);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM published", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	sqlite3_close(h);

	/* opening it again (a second process, or a restart) changes nothing */
	assert_int_equal(state_open(f->state_dir, &again), 0);
	state_close(again);
	assert_int_equal(user_version(db), version);
	free(db);
}

/* A database of schema version 1, with a published session, is
 * migrated to the current version and keeps its history. */
static void test_open_migrates(void **state)
{
	struct fixture *f = *state;
	char *dir = xasprintf("%s/old", f->dir);
	char *db = xasprintf("%s/agendad.sqlite", dir);
	char *fresh = xasprintf("%s/agendad.sqlite", f->state_dir);
	struct state *st = NULL;
	struct state *keep = f->st;
	struct stamp s;
	sqlite3 *h;

	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(h,
			     "CREATE TABLE published ("
			     " event TEXT NOT NULL, id TEXT NOT NULL,"
			     " title TEXT NOT NULL, start INTEGER NOT NULL, \"end\" INTEGER NOT NULL,"
			     " room TEXT NOT NULL, track TEXT NOT NULL, kind TEXT NOT NULL,"
			     " speakers TEXT NOT NULL,"
			     " status INTEGER NOT NULL, hash INTEGER NOT NULL,"
			     " sequence INTEGER NOT NULL, modified INTEGER NOT NULL, removed INTEGER,"
			     " PRIMARY KEY (event, id)) WITHOUT ROWID;"
			     "PRAGMA user_version = 1;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	/* a's history, as the first version wrote it: a exactly as the
	 * tests' default, published with SEQUENCE 4 */
	{
		struct civil c = { 2014, 3, 24, 8, 0, 0 }; /* 09:00 in Zurich */
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(h,
						    "INSERT INTO published VALUES ('ev', 'a', 'A', ?,"
						    " ?, 'r1', 't1', 'session', 'alice bob', 0, ?,"
						    " 4, ?, NULL)",
						    -1, &q, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(q, 1, civil_to_seconds(&c));
		sqlite3_bind_int64(q, 2, civil_to_seconds(&c) + 3600);
		sqlite3_bind_int64(q, 3, (int64_t)default_hash("a"));
		sqlite3_bind_int64(q, 4, T0 - 100);
		assert_int_equal(sqlite3_step(q), SQLITE_DONE);
		sqlite3_finalize(q);
	}
	sqlite3_close(h);

	assert_int_equal(state_open(dir, &st), 0);
	assert_int_equal(user_version(db), user_version(fresh));
	f->st = st;
	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 4);
	assert_int_equal(s.modified, T0 - 100);
	{
		char *a = session_a("A v2", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);

		s = run_a(f, a, 0, T0 + 10);
		free(a);
	}
	assert_int_equal(s.sequence, 5);
	assert_int_equal(s.modified, T0 + 10);
	state_close(st);
	f->st = keep;
	free(fresh);
	free(db);
	free(dir);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	char *file = tu_write(f->dir, "plain-file", "x");
	char *under = xasprintf("%s/sub", file);
	char *newer = xasprintf("%s/newer", f->dir);
	char *db = xasprintf("%s/agendad.sqlite", newer);
	struct state *st = NULL;
	sqlite3 *h;

	/* a folder that cannot be created */
	assert_true(state_open(under, &st) < 0);
	assert_null(st);

	/* a database from a newer agendad */
	assert_int_equal(state_open(newer, &st), 0);
	state_close(st);
	st = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_true(state_open(newer, &st) < 0);
	assert_null(st);

	free(db);
	free(newer);
	free(under);
	free(file);
}

static void test_first_run_and_unchanged(void **state)
{
	struct fixture *f = *state;
	struct programme *p = abc(f, NULL);
	struct reconcile r;

	reconcile(f, p, 0, T0, &r);
	assert_int_equal(r.n_tombs, 0);
	assert_stamp(p, &r, "a", 0, T0);
	assert_stamp(p, &r, "b", 0, T0);
	assert_stamp(p, &r, "c", 0, T0);
	reconcile_free(&r);
	assert_null(r.stamps);

	/* the same programme later, loaded again: nothing changes */
	prog_free(p);
	p = abc(f, NULL);
	reconcile(f, p, 0, T0 + 3600, &r);
	assert_int_equal(r.n_tombs, 0);
	assert_stamp(p, &r, "a", 0, T0);
	assert_stamp(p, &r, "b", 0, T0);
	assert_stamp(p, &r, "c", 0, T0);
	reconcile_free(&r);
	reconcile(f, p, 0, T0 + 7200, &r);
	assert_stamp(p, &r, "a", 0, T0);
	reconcile_free(&r);
	prog_free(p);
}

/* Time, room, title and status: SEQUENCE+1 and LAST-MODIFIED now, for
 * the changed session only; and it sticks. */
static void test_major_changes(void **state)
{
	struct fixture *f = *state;
	char *a;
	struct stamp s;

	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 0);

	a = session_a("A renamed", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);
	s = run_a(f, a, 0, T0 + 100);
	assert_int_equal(s.sequence, 1);
	assert_int_equal(s.modified, T0 + 100);
	/* again: nothing new */
	s = run_a(f, a, 0, T0 + 150);
	assert_int_equal(s.sequence, 1);
	assert_int_equal(s.modified, T0 + 100);
	free(a);

	a = session_a("A renamed", "2014-03-24 09:15", A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND,
		      A_PEOPLE);
	s = run_a(f, a, 0, T0 + 200);
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.modified, T0 + 200);
	free(a);

	a = session_a("A renamed", "2014-03-24 09:15", "2014-03-24 10:15", A_ROOM, A_TRACK,
		      A_STATUS, A_KIND, A_PEOPLE);
	s = run_a(f, a, 0, T0 + 300);
	assert_int_equal(s.sequence, 3);
	assert_int_equal(s.modified, T0 + 300);
	free(a);

	a = session_a("A renamed", "2014-03-24 09:15", "2014-03-24 10:15", "r2", A_TRACK, A_STATUS,
		      A_KIND, A_PEOPLE);
	s = run_a(f, a, 0, T0 + 400);
	assert_int_equal(s.sequence, 4);
	assert_int_equal(s.modified, T0 + 400);
	free(a);

	a = session_a("A renamed", "2014-03-24 09:15", "2014-03-24 10:15", "r2", A_TRACK,
		      "cancelled", A_KIND, A_PEOPLE);
	s = run_a(f, a, 0, T0 + 500);
	assert_int_equal(s.sequence, 5);
	assert_int_equal(s.modified, T0 + 500);
	s = run_a(f, a, 0, T0 + 600);
	assert_int_equal(s.sequence, 5);
	assert_int_equal(s.modified, T0 + 500);
	free(a);

	/* and back to the original: every difference counts again, once */
	s = run_a(f, NULL, 0, T0 + 700);
	assert_int_equal(s.sequence, 6);
	assert_int_equal(s.modified, T0 + 700);
}

/* Content that is not time, room, title or status: LAST-MODIFIED only. */
static void test_minor_changes(void **state)
{
	struct fixture *f = *state;
	char *a;
	struct stamp s;

	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0);

	/* the rendered text (a description) changed: a new hash */
	s = run_a(f, NULL, 0x1234, T0 + 100);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 100);
	s = run_a(f, NULL, 0x1234, T0 + 150);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 100);

	a = session_a(A_TITLE, A_START, A_END, A_ROOM, "t2", A_STATUS, A_KIND, A_PEOPLE);
	s = run_a(f, a, 0x1234, T0 + 200);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 200);
	free(a);

	a = session_a(A_TITLE, A_START, A_END, A_ROOM, "t2", A_STATUS, A_KIND,
		      "{ speaker = \"bob\"; }");
	s = run_a(f, a, 0x1234, T0 + 300);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 300);
	free(a);

	a = session_a(A_TITLE, A_START, A_END, A_ROOM, "t2", A_STATUS, "workshop",
		      "{ speaker = \"bob\"; }");
	s = run_a(f, a, 0x1234, T0 + 400);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 400);
	s = run_a(f, a, 0x1234, T0 + 500);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.modified, T0 + 400);
	free(a);
}

/* Every change gets a later LAST-MODIFIED than the one before, even two
 * in one second or with the clock set back, so If-Modified-Since clients
 * see each. */
static void test_modified_always_later(void **state)
{
	struct fixture *f = *state;
	char *a1 = session_a("A one", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);
	char *a2 = session_a("A two", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);
	char *bc = xasprintf("%s, %s", session_b, session_c);
	struct programme *p;
	struct reconcile r;
	struct stamp s;

	s = run_a(f, NULL, 0, T0);
	s = run_a(f, a1, 0, T0 + 100);
	assert_int_equal(s.sequence, 1);
	assert_int_equal(s.modified, T0 + 100);
	s = run_a(f, a2, 0, T0 + 100); /* the same second */
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.modified, T0 + 101);
	s = run_a(f, a2, 0x99, T0 + 50); /* the clock went back */
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.modified, T0 + 102);
	/* removed in that second too */
	p = programme(f, "ev", bc);
	reconcile(f, p, 0, T0 + 102, &r);
	assert_int_equal(r.n_tombs, 1);
	assert_int_equal(r.tombs[0].stamp.sequence, 3);
	assert_int_equal(r.tombs[0].stamp.modified, T0 + 103);
	reconcile_free(&r);
	prog_free(p);
	free(bc);
	free(a2);
	free(a1);
}

static void test_stamp_paths(void **state)
{
	struct fixture *f = *state;
	const char *const paths[] = { "calendar.ics", "days/2014-03-24.ics", "tracks/t1.ics" };
	uint64_t hashes[] = { 1, 2, 3 };
	int64_t mod[3];

	/* first publication: the caller's dates */
	mod[0] = T0 - 10;
	mod[1] = T0 - 20;
	mod[2] = T0 - 30;
	assert_int_equal(state_stamp_paths(f->st, "ev", 3, paths, hashes, T0, mod), 0);
	assert_int_equal(mod[0], T0 - 10);
	assert_int_equal(mod[1], T0 - 20);
	assert_int_equal(mod[2], T0 - 30);

	/* the same bytes later: the recorded dates, whatever the caller says */
	mod[0] = mod[1] = mod[2] = T0 + 500;
	assert_int_equal(state_stamp_paths(f->st, "ev", 3, paths, hashes, T0 + 1000, mod), 0);
	assert_int_equal(mod[0], T0 - 10);
	assert_int_equal(mod[1], T0 - 20);
	assert_int_equal(mod[2], T0 - 30);

	/* changed bytes: the latest of the caller's date, now, and a second
	 * after the previous stamp */
	hashes[0] = 10;
	hashes[1] = 20;
	mod[0] = T0 + 5000; /* later than now */
	mod[1] = T0 - 500;  /* earlier than now */
	mod[2] = T0 + 5000; /* unchanged: ignored */
	assert_int_equal(state_stamp_paths(f->st, "ev", 3, paths, hashes, T0 + 1000, mod), 0);
	assert_int_equal(mod[0], T0 + 5000);
	assert_int_equal(mod[1], T0 + 1000);
	assert_int_equal(mod[2], T0 - 30);

	/* changed again within the same second */
	hashes[1] = 21;
	mod[1] = T0 + 1000;
	assert_int_equal(state_stamp_paths(f->st, "ev", 3, paths, hashes, T0 + 1000, mod), 0);
	assert_int_equal(mod[1], T0 + 1001);

	/* another event's paths are its own */
	mod[0] = T0;
	assert_int_equal(state_stamp_paths(f->st, "other", 1, paths, hashes, T0 + 1000, mod), 0);
	assert_int_equal(mod[0], T0);
}

static void assert_tomb_a(const struct reconcile *r, int64_t seq, int64_t modified)
{
	const struct tombstone *t;
	struct civil c = { 2014, 3, 24, 8, 0, 0 }; /* 09:00 in Zurich */

	assert_int_equal(r->n_tombs, 1);
	t = &r->tombs[0];
	assert_string_equal(t->id, "a");
	assert_string_equal(t->title, A_TITLE);
	assert_string_equal(t->kind, A_KIND);
	assert_string_equal(t->track, A_TRACK);
	assert_string_equal(t->room, A_ROOM);
	assert_string_equal(t->speakers, "alice bob");
	assert_int_equal(t->start, civil_to_seconds(&c));
	assert_int_equal(t->end, civil_to_seconds(&c) + 3600);
	assert_int_equal(t->stamp.sequence, seq);
	assert_int_equal(t->stamp.modified, modified);
}

static void test_removed_session(void **state)
{
	struct fixture *f = *state;
	char *bc = xasprintf("%s, %s", session_b, session_c);
	struct programme *p;
	struct reconcile r;
	int64_t gone = T0 + DAY;
	struct stamp s;

	/* a was changed twice before it goes: sequence 2 */
	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 0);
	{
		char *a = session_a("A v2", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);

		s = run_a(f, a, 0, T0 + 20);
		free(a);
		/* back to the default title, so the tombstone shows "A" */
		s = run_a(f, NULL, 0, T0 + 30);
		assert_int_equal(s.sequence, 2);
	}

	p = programme(f, "ev", bc);
	reconcile(f, p, 0, gone, &r);
	assert_int_equal(p->n_sessions, 2);
	assert_stamp(p, &r, "b", 0, T0);
	assert_stamp(p, &r, "c", 0, T0);
	assert_tomb_a(&r, 3, gone);
	reconcile_free(&r);

	/* the next runs show the same tombstone, with the same stamp */
	reconcile(f, p, 0, gone + 3600, &r);
	assert_tomb_a(&r, 3, gone);
	reconcile_free(&r);
	reconcile(f, p, 0, gone + STATE_TOMBSTONE_DAYS * DAY - 1, &r);
	assert_tomb_a(&r, 3, gone);
	reconcile_free(&r);
	/* at least STATE_TOMBSTONE_DAYS days */
	reconcile(f, p, 0, gone + STATE_TOMBSTONE_DAYS * DAY, &r);
	assert_tomb_a(&r, 3, gone);
	reconcile_free(&r);

	/* a day later it is gone for good */
	reconcile(f, p, 0, gone + (STATE_TOMBSTONE_DAYS + 1) * DAY, &r);
	assert_int_equal(r.n_tombs, 0);
	assert_stamp(p, &r, "b", 0, T0);
	reconcile_free(&r);
	reconcile(f, p, 0, gone + (STATE_TOMBSTONE_DAYS + 2) * DAY, &r);
	assert_int_equal(r.n_tombs, 0);
	reconcile_free(&r);
	prog_free(p);
	free(bc);
}

static void test_removed_session_returns(void **state)
{
	struct fixture *f = *state;
	char *bc = xasprintf("%s, %s", session_b, session_c);
	struct programme *p;
	struct reconcile r;
	struct stamp s;

	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 0);

	p = programme(f, "ev", bc);
	reconcile(f, p, 0, T0 + 100, &r);
	assert_tomb_a(&r, 1, T0 + 100);
	reconcile_free(&r);
	reconcile(f, p, 0, T0 + 200, &r);
	assert_tomb_a(&r, 1, T0 + 100);
	reconcile_free(&r);
	prog_free(p);

	/* back, unchanged: a new SEQUENCE over the cancellation, no tombstone */
	s = run_a(f, NULL, 0, T0 + 300);
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.modified, T0 + 300);
	s = run_a(f, NULL, 0, T0 + 400);
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.modified, T0 + 300);

	/* and removed again: a fresh tombstone, one higher */
	p = programme(f, "ev", bc);
	reconcile(f, p, 0, T0 + 500, &r);
	assert_tomb_a(&r, 3, T0 + 500);
	reconcile_free(&r);
	prog_free(p);
	free(bc);
}

/* The ledger keeps each event apart, and survives a restart. */
static void test_events_apart_and_persistent(void **state)
{
	struct fixture *f = *state;
	struct programme *other;
	struct reconcile r;
	struct stamp s;
	char *a = session_a("A renamed", A_START, A_END, A_ROOM, A_TRACK, A_STATUS, A_KIND, A_PEOPLE);

	s = run_a(f, NULL, 0, T0);
	assert_int_equal(s.sequence, 0);
	s = run_a(f, a, 0, T0 + 100);
	assert_int_equal(s.sequence, 1);

	/* another event with no sessions buries nothing of "ev" */
	other = programme(f, "other", "");
	reconcile(f, other, 0, T0 + 200, &r);
	assert_int_equal(r.n_tombs, 0);
	reconcile_free(&r);
	prog_free(other);

	/* another event's session "b" starts afresh */
	other = programme(f, "other", session_b);
	reconcile(f, other, 0, T0 + 300, &r);
	assert_stamp(other, &r, "b", 0, T0 + 300);
	reconcile_free(&r);
	prog_free(other);

	/* close and reopen: the history is still there */
	state_close(f->st);
	f->st = NULL;
	assert_int_equal(state_open(f->state_dir, &f->st), 0);
	s = run_a(f, a, 0, T0 + 400);
	assert_int_equal(s.sequence, 1);
	assert_int_equal(s.modified, T0 + 100);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_run_and_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_major_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minor_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modified_always_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_session_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_apart_and_persistent, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
