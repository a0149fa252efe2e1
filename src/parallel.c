#include "config.h"

#include "parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 8

struct range {
	void (*fn)(void *ctx, size_t begin, size_t end);
	void *ctx;
	size_t begin, end;
};

static void *run_range(void *arg)
{
	struct range *r = arg;

	r->fn(r->ctx, r->begin, r->end);
	return NULL;
}

void parallel_for(size_t n, size_t min_chunk, void (*fn)(void *ctx, size_t begin, size_t end),
		  void *ctx)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = cores > 0 ? (size_t)cores : 1;
	struct range r[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS] = { 0 };

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (min_chunk == 0)
		min_chunk = 1;
	if (threads > n / min_chunk)
		threads = n / min_chunk;
	if (threads <= 1) {
		fn(ctx, 0, n);
		return;
	}
	for (size_t t = 0; t < threads; t++)
		r[t] = (struct range){ .fn = fn,
				       .ctx = ctx,
				       .begin = n * t / threads,
				       .end = n * (t + 1) / threads };
	/* A thread that cannot be started leaves its range to this one. */
	for (size_t t = 1; t < threads; t++)
		started[t] = pthread_create(&tid[t], NULL, run_range, &r[t]) == 0;
	run_range(&r[0]);
	for (size_t t = 1; t < threads; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			run_range(&r[t]);
	}
}
