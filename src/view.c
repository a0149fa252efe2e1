#include "config.h"

#include "view.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "memory.h"
#include "metrics.h"
#include "ref.h"
#include "render.h"

struct view_cache {
	pthread_mutex_t lock;
	struct view **slots;
	size_t n, max_entries, bytes, max_bytes;
	uint64_t generation, clock;
};

struct view_cache *view_cache_new(size_t max_entries, size_t max_bytes)
{
	struct view_cache *vc = xcalloc(1, sizeof(*vc));

	vc->slots = xcalloc(max_entries + 1, sizeof(*vc->slots));
	pthread_mutex_init(&vc->lock, NULL);
	vc->max_entries = max_entries;
	vc->max_bytes = max_bytes;
	return vc;
}

struct view *view_ref(struct view *v)
{
	ref_get(&v->refs);
	return v;
}

void view_unref(struct view *v)
{
	if (!v || !ref_put(&v->refs))
		return;
	free(v->entry.plain.iov);
	free(v->entry.gzip.iov);
	free(v->name_text);
	catalogue_own_free(&v->own);
	free(v->doc);
	free(v->doc_gz.data);
	free(v->key);
	catalogue_unref(v->cat);
	free(v);
}

static void drop(struct view_cache *vc, size_t i)
{
	vc->bytes -= vc->slots[i]->bytes;
	view_unref(vc->slots[i]);
	vc->slots[i] = vc->slots[--vc->n];
}

/* Views of an older catalogue are never asked for again, and each pins
 * its whole catalogue: they all go as soon as a new one is seen. */
static void forget_old(struct view_cache *vc, uint64_t generation)
{
	if (vc->generation == generation)
		return;
	while (vc->n)
		drop(vc, vc->n - 1);
	vc->generation = generation;
	metrics_views(0, 0);
}

static struct view *lookup(struct view_cache *vc, const struct catalogue *cat, const char *key)
{
	struct view *found = NULL;

	pthread_mutex_lock(&vc->lock);
	forget_old(vc, cat->generation);
	for (size_t i = 0; i < vc->n && !found; i++) {
		if (strcmp(vc->slots[i]->key, key) == 0) {
			found = view_ref(vc->slots[i]);
			found->used = ++vc->clock;
		}
	}
	pthread_mutex_unlock(&vc->lock);
	return found;
}

static void evict_lru(struct view_cache *vc)
{
	size_t oldest = 0;

	for (size_t i = 1; i < vc->n; i++)
		if (vc->slots[i]->used < vc->slots[oldest]->used)
			oldest = i;
	drop(vc, oldest);
}

/* Keeps v unless it alone is over the budget (it is still served). */
static void insert(struct view_cache *vc, struct view *v)
{
	pthread_mutex_lock(&vc->lock);
	forget_old(vc, v->generation);
	for (size_t i = 0; i < vc->n; i++) {
		if (strcmp(vc->slots[i]->key, v->key) == 0) {
			drop(vc, i); /* another thread built it meanwhile */
			break;
		}
	}
	if (v->bytes <= vc->max_bytes) {
		while (vc->n && (vc->n >= vc->max_entries || vc->bytes + v->bytes > vc->max_bytes))
			evict_lru(vc);
		v->used = ++vc->clock;
		vc->slots[vc->n++] = view_ref(v);
		vc->bytes += v->bytes;
	}
	metrics_views(vc->n, vc->bytes);
	pthread_mutex_unlock(&vc->lock);
}

void view_cache_stats(struct view_cache *vc, size_t *entries, size_t *bytes)
{
	pthread_mutex_lock(&vc->lock);
	*entries = vc->n;
	*bytes = vc->bytes;
	pthread_mutex_unlock(&vc->lock);
}

void view_cache_free(struct view_cache *vc)
{
	if (!vc)
		return;
	while (vc->n)
		drop(vc, vc->n - 1);
	pthread_mutex_destroy(&vc->lock);
	free(vc->slots);
	free(vc);
}

/* A piece with the subscriber's alarms in place of the configured ones. */
static void add_piece(struct buf *b, const struct feedset *fs, uint32_t i,
		      const struct alarm_heads *alarms)
{
	const struct piece *pc = &fs->pieces[i];
	const struct feed_member *m = &fs->members[i];

	buf_add(b, pc->text, pc->alarm_off);
	if (m->alarmable)
		render_alarms(b, m->title, alarms);
	buf_add(b, pc->text + pc->alarm_off + pc->alarm_len,
		pc->len - pc->alarm_off - pc->alarm_len);
}

