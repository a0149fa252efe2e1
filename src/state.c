#include "config.h"

#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "memory.h"

struct state {
	struct db db;
};

/* Each entry moves the schema from version i to i + 1; the file's
 * user_version says how many have run.  Append, never edit. */
static const char *const migrations[] = {
	"CREATE TABLE published ("
	" event TEXT NOT NULL, id TEXT NOT NULL,"
	" title TEXT NOT NULL, start INTEGER NOT NULL, \"end\" INTEGER NOT NULL,"
	" room TEXT NOT NULL, track TEXT NOT NULL, kind TEXT NOT NULL, speakers TEXT NOT NULL,"
	" status INTEGER NOT NULL, hash INTEGER NOT NULL,"
	" sequence INTEGER NOT NULL, modified INTEGER NOT NULL, removed INTEGER,"
	" PRIMARY KEY (event, id)) WITHOUT ROWID;",
	"CREATE TABLE paths ("
	" event TEXT NOT NULL, path TEXT NOT NULL, hash INTEGER NOT NULL,"
	" modified INTEGER NOT NULL,"
	" PRIMARY KEY (event, path)) WITHOUT ROWID;",
	/* Version 3 made the reminder ledger's table here; ledger.c makes it
	 * now, with versions of its own.  The step stays, doing nothing, so
	 * that files of every version keep their number. */
	"-- deliveries: see ledger.c",
};

static const struct db_schema schema = { NULL, migrations,
					 (int)(sizeof(migrations) / sizeof(migrations[0])) };

int state_mkdirs(const char *dir)
{
	return db_mkdirs(dir);
}

int state_open(const char *dir, struct state **out)
{
	static const struct db_options opts = { .flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
						.mkdirs = 1,
						.busy_ms = 10000,
						.synchronous = "NORMAL" };
	struct state *st = xcalloc(1, sizeof(*st));
	int rc = db_open(&st->db, dir, "agendad.sqlite", &opts);

	if (rc < 0 || db_migrate(&st->db, &schema) < 0) {
		state_close(st);
		return rc < 0 ? rc : -EIO;
	}
	*out = st;
	return 0;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	db_close(&st->db);
	free(st);
}

struct row {
	char *id, *title, *kind, *track, *room, *speakers;
	int64_t start, end, status, hash, removed;
	int has_removed, seen;
	struct stamp stamp;
};

static char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return xstrdup(t ? (const char *)t : "");
}

static void row_free(struct row *r)
{
	free(r->id);
	free(r->title);
	free(r->kind);
	free(r->track);
	free(r->room);
	free(r->speakers);
}

