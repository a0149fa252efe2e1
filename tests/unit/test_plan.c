/* plan.c: the reminders of a small programme (which sessions, channels,
 * recipients and offsets; keys and due times) and the notices of its
 * changes, found by a real state.c reconcile. */
#include "config.h"

#include <jansson.h>

#include "testutil.h"

#include <libical/ical.h>

#include "conf.h"
#include "plan.h"
#include "programme.h"
#include "state.h"
#include "tz.h"

struct fixture {
	char *dir;
	struct conf *c;
};

/* a: hook and mail (track t1), to helene only (bob has no address);
 * b: a break (skipped); c: cancelled (skipped); d: track t2, hook only
 * (mail wants t1). */
static const char programme_v1[] =
	"event = { id = \"ev\"; title = \"E\"; timezone = \"Europe/Zurich\"; };\n"
	"tracks = ( { id = \"t1\"; }, { id = \"t2\"; } );\n"
	"rooms = ( { id = \"r1\"; title = \"Room One\"; }, { id = \"r2\"; title = \"Room Two\"; } );\n"
	"speakers = ( { id = \"helene\"; name = \"H\"; email = \"h@example.org\"; },\n"
	"  { id = \"bob\"; name = \"B\"; },\n"
	"  { id = \"ada\"; name = \"A\"; email = \"a@example.org\"; } );\n"
	"sessions = (\n"
	" { id = \"a\"; title = \"A\"; start = \"2030-06-10 10:00\"; end = \"2030-06-10 11:00\";\n"
	"   room = \"r1\"; track = \"t1\"; people = ( { speaker = \"helene\"; }, { speaker = \"bob\"; } ); },\n"
	" { id = \"b\"; title = \"B\"; kind = \"break\"; start = \"2030-06-10 11:00\";\n"
	"   end = \"2030-06-10 11:30\"; track = \"t1\"; },\n"
	" { id = \"c\"; title = \"C\"; status = \"cancelled\"; start = \"2030-06-10 12:00\";\n"
	"   end = \"2030-06-10 13:00\"; track = \"t1\"; people = ( { speaker = \"helene\"; } ); },\n"
	" { id = \"d\"; title = \"D\"; start = \"2030-06-10 13:00\"; end = \"2030-06-10 14:00\";\n"
	"   track = \"t2\"; people = ( { speaker = \"ada\"; } ); } );\n";

/* a moves half an hour and to r2; d is gone; the rest as before. */
static const char programme_v2[] =
	"event = { id = \"ev\"; title = \"E\"; timezone = \"Europe/Zurich\"; };\n"
	"tracks = ( { id = \"t1\"; }, { id = \"t2\"; } );\n"
	"rooms = ( { id = \"r1\"; title = \"Room One\"; }, { id = \"r2\"; title = \"Room Two\"; } );\n"
	"speakers = ( { id = \"helene\"; name = \"H\"; email = \"h@example.org\"; },\n"
	"  { id = \"bob\"; name = \"B\"; },\n"
	"  { id = \"ada\"; name = \"A\"; email = \"a@example.org\"; } );\n"
	"sessions = (\n"
	" { id = \"a\"; title = \"A\"; start = \"2030-06-10 10:30\"; end = \"2030-06-10 11:30\";\n"
	"   room = \"r2\"; track = \"t1\"; people = ( { speaker = \"helene\"; }, { speaker = \"bob\"; } ); },\n"
	" { id = \"b\"; title = \"B\"; kind = \"break\"; start = \"2030-06-10 11:00\";\n"
	"   end = \"2030-06-10 11:30\"; track = \"t1\"; },\n"
	" { id = \"c\"; title = \"C\"; status = \"cancelled\"; start = \"2030-06-10 12:00\";\n"
	"   end = \"2030-06-10 13:00\"; track = \"t1\"; people = ( { speaker = \"helene\"; } ); } );\n";

