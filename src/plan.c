#include "config.h"

#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

void plan_utc(int64_t t, char *out, size_t size)
{
	struct civil c;

	seconds_to_civil(t, &c);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.min,
		 c.sec);
}

const char *plan_recipient(const struct programme *p, uint32_t speaker)
{
	return speaker == PROG_NONE ? "hook" : p->speakers[speaker].id;
}

static int listed(const char *const *list, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (v && strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

int plan_wants(const struct conf *c, const struct conf_channel *ch, const struct programme *p,
	       const struct prog_session *s)
{
	const char *track = s->track == PROG_NONE ? NULL : p->tracks[s->track].id;

	if (s->status == PROG_CANCELLED || listed(c->skip_kinds, c->n_skip_kinds, s->kind))
		return 0;
	if (ch->n_tracks && !listed(ch->tracks, ch->n_tracks, track))
		return 0;
	if (ch->n_kinds && !listed(ch->kinds, ch->n_kinds, s->kind))
		return 0;
	return 1;
}

static int cmp_item(const void *a, const void *b)
{
	const struct plan_item *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void add(struct plan *pl, size_t *cap, const struct programme *p, const struct conf *c,
		uint32_t si, uint32_t ci, uint32_t speaker, int64_t offset)
{
	const struct prog_session *s = &p->sessions[si];
	char start[32], off[32];

	if (pl->n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		pl->items = realloc(pl->items, *cap * sizeof(*pl->items));
		if (!pl->items)
			abort();
	}
	plan_utc(s->start, start, sizeof(start));
	duration_format(offset, off, sizeof(off));
	pl->items[pl->n++] = (struct plan_item){
		arena_printf(pl->arena, "%s|%s|%s|%s|%s", s->id, start, off, c->channels[ci].name,
			     plan_recipient(p, speaker)),
		s->start - offset, offset, c->channels[ci].name, si, ci, speaker
	};
}

struct plan *plan_build(const struct programme *p, const struct conf *c)
{
	struct plan *pl = calloc(1, sizeof(*pl));
	size_t cap = 0;

	if (!pl)
		abort();
	pl->arena = arena_new();
	for (uint32_t si = 0; si < p->n_sessions; si++) {
		const struct prog_session *s = &p->sessions[si];

		for (uint32_t ci = 0; ci < c->n_channels; ci++) {
			const struct conf_channel *ch = &c->channels[ci];

			if (!plan_wants(c, ch, p, s))
				continue;
			for (size_t o = 0; o < c->n_before; o++) {
				if (ch->type == CHANNEL_WEBHOOK) {
					add(pl, &cap, p, c, si, ci, PROG_NONE, c->before[o]);
					continue;
				}
				/* One message per speaker with an address, never a shared To:. */
				for (uint32_t k = 0; k < s->n_people; k++)
					if (p->speakers[s->people[k].speaker].email)
						add(pl, &cap, p, c, si, ci, s->people[k].speaker,
						    c->before[o]);
			}
		}
	}
	if (pl->n)
		qsort(pl->items, pl->n, sizeof(*pl->items), cmp_item);
	return pl;
}

void plan_free(struct plan *pl)
{
	if (!pl)
		return;
	free(pl->items);
	arena_free(pl->arena);
	free(pl);
}
