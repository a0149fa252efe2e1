#include "config.h"

#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "memory.h"

int db_mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) < 0 && errno != EEXIST)
			rc = -errno;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0750) < 0 && errno != EEXIST)
		rc = -errno;
	free(p);
	return rc;
}

int db_fail(const struct db *d)
{
	log_err("%s: %s", d->path, sqlite3_errmsg(d->h));
	return -EIO;
}

int db_exec(const struct db *d, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(d->h, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	log_err("%s: %s", d->path, err ? err : sqlite3_errmsg(d->h));
	sqlite3_free(err);
	return -EIO;
}

int db_open(struct db *d, const char *dir, const char *name, const struct db_options *o)
{
	char sync[64];
	int rc;

	memset(d, 0, sizeof(*d));
	if (o->mkdirs && (rc = db_mkdirs(dir)) < 0) {
		log_err("cannot create state directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	d->path = xasprintf("%s/%s", dir, name);
	if (sqlite3_open_v2(d->path, &d->h, o->flags, NULL) != SQLITE_OK) {
		log_err("cannot open %s: %s", d->path, sqlite3_errmsg(d->h));
		db_close(d);
		return -EIO;
	}
	sqlite3_busy_timeout(d->h, o->busy_ms);
	if (o->synchronous)
		snprintf(sync, sizeof(sync), "PRAGMA synchronous = %s", o->synchronous);
	if (db_exec(d, "PRAGMA journal_mode = WAL") < 0 ||
	    (o->synchronous && db_exec(d, sync) < 0)) {
		db_close(d);
		return -EIO;
	}
	return 0;
}

void db_close(struct db *d)
{
	if (!d)
		return;
	sqlite3_close(d->h);
	free(d->path);
	memset(d, 0, sizeof(*d));
}

/* One integer from sql (with part bound to ?1 when it has a parameter);
 * 0 when there is no row.  Returns 0 or -EIO. */
static int query_int(const struct db *d, const char *sql, const char *part, int *out)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(d->h, sql, -1, &q, NULL) != SQLITE_OK)
		return db_fail(d);
	if (sqlite3_bind_parameter_count(q))
		sqlite3_bind_text(q, 1, part, -1, SQLITE_STATIC);
	*out = 0;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(d);
}

static int read_version(const struct db *d, const char *part, int *v)
{
	int has_table;

	if (!part)
		return query_int(d, "PRAGMA user_version", NULL, v);
	if (query_int(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			 " AND name = 'schema_parts'", NULL, &has_table) < 0)
		return -EIO;
	if (!has_table) {
		*v = 0;
		return 0;
	}
	return query_int(d, "SELECT version FROM schema_parts WHERE part = ?1", part, v);
}

static int write_version(const struct db *d, const char *part, int v)
{
	char sql[64];
	sqlite3_stmt *q;
	int rc;

	if (!part) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
		return db_exec(d, sql);
	}
	if (db_exec(d, "CREATE TABLE IF NOT EXISTS schema_parts ("
		       " part TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID") < 0)
		return -EIO;
	if (sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO schema_parts VALUES (?1, ?2)", -1, &q,
			       NULL) != SQLITE_OK)
		return db_fail(d);
	sqlite3_bind_text(q, 1, part, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, v);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : db_fail(d);
}

static int check_known(const struct db *d, const struct db_schema *s, int v)
{
	if (v <= s->n_steps)
		return 0;
	log_err("%s: schema version %d%s%s is newer than this agendad knows (%d)", d->path, v,
		s->part ? " of " : "", s->part ? s->part : "", s->n_steps);
	return -EPROTO;
}

int db_migrate(const struct db *d, const struct db_schema *s)
{
	int v, rc;

	/* Read first: a file that is up to date is not locked for writing
	 * (another process may be writing to it). */
	if (read_version(d, s->part, &v) < 0)
		return -EIO;
	if ((rc = check_known(d, s, v)) < 0 || v == s->n_steps)
		return rc;
	if (db_exec(d, "BEGIN IMMEDIATE") < 0)
		return -EIO;
	/* Again under the lock: another process may have migrated meanwhile. */
	rc = read_version(d, s->part, &v);
	if (rc == 0)
		rc = check_known(d, s, v);
	for (; rc == 0 && v < s->n_steps; v++)
		rc = db_exec(d, s->steps[v]);
	if (rc == 0)
		rc = write_version(d, s->part, v);
	if (rc == 0)
		rc = db_exec(d, "COMMIT");
	if (rc < 0)
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	return rc == -EPROTO ? rc : rc < 0 ? -EIO : 0;
}
