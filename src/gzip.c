#include "config.h"

#include "gzip.h"

#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "parallel.h"

const unsigned char GZ_HEADER[GZ_HEADER_LEN] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

void gz_deflater_init(struct gz_deflater *d, int level)
{
	int rc;

	memset(&d->z, 0, sizeof(d->z));
	/* Raw deflate (-15): the gzip framing is written by hand around it. */
	rc = deflateInit2(&d->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	if (rc == Z_MEM_ERROR)
		out_of_memory();
	if (rc != Z_OK)
		abort(); /* a level out of range: a programming error */
}

void gz_deflater_end(struct gz_deflater *d)
{
	deflateEnd(&d->z);
}

void gz_deflate_run(struct gz_deflater *d, const void *data, size_t len, int last,
		    struct gz_chunk *out)
{
	z_stream *z = &d->z;
	size_t cap = deflateBound(z, len) + 16;
	int rc;

	out->data = xmalloc(cap);
	deflateReset(z);
	z->next_in = (unsigned char *)data;
	z->avail_in = (uInt)len;
	z->next_out = out->data;
	z->avail_out = (uInt)cap;
	/* The output has deflateBound's room: one call finishes the run. */
	rc = deflate(z, last ? Z_FINISH : Z_SYNC_FLUSH);
	if (rc != Z_OK && rc != Z_STREAM_END)
		abort();
	out->len = cap - z->avail_out;
	out->crc = (uint32_t)crc32(0, data, (uInt)len);
	out->plain_len = len;
}

void gz_run(const void *data, size_t len, struct gz_chunk *out)
{
	struct gz_deflater d;

	gz_deflater_init(&d, 6);
	gz_deflate_run(&d, data, len, 0, out);
	gz_deflater_end(&d);
}

void gz_whole(const void *data, size_t len, struct gz_chunk *out)
{
	struct gz_deflater d;
	struct gz_chunk run;
	unsigned char *p;

	gz_deflater_init(&d, 6);
	gz_deflate_run(&d, data, len, 1, &run);
	gz_deflater_end(&d);
	p = xmalloc(GZ_HEADER_LEN + run.len + GZ_TRAILER_LEN);
	memcpy(p, GZ_HEADER, GZ_HEADER_LEN);
	memcpy(p + GZ_HEADER_LEN, run.data, run.len);
	gz_trailer(p + GZ_HEADER_LEN + run.len, run.crc, len);
	free(run.data);
	*out = (struct gz_chunk){ p, GZ_HEADER_LEN + run.len + GZ_TRAILER_LEN, run.crc, len };
}

void gz_join_add(struct gz_join *j, const struct gz_chunk *run)
{
	j->crc = (uint32_t)crc32_combine(j->crc, run->crc, (z_off_t)run->plain_len);
	j->plain_len += run->plain_len;
}

void gz_trailer(unsigned char out[GZ_TRAILER_LEN], uint32_t crc, uint64_t plain_len)
{
	for (int k = 0; k < 4; k++) {
		out[k] = (unsigned char)(crc >> (8 * k));
		out[4 + k] = (unsigned char)((uint32_t)plain_len >> (8 * k));
	}
}

/* One block of an input buffer, and its deflated run. */
struct gz_block {
	size_t input, off, len;
	struct gz_chunk out;
};

struct block_job {
	struct gz_block *blocks;
	const char *const *in;
	const size_t *len;
};

static void block_range(void *ctx, size_t begin, size_t end)
{
	const struct block_job *job = ctx;
	struct gz_deflater d;
	z_stream *z = &d.z;
	size_t cap;
	unsigned char *scratch;

	gz_deflater_init(&d, GZ_BLOCK_LEVEL);
	cap = deflateBound(z, GZ_BLOCK) + 16;
	scratch = xmalloc(cap);
	for (size_t i = begin; i < end; i++) {
		struct gz_block *b = &job->blocks[i];
		const unsigned char *in = (const unsigned char *)job->in[b->input] + b->off;
		int last = b->off + b->len == job->len[b->input];

		deflateReset(z);
		z->next_in = (unsigned char *)in;
		z->avail_in = (uInt)b->len;
		z->next_out = scratch;
		z->avail_out = (uInt)cap;
		if (deflate(z, last ? Z_FINISH : Z_SYNC_FLUSH) == Z_STREAM_ERROR)
			abort();
		b->out.len = cap - z->avail_out;
		/* Exactly sized: all the blocks are held until they are joined. */
		b->out.data = xmalloc(b->out.len);
		memcpy(b->out.data, scratch, b->out.len);
		b->out.crc = (uint32_t)crc32(0, in, (uInt)b->len);
		b->out.plain_len = b->len;
	}
	free(scratch);
	gz_deflater_end(&d);
}

/* One member in one piece: header, the blocks' runs, trailer. */
static void join_blocks(struct gz_block *b, size_t n, struct gz_chunk *out)
{
	size_t len = GZ_HEADER_LEN + GZ_TRAILER_LEN, at = GZ_HEADER_LEN;
	struct gz_join j = { 0, 0 };
	unsigned char *p;

	for (size_t k = 0; k < n; k++)
		len += b[k].out.len;
	p = xmalloc(len);
	memcpy(p, GZ_HEADER, GZ_HEADER_LEN);
	for (size_t k = 0; k < n; k++) {
		memcpy(p + at, b[k].out.data, b[k].out.len);
		at += b[k].out.len;
		gz_join_add(&j, &b[k].out);
		free(b[k].out.data);
	}
	gz_trailer(p + at, j.crc, j.plain_len);
	*out = (struct gz_chunk){ p, len, j.crc, (size_t)j.plain_len };
}

static size_t n_blocks(size_t len)
{
	return len ? (len + GZ_BLOCK - 1) / GZ_BLOCK : 1;
}

void gz_compress_blocks(const char *const *in, const size_t *len, size_t n, struct gz_chunk *out)
{
	struct block_job job = { NULL, in, len };
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += n_blocks(len[i]);
	if (!total)
		return;
	job.blocks = xcalloc(total, sizeof(*job.blocks));
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0, off = 0; b < n_blocks(len[i]); b++, off += GZ_BLOCK) {
			size_t left = len[i] - off;

			job.blocks[k++] = (struct gz_block){ i, off, left < GZ_BLOCK ? left : GZ_BLOCK,
							     { 0 } };
		}
	parallel_for(total, 1, block_range, &job);
	for (size_t i = 0, first = 0; i < n; i++) {
		join_blocks(&job.blocks[first], n_blocks(len[i]), &out[i]);
		first += n_blocks(len[i]);
	}
	free(job.blocks);
}
