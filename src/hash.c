#include "config.h"

#include "hash.h"

/* FNV-1a: ids are short, and this is not exposed to hostile keys at a
 * scale where flooding matters (maps hold the organiser's own ids). */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
