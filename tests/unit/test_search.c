/* The search index (search.c): what search.html finds, on a small
 * programme whose every field holds a word no other field holds. */
#include "config.h"

#include "testutil.h"

#include "programme.h"
#include "search.h"

static const char programme[] =
	"event = { id = \"e\"; title = \"E\"; timezone = \"UTC\"; };\n"
	"tracks = ( { id = \"t\"; title = \"Data TRACK\"; } );\n"
	"rooms = ( { id = \"r\"; title = \"Room Lovelace\"; } );\n"
	"speakers = ( { id = \"a\"; name = \"Ana Quispe\"; } );\n"
	"sessions = (\n"
	"  { id = \"s0\"; title = \"Remittance CORRIDORS\"; description = \"Fees; kiwi.\";\n"
	"    start = \"2030-01-01 10:00\"; end = \"2030-01-01 11:00\"; track = \"t\"; room = \"r\";\n"
	"    people = ( { speaker = \"a\"; } ); },\n"
	"  { id = \"s1\"; title = \"Coffee\"; kind = \"break\";\n"
	"    start = \"2030-01-01 11:00\"; end = \"2030-01-01 11:30\"; }\n"
	");\n";

struct fixture {
	char *dir;
	struct programme *p;
	struct search_index idx;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->p = tu_load_text_clean(f->dir, "p.programme", programme);
	search_index_build(f->p, &f->idx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	search_index_free(&f->idx);
	prog_free(f->p);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Whether session i matches q, folded and split as page_search does. */
static int finds(const struct fixture *f, size_t i, const char *q)
{
	char copy[128], *words[8], *save = NULL;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", q);
	search_fold(copy);
	for (char *w = strtok_r(copy, " ", &save); w && n < 8; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return search_index_match(&f->idx, i, words, n);
}

static void every_field_is_found_in_any_case(void **state)
{
	const struct fixture *f = *state;

	assert_int_equal(f->idx.n, 2);
	assert_true(finds(f, 0, "corridors"));   /* title */
	assert_true(finds(f, 0, "KIWI"));        /* description */
	assert_true(finds(f, 0, "track"));       /* track */
	assert_true(finds(f, 0, "lovelace"));    /* room */
	assert_true(finds(f, 0, "qUISPE"));      /* speaker */
	assert_true(finds(f, 1, "coffee"));
	assert_false(finds(f, 1, "corridors"));
}

static void all_words_must_match(void **state)
{
	const struct fixture *f = *state;

	assert_true(finds(f, 0, "remittance ana"));
	assert_false(finds(f, 0, "remittance coffee"));
	assert_true(finds(f, 0, ""));            /* no words: everything */
	assert_true(finds(f, 1, ""));
}

/* A phrase that only exists across two fields is not in the session. */
static void words_do_not_span_fields(void **state)
{
	const struct fixture *f = *state;
	char *words[] = { "corridors\nfees" };
	char *joined[] = { "corridorsfees" };

	assert_false(search_index_match(&f->idx, 0, words, 1));
	assert_false(search_index_match(&f->idx, 0, joined, 1));
}

/* Only ASCII folds: bytes of UTF-8 pass through, and lengths hold. */
static void folding_is_ascii_only(void **state)
{
	char s[] = "ÉCOLE Zürich";

	(void)state;
	search_fold(s);
	assert_string_equal(s, "École zürich");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_field_is_found_in_any_case, setup, teardown),
		cmocka_unit_test_setup_teardown(all_words_must_match, setup, teardown),
		cmocka_unit_test_setup_teardown(words_do_not_span_fields, setup, teardown),
		cmocka_unit_test(folding_is_ascii_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
