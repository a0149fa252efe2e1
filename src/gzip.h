/* gzip from pieces (RFC 1951, RFC 1952).  Every piece is deflated once,
 * on its own, into a run that ends in a sync flush (byte aligned, not
 * final).  Such runs concatenate into one valid deflate stream, so a
 * gzip member is GZ_HEADER, any runs in order, one run that ends the
 * stream (last = 1), and a trailer whose CRC is combined from the runs'
 * CRCs (zlib's crc32_combine): a catalogue compresses each piece once,
 * and the cost is linear in the programme, not in the sum of its feeds.
 *
 * Allocation follows memory.h: nothing here returns NULL; a zlib error
 * that only a programming error can cause aborts. */
#ifndef AGENDAD_GZIP_H
#define AGENDAD_GZIP_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* The fixed 10-byte member header: deflate, no name, no time, Unix. */
#define GZ_HEADER_LEN 10
#define GZ_TRAILER_LEN 8
extern const unsigned char GZ_HEADER[GZ_HEADER_LEN];

/* A run of raw deflate output (or, from gz_whole, a whole member), with
 * the CRC-32 and length of the plain bytes it holds.  data is owned by
 * whoever filled it (free it). */
struct gz_chunk {
	unsigned char *data;
	size_t len;
	uint32_t crc;
	size_t plain_len;
};

/* A raw deflate stream reused for many runs (one per thread). */
struct gz_deflater {
	z_stream z;
};

void gz_deflater_init(struct gz_deflater *d, int level);
/* Deflates len bytes at data into out->data (allocated): a sync-flushed
 * run, or with last the run that ends the deflate stream. */
void gz_deflate_run(struct gz_deflater *d, const void *data, size_t len, int last,
		    struct gz_chunk *out);
void gz_deflater_end(struct gz_deflater *d);

/* One sync-flushed run of data at level 6, on a deflater of its own. */
void gz_run(const void *data, size_t len, struct gz_chunk *out);
/* A whole member of data in one block (header, stream, trailer), at
 * level 6; out->crc and out->plain_len describe data. */
void gz_whole(const void *data, size_t len, struct gz_chunk *out);

/* The CRC and length of the plain bytes of the runs joined so far:
 * start at { 0, 0 }, add each run in order, then write the trailer. */
struct gz_join {
	uint32_t crc;
	uint64_t plain_len;
};
void gz_join_add(struct gz_join *j, const struct gz_chunk *run);
/* A member's last 8 bytes (RFC 1952 2.3.1): CRC-32 and the plain length
 * modulo 2^32, both little-endian. */
void gz_trailer(unsigned char out[GZ_TRAILER_LEN], uint32_t crc, uint64_t plain_len);

/* Large bodies compressed whole: each of the n buffers in[i] (len[i]
 * bytes) becomes one gzip member in out[i] (allocated, exactly sized).
 * The buffers are cut in blocks of GZ_BLOCK plain bytes deflated on
 * their own at GZ_BLOCK_LEVEL, all blocks of all buffers sharing the
 * cores, and each buffer's runs are joined as above. */
#define GZ_BLOCK (1024 * 1024)
#define GZ_BLOCK_LEVEL 6
void gz_compress_blocks(const char *const *in, const size_t *len, size_t n, struct gz_chunk *out);

#endif
