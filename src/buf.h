/* A growable byte buffer for assembling text. */
#ifndef AGENDAD_BUF_H
#define AGENDAD_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *data; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

/* Makes room for extra more bytes and the NUL; aborts without memory. */
void buf_reserve(struct buf *b, size_t extra);

/* Inline: the iCalendar and HTML writers add text a character at a time. */
static inline void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap)
		buf_reserve(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds s with each byte that is not part of valid UTF-8, and each
 * control character, written as \xNN: text from a client can be echoed
 * in a UTF-8 answer without passing on what it sent. */
void buf_add_clean(struct buf *b, const char *s);
/* Hands the bytes to the caller (free() them) and empties the buffer. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