static int load_rows(struct state *st, const char *event, struct row **out, size_t *n)
{
	static const char sql[] = "SELECT id, title, start, \"end\", room, track, kind, speakers,"
				  " status, hash, sequence, modified, removed"
				  " FROM published WHERE event = ?";
	sqlite3_stmt *q;
	struct row *rows = NULL;
	size_t count = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(st->db.h, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(&st->db);
	sqlite3_bind_text(q, 1, event, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct row *r;

		XGROW(rows, cap, count + 1);
		r = &rows[count++];
		memset(r, 0, sizeof(*r));
		r->id = col(q, 0);
		r->title = col(q, 1);
		r->start = sqlite3_column_int64(q, 2);
		r->end = sqlite3_column_int64(q, 3);
		r->room = col(q, 4);
		r->track = col(q, 5);
		r->kind = col(q, 6);
		r->speakers = col(q, 7);
		r->status = sqlite3_column_int64(q, 8);
		r->hash = sqlite3_column_int64(q, 9);
		r->stamp.sequence = sqlite3_column_int64(q, 10);
		r->stamp.modified = sqlite3_column_int64(q, 11);
		r->has_removed = sqlite3_column_type(q, 12) != SQLITE_NULL;
		r->removed = sqlite3_column_int64(q, 12);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		db_fail(&st->db);
		for (size_t i = 0; i < count; i++)
			row_free(&rows[i]);
		free(rows);
		return -EIO;
	}
	*out = rows;
	*n = count;
	return 0;
}

/* The columns a session is published with, as strings. */
struct facts {
	const char *room, *track;
	char *speakers;
};

static void facts_of(const struct programme *p, const struct prog_session *s, struct facts *f)
{
	struct buf b = { 0 };

	f->room = s->room == PROG_NONE ? "" : p->rooms[s->room].id;
	f->track = s->track == PROG_NONE ? "" : p->tracks[s->track].id;
	for (uint32_t i = 0; i < s->n_people; i++) {
		if (i)
			buf_adds(&b, " ");
		buf_adds(&b, p->speakers[s->people[i].speaker].id);
	}
	f->speakers = buf_steal(&b, NULL);
}

static int write_row(sqlite3_stmt *up, const char *event, const struct prog_session *s,
		     const struct facts *f, uint64_t hash, const struct stamp *stamp)
{
	int rc;

	sqlite3_reset(up);
	sqlite3_bind_text(up, 1, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 2, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 3, s->title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 4, s->start);
	sqlite3_bind_int64(up, 5, s->end);
	sqlite3_bind_text(up, 6, f->room, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 7, f->track, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 8, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 9, f->speakers, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 10, s->status);
	sqlite3_bind_int64(up, 11, (int64_t)hash);
	sqlite3_bind_int64(up, 12, stamp->sequence);
	sqlite3_bind_int64(up, 13, stamp->modified);
	rc = sqlite3_step(up);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Decides the new stamp of a session that is in the programme. */
static int changed(const struct row *r, const struct prog_session *s, const struct facts *f,
		   uint64_t hash, int64_t now, struct stamp *stamp)
{
	int major;

	if (!r) {
		*stamp = (struct stamp){ 0, now };
		return 1;
	}
	*stamp = r->stamp;
	major = r->has_removed || r->start != s->start || r->end != s->end ||
		r->status != s->status || strcmp(r->title, s->title) != 0 ||
		strcmp(r->room, f->room) != 0;
	if (major)
		stamp->sequence++;
	if (major || (uint64_t)r->hash != hash || strcmp(r->track, f->track) != 0 ||
	    strcmp(r->speakers, f->speakers) != 0 || strcmp(r->kind, s->kind) != 0) {
		/* Every change gets a later date, even two in one second. */
		stamp->modified = now > r->stamp.modified ? now : r->stamp.modified + 1;
		return 1;
	}
	return 0;
}

static char *dup(const char *s)
{
	return xstrdup(s ? s : "");
}

static void note_change(struct reconcile *out, const struct row *r, const struct stamp *stamp,
			int removed, uint32_t session)
{
	struct change *c = &out->changes[out->n_changes++];

	c->before = (struct tombstone){ dup(r->id), dup(r->title), dup(r->kind), dup(r->track),
					dup(r->room), dup(r->speakers), r->start, r->end, *stamp };
	c->status_before = (int)r->status;
	c->removed = removed;
	c->session = session;
}

static int update_present(struct state *st, const struct programme *p, const uint64_t *hashes,
			  int64_t now, struct row *rows, struct strmap *index, struct reconcile *out)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO published (event, id, title, start, \"end\", room, track,"
		" kind, speakers, status, hash, sequence, modified, removed)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)";
	sqlite3_stmt *up;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db.h, sql, -1, &up, NULL) != SQLITE_OK)
		return db_fail(&st->db);
	for (size_t i = 0; i < p->n_sessions && rc == 0; i++) {
		const struct prog_session *s = &p->sessions[i];
		struct row *r = NULL;
		struct facts f;
		uint32_t at;

		if (strmap_get(index, s->id, &at) == 0) {
			r = &rows[at];
			r->seen = 1;
		}
		facts_of(p, s, &f);
		if (changed(r, s, &f, hashes[i], now, &out->stamps[i])) {
			rc = write_row(up, p->event.id, s, &f, hashes[i], &out->stamps[i]);
			/* A major change of a published session (not one that returns). */
			if (r && !r->has_removed && out->stamps[i].sequence > r->stamp.sequence)
				note_change(out, r, &out->stamps[i], 0, (uint32_t)i);
		}
		free(f.speakers);
	}
	if (rc < 0)
		db_fail(&st->db);
	sqlite3_finalize(up);
	return rc;
}

static int bury(struct state *st, const char *event, struct row *r, int64_t now,
		struct reconcile *out)
{
	sqlite3_stmt *q;
	int purge = r->has_removed && r->removed < now - STATE_TOMBSTONE_DAYS * 86400;
	const char *sql = purge ? "DELETE FROM published WHERE event = ?1 AND id = ?2"
				: "UPDATE published SET removed = ?3, sequence = ?4, modified = ?3,"
				  " status = ?5 WHERE event = ?1 AND id = ?2";
	struct tombstone *t;
	int rc = 0;

