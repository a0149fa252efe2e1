#include "config.h"

#include "ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "memory.h"
#include "strmap.h"

struct ledger {
	struct db db;
	sqlite3_stmt *attempt, *outcome;
};

static const char *const state_names[] = {
	[DELIVERY_PENDING] = "pending", [DELIVERY_SENT] = "sent",
	[DELIVERY_FAILED] = "failed",   [DELIVERY_MISSED] = "missed",
	[DELIVERY_DROPPED] = "dropped", [DELIVERY_UNKNOWN] = "unknown",
};

const char *delivery_state_name(enum delivery_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									   : "unknown";
}

static enum delivery_state state_of(const char *name)
{
	for (int s = 0; s < DELIVERY_UNKNOWN; s++)
		if (name && strcmp(name, state_names[s]) == 0)
			return (enum delivery_state)s;
	return DELIVERY_UNKNOWN;
}

/* The ledger's part of agendad.sqlite: steps[i] moves it from version i
 * to i + 1 (db_migrate).  Append, never edit. */
static const char *const migrations[] = {
	/* One row per delivery ever planned.  Files made before the ledger
	 * had versions of its own have this table already (state.c's
	 * version 3 made it): hence IF NOT EXISTS. */
	"CREATE TABLE IF NOT EXISTS deliveries ("
	" key TEXT PRIMARY KEY, event TEXT NOT NULL, kind INTEGER NOT NULL,"
	" session TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,"
	" due INTEGER NOT NULL, deadline INTEGER NOT NULL, state TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, in_flight INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL, last_error TEXT, last_attempt_real INTEGER,"
	" done_real INTEGER, lateness_ms INTEGER, payload TEXT) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (event, state, next_attempt);",
};

static const struct db_schema schema = { "ledger", migrations,
					 (int)(sizeof(migrations) / sizeof(migrations[0])) };

int ledger_open(const char *state_dir, struct ledger **out)
{
	/* FULL: an outcome recorded as sent survives a power loss, so it is
	 * never sent again (doc/reference.md §6). */
	static const struct db_options opts = { .flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
						.mkdirs = 1,
						.busy_ms = 10000,
						.synchronous = "FULL" };
	struct ledger *lg = xcalloc(1, sizeof(*lg));
	int rc = db_open(&lg->db, state_dir, "agendad.sqlite", &opts);

	if (rc < 0) {
		ledger_close(lg);
		return rc;
	}
	if (db_migrate(&lg->db, &schema) < 0) {
		ledger_close(lg);
		return -EIO;
	}
	if (sqlite3_prepare_v2(lg->db.h,
			       "UPDATE deliveries SET attempts = attempts + 1, in_flight = 1,"
			       " last_attempt_real = ?2, lateness_ms = COALESCE(lateness_ms, ?3)"
			       " WHERE key = ?1",
			       -1, &lg->attempt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(lg->db.h,
			       "UPDATE deliveries SET state = ?2, next_attempt = ?3, last_error = ?4,"
			       " in_flight = 0, done_real = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?5 END"
			       " WHERE key = ?1",
			       -1, &lg->outcome, NULL) != SQLITE_OK) {
		db_fail(&lg->db);
		ledger_close(lg);
		return -EIO;
	}
	*out = lg;
	return 0;
}

void ledger_close(struct ledger *lg)
{
	if (!lg)
		return;
	sqlite3_finalize(lg->attempt);
	sqlite3_finalize(lg->outcome);
	db_close(&lg->db);
	free(lg);
}

int ledger_begin(struct ledger *lg)
{
	return db_exec(&lg->db, "BEGIN IMMEDIATE");
}

int ledger_commit(struct ledger *lg)
{
	return db_exec(&lg->db, "COMMIT");
}

static int step_done(struct ledger *lg, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : db_fail(&lg->db);
}

int ledger_add(struct ledger *lg, const char *event, const struct ledger_row *r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO deliveries (key, event, kind, session, channel, recipient, due,"
		" deadline, state, next_attempt, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)";
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(lg->db.h, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(&lg->db);
	sqlite3_bind_text(q, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, r->kind);
	sqlite3_bind_text(q, 4, r->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, r->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, r->due);
	sqlite3_bind_int64(q, 8, r->deadline);
	sqlite3_bind_int64(q, 9, r->due);
	if (r->payload)
		sqlite3_bind_text(q, 10, r->payload, -1, SQLITE_STATIC);
	rc = step_done(lg, q);
	sqlite3_finalize(q);
	return rc;
}

/* Pending reminders the plan does not have any more are dropped. */
static int drop_unplanned(struct ledger *lg, const char *event, const struct plan *pl)
{
	struct strmap *planned = strmap_new(pl->n);
	struct ledger_row *rows = NULL;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < pl->n; i++)
		strmap_put(planned, pl->items[i].key, 0, NULL);
	rc = ledger_rows(lg, event, DELIVERY_PENDING, &rows, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint32_t v;

		if (rows[i].kind != LEDGER_REMINDER || strmap_get(planned, rows[i].key, &v) == 0)
			continue;
		rc = ledger_outcome(lg, rows[i].key, DELIVERY_DROPPED, rows[i].next_attempt,
				    "the session moved, was cancelled or removed", 0);
	}
	ledger_rows_free(rows, n);
	strmap_free(planned);
	return rc;
}

int ledger_sync(struct ledger *lg, const char *event, const struct plan *pl,
		const struct programme *p)
{
	int rc = ledger_begin(lg);

	for (size_t i = 0; i < pl->n && rc == 0; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct prog_session *s = &p->sessions[it->session];
		struct ledger_row r = { .key = (char *)it->key,
					.kind = LEDGER_REMINDER,
					.session = (char *)s->id,
					.channel = (char *)it->channel_name,
					.recipient = (char *)plan_recipient(p, it->speaker),
					.due = it->due,
					.deadline = s->start };

		rc = ledger_add(lg, event, &r);
	}
	if (rc == 0)
		rc = drop_unplanned(lg, event, pl);
	if (rc == 0)
		return ledger_commit(lg);
	db_exec(&lg->db, "ROLLBACK");
	return rc;
}

static char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? xstrdup((const char *)t) : NULL;
}

int ledger_rows(struct ledger *lg, const char *event, enum delivery_state state,
		struct ledger_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT key, kind, session, channel, recipient, due, deadline, state, attempts,"
		" in_flight, next_attempt, last_error, last_attempt_real, done_real, lateness_ms, payload"
		" FROM deliveries WHERE (?1 IS NULL OR event = ?1) AND (?2 IS NULL OR state = ?2)"
		" ORDER BY next_attempt, key";
	struct ledger_row *rows = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(lg->db.h, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(&lg->db);
	if (event)
		sqlite3_bind_text(q, 1, event, -1, SQLITE_STATIC);
	if (state != DELIVERY_ANY)
		sqlite3_bind_text(q, 2, delivery_state_name(state), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ledger_row *r;

		XGROW(rows, cap, count + 1);
		r = &rows[count++];
		*r = (struct ledger_row){ .key = col(q, 0),
					  .session = col(q, 2),
					  .channel = col(q, 3),
					  .recipient = col(q, 4),
					  .state = state_of((const char *)sqlite3_column_text(q, 7)),
					  .last_error = col(q, 11),
					  .payload = col(q, 15) };
		r->kind = (enum ledger_kind)sqlite3_column_int(q, 1);
		r->due = sqlite3_column_int64(q, 5);
		r->deadline = sqlite3_column_int64(q, 6);
		r->attempts = sqlite3_column_int(q, 8);
		r->in_flight = sqlite3_column_int(q, 9);
		r->next_attempt = sqlite3_column_int64(q, 10);
		r->last_attempt_real = sqlite3_column_int64(q, 12);
		r->done_real = sqlite3_column_int64(q, 13);
		r->lateness_ms = sqlite3_column_int64(q, 14);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		ledger_rows_free(rows, count);
		return db_fail(&lg->db);
	}
	*out = rows;
	*n = count;
	return 0;
}

void ledger_rows_free(struct ledger_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].key);
		free(rows[i].session);
		free(rows[i].channel);
		free(rows[i].recipient);
		free(rows[i].last_error);
		free(rows[i].payload);
	}
	free(rows);
}

