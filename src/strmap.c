#include "config.h"

#include "strmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "memory.h"

struct slot {
	const char *key;
	size_t len;
	uint64_t hash;
	uint32_t value;
};

struct strmap {
	struct slot *slots;
	size_t cap, count;
};

struct strmap *strmap_new(size_t expected)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->cap = 16;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(struct slot));
	return m;
}

void strmap_free(struct strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

static struct slot *find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	for (;;) {
		struct slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static void grow(struct strmap *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(struct slot));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
}

int strmap_put(struct strmap *m, const char *key, uint32_t value, uint32_t *old)
{
	size_t len = strlen(key);
	uint64_t h = hash_bytes(HASH_SEED, key, len);
	struct slot *s;

	if ((m->count + 1) * 2 > m->cap)
		grow(m);
	s = find(m, key, len, h);
	if (s->key) {
		if (old)
			*old = s->value;
		return -EEXIST;
	}
	s->key = key;
	s->len = len;
	s->hash = h;
	s->value = value;
	m->count++;
	return 0;
}

int strmap_getn(const struct strmap *m, const char *key, size_t len, uint32_t *value)
{
	const struct slot *s = find(m, key, len, hash_bytes(HASH_SEED, key, len));

	if (!s->key)
		return -ENOENT;
	*value = s->value;
	return 0;
}

int strmap_get(const struct strmap *m, const char *key, uint32_t *value)
{
	return strmap_getn(m, key, strlen(key), value);
}
