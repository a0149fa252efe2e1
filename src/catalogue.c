#include "config.h"

#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "parallel.h"
#include "schedule.h"
#include "state.h"
#include "strmap.h"

/* gzip from pieces: every piece is deflated once, on its own, ending in a
 * sync flush (byte aligned, not final).  Such runs concatenate into one
 * valid deflate stream, so a feed's gzip body is a header, its pieces'
 * runs, a final block and a trailer whose CRC is combined from the
 * pieces' CRCs (zlib's crc32_combine): compression cost is linear in the
 * programme, not in the sum of all feeds. */
static const unsigned char gzip_magic[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

/* A gzip member's last 8 bytes (RFC 1952 2.3.1): CRC-32 and the plain
 * length modulo 2^32, both little-endian. */
static void gz_trailer(unsigned char out[8], uint32_t crc, uint64_t plain_len)
{
	for (int k = 0; k < 4; k++) {
		out[k] = (unsigned char)(crc >> (8 * k));
		out[4 + k] = (unsigned char)((uint32_t)plain_len >> (8 * k));
	}
}

static void deflate_chunk(z_stream *z, const void *data, size_t len, int flush,
			  struct gz_chunk *out)
{
	size_t cap = deflateBound(z, len) + 16;
	int rc;

	out->data = malloc(cap);
	if (!out->data)
		abort();
	deflateReset(z);
	z->next_in = (unsigned char *)data;
	z->avail_in = (uInt)len;
	z->next_out = out->data;
	z->avail_out = (uInt)cap;
	rc = deflate(z, flush);
	if (rc != Z_OK && rc != Z_STREAM_END)
		abort();
	out->len = cap - z->avail_out;
	out->crc = (uint32_t)crc32(0, data, (uInt)len);
	out->plain_len = len;
}

static void z_open_level(z_stream *z, int level)
{
	memset(z, 0, sizeof(*z));
	/* Raw deflate (-15): the gzip framing is written by hand around it. */
	if (deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
}

static void z_open(z_stream *z)
{
	z_open_level(z, 6);
}

/* Chunks: [0] head, [1] VTIMEZONE, [2] footer (final), then pieces, then
 * one name per feed. */
enum { GZ_HEAD, GZ_VTZ, GZ_FOOT, GZ_FIXED };

static void deflate_range(void *ctx, size_t begin, size_t end)
{
	struct catalogue *cat = ctx;
	const struct feedset *fs = cat->fs;
	z_stream z;

	z_open(&z);
	for (size_t i = begin; i < end; i++) {
		const void *data;
		size_t len;
		int flush = Z_SYNC_FLUSH;

		if (i == GZ_HEAD) {
			data = fs->head;
			len = fs->head_len;
		} else if (i == GZ_VTZ) {
			data = fs->vtimezone;
			len = fs->vtimezone_len;
		} else if (i == GZ_FOOT) {
			data = RENDER_END_CALENDAR;
			len = sizeof(RENDER_END_CALENDAR) - 1;
			flush = Z_FINISH;
		} else if (i < GZ_FIXED + fs->n_pieces) {
			data = fs->pieces[i - GZ_FIXED].text;
			len = fs->pieces[i - GZ_FIXED].len;
		} else {
			const struct feed *f = &fs->feeds[i - GZ_FIXED - fs->n_pieces];

			data = f->name_text;
			len = f->name_len;
		}
		deflate_chunk(&z, data, len, flush, &cat->gz[i]);
	}
	deflateEnd(&z);
}

void http_date(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void add_iov(struct cat_body *b, const void *data, size_t len)
{
	b->iov[b->n_iov].iov_base = (void *)data;
	b->iov[b->n_iov].iov_len = len;
	b->n_iov++;
	b->len += len;
}

static void add_gz(struct cat_body *b, const struct gz_chunk *c, uint32_t *crc, size_t *plain)
{
	add_iov(b, c->data, c->len);
	*crc = (uint32_t)crc32_combine(*crc, c->crc, (z_off_t)c->plain_len);
	*plain += c->plain_len;
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

void catalogue_assemble(const struct catalogue *cat, const char *name_text, size_t name_len,
			const struct gz_chunk *name, const uint32_t *items, size_t n_items,
			struct cat_entry *e, unsigned char *trailer)
{
	const struct feedset *fs = cat->fs;
	uint64_t hash = hash_bytes(HASH_SEED, name_text, name_len);
	int64_t modified = 0;
	uint32_t crc = 0;
	size_t plain = 0;

	e->content_type = "text/calendar; charset=utf-8";
	add_iov(&e->plain, fs->head, fs->head_len);
	add_iov(&e->plain, name_text, name_len);
	add_iov(&e->plain, fs->vtimezone, fs->vtimezone_len);
	add_iov(&e->gzip, gzip_magic, sizeof(gzip_magic));
	add_gz(&e->gzip, &cat->gz[GZ_HEAD], &crc, &plain);
	add_gz(&e->gzip, name, &crc, &plain);
	add_gz(&e->gzip, &cat->gz[GZ_VTZ], &crc, &plain);
	for (size_t k = 0; k < n_items; k++) {
		uint32_t i = items[k];
		const struct piece *pc = &fs->pieces[i];

		add_iov(&e->plain, pc->text, pc->len);
		add_gz(&e->gzip, &cat->gz[GZ_FIXED + i], &crc, &plain);
		hash = hash_bytes(hash, &cat->gz[GZ_FIXED + i].crc, sizeof(uint32_t));
		hash = hash_bytes(hash, &pc->len, sizeof(pc->len));
		if (pc->modified > modified)
			modified = pc->modified;
	}
	add_iov(&e->plain, RENDER_END_CALENDAR, sizeof(RENDER_END_CALENDAR) - 1);
	add_gz(&e->gzip, &cat->gz[GZ_FOOT], &crc, &plain);
	gz_trailer(trailer, crc, plain);
	add_iov(&e->gzip, trailer, 8);
	hash = hash_bytes(hash, fs->head, fs->head_len);
	hash = hash_bytes(hash, fs->vtimezone, fs->vtimezone_len);
	set_stamp(e, hash, modified ? modified : cat->loaded_at);
}

/* One feed's entry: plain and gzip bodies, ETag from what it holds. */
static void feed_entry(struct catalogue *cat, size_t fi, unsigned char *trailer)
{
	const struct feedset *fs = cat->fs;
	const struct feed *f = &fs->feeds[fi];
	struct cat_entry *e = &cat->entries[fi];

	e->path = f->path;
	e->feed = f;
	catalogue_assemble(cat, f->name_text, f->name_len, &cat->gz[GZ_FIXED + fs->n_pieces + fi],
			   f->items, f->n_items, e, trailer);
}

static void feed_range(void *ctx, size_t begin, size_t end)
{
	struct feed_job *job = ctx;

	for (size_t i = begin; i < end; i++)
		feed_entry(job->cat, i, job->trailers + 8 * i);
}

/* A whole gzip member in one block (header, deflate stream, trailer), so
 * that a document is served in one piece like its plain bytes. */
static void gzip_whole(const void *data, size_t len, struct gz_chunk *out)
{
	z_stream z;
	struct gz_chunk run;
	unsigned char *p;

	z_open(&z);
	deflate_chunk(&z, data, len, Z_FINISH, &run);
	deflateEnd(&z);
	p = malloc(sizeof(gzip_magic) + run.len + 8);
	if (!p)
		abort();
	memcpy(p, gzip_magic, sizeof(gzip_magic));
	memcpy(p + sizeof(gzip_magic), run.data, run.len);
	gz_trailer(p + sizeof(gzip_magic) + run.len, run.crc, len);
	free(run.data);
	*out = (struct gz_chunk){ p, sizeof(gzip_magic) + run.len + 8, run.crc, len };
}

void catalogue_document(struct cat_entry *e, const char *path, const char *type, const char *data,
			size_t len, struct gz_chunk *gz, int64_t modified)
{
	gzip_whole(data, len, gz);
	e->path = path;
	e->content_type = type;
	e->plain.iov = calloc(1, sizeof(struct iovec));
	e->gzip.iov = calloc(1, sizeof(struct iovec));
	if (!e->plain.iov || !e->gzip.iov)
		abort();
	add_iov(&e->plain, data, len);
	add_iov(&e->gzip, gz->data, gz->len);
	set_stamp(e, hash_bytes(HASH_SEED, data, len), modified);
}

void catalogue_name_chunk(const char *text, size_t len, struct gz_chunk *out)
{
	z_stream z;

	z_open(&z);
	deflate_chunk(&z, text, len, Z_SYNC_FLUSH, out);
	deflateEnd(&z);
}

static void alloc_bodies(struct catalogue *cat)
{
	for (size_t i = 0; i < cat->fs->n_feeds; i++) {
		size_t n = cat->fs->feeds[i].n_items;
		struct cat_entry *e = &cat->entries[i];

		e->plain.iov = malloc((n + 4) * sizeof(struct iovec));
		e->gzip.iov = malloc((n + 8) * sizeof(struct iovec));
		if (!e->plain.iov || !e->gzip.iov)
			abort();
	}
}

/* Feeds this large are also kept in one contiguous copy per
 * representation, plain and gzip: the aggregate feeds (whole programme,
 * days, tracks, large rooms) are the ones most asked for, and a body in
 * one piece is sent from where it lies, while one of many segments is
 * copied into each response (see body_response in http.c): a 5,000
 * session feed in gzip served twice as many requests a second flat.
 * Smaller feeds stay lists of the shared pieces; the copies cost about
 * four times the programme's bytes (each session is in one day, one
 * track and one room), so memory stays linear. */
#define CONTIGUOUS_MIN (64 * 1024)
/* The gzip copy is compressed from the plain one, not joined from the
 * pieces' runs: pieces deflated alone keep two thirds of their bytes,
 * a feed deflated whole a tenth.  It is deflated in blocks of this many
 * plain bytes, each on its own (so that the blocks of all feeds share
 * the cores, and the whole programme's feed is not one long job), and
 * joined like the pieces' runs.  At level 1 the 5,000-session feed was
 * 40 % larger than gzip -6 and served 0.66x nginx's requests a second
 * (bench/run-http); at level 6 it is 2 % larger and served 1.5x, for
 * about 15 % more CPU per load than without the copy. */
#define GZ_BLOCK (1024 * 1024)
#define GZ_BLOCK_LEVEL 6

static void flatten(struct cat_body *b, char **keep)
{
	char *all = malloc(b->len ? b->len : 1), *p = all;

	if (!all)
		return; /* the segments still serve */
	for (size_t i = 0; i < b->n_iov; i++) {
		memcpy(p, b->iov[i].iov_base, b->iov[i].iov_len);
		p += b->iov[i].iov_len;
	}
	*keep = all;
	b->iov[0].iov_base = all;
	b->iov[0].iov_len = b->len;
	b->n_iov = 1;
}

static void flatten_range(void *ctx, size_t begin, size_t end)
{
	struct catalogue *cat = ctx;

	for (size_t i = begin; i < end; i++)
		if (cat->entries[i].plain.len >= CONTIGUOUS_MIN)
			flatten(&cat->entries[i].plain, &cat->entries[i].flat);
}

/* One block of a large feed's plain copy, and its deflated run. */
struct gz_block {
	size_t entry, off, len;
	struct gz_chunk out;
};

static void block_range(void *ctx, size_t begin, size_t end)
{
	struct gz_block *blocks = ((void **)ctx)[0];
	struct catalogue *cat = ((void **)ctx)[1];
	z_stream z;
	size_t cap;
	unsigned char *scratch;

	z_open_level(&z, GZ_BLOCK_LEVEL);
	cap = deflateBound(&z, GZ_BLOCK) + 16;
	if (!(scratch = malloc(cap)))
		abort();
	for (size_t i = begin; i < end; i++) {
		struct gz_block *b = &blocks[i];
		const struct cat_entry *e = &cat->entries[b->entry];
		const unsigned char *in = (const unsigned char *)e->flat + b->off;
		int last = b->off + b->len == e->plain.len;

		deflateReset(&z);
		z.next_in = (unsigned char *)in;
		z.avail_in = (uInt)b->len;
		z.next_out = scratch;
		z.avail_out = (uInt)cap;
		if (deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH) == Z_STREAM_ERROR)
			abort();
		b->out.len = cap - z.avail_out;
		/* Exactly sized: all the blocks are held until they are joined. */
		if (!(b->out.data = malloc(b->out.len)))
			abort();
		memcpy(b->out.data, scratch, b->out.len);
		b->out.crc = (uint32_t)crc32(0, in, (uInt)b->len);
		b->out.plain_len = b->len;
	}
	free(scratch);
	deflateEnd(&z);
}

/* e's gzip body in one piece: header, its blocks' runs, trailer. */
static void join_blocks(struct cat_entry *e, struct gz_block *b, size_t n)
{
	size_t len = sizeof(gzip_magic) + 8, at = sizeof(gzip_magic);
	uint32_t crc = 0;
	unsigned char *p;

	for (size_t k = 0; k < n; k++)
		len += b[k].out.len;
	if (!(p = malloc(len)))
		abort();
	memcpy(p, gzip_magic, sizeof(gzip_magic));
	for (size_t k = 0; k < n; k++) {
		memcpy(p + at, b[k].out.data, b[k].out.len);
		at += b[k].out.len;
		crc = (uint32_t)crc32_combine(crc, b[k].out.crc, (z_off_t)b[k].out.plain_len);
		free(b[k].out.data);
	}
	gz_trailer(p + at, crc, e->plain.len);
	e->flat_gz = (char *)p;
	e->gzip.iov[0] = (struct iovec){ p, len };
	e->gzip.n_iov = 1;
	e->gzip.len = len;
}

/* The gzip copies of every feed kept flat (see GZ_BLOCK). */
static void compress_flat(struct catalogue *cat, size_t n_feeds)
{
	size_t n = 0, k = 0;
	struct gz_block *blocks;
	void *ctx[2];

	for (size_t i = 0; i < n_feeds; i++)
		if (cat->entries[i].flat)
			n += (cat->entries[i].plain.len + GZ_BLOCK - 1) / GZ_BLOCK;
	if (!n || !(blocks = calloc(n, sizeof(*blocks))))
		return; /* none, or the pieces' runs still serve */
	for (size_t i = 0; i < n_feeds; i++)
		for (size_t off = 0; cat->entries[i].flat && off < cat->entries[i].plain.len;
		     off += GZ_BLOCK) {
			size_t left = cat->entries[i].plain.len - off;

			blocks[k++] = (struct gz_block){ i, off, left < GZ_BLOCK ? left : GZ_BLOCK,
							 { 0 } };
		}
	ctx[0] = blocks;
	ctx[1] = cat;
	parallel_for(n, 1, block_range, ctx);
	for (k = 0; k < n;) {
		size_t first = k;

		while (k < n && blocks[k].entry == blocks[first].entry)
			k++;
		join_blocks(&cat->entries[blocks[first].entry], &blocks[first], k - first);
	}
	free(blocks);
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
	struct catalogue *cat = calloc(1, sizeof(*cat));
	size_t n_feeds = fs->n_feeds;
	struct page_job pjob;
	struct feed_job job;
	unsigned char *trailers;

	if (!cat)
		abort();
	cat->conf = c;
	cat->prog = p;
	cat->fs = fs;
	cat->refs = 1;
	pthread_mutex_init(&cat->docs_lock, NULL);
	pthread_mutex_init(&cat->live_lock, NULL);
	cat->loaded_at = now;
	cat->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	metrics_catalogues_alive(1);
	snprintf(cat->cache_control, sizeof(cat->cache_control), "public, max-age=%lld",
		 (long long)c->refresh);
	pages_build(fs, c, &cat->pages);
	cat->n_entries = n_feeds + cat->pages.n;
	cat->entries = calloc(cat->n_entries, sizeof(*cat->entries));
	cat->n_gz = GZ_FIXED + fs->n_pieces + n_feeds;
	cat->gz = calloc(cat->n_gz, sizeof(*cat->gz));
	cat->page_gz = calloc(cat->pages.n, sizeof(*cat->page_gz));
	trailers = calloc(cat->n_entries, 8);
	if (!cat->entries || !cat->gz || !cat->page_gz || !trailers)
		abort();
	/* The gzip trailers of all entries live in one block, 8 bytes each. */
	cat->trailers = trailers;
	parallel_for(cat->n_gz, 512, deflate_range, cat);
	alloc_bodies(cat);
	job = (struct feed_job){ cat, trailers };
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
	const char **paths = calloc(cat->n_entries + 1, sizeof(char *));
	uint64_t *hashes = calloc(cat->n_entries + 1, sizeof(uint64_t));
	int64_t *modified = calloc(cat->n_entries + 1, sizeof(int64_t));
	int rc;

	if (!paths || !hashes || !modified)
		abort();
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
	if (!l || __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) != 0)
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
	struct cat_live *l = calloc(1, sizeof(*l));
	size_t len;

	if (!l)
		abort();
	l->refs = 1;
	l->minute = minute;
	l->data = which == CAT_NOW_HTML ? page_now_html(cat->fs, cat->conf, minute * 60, &len)
					: page_now_json(cat->fs, cat->conf, minute * 60, &len);
	catalogue_document(&l->e, live_paths[which], live_types[which], l->data, len, &l->gz,
			   clock_real());
	/* It changes every minute: caches may keep it no longer. */
	l->e.cache_control = "max-age=30";
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
	__atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&cat->live_lock);
	catalogue_live_unref(old);
	return l;
}

struct catalogue *catalogue_ref(struct catalogue *cat)
{
	__atomic_add_fetch(&cat->refs, 1, __ATOMIC_RELAXED);
	return cat;
}

void catalogue_unref(struct catalogue *cat)
{
	if (!cat || __atomic_sub_fetch(&cat->refs, 1, __ATOMIC_ACQ_REL) != 0)
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
	strmap_free(cat->paths);
	feedset_free(cat->fs);
	prog_free(cat->prog);
	conf_free(cat->conf);
	free(cat);
	metrics_catalogues_alive(-1);
}
