#include "config.h"

#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "memory.h"

/* Folders nested deeper than this are not walked (a user's tree carried
 * over, or one being removed): the export itself is two levels deep. */
#define MAX_DEPTH 16
/* Symbolic links followed to find the folder that DIR names. */
#define MAX_LINKS 8

struct publish {
	const char *dir; /* as the caller named it, for messages */
	char *parent;    /* the folder holding DIR and its generations */
	char *name;      /* DIR's last component */
	int pfd, lockfd;
	int prevfd;      /* what DIR shows now, or -1 */
	int plain;       /* DIR is a plain folder, not yet a link */
	unsigned long prev_gen, gen;
	int fd; /* the new generation */
	dev_t dev;
};

/* --- names ------------------------------------------------------------------------ */

/* Whether s is ".NAME.gen-N"; *n is then N. */
static int gen_number(const char *s, const char *name, unsigned long *n)
{
	size_t len = strlen(name);
	char *end;

	if (s[0] != '.' || strncmp(s + 1, name, len) != 0 || strncmp(s + 1 + len, ".gen-", 5) != 0)
		return 0;
	s += len + 6;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*n = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0;
}

/* ".NAME.SUFFIX" into out. */
static const char *side(const struct publish *p, const char *suffix, char *out, size_t size)
{
	snprintf(out, size, ".%s.%s", p->name, suffix);
	return out;
}

static const char *gen_name(const struct publish *p, unsigned long n, char *out, size_t size)
{
	snprintf(out, size, ".%s.gen-%lu", p->name, n);
	return out;
}

/* Splits path (no trailing '/') into its folder and last component. */
static int split(const char *path, char **parent, char **name)
{
	const char *slash = strrchr(path, '/');

	*parent = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	*name = xstrdup(slash ? slash + 1 : path);
	if (!**name || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)
		return -EINVAL;
	return 0;
}

/* The folder and name of the link to publish: dir itself, or where a
 * link of the user's own (not one of ours) leads. */
static int resolve(struct publish *p, const char *dir)
{
	char *path = xstrdup(dir), target[PATH_MAX];
	int rc = -ELOOP;

	for (int hops = 0; hops <= MAX_LINKS; hops++) {
		size_t len = strlen(path);
		unsigned long n;
		ssize_t r;
		char *next;

		while (len > 1 && path[len - 1] == '/')
			path[--len] = '\0';
		free(p->parent);
		free(p->name);
		p->parent = p->name = NULL;
		if ((rc = split(path, &p->parent, &p->name)) < 0)
			break;
		r = readlink(path, target, sizeof(target) - 1);
		if (r < 0 && errno != EINVAL && errno != ENOENT) {
			rc = -errno;
			break;
		}
		if (r < 0) /* not a link, or nothing yet */
			break;
		target[r] = '\0';
		if (gen_number(target, p->name, &n))
			break; /* ours */
		rc = -ELOOP;
		next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", p->parent, target);
		free(path);
		path = next;
	}
	free(path);
	return rc;
}

/* --- removing and linking trees ------------------------------------------------------ */

/* Removes name (a file, a link or a folder with everything in it) from
 * dirfd, without leaving the file system dev. */
static int remove_tree(int dirfd, const char *name, dev_t dev, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EXDEV; /* something mounted there: not ours to empty */
	if (depth > MAX_DEPTH)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while ((de = readdir(d))) {
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			r = remove_tree(fd, de->d_name, dev, depth + 1);
		else
			r = unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT ? -errno : 0;
		if (r < 0 && rc == 0)
			rc = r;
	}
	closedir(d);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		rc = -errno;
	return rc;
}

/* Copies a file that cannot be hard-linked (owned by someone else under
 * fs.protected_hardlinks, or on another file system). */
static int copy_file(int from, const char *name, int to, const struct stat *st)
{
	int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, rc = 0;
	off_t left = st->st_size;

	if (in < 0)
		return -errno;
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
	if (out < 0)
		rc = -errno;
	while (rc == 0 && left > 0) {
		ssize_t r = sendfile(out, in, NULL, (size_t)left);

		if (r <= 0)
			rc = r < 0 ? -errno : -EIO;
		else
			left -= r;
	}
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = -errno;
	close(in);
	return rc;
}

struct carry {
	struct publish *p;
	int (*skip)(void *ctx, const char *path, int is_dir);
	void *ctx;
	char path[PATH_MAX];
};

static int carry_dir(struct carry *c, int from, int to, size_t at, int depth);

static int carried(struct carry *c, int rc)
{
	if (rc < 0)
		log_err("cannot carry %s/%s over into the new export: %s%s", c->p->dir, c->path,
			strerror(-rc),
			rc == -EEXIST ? " (it is in the way of the export's own files)" : "");
	return rc;
}

/* One entry of the previous generation into the new one; c->path is its
 * path, and sub the length of a folder's path with its '/'. */
