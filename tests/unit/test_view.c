/* The view cache (view.c) on a real catalogue of the seed programme
 * shipped in etc/: hits, eviction at the byte bound, a view keeping its
 * catalogue alive, and the cache emptied when a newer catalogue is seen. */
#include "config.h"

#include "testutil.h"

#include <time.h>

#include "catalogue.h"
#include "conf.h"
#include "feeds.h"
#include "programme.h"
#include "query.h"
#include "state.h"
#include "view.h"

struct fixture {
	char *dir, *conf_path;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *text;

	assert_non_null(f);
	f->dir = tu_tmpdir();
	text = xasprintf("programme = \"%s/../etc/idm-2014-south-south.programme\";\n"
			 "state_dir = \"%s\";\nbase_url = \"http://127.0.0.1:8080\";\n",
			 TESTS_SRCDIR, f->dir);
	f->conf_path = tu_write(f->dir, "agendad.conf", text);
	free(text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f->conf_path);
	free(f);
	return 0;
}

/* A catalogue as the loop builds one: configuration, programme, feeds. */
static struct catalogue *build(const struct fixture *f)
{
	struct tu_diag td;
	struct conf *c;
	struct programme *p;
	struct state *st;
	struct feedset *fs;
	int64_t now = (int64_t)time(NULL);

	tu_diag_init(&td);
	c = conf_load(f->conf_path, &td.d);
	if (!c)
		tu_diag_dump(&td, "conf_load failed");
	assert_non_null(c);
	p = prog_load(c->programme, &td.d);
	if (!p)
		tu_diag_dump(&td, "prog_load failed");
	assert_non_null(p);
	tu_diag_free(&td);
	assert_int_equal(state_open(f->dir, &st), 0);
	assert_int_equal(feedset_build(p, c, st, now, &fs), 0);
	state_close(st);
	return catalogue_new(c, p, fs, now);
}

static const struct feed *whole(struct catalogue *cat)
{
	const struct cat_entry *e = catalogue_find(cat, "calendar.ics");

	assert_non_null(e);
	assert_non_null(e->feed);
	return e->feed;
}

static char *flat(const struct cat_body *b)
{
	char *all = malloc(b->len + 1), *p = all;

	assert_non_null(all);
	for (size_t i = 0; i < b->n_iov; i++) {
		memcpy(p, b->iov[i].iov_base, b->iov[i].iov_len);
		p += b->iov[i].iov_len;
	}
	*p = '\0';
	return all;
}

static void test_hit(void **state)
{
	struct catalogue *cat = build(*state);
	struct view_cache *vc = view_cache_new(16, 64 << 20);
	struct query q = { 0 };
	struct view *a, *b;
	const struct cat_entry *e = catalogue_find(cat, "calendar.ics");
	char *plain_view, *plain_feed;
	size_t n, bytes;

	a = view_feed(vc, cat, whole(cat), &q, "calendar.ics?x");
	b = view_feed(vc, cat, whole(cat), &q, "calendar.ics?x");
	assert_ptr_equal(a, b);
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, a->bytes);
	/* Unfiltered, the view is the whole-programme feed, byte for byte. */
	plain_view = flat(&a->entry.plain);
	plain_feed = flat(&e->plain);
	assert_int_equal(a->entry.plain.len, e->plain.len);
	assert_memory_equal(plain_view, plain_feed, e->plain.len);
	assert_string_equal(a->entry.path, "calendar.ics?x");
	free(plain_view);
	free(plain_feed);
	b = view_feed(vc, cat, whole(cat), &q, "calendar.ics?y");
	assert_ptr_not_equal(a, b);
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 2);
	view_unref(b);
	view_unref(a);
	view_unref(a);
	view_cache_free(vc);
	catalogue_unref(cat);
}

