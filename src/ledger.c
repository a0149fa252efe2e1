#include "config.h"

#include "ledger.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strmap.h"

struct ledger {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *attempt, *outcome;
};

static int fail(struct ledger *lg)
{
	log_err("%s: %s", lg->path, sqlite3_errmsg(lg->db));
	return -EIO;
}

static int exec(struct ledger *lg, const char *sql)
{
	return sqlite3_exec(lg->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(lg);
}

int ledger_open(const char *state_dir, struct ledger **out)
{
	struct ledger *lg = calloc(1, sizeof(*lg));

	if (!lg || asprintf(&lg->path, "%s/agendad.sqlite", state_dir) < 0) {
		free(lg);
		return -ENOMEM;
	}
	if (sqlite3_open_v2(lg->path, &lg->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		log_err("cannot open %s: %s", lg->path, sqlite3_errmsg(lg->db));
		ledger_close(lg);
		return -EIO;
	}
	sqlite3_busy_timeout(lg->db, 10000);
	/* FULL: an outcome recorded as sent survives a power loss, so it is
	 * never sent again (doc/reference.md §6). */
	if (exec(lg, "PRAGMA journal_mode = WAL") || exec(lg, "PRAGMA synchronous = FULL") ||
	    sqlite3_prepare_v2(lg->db,
			       "UPDATE deliveries SET attempts = attempts + 1, in_flight = 1,"
			       " last_attempt_real = ?2, lateness_ms = COALESCE(lateness_ms, ?3)"
			       " WHERE key = ?1",
			       -1, &lg->attempt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(lg->db,
			       "UPDATE deliveries SET state = ?2, next_attempt = ?3, last_error = ?4,"
			       " in_flight = 0, done_real = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?5 END"
			       " WHERE key = ?1",
			       -1, &lg->outcome, NULL) != SQLITE_OK) {
		fail(lg);
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
	sqlite3_close(lg->db);
	free(lg->path);
	free(lg);
}

int ledger_begin(struct ledger *lg)
{
	return exec(lg, "BEGIN IMMEDIATE");
}

int ledger_commit(struct ledger *lg)
{
	return exec(lg, "COMMIT");
}

static int step_done(struct ledger *lg, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : fail(lg);
}

int ledger_add(struct ledger *lg, const char *event, const struct ledger_row *r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO deliveries (key, event, kind, session, channel, recipient, due,"
		" deadline, state, next_attempt, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)";
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(lg->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail(lg);
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
	rc = ledger_rows(lg, event, "pending", &rows, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint32_t v;

		if (rows[i].kind != LEDGER_REMINDER || strmap_get(planned, rows[i].key, &v) == 0)
			continue;
		rc = ledger_outcome(lg, rows[i].key, "dropped", rows[i].next_attempt,
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
	exec(lg, "ROLLBACK");
	return rc;
}

static char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? strdup((const char *)t) : NULL;
}

int ledger_rows(struct ledger *lg, const char *event, const char *state, struct ledger_row **out,
		size_t *n)
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

	if (sqlite3_prepare_v2(lg->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail(lg);
	if (event)
		sqlite3_bind_text(q, 1, event, -1, SQLITE_STATIC);
	if (state)
		sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ledger_row *r;

		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			rows = realloc(rows, cap * sizeof(*rows));
			if (!rows)
				abort();
		}
		r = &rows[count++];
		*r = (struct ledger_row){ .key = col(q, 0),
					  .session = col(q, 2),
					  .channel = col(q, 3),
					  .recipient = col(q, 4),
					  .state = col(q, 7),
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
		return fail(lg);
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
		free(rows[i].state);
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

int ledger_outcome(struct ledger *lg, const char *key, const char *state, int64_t next_attempt,
		   const char *error, int64_t real_now)
{
	sqlite3_stmt *q = lg->outcome;

	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, next_attempt);
	if (error)
		sqlite3_bind_text(q, 4, error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, 4);
	sqlite3_bind_int64(q, 5, real_now);
	return step_done(lg, q);
}