static int carry_entry(struct carry *c, int from, int to, const char *name, size_t sub, int depth)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t r;
	int rc, sub_from, sub_to;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : carried(c, -errno);
	if (S_ISREG(st.st_mode)) {
		if (linkat(from, name, to, name, 0) == 0)
			return 0;
		rc = -errno;
		return carried(c, rc == -EEXIST ? rc : copy_file(from, name, to, &st));
	}
	if (S_ISLNK(st.st_mode)) {
		r = readlinkat(from, name, target, sizeof(target) - 1);
		if (r < 0)
			return carried(c, -errno);
		target[r] = '\0';
		return carried(c, symlinkat(target, to, name) < 0 ? -errno : 0);
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warn("%s/%s is not a file, a link or a folder: not carried over", c->p->dir, c->path);
		return 0;
	}
	if (st.st_dev != c->p->dev || depth >= MAX_DEPTH)
		return carried(c, st.st_dev != c->p->dev ? -EXDEV : -ELOOP);
	if (mkdirat(to, name, st.st_mode & 07777) < 0 && errno != EEXIST)
		return carried(c, -errno);
	sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub_from < 0 || sub_to < 0)
		rc = carried(c, -errno);
	else
		rc = carry_dir(c, sub_from, sub_to, sub, depth + 1);
	if (sub_from >= 0)
		close(sub_from);
	if (sub_to >= 0)
		close(sub_to);
	return rc;
}

/* c->path[0..at) is the folder's path relative to DIR ("" or "x/"). */
static int carry_dir(struct carry *c, int from, int to, size_t at, int depth)
{
	int fd = dup(from), rc = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rewinddir(d);
	while (rc == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		int is_dir = de->d_type == DT_DIR;
		size_t len = strlen(n);
		struct stat st;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (at + len + 2 > sizeof(c->path)) {
			rc = -ENAMETOOLONG;
			log_err("cannot carry %s/%.*s%s over into the new export: %s", c->p->dir,
				(int)at, c->path, n, strerror(-rc));
			break;
		}
		memcpy(c->path + at, n, len + 1);
		if (de->d_type == DT_UNKNOWN)
			is_dir = fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		if (c->skip(c->ctx, c->path, is_dir))
			continue;
		if (is_dir) /* the prefix of what is in it */
			memcpy(c->path + at + len, "/", 2);
		rc = carry_entry(c, from, to, n, at + len + 1, depth);
	}
	closedir(d);
	return rc;
}

int publish_carry_over(struct publish *p, int (*skip)(void *ctx, const char *path, int is_dir),
		       void *ctx)
{
	struct carry *c;
	int rc;

	if (p->prevfd < 0)
		return 0;
	c = xmalloc(sizeof(*c));
	c->p = p;
	c->skip = skip;
	c->ctx = ctx;
	c->path[0] = '\0';
	rc = carry_dir(c, p->prevfd, p->fd, 0, 0);
	free(c);
	return rc;
}

/* --- beginning --------------------------------------------------------------------- */

