#include "config.h"

#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "html.h"
#include "schedule.h"
#include "log.h"
#include "parallel.h"
#include "strmap.h"

static const char *const subdirs[] = { "days", "tracks", "rooms", "speakers", "sessions", NULL };

/* Gathers a feed's chunks into writev batches: a feed is hundreds of
 * pieces that already sit in memory, so they are never copied. */
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

/* Writes name (relative to dirfd) atomically from emit's chunks. */
static int write_atomic(int dirfd, const char *dir, const char *name,
			int (*produce)(void *ctx, struct writer *w), void *ctx)
{
	char tmp[PATH_MAX];
	struct writer w = { 0 };
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp~", name);
	w.fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0) {
		rc = -errno;
		log_err("cannot write %s/%s: %s", dir, tmp, strerror(errno));
		return rc;
	}
	rc = produce(ctx, &w);
	if (rc == 0)
		rc = flush(&w);
	if (close(w.fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc < 0) {
		log_err("cannot write %s/%s: %s", dir, name, strerror(-rc));
		unlinkat(dirfd, tmp, 0);
	}
	return rc;
}

struct feed_job {
	const struct feedset *fs;
	const struct feed *feed;
};

static int produce_feed(void *ctx, struct writer *w)
{
	struct feed_job *job = ctx;

	return feedset_emit(job->fs, job->feed, gather, w);
}

struct bytes_job {
	const char *data;
	size_t len;
};

static int produce_bytes(void *ctx, struct writer *w)
{
	struct bytes_job *job = ctx;

	return gather(w, job->data, job->len);
}

/* Removes feed files of one subfolder that were not just written. */
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

		if (len < 5 || strcmp(de->d_name + len - 4, ".ics") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		if (strmap_get(written, path, &v) == 0)
			continue;
		if (unlinkat(dirfd, path, 0) < 0)
			log_warn("cannot remove stale feed %s/%s: %s", dir, path, strerror(errno));
	}
	closedir(d);
}

static int make_dirs(int dirfd, const char *dir)
{
	for (const char *const *s = subdirs; *s; s++)
		if (mkdirat(dirfd, *s, 0755) < 0 && errno != EEXIST) {
			int rc = -errno;

			log_err("cannot create %s/%s: %s", dir, *s, strerror(errno));
			return rc;
		}
	return 0;
}

struct export_job {
	const struct feedset *fs;
	int dirfd;
	const char *dir;
	int failed; /* any range's error; read after the threads are joined */
};

static void write_range(void *ctx, size_t begin, size_t end)
{
	struct export_job *job = ctx;
	int rc = 0;

	for (size_t i = begin; i < end && rc == 0; i++) {
		struct feed_job fj = { job->fs, &job->fs->feeds[i] };

		rc = write_atomic(job->dirfd, job->dir, job->fs->feeds[i].path, produce_feed, &fj);
	}
	if (rc < 0)
		__atomic_store_n(&job->failed, rc, __ATOMIC_RELAXED);
}

/* schedule.json and schedule.xml, one after the other: at 100,000
 * sessions each is over 100 MB, and both at once would take the export
 * over a gigabyte. */
static int write_schedules(const struct feedset *fs, const struct conf *c, int dirfd,
			   const char *dir)
{
	static const char *const names[2] = { "schedule.json", "schedule.xml" };
	int rc = 0;

	for (int i = 0; i < 2 && rc == 0; i++) {
		struct buf doc = { 0 };
		struct bytes_job job;

		rc = i == 0 ? schedule_json(fs->prog, c, &doc) : schedule_xml(fs->prog, c, &doc);
		if (rc < 0)
			log_err("cannot build %s", names[i]);
		job = (struct bytes_job){ doc.data, doc.len };
		if (rc == 0)
			rc = write_atomic(dirfd, dir, names[i], produce_bytes, &job);
		buf_free(&doc);
	}
	return rc;
}

int export_feeds(const struct feedset *fs, const struct conf *c, const char *dir)
{
	struct strmap *written = strmap_new(fs->n_feeds);
	struct bytes_job page;
	char *html;
	int dirfd, rc = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		log_err("cannot create %s: %s", dir, strerror(errno));
		strmap_free(written);
		return rc;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = -errno;
		log_err("cannot open %s: %s", dir, strerror(errno));
		strmap_free(written);
		return rc;
	}
	rc = make_dirs(dirfd, dir);
	if (rc == 0) {
		struct export_job job = { .fs = fs, .dirfd = dirfd, .dir = dir };

		parallel_for(fs->n_feeds, 64, write_range, &job);
		rc = job.failed;
	}
	for (size_t i = 0; i < fs->n_feeds; i++)
		strmap_put(written, fs->feeds[i].path, 0, NULL);
	if (rc == 0) {
		html = html_index(fs, c, &page.len);
		page.data = html;
		rc = write_atomic(dirfd, dir, "index.html", produce_bytes, &page);
		free(html);
	}
	if (rc == 0)
		rc = write_schedules(fs, c, dirfd, dir);
	for (const char *const *s = subdirs; *s && rc == 0; s++)
		prune(dirfd, dir, *s, written);
	close(dirfd);
	strmap_free(written);
	return rc;
}