/* Other alarms change every piece: the view is one document of its own. */
static void own_document(struct view *v, const uint32_t *items, size_t n, const struct query *q)
{
	const struct feedset *fs = v->cat->fs;
	struct alarm_heads alarms;
	struct buf b = { 0 };
	int64_t modified = 0;
	size_t len;

	alarm_heads_make(&alarms, q->alarms, q->n_alarms);
	buf_add(&b, fs->head, fs->head_len);
	buf_add(&b, v->name_text, v->name_len);
	buf_add(&b, fs->vtimezone, fs->vtimezone_len);
	for (size_t k = 0; k < n; k++) {
		add_piece(&b, fs, items[k], &alarms);
		if (fs->pieces[items[k]].modified > modified)
			modified = fs->pieces[items[k]].modified;
	}
	alarm_heads_free(&alarms);
	buf_adds(&b, RENDER_END_CALENDAR);
	v->doc = buf_steal(&b, &len);
	catalogue_document(&v->entry, v->key, "text/calendar; charset=utf-8", v->doc, len,
			   &v->doc_gz, modified ? modified : v->cat->loaded_at);
	v->bytes += len + v->doc_gz.len;
}

static struct view *make(struct catalogue *cat, const char *key, const char *name,
			 const uint32_t *items, size_t n, const struct query *q)
{
	struct view *v = xcalloc(1, sizeof(*v));

	v->key = xstrdup(key);
	ref_init(&v->refs);
	v->cat = catalogue_ref(cat);
	v->generation = cat->generation;
	v->name_text = render_calendar_name(name, &v->name_len);
	v->bytes = sizeof(*v) + strlen(key) + 2 * v->name_len;
	if (q->has_alarm) {
		own_document(v, items, n, q);
	} else {
		v->entry.plain.iov = xreallocarray(NULL, n + 4, sizeof(struct iovec));
		v->entry.gzip.iov = xreallocarray(NULL, n + 8, sizeof(struct iovec));
		catalogue_assemble(cat, v->name_text, v->name_len, items, n, &v->entry, &v->own);
		v->bytes += (2 * n + 12) * sizeof(struct iovec);
		if (v->own.flat)
			v->bytes += v->entry.plain.len + v->own.flat_gz.len;
	}
	v->entry.path = v->key;
	return v;
}

static struct view *finish(struct view_cache *vc, struct view *v)
{
	insert(vc, v);
	return v;
}

static char *feed_name(const struct catalogue *cat, const struct feed *base, const struct query *q)
{
	const struct prog_event *e = &cat->prog->event;
	char *label, *name;
	struct buf b = { 0 };

	if (!query_has_filters(q))
		return xstrdup(base->name);
	label = query_label(q, cat->fs);
	buf_printf(&b, "%s — %s", e->short_title ? e->short_title : e->title, label);
	free(label);
	name = buf_steal(&b, NULL);
	return name;
}

struct view *view_feed(struct view_cache *vc, struct catalogue *cat, const struct feed *base,
		       const struct query *q, const char *key)
{
	const struct feedset *fs = cat->fs;
	struct view *v = lookup(vc, cat, key);
	uint32_t *items;
	char *name;
	size_t n = 0;

	if (v)
		return v;
	items = xreallocarray(NULL, base->n_items + 1, sizeof(uint32_t));
	name = feed_name(cat, base, q);
	for (size_t k = 0; k < base->n_items; k++)
		if (query_matches(q, &fs->members[base->items[k]]))
			items[n++] = base->items[k];
	v = make(cat, key, name, items, n, q);
	free(items);
	free(name);
	return finish(vc, v);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The piece of a session id: the session's, or its tombstone's. */
static int piece_of(const struct feedset *fs, const char *id, uint32_t *out)
{
	const struct programme *p = fs->prog;

	if (strmap_get(p->session_ids, id, out) == 0)
		return 0;
	for (size_t t = 0; t < fs->n_tombs; t++) {
		if (strcmp(fs->history.tombs[t].id, id) == 0) {
			*out = (uint32_t)(p->n_sessions + t);
			return 0;
		}
	}
	return -1;
}

struct view *view_selection(struct view_cache *vc, struct catalogue *cat, const char *const *ids,
			    size_t n_ids, const struct query *q, const char *key)
{
	const struct prog_event *e = &cat->prog->event;
	struct view *v = lookup(vc, cat, key);
	uint32_t *items;
	size_t n = 0, kept = 0;
	struct buf name = { 0 };

	if (v)
		return v;
	items = xreallocarray(NULL, n_ids + 1, sizeof(uint32_t));
	for (size_t i = 0; i < n_ids; i++)
		if (piece_of(cat->fs, ids[i], &items[n]) == 0)
			n++;
	/* Programme order, as in every other feed. */
	qsort(items, n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || items[i] != items[kept - 1])
			items[kept++] = items[i];
	n = kept;
	buf_printf(&name, "%s — My selection", e->short_title ? e->short_title : e->title);
	v = make(cat, key, name.data, items, n, q);
	buf_free(&name);
	free(items);
	snprintf(v->cache_control, sizeof(v->cache_control), "private, max-age=%lld",
		 (long long)cat->conf->refresh);
	v->entry.cache_control = v->cache_control;
	return finish(vc, v);
}
