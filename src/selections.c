#include "config.h"

#include "selections.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

struct selections {
	sqlite3 *db;
	pthread_mutex_t lock; /* one connection, used by every HTTP thread */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS selections ("
	" token TEXT PRIMARY KEY, created INTEGER NOT NULL, sessions TEXT NOT NULL)";

int selections_open(const char *dir, struct selections **out)
{
	struct selections *s = calloc(1, sizeof(*s));
	char *path = NULL;
	int rc = -EIO;

	if (!s || asprintf(&path, "%s/selections.sqlite", dir) < 0) {
		free(s);
		return -ENOMEM;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		log_err("cannot open %s: %s", path, sqlite3_errmsg(s->db));
	else if (sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
		 sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
		 sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		log_err("cannot set up %s: %s", path, sqlite3_errmsg(s->db));
	else
		rc = 0;
	free(path);
	if (rc < 0) {
		sqlite3_close(s->db);
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
	sqlite3_close(s->db);
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
	rc = sqlite3_prepare_v2(s->db, "INSERT INTO selections VALUES (?, ?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, list.data, (int)list.len, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		log_err("cannot store a selection: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	buf_free(&list);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Splits the space-separated list in place into *ids. */
static int split(char *list, char ***ids, size_t *n)
{
	size_t count = 1;
	char **v, *save = NULL;

	for (const char *p = list; *p; p++)
		count += *p == ' ';
	v = malloc(count * sizeof(char *) + strlen(list) + 1);
	if (!v)
		return -ENOMEM;
	list = strcpy((char *)(v + count), list);
	*n = 0;
	for (char *id = strtok_r(list, " ", &save); id; id = strtok_r(NULL, " ", &save))
		v[(*n)++] = id;
	*ids = v;
	return 0;
}

int selections_get(struct selections *s, const char *token, char ***ids, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = sqlite3_prepare_v2(s->db, "SELECT sessions FROM selections WHERE token = ?", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW)
		rc = split((char *)sqlite3_column_text(st, 0), ids, n);
	else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	else {
		log_err("cannot read a selection: %s", sqlite3_errmsg(s->db));
		rc = -EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	return rc;
}
