#include "config.h"

#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "gzip.h"
#include "hash.h"
#include "http_headers.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "parallel.h"
#include "ref.h"
#include "schedule.h"
#include "state.h"
#include "strmap.h"

/* Chunks: [0] head, [1] VTIMEZONE, [2] footer (final), then pieces, then
 * one name per feed. */
enum { GZ_HEAD, GZ_VTZ, GZ_FOOT, GZ_FIXED };

static void deflate_range(void *ctx, size_t begin, size_t end)
{
	struct catalogue *cat = ctx;
	const struct feedset *fs = cat->fs;
	struct gz_deflater d;

	gz_deflater_init(&d, 6);
	for (size_t i = begin; i < end; i++) {
		const void *data;
		size_t len;
		int last = 0;

		if (i == GZ_HEAD) {
			data = fs->head;
			len = fs->head_len;
		} else if (i == GZ_VTZ) {
			data = fs->vtimezone;
			len = fs->vtimezone_len;
		} else if (i == GZ_FOOT) {
			data = RENDER_END_CALENDAR;
			len = sizeof(RENDER_END_CALENDAR) - 1;
			last = 1;
		} else if (i < GZ_FIXED + fs->n_pieces) {
			data = fs->pieces[i - GZ_FIXED].text;
			len = fs->pieces[i - GZ_FIXED].len;
		} else {
			const struct feed *f = &fs->feeds[i - GZ_FIXED - fs->n_pieces];

			data = f->name_text;
			len = f->name_len;
		}
		gz_deflate_run(&d, data, len, last, &cat->gz[i]);
	}
	gz_deflater_end(&d);
}

static void add_iov(struct cat_body *b, const void *data, size_t len)
{
	b->iov[b->n_iov].iov_base = (void *)data;
	b->iov[b->n_iov].iov_len = len;
	b->n_iov++;
	b->len += len;
}

static void add_gz(struct cat_body *b, const struct gz_chunk *c, struct gz_join *j)
{
	add_iov(b, c->data, c->len);
	gz_join_add(j, c);
}

static void set_modified(struct cat_entry *e, int64_t modified)
{
	e->modified = modified;
	http_date(modified, e->last_modified, sizeof(e->last_modified));
}

static void set_stamp(struct cat_entry *e, uint64_t hash, int64_t modified)
{
	e->hash = hash;
	snprintf(e->etag, sizeof(e->etag), "\"%016llx\"", (unsigned long long)hash);
	snprintf(e->etag_gz, sizeof(e->etag_gz), "\"%016llx-gz\"", (unsigned long long)hash);
	set_modified(e, modified);
}

struct feed_job {
	struct catalogue *cat;
	unsigned char *trailers; /* 8 bytes per feed */
};

/* e's plain body, type and validators: the ETag hashes the pieces'
 * CRCs and lengths, not their bytes, which the deflate pass read. */
static void assemble_plain(const struct catalogue *cat, const char *name_text, size_t name_len,
			   const uint32_t *items, size_t n_items, struct cat_entry *e)
{
	const struct feedset *fs = cat->fs;
	uint64_t hash = hash_bytes(HASH_SEED, name_text, name_len);
	int64_t modified = 0;

	e->content_type = "text/calendar; charset=utf-8";
	add_iov(&e->plain, fs->head, fs->head_len);
	add_iov(&e->plain, name_text, name_len);
	add_iov(&e->plain, fs->vtimezone, fs->vtimezone_len);
	for (size_t k = 0; k < n_items; k++) {
		uint32_t i = items[k];
		const struct piece *pc = &fs->pieces[i];

		add_iov(&e->plain, pc->text, pc->len);
		hash = hash_bytes(hash, &cat->gz[GZ_FIXED + i].crc, sizeof(uint32_t));
		hash = hash_bytes(hash, &pc->len, sizeof(pc->len));
		if (pc->modified > modified)
			modified = pc->modified;
	}
	add_iov(&e->plain, RENDER_END_CALENDAR, sizeof(RENDER_END_CALENDAR) - 1);
	hash = hash_bytes(hash, fs->head, fs->head_len);
	hash = hash_bytes(hash, fs->vtimezone, fs->vtimezone_len);
	set_stamp(e, hash, modified ? modified : cat->loaded_at);
}

