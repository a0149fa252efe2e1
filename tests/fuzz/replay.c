/* make check's side of the fuzz targets: runs the target's stored inputs
 * (tests/fuzz/regressions/<target>/, then its seed corpus) through the
 * same LLVMFuzzerTestOneInput that libFuzzer calls, in the ordinary
 * build, so that every crash once found stays fixed without clang.
 * With arguments, runs those files instead (to reproduce one). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET names the target"
#endif

/* LeakSanitizer asks for this when the build has it (.ci/run's second
 * build): the leaks of libconfig 1.5 that tests/fuzz/lsan.supp names,
 * which refused programmes kept here set off. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* Stored inputs are small; anything larger is not ours. */
#define REPLAY_MAX (4 << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = malloc(REPLAY_MAX);
	size_t n;

	if (!f || !data) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	n = fread(data, 1, REPLAY_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 1;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir, in name order (so a failure is found again first). */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[1024];
	size_t n = 0;
	int ran = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || !(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		printf("# %s\n", path);
		fflush(stdout);
		ran += run_file(path);
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	int ran = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			ran += run_file(argv[i]);
	} else {
		ran += run_dir(FUZZ_SRCDIR "/tests/fuzz/regressions/" FUZZ_TARGET);
		ran += run_dir(FUZZ_SRCDIR "/tests/fuzz/corpus/" FUZZ_TARGET);
	}
	printf("%s: replayed %d inputs\n", FUZZ_TARGET, ran);
	/* A target with nothing to replay tests nothing. */
	return ran > 0 ? 0 : 1;
}
