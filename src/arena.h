/* A bump allocator: everything a programme snapshot holds lives in one
 * arena and is freed at once, which keeps ownership of the model obvious. */
#ifndef AGENDAD_ARENA_H
#define AGENDAD_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* Frees every allocation made from the arena; accepts NULL. */
void arena_free(struct arena *a);
/* Zeroed memory aligned for any type; aborts on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies s (NULL gives NULL). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
