/* Runs independent work on every core: rendering and writing thousands
 * of feeds is embarrassingly parallel. */
#ifndef AGENDAD_PARALLEL_H
#define AGENDAD_PARALLEL_H

#include <stddef.h>

/* Calls fn(ctx, begin, end) on disjoint ranges that cover [0, n), from
 * up to one thread per core, and returns when all are done.  Ranges are
 * not split below min_chunk items.  fn must only touch its own range. */
void parallel_for(size_t n, size_t min_chunk, void (*fn)(void *ctx, size_t begin, size_t end),
		  void *ctx);

#endif
