/* The SQLite files of the state directory, opened one way: agendad.sqlite
 * (state.c's published sessions and paths, ledger.c's deliveries) and
 * selections.sqlite (selections.c).  Every error is logged as
 * "PATH: SQLite's message" and returned as -EIO. */
#ifndef AGENDAD_DB_H
#define AGENDAD_DB_H

#include <sqlite3.h>
#include <stddef.h>

struct db {
	sqlite3 *h;
	char *path;
};

struct db_options {
	int flags;               /* of sqlite3_open_v2: SQLITE_OPEN_READWRITE | ... */
	int mkdirs;              /* create dir first (0750, with parents) */
	int busy_ms;             /* how long to wait for another connection's lock */
	const char *synchronous; /* "NORMAL", "FULL", or NULL for SQLite's default */
};

/* Opens dir/name in WAL mode.  Returns 0 or a negative errno; logs why.
 * d is all zeros after a failure (db_close accepts it). */
int db_open(struct db *d, const char *dir, const char *name, const struct db_options *o);
void db_close(struct db *d);

/* Creates dir and its parents (mode 0750).  Returns 0 or a negative errno. */
int db_mkdirs(const char *dir);

/* Logs "PATH: message" for the connection's last error; returns -EIO. */
int db_fail(const struct db *d);
/* Runs sql (one or more statements).  Returns 0 or -EIO (logged). */
int db_exec(const struct db *d, const char *sql);

/* A module's tables, as a list of steps: steps[i] moves its schema from
 * version i to i + 1.  Append, never edit.  The steps of one part are
 * numbered on their own, so that two modules sharing a file migrate
 * their tables independently. */
struct db_schema {
	/* NULL: the file's own version, PRAGMA user_version (state.c's,
	 * as it has always been); otherwise the row of this name in the
	 * table schema_parts. */
	const char *part;
	const char *const *steps;
	int n_steps;
};

/* Runs the steps the file has not had yet, in one transaction.  Returns
 * 0, -EPROTO when the file is of a newer agendad, or -EIO (logged). */
int db_migrate(const struct db *d, const struct db_schema *s);

#endif