/* e's gzip body joined from the runs of the same parts as its plain one
 * (see gzip.h). */
static void assemble_gzip(const struct catalogue *cat, const struct gz_chunk *name,
			  const uint32_t *items, size_t n_items, struct cat_entry *e,
			  unsigned char *trailer)
{
	struct gz_join j = { 0, 0 };

	add_iov(&e->gzip, GZ_HEADER, GZ_HEADER_LEN);
	add_gz(&e->gzip, &cat->gz[GZ_HEAD], &j);
	add_gz(&e->gzip, name, &j);
	add_gz(&e->gzip, &cat->gz[GZ_VTZ], &j);
	for (size_t k = 0; k < n_items; k++)
		add_gz(&e->gzip, &cat->gz[GZ_FIXED + items[k]], &j);
	add_gz(&e->gzip, &cat->gz[GZ_FOOT], &j);
	gz_trailer(trailer, j.crc, j.plain_len);
	add_iov(&e->gzip, trailer, GZ_TRAILER_LEN);
}

/* Feeds of CATALOGUE_CONTIGUOUS_MIN bytes or more (64 KB, catalogue.h)
 * are also kept in one contiguous copy per representation, plain and
 * gzip: the aggregate feeds (whole programme,
 * days, tracks, large rooms) are the ones most asked for, and a body in
 * one piece is sent from where it lies, while one of many segments is
 * copied into each response (see body_response in http.c): a 5,000
 * session feed in gzip served twice as many requests a second flat.
 * Smaller feeds stay lists of the shared pieces; the copies cost about
 * four times the programme's bytes (each session is in one day, one
 * track and one room), so memory stays linear.
 *
 * The gzip copy is compressed from the plain one, not joined from the
 * pieces' runs: pieces deflated alone keep two thirds of their bytes,
 * a feed deflated whole a tenth.  gz_compress_blocks deflates it in
 * blocks (GZ_BLOCK, gzip.h), so that the blocks of all feeds share the
 * cores and the whole programme's feed is not one long job.  At level 1
 * the 5,000-session feed was 40 % larger than gzip -6 and served 0.66x
 * nginx's requests a second (bench/run-http); at level 6 it is 2 %
 * larger and served 1.5x, for about 15 % more CPU per load than without
 * the copy. */

/* One feed's entry: the plain body, and the gzip body joined from the
 * pieces' runs unless the feed is large enough to be compressed whole
 * (compress_flat), which would replace it. */
static void feed_entry(struct catalogue *cat, size_t fi, unsigned char *trailer)
{
	const struct feedset *fs = cat->fs;
	const struct feed *f = &fs->feeds[fi];
	struct cat_entry *e = &cat->entries[fi];

	e->path = f->path;
	e->feed = f;
	assemble_plain(cat, f->name_text, f->name_len, f->items, f->n_items, e);
	if (e->plain.len < CATALOGUE_CONTIGUOUS_MIN)
		assemble_gzip(cat, &cat->gz[GZ_FIXED + fs->n_pieces + fi], f->items, f->n_items, e,
			      trailer);
}

static void feed_range(void *ctx, size_t begin, size_t end)
{
	struct feed_job *job = ctx;

	for (size_t i = begin; i < end; i++)
		feed_entry(job->cat, i, job->trailers + GZ_TRAILER_LEN * i);
}

void catalogue_document(struct cat_entry *e, const char *path, const char *type, const char *data,
			size_t len, struct gz_chunk *gz, int64_t modified)
{
	gz_whole(data, len, gz);
	e->path = path;
	e->content_type = type;
	e->plain.iov = xcalloc(1, sizeof(struct iovec));
	e->gzip.iov = xcalloc(1, sizeof(struct iovec));
	add_iov(&e->plain, data, len);
	add_iov(&e->gzip, gz->data, gz->len);
	set_stamp(e, hash_bytes(HASH_SEED, data, len), modified);
}

