#include "config.h"

#include "feeds.h"

#include "clock.h"
#include "log.h"
#include "memory.h"
#include "parallel.h"

#include <stdlib.h>
#include <string.h>

static const char *const months[] = { "January", "February", "March",     "April",
				      "May",     "June",     "July",      "August",
				      "September", "October", "November", "December" };

uint32_t feed_member_speaker(const struct feed_member *m, uint32_t j)
{
	return m->people ? m->people[j].speaker : m->speakers[j];
}

static uint32_t lookup(const struct strmap *m, const char *id)
{
	uint32_t v;

	return id && *id && strmap_get(m, id, &v) == 0 ? v : PROG_NONE;
}

/* A tombstone as a session, so that it renders through the same code. */
void feeds_tomb_session(const struct programme *p, const struct tombstone *t,
			struct prog_session *s)
{
	memset(s, 0, sizeof(*s));
	s->id = t->id;
	s->title = t->title;
	s->kind = t->kind;
	s->is_break = strcmp(t->kind, "break") == 0;
	s->start = t->start;
	s->end = t->end;
	s->status = PROG_CANCELLED;
	s->track = lookup(p->track_ids, t->track);
	s->room = lookup(p->room_ids, t->room);
	prog_localize(p->tz, s);
}

static void tomb_session(struct feedset *fs, const struct tombstone *t, struct prog_session *s,
			 struct feed_member *m)
{
	const struct programme *p = fs->prog;
	uint32_t *spk = arena_alloc(fs->arena, sizeof(uint32_t) * (strlen(t->speakers) / 2 + 2));
	char *ids = arena_strdup(fs->arena, t->speakers), *save = NULL;

	feeds_tomb_session(p, t, s);
	m->id = t->id;
	m->title = t->title;
	m->kind = t->kind;
	m->alarmable = 0;
	m->day = prog_day_of(p, t->start);
	m->track = s->track;
	m->room = s->room;
	m->people = NULL;
	m->n_speakers = 0;
	for (char *id = strtok_r(ids, " ", &save); id; id = strtok_r(NULL, " ", &save))
		if ((spk[m->n_speakers] = lookup(p->speaker_ids, id)) != PROG_NONE)
			m->n_speakers++;
	m->speakers = spk;
}

struct render_job {
	struct feedset *fs;
	const struct conf *c;
	const struct alarm_heads *alarms; /* c's */
	struct piece *bodies;
	uint64_t *hashes;
	struct feed_member *members;
};

static void render_bodies(void *ctx, size_t begin, size_t end)
{
	struct render_job *job = ctx;
	const struct programme *p = job->fs->prog;

	for (size_t i = begin; i < end; i++)
		job->hashes[i] = render_body(p, job->c, job->alarms, &p->sessions[i], &job->bodies[i]);
}

static void render_pieces(void *ctx, size_t begin, size_t end)
{
	struct render_job *job = ctx;
	struct feedset *fs = job->fs;
	struct stamp_lines memo = { 0 };

	for (size_t i = begin; i < end; i++) {
		const struct prog_session *s = &fs->prog->sessions[i];

		render_piece(&job->bodies[i], &fs->history.stamps[i], &memo, &fs->pieces[i]);
		job->members[i] = (struct feed_member){ s->id, s->title, s->kind, s->day, s->track,
							s->room, s->people, NULL, s->n_people,
							!s->is_break && s->status != PROG_CANCELLED };
	}
	stamp_lines_free(&memo);
}

static void render_all(struct feedset *fs, const struct conf *c, const struct alarm_heads *alarms,
		       struct piece *bodies, struct feed_member *members)
{
	const struct programme *p = fs->prog;
	size_t n = p->n_sessions;
	struct render_job job = { fs, c, alarms, bodies, NULL, members };

	parallel_for(n, 256, render_pieces, &job);
	for (size_t i = 0; i < fs->n_tombs; i++) {
		const struct tombstone *t = &fs->history.tombs[i];
		struct prog_session s;
		struct piece body;

		tomb_session(fs, t, &s, &members[n + i]);
		render_body(p, c, alarms, &s, &body);
		render_piece(&body, &t->stamp, NULL, &fs->pieces[n + i]);
	}
}

static void name_feed(struct feedset *fs, struct feed *f, enum feed_kind kind, const char *path,
		      const char *label)
{
	const struct prog_event *e = &fs->prog->event;
	const char *title = e->short_title ? e->short_title : e->title;

	f->kind = kind;
	f->path = path;
	f->label = label;
	f->name = label ? arena_printf(fs->arena, "%s — %s", title, label) : title;
}

/* Feed numbering: all, days, tracks, rooms, speakers, then one per piece. */
struct layout {
	size_t day0, track0, room0, speaker0, session0, total;
};

