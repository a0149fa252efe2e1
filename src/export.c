#include "config.h"

#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pages.h"
#include "schedule.h"
#include "log.h"
#include "parallel.h"
#include "publish.h"
#include "strmap.h"
#include "memory.h"

static const char *const subdirs[] = { "days", "tracks", "rooms", "speakers", "sessions", NULL };
#define N_SUBDIRS 5

typedef int (*sink_fn)(void *sink, const void *data, size_t len);

/* What a file holds: chunks that already sit in memory, handed to a sink
 * one by one (a feed is hundreds of rendered pieces; they are never
 * copied into one buffer). */
struct content {
	int (*emit)(const void *src, sink_fn sink, void *sink_ctx);
	const void *src;
	size_t size; /* of all the chunks */
};

struct feed_src {
	const struct feedset *fs;
	const struct feed *feed;
};

static int emit_feed(const void *src, sink_fn sink, void *sink_ctx)
{
	const struct feed_src *f = src;

	return feedset_emit(f->fs, f->feed, sink, sink_ctx);
}

struct bytes_src {
	const char *data;
	size_t len;
};

static int emit_bytes(const void *src, sink_fn sink, void *sink_ctx)
{
	const struct bytes_src *b = src;

	return sink(sink_ctx, b->data, b->len);
}

/* --- writing ------------------------------------------------------------------ */

/* Gathers chunks into writev batches. */
struct writer {
	int fd;
	struct iovec iov[IOV_MAX > 1024 ? 1024 : IOV_MAX];
	int n;
	int err;
};

static int flush(struct writer *w)
{
	int i = 0;

	while (i < w->n) {
		ssize_t r = writev(w->fd, w->iov + i, w->n - i);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return w->err = -errno;
		}
		/* Skip what was written; a short write resumes mid-chunk. */
		while (i < w->n && (size_t)r >= w->iov[i].iov_len)
			r -= (ssize_t)w->iov[i++].iov_len;
		if (i < w->n) {
			w->iov[i].iov_base = (char *)w->iov[i].iov_base + r;
			w->iov[i].iov_len -= (size_t)r;
		}
	}
	w->n = 0;
	return 0;
}

static int gather(void *ctx, const void *data, size_t len)
{
	struct writer *w = ctx;

	if (w->n == (int)(sizeof(w->iov) / sizeof(w->iov[0])) && flush(w) < 0)
		return w->err;
	w->iov[w->n].iov_base = (void *)data;
	w->iov[w->n].iov_len = len;
	w->n++;
	return 0;
}

/* Creates name (relative to dirfd) from ct's chunks; -errno on failure,
 * with the file removed. */
static int write_file(int dirfd, const char *name, int flags, const struct content *ct)
{
	struct writer w; /* not zeroed: iov is 16 KB, and a feed uses little of it */
	int rc;

	w.n = 0;
	w.err = 0;

	w.fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (w.fd < 0)
		return -errno;
	rc = ct->emit(ct->src, gather, &w);
	if (rc == 0)
		rc = flush(&w);
	if (close(w.fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, name, 0);
	return rc;
}

/* --- leaving unchanged files alone ----------------------------------------------- */

struct matcher {
	const char *old;
	size_t len, at;
};

static int match(void *ctx, const void *data, size_t len)
{
	struct matcher *m = ctx;

	if (len > m->len - m->at || memcmp(m->old + m->at, data, len) != 0)
		return -1;
	m->at += len;
	return 0;
}

/* Whether name already holds exactly ct.  A re-export (or the daemon's
 * mirror after a reload) then leaves the file, and its mtime, alone: a
 * web server serving the folder keeps its ETag and Last-Modified, and
 * reading is far cheaper than writing and renaming. */
static int unchanged(int dirfd, const char *name, const struct content *ct)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct matcher m = { 0 };
	struct stat st;
	char *old = NULL;
	int same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == ct->size) {
		old = xmalloc(ct->size + 1);
		while (m.len < ct->size) {
			ssize_t r = read(fd, old + m.len, ct->size - m.len);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			m.len += (size_t)r;
		}
		m.old = old;
		same = m.len == ct->size && ct->emit(ct->src, match, &m) == 0 && m.at == m.len;
	}
	free(old);
	close(fd);
	return same;
}

struct tally {
	size_t written, unchanged; /* updated from several threads */
};

