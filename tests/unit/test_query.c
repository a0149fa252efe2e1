/* Unit tests of query.c: feed queries read against a programme, their
 * canonical form, their errors, and which pieces they match. */
#include "config.h"

#include "testutil.h"

#include "feeds.h"
#include "programme.h"
#include "query.h"

static const char programme[] =
	"event = { id = \"q\"; title = \"Q\"; timezone = \"Europe/Paris\"; };\n"
	"tracks = ( { id = \"a\"; title = \"Alpha\"; }, { id = \"b\"; title = \"Beta\"; } );\n"
	"rooms = ( { id = \"r\"; title = \"Room\"; } );\n"
	"speakers = ( { id = \"s\"; name = \"Sam\"; }, { id = \"t\"; name = \"Tia\"; } );\n"
	"sessions = (\n"
	" { id = \"x\"; title = \"X\"; start = \"2025-01-02 09:00\"; end = \"2025-01-02 10:00\";\n"
	"   track = \"a\"; room = \"r\"; kind = \"talk\"; people = ( { speaker = \"s\"; } ); },\n"
	" { id = \"y\"; title = \"Y\"; start = \"2025-01-03 09:00\"; end = \"2025-01-03 10:00\";\n"
	"   track = \"b\"; kind = \"break\"; } );\n";

struct fixture {
	char *dir;
	struct programme *p;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->p = tu_load_text(f->dir, "q.programme", programme);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	prog_free(f->p);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Parses "k=v&k=v" (no escapes needed by these tests) into args. */
static int parse(struct fixture *f, const char *text, int filters, struct query *q, char *why)
{
	struct query_arg args[16];
	char *copy = xstrdup(text), *save = NULL;
	size_t n = 0;
	int rc;

	for (char *kv = strtok_r(copy, "&", &save); kv && n < 16; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = '\0';
		args[n++] = (struct query_arg){ kv, eq ? eq + 1 : NULL };
	}
	rc = query_parse(f->p, args, n, filters, q, why, 256);
	free(copy);
	return rc;
}

static void canon_is(struct fixture *f, const char *text, const char *want)
{
	struct query q;
	char why[256] = "";

	if (parse(f, text, 1, &q, why) != 0)
		fail_msg("%s: %s", text, why);
	assert_string_equal(q.canon, want);
	query_free(&q);
}

static void test_canonical_form(void **state)
{
	struct fixture *f = *state;

	canon_is(f, "", "");
	canon_is(f, "track=b,a", "track=a,b");
	canon_is(f, "track=a&track=b&track=a", "track=a,b");
	canon_is(f, "kind=talk&day=2025-01-03&track=a%2Cb", "track=a,b&day=2025-01-03&kind=talk");
	canon_is(f, "alarm=10m,1h,60m&speaker=t,s", "speaker=s,t&alarm=1h,10m");
	canon_is(f, "alarm=none", "alarm=none");
	canon_is(f, "alarm=90s", "alarm=90s");
}

static void error_is(struct fixture *f, const char *text, int filters, const char *want)
{
	struct query q;
	char why[256] = "";

	assert_int_equal(parse(f, text, filters, &q, why), -1);
	if (!strstr(why, want))
		fail_msg("%s: got \"%s\", want \"%s\"", text, why, want);
	query_free(&q);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;

	error_is(f, "x=1", 1, "unknown parameter 'x'");
	error_is(f, "track=c", 1, "unknown track 'c'");
	error_is(f, "room=a", 1, "unknown room 'a'");
	error_is(f, "day=2025-01-04", 1, "unknown day '2025-01-04'");
	error_is(f, "speaker=z", 1, "unknown speaker 'z'");
	error_is(f, "kind=party", 1, "unknown kind 'party'");
	error_is(f, "track=", 1, "empty value for 'track'");
	error_is(f, "track", 1, "empty value for 'track'");
	/* Commas alone are no value: alarm=, is not alarm=none. */
	error_is(f, "alarm=,", 1, "empty value for 'alarm'");
	error_is(f, "track=%2C,", 1, "empty value for 'track'");
	error_is(f, "alarm=soon", 1, "bad alarm 'soon'");
	error_is(f, "alarm=29d", 1, "bad alarm '29d'");
	error_is(f, "alarm=1m,2m,3m,4m,5m,6m,7m,8m,9m", 1, "too many alarms");
	error_is(f, "track=a", 0, "filters only the whole programme");
	error_is(f, "%74rack=zz", 1, "unknown track 'zz'"); /* keys are decoded too */
}

static struct feed_member member_of(const struct programme *p, size_t i)
{
	const struct prog_session *s = &p->sessions[i];

	return (struct feed_member){ s->id, s->title, s->kind, s->day, s->track, s->room,
				     s->people, NULL, s->n_people, 1 };
}

static int matches(struct fixture *f, const char *text, size_t session)
{
	struct query q;
	char why[256] = "";
	struct feed_member m = member_of(f->p, session);
	int yes;

	if (parse(f, text, 1, &q, why) != 0)
		fail_msg("%s: %s", text, why);
	yes = query_matches(&q, &m);
	query_free(&q);
	return yes;
}

static void test_matching(void **state)
{
	struct fixture *f = *state;

	/* Sessions are sorted: 0 is x, 1 is y. */
	assert_true(matches(f, "", 0));
	assert_true(matches(f, "track=a,b", 1));
	assert_false(matches(f, "track=a", 1));
	assert_true(matches(f, "track=a&room=r&speaker=s&kind=talk&day=2025-01-02", 0));
	assert_false(matches(f, "track=a&day=2025-01-03", 0));
	assert_false(matches(f, "room=r", 1)); /* no room at all */
	assert_false(matches(f, "speaker=s,t", 1));
	assert_true(matches(f, "speaker=t,s", 0));
	assert_true(matches(f, "alarm=none", 1)); /* alarms filter nothing */
}

static void test_label(void **state)
{
	struct fixture *f = *state;
	struct query q;
	char why[256];
	struct feedset fs = { .prog = f->p };
	char *label;

	assert_int_equal(parse(f, "speaker=t,s&track=b", 1, &q, why), 0);
	label = query_label(&q, &fs);
	assert_string_equal(label, "Beta, Sam or Tia");
	free(label);
	query_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
