#include "config.h"

#include "ratelimit.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#define HAVE_EVP_MAC 1
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "memory.h"

/* What a table counts by: IPv4 addresses one by one, IPv6 ones by /64
 * (one household or host holds a whole /64).  k[0] is the family. */
#define KEY_LEN 9

/* 32 bytes; a table has two slots per entry it may hold. */
struct slot {
	int64_t since; /* ratelimit: the start of the client's window */
	uint32_t hash;
	unsigned count;
	unsigned char k[KEY_LEN];
	unsigned char used;
};

/* Open addressing with linear probing, at most half full; removal shifts
 * the rest of a run back, so no tombstones are left behind. */
struct table {
	struct slot *slots;
	size_t mask, n, max_n;
	unsigned char key[32]; /* the hash's secret key, random per table */
#ifdef HAVE_EVP_MAC
	EVP_MAC_CTX *mac; /* SipHash-2-4 under key, set up once */
#endif
};

void client_addr_format(const struct client_addr *a, char *out, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	if (a->family == AF_INET || a->family == AF_INET6)
		snprintf(out, size, "%s", inet_ntop(a->family, a->b, text, sizeof(text)));
	else
		snprintf(out, size, "unknown");
}

static void table_key(const struct client_addr *a, unsigned char k[KEY_LEN])
{
	memset(k, 0, KEY_LEN);
	if (a->family == AF_INET) {
		k[0] = 4;
		memcpy(k + 1, a->b, 4);
	} else if (a->family == AF_INET6) {
		k[0] = 6;
		memcpy(k + 1, a->b, 8);
	}
}

static void table_free(struct table *t)
{
#ifdef HAVE_EVP_MAC
	EVP_MAC_CTX_free(t->mac);
#endif
	free(t->slots);
}

static int table_init(struct table *t, size_t max_n)
{
	size_t size = 4;

	while (size < 2 * max_n)
		size <<= 1;
	t->slots = xcalloc(size, sizeof(*t->slots));
	t->mask = size - 1;
	t->n = 0;
	t->max_n = max_n;
	/* Without a secret key, anyone could pick addresses that share a run
	 * and make every look-up walk it. */
	if (RAND_bytes(t->key, sizeof(t->key)) != 1) {
		free(t->slots);
		return -1;
	}
#ifdef HAVE_EVP_MAC
	{
		EVP_MAC *siphash = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
		size_t out = 8;
		OSSL_PARAM params[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out),
					OSSL_PARAM_END };

		t->mac = siphash ? EVP_MAC_CTX_new(siphash) : NULL;
		EVP_MAC_free(siphash);
		if (!t->mac || !EVP_MAC_init(t->mac, t->key, 16, params)) {
			table_free(t);
			return -1;
		}
	}
#endif
	return 0;
}

