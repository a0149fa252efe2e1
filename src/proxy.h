/* Trusted reverse proxies: which peer may tell us who the client is.
 *
 * Behind nginx or Apache every connection comes from the proxy.  Only
 * for a peer in http.trusted_proxies is the client read from the
 * request's X-Forwarded-For or Forwarded (RFC 7239) header, whichever
 * http.proxy_header names: the rightmost hop that is not itself a
 * trusted proxy.  A header from any other peer is ignored, so a client
 * cannot choose its own address.  Only one header is read because a
 * proxy appends to the one it sets and passes the other on as the
 * client wrote it. */
#ifndef AGENDAD_PROXY_H
#define AGENDAD_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

/* One trusted address range (IPv4 addresses are kept as IPv4-mapped
 * IPv6, so one comparison serves both families). */
struct proxy_range {
	unsigned char addr[16];
	unsigned prefix; /* bits of addr that must match, 0 to 128 */
};

enum proxy_header { PROXY_X_FORWARDED_FOR, PROXY_FORWARDED };

struct proxy_list {
	struct proxy_range *ranges;
	size_t n;
};

/* At most this many hops of a forwarding header are looked at: a
 * longer chain is a forgery or a loop, and its client is its proxy. */
#define PROXY_MAX_HOPS 32

/* Parses "ADDRESS" or "ADDRESS/PREFIX" (IPv4 or IPv6) into r.  Returns
 * 0, or -1 when spec is not such a range. */
int proxy_range_parse(const char *spec, struct proxy_range *r);

/* The one reading of a socket address: its 16-byte form into out (IPv4
 * as IPv4-mapped IPv6, as proxy_range keeps it) and its family: AF_INET
 * for IPv4 and IPv4-mapped IPv6, AF_INET6, or AF_UNSPEC for NULL or any
 * other family (out zeroed). */
int proxy_addr_bytes(const struct sockaddr *sa, unsigned char out[16]);

/* Whether sa (AF_INET or AF_INET6) is in one of l's ranges.  An empty
 * or NULL list trusts nobody. */
int proxy_trusted(const struct proxy_list *l, const struct sockaddr *sa);

/* The client of a request that arrived from peer, given the value of
 * its header of kind (NULL when absent; several fields of that name
 * joined with ", ").  Writes the client into out (AF_INET or AF_INET6)
 * and returns 1 when it came from the header, 0 when it is the peer
 * itself (untrusted peer, no header, or nothing usable in it). */
int proxy_client(const struct proxy_list *l, const struct sockaddr *peer, enum proxy_header kind,
		 const char *value, struct sockaddr_storage *out);

/* The client address as text, for the log ("192.0.2.1", "2001:db8::1"). */
void proxy_format(const struct sockaddr *sa, char *out, size_t size);

#endif
