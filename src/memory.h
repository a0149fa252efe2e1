/* The one policy for running out of memory: the x* functions never
 * return NULL. agendad cannot serve half a catalogue or send half a
 * reminder, and every path that allocates would otherwise need an error
 * branch that no test reaches; so allocation failure ends the process
 * with a message (systemd restarts it, and the ledger and state are on
 * disk), as chrony's Malloc() and OpenSMTPD's xmalloc() do. Functions
 * built on these do not return -ENOMEM and do not promise NULL.
 *
 * Libraries that allocate (libical, jansson, libxml2, SQLite, libcurl)
 * report failure their own way; their results are checked where they
 * are called, and a NULL from them is an ordinary error, not this. */
#ifndef AGENDAD_MEMORY_H
#define AGENDAD_MEMORY_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* Overflow of n * size is treated as running out of memory. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The one array-growth helper: makes room for at least need elements of
 * elem bytes in *arr (capacity *cap, in elements), doubling from 16.
 * Elements past the old capacity are not initialised. */
void xgrow(void *arr, size_t *cap, size_t need, size_t elem);
#define XGROW(arr, cap, need) xgrow(&(arr), &(cap), (need), sizeof(*(arr)))

/* Ends the process: the x* functions' shared way out, for callers whose
 * library reported an allocation failure it cannot recover from. */
_Noreturn void out_of_memory(void);

#endif
