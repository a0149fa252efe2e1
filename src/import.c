#include "config.h"

#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>

#include "import_build.h"
#include "memory.h"

enum import_format import_sniff(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a UTF-8 byte order mark */
	while (i < len && strchr(" \t\r\n", data[i]))
		i++;
	if (i < len && data[i] == '{')
		return IMPORT_JSON;
	if (i < len && data[i] == '<')
		return IMPORT_XML;
	return IMPORT_LIBCONFIG;
}

/* The whole file, or NULL (errno; EFBIG past max_size bytes). */
static char *slurp(const char *path, size_t max_size, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n > max_size) {
			free(data);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		XGROW(data, cap, n + 65536);
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(data);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

/* The format from the file's first bytes, so that a libconfig programme
 * (which libconfig reads itself, from the path) is not read twice. */
static int sniff_file(const char *path, enum import_format *format)
{
	FILE *f = fopen(path, "rb");
	char head[4096];
	size_t n;

	if (!f)
		return -1;
	n = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	*format = import_sniff(head, n);
	return 0;
}

static void too_big(const char *path, size_t max_size, struct diag *d)
{
	diag_error(d, path, 0,
		   "larger than %zu bytes (%zu MiB, programme_max_mb): refused before reading it",
		   max_size, max_size >> 20);
}

struct programme *import_programme(const char *path, struct diag *d)
{
	return import_programme_max(path, PROG_MAX_SIZE_DEFAULT, d);
}

struct programme *import_programme_max(const char *path, size_t max_size, struct diag *d)
{
	struct programme *p = NULL;
	enum import_format format;
	struct stat st;
	size_t len = 0;
	char *data = NULL;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_size) {
		too_big(path, max_size, d);
		return NULL;
	}
	if (sniff_file(path, &format) < 0 ||
	    (format != IMPORT_LIBCONFIG && !(data = slurp(path, max_size, &len)))) {
		if (errno == EFBIG)
			too_big(path, max_size, d);
		else
			diag_error(d, path, 0, "cannot read the programme: %s", strerror(errno));
		return NULL;
	}
	switch (format) {
	case IMPORT_JSON:
		p = import_json(path, data, len, d);
		break;
	case IMPORT_XML:
		p = import_xml(path, data, len, d);
		break;
	case IMPORT_LIBCONFIG:
		p = prog_load_max(path, max_size, d);
		break;
	}
	free(data);
	return p;
}
