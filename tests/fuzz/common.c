#include "config.h"

#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "feeds.h"
#include "pages.h"
#include "import_build.h"
#include "log.h"
#include "schedule.h"
#include "state.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static char dir[256];

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz invariant failed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
	closedir(d);
	rmdir(path);
}

static void remove_dir(void)
{
	if (*dir)
		rm_tree(dir);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (*dir)
		return dir;
	snprintf(dir, sizeof(dir), "/dev/shm/agendad-fuzz-XXXXXX");
	if (access("/dev/shm", W_OK) != 0 || !mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "%s/agendad-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			fuzz_fail("cannot make a temporary folder");
	}
	atexit(remove_dir);
	/* The loaders' log lines (state, libical) would drown libFuzzer's. */
	log_set_level(LOG_LVL_ERR - 1);
	return dir;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0)
		fuzz_fail("cannot write %s", path);
	return path;
}

static void drop(void *ctx, int is_error, const char *msg)
{
}

void fuzz_diag(struct diag *d)
{
	diag_init(d);
	d->emit = drop;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

struct programme *fuzz_sample_programme(void)
{
	static struct programme *p;
	struct diag d;

	if (p)
		return p;
	fuzz_dir();
	diag_init(&d);
	p = prog_load(FUZZ_SRCDIR "/etc/idm-2014-south-south.programme", &d);
	if (!p)
		fuzz_fail("cannot load the sample programme from %s", FUZZ_SRCDIR);
	return p;
}

/* The configuration every rendering uses: alarms, a base URL and a
 * refresh, so that all of the feeds' lines are there. */
static const struct conf *fuzz_conf(void)
{
	static const char text[] = "programme = \"unused.programme\";\n"
				   "base_url = \"https://example.org/agenda/\";\n"
				   "feeds = { refresh = \"2h\"; alarms = [ \"15m\", \"1d\" ]; };\n";
	static struct conf *c;
	struct diag d;

	if (c)
		return c;
	diag_init(&d);
	c = conf_load(fuzz_write("agendad.conf", (const uint8_t *)text, sizeof(text) - 1), &d);
	if (!c)
		fuzz_fail("the fuzz configuration does not load");
	return c;
}

struct sink {
	size_t len;
};

static int count(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	/* Touch every byte, so that ASan sees a read of anything freed. */
	for (size_t i = 0; i < len; i++)
		if (((const char *)data)[i] == '\0')
			fuzz_fail("a NUL byte in a feed");
	s->len += len;
	return 0;
}

static void render_feeds(const struct programme *p, const struct conf *c)
{
	char state_dir[512];
	struct state *st = NULL;
	struct feedset *fs = NULL;
	struct pageset pages = { 0 };

	/* A fresh database each time: what an input does must not depend
	 * on the inputs before it. */
	snprintf(state_dir, sizeof(state_dir), "%s/state", fuzz_dir());
	rm_tree(state_dir);
	if (state_open(state_dir, &st) < 0)
		fuzz_fail("cannot open a state in %s", state_dir);
	/* 2014-03-01: before the sample's days, so alarms and all are live. */
	if (feedset_build(p, c, st, 1393632000, &fs) < 0)
		fuzz_fail("feedset_build failed on an accepted programme");
	for (size_t i = 0; i < fs->n_feeds; i++) {
		struct sink s = { 0 };

		feedset_emit(fs, &fs->feeds[i], count, &s);
		if (s.len != feedset_size(fs, &fs->feeds[i]))
			fuzz_fail("feed %s: %zu bytes, announced %zu", fs->feeds[i].path, s.len,
				  feedset_size(fs, &fs->feeds[i]));
	}
	pages_build(fs, c, &pages);
	if (pages.n == 0)
		fuzz_fail("no pages built for an accepted programme");
	for (size_t i = 0; i < pages.n; i++)
		if (strlen(pages.pages[i].data) != pages.pages[i].len)
			fuzz_fail("page %s holds a NUL byte", pages.pages[i].path);
	pages_free(&pages);
	feedset_free(fs);
	state_close(st);
}

/* With FUZZ_ROUNDTRIP set: the document agendad wrote must import again
 * without errors, as the IDM programme does in the integration tests.  Off
 * by default: a finding here is a disagreement between exporter and
 * importer, to look at, not a crash. */
static void reimport(const char *what, const struct buf *b)
{
	struct programme *again;
	struct diag d;

	if (!getenv("FUZZ_ROUNDTRIP"))
		return;
	diag_init(&d);
	again = strstr(what, ".json") ? import_json(what, b->data, b->len, &d)
			       : import_xml(what, b->data, b->len, &d);
	if (!again)
		fuzz_fail("%s does not import again (%zu errors)", what, d.errors);
	prog_free(again);
}

static void render_schedules(const struct programme *p, const struct conf *c)
{
	struct buf b = { 0 };
	json_error_t jerr;
	json_t *j;
	xmlDoc *x;

	if (schedule_json(p, c, &b) < 0)
		fuzz_fail("schedule_json failed");
	j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fuzz_fail("schedule.json is not JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
	json_decref(j);
	reimport("schedule.json", &b);
	b.len = 0;
	if (schedule_xml(p, c, &b) < 0)
		fuzz_fail("schedule_xml failed");
	x = xmlReadMemory(b.data, (int)b.len, "schedule.xml", NULL,
			  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!x)
		fuzz_fail("schedule.xml is not well-formed XML");
	xmlFreeDoc(x);
	reimport("schedule.xml", &b);
	buf_free(&b);
}

void fuzz_render(const struct programme *p)
{
	const struct conf *c = fuzz_conf();

	render_feeds(p, c);
	render_schedules(p, c);
}

int fuzz_import(const uint8_t *data, size_t size, fuzz_importer importer, const char *what)
{
	char *text = fuzz_string(data, size);
	struct diag d;
	struct programme *p;

	fuzz_diag(&d);
	p = importer(what, text, size, &d);
	if (p && d.errors)
		fuzz_fail("a programme came back with %zu errors", d.errors);
	if (!p && !d.errors)
		fuzz_fail("a document was refused without an error");
	if (p)
		fuzz_render(p);
	prog_free(p);
	free(text);
	return 0;
}
