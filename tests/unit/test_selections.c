/* selections.c: the cap on stored selections, expiry of unused ones, and
 * the migration of a table from before expiry. */
#include "config.h"

#include "testutil.h"

#include <sqlite3.h>

#include "selections.h"

#define T0 INT64_C(1700000000)
#define DAY INT64_C(86400)

static const char *const ids[] = { "a", "b" };

static void create(struct selections *s, int64_t at, char *token)
{
	assert_int_equal(selections_create(s, ids, 2, at, token), 0);
}

static void test_cap(void **unused)
{
	char *dir = tu_tmpdir(), t[4][SELECTION_TOKEN_LEN + 1];
	struct selections *s;

	(void)unused;
	selections_set_max(3);
	assert_int_equal(selections_open(dir, &s), 0);
	for (int i = 0; i < 3; i++)
		create(s, T0 + i, t[i]);
	assert_int_equal(selections_create(s, ids, 2, T0 + 3, t[3]), -ENOSPC);
	/* The cap holds across a restart: the count comes from the file. */
	selections_close(s);
	assert_int_equal(selections_open(dir, &s), 0);
	assert_int_equal(selections_create(s, ids, 2, T0 + 3, t[3]), -ENOSPC);
	/* A larger cap (a reload) makes room at once. */
	selections_set_max(4);
	create(s, T0 + 3, t[3]);
	selections_set_max(0);
	selections_close(s);
	tu_rmtree(dir);
	free(dir);
}

static void test_expiry_spares_what_is_fetched(void **unused)
{
	char *dir = tu_tmpdir(), a[SELECTION_TOKEN_LEN + 1], b[SELECTION_TOKEN_LEN + 1],
	     c[SELECTION_TOKEN_LEN + 1];
	struct selections *s, *other;
	char **got;
	size_t n;

	(void)unused;
	selections_set_max(2);
	assert_int_equal(selections_open(dir, &s), 0);
	assert_int_equal(selections_open(dir, &other), 0); /* the loop's connection */
	create(s, T0, a);
	create(s, T0 + DAY, b);
	assert_int_equal(selections_create(s, ids, 2, T0 + 2 * DAY, c), -ENOSPC);
	/* a is fetched 40 days later: it is in use. */
	assert_int_equal(selections_get_at(s, a, T0 + 40 * DAY, &got, &n), 0);
	assert_int_equal(n, 2);
	free(got);
	/* 30 days unused, seen at day 45: b goes, a stays. */
	assert_int_equal(selections_expire(other, T0 + 15 * DAY, 100), 1);
	assert_int_equal(selections_get_at(s, b, T0 + 45 * DAY, &got, &n), -ENOENT);
	assert_int_equal(selections_get_at(s, a, T0 + 45 * DAY, &got, &n), 0);
	free(got);
	/* The room expiry made is seen by the other connection. */
	create(s, T0 + 45 * DAY, c);
	/* Batches: at most limit rows at a time. */
	assert_int_equal(selections_expire(other, T0 + 100 * DAY, 1), 1);
	assert_int_equal(selections_expire(other, T0 + 100 * DAY, 1), 1);
	assert_int_equal(selections_expire(other, T0 + 100 * DAY, 1), 0);
	selections_set_max(0);
	selections_close(other);
	selections_close(s);
	tu_rmtree(dir);
	free(dir);
}

static void test_table_without_used_is_migrated(void **unused)
{
	char *dir = tu_tmpdir(), *path = xasprintf("%s/selections.sqlite", dir);
	struct selections *s;
	sqlite3 *db;
	char **got;
	size_t n;

	(void)unused;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE selections (token TEXT PRIMARY KEY,"
				      " created INTEGER NOT NULL, sessions TEXT NOT NULL);"
				      "INSERT INTO selections VALUES"
				      " ('AAAAAAAAAAAAAAAAAAAAAA', 1700000000, 'a b'),"
				      " ('BBBBBBBBBBBBBBBBBBBBBB', 1702592000, 'b')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(selections_open(dir, &s), 0);
	/* Their last use is when they were made. */
	assert_int_equal(selections_expire(s, T0 + 10 * DAY, 100), 1);
	assert_int_equal(selections_get_at(s, "BBBBBBBBBBBBBBBBBBBBBB", T0 + 31 * DAY, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0], "b");
	free(got);
	assert_int_equal(selections_get_at(s, "AAAAAAAAAAAAAAAAAAAAAA", T0, &got, &n), -ENOENT);
	selections_close(s);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_expiry_spares_what_is_fetched),
		cmocka_unit_test(test_table_without_used_is_migrated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