static void alloc_bodies(struct catalogue *cat)
{
	for (size_t i = 0; i < cat->fs->n_feeds; i++) {
		size_t n = cat->fs->feeds[i].n_items;
		struct cat_entry *e = &cat->entries[i];

		e->plain.iov = xreallocarray(NULL, n + 4, sizeof(struct iovec));
		e->gzip.iov = xreallocarray(NULL, n + 8, sizeof(struct iovec));
	}
}

static void flatten(struct cat_body *b, char **keep)
{
	char *all = xmalloc(b->len ? b->len : 1), *p = all;

	for (size_t i = 0; i < b->n_iov; i++) {
		memcpy(p, b->iov[i].iov_base, b->iov[i].iov_len);
		p += b->iov[i].iov_len;
	}
	*keep = all;
	b->iov[0].iov_base = all;
	b->iov[0].iov_len = b->len;
	b->n_iov = 1;
}

/* Pieces' runs joined keep two thirds of the bytes: a personal feed of
 * 3,000 sessions was 1.9 MB in gzip that way, 0.3 MB deflated whole. */
void catalogue_assemble(const struct catalogue *cat, const char *name_text, size_t name_len,
			const uint32_t *items, size_t n_items, struct cat_entry *e,
			struct cat_own *own)
{
	assemble_plain(cat, name_text, name_len, items, n_items, e);
	if (e->plain.len < CATALOGUE_CONTIGUOUS_MIN) {
		gz_run(name_text, name_len, &own->name_gz);
		assemble_gzip(cat, &own->name_gz, items, n_items, e, own->trailer);
		return;
	}
	flatten(&e->plain, &own->flat);
	gz_whole(own->flat, e->plain.len, &own->flat_gz);
	e->gzip.iov[0] = (struct iovec){ own->flat_gz.data, own->flat_gz.len };
	e->gzip.n_iov = 1;
	e->gzip.len = own->flat_gz.len;
}

void catalogue_own_free(struct cat_own *own)
{
	free(own->name_gz.data);
	free(own->flat);
	free(own->flat_gz.data);
}

static void flatten_range(void *ctx, size_t begin, size_t end)
{
	struct catalogue *cat = ctx;

	for (size_t i = begin; i < end; i++)
		if (cat->entries[i].plain.len >= CATALOGUE_CONTIGUOUS_MIN)
			flatten(&cat->entries[i].plain, &cat->entries[i].flat);
}

/* The gzip bodies of every feed kept flat, compressed whole (see
 * CATALOGUE_CONTIGUOUS_MIN): feed_entry left them empty. */
static void compress_flat(struct catalogue *cat, size_t n_feeds)
{
	size_t n = 0, k = 0;
	const char **in;
	size_t *len, *entry;
	struct gz_chunk *out;

	for (size_t i = 0; i < n_feeds; i++)
		n += cat->entries[i].flat != NULL;
	if (!n)
		return;
	in = xcalloc(n, sizeof(*in));
	len = xcalloc(n, sizeof(*len));
	entry = xcalloc(n, sizeof(*entry));
	out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < n_feeds; i++) {
		if (!cat->entries[i].flat)
			continue;
		in[k] = cat->entries[i].flat;
		len[k] = cat->entries[i].plain.len;
		entry[k++] = i;
	}
	gz_compress_blocks(in, len, n, out);
	for (k = 0; k < n; k++) {
		struct cat_entry *e = &cat->entries[entry[k]];

		e->flat_gz = (char *)out[k].data;
		e->gzip.iov[0] = (struct iovec){ out[k].data, out[k].len };
		e->gzip.n_iov = 1;
		e->gzip.len = out[k].len;
	}
	free(in);
	free(len);
	free(entry);
	free(out);
}

struct page_job {
	struct catalogue *cat;
	size_t first; /* the entry of the first page */
};

/* The pages are documents, compressed whole; the index is also "". */
static void page_range(void *ctx, size_t begin, size_t end)
{
	struct page_job *job = ctx;
	struct catalogue *cat = job->cat;

	for (size_t i = begin; i < end; i++) {
		const struct page *pg = &cat->pages.pages[i];
		size_t k = job->first + i;

		catalogue_document(&cat->entries[k], i == 0 ? "" : pg->path, pg->content_type,
				   pg->data, pg->len, &cat->page_gz[i], cat->loaded_at);
	}
}