int ledger_attempt(struct ledger *lg, const char *key, int64_t real_now, int64_t lateness_ms)
{
	sqlite3_bind_text(lg->attempt, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(lg->attempt, 2, real_now);
	sqlite3_bind_int64(lg->attempt, 3, lateness_ms);
	return step_done(lg, lg->attempt);
}

int ledger_outcome(struct ledger *lg, const char *key, enum delivery_state state,
		   int64_t next_attempt, const char *error, int64_t real_now)
{
	sqlite3_stmt *q = lg->outcome;

	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, delivery_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, next_attempt);
	if (error)
		sqlite3_bind_text(q, 4, error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, 4);
	sqlite3_bind_int64(q, 5, real_now);
	return step_done(lg, q);
}

static void entry_of_row(const struct ledger_row *r, struct ledger_entry *e)
{
	*e = (struct ledger_entry){ .due = r->due,
				    .session = r->session,
				    .channel = r->channel,
				    .recipient = r->recipient,
				    .last_error = r->last_error,
				    .state = r->state,
				    .attempts = r->attempts };
}

int ledger_join(struct ledger *lg, const struct programme *p, const struct plan *pl,
		struct ledger_report *out)
{
	struct strmap *known;
	char *joined;
	size_t k = 0;

	memset(out, 0, sizeof(*out));
	if (ledger_rows(lg, p->event.id, DELIVERY_ANY, &out->rows, &out->n_rows) < 0)
		return -EIO;
	known = strmap_new(out->n_rows);
	joined = xcalloc(out->n_rows + 1, 1);
	out->entries = xcalloc(pl->n + out->n_rows + 1, sizeof(*out->entries));
	for (size_t i = 0; i < out->n_rows; i++)
		strmap_put(known, out->rows[i].key, (uint32_t)i, NULL);
	for (size_t i = 0; i < pl->n; i++) {
		const struct plan_item *it = &pl->items[i];
		struct ledger_entry *e = &out->entries[k++];
		uint32_t at;

		if (strmap_get(known, it->key, &at) == 0) {
			entry_of_row(&out->rows[at], e);
			joined[at] = 1;
		} else {
			e->state = DELIVERY_PENDING;
		}
		/* The plan's own words: the row may be of a session since moved. */
		e->due = it->due;
		e->session = p->sessions[it->session].id;
		e->channel = it->channel_name;
		e->recipient = plan_recipient(p, it->speaker);
		e->planned = 1;
	}
	for (size_t i = 0; i < out->n_rows; i++)
		if (!joined[i])
			entry_of_row(&out->rows[i], &out->entries[k++]);
	out->n = k;
	free(joined);
	strmap_free(known);
	return 0;
}

void ledger_report_free(struct ledger_report *r)
{
	ledger_rows_free(r->rows, r->n_rows);
	free(r->entries);
	memset(r, 0, sizeof(*r));
}
