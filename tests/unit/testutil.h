/* Helpers shared by the unit tests: temporary files and folders, a
 * diag that captures "FILE:LINE: message" texts so tests can assert on
 * them, and the loading of fixture programmes and configurations.  Everything is static inline: each test program includes this
 * once and uses only some of it. */
#ifndef AGENDAD_TESTUTIL_H
#define AGENDAD_TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "conf.h"
#include "diag.h"
#include "memory.h"
#include "programme.h"

#ifndef TESTS_SRCDIR
#define TESTS_SRCDIR "tests"
#endif

/* A new, empty folder under $TMPDIR (or /tmp).  Caller frees the path
 * and removes the folder with tu_rmtree. */
static inline char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/agendad-unit-XXXXXX", base && *base ? base : "/tmp");

	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		free(dir);
		fail();
	}
	return dir;
}

static inline int tu_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything under it. */
static inline void tu_rmtree(const char *dir)
{
	nftw(dir, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to dir/name and returns the path (caller frees). */
static inline char *tu_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Writes text to a new temporary file and returns its path (caller
 * unlinks and frees: tu_unlink_free). */
static inline char *tu_temp_file(const char *text)
{
	const char *base = getenv("TMPDIR");
	char *path = xasprintf("%s/agendad-unit-XXXXXX", base && *base ? base : "/tmp");
	int fd = mkstemp(path);
	size_t len = strlen(text), done = 0;

	assert_true(fd >= 0);
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		assert_true(n > 0);
		done += (size_t)n;
	}
	assert_int_equal(close(fd), 0);
	return path;
}

static inline void tu_unlink_free(char *path)
{
	if (!path)
		return;
	unlink(path);
	free(path);
}

/* The 1-based number of the first line of text that contains needle
 * (the n-th such line with tu_line_of_nth), so that expected line
 * numbers follow the test input instead of being counted by hand. */
static inline int tu_line_of_nth(const char *text, const char *needle, int nth)
{
	const char *p = text;
	int line = 1;

	for (;;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *copy = xstrndup(p, len);
		int hit = strstr(copy, needle) != NULL;

		free(copy);
		if (hit && --nth == 0)
			return line;
		if (!eol)
			break;
		p = eol + 1;
		line++;
	}
	fprintf(stderr, "test bug: \"%s\" is not in the test input\n", needle);
	fail();
	return -1;
}

static inline int tu_line_of(const char *text, const char *needle)
{
	return tu_line_of_nth(text, needle, 1);
}

/* --- captured diagnostics ---------------------------------------------- */

struct tu_msg {
	int is_error;
	char *text;
};

struct tu_diag {
	struct diag d;
	struct tu_msg *msgs;
	size_t n, cap;
};

static inline void tu_diag_emit(void *ctx, int is_error, const char *msg)
{
	struct tu_diag *td = ctx;

	XGROW(td->msgs, td->cap, td->n + 1);
	td->msgs[td->n].is_error = is_error;
	td->msgs[td->n].text = xstrdup(msg);
	td->n++;
}

static inline void tu_diag_init(struct tu_diag *td)
{
	memset(td, 0, sizeof(*td));
	diag_init(&td->d);
	td->d.emit = tu_diag_emit;
	td->d.ctx = td;
}

static inline void tu_diag_free(struct tu_diag *td)
{
	for (size_t i = 0; i < td->n; i++)
		free(td->msgs[i].text);
	free(td->msgs);
	td->msgs = NULL;
	td->n = td->cap = 0;
}

static inline void tu_diag_dump(const struct tu_diag *td, const char *why)
{
	fprintf(stderr, "%s; the %zu captured diagnostics are:\n", why, td->n);
	for (size_t i = 0; i < td->n; i++)
		fprintf(stderr, "  [%s] %s\n", td->msgs[i].is_error ? "error" : "warning",
			td->msgs[i].text);
}

/* How many messages start with "FILE:LINE: " (line > 0; "FILE: " for
 * line 0) and contain needle. */
static inline size_t tu_diag_count(const struct tu_diag *td, const char *file, int line,
				   const char *needle)
{
	char *prefix = line > 0 ? xasprintf("%s:%d: ", file, line) : xasprintf("%s: ", file);
	size_t n = 0;

	for (size_t i = 0; i < td->n; i++)
		if (strncmp(td->msgs[i].text, prefix, strlen(prefix)) == 0 &&
		    strstr(td->msgs[i].text + strlen(prefix), needle))
			n++;
	free(prefix);
	return n;
}

/* Asserts that exactly one diagnostic "FILE:LINE: ..." contains needle. */
#define assert_diag(td, file, line, needle)                                                   \
	do {                                                                                  \
		if (tu_diag_count((td), (file), (line), (needle)) != 1) {                     \
			fprintf(stderr, "expected one diagnostic %s:%d: ...%s...\n", (file),  \
				(int)(line), (needle));                                       \
			tu_diag_dump((td), "not found");                                      \
			fail();                                                               \
		}                                                                             \
	} while (0)

/* Asserts the numbers of errors and warnings, counted by the diag and
 * by the captured messages alike. */
#define assert_diag_counts(td, n_errors, n_warnings)                                          \
	do {                                                                                  \
		size_t e_ = 0, w_ = 0;                                                        \
		for (size_t i_ = 0; i_ < (td)->n; i_++)                                       \
			(td)->msgs[i_].is_error ? e_++ : w_++;                                \
		if ((td)->d.errors != (size_t)(n_errors) || e_ != (size_t)(n_errors) ||       \
		    (td)->d.warnings != (size_t)(n_warnings) || w_ != (size_t)(n_warnings)) { \
			fprintf(stderr, "expected %d errors and %d warnings, diag counted "   \
					"%zu and %zu\n",                                      \
				(int)(n_errors), (int)(n_warnings), (td)->d.errors,           \
				(td)->d.warnings);                                            \
			tu_diag_dump((td), "counts differ");                                  \
			fail();                                                               \
		}                                                                             \
	} while (0)

/* --- fixtures: programmes and configurations ------------------------------- */

/* A fixture is the test's own input: an error fails the test, with the
 * diagnostics on stderr, and so does a warning unless warnings_ok (some
 * fixtures overlap sessions on purpose). */
static inline void tu_fixture_check(struct tu_diag *td, const void *loaded, const char *path,
				    int warnings_ok)
{
	if (!loaded || td->d.errors || (td->d.warnings && !warnings_ok)) {
		char *why = xasprintf("the fixture %s does not load%s", path,
				      warnings_ok ? "" : " without warnings");

		tu_diag_dump(td, why);
		free(why);
		tu_diag_free(td);
		fail();
	}
	tu_diag_free(td);
}

static inline struct programme *tu_load_checked(const char *path, int warnings_ok)
{
	struct tu_diag td;
	struct programme *p;

	tu_diag_init(&td);
	p = prog_load(path, &td.d);
	tu_fixture_check(&td, p, path, warnings_ok);
	return p;
}

/* The programme at path, warnings allowed (caller frees with prog_free). */
static inline struct programme *tu_load(const char *path)
{
	return tu_load_checked(path, 1);
}

/* text written as dir/name, then loaded as tu_load does. */
static inline struct programme *tu_load_text(const char *dir, const char *name, const char *text)
{
	char *path = tu_write(dir, name, text);
	struct programme *p = tu_load_checked(path, 1);

	free(path);
	return p;
}

/* The same, for a fixture that must not give a single warning. */
static inline struct programme *tu_load_text_clean(const char *dir, const char *name,
						   const char *text)
{
	char *path = tu_write(dir, name, text);
	struct programme *p = tu_load_checked(path, 0);

	free(path);
	return p;
}

/* text written as dir/agendad.conf, then loaded without a warning
 * (caller frees with conf_free).  Its programme is not loaded: that is
 * tu_load's. */
static inline struct conf *tu_load_conf(const char *dir, const char *text)
{
	char *path = tu_write(dir, "agendad.conf", text);
	struct tu_diag td;
	struct conf *c;

	tu_diag_init(&td);
	c = conf_load(path, &td.d);
	tu_fixture_check(&td, c, path, 0);
	free(path);
	return c;
}

#endif