static uint64_t generations;

struct catalogue *catalogue_new(struct conf *c, struct programme *p, struct feedset *fs,
				int64_t now)
{
	struct catalogue *cat = xcalloc(1, sizeof(*cat));
	size_t n_feeds = fs->n_feeds;
	struct page_job pjob;
	struct feed_job job;

	cat->conf = c;
	cat->prog = p;
	cat->fs = fs;
	ref_init(&cat->refs);
	pthread_mutex_init(&cat->docs_lock, NULL);
	pthread_mutex_init(&cat->live_lock, NULL);
	cat->loaded_at = now;
	cat->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	metrics_catalogues_alive(1);
	snprintf(cat->cache_control, sizeof(cat->cache_control), "public, max-age=%lld",
		 (long long)c->refresh);
	pages_build(fs, c, &cat->pages);
	search_index_build(p, &cat->search);
	cat->n_entries = n_feeds + cat->pages.n;
	cat->entries = xcalloc(cat->n_entries, sizeof(*cat->entries));
	cat->n_gz = GZ_FIXED + fs->n_pieces + n_feeds;
	cat->gz = xcalloc(cat->n_gz, sizeof(*cat->gz));
	cat->page_gz = xcalloc(cat->pages.n, sizeof(*cat->page_gz));
	/* The gzip trailers of all entries live in one block, 8 bytes each. */
	cat->trailers = xcalloc(cat->n_entries, GZ_TRAILER_LEN);
	parallel_for(cat->n_gz, 512, deflate_range, cat);
	alloc_bodies(cat);
	job = (struct feed_job){ cat, cat->trailers };
	parallel_for(n_feeds, 256, feed_range, &job);
	parallel_for(n_feeds, 256, flatten_range, cat);
	compress_flat(cat, n_feeds);
	pjob = (struct page_job){ cat, n_feeds };
	parallel_for(cat->pages.n, 64, page_range, &pjob);
	cat->paths = strmap_new(cat->n_entries + 1);
	strmap_put(cat->paths, "index.html", (uint32_t)n_feeds, NULL);
	for (size_t i = 0; i < cat->n_entries; i++) {
		strmap_put(cat->paths, cat->entries[i].path, (uint32_t)i, NULL);
		cat->total_plain += cat->entries[i].plain.len;
		cat->total_gzip += cat->entries[i].gzip.len;
	}
	return cat;
}

int catalogue_stamp(struct catalogue *cat, struct state *st, int64_t now)
{
	const char **paths = xcalloc(cat->n_entries + 1, sizeof(char *));
	uint64_t *hashes = xcalloc(cat->n_entries + 1, sizeof(uint64_t));
	int64_t *modified = xcalloc(cat->n_entries + 1, sizeof(int64_t));
	int rc;

	for (size_t i = 0; i < cat->n_entries; i++) {
		paths[i] = cat->entries[i].path;
		hashes[i] = cat->entries[i].hash;
		modified[i] = cat->entries[i].modified;
	}
	rc = state_stamp_paths(st, cat->prog->event.id, cat->n_entries, paths, hashes, now, modified);
	if (rc == 0)
		for (size_t i = 0; i < cat->n_entries; i++)
			set_modified(&cat->entries[i], modified[i]);
	free(paths);
	free(hashes);
	free(modified);
	return rc;
}

static const char *const doc_paths[2] = { "schedule.json", "schedule.xml" };
static const char *const doc_types[2] = { "application/json; charset=utf-8",
					  "application/xml; charset=utf-8" };

/* Called with docs_lock held. */
static void build_document(struct catalogue *cat, int which)
{
	struct buf b = { 0 };
	int rc = which == 0 ? schedule_json(cat->prog, cat->conf, &b)
			    : schedule_xml(cat->prog, cat->conf, &b);
	size_t len;

	if (rc < 0) {
		buf_free(&b);
		cat->doc_state[which] = -1;
		log_err("cannot build %s", doc_paths[which]);
		return;
	}
	cat->doc_data[which] = buf_steal(&b, &len);
	/* The whole programme's last change is the document's. */
	catalogue_document(&cat->docs[which], doc_paths[which], doc_types[which],
			   cat->doc_data[which], len, &cat->doc_gz[which], cat->entries[0].modified);
	cat->doc_state[which] = 1;
}