	if (!r->has_removed || purge) {
		if (!purge) {
			r->stamp.sequence++;
			r->stamp.modified = now > r->stamp.modified ? now : r->stamp.modified + 1;
		}
		if (sqlite3_prepare_v2(st->db.h, sql, -1, &q, NULL) != SQLITE_OK)
			return db_fail(&st->db);
		sqlite3_bind_text(q, 1, event, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, r->stamp.modified);
		sqlite3_bind_int64(q, 4, r->stamp.sequence);
		sqlite3_bind_int64(q, 5, PROG_CANCELLED);
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_finalize(q);
		if (purge || rc < 0)
			return rc;
	}
	if (!r->has_removed)
		note_change(out, r, &r->stamp, 1, PROG_NONE);
	t = &out->tombs[out->n_tombs++];
	*t = (struct tombstone){ r->id, r->title, r->kind, r->track, r->room, r->speakers,
				 r->start, r->end, r->stamp };
	r->id = r->title = r->kind = r->track = r->room = r->speakers = NULL; /* moved */
	return 0;
}

int state_reconcile(struct state *st, const struct programme *p, const uint64_t *hashes,
		    int64_t now, struct reconcile *out)
{
	struct row *rows = NULL;
	size_t n = 0;
	struct strmap *index;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_rows(st, p->event.id, &rows, &n)) < 0)
		return rc;
	index = strmap_new(n);
	for (size_t i = 0; i < n; i++)
		strmap_put(index, rows[i].id, (uint32_t)i, NULL);
	out->stamps = xcalloc(p->n_sessions + 1, sizeof(*out->stamps));
	out->tombs = xcalloc(n + 1, sizeof(*out->tombs));
	out->changes = xcalloc(n + 1, sizeof(*out->changes));
	rc = db_exec(&st->db, "BEGIN IMMEDIATE");
	if (rc == 0)
		rc = update_present(st, p, hashes, now, rows, index, out);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!rows[i].seen)
			rc = bury(st, p->event.id, &rows[i], now, out);
	if (rc == 0)
		rc = db_exec(&st->db, "COMMIT");
	else
		db_exec(&st->db, "ROLLBACK");
	strmap_free(index);
	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
	if (rc < 0)
		reconcile_free(out);
	return rc;
}

static void tombstone_free(struct tombstone *t)
{
	free(t->id);
	free(t->title);
	free(t->kind);
	free(t->track);
	free(t->room);
	free(t->speakers);
}

void reconcile_free(struct reconcile *r)
{
	for (size_t i = 0; i < r->n_tombs; i++)
		tombstone_free(&r->tombs[i]);
	for (size_t i = 0; i < r->n_changes; i++)
		tombstone_free(&r->changes[i].before);
	free(r->changes);
	free(r->tombs);
	free(r->stamps);
	memset(r, 0, sizeof(*r));
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a > b ? a : b;

	return m > c ? m : c;
}

int state_stamp_paths(struct state *st, const char *event, size_t n, const char *const *paths,
		      const uint64_t *hashes, int64_t now, int64_t *modified)
{
	static const char get_sql[] = "SELECT hash, modified FROM paths WHERE event = ? AND path = ?";
	static const char put_sql[] =
		"INSERT OR REPLACE INTO paths (event, path, hash, modified) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *get = NULL, *put = NULL;
	int rc = db_exec(&st->db, "BEGIN IMMEDIATE");

	if (rc == 0 && (sqlite3_prepare_v2(st->db.h, get_sql, -1, &get, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(st->db.h, put_sql, -1, &put, NULL) != SQLITE_OK))
		rc = -EIO;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t stamp = modified[i];

		sqlite3_reset(get);
		sqlite3_bind_text(get, 1, event, -1, SQLITE_STATIC);
		sqlite3_bind_text(get, 2, paths[i], -1, SQLITE_STATIC);
		if (sqlite3_step(get) == SQLITE_ROW) {
			int64_t old = sqlite3_column_int64(get, 1);

			if ((uint64_t)sqlite3_column_int64(get, 0) == hashes[i]) {
				modified[i] = old;
				continue;
			}
			stamp = max3(stamp, now, old + 1);
		}
		modified[i] = stamp;
		sqlite3_reset(put);
		sqlite3_bind_text(put, 1, event, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 2, paths[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 3, (int64_t)hashes[i]);
		sqlite3_bind_int64(put, 4, stamp);
		if (sqlite3_step(put) != SQLITE_DONE)
			rc = -EIO;
	}
	if (rc < 0)
		db_fail(&st->db);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	if (rc == 0)
		rc = db_exec(&st->db, "COMMIT");
	else
		db_exec(&st->db, "ROLLBACK");
	return rc;
}