static uint32_t table_hash(const struct table *t, const unsigned char k[KEY_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	uint32_t h = 0;
#ifdef HAVE_EVP_MAC
	size_t len = 0;

	/* SipHash, made for keyed hash tables: 0.1 us where HMAC-SHA256 takes
	 * several; init without a key keeps the one set up. */
	if (!EVP_MAC_init(t->mac, NULL, 0, NULL) || !EVP_MAC_update(t->mac, k, KEY_LEN) ||
	    !EVP_MAC_final(t->mac, md, &len, sizeof(md)))
		abort();
#else
	unsigned int len = 0;

	HMAC(EVP_sha256(), t->key, sizeof(t->key), k, KEY_LEN, md, &len);
#endif
	memcpy(&h, md, sizeof(h));
	return h;
}

/* The slot holding k, or the empty one where it would go. */
static struct slot *table_probe(const struct table *t, const unsigned char k[KEY_LEN], uint32_t h)
{
	size_t i = (size_t)h & t->mask;

	while (t->slots[i].used && memcmp(t->slots[i].k, k, KEY_LEN) != 0)
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static struct slot *table_find(const struct table *t, const struct client_addr *a)
{
	unsigned char k[KEY_LEN];
	struct slot *s;

	table_key(a, k);
	s = table_probe(t, k, table_hash(t, k));
	return s->used ? s : NULL;
}

/* The slot of a, a new one, or NULL when the table is full. */
static struct slot *table_get(struct table *t, const struct client_addr *a, int *created)
{
	unsigned char k[KEY_LEN];
	uint32_t h;
	struct slot *s;

	table_key(a, k);
	h = table_hash(t, k);
	s = table_probe(t, k, h);
	*created = !s->used;
	if (s->used)
		return s;
	if (t->n == t->max_n)
		return NULL;
	memset(s, 0, sizeof(*s));
	memcpy(s->k, k, KEY_LEN);
	s->hash = h;
	s->used = 1;
	t->n++;
	return s;
}

/* Empties slot i and moves later members of its run back into the hole
 * when their home allows it. */
static void table_remove(struct table *t, size_t i)
{
	size_t j = i;

	t->slots[i].used = 0;
	t->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & t->mask;
		if (!t->slots[j].used)
			return;
		home = (size_t)t->slots[j].hash & t->mask;
		/* It stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j].used = 0;
		i = j;
	}
}

/* --- ratelimit ---------------------------------------------------------- */

struct ratelimit {
	struct table t;
	unsigned per_window;
	int64_t window;
	int64_t next_expiry; /* no entry's window ends before this */
};

struct ratelimit *ratelimit_new(unsigned per_window, int64_t window, size_t max_clients)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	if (table_init(&rl->t, max_clients ? max_clients : 1) < 0) {
		free(rl);
		return NULL;
	}
	rl->per_window = per_window;
	rl->window = window > 0 ? window : 1;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	table_free(&rl->t);
	free(rl);
}

/* Drops the entries whose window is over, and notes when the next ends.
 * Only when the table is full, and not again before something expires:
 * a flood of newcomers against a full table costs one walk per window. */
static void purge(struct ratelimit *rl, int64_t now)
{
	struct table *t = &rl->t;
	int64_t next = INT64_MAX;

	if (now < rl->next_expiry)
		return;
	for (size_t i = 0; i <= t->mask;) {
		struct slot *s = &t->slots[i];

		if (s->used && now >= s->since + rl->window) {
			table_remove(t, i); /* a later entry may now be at i */
			continue;
		}
		if (s->used && s->since + rl->window < next)
			next = s->since + rl->window;
		i++;
	}
	rl->next_expiry = next;
}

enum rl_result ratelimit_take(struct ratelimit *rl, const struct client_addr *a, int64_t now,
			      int64_t *retry_after)
{
	struct slot *s;
	int created;

	s = table_get(&rl->t, a, &created);
	if (!s) {
		purge(rl, now);
		s = table_get(&rl->t, a, &created);
	}
	if (!s) {
		*retry_after = rl->next_expiry > now ? rl->next_expiry - now : 1;
		return RL_FULL;
	}
	if (created || now >= s->since + rl->window) {
		s->since = now;
		s->count = 0;
	}
	if (s->count >= rl->per_window) {
		*retry_after = s->since + rl->window - now;
		if (*retry_after < 1)
			*retry_after = 1;
		return RL_LIMITED;
	}
	s->count++;
	return RL_OK;
}

size_t ratelimit_home(const struct ratelimit *rl, const struct client_addr *a)
{
	unsigned char k[KEY_LEN];

	table_key(a, k);
	return (size_t)table_hash(&rl->t, k) & rl->t.mask;
}

/* --- connlimit ---------------------------------------------------------- */

struct connlimit {
	struct table t;
	unsigned per_client;
};

struct connlimit *connlimit_new(unsigned per_client, size_t max_open)
{
	struct connlimit *cl = xcalloc(1, sizeof(*cl));

	if (table_init(&cl->t, max_open ? max_open : 1) < 0) {
		free(cl);
		return NULL;
	}
	cl->per_client = per_client;
	return cl;
}

void connlimit_free(struct connlimit *cl)
{
	if (!cl)
		return;
	table_free(&cl->t);
	free(cl);
}

int connlimit_admits(const struct connlimit *cl, const struct client_addr *a)
{
	const struct slot *s = table_find(&cl->t, a);

	return s ? s->count < cl->per_client : cl->t.n < cl->t.max_n;
}

unsigned connlimit_open(struct connlimit *cl, const struct client_addr *a)
{
	int created;
	struct slot *s = table_get(&cl->t, a, &created);

	if (!s)
		return 0;
	return ++s->count;
}

void connlimit_close(struct connlimit *cl, const struct client_addr *a)
{
	struct slot *s = table_find(&cl->t, a);

	if (s && --s->count == 0)
		table_remove(&cl->t, (size_t)(s - cl->t.slots));
}
