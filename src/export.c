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
#include "strmap.h"

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

/* Replaces name atomically: readers see the old file or the new one. */
static int write_atomic(int dirfd, const char *name, const struct content *ct)
{
	char tmp[PATH_MAX];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp~", name);
	rc = write_file(dirfd, tmp, O_TRUNC, ct);
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
		rc = -errno;
		unlinkat(dirfd, tmp, 0);
	}
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
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == ct->size &&
	    (old = malloc(ct->size + 1))) {
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

/* A file in a folder that readers may already see: left alone when it
 * holds ct already, else replaced atomically. */
static int put(int dirfd, const char *dir, const char *name, const struct content *ct,
	       struct tally *t)
{
	int rc;

	if (unchanged(dirfd, name, ct)) {
		__atomic_add_fetch(&t->unchanged, 1, __ATOMIC_RELAXED);
		return 0;
	}
	rc = write_atomic(dirfd, name, ct);
	if (rc < 0)
		log_err("cannot write %s/%s: %s", dir, name, strerror(-rc));
	else
		__atomic_add_fetch(&t->written, 1, __ATOMIC_RELAXED);
	return rc;
}

/* --- the feed folders ---------------------------------------------------------- */

/* A feed folder that does not exist yet is filled under a hidden name and
 * renamed into place when complete: readers see no folder or all of it,
 * and its thousands of files need no rename each (a fifth of the cost
 * of writing them on tmpfs). */
struct folder {
	const char *name;
	int fresh;        /* being filled under staging */
	char staging[32]; /* ".sessions.new~" */
};

/* Removes a folder of files (a staging folder). */
static void remove_folder(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static int open_folders(int dirfd, const char *dir, struct folder *f)
{
	for (int i = 0; i < N_SUBDIRS; i++) {
		struct stat st;

		f[i].name = subdirs[i];
		snprintf(f[i].staging, sizeof(f[i].staging), ".%s.new~", subdirs[i]);
		remove_folder(dirfd, f[i].staging); /* left by an export that died */
		f[i].fresh = fstatat(dirfd, f[i].name, &st, 0) < 0 && errno == ENOENT;
		if (mkdirat(dirfd, f[i].fresh ? f[i].staging : f[i].name, 0755) < 0 &&
		    errno != EEXIST) {
			int rc = -errno;

			log_err("cannot create %s/%s: %s", dir, f[i].fresh ? f[i].staging : f[i].name,
				strerror(errno));
			return rc;
		}
	}
	return 0;
}

/* Puts the fresh folders in place, or removes them after a failure. */
static int close_folders(int dirfd, const char *dir, struct folder *f, int rc)
{
	for (int i = 0; i < N_SUBDIRS; i++) {
		if (!f[i].fresh)
			continue;
		if (rc == 0 && renameat(dirfd, f[i].staging, dirfd, f[i].name) < 0) {
			rc = -errno;
			log_err("cannot rename %s/%s to %s: %s", dir, f[i].staging, f[i].name,
				strerror(errno));
		}
		if (rc < 0)
			remove_folder(dirfd, f[i].staging);
	}
	return rc;
}

/* The folder of a feed path ("sessions/x.ics"), NULL for one at the top;
 * *base is then the file's name in it. */
static const struct folder *folder_of(const struct folder *f, const char *path, const char **base)
{
	const char *slash = strchr(path, '/');

	for (int i = 0; slash && i < N_SUBDIRS; i++)
		if (strlen(f[i].name) == (size_t)(slash - path) &&
		    strncmp(f[i].name, path, (size_t)(slash - path)) == 0) {
			*base = slash + 1;
			return &f[i];
		}
	return NULL;
}

/* Removes feed files of one folder that were not just written. */
static void prune(int dirfd, const char *dir, const char *sub, const struct strmap *written)
{
	int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char path[PATH_MAX];
	uint32_t v;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if ((len < 5 || strcmp(de->d_name + len - 4, ".ics") != 0) &&
		    (len < 6 || strcmp(de->d_name + len - 5, ".html") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		if (strmap_get(written, path, &v) == 0)
			continue;
		if (unlinkat(dirfd, path, 0) < 0)
			log_warn("cannot remove stale feed %s/%s: %s", dir, path, strerror(errno));
	}
	closedir(d);
}

static void prune_folders(int dirfd, const char *dir, const struct folder *f,
			  const struct feedset *fs, const struct pageset *pages)
{
	struct strmap *written = strmap_new(fs->n_feeds + (pages ? pages->n : 0));

	for (size_t i = 0; i < fs->n_feeds; i++)
		strmap_put(written, fs->feeds[i].path, 0, NULL);
	for (size_t i = 0; pages && i < pages->n; i++)
		strmap_put(written, pages->pages[i].path, 0, NULL);
	for (int i = 0; i < N_SUBDIRS; i++)
		if (!f[i].fresh)
			prune(dirfd, dir, f[i].name, written);
	strmap_free(written);
}

/* --- feeds ------------------------------------------------------------------------ */

struct export_job {
	const struct feedset *fs;
	const struct folder *folders;
	int dirfd;
	const char *dir;
	struct tally *tally;
	int failed; /* any range's error; read after the threads are joined */
};

static int write_feed(struct export_job *job, const struct feed *feed)
{
	struct feed_src src = { job->fs, feed };
	struct content ct = { emit_feed, &src, feedset_size(job->fs, feed) };
	const char *base = NULL;
	const struct folder *f = folder_of(job->folders, feed->path, &base);
	char path[PATH_MAX];
	int rc;

	if (!f || !f->fresh)
		return put(job->dirfd, job->dir, feed->path, &ct, job->tally);
	snprintf(path, sizeof(path), "%s/%s", f->staging, base);
	rc = write_file(job->dirfd, path, O_TRUNC, &ct);
	if (rc < 0)
		log_err("cannot write %s/%s: %s", job->dir, path, strerror(-rc));
	else
		__atomic_add_fetch(&job->tally->written, 1, __ATOMIC_RELAXED);
	return rc;
}

static void write_range(void *ctx, size_t begin, size_t end)
{
	struct export_job *job = ctx;
	int rc = 0;

	for (size_t i = begin; i < end && rc == 0; i++)
		rc = write_feed(job, &job->fs->feeds[i]);
	if (rc < 0)
		__atomic_store_n(&job->failed, rc, __ATOMIC_RELAXED);
}

static int put_bytes(int dirfd, const char *dir, const char *name, const char *data, size_t len,
		     struct tally *t)
{
	struct bytes_src src = { data, len };
	struct content ct = { emit_bytes, &src, len };

	return put(dirfd, dir, name, &ct, t);
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

/* Whether the files a and b (in dirfd) hold the same bytes. */
static int same_files(int dirfd, const char *a, const char *b)
{
	int fa = openat(dirfd, a, O_RDONLY | O_CLOEXEC), fb = openat(dirfd, b, O_RDONLY | O_CLOEXEC);
	char *x = malloc(2 * 65536);
	struct stat sa, sb;
	int same = fa >= 0 && fb >= 0 && x && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
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
	int dirfd;
	const char *dir;
	struct tally *tally;
	const char *name;
	doc_fn from;
	pthread_t tid;
	int threaded; /* runs on tid */
	int rc;
};

/* Like put(): a document that would not change is left alone. */
static int put_document(struct docs_job *job)
{
	const char *name = job->name;
	struct file_sink f = { .buf = malloc(SINK_BUF) };
	char tmp[PATH_MAX];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp~", name);
	f.fd = openat(job->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f.fd < 0 || !f.buf) {
		rc = f.fd < 0 ? -errno : -ENOMEM;
		log_err("cannot write %s/%s: %s", job->dir, tmp, strerror(-rc));
		if (f.fd >= 0)
			close(f.fd);
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
		log_err("cannot write %s/%s: %s", job->dir, tmp, strerror(-f.err));
	else if (rc < 0)
		log_err("cannot build %s", name);
	if (rc == 0 && same_files(job->dirfd, tmp, name)) {
		__atomic_add_fetch(&job->tally->unchanged, 1, __ATOMIC_RELAXED);
		unlinkat(job->dirfd, tmp, 0);
		return 0;
	}
	if (rc == 0 && renameat(job->dirfd, tmp, job->dirfd, name) < 0) {
		rc = -errno;
		log_err("cannot rename %s/%s: %s", job->dir, tmp, strerror(errno));
	}
	if (rc < 0)
		unlinkat(job->dirfd, tmp, 0);
	else
		__atomic_add_fetch(&job->tally->written, 1, __ATOMIC_RELAXED);
	return rc;
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
	const char *dir;
	int dirfd;
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

		*d = (struct docs_job){ .s = &ex->sched, .dirfd = ex->dirfd, .dir = ex->dir,
					.tally = &ex->tally, .name = names[i], .from = from[i],
					.rc = -ENOMEM };
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
	struct export *ex = calloc(1, sizeof(*ex));

	if (!ex)
		return NULL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		free(ex);
		return NULL;
	}
	ex->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ex->dirfd < 0) {
		log_err("cannot open %s: %s", dir, strerror(errno));
		free(ex);
		return NULL;
	}
	ex->p = p;
	ex->c = c;
	ex->dir = dir;
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
	struct export_job *job;
	const struct pageset *ps;
};

/* Pages in the feed folders (days/x.html) go where their feeds go: into
 * the staging folder of a new one. */
static int write_page(struct export_job *job, const struct page *pg)
{
	struct bytes_src src = { pg->data, pg->len };
	struct content ct = { emit_bytes, &src, pg->len };
	const char *base = NULL;
	const struct folder *f = folder_of(job->folders, pg->path, &base);
	char path[PATH_MAX];
	int rc;

	if (!f || !f->fresh)
		return put(job->dirfd, job->dir, pg->path, &ct, job->tally);
	snprintf(path, sizeof(path), "%s/%s", f->staging, base);
	rc = write_file(job->dirfd, path, O_TRUNC, &ct);
	if (rc < 0)
		log_err("cannot write %s/%s: %s", job->dir, path, strerror(-rc));
	else
		__atomic_add_fetch(&job->tally->written, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Every page but the index (page 0), which is written last. */
static void page_range(void *ctx, size_t begin, size_t end)
{
	struct pages_job *pj = ctx;
	int rc = 0;

	for (size_t i = begin + 1; i < end + 1 && rc == 0; i++)
		rc = write_page(pj->job, &pj->ps->pages[i]);
	if (rc < 0)
		__atomic_store_n(&pj->job->failed, rc, __ATOMIC_RELAXED);
}

static int write_all(struct export *ex, const struct feedset *fs)
{
	struct folder folders[N_SUBDIRS] = { { 0 } };
	struct export_job job = { fs, folders, ex->dirfd, ex->dir, &ex->tally, 0 };
	struct pageset pages = { 0 };
	struct pages_job pj = { &job, &pages };
	int rc = open_folders(ex->dirfd, ex->dir, folders), docs_rc;

	if (rc == 0) {
		parallel_for(fs->n_feeds, 64, write_range, &job);
		rc = job.failed;
	}
	/* The pages link to the feeds: they are written after them. */
	if (rc == 0) {
		pages_build(fs, ex->c, &pages);
		parallel_for(pages.n - 1, 64, page_range, &pj);
		rc = job.failed;
	}
	docs_rc = join_documents(ex);
	rc = close_folders(ex->dirfd, ex->dir, folders, rc ? rc : docs_rc);
	if (rc == 0)
		rc = put_bytes(ex->dirfd, ex->dir, "index.html", pages.pages[0].data,
			       pages.pages[0].len, &ex->tally);
	if (rc == 0)
		prune_folders(ex->dirfd, ex->dir, folders, fs, &pages);
	pages_free(&pages);
	return rc;
}

int export_finish(struct export *ex, const struct feedset *fs)
{
	int rc = fs ? write_all(ex, fs) : join_documents(ex);

	log_debug("%s: %zu files written, %zu unchanged", ex->dir, ex->tally.written,
		  ex->tally.unchanged);
	close(ex->dirfd);
	free(ex);
	return rc;
}

int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir)
{
	struct export *ex = export_start(fs->prog, c, dir);

	return ex ? export_finish(ex, fs) : -EIO;
}
