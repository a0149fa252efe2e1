#include "config.h"

#include "plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "duration.h"
#include "memory.h"
#include "message.h"
#include "strmap.h"

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

	XGROW(pl->items, *cap, pl->n + 1);
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
	struct plan *pl = xcalloc(1, sizeof(*pl));
	size_t cap = 0;

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

/* --- change notices -------------------------------------------------- */

/* The session as it was published, for a change's "before". */
static json_t *before_json(const struct programme *p, const struct change *ch)
{
	char start[32], end[32];
	uint32_t room, track;
	const char *status[] = { "confirmed", "tentative", "cancelled" };

	plan_utc(ch->before.start, start, sizeof(start));
	plan_utc(ch->before.end, end, sizeof(end));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s}", "id", ch->before.id, "title",
			 ch->before.title, "start", start, "end", end, "timezone", p->event.timezone,
			 "room",
			 strmap_get(p->room_ids, ch->before.room, &room) == 0 ? p->rooms[room].title
			 : *ch->before.room ? ch->before.room : NULL,
			 "track",
			 strmap_get(p->track_ids, ch->before.track, &track) == 0 ? p->tracks[track].title
										: NULL,
			 "status", status[ch->status_before % 3]);
}

/* What changed, in words for people: "time, room, status". */
static char *change_words(const struct programme *p, const struct change *ch)
{
	const struct prog_session *s = ch->removed ? NULL : &p->sessions[ch->session];
	const char *room = s && s->room != PROG_NONE ? p->rooms[s->room].id : "";
	char buf[128] = "";

	if (!s)
		return xstrdup("removed from the programme");
	if (s->start != ch->before.start || s->end != ch->before.end)
		strcat(buf, "time, ");
	if (strcmp(room, ch->before.room) != 0)
		strcat(buf, "room, ");
	if (strcmp(s->title, ch->before.title) != 0)
		strcat(buf, "title, ");
	if ((int)s->status != ch->status_before)
		strcat(buf, s->status == PROG_CANCELLED ? "cancelled, " : "status, ");
	if (*buf)
		buf[strlen(buf) - 2] = '\0';
	return xstrdup(buf);
}

/* The notice's JSON: the session before and after, and the words. */
static char *change_payload(const struct programme *p, const struct conf *c,
			    const struct change *ch, const struct prog_session *s)
{
	json_t *payload = json_object();
	char *words = change_words(p, ch), *text;

	json_object_set_new(payload, "before", before_json(p, ch));
	json_object_set_new(payload, "after", s ? message_session_json(p, c, s) : json_null());
	json_object_set_new(payload, "changes", json_string(words));
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS); /* NULL: none, as ever */
	free(words);
	json_decref(payload);
	return text;
}

static void add_notice(struct change_plan *cp, size_t *cap, const struct conf_channel *chan,
		       const struct change *ch, const char *recipient,
		       const struct change_notice *proto)
{
	XGROW(cp->items, *cap, cp->n + 1);
	cp->items[cp->n] = *proto;
	cp->items[cp->n].key = arena_printf(cp->arena, "change|%s|%lld|%s|%s", ch->before.id,
					    (long long)ch->before.stamp.sequence, chan->name,
					    recipient);
	cp->items[cp->n].recipient = arena_strdup(cp->arena, recipient);
	cp->n++;
}

/* One change on one channel: the webhook, or each speaker of the session
 * now, or of the one removed. */
static void notices_of(struct change_plan *cp, size_t *cap, const struct programme *p,
		       const struct conf_channel *chan, const struct change *ch,
		       const struct change_notice *proto)
{
	char *ids, *save = NULL;

	if (!chan->notify_changes)
		return;
	if (chan->type == CHANNEL_WEBHOOK) {
		add_notice(cp, cap, chan, ch, "hook", proto);
		return;
	}
	ids = xstrdup(ch->before.speakers);
	for (char *id = strtok_r(ids, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
		uint32_t who;

		if (strmap_get(p->speaker_ids, id, &who) != 0 || !p->speakers[who].email)
			continue;
		add_notice(cp, cap, chan, ch, id, proto);
	}
	free(ids);
}

struct change_plan *plan_changes(const struct programme *p, const struct conf *c,
				 const struct reconcile *h)
{
	struct change_plan *cp = xcalloc(1, sizeof(*cp));
	size_t cap = 0;

	cp->arena = arena_new();
	for (size_t i = 0; i < h->n_changes; i++) {
		const struct change *ch = &h->changes[i];
		const struct prog_session *s = ch->removed ? NULL : &p->sessions[ch->session];
		char *text = change_payload(p, c, ch, s);
		struct change_notice proto = {
			.session = arena_strdup(cp->arena, ch->before.id),
			.cancelled = !s || s->status == PROG_CANCELLED,
			.deadline = (s ? s->end : ch->before.end) + 86400,
			.payload = text ? arena_strdup(cp->arena, text) : NULL,
		};

		free(text);
		for (uint32_t k = 0; k < c->n_channels; k++) {
			proto.channel_name = c->channels[k].name;
			notices_of(cp, &cap, p, &c->channels[k], ch, &proto);
		}
	}
	return cp;
}

void change_plan_free(struct change_plan *cp)
{
	if (!cp)
		return;
	free(cp->items);
	arena_free(cp->arena);
	free(cp);
}
