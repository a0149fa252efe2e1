/* Reference counts shared between threads: the catalogue, its live pages
 * and the view cache's views are held by requests in flight on any of
 * libmicrohttpd's threads.  Taking a reference needs no ordering (the
 * taker already holds one, or a lock); dropping one is acquire-release,
 * so that whoever drops the last sees every other thread's writes before
 * it frees. */
#ifndef AGENDAD_REF_H
#define AGENDAD_REF_H

/* A new object's count: its creator's reference. */
static inline void ref_init(int *refs)
{
	*refs = 1;
}

static inline void ref_get(int *refs)
{
	__atomic_add_fetch(refs, 1, __ATOMIC_RELAXED);
}

/* Drops one reference; returns 1 when it was the last (free the object). */
static inline int ref_put(int *refs)
{
	return __atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL) == 0;
}

#endif
