#include "config.h"

#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "buf.h"
#include "html.h"
#include "log.h"
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

static void z_open(z_stream *z)
{
	memset(z, 0, sizeof(*z));
	/* Raw deflate (-15): the gzip framing is written by hand around it. */
	if (deflateInit2(z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
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
	for (int k = 0; k < 4; k++) {
		trailer[k] = (unsigned char)(crc >> (8 * k));
		trailer[4 + k] = (unsigned char)(plain >> (8 * k));
	}
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

void catalogue_document(struct cat_entry *e, const char *path, const char *type, const char *data,
			size_t len, struct gz_chunk *gz, unsigned char *trailer, int64_t modified)
{
	z_stream z;

	z_open(&z);
	deflate_chunk(&z, data, len, Z_FINISH, gz);
	deflateEnd(&z);
	e->path = path;
	e->content_type = type;
	e->plain.iov = calloc(1, sizeof(struct iovec));
	e->gzip.iov = calloc(3, sizeof(struct iovec));
	if (!e->plain.iov || !e->gzip.iov)
		abort();
	add_iov(&e->plain, data, len);
	add_iov(&e->gzip, gzip_magic, sizeof(gzip_magic));
	add_iov(&e->gzip, gz->data, gz->len);
	for (int k = 0; k < 4; k++) {
		trailer[k] = (unsigned char)(gz->crc >> (8 * k));
		trailer[4 + k] = (unsigned char)(len >> (8 * k));
	}
	add_iov(&e->gzip, trailer, 8);
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

/* Feeds this large are also kept as one contiguous copy: one iovec per
 * response instead of hundreds saves more per request than it costs in
 * memory (the aggregate feeds: whole programme, days, tracks). */
#define CONTIGUOUS_MIN (64 * 1024)

static void flatten(struct cat_entry *e)
{
	char *all = malloc(e->plain.len ? e->plain.len : 1), *p = all;

	if (!all)
		return; /* the iovecs still serve */
	for (size_t i = 0; i < e->plain.n_iov; i++) {
		memcpy(p, e->plain.iov[i].iov_base, e->plain.iov[i].iov_len);
		p += e->plain.iov[i].iov_len;
	}
	e->flat = all;
	e->plain.iov[0].iov_base = all;
	e->plain.iov[0].iov_len = e->plain.len;
	e->plain.n_iov = 1;
}

static void flatten_range(void *ctx, size_t begin, size_t end)
{
	struct catalogue *cat = ctx;

	for (size_t i = begin; i < end; i++)
		if (cat->entries[i].plain.len >= CONTIGUOUS_MIN)
			flatten(&cat->entries[i]);
}

static uint64_t generations;

struct catalogue *catalogue_new(struct conf *c, struct programme *p, struct feedset *fs,
				int64_t now)
{
	struct catalogue *cat = calloc(1, sizeof(*cat));
	size_t n_feeds = fs->n_feeds, html_len;
	struct feed_job job;
	unsigned char *trailers;

	if (!cat)
		abort();
	cat->conf = c;
	cat->prog = p;
	cat->fs = fs;
	cat->refs = 1;
	pthread_mutex_init(&cat->docs_lock, NULL);
	cat->loaded_at = now;
	cat->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	snprintf(cat->cache_control, sizeof(cat->cache_control), "public, max-age=%lld",
		 (long long)c->refresh);
	cat->n_entries = n_feeds + 1;
	cat->entries = calloc(cat->n_entries, sizeof(*cat->entries));
	cat->n_gz = GZ_FIXED + fs->n_pieces + n_feeds + 1;
	cat->gz = calloc(cat->n_gz, sizeof(*cat->gz));
	trailers = calloc(cat->n_entries, 8);
	if (!cat->entries || !cat->gz || !trailers)
		abort();
	/* The gzip trailers of all entries live in one block, 8 bytes each. */
	cat->trailers = trailers;
	parallel_for(cat->n_gz - 1, 512, deflate_range, cat);
	alloc_bodies(cat);
	job = (struct feed_job){ cat, trailers };
	parallel_for(n_feeds, 256, feed_range, &job);
	parallel_for(n_feeds, 256, flatten_range, cat);
	cat->html = html_index(fs, c, &html_len);
	catalogue_document(&cat->entries[n_feeds], "", "text/html; charset=utf-8", cat->html,
			   html_len, &cat->gz[cat->n_gz - 1], trailers + 8 * n_feeds, cat->loaded_at);
	cat->paths = strmap_new(cat->n_entries);
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
			   cat->doc_data[which], len, &cat->doc_gz[which],
			   cat->doc_trailers + 8 * which, cat->entries[0].modified);
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
	free(cat->gz);
	free(cat->entries);
	free(cat->trailers);
	free(cat->html);
	strmap_free(cat->paths);
	feedset_free(cat->fs);
	prog_free(cat->prog);
	conf_free(cat->conf);
	free(cat);
}
