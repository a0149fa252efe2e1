/* The reminder ledger (doc/reference.md §6): every delivery ever planned and what
 * became of it, in the state directory's SQLite database.  An attempt is
 * recorded before it is made and its outcome right after, with
 * synchronous=FULL, so that a crash loses nothing and repeats at most
 * what was in flight. */
#ifndef AGENDAD_LEDGER_H
#define AGENDAD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum ledger_kind { LEDGER_REMINDER, LEDGER_CHANGED, LEDGER_CANCELLED };

struct ledger_row {
	char *key, *session, *channel, *recipient, *state, *last_error, *payload;
	enum ledger_kind kind;
	int64_t due, deadline, next_attempt; /* the daemon's clock, seconds */
	int64_t last_attempt_real, done_real, lateness_ms;
	int attempts, in_flight;
};

struct ledger;

/* Opens the database that state_open created and migrated. */
int ledger_open(const char *state_dir, struct ledger **out);
void ledger_close(struct ledger *lg);

/* Batches several writes into one transaction (one fsync). */
int ledger_begin(struct ledger *lg);
int ledger_commit(struct ledger *lg);

/* Records the plan: new reminders become pending; pending reminders that
 * the plan no longer has (moved, removed, cancelled sessions) become
 * dropped.  Returns 0 or -EIO. */
int ledger_sync(struct ledger *lg, const char *event, const struct plan *pl,
		const struct programme *p);
/* Adds a change notification (ignored when its key exists). */
int ledger_add(struct ledger *lg, const char *event, const struct ledger_row *row);
/* Rows of event in state (NULL: all), ordered by next_attempt.  Free
 * with ledger_rows_free. */
int ledger_rows(struct ledger *lg, const char *event, const char *state, struct ledger_row **rows,
		size_t *n);
void ledger_rows_free(struct ledger_row *rows, size_t n);

/* Before an attempt: attempts + 1, in flight, real time of the attempt,
 * and (on the first) how late it starts against the due time. */
int ledger_attempt(struct ledger *lg, const char *key, int64_t real_now, int64_t lateness_ms);
/* After it: state "sent", "failed", "missed" or back to "pending" with
 * the next attempt's time; error may be NULL. */
int ledger_outcome(struct ledger *lg, const char *key, const char *state, int64_t next_attempt,
		   const char *error, int64_t real_now);

#endif