static const char configuration[] =
	"programme = \"p1\";\nbase_url = \"https://feeds.example.org\";\n"
	"reminders = { before = [ \"15m\", \"1h\" ]; };\n"
	"channels = (\n"
	" { name = \"hook\"; type = \"webhook\"; url = \"https://h.example.org/x\";\n"
	"   notify_changes = true; },\n"
	" { name = \"mail\"; type = \"email\"; smtp_url = \"smtp://127.0.0.1:25\";\n"
	"   from = \"Programme <programme@example.org>\"; tracks = [ \"t1\" ];\n"
	"   notify_changes = true; },\n"
	" { name = \"quiet\"; type = \"webhook\"; url = \"https://q.example.org/x\";\n"
	"   kinds = [ \"workshop\" ]; }\n"
	");\n";

/* 2030-06-10 in Zurich is UTC+2. */
static int64_t utc(int hour, int min)
{
	struct civil c = { 2030, 6, 10, hour, min, 0 };

	return civil_to_seconds(&c);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	free(tu_write(f->dir, "p1", programme_v1));
	free(tu_write(f->dir, "p2", programme_v2));
	f->c = tu_load_conf(f->dir, configuration);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	conf_free(f->c);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct programme *load(const struct fixture *f, const char *name)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	struct programme *p = tu_load(path);

	free(path);
	return p;
}

static void test_plan_keys_due_recipients(void **state)
{
	struct fixture *f = *state;
	struct programme *p = load(f, "p1");
	struct plan *pl = plan_build(p, f->c);
	/* by due time, then key: "hook" sorts before "mail" */
	static const struct {
		const char *key, *channel, *recipient;
		int hour, min;
		int64_t offset;
	} want[] = {
		{ "a|2030-06-10T08:00:00Z|1h|hook|hook", "hook", "hook", 7, 0, 3600 },
		{ "a|2030-06-10T08:00:00Z|1h|mail|helene", "mail", "helene", 7, 0, 3600 },
		{ "a|2030-06-10T08:00:00Z|15m|hook|hook", "hook", "hook", 7, 45, 900 },
		{ "a|2030-06-10T08:00:00Z|15m|mail|helene", "mail", "helene", 7, 45, 900 },
		{ "d|2030-06-10T11:00:00Z|1h|hook|hook", "hook", "hook", 10, 0, 3600 },
		{ "d|2030-06-10T11:00:00Z|15m|hook|hook", "hook", "hook", 10, 45, 900 },
	};

	assert_int_equal(pl->n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < pl->n; i++) {
		const struct plan_item *it = &pl->items[i];

		assert_string_equal(it->key, want[i].key);
		assert_string_equal(it->channel_name, want[i].channel);
		assert_string_equal(plan_recipient(p, it->speaker), want[i].recipient);
		assert_int_equal(it->due, utc(want[i].hour, want[i].min));
		assert_int_equal(it->offset, want[i].offset);
		assert_int_equal(it->due, p->sessions[it->session].start - it->offset);
		assert_string_equal(f->c->channels[it->channel].name, want[i].channel);
	}
	plan_free(pl);
	prog_free(p);
}

static void test_plan_wants(void **state)
{
	struct fixture *f = *state;
	struct programme *p = load(f, "p1");
	const struct conf_channel *hook = &f->c->channels[0], *mail = &f->c->channels[1],
				  *quiet = &f->c->channels[2];

	assert_true(plan_wants(f->c, hook, p, &p->sessions[0]));
	assert_false(plan_wants(f->c, hook, p, &p->sessions[1]));  /* a break */
	assert_false(plan_wants(f->c, hook, p, &p->sessions[2]));  /* cancelled */
	assert_true(plan_wants(f->c, hook, p, &p->sessions[3]));
	assert_false(plan_wants(f->c, mail, p, &p->sessions[3]));  /* track t2 */
	assert_false(plan_wants(f->c, quiet, p, &p->sessions[0])); /* not a workshop */
	prog_free(p);
}

/* Publishes v1, then v2, through a real state database; returns the
 * second reconcile (with a's change and d's removal). */
static struct programme *publish_twice(struct fixture *f, struct state **st, struct reconcile *r)
{
	char *dir = xasprintf("%s/state", f->dir);
	struct programme *p1 = load(f, "p1"), *p2 = load(f, "p2");
	uint64_t hashes[4] = { 1, 2, 3, 4 };

