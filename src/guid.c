#include "config.h"

#include "guid.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

/* RFC 9562 appendix C: the URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8. */
static const unsigned char ns_url[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
					  0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };

struct guid_gen {
	EVP_MD *md; /* fetched: EVP_sha1() would be fetched on every init */
	EVP_MD_CTX *ctx;
};

static void format(unsigned char md[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* variant RFC 4122/9562 */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[md[i] >> 4];
		*o++ = hex[md[i] & 15];
	}
	*o = '\0';
}

/* The uuid of the name made of the n parts, one after the other. */
static void digest(EVP_MD_CTX *ctx, const EVP_MD *md, const char *const *parts, int n,
		   char out[37])
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok = EVP_DigestInit_ex(ctx, md, NULL) &&
		 EVP_DigestUpdate(ctx, ns_url, sizeof(ns_url));

	for (int i = 0; i < n && ok; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	if (!ok || !EVP_DigestFinal_ex(ctx, sum, &len))
		out_of_memory(); /* SHA-1 of a few bytes fails only without memory */
	format(sum, out);
}

void guid_uuid5(const char *name, char out[37])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		out_of_memory();
	digest(ctx, EVP_sha1(), &name, 1, out);
	EVP_MD_CTX_free(ctx);
}

void guid_of(const char *prefix, const char *id, const char *event_id, char out[37])
{
	const char *parts[] = { prefix, id, "@", event_id };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		out_of_memory();
	digest(ctx, EVP_sha1(), parts, 4, out);
	EVP_MD_CTX_free(ctx);
}

struct guid_gen *guid_gen_new(void)
{
	struct guid_gen *g = xcalloc(1, sizeof(*g));

	g->md = EVP_MD_fetch(NULL, "SHA1", NULL);
	g->ctx = EVP_MD_CTX_new();
	if (!g->md || !g->ctx) {
		guid_gen_free(g);
		return NULL;
	}
	return g;
}

void guid_gen_free(struct guid_gen *g)
{
	if (!g)
		return;
	EVP_MD_CTX_free(g->ctx);
	EVP_MD_free(g->md);
	free(g);
}

void guid_gen_of(struct guid_gen *g, const char *prefix, const char *id, const char *event_id,
		 char out[37])
{
	const char *parts[] = { prefix, id, "@", event_id };

	digest(g->ctx, g->md, parts, 4, out);
}
