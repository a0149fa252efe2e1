/* Per-client limits: how many new selections an address may make in a
 * window, and how many connections it may hold open.  Both are bounded
 * tables of addresses under a keyed hash whose key is drawn at random per
 * process, so that nobody can choose addresses that collide.  An entry is
 * only ever dropped when it no longer counts (its window is over, its
 * last connection closed): a full table refuses newcomers rather than
 * forgetting someone.  Not thread-safe: callers lock. */
#ifndef AGENDAD_RATELIMIT_H
#define AGENDAD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* A client as http_client_addr names it: the full address, for the log. */
struct client_addr {
	int family; /* AF_INET, AF_INET6, or AF_UNSPEC (unknown: one shared client) */
	unsigned char b[16];
};

/* "192.0.2.1", "2001:db8::1" or "unknown" into out (at least 48 bytes). */
void client_addr_format(const struct client_addr *a, char *out, size_t size);

/* --- new selections per address and window --------------------------- */

struct ratelimit;

enum rl_result {
	RL_OK,      /* counted */
	RL_LIMITED, /* this client used up its window */
	RL_FULL,    /* the table holds max_clients live entries: a newcomer waits */
};

/* per_window takes per client in each window of window seconds (counted
 * from its first take); at most max_clients clients are remembered.
 * NULL when OpenSSL cannot key its table (running out of memory ends the
 * process, memory.h). */
struct ratelimit *ratelimit_new(unsigned per_window, int64_t window, size_t max_clients);
void ratelimit_free(struct ratelimit *rl);
/* Counts one take of a at now (seconds); on RL_LIMITED and RL_FULL,
 * *retry_after is the seconds after which it may succeed (at least 1). */
enum rl_result ratelimit_take(struct ratelimit *rl, const struct client_addr *a, int64_t now,
			      int64_t *retry_after);

/* --- connections open per address ------------------------------------- */

struct connlimit;

/* per_client connections per address; the table has room for
 * max_open addresses (one per connection the server allows).  NULL when
 * OpenSSL cannot key its table. */
struct connlimit *connlimit_new(unsigned per_client, size_t max_open);
void connlimit_free(struct connlimit *cl);
/* Whether a's next connection would be within its limit (no change). */
int connlimit_admits(const struct connlimit *cl, const struct client_addr *a);
/* Counts a connection of a.  Returns its number of open connections
 * (> per_client means over the limit: close it, and still call
 * connlimit_close), or 0 when the table is full (not counted). */
unsigned connlimit_open(struct connlimit *cl, const struct client_addr *a);
void connlimit_close(struct connlimit *cl, const struct client_addr *a);

/* For the unit tests: the slot a lands on first in a table of `slots`
 * slots keyed like rl's, so that a test can pick addresses that collide. */
size_t ratelimit_home(const struct ratelimit *rl, const struct client_addr *a);

#endif