/* The folders an export writes into. */
struct gen {
	const char *dir; /* as named, for messages */
	int fd;          /* the new generation, private until published */
	int prev;        /* the generation readers see now, or -1 */
	struct tally *tally;
};

/* A file of the new generation: a hard link to the previous
 * generation's when that holds ct already, else written. */
static int place_file(const struct gen *g, const char *path, const struct content *ct)
{
	int rc;

	if (g->prev >= 0 && unchanged(g->prev, path, ct) &&
	    linkat(g->prev, path, g->fd, path, 0) == 0) {
		__atomic_add_fetch(&g->tally->unchanged, 1, __ATOMIC_RELAXED);
		return 0;
	}
	rc = write_file(g->fd, path, O_TRUNC, ct);
	if (rc < 0)
		log_err("cannot write %s/%s: %s", g->dir, path, strerror(-rc));
	else
		__atomic_add_fetch(&g->tally->written, 1, __ATOMIC_RELAXED);
	return rc;
}

/* --- the feed folders ---------------------------------------------------------- */

static int make_folders(const struct gen *g)
{
	for (int i = 0; i < N_SUBDIRS; i++)
		if (mkdirat(g->fd, subdirs[i], 0755) < 0) {
			log_err("cannot create %s/%s: %s", g->dir, subdirs[i], strerror(errno));
			return -errno;
		}
	return 0;
}

static int is_feed_folder(const char *name, size_t len)
{
	for (int i = 0; i < N_SUBDIRS; i++)
		if (strlen(subdirs[i]) == len && strncmp(subdirs[i], name, len) == 0)
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* What of the previous generation is not carried over into the new one:
 * the export's own files (written again, or stale feeds and pages: *.ics
 * and *.html in the feed folders), and what an export of an older version left when it
 * died (a file being written, a folder being filled).  Anything else
 * (a robots.txt put there by hand) stays, as it always did. */
static int not_carried(void *ctx, const char *path, int is_dir)
{
	static const char *const own[] = { "calendar.ics", "index.html", "schedule.json",
					   "schedule.xml", "style.css", "speakers.html", NULL };
	const char *slash = strchr(path, '/');

	(void)ctx;
	if (ends_with(path, ".tmp~") || (!slash && path[0] == '.' && ends_with(path, ".new~")))
		return 1;
	if (is_dir)
		return 0;
	if (slash)
		return !strchr(slash + 1, '/') && is_feed_folder(path, (size_t)(slash - path)) &&
		       (ends_with(path, ".ics") || ends_with(path, ".html"));
	for (int i = 0; own[i]; i++)
		if (strcmp(path, own[i]) == 0)
			return 1;
	return 0;
}

/* --- feeds ------------------------------------------------------------------------ */

struct export_job {
	const struct feedset *fs;
	const struct gen *gen;
	int failed; /* any range's error; read after the threads are joined */
};

static void write_range(void *ctx, size_t begin, size_t end)
{
	struct export_job *job = ctx;
	int rc = 0;

	for (size_t i = begin; i < end && rc == 0; i++) {
		const struct feed *feed = &job->fs->feeds[i];
		struct feed_src src = { job->fs, feed };
		struct content ct = { emit_feed, &src, feedset_size(job->fs, feed) };

		rc = place_file(job->gen, feed->path, &ct);
	}
	if (rc < 0)
		__atomic_store_n(&job->failed, rc, __ATOMIC_RELAXED);
}

static int put_bytes(const struct gen *g, const char *name, const char *data, size_t len)
{
	struct bytes_src src = { data, len };
	struct content ct = { emit_bytes, &src, len };

	return place_file(g, name, &ct);
}

/* --- documents ---------------------------------------------------------------------- */

/* A schedule document streamed into a file through a buffer: at 100,000
 * sessions each is over 100 MB, which need not sit in memory at once. */
#define SINK_BUF (1 << 20)

struct file_sink {
	int fd;
	char *buf;
	size_t len;
	int err; /* -errno of a failed write */
};

static int write_all_of(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t r = write(fd, data, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		data += r;
		len -= (size_t)r;
	}
	return 0;
}

