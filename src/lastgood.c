#include "config.h"

#include "lastgood.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

const char *lastgood_path(struct conf *c)
{
	return arena_printf(c->arena, "%s/programme.last-good", c->state_dir);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int copy_fd(int from, int to)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(to, buf + done, (size_t)(n - done));

			if (w < 0)
				return -1;
			done += w;
		}
	}
	return n < 0 ? -1 : 0;
}

int lastgood_save(struct conf *c, const struct stat *loaded)
{
	const char *path = lastgood_path(c);
	char *tmp = arena_printf(c->arena, "%s.new", path);
	struct stat now;
	int from, to = -1, rc = state_mkdirs(c->state_dir);

	if (rc < 0)
		errno = -rc;
	if (rc < 0 || (from = open(c->programme, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("cannot keep a copy of the programme in %s: %s", c->state_dir,
			 strerror(errno));
		return -1;
	}
	rc = -1;
	if (fstat(from, &now) == 0 && !same_file(&now, loaded)) {
		log_debug("%s changed while it loaded: its copy waits for the next load",
			  c->programme);
		close(from);
		return 0;
	}
	to = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (to >= 0 && copy_fd(from, to) == 0 && fsync(to) == 0 && close(to) == 0) {
		to = -1;
		rc = rename(tmp, path);
	}
	if (rc < 0) {
		log_warn("cannot save %s: %s", path, strerror(errno));
		if (to >= 0)
			close(to);
		unlink(tmp);
	}
	close(from);
	return rc;
}