static void make_layout(const struct feedset *fs, struct layout *l)
{
	const struct programme *p = fs->prog;

	l->day0 = 1;
	l->track0 = l->day0 + p->n_days;
	l->room0 = l->track0 + p->n_tracks;
	l->speaker0 = l->room0 + p->n_rooms;
	l->session0 = l->speaker0 + p->n_speakers;
	l->total = l->session0 + fs->n_pieces;
}

static void render_names(void *ctx, size_t begin, size_t end)
{
	struct feedset *fs = ctx;

	for (size_t i = begin; i < end; i++)
		fs->feeds[i].name_text = render_calendar_name(fs->feeds[i].name, &fs->feeds[i].name_len);
}

static void name_feeds(struct feedset *fs, const struct layout *l)
{
	const struct programme *p = fs->prog;
	struct arena *a = fs->arena;

	name_feed(fs, &fs->feeds[0], FEED_ALL, "calendar.ics", NULL);
	for (size_t i = 0; i < p->n_days; i++) {
		const struct prog_day *d = &p->days[i];

		name_feed(fs, &fs->feeds[l->day0 + i], FEED_DAY, arena_printf(a, "days/%s.ics", d->date),
			  arena_printf(a, "Day %zu (%d %s)", i + 1, d->day, months[d->month - 1]));
	}
	for (size_t i = 0; i < p->n_tracks; i++)
		name_feed(fs, &fs->feeds[l->track0 + i], FEED_TRACK,
			  arena_printf(a, "tracks/%s.ics", p->tracks[i].id), p->tracks[i].title);
	for (size_t i = 0; i < p->n_rooms; i++)
		name_feed(fs, &fs->feeds[l->room0 + i], FEED_ROOM,
			  arena_printf(a, "rooms/%s.ics", p->rooms[i].id), p->rooms[i].title);
	for (size_t i = 0; i < p->n_speakers; i++)
		name_feed(fs, &fs->feeds[l->speaker0 + i], FEED_SPEAKER,
			  arena_printf(a, "speakers/%s.ics", p->speakers[i].id), p->speakers[i].name);
	for (size_t i = 0; i < fs->n_pieces; i++) {
		int tomb = i >= p->n_sessions;
		const char *id = tomb ? fs->history.tombs[i - p->n_sessions].id : p->sessions[i].id;
		const char *title = tomb ? fs->history.tombs[i - p->n_sessions].title : p->sessions[i].title;

		name_feed(fs, &fs->feeds[l->session0 + i], FEED_SESSION,
			  arena_printf(a, "sessions/%s.ics", id), title);
	}
	parallel_for(fs->n_feeds, 256, render_names, fs);
}

/* Calls add(feed) for every feed piece i belongs to. */
static void place(const struct layout *l, const struct feed_member *m, uint32_t i,
		  void (*add)(struct feedset *, size_t, uint32_t), struct feedset *fs)
{
	add(fs, 0, i);
	if (m->day != PROG_NONE)
		add(fs, l->day0 + m->day, i);
	if (m->track != PROG_NONE)
		add(fs, l->track0 + m->track, i);
	if (m->room != PROG_NONE)
		add(fs, l->room0 + m->room, i);
	for (uint32_t j = 0; j < m->n_speakers; j++) {
		uint32_t who = feed_member_speaker(m, j);
		int again = 0;

		for (uint32_t k = 0; k < j; k++)
			again |= feed_member_speaker(m, k) == who;
		if (!again)
			add(fs, l->speaker0 + who, i);
	}
	add(fs, l->session0 + i, i);
}

static void count_item(struct feedset *fs, size_t feed, uint32_t piece)
{
	(void)piece;
	fs->feeds[feed].n_items++;
}

static void store_item(struct feedset *fs, size_t feed, uint32_t piece)
{
	struct feed *f = &fs->feeds[feed];

	f->items[f->n_items++] = piece;
}

static void fill_feeds(struct feedset *fs, const struct feed_member *members)
{
	struct layout l;

	make_layout(fs, &l);
	fs->n_feeds = l.total;
	fs->feeds = arena_alloc(fs->arena, sizeof(struct feed) * (l.total + 1));
	name_feeds(fs, &l);
	for (uint32_t i = 0; i < fs->n_pieces; i++)
		place(&l, &members[i], i, count_item, fs);
	for (size_t f = 0; f < fs->n_feeds; f++) {
		fs->feeds[f].items = arena_alloc(fs->arena, sizeof(uint32_t) * (fs->feeds[f].n_items + 1));
		fs->feeds[f].n_items = 0;
	}
	for (uint32_t i = 0; i < fs->n_pieces; i++)
		place(&l, &members[i], i, store_item, fs);
}