static int to_file(void *ctx, const char *data, size_t len)
{
	struct file_sink *f = ctx;

	if (!f->err && f->len + len > SINK_BUF) {
		f->err = write_all_of(f->fd, f->buf, f->len);
		f->len = 0;
	}
	if (!f->err && len > SINK_BUF)
		f->err = write_all_of(f->fd, data, len);
	else if (!f->err) {
		memcpy(f->buf + f->len, data, len);
		f->len += len;
	}
	return f->err ? -1 : 0;
}

/* Whether the files name in a and in b hold the same bytes. */
static int same_files(int a, int b, const char *name)
{
	int fa = openat(a, name, O_RDONLY | O_CLOEXEC), fb = openat(b, name, O_RDONLY | O_CLOEXEC);
	char *x = xmalloc(2 * 65536);
	struct stat sa, sb;
	int same = fa >= 0 && fb >= 0 && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
		   S_ISREG(sb.st_mode) && sa.st_size == sb.st_size;

	while (same) {
		ssize_t ra = read(fa, x, 65536), rb = ra > 0 ? read(fb, x + 65536, (size_t)ra) : 0;

		if (ra <= 0) {
			same = ra == 0;
			break;
		}
		same = rb == ra && memcmp(x, x + 65536, (size_t)ra) == 0;
	}
	free(x);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

typedef int (*doc_fn)(const struct sched *, sched_sink, void *);

/* schedule.json and schedule.xml need only the programme: they are built
 * from the moment it is loaded, beside the rendering and the writing of
 * the feeds (together they take about as long as the feeds).  One thread
 * works out their shared struct sched, then writes schedule.json while
 * a second one, started then, writes schedule.xml from the same sched. */
struct docs_job {
	const struct sched *s; /* read only while both threads run */
	const struct gen *gen;
	const char *name;
	doc_fn from;
	pthread_t tid;
	int threaded; /* runs on tid */
	int rc;
};

/* Streams the document into the new generation. */
static int write_document(struct docs_job *job)
{
	const struct gen *g = job->gen;
	struct file_sink f = { .buf = xmalloc(SINK_BUF) };
	int rc;

	f.fd = openat(g->fd, job->name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f.fd < 0) {
		rc = -errno;
		log_err("cannot write %s/%s: %s", g->dir, job->name, strerror(-rc));
		free(f.buf);
		return rc;
	}
	rc = job->from(job->s, to_file, &f);
	if (rc == 0)
		rc = f.err = write_all_of(f.fd, f.buf, f.len);
	if (close(f.fd) < 0 && rc == 0)
		rc = f.err = -errno;
	free(f.buf);
	if (rc < 0 && f.err)
		log_err("cannot write %s/%s: %s", g->dir, job->name, strerror(-f.err));
	else if (rc < 0)
		log_err("cannot build %s", job->name);
	return rc;
}

/* Like place_file(): a document that did not change is the previous one, linked
 * (it is only known once written: it is streamed, not held). */
static int put_document(struct docs_job *job)
{
	const struct gen *g = job->gen;
	char tmp[PATH_MAX];
	int rc = write_document(job);

	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.same~", job->name);
	if (g->prev >= 0 && same_files(g->prev, g->fd, job->name) &&
	    linkat(g->prev, job->name, g->fd, tmp, 0) == 0) {
		if (renameat(g->fd, tmp, g->fd, job->name) == 0) {
			__atomic_add_fetch(&g->tally->unchanged, 1, __ATOMIC_RELAXED);
			return 0;
		}
		unlinkat(g->fd, tmp, 0); /* the new copy is as good */
	}
	__atomic_add_fetch(&g->tally->written, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *write_documents(void *arg)
{
	struct docs_job *job = arg;

	job->rc = put_document(job);
	return NULL;
}

/* --- the export --------------------------------------------------------------------- */

struct export {
	const struct programme *p;
	const struct conf *c;
	struct publish *pub;
	struct gen gen;
	struct tally tally;
	struct sched sched; /* for both documents; valid when sched_rc is 0 */
	int sched_rc;
	struct docs_job docs[2]; /* schedule.json, schedule.xml */
	pthread_t tid;           /* start_documents' */
	int threaded;
};

/* Works out the sched, starts schedule.xml on a thread of its own (when
 * it can: else join_documents writes it) and writes schedule.json. */
static void *start_documents(void *arg)
{
	struct export *ex = arg;
	static const char *const names[2] = { "schedule.json", "schedule.xml" };
	static const doc_fn from[2] = { schedule_json_from, schedule_xml_from };

	ex->sched_rc = sched_init(&ex->sched, ex->p, ex->c);
	for (int i = 0; i < 2; i++) {
		struct docs_job *d = &ex->docs[i];

		*d = (struct docs_job){ .s = &ex->sched, .gen = &ex->gen, .name = names[i],
					.from = from[i], .rc = -ENOMEM };
	}
	if (ex->sched_rc < 0) {
		log_err("cannot build %s and %s", names[0], names[1]);
		return NULL;
	}
	ex->docs[1].threaded = pthread_create(&ex->docs[1].tid, NULL, write_documents,
					      &ex->docs[1]) == 0;
	write_documents(&ex->docs[0]);
	return NULL;
}

struct export *export_start(const struct programme *p, const struct conf *c, const char *dir)
{
	struct export *ex = xcalloc(1, sizeof(*ex));

	ex->pub = publish_begin(dir);
	if (!ex->pub) {
		free(ex);
		return NULL;
	}
	ex->gen = (struct gen){ dir, publish_fd(ex->pub), publish_prev_fd(ex->pub), &ex->tally };
	ex->p = p;
	ex->c = c;
	ex->threaded = pthread_create(&ex->tid, NULL, start_documents, ex) == 0;
	return ex;
}

/* Waits for the documents (or builds them here when no thread could). */
static int join_documents(struct export *ex)
{
	if (ex->threaded)
		pthread_join(ex->tid, NULL);
	else
		start_documents(ex);
	if (ex->sched_rc == 0) {
		if (ex->docs[1].threaded)
			pthread_join(ex->docs[1].tid, NULL);
		else
			write_documents(&ex->docs[1]);
		sched_free(&ex->sched);
	}
	return ex->docs[0].rc ? ex->docs[0].rc : ex->docs[1].rc;
}

/* --- pages ---------------------------------------------------------------------- */

struct pages_job {
	const struct gen *gen;
	const struct pageset *ps;
	int failed;
};

/* Every page but the index (page 0), which is written last. */
static void page_range(void *ctx, size_t begin, size_t end)
{
	struct pages_job *pj = ctx;
	int rc = 0;

	for (size_t i = begin + 1; i < end + 1 && rc == 0; i++)
		rc = put_bytes(pj->gen, pj->ps->pages[i].path, pj->ps->pages[i].data,
			       pj->ps->pages[i].len);
	if (rc < 0)
		__atomic_store_n(&pj->failed, rc, __ATOMIC_RELAXED);
}

/* pages: the feedset's pages when the caller built them already (the
 * daemon's catalogue has), else NULL and they are built here. */
static int write_all(struct export *ex, const struct feedset *fs, const struct pageset *pages)
{
	struct export_job job = { fs, &ex->gen, 0 };
	struct pageset own = { 0 };
	struct pages_job pj = { &ex->gen, pages ? pages : &own, 0 };
	int rc = make_folders(&ex->gen), docs_rc;

	if (rc == 0) {
		parallel_for(fs->n_feeds, 64, write_range, &job);
		rc = job.failed;
	}
	/* The pages link to the feeds, and the index to the pages: each is
	 * written after what it links to, though readers see the generation
	 * only once it is whole. */
	if (rc == 0) {
		if (!pages)
			pages_build(fs, ex->c, &own);
		parallel_for(pj.ps->n - 1, 64, page_range, &pj);
		rc = pj.failed;
	}
	if (rc == 0)
		rc = put_bytes(&ex->gen, "index.html", pj.ps->pages[0].data, pj.ps->pages[0].len);
	docs_rc = join_documents(ex);
	if (rc == 0)
		rc = docs_rc;
	if (rc == 0)
		rc = publish_carry_over(ex->pub, not_carried, NULL);
	pages_free(&own);
	return rc;
}

int export_finish(struct export *ex, const struct feedset *fs, const struct pageset *pages)
{
	int rc = fs ? write_all(ex, fs, pages) : (join_documents(ex), -ECANCELED);

	rc = publish_end(ex->pub, rc);
	log_debug("%s: %zu files written, %zu unchanged", ex->gen.dir, ex->tally.written,
		  ex->tally.unchanged);
	free(ex);
	return rc;
}

int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir,
		 const struct pageset *pages)
{
	struct export *ex = export_start(fs->prog, c, dir);

	return ex ? export_finish(ex, fs, pages) : -EIO;
}
