#include "config.h"

#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* IPv4 is compared as ::ffff:a.b.c.d, so a range of either family
 * matches an address of either family without a second code path. */
static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses an address without brackets or port; 0 or -1. */
static int parse_addr(const char *s, size_t len, unsigned char out[16], int *v4)
{
	char text[INET6_ADDRSTRLEN];
	struct in_addr a4;

	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, &a4) == 1) {
		memcpy(out, v4_mapped, 12);
		memcpy(out + 12, &a4, 4);
		*v4 = 1;
		return 0;
	}
	*v4 = 0;
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

int proxy_range_parse(const char *spec, struct proxy_range *r)
{
	const char *slash = strchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	unsigned long bits;
	char *end;
	int v4;

	if (parse_addr(spec, len, r->addr, &v4) < 0)
		return -1;
	r->prefix = 128;
	if (!slash)
		return 0;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	bits = strtoul(slash + 1, &end, 10);
	if (*end || bits > (v4 ? 32u : 128u))
		return -1;
	r->prefix = (unsigned)bits + (v4 ? 96 : 0);
	return 0;
}

static int in_range(const struct proxy_range *r, const unsigned char a[16])
{
	unsigned whole = r->prefix / 8, rest = r->prefix % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (memcmp(r->addr, a, whole) != 0)
		return 0;
	return rest == 0 || ((r->addr[whole] ^ a[whole]) & mask) == 0;
}

static int trusted_addr(const struct proxy_list *l, const unsigned char a[16])
{
	for (size_t i = 0; l && i < l->n; i++)
		if (in_range(&l->ranges[i], a))
			return 1;
	return 0;
}

int proxy_addr_bytes(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa && sa->sa_family == AF_INET) {
		memcpy(out, v4_mapped, 12);
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return memcmp(out, v4_mapped, 12) == 0 ? AF_INET : AF_INET6;
	}
	memset(out, 0, 16);
	return AF_UNSPEC;
}

int proxy_trusted(const struct proxy_list *l, const struct sockaddr *sa)
{
	unsigned char a[16];

	return proxy_addr_bytes(sa, a) != AF_UNSPEC && trusted_addr(l, a);
}

/* One hop as the headers write it: "192.0.2.1", "192.0.2.1:4711",
 * "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:4711", with quotes
 * already removed.  "unknown" and obfuscated ("_x") hops are -1. */
static int parse_hop(const char *s, size_t len, unsigned char out[16], int *v4)
{
	const char *close, *colon;

	if (len && s[0] == '[') {
		close = memchr(s, ']', len);
		if (!close)
			return -1;
		return parse_addr(s + 1, (size_t)(close - s - 1), out, v4);
	}
	colon = memchr(s, ':', len);
	/* One colon is an IPv4 address with a port; more are IPv6. */
	if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
		len = (size_t)(colon - s);
	return parse_addr(s, len, out, v4);
}

struct hops {
	struct {
		const char *s;
		size_t len;
	} h[PROXY_MAX_HOPS];
	size_t n;
};

/* Keeps the rightmost PROXY_MAX_HOPS: only those can decide. */
static void hop_add(struct hops *h, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		s++, len -= 2;
	if (h->n == PROXY_MAX_HOPS) {
		memmove(h->h, h->h + 1, sizeof(h->h[0]) * (PROXY_MAX_HOPS - 1));
		h->n--;
	}
	h->h[h->n].s = s;
	h->h[h->n].len = len;
	h->n++;
}

/* X-Forwarded-For: a comma-separated list of hops, oldest first. */
static void split_xff(const char *v, struct hops *h)
{
	while (*v) {
		size_t len = strcspn(v, ",");

		hop_add(h, v, len);
		v += len;
		if (*v == ',')
			v++;
	}
}

/* The end of a Forwarded value that starts at v: a quoted-string (with
 * backslash escapes) or a token, which ends at ';', ',' or space. */
static const char *value_end(const char *v)
{
	if (*v != '"')
		return v + strcspn(v, ";, \t");
	for (v++; *v && *v != '"'; v++)
		if (*v == '\\' && v[1])
			v++;
	return *v ? v + 1 : v;
}

/* Forwarded (RFC 7239 4): elements separated by ',', pairs by ';'; the
 * hop of an element is its for= pair.  An element without one counts
 * as an unknown hop, so that it stops the walk. */
static void split_forwarded(const char *v, struct hops *h)
{
	const char *hop = NULL, *hop_end = NULL;

	for (;;) {
		v += strspn(v, " \t;");
		if (*v == ',' || !*v) {
			hop_add(h, hop ? hop : "unknown", hop ? (size_t)(hop_end - hop) : 7);
			hop = NULL;
			if (!*v++)
				return;
			continue;
		}
		const char *eq = v + strcspn(v, "=;,"), *end;

		if (*eq != '=') {
			v = eq;
			continue;
		}
		end = value_end(eq + 1);
		if (eq - v == 3 && strncasecmp(v, "for", 3) == 0) {
			hop = eq + 1;
			hop_end = end;
		}
		v = end;
	}
}

static void to_sockaddr(const unsigned char a[16], int v4, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (v4) {
		struct sockaddr_in *s = (struct sockaddr_in *)out;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, a + 12, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)out;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
	}
}

static void copy_peer(const struct sockaddr *peer, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (peer && peer->sa_family == AF_INET)
		memcpy(out, peer, sizeof(struct sockaddr_in));
	else if (peer && peer->sa_family == AF_INET6)
		memcpy(out, peer, sizeof(struct sockaddr_in6));
}

int proxy_client(const struct proxy_list *l, const struct sockaddr *peer, enum proxy_header kind,
		 const char *value, struct sockaddr_storage *out)
{
	struct hops h = { .n = 0 };
	unsigned char a[16];
	int v4, found = 0;

	copy_peer(peer, out);
	if (!value || !proxy_trusted(l, peer))
		return 0;
	if (kind == PROXY_FORWARDED)
		split_forwarded(value, &h);
	else
		split_xff(value, &h);
	/* Right to left: each trusted hop vouches for the one before it; the
	 * first untrusted one is the client.  An unreadable hop stops the
	 * walk at the last address that a trusted proxy gave. */
	for (size_t i = h.n; i-- > 0;) {
		if (parse_hop(h.h[i].s, h.h[i].len, a, &v4) < 0)
			break;
		to_sockaddr(a, v4, out);
		found = 1;
		if (!trusted_addr(l, a))
			break;
	}
	return found;
}

void proxy_format(const struct sockaddr *sa, char *out, size_t size)
{
	const void *a = NULL;

	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)size))
		snprintf(out, size, "unknown");
}