static void time_range(const struct feedset *fs, int64_t *from, int64_t *to)
{
	const struct programme *p = fs->prog;

	*from = INT64_MAX;
	*to = INT64_MIN;
	for (size_t i = 0; i < p->n_sessions; i++) {
		if (p->sessions[i].start < *from)
			*from = p->sessions[i].start;
		if (p->sessions[i].end > *to)
			*to = p->sessions[i].end;
	}
	for (size_t i = 0; i < fs->n_tombs; i++) {
		if (fs->history.tombs[i].start < *from)
			*from = fs->history.tombs[i].start;
		if (fs->history.tombs[i].end > *to)
			*to = fs->history.tombs[i].end;
	}
	if (*from > *to) /* nothing at all: describe the zone as of now */
		*from = *to = 0;
}

int feedset_build(const struct programme *p, const struct conf *c, struct state *st, int64_t now,
		  struct feedset **out)
{
	struct feedset *fs = xcalloc(1, sizeof(*fs));
	struct piece *bodies = xcalloc(p->n_sessions + 1, sizeof(*bodies));
	uint64_t *hashes = xcalloc(p->n_sessions + 1, sizeof(*hashes));
	struct feed_member *members = NULL;
	struct alarm_heads alarms;
	int64_t from, to;
	double t0, t1, t2, t3;
	struct render_job job;
	int rc;

	fs->prog = p;
	fs->arena = arena_new();
	t0 = clock_elapsed();
	alarm_heads_make(&alarms, c->alarms, c->n_alarms);
	job = (struct render_job){ fs, c, &alarms, bodies, hashes, NULL };
	parallel_for(p->n_sessions, 256, render_bodies, &job);
	t1 = clock_elapsed();
	rc = state_reconcile(st, p, hashes, now, &fs->history);
	t2 = clock_elapsed();
	free(hashes);
	if (rc < 0) {
		for (size_t i = 0; i < p->n_sessions; i++)
			free(bodies[i].text);
		free(bodies);
		alarm_heads_free(&alarms);
		feedset_free(fs);
		return rc;
	}
	fs->n_tombs = fs->history.n_tombs;
	fs->n_pieces = p->n_sessions + fs->n_tombs;
	fs->pieces = xcalloc(fs->n_pieces + 1, sizeof(*fs->pieces));
	members = xcalloc(fs->n_pieces + 1, sizeof(*members));
	render_all(fs, c, &alarms, bodies, members);
	alarm_heads_free(&alarms);
	free(bodies);
	time_range(fs, &from, &to);
	fs->head = render_calendar_head(p, c, &fs->head_len);
	fs->vtimezone = render_vtimezone(p, from, to, &fs->vtimezone_len);
	t3 = clock_elapsed();
	fill_feeds(fs, members);
	fs->members = members;
	log_debug("feeds: rendered %zu sessions in %.3f s, state %.3f s, pieces %.3f s, %zu feeds %.3f s",
		  p->n_sessions, t1 - t0, t2 - t1, t3 - t2, fs->n_feeds, clock_elapsed() - t3);
	*out = fs;
	return 0;
}

void feedset_free(struct feedset *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n_pieces; i++)
		free(fs->pieces[i].text);
	for (size_t i = 0; i < fs->n_feeds; i++)
		free(fs->feeds[i].name_text);
	free(fs->pieces);
	free(fs->members);
	free(fs->head);
	free(fs->vtimezone);
	reconcile_free(&fs->history);
	arena_free(fs->arena);
	free(fs);
}

int feedset_emit(const struct feedset *fs, const struct feed *f,
		 int (*emit)(void *ctx, const void *data, size_t len), void *ctx)
{
	int rc;

	if ((rc = emit(ctx, fs->head, fs->head_len)) || (rc = emit(ctx, f->name_text, f->name_len)) ||
	    (rc = emit(ctx, fs->vtimezone, fs->vtimezone_len)))
		return rc;
	for (size_t i = 0; i < f->n_items; i++) {
		const struct piece *pc = &fs->pieces[f->items[i]];

		if ((rc = emit(ctx, pc->text, pc->len)))
			return rc;
	}
	return emit(ctx, RENDER_END_CALENDAR, sizeof(RENDER_END_CALENDAR) - 1);
}

size_t feedset_size(const struct feedset *fs, const struct feed *f)
{
	size_t n = fs->head_len + f->name_len + fs->vtimezone_len + sizeof(RENDER_END_CALENDAR) - 1;

	for (size_t i = 0; i < f->n_items; i++)
		n += fs->pieces[f->items[i]].len;
	return n;
}
