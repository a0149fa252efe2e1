/* Shared by the fuzz targets (tests/fuzz/README.md): each target defines
 * LLVMFuzzerTestOneInput, which libFuzzer calls (clang build, tests/fuzz/
 * build) or replay.c calls with the stored inputs (make check). */
#ifndef AGENDAD_FUZZ_H
#define AGENDAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "programme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A folder for the process's files, on /dev/shm when it can (memory,
 * and fast), removed at exit. */
const char *fuzz_dir(void);
/* Writes size bytes to file name in fuzz_dir(); returns its path (static). */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* A diag that counts and drops its messages (formatting them all the same). */
void fuzz_diag(struct diag *d);
/* The input as a NUL-terminated string (NULs inside kept); caller frees. */
char *fuzz_string(const uint8_t *data, size_t size);
/* A bundled file of the source tree (etc/...), loaded once; never NULL. */
struct programme *fuzz_sample_programme(void);

/* Everything agendad publishes from an accepted programme, as an export
 * makes it: every feed (with a fresh state database), every page,
 * schedule.json and schedule.xml.  Aborts when an invariant fails: a
 * document that its own parser rejects, a feed whose bytes differ from
 * its announced size. */
void fuzz_render(const struct programme *p);

/* One importer (import_json or import_xml) on the input, then everything
 * published from what it accepted; aborts when it accepts a document with
 * errors or refuses one without saying why. */
typedef struct programme *(*fuzz_importer)(const char *what, const char *text, size_t len,
					   struct diag *d);
int fuzz_import(const uint8_t *data, size_t size, fuzz_importer importer, const char *what);

/* Aborts with a message: an invariant of agendad's own output failed. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
