/* gzip.c: pieces deflated on their own join into one gzip member that
 * zlib's own inflate (in gzip mode, which checks the trailer's CRC-32
 * and length) turns back into the pieces' bytes in order. */
#include "config.h"

#include "testutil.h"

#include <zlib.h>

#include "gzip.h"

struct bytes {
	unsigned char *data;
	size_t len;
};

/* Gunzips a member with zlib (windowBits 16 + 15: gzip framing, the
 * trailer checked); fails the test unless it is one whole member. */
static struct bytes gunzip(const unsigned char *gz, size_t len)
{
	z_stream z = { 0 };
	struct bytes out = { NULL, 0 };
	size_t cap = 4096;
	int rc;

	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	out.data = malloc(cap);
	assert_non_null(out.data);
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)len;
	do {
		if (out.len == cap) {
			cap *= 2;
			out.data = realloc(out.data, cap);
			assert_non_null(out.data);
		}
		z.next_out = out.data + out.len;
		z.avail_out = (uInt)(cap - out.len);
		rc = inflate(&z, Z_NO_FLUSH);
		out.len = cap - z.avail_out;
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
	} while (rc != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0); /* nothing after the member */
	inflateEnd(&z);
	return out;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The member and the plain bytes of n pieces, joined as catalogue.c
 * joins a feed: header, a sync-flushed run per piece, an empty final
 * run, trailer. */
static void join(const struct bytes *pieces, size_t n, struct bytes *member, struct bytes *plain)
{
	struct gz_chunk *runs = calloc(n + 1, sizeof(*runs));
	struct gz_join j = { 0, 0 };
	struct gz_deflater d;
	size_t len = GZ_HEADER_LEN + GZ_TRAILER_LEN, at;

	assert_non_null(runs);
	gz_deflater_init(&d, 6);
	for (size_t i = 0; i < n; i++)
		gz_deflate_run(&d, pieces[i].data, pieces[i].len, 0, &runs[i]);
	gz_deflate_run(&d, "", 0, 1, &runs[n]);
	gz_deflater_end(&d);
	for (size_t i = 0; i <= n; i++)
		len += runs[i].len;
	member->data = malloc(len);
	plain->data = malloc(len + 1);
	plain->len = 0;
	assert_non_null(member->data);
	assert_non_null(plain->data);
	memcpy(member->data, GZ_HEADER, GZ_HEADER_LEN);
	at = GZ_HEADER_LEN;
	for (size_t i = 0; i <= n; i++) {
		memcpy(member->data + at, runs[i].data, runs[i].len);
		at += runs[i].len;
		gz_join_add(&j, &runs[i]);
		free(runs[i].data);
	}
	for (size_t i = 0; i < n; i++) {
		plain->data = realloc(plain->data, plain->len + pieces[i].len + 1);
		assert_non_null(plain->data);
		memcpy(plain->data + plain->len, pieces[i].data, pieces[i].len);
		plain->len += pieces[i].len;
	}
	gz_trailer(member->data + at, j.crc, j.plain_len);
	member->len = at + GZ_TRAILER_LEN;
	assert_int_equal(j.plain_len, plain->len);
	assert_int_equal(j.crc, (uint32_t)crc32(0, plain->data, (uInt)plain->len));
	free(runs);
}

static void check_pieces(const struct bytes *pieces, size_t n)
{
	struct bytes member, plain, back;

	join(pieces, n, &member, &plain);
	back = gunzip(member.data, member.len);
	assert_int_equal(back.len, plain.len);
	assert_memory_equal(back.data, plain.data, plain.len);
	/* The trailer: CRC-32 and ISIZE of the plain bytes, little-endian. */
	assert_int_equal(le32(member.data + member.len - 8),
			 (uint32_t)crc32(0, plain.data, (uInt)plain.len));
	assert_int_equal(le32(member.data + member.len - 4), (uint32_t)plain.len);
	free(member.data);
	free(plain.data);
	free(back.data);
}

static struct bytes text(const char *s)
{
	return (struct bytes){ (unsigned char *)s, strlen(s) };
}

static void test_no_pieces(void **state)
{
	(void)state;
	check_pieces(NULL, 0);
}

static void test_one_piece(void **state)
{
	struct bytes p = text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");

	(void)state;
	check_pieces(&p, 1);
}

static void test_empty_pieces_among_others(void **state)
{
	struct bytes p[] = { text(""), text("BEGIN:VEVENT\r\n"), text(""), text(""),
			     text("END:VEVENT\r\n"), text("") };

	(void)state;
	check_pieces(p, sizeof(p) / sizeof(p[0]));
}

static void test_many_text_pieces(void **state)
{
	struct bytes p[300];
	char *texts[300];

	(void)state;
	for (int i = 0; i < 300; i++) {
		texts[i] = xasprintf("BEGIN:VEVENT\r\nUID:session-%d@example.org\r\nSUMMARY:Talk "
				     "number %d about gzip\r\nEND:VEVENT\r\n",
				     i, i * 7);
		p[i] = text(texts[i]);
	}
	check_pieces(p, 300);
	for (int i = 0; i < 300; i++)
		free(texts[i]);
}

/* Random bytes do not compress: stored blocks between the runs. */
static void test_random_pieces(void **state)
{
	struct bytes p[5];
	size_t sizes[5] = { 1, 17, 4096, 70000, 3 };
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 5; i++) {
		p[i].len = sizes[i];
		p[i].data = malloc(sizes[i]);
		assert_non_null(p[i].data);
		for (size_t k = 0; k < sizes[i]; k++)
			p[i].data[k] = (unsigned char)(rand_r(&seed) >> 7);
	}
	check_pieces(p, 5);
	for (int i = 0; i < 5; i++)
		free(p[i].data);
}