/* Room for two views' bytes: the third evicts the least recently used. */
static void test_eviction_by_bytes(void **state)
{
	struct catalogue *cat = build(*state);
	struct view_cache *probe = view_cache_new(16, 64 << 20), *vc;
	struct query q = { 0 };
	struct view *v, *a, *b, *c, *again;
	size_t one, n, bytes;

	v = view_feed(probe, cat, whole(cat), &q, "calendar.ics?a");
	one = v->bytes;
	view_unref(v);
	view_cache_free(probe);

	vc = view_cache_new(16, 2 * one + one / 2);
	a = view_feed(vc, cat, whole(cat), &q, "calendar.ics?a");
	b = view_feed(vc, cat, whole(cat), &q, "calendar.ics?b");
	view_unref(view_feed(vc, cat, whole(cat), &q, "calendar.ics?a")); /* a used last */
	c = view_feed(vc, cat, whole(cat), &q, "calendar.ics?c");
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 2);
	assert_true(bytes <= 2 * one + one / 2);
	/* b went; a and c are hits. */
	again = view_feed(vc, cat, whole(cat), &q, "calendar.ics?a");
	assert_ptr_equal(again, a);
	view_unref(again);
	again = view_feed(vc, cat, whole(cat), &q, "calendar.ics?b");
	assert_ptr_not_equal(again, b);
	view_unref(again);
	view_unref(a);
	view_unref(b);
	view_unref(c);
	view_cache_free(vc);

	/* A view larger than the whole budget is served and not kept. */
	vc = view_cache_new(16, one / 2);
	v = view_feed(vc, cat, whole(cat), &q, "calendar.ics?a");
	assert_non_null(v);
	assert_true(v->entry.plain.len > 0);
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	view_unref(v);
	view_cache_free(vc);
	catalogue_unref(cat);
}

/* At most max_entries views, whatever their bytes. */
static void test_eviction_by_entries(void **state)
{
	struct catalogue *cat = build(*state);
	struct view_cache *vc = view_cache_new(3, 64 << 20);
	struct query q = { 0 };
	size_t n, bytes;

	for (int i = 0; i < 10; i++) {
		char *key = xasprintf("calendar.ics?%d", i);

		view_unref(view_feed(vc, cat, whole(cat), &q, key));
		free(key);
	}
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 3);
	view_cache_free(vc);
	catalogue_unref(cat);
}

/* The view's bodies point into the catalogue: it stays while the view does. */
static void test_view_holds_catalogue(void **state)
{
	struct catalogue *cat = build(*state);
	struct view_cache *vc = view_cache_new(16, 64 << 20);
	struct query q = { 0 };
	struct view *v = view_feed(vc, cat, whole(cat), &q, "calendar.ics?held");
	char *before = flat(&v->entry.plain), *after;

	assert_int_equal(cat->refs, 2);
	catalogue_unref(cat); /* the publisher's reference goes */
	view_cache_free(vc);  /* and the cache's reference on the view */
	assert_int_equal(v->cat->refs, 1);
	after = flat(&v->entry.plain); /* valgrind/ASan: still there */
	assert_string_equal(before, after);
	free(before);
	free(after);
	view_unref(v); /* frees the view, then the catalogue */
}

/* A newer catalogue empties the cache: views of the old one go. */
static void test_new_catalogue_empties(void **state)
{
	struct catalogue *old = build(*state), *cur;
	struct view_cache *vc = view_cache_new(16, 64 << 20);
	struct query q = { 0 };
	struct view *v, *w;
	size_t n, bytes;

	v = view_feed(vc, old, whole(old), &q, "calendar.ics?k");
	view_unref(view_feed(vc, old, whole(old), &q, "calendar.ics?other"));
	assert_int_equal(old->refs, 3); /* ours and one per view */
	cur = build(*state);
	assert_true(cur->generation != old->generation);
	w = view_feed(vc, cur, whole(cur), &q, "calendar.ics?k");
	assert_ptr_not_equal(v, w);
	assert_ptr_equal(w->cat, cur);
	view_cache_stats(vc, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, w->bytes);
	/* Only the view we hold still pins the old catalogue. */
	assert_int_equal(old->refs, 2);
	view_unref(v);
	assert_int_equal(old->refs, 1);
	catalogue_unref(old);
	view_unref(w);
	view_cache_free(vc);
	catalogue_unref(cur);
}

/* A selection: its sessions once each, in programme order, private. */
static void test_selection(void **state)
{
	struct catalogue *cat = build(*state);
	struct view_cache *vc = view_cache_new(16, 64 << 20);
	struct query q = { 0 };
	const struct programme *p = cat->prog;
	const char *ids[4];
	struct view *v;
	char *plain;

	assert_true(p->n_sessions >= 3);
	ids[0] = p->sessions[2].id;
	ids[1] = p->sessions[0].id;
	ids[2] = p->sessions[2].id;
	ids[3] = "no-such-session";
	v = view_selection(vc, cat, ids, 4, &q, "my/token.ics?");
	assert_non_null(v);
	assert_string_equal(v->entry.cache_control, "private, max-age=3600");
	assert_int_equal(v->entry.plain.n_iov, 4 + 2); /* head, name, VTIMEZONE, end; two sessions */
	plain = flat(&v->entry.plain);
	assert_non_null(strstr(plain, "My selection"));
	view_unref(v);
	free(plain);
	view_cache_free(vc);
	catalogue_unref(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_by_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_by_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_holds_catalogue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_catalogue_empties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
