/* One non-cryptographic hash for ids, map keys and change stamps. */
#ifndef AGENDAD_HASH_H
#define AGENDAD_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of len bytes, continuing from h: start with HASH_SEED, or chain
 * several pieces by passing one result as the next h. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);
#define HASH_SEED 0xcbf29ce484222325ULL

#endif