/* A few megabytes in pieces larger than deflate's window. */
static void test_large_pieces(void **state)
{
	struct bytes p[3];
	unsigned seed = 7;

	(void)state;
	for (int i = 0; i < 3; i++) {
		p[i].len = (size_t)(i + 1) * 1000 * 1000 + 11;
		p[i].data = malloc(p[i].len);
		assert_non_null(p[i].data);
		for (size_t k = 0; k < p[i].len; k++)
			p[i].data[k] = (unsigned char)("ABCDEFGH\r\n"[rand_r(&seed) % 10]);
	}
	check_pieces(p, 3);
	for (int i = 0; i < 3; i++)
		free(p[i].data);
}

static void test_whole_member(void **state)
{
	const char *s = "a document compressed whole, a document compressed whole\n";
	struct gz_chunk c;
	struct bytes back;

	(void)state;
	gz_whole(s, strlen(s), &c);
	assert_memory_equal(c.data, GZ_HEADER, GZ_HEADER_LEN);
	assert_int_equal(c.plain_len, strlen(s));
	assert_int_equal(c.crc, (uint32_t)crc32(0, (const unsigned char *)s, (uInt)strlen(s)));
	back = gunzip(c.data, c.len);
	assert_int_equal(back.len, strlen(s));
	assert_memory_equal(back.data, s, strlen(s));
	free(back.data);
	free(c.data);
	gz_whole("", 0, &c);
	back = gunzip(c.data, c.len);
	assert_int_equal(back.len, 0);
	free(back.data);
	free(c.data);
}

/* A run alone (gz_run) joins like the deflater's: a feed's name. */
static void test_run_joins(void **state)
{
	const char *name = "X-WR-CALNAME:Track A\r\n", *rest = "END:VCALENDAR\r\n";
	struct gz_chunk a, b;
	struct gz_deflater d;
	struct gz_join j = { 0, 0 };
	unsigned char member[512];
	size_t at = GZ_HEADER_LEN;
	struct bytes back;

	(void)state;
	gz_run(name, strlen(name), &a);
	gz_deflater_init(&d, 6);
	gz_deflate_run(&d, rest, strlen(rest), 1, &b);
	gz_deflater_end(&d);
	assert_true(GZ_HEADER_LEN + a.len + b.len + GZ_TRAILER_LEN <= sizeof(member));
	memcpy(member, GZ_HEADER, GZ_HEADER_LEN);
	memcpy(member + at, a.data, a.len);
	at += a.len;
	memcpy(member + at, b.data, b.len);
	at += b.len;
	gz_join_add(&j, &a);
	gz_join_add(&j, &b);
	gz_trailer(member + at, j.crc, j.plain_len);
	back = gunzip(member, at + GZ_TRAILER_LEN);
	assert_int_equal(back.len, strlen(name) + strlen(rest));
	assert_memory_equal(back.data, "X-WR-CALNAME:Track A\r\nEND:VCALENDAR\r\n", back.len);
	free(back.data);
	free(a.data);
	free(b.data);
}

/* Block compression: buffers across block boundaries, one of exactly a
 * block, one empty, each a whole member of its own bytes. */
static void test_compress_blocks(void **state)
{
	size_t len[5] = { 100, GZ_BLOCK, 2 * GZ_BLOCK + 5, 0, 3 * GZ_BLOCK - 1 };
	char *in[5];
	struct gz_chunk out[5];
	unsigned seed = 99;

	(void)state;
	for (int i = 0; i < 5; i++) {
		in[i] = malloc(len[i] + 1);
		assert_non_null(in[i]);
		for (size_t k = 0; k < len[i]; k++)
			in[i][k] = "SUMMARY:talk\r\n"[rand_r(&seed) % 14];
	}
	gz_compress_blocks((const char *const *)in, len, 5, out);
	for (int i = 0; i < 5; i++) {
		struct bytes back = gunzip(out[i].data, out[i].len);

		assert_int_equal(back.len, len[i]);
		assert_memory_equal(back.data, in[i], len[i]);
		assert_int_equal(out[i].plain_len, len[i]);
		assert_int_equal(le32(out[i].data + out[i].len - 8),
				 (uint32_t)crc32(0, (unsigned char *)in[i], (uInt)len[i]));
		free(back.data);
		free(out[i].data);
		free(in[i]);
	}
}

/* ISIZE is the length modulo 2^32 (RFC 1952 2.3.1). */
static void test_trailer_layout(void **state)
{
	unsigned char t[8];

	(void)state;
	gz_trailer(t, 0x12345678u, ((uint64_t)1 << 32) + 0x0a0b0c0d);
	assert_int_equal(le32(t), 0x12345678u);
	assert_int_equal(le32(t + 4), 0x0a0b0c0du);
	assert_int_equal(t[0], 0x78);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pieces),
		cmocka_unit_test(test_one_piece),
		cmocka_unit_test(test_empty_pieces_among_others),
		cmocka_unit_test(test_many_text_pieces),
		cmocka_unit_test(test_random_pieces),
		cmocka_unit_test(test_large_pieces),
		cmocka_unit_test(test_whole_member),
		cmocka_unit_test(test_run_joins),
		cmocka_unit_test(test_compress_blocks),
		cmocka_unit_test(test_trailer_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
