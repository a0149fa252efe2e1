#include "config.h"

#include "selections.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "memory.h"

struct selections {
	struct db db;
	pthread_mutex_t lock; /* one connection, used by every HTTP thread */
	/* Rows stored, at least: counted at opening and at the cap, counted
	 * up here (another connection's expiry only makes it smaller). */
	int64_t count;
};

/* The cap of the configuration in use (0: SELECTIONS_MAX_DEFAULT). */
static unsigned cap;

/* used: when the selection was last fetched (a day's precision) or made. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS selections ("
	" token TEXT PRIMARY KEY, created INTEGER NOT NULL, sessions TEXT NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0)";
/* Tables of versions before expiry have no used column. */
static const char add_used[] =
	"ALTER TABLE selections ADD COLUMN used INTEGER NOT NULL DEFAULT 0;"
	"UPDATE selections SET used = created";
static const char used_index[] = "CREATE INDEX IF NOT EXISTS selections_used ON selections (used)";

/* A fetch moves `used` forward at most this often (a write per fetch
 * would cost an fsync per calendar poll). */
#define TOUCH_EVERY 86400

void selections_set_max(unsigned max)
{
	__atomic_store_n(&cap, max, __ATOMIC_RELAXED);
}

static int64_t max_rows(void)
{
	unsigned v = __atomic_load_n(&cap, __ATOMIC_RELAXED);

	return v ? v : SELECTIONS_MAX_DEFAULT;
}

static int64_t count_rows(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM selections", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int has_used(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_prepare_v2(db, "SELECT used FROM selections LIMIT 0", -1, &st, NULL) ==
		 SQLITE_OK;

	sqlite3_finalize(st);
	return ok;
}

/* The table as this version wants it, in one transaction (one fsync for
 * a new file, none for one that is up to date).  Not db_migrate's steps:
 * files of every version so far have user_version 0, with or without
 * the used column. */
static int setup(const struct db *d)
{
	int ok = sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK &&
		 sqlite3_exec(d->h, schema, NULL, NULL, NULL) == SQLITE_OK &&
		 (has_used(d->h) || sqlite3_exec(d->h, add_used, NULL, NULL, NULL) == SQLITE_OK) &&
		 sqlite3_exec(d->h, used_index, NULL, NULL, NULL) == SQLITE_OK &&
		 sqlite3_exec(d->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;

	if (!ok) {
		log_err("cannot set up %s: %s", d->path, sqlite3_errmsg(d->h));
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	}
	return ok ? 0 : -EIO;
}

int selections_open(const char *dir, struct selections **out)
{
	static const struct db_options opts = { .flags = SQLITE_OPEN_READWRITE |
							  SQLITE_OPEN_CREATE,
						.busy_ms = 5000 };
	struct selections *s = xcalloc(1, sizeof(*s));
	int rc = db_open(&s->db, dir, "selections.sqlite", &opts);

	if (rc == 0)
		rc = setup(&s->db);
	if (rc == 0 && (s->count = count_rows(s->db.h)) < 0)
		rc = db_fail(&s->db);
	if (rc < 0) {
		db_close(&s->db);
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return 0;
}

void selections_close(struct selections *s)
{
	if (!s)
		return;
	db_close(&s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int new_token(char *token)
{
	unsigned char r[18]; /* 144 bits drawn, 132 used: 22 characters of 6 bits */

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -EIO;
	for (int i = 0; i < SELECTION_TOKEN_LEN; i++) {
		int bit = i * 6;
		unsigned v = ((unsigned)r[bit / 8] << 8 | r[bit / 8 + 1]) >> (10 - bit % 8);

		token[i] = b64url[v & 63];
	}
	token[SELECTION_TOKEN_LEN] = '\0';
	return 0;
}

int selection_token_valid(const char *token, size_t len)
{
	if (len != SELECTION_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!token[i] || !strchr(b64url, token[i]))
			return 0;
	return 1;
}

int selections_create(struct selections *s, const char *const *ids, size_t n, int64_t now,
		      char *token)
{
	struct buf list = { 0 };
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < n; i++)
		buf_printf(&list, "%s%s", i ? " " : "", ids[i]);
	buf_adds(&list, "");
	if ((rc = new_token(token)) < 0) {
		buf_free(&list);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	/* Expiry may have made room since the last count. */
	if (s->count >= max_rows() && (s->count = count_rows(s->db.h)) >= max_rows()) {
		pthread_mutex_unlock(&s->lock);
		buf_free(&list);
		return -ENOSPC;
	}
	rc = sqlite3_prepare_v2(s->db.h, "INSERT INTO selections VALUES (?, ?, ?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, list.data, (int)list.len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		log_err("cannot store a selection: %s", sqlite3_errmsg(s->db.h));
	else
		s->count++;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	buf_free(&list);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Splits the space-separated list into *ids (one block). */
static void split(char *list, char ***ids, size_t *n)
{
	size_t count = 1;
	char **v, *save = NULL;

	for (const char *p = list; *p; p++)
		count += *p == ' ';
	v = xmalloc(count * sizeof(char *) + strlen(list) + 1);
	list = strcpy((char *)(v + count), list);
	*n = 0;
	for (char *id = strtok_r(list, " ", &save); id; id = strtok_r(NULL, " ", &save))
		v[(*n)++] = id;
	*ids = v;
}

/* Marks the selection as fetched now (when it was not for a day): what
 * is fetched does not expire. */
static void touch(struct selections *s, const char *token, int64_t now)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db.h, "UPDATE selections SET used = ? WHERE token = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, token, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warn("cannot note that a selection was fetched: %s",
				 sqlite3_errmsg(s->db.h));
	}
	sqlite3_finalize(st);
}

int selections_get(struct selections *s, const char *token, char ***ids, size_t *n)
{
	return selections_get_at(s, token, (int64_t)time(NULL), ids, n);
}

int selections_get_at(struct selections *s, const char *token, int64_t now, char ***ids,
		      size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t used = now;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = sqlite3_prepare_v2(s->db.h, "SELECT sessions, used FROM selections WHERE token = ?", -1,
				&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		used = sqlite3_column_int64(st, 1);
		split((char *)sqlite3_column_text(st, 0), ids, n);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	else {
		log_err("cannot read a selection: %s", sqlite3_errmsg(s->db.h));
		rc = -EIO;
	}
	sqlite3_finalize(st);
	if (rc == 0 && now - used >= TOUCH_EVERY)
		touch(s, token, now);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int64_t selections_expire(struct selections *s, int64_t before, unsigned limit)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db.h,
			       "DELETE FROM selections WHERE rowid IN (SELECT rowid FROM selections"
			       " WHERE used < ? LIMIT ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, before);
		sqlite3_bind_int64(st, 2, limit);
		if (sqlite3_step(st) == SQLITE_DONE)
			n = sqlite3_changes(s->db.h);
	}
	if (n < 0)
		log_err("cannot remove expired selections: %s", sqlite3_errmsg(s->db.h));
	else
		s->count -= n;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	return n;
}