const struct cat_entry *catalogue_find(struct catalogue *cat, const char *path)
{
	const struct cat_entry *e = NULL;
	uint32_t i;

	if (strmap_get(cat->paths, path, &i) == 0)
		return &cat->entries[i];
	for (int which = 0; which < 2; which++) {
		if (strcmp(path, doc_paths[which]) != 0)
			continue;
		pthread_mutex_lock(&cat->docs_lock);
		if (cat->doc_state[which] == 0)
			build_document(cat, which);
		if (cat->doc_state[which] == 1)
			e = &cat->docs[which];
		pthread_mutex_unlock(&cat->docs_lock);
	}
	return e;
}

void catalogue_live_unref(struct cat_live *l)
{
	if (!l || !ref_put(&l->refs))
		return;
	free(l->e.plain.iov);
	free(l->e.gzip.iov);
	free(l->data);
	free(l->gz.data);
	free(l);
}

static const char *const live_paths[2] = { "now.html", "now.json" };
static const char *const live_types[2] = { "text/html; charset=utf-8", "application/json" };

static struct cat_live *build_live(struct catalogue *cat, int which, int64_t minute)
{
	struct cat_live *l = xcalloc(1, sizeof(*l));
	size_t len;

	ref_init(&l->refs);
	l->minute = minute;
	l->data = which == CAT_NOW_HTML ? page_now_html(cat->fs, cat->conf, minute * 60, &len)
					: page_now_json(cat->fs, cat->conf, minute * 60, &len);
	catalogue_document(&l->e, live_paths[which], live_types[which], l->data, len, &l->gz,
			   clock_real());
	/* It changes every minute: caches may keep it no longer. */
	l->e.cache_control = "max-age=30";
	return l;
}

struct cat_live *catalogue_live_ref(struct cat_live *l)
{
	ref_get(&l->refs);
	return l;
}

struct cat_live *catalogue_live(struct catalogue *cat, int which, int64_t now_ms)
{
	int64_t minute = now_ms >= 0 ? now_ms / 60000 : (now_ms - 59999) / 60000;
	struct cat_live *l, *old = NULL;

	/* Built under the lock: a millisecond, once a minute. */
	pthread_mutex_lock(&cat->live_lock);
	l = cat->live[which];
	if (!l || l->minute != minute) {
		old = l;
		l = cat->live[which] = build_live(cat, which, minute);
	}
	ref_get(&l->refs);
	pthread_mutex_unlock(&cat->live_lock);
	catalogue_live_unref(old);
	return l;
}

struct catalogue *catalogue_ref(struct catalogue *cat)
{
	ref_get(&cat->refs);
	return cat;
}

void catalogue_unref(struct catalogue *cat)
{
	if (!cat || !ref_put(&cat->refs))
		return;
	for (size_t i = 0; i < cat->n_entries; i++) {
		free(cat->entries[i].plain.iov);
		free(cat->entries[i].gzip.iov);
		free(cat->entries[i].flat);
		free(cat->entries[i].flat_gz);
	}
	for (size_t i = 0; i < cat->n_gz; i++)
		free(cat->gz[i].data);
	for (int which = 0; which < 2; which++) {
		free(cat->docs[which].plain.iov);
		free(cat->docs[which].gzip.iov);
		free(cat->doc_data[which]);
		free(cat->doc_gz[which].data);
	}
	pthread_mutex_destroy(&cat->docs_lock);
	pthread_mutex_destroy(&cat->live_lock);
	catalogue_live_unref(cat->live[0]);
	catalogue_live_unref(cat->live[1]);
	free(cat->gz);
	free(cat->entries);
	free(cat->trailers);
	for (size_t i = 0; i < cat->pages.n; i++)
		free(cat->page_gz[i].data);
	free(cat->page_gz);
	pages_free(&cat->pages);
	search_index_free(&cat->search);
	strmap_free(cat->paths);
	feedset_free(cat->fs);
	prog_free(cat->prog);
	conf_free(cat->conf);
	free(cat);
	metrics_catalogues_alive(-1);
}