/* What DIR is now: nothing, one of our links, or a plain folder. */
static int find_previous(struct publish *p)
{
	struct stat st;
	char target[NAME_MAX + 1];
	ssize_t r;

	if (fstatat(p->pfd, p->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != p->dev) {
			log_err("%s is a mount point: it cannot be replaced by a link to the new "
				"export; export into a folder inside it", p->dir);
			return -EBUSY;
		}
		p->plain = 1;
		p->prevfd = openat(p->pfd, p->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return p->prevfd < 0 ? -errno : 0;
	}
	if (!S_ISLNK(st.st_mode)) {
		log_err("%s exists and is not a folder", p->dir);
		return -ENOTDIR;
	}
	r = readlinkat(p->pfd, p->name, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	if (!gen_number(target, p->name, &p->prev_gen))
		return -ELOOP; /* resolve() followed every other link */
	/* A link whose generation is gone shows nothing: start afresh. */
	p->prevfd = openat(p->pfd, target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return 0;
}

/* Removes the generations and half-made links that earlier runs left. */
static void clean(struct publish *p, unsigned long *highest)
{
	int fd = dup(p->pfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char new[NAME_MAX + 1], old[NAME_MAX + 1];
	unsigned long n;

	*highest = p->prev_gen;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	side(p, "new~", new, sizeof(new));
	side(p, "old~", old, sizeof(old));
	rewinddir(d);
	while ((de = readdir(d))) {
		int stale = strcmp(de->d_name, new) == 0 || strcmp(de->d_name, old) == 0;
		int rc;

		if (gen_number(de->d_name, p->name, &n)) {
			if (n > *highest)
				*highest = n;
			stale = n != p->prev_gen;
		}
		if (!stale)
			continue;
		rc = remove_tree(p->pfd, de->d_name, p->dev, 0);
		if (rc < 0)
			log_warn("cannot remove %s/%s, left by an export that did not finish: %s",
				 p->parent, de->d_name, strerror(-rc));
		else
			log_info("removed %s/%s, left by an export that did not finish", p->parent,
				 de->d_name);
	}
	closedir(d);
}

static int lock(struct publish *p)
{
	char name[NAME_MAX + 1];

	p->lockfd = openat(p->pfd, side(p, "lock", name, sizeof(name)),
			   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (p->lockfd < 0) {
		log_err("cannot create %s/%s: %s", p->parent, name, strerror(errno));
		return -errno;
	}
	if (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
		int rc = -errno;

		log_err("%s: another export into it is running (%s/%s is locked)", p->dir, p->parent,
			name);
		return rc;
	}
	return 0;
}

static void discard(struct publish *p)
{
	if (p->pfd >= 0)
		close(p->pfd);
	if (p->lockfd >= 0)
		close(p->lockfd); /* and the lock with it */
	if (p->prevfd >= 0)
		close(p->prevfd);
	if (p->fd >= 0)
		close(p->fd);
	free(p->parent);
	free(p->name);
	free(p);
}

struct publish *publish_begin(const char *dir)
{
	struct publish *p = xcalloc(1, sizeof(*p));
	char name[NAME_MAX + 1];
	struct stat st;
	unsigned long highest;
	int rc;

	*p = (struct publish){ .dir = dir, .pfd = -1, .lockfd = -1, .prevfd = -1, .fd = -1 };
	if ((rc = resolve(p, dir)) < 0) {
		log_err("cannot export to %s: %s", dir,
			rc == -EINVAL ? "name a folder (not . or /)" : strerror(-rc));
		discard(p);
		return NULL;
	}
	p->pfd = open(p->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->pfd < 0 || fstat(p->pfd, &st) < 0) {
		log_err("cannot open %s: %s", p->parent, strerror(errno));
		discard(p);
		return NULL;
	}
	p->dev = st.st_dev;
	if (lock(p) < 0) {
		discard(p);
		return NULL;
	}
	if ((rc = find_previous(p)) < 0) {
		if (rc != -EBUSY && rc != -ENOTDIR)
			log_err("cannot read %s: %s", dir, strerror(-rc));
		discard(p);
		return NULL;
	}
	clean(p, &highest);
	p->gen = highest + 1;
	gen_name(p, p->gen, name, sizeof(name));
	if (mkdirat(p->pfd, name, 0755) < 0 ||
	    (p->fd = openat(p->pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_err("cannot create %s/%s: %s", p->parent, name, strerror(errno));
		discard(p);
		return NULL;
	}
	return p;
}

int publish_fd(const struct publish *p)
{
	return p->fd;
}

int publish_prev_fd(const struct publish *p)
{
	return p->prevfd;
}

/* --- the swap ------------------------------------------------------------------------ */

/* Puts the link ".NAME.new~" in place of the plain folder NAME; the
 * folder is then at *aside. */
static int swap_plain(struct publish *p, const char *new, const char **aside, char *old)
{
	if (renameat2(p->pfd, new, p->pfd, p->name, RENAME_EXCHANGE) == 0) {
		*aside = new;
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_EXCHANGE: DIR is missing for the
	 * moment between two renames, once. */
	log_warn("%s: the file system cannot swap a folder for a link at once; %s is missing "
		 "for a moment while it becomes a link", p->dir, p->dir);
	if (renameat(p->pfd, p->name, p->pfd, old) < 0)
		return -errno;
	if (renameat(p->pfd, new, p->pfd, p->name) < 0) {
		int rc = -errno;

		renameat(p->pfd, old, p->pfd, p->name);
		return rc;
	}
	*aside = old;
	return 0;
}

static int swap(struct publish *p)
{
	char gen[NAME_MAX + 1], new[NAME_MAX + 1], old[NAME_MAX + 1];
	const char *aside = NULL;
	int rc = 0;

	gen_name(p, p->gen, gen, sizeof(gen));
	side(p, "new~", new, sizeof(new));
	side(p, "old~", old, sizeof(old));
	/* The files must be on disk before the link that shows them is:
	 * after a power cut, DIR shows the old set or the whole new one. */
	if (syncfs(p->fd) < 0 || symlinkat(gen, p->pfd, new) < 0)
		return -errno;
	if (p->plain)
		rc = swap_plain(p, new, &aside, old);
	else if (renameat(p->pfd, new, p->pfd, p->name) < 0)
		rc = -errno;
	if (rc < 0) {
		unlinkat(p->pfd, new, 0);
		return rc;
	}
	fsync(p->pfd);
	if (!p->plain && p->prev_gen)
		aside = gen_name(p, p->prev_gen, old, sizeof(old));
	if (aside && (rc = remove_tree(p->pfd, aside, p->dev, 0)) < 0)
		log_warn("cannot remove the previous export %s/%s: %s", p->parent, aside,
			 strerror(-rc));
	else if (p->plain)
		log_info("%s was a plain folder: it is now a link to %s, which each export "
			 "replaces whole", p->dir, gen);
	return 0;
}

int publish_end(struct publish *p, int rc)
{
	char gen[NAME_MAX + 1];

	if (rc == 0 && (rc = swap(p)) < 0)
		log_err("cannot publish %s: %s", p->dir, strerror(-rc));
	if (rc < 0) {
		int r = remove_tree(p->pfd, gen_name(p, p->gen, gen, sizeof(gen)), p->dev, 0);

		if (r < 0)
			log_warn("cannot remove the unfinished export %s/%s: %s", p->parent, gen,
				 strerror(-r));
	}
	discard(p);
	return rc;
}