	assert_int_equal(state_open(dir, st), 0);
	assert_int_equal(state_reconcile(*st, p1, hashes, utc(6, 0), r), 0);
	assert_int_equal(r->n_changes, 0);
	reconcile_free(r);
	assert_int_equal(state_reconcile(*st, p2, hashes, utc(6, 5), r), 0);
	assert_int_equal(r->n_changes, 2);
	prog_free(p1);
	free(dir);
	return p2;
}

static void assert_payload(const char *payload, const char *changes, const char *before_start,
			   const char *before_room, const char *after_start)
{
	json_error_t err;
	json_t *o = json_loads(payload, 0, &err);
	json_t *before, *after;

	assert_non_null(o);
	before = json_object_get(o, "before");
	after = json_object_get(o, "after");
	assert_string_equal(json_string_value(json_object_get(o, "changes")), changes);
	assert_string_equal(json_string_value(json_object_get(before, "start")), before_start);
	if (before_room)
		assert_string_equal(json_string_value(json_object_get(before, "room")), before_room);
	else
		assert_true(json_is_null(json_object_get(before, "room")));
	assert_string_equal(json_string_value(json_object_get(before, "timezone")),
			    "Europe/Zurich");
	if (after_start)
		assert_string_equal(json_string_value(json_object_get(after, "start")), after_start);
	else
		assert_true(json_is_null(after));
	json_decref(o);
}

static void test_change_notices(void **state)
{
	struct fixture *f = *state;
	struct state *st = NULL;
	struct reconcile r;
	struct programme *p = publish_twice(f, &st, &r);
	struct change_plan *cp = plan_changes(p, f->c, &r);
	/* change by change (a, then d), channel by channel; quiet has no
	 * notify_changes; the mail goes to each speaker with an address of
	 * the session as it was published */
	static const char *const keys[] = { "change|a|1|hook|hook", "change|a|1|mail|helene",
					    "change|d|1|hook|hook", "change|d|1|mail|ada" };
	static const char *const recipients[] = { "hook", "helene", "hook", "ada" };

	assert_int_equal(cp->n, 4);
	for (size_t i = 0; i < cp->n; i++) {
		assert_string_equal(cp->items[i].key, keys[i]);
		assert_string_equal(cp->items[i].recipient, recipients[i]);
		assert_string_equal(cp->items[i].channel_name, i % 2 ? "mail" : "hook");
	}
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(cp->items[i].session, "a");
		assert_false(cp->items[i].cancelled);
		assert_int_equal(cp->items[i].deadline, utc(9, 30) + 86400); /* new end + a day */
		assert_payload(cp->items[i].payload, "time, room", "2030-06-10T08:00:00Z", "Room One",
			       "2030-06-10T08:30:00Z");
	}
	for (size_t i = 2; i < 4; i++) {
		assert_string_equal(cp->items[i].session, "d");
		assert_true(cp->items[i].cancelled);
		assert_int_equal(cp->items[i].deadline, utc(12, 0) + 86400); /* old end + a day */
		assert_payload(cp->items[i].payload, "removed from the programme",
			       "2030-06-10T11:00:00Z", NULL, NULL);
	}
	/* the same payload for every recipient of one change */
	assert_string_equal(cp->items[0].payload, cp->items[1].payload);
	change_plan_free(cp);
	reconcile_free(&r);
	state_close(st);
	prog_free(p);
}

static void test_no_changes_no_notices(void **state)
{
	struct fixture *f = *state;
	struct programme *p = load(f, "p1");
	struct reconcile none = { 0 };
	struct change_plan *cp = plan_changes(p, f->c, &none);

	assert_int_equal(cp->n, 0);
	change_plan_free(cp);
	prog_free(p);
}

static void test_plan_utc(void **state)
{
	char buf[32];

	(void)state;
	plan_utc(utc(8, 0), buf, sizeof(buf));
	assert_string_equal(buf, "2030-06-10T08:00:00Z");
	plan_utc(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_keys_due_recipients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_wants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_notices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_changes_no_notices, setup, teardown),
		cmocka_unit_test(test_plan_utc),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
