/* String -> index map (open addressing).  Keys are borrowed: they must
 * outlive the map, which is how the programme's arena-owned ids are used. */
#ifndef AGENDAD_STRMAP_H
#define AGENDAD_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_new(size_t expected);
void strmap_free(struct strmap *m);
/* Returns 0, or -EEXIST (and *old set when non-NULL) if key is present. */
int strmap_put(struct strmap *m, const char *key, uint32_t value, uint32_t *old);
/* Returns 0 and sets *value, or -ENOENT. */
int strmap_get(const struct strmap *m, const char *key, uint32_t *value);
int strmap_getn(const struct strmap *m, const char *key, size_t len, uint32_t *value);
size_t strmap_count(const struct strmap *m);

#endif
