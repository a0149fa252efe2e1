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

/* What became of a delivery.  Stored in the table as its name. */
enum delivery_state {
	DELIVERY_PENDING, /* waiting for its (next) attempt */
	DELIVERY_SENT,
	DELIVERY_FAILED,  /* refused for good, or still failing when the session started */
	DELIVERY_MISSED,  /* never tried in time (the daemon was down, catch_up) */
	DELIVERY_DROPPED, /* its session, channel or recipient is gone */
	DELIVERY_UNKNOWN, /* a name this agendad does not know (a newer one wrote it) */
};
#define DELIVERY_ANY ((enum delivery_state)-1) /* ledger_rows: every state */

/* "pending", "sent", ...: the name stored in the table. */
const char *delivery_state_name(enum delivery_state s);

struct ledger_row {
	char *key, *session, *channel, *recipient, *last_error, *payload;
	enum delivery_state state;
	enum ledger_kind kind;
	int64_t due, deadline, next_attempt; /* the daemon's clock, seconds */
	int64_t last_attempt_real, done_real, lateness_ms;
	int attempts, in_flight;
};

struct ledger;

/* Opens (creating the folder and the file if needed) the state
 * directory's agendad.sqlite, which it shares with state.c, and migrates
 * the ledger's table.  Returns 0 or a negative errno; logs why. */
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
/* Rows of event in state (DELIVERY_ANY: all), ordered by next_attempt.
 * Free with ledger_rows_free. */
int ledger_rows(struct ledger *lg, const char *event, enum delivery_state state,
		struct ledger_row **rows, size_t *n);
void ledger_rows_free(struct ledger_row *rows, size_t n);

/* The plan beside what the ledger knows (agendad --reminders): one entry
 * per plan item, in the plan's order, with its row's state, attempts and
 * last error (pending and 0 when it has no row yet); then one per row of
 * the event that the plan does not have, in ledger_rows' order. */
struct ledger_entry {
	int64_t due;
	const char *session, *channel, *recipient, *last_error;
	enum delivery_state state;
	int attempts;
	int planned; /* from the plan (0: only in the ledger) */
};

struct ledger_report {
	struct ledger_entry *entries;
	size_t n;
	struct ledger_row *rows; /* what the entries point into */
	size_t n_rows;
};

int ledger_join(struct ledger *lg, const struct programme *p, const struct plan *pl,
		struct ledger_report *out);
void ledger_report_free(struct ledger_report *r);

/* Before an attempt: attempts + 1, in flight, real time of the attempt,
 * and (on the first) how late it starts against the due time. */
int ledger_attempt(struct ledger *lg, const char *key, int64_t real_now, int64_t lateness_ms);
/* After it: sent, failed, missed, dropped or back to pending with the
 * next attempt's time; error may be NULL. */
int ledger_outcome(struct ledger *lg, const char *key, enum delivery_state state,
		   int64_t next_attempt, const char *error, int64_t real_now);

#endif
