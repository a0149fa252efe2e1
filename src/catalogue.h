/* The published catalogue of one programme snapshot: every URL's bytes,
 * plain and gzip, with its ETag and Last-Modified, prepared at load time
 * so that a request only looks them up.  Reference counted: requests and
 * responses in flight keep the snapshot they started with alive. */
#ifndef AGENDAD_CATALOGUE_H
#define AGENDAD_CATALOGUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "conf.h"
#include "feeds.h"
#include "programme.h"

struct cat_body {
	struct iovec *iov; /* chunks, in order; they point into the catalogue */
	size_t n_iov;
	size_t len;
};

struct cat_entry {
	const char *path; /* without the leading '/': "calendar.ics", "" for the index */
	const struct feed *feed; /* NULL for documents (the index page) */
	const char *content_type;
	struct cat_body plain, gzip;
	char *flat; /* large feeds: the plain bytes in one piece (plain's only iovec) */
	/* Strong validators, one per representation (RFC 9110 8.8.3): the
	 * gzip bytes differ from the plain ones, so their tag does too. */
	char etag[24];    /* "\"<16 hex>\"" */
	char etag_gz[28]; /* "\"<16 hex>-gz\"" */
	uint64_t hash;    /* of the plain bytes, for the state */
	char last_modified[32]; /* IMF-fixdate */
	int64_t modified;
};

/* A run of raw deflate output: see catalogue.c for how runs concatenate. */
struct gz_chunk {
	unsigned char *data;
	size_t len;
	uint32_t crc;
	size_t plain_len;
};

struct catalogue {
	struct conf *conf;      /* owned */
	struct programme *prog; /* owned */
	struct feedset *fs;     /* owned */
	struct cat_entry *entries;
	size_t n_entries;
	int64_t loaded_at;
	uint64_t generation; /* unique per catalogue, for caches of derived feeds */
	char cache_control[48]; /* "public, max-age=" feeds.refresh */
	size_t total_plain, total_gzip;
	/* private */
	pthread_mutex_t docs_lock; /* guards the schedule documents, built when first asked for */
	struct cat_entry docs[2];  /* schedule.json, schedule.xml */
	char *doc_data[2];
	struct gz_chunk doc_gz[2];
	unsigned char doc_trailers[16];
	int doc_state[2]; /* 0 not built, 1 built, -1 failed */
	struct strmap *paths;
	struct gz_chunk *gz;
	size_t n_gz;
	char *html;
	unsigned char *trailers;
	int refs;
};

/* Takes ownership of c, p and fs (also on failure).  Returns NULL only
 * when memory runs out. */
struct catalogue *catalogue_new(struct conf *c, struct programme *p, struct feedset *fs,
				int64_t now);
/* Sets each entry's Last-Modified from the state, which remembers when
 * each path's bytes last changed (so a feed that only lost a session, or
 * changed twice in a second, still gets a newer date).  Returns 0 or a
 * negative errno; on failure the dates of the rendered pieces stay. */
struct state;
int catalogue_stamp(struct catalogue *cat, struct state *st, int64_t now);
/* Fills e (allocating its iovec arrays) with a feed of cat's pieces
 * items, named by name_text whose deflated run is name: the bodies point
 * into cat and name_text, which must outlive e. */
void catalogue_assemble(const struct catalogue *cat, const char *name_text, size_t name_len,
			const struct gz_chunk *name, const uint32_t *items, size_t n_items,
			struct cat_entry *e, unsigned char *trailer);
/* Fills e with one document of len bytes at data, compressed whole into
 * gz (the caller frees gz->data and e's iovec arrays). */
void catalogue_document(struct cat_entry *e, const char *path, const char *type, const char *data,
			size_t len, struct gz_chunk *gz, unsigned char *trailer, int64_t modified);
/* The deflated run of a feed's name lines, for catalogue_assemble. */
void catalogue_name_chunk(const char *text, size_t len, struct gz_chunk *out);
/* NULL when the path is not published.  schedule.json and schedule.xml
 * are built on the first request for them: conference apps fetch them,
 * calendars do not, and a reload should not wait for them. */
const struct cat_entry *catalogue_find(struct catalogue *cat, const char *path);
struct catalogue *catalogue_ref(struct catalogue *cat);
/* Frees the catalogue with the last reference; accepts NULL. */
void catalogue_unref(struct catalogue *cat);
/* Writes an HTTP date (IMF-fixdate) of t into out (at least 30 bytes). */
void http_date(int64_t t, char *out, size_t size);

#endif
