/* Lower bounds for an export on this machine, measured beside the
 * benchmark so that its targets can be weighed against them:
 *
 *   floor parse PROGRAMME     seconds libconfig's config_read_file takes to
 *                             read the programme (nothing else: no model,
 *                             no validation)
 *   floor write SRC DST [T]   seconds T threads (default: the cores) take
 *                             to create every file under SRC again under
 *                             DST, from memory: the folders, then open,
 *                             write, close, the least any exporter of the
 *                             same files must do
 *
 * Each prints one number of seconds on stdout.  Built by bench/run-export
 * with the system's libconfig. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libconfig.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "floor: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static int parse(const char *path)
{
	config_t cfg;
	double t0, t1;

	config_init(&cfg);
	t0 = now();
	if (!config_read_file(&cfg, path)) {
		fprintf(stderr, "floor: %s:%d: %s\n", path, config_error_line(&cfg),
			config_error_text(&cfg));
		return 1;
	}
	t1 = now();
	config_destroy(&cfg);
	printf("%.3f\n", t1 - t0);
	return 0;
}

struct file {
	char *path; /* relative to SRC */
	char *data;
	size_t len;
	int is_dir;
};

static struct {
	struct file *v;
	size_t n, cap;
	size_t src_len;
	const char *dst;
} files;

static void slurp(struct file *f, const char *full, size_t size)
{
	int fd = open(full, O_RDONLY);
	size_t got = 0;

	f->data = malloc(size ? size : 1);
	if (fd < 0 || !f->data)
		die("cannot read", full);
	while (got < size) {
		ssize_t r = read(fd, f->data + got, size - got);

		if (r <= 0)
			die("cannot read", full);
		got += (size_t)r;
	}
	f->len = size;
	close(fd);
}

static int collect(const char *full, const struct stat *st, int type, struct FTW *ftw)
{
	struct file *f;

	(void)ftw;
	if (strlen(full) <= files.src_len)
		return 0; /* SRC itself */
	if (type != FTW_F && type != FTW_D)
		return 0;
	if (files.n == files.cap) {
		files.cap = files.cap ? 2 * files.cap : 4096;
		files.v = realloc(files.v, files.cap * sizeof(*files.v));
		if (!files.v)
			die("out of memory at", full);
	}
	f = &files.v[files.n++];
	memset(f, 0, sizeof(*f));
	f->path = strdup(full + files.src_len + 1);
	f->is_dir = type == FTW_D;
	if (!f->is_dir)
		slurp(f, full, (size_t)st->st_size);
	return 0;
}

struct slice {
	size_t first, step;
};

static void *write_slice(void *arg)
{
	const struct slice *s = arg;
	char path[4096];

	for (size_t i = s->first; i < files.n; i += s->step) {
		const struct file *f = &files.v[i];
		size_t done = 0;
		int fd;

		if (f->is_dir)
			continue;
		snprintf(path, sizeof(path), "%s/%s", files.dst, f->path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die("cannot create", path);
		while (done < f->len) {
			ssize_t w = write(fd, f->data + done, f->len - done);

			if (w < 0)
				die("cannot write", path);
			done += (size_t)w;
		}
		close(fd);
	}
	return NULL;
}

static int rewrite(const char *src, const char *dst, long threads)
{
	pthread_t tid[64];
	struct slice sl[64];
	char path[4096];
	double t0;

	files.src_len = strlen(src);
	files.dst = dst;
	/* FTW_D comes before a folder's contents, so folders are made first. */
	if (nftw(src, collect, 32, FTW_PHYS) < 0)
		die("cannot walk", src);
	if (threads < 1 || threads > 64)
		threads = 2;
	t0 = now();
	if (mkdir(dst, 0755) < 0)
		die("cannot create", dst);
	for (size_t i = 0; i < files.n; i++) {
		if (!files.v[i].is_dir)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dst, files.v[i].path);
		if (mkdir(path, 0755) < 0)
			die("cannot create", path);
	}
	for (long t = 0; t < threads; t++) {
		sl[t] = (struct slice){ (size_t)t, (size_t)threads };
		if (pthread_create(&tid[t], NULL, write_slice, &sl[t]) != 0)
			die("cannot start a thread for", dst);
	}
	for (long t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	printf("%.3f\n", now() - t0);
	for (size_t i = 0; i < files.n; i++) {
		free(files.v[i].path);
		free(files.v[i].data);
	}
	free(files.v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "write") == 0)
		return rewrite(argv[2], argv[3], argc == 5 ? atol(argv[4]) : sysconf(_SC_NPROCESSORS_ONLN));
	fputs("usage: floor parse PROGRAMME | floor write SRC DST [THREADS]\n", stderr);
	return 2;
}
