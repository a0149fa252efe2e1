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
#include "gzip.h"
#include "pages.h"
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
	/* Large feeds: the bytes in one piece (the body's only iovec). */
	char *flat, *flat_gz;
	/* Strong validators, one per representation (RFC 9110 8.8.3): the
	 * gzip bytes differ from the plain ones, so their tag does too. */
	char etag[24];    /* "\"<16 hex>\"" */
	char etag_gz[28]; /* "\"<16 hex>-gz\"" */
	uint64_t hash;    /* of the plain bytes, for the state */
	char last_modified[32]; /* IMF-fixdate */
	int64_t modified;
	const char *cache_control; /* NULL: the catalogue's */
};

/* A page built once per minute of the daemon's clock (now.html,
 * now.json), reference counted: a response holds the one it sends while
 * the next minute's replaces it. */
struct cat_live {
	int refs;
	int64_t minute;
	struct cat_entry e;
	char *data;
	struct gz_chunk gz;
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
	int doc_state[2]; /* 0 not built, 1 built, -1 failed */
	struct strmap *paths;
	struct gz_chunk *gz;
	size_t n_gz;
	struct pageset pages;     /* the attendee's pages, entries after the feeds */
	struct search_index search; /* for search.html */
	struct gz_chunk *page_gz; /* one per page */
	pthread_mutex_t live_lock;
	struct cat_live *live[2]; /* now.html, now.json: this minute's */
	unsigned char *trailers;
	int refs;
};

/* Takes ownership of c, p and fs.  Never fails: running out of memory
 * ends the process (memory.h). */
struct catalogue *catalogue_new(struct conf *c, struct programme *p, struct feedset *fs,
				int64_t now);
/* Sets each entry's Last-Modified from the state, which remembers when
 * each path's bytes last changed (so a feed that only lost a session, or
 * changed twice in a second, still gets a newer date).  Returns 0 or a
 * negative errno; on failure the dates of the rendered pieces stay. */
struct state;
int catalogue_stamp(struct catalogue *cat, struct state *st, int64_t now);
/* What an entry of catalogue_assemble owns beside cat's pieces: its
 * name's deflated run and the gzip trailer (a small body, joined from
 * runs), or one copy of each body (a large one).  catalogue_own_free
 * frees it. */
struct cat_own {
	struct gz_chunk name_gz;
	char *flat;
	struct gz_chunk flat_gz;
	unsigned char trailer[GZ_TRAILER_LEN];
};
/* Fills e, whose iovec arrays hold n_items + 4 (plain) and n_items + 8
 * (gzip) segments, with a feed of cat's pieces items named by name_text;
 * cat and name_text must outlive e.  The catalogue's feeds' rule holds:
 * a body of CATALOGUE_CONTIGUOUS_MIN bytes or more is one segment per
 * representation, the gzip one compressed whole; a smaller one points
 * into the pieces and joins their deflated runs. */
#define CATALOGUE_CONTIGUOUS_MIN (64 * 1024)
void catalogue_assemble(const struct catalogue *cat, const char *name_text, size_t name_len,
			const uint32_t *items, size_t n_items, struct cat_entry *e,
			struct cat_own *own);
void catalogue_own_free(struct cat_own *own);
/* Fills e with one document of len bytes at data, and gz with its whole
 * gzip member: each body is one segment (the caller frees gz->data and
 * e's iovec arrays). */
void catalogue_document(struct cat_entry *e, const char *path, const char *type, const char *data,
			size_t len, struct gz_chunk *gz, int64_t modified);
/* NULL when the path is not published.  schedule.json and schedule.xml
 * are built on the first request for them: conference apps fetch them,
 * calendars do not, and a reload should not wait for them. */
const struct cat_entry *catalogue_find(struct catalogue *cat, const char *path);
/* now.html (which 0) or now.json (1) at the daemon's clock now_ms, as of
 * its minute: built by the first request of each minute.  Returns a
 * reference; release it with catalogue_live_unref. */
enum { CAT_NOW_HTML, CAT_NOW_JSON };
struct cat_live *catalogue_live(struct catalogue *cat, int which, int64_t now_ms);
struct cat_live *catalogue_live_ref(struct cat_live *l);
void catalogue_live_unref(struct cat_live *l);
struct catalogue *catalogue_ref(struct catalogue *cat);
/* Frees the catalogue with the last reference; accepts NULL. */
void catalogue_unref(struct catalogue *cat);

#endif
