#define _GNU_SOURCE /* memmem */
#include "config.h"

#include "search.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "memory.h"

/* Only ASCII folds: the same rule as before (strcasestr in the C
 * locale), and a word never changes length, so offsets hold. */
static void fold_into(struct buf *b, const char *s)
{
	size_t from = b->len;

	if (!s)
		return;
	buf_adds(b, s);
	search_fold(b->data + from);
	buf_add(b, "\n", 1);
}

void search_fold(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

void search_index_build(const struct programme *p, struct search_index *out)
{
	struct buf b = { 0 };

	out->n = p->n_sessions;
	out->start = xcalloc(out->n + 1, sizeof(*out->start));
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *s = &p->sessions[i];

		out->start[i] = b.len;
		fold_into(&b, s->title);
		fold_into(&b, s->description);
		if (s->track != PROG_NONE)
			fold_into(&b, p->tracks[s->track].title);
		if (s->room != PROG_NONE)
			fold_into(&b, p->rooms[s->room].title);
		for (uint32_t j = 0; j < s->n_people; j++)
			fold_into(&b, p->speakers[s->people[j].speaker].name);
	}
	out->start[out->n] = b.len;
	out->text = b.data ? b.data : xstrdup("");
}

void search_index_free(struct search_index *idx)
{
	free(idx->text);
	free(idx->start);
	memset(idx, 0, sizeof(*idx));
}

int search_index_match(const struct search_index *idx, size_t i, char *const *words, size_t n)
{
	const char *hay = idx->text + idx->start[i];
	size_t len = idx->start[i + 1] - idx->start[i];

	/* A word holding the fields' separator could match across two. */
	for (size_t w = 0; w < n; w++)
		if (strchr(words[w], '\n') || !memmem(hay, len, words[w], strlen(words[w])))
			return 0;
	return 1;
}
