#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "page_site.h"
#include "page_util.h"
#include "memory.h"

/* Pages built per request see only the programme's sessions (site_number,
 * not site_open): removed ones would need the time zone, whose rules are
 * for one thread. */

/* The event's local time at utc: the offset of the session that starts
 * nearest to it (the zone's rules are for one thread only). */
static void local_time(const struct programme *p, int64_t utc, struct civil *out)
{
	size_t lo = 0, hi = p->n_sessions;
	int64_t offset = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->sessions[mid].start < utc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (p->n_sessions) {
		const struct prog_session *s = &p->sessions[lo < p->n_sessions ? lo : lo - 1];

		offset = civil_to_seconds(&s->start_local) - s->start;
	}
	seconds_to_civil(utc + offset, out);
}

/* For each room, and sessions without one as room n_rooms: the session
 * running at now and the next to start (cancelled ones left out).
 * Sessions are sorted by start, so the first later one of a room is its
 * next. */
static void now_next(const struct programme *p, int64_t now, uint32_t *cur, uint32_t *next)
{
	for (size_t r = 0; r <= p->n_rooms; r++)
		cur[r] = next[r] = PROG_NONE;
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *s = &p->sessions[i];
		size_t r = s->room == PROG_NONE ? p->n_rooms : s->room;

		if (s->status == PROG_CANCELLED)
			continue;
		if (s->start <= now && now < s->end)
			cur[r] = (uint32_t)i;
		else if (s->start > now && next[r] == PROG_NONE)
			next[r] = (uint32_t)i;
	}
}

static int same_day(const struct civil *a, const struct civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

char *page_now_html(const struct feedset *fs, const struct conf *c, int64_t now, size_t *len)
{
	const struct programme *p = fs->prog;
	struct page_head h = { .title = "Now and next", .canonical = "now.html",
			       .feed = "calendar.ics" };
	uint32_t *cur = xmalloc(sizeof(uint32_t) * (p->n_rooms + 1));
	uint32_t *next = xmalloc(sizeof(uint32_t) * (p->n_rooms + 1));
	struct buf b = { 0 };
	struct site st;
	struct civil lt;
	size_t rows = 0;

	site_number(&st, fs, c);
	now_next(p, now, cur, next);
	local_time(p, now, &lt);
	h.description = "What is on now and what starts next in each room.";
	page_start(&b, c, &p->event, &h);
	page_nav(&b, p, 0, NULL);
	buf_printf(&b, "<header><h1>Now and next</h1><p>It is <time datetime=\"%04d-%02d-%02dT"
		       "%02d:%02d\">%02d:%02d</time> on %04d-%02d-%02d.</p><p hidden><label><input type=\"checkbox\" "
		       "id=\"auto\" checked> Refresh every minute</label></p></header>\n<main>\n",
		   lt.year, lt.month, lt.day, lt.hour, lt.min, lt.hour, lt.min, lt.year, lt.month,
		   lt.day);
	buf_adds(&b, "<table class=\"now\"><thead><tr><th scope=\"col\">Room</th><th scope=\"col\">"
		     "Now</th><th scope=\"col\">Next</th></tr></thead><tbody>\n");
	for (size_t r = 0; r <= p->n_rooms; r++) {
		if (cur[r] == PROG_NONE && next[r] == PROG_NONE)
			continue;
		rows++;
		buf_adds(&b, "<tr><th scope=\"row\">");
		if (r < p->n_rooms) {
			buf_adds(&b, "<a href=\"");
			page_path(&b, fs->feeds[st.room0 + r].path);
			buf_adds(&b, "\">");
			page_esc(&b, p->rooms[r].title);
			buf_adds(&b, "</a>");
		} else {
			buf_adds(&b, p->n_rooms ? "Elsewhere" : "Programme");
		}
		buf_adds(&b, "</th><td data-l=\"Now\">");
		if (cur[r] != PROG_NONE)
			site_card(&b, &st, cur[r], 0, "div", NULL, CARD_NO_PICK);
		else
			buf_adds(&b, "<span class=\"meta\">Nothing now</span>");
		buf_adds(&b, "</td><td data-l=\"Next\">");
		if (next[r] != PROG_NONE)
			site_card(&b, &st, next[r], 0, "div", NULL,
				  CARD_NO_PICK | (same_day(&p->sessions[next[r]].start_local, &lt)
							  ? 0 : CARD_DAY));
		else
			buf_adds(&b, "<span class=\"meta\">Nothing later</span>");
		buf_adds(&b, "</td></tr>\n");
	}
	buf_adds(&b, "</tbody></table>\n");
	if (!rows)
		buf_adds(&b, "<p>Nothing is on now, and nothing is to come: the programme is over.</p>");
	buf_adds(&b, "</main>");
	page_end(&b, &p->event, 0);
	free(cur);
	free(next);
	return buf_steal(&b, len);
}

static json_t *session_json(const struct site *st, uint32_t i)
{
	const struct programme *p = st->p;
	const struct prog_session *s = &p->sessions[i];
	json_t *o = json_object(), *who = json_array();
	char from[32], to[32], ls[8], le[8];
	struct civil a, z;
	struct buf url = { 0 };

	seconds_to_civil(s->start, &a);
	seconds_to_civil(s->end, &z);
	snprintf(from, sizeof(from), "%04d-%02d-%02dT%02d:%02d:%02dZ", a.year, a.month, a.day,
		 a.hour, a.min, a.sec);
	snprintf(to, sizeof(to), "%04d-%02d-%02dT%02d:%02d:%02dZ", z.year, z.month, z.day, z.hour,
		 z.min, z.sec);
	snprintf(ls, sizeof(ls), "%02d:%02d", s->start_local.hour % 100, s->start_local.min % 100);
	snprintf(le, sizeof(le), "%02d:%02d", s->end_local.hour % 100, s->end_local.min % 100);
	buf_printf(&url, "%s/", st->c->base_url);
	page_path(&url, st->fs->feeds[st->session0 + i].path);
	for (uint32_t j = 0; j < s->n_people; j++)
		json_array_append_new(who, json_string(p->speakers[s->people[j].speaker].name));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "title", json_string(s->title));
	json_object_set_new(o, "start", json_string(from));
	json_object_set_new(o, "end", json_string(to));
	json_object_set_new(o, "local_start", json_string(ls));
	json_object_set_new(o, "local_end", json_string(le));
	json_object_set_new(o, "track", s->track != PROG_NONE ? json_string(p->tracks[s->track].title)
							      : json_null());
	json_object_set_new(o, "status", json_string(s->status == PROG_TENTATIVE ? "tentative"
										  : "confirmed"));
	json_object_set_new(o, "speakers", who);
	json_object_set_new(o, "url", json_string(url.data));
	buf_free(&url);
	return o;
}

char *page_now_json(const struct feedset *fs, const struct conf *c, int64_t now, size_t *len)
{
	const struct programme *p = fs->prog;
	uint32_t *cur = xmalloc(sizeof(uint32_t) * (p->n_rooms + 1));
	uint32_t *next = xmalloc(sizeof(uint32_t) * (p->n_rooms + 1));
	json_t *root = json_object(), *rooms = json_array();
	char stamp[48], local[48];
	struct civil u, lt;
	struct site st;
	char *text;

	if (!root || !rooms)
		out_of_memory(); /* jansson's allocation */
	site_number(&st, fs, c);
	now_next(p, now, cur, next);
	seconds_to_civil(now, &u);
	local_time(p, now, &lt);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day,
		 u.hour, u.min, u.sec);
	snprintf(local, sizeof(local), "%04d-%02d-%02dT%02d:%02d:%02d", lt.year % 10000,
		 lt.month % 100, lt.day % 100, lt.hour % 100, lt.min % 100, lt.sec % 100);
	json_object_set_new(root, "event", json_string(p->event.id));
	json_object_set_new(root, "now", json_string(stamp));
	json_object_set_new(root, "local", json_string(local));
	json_object_set_new(root, "timezone", json_string(p->event.timezone));
	for (size_t r = 0; r <= p->n_rooms; r++) {
		json_t *room;

		if (cur[r] == PROG_NONE && next[r] == PROG_NONE)
			continue;
		room = json_object();
		/* Sessions without a room: id null. */
		json_object_set_new(room, "id", r < p->n_rooms ? json_string(p->rooms[r].id) : json_null());
		json_object_set_new(room, "title", json_string(r < p->n_rooms ? p->rooms[r].title : ""));
		json_object_set_new(room, "now", cur[r] != PROG_NONE ? session_json(&st, cur[r])
								     : json_null());
		json_object_set_new(room, "next", next[r] != PROG_NONE ? session_json(&st, next[r])
								       : json_null());
		json_array_append_new(rooms, room);
	}
	json_object_set_new(root, "rooms", rooms);
	text = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	free(cur);
	free(next);
	if (!text)
		out_of_memory();
	*len = strlen(text);
	return text;
}

/* --- search ------------------------------------------------------------------------ */

#define MAX_WORDS 8

static void select_of(struct buf *b, const char *name, const char *label, const char *chosen,
		      size_t n, const char *(*id)(const struct programme *, size_t),
		      const char *(*title)(const struct programme *, size_t), const struct programme *p)
{
	buf_printf(b, "<label>%s <select name=\"%s\"><option value=\"\">Any</option>", label, name);
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, "<option value=\"");
		page_esc(b, id(p, i));
		buf_adds(b, chosen && strcmp(chosen, id(p, i)) == 0 ? "\" selected>" : "\">");
		page_esc(b, title(p, i));
		buf_adds(b, "</option>");
	}
	buf_adds(b, "</select></label> ");
}

static const char *day_id(const struct programme *p, size_t i) { return p->days[i].date; }
static const char *track_id(const struct programme *p, size_t i) { return p->tracks[i].id; }
static const char *track_title(const struct programme *p, size_t i) { return p->tracks[i].title; }
static const char *room_id(const struct programme *p, size_t i) { return p->rooms[i].id; }
static const char *room_title(const struct programme *p, size_t i) { return p->rooms[i].title; }

static uint32_t find(const struct strmap *m, const char *id)
{
	uint32_t v;

	if (!id || !*id)
		return PROG_NONE;
	return strmap_get(m, id, &v) == 0 ? v : PROG_NONE - 1; /* unknown: matches nothing */
}

char *page_search(const struct feedset *fs, const struct search_index *idx, const struct conf *c,
		  const char *q, const char *day, const char *track, const char *room, size_t *len)
{
	const struct programme *p = fs->prog;
	struct page_head h = { .title = "Search", .canonical = "search.html", .feed = "calendar.ics",
			       .description = "Search the programme's sessions." };
	char folded[PAGE_QUERY_MAX + 1], *words[MAX_WORDS], *save = NULL, *w;
	uint32_t d = find(p->day_ids, day), t = find(p->track_ids, track), r = find(p->room_ids, room);
	size_t n = 0, shown = 0, total = 0;
	struct buf b = { 0 };
	struct site st;

	snprintf(folded, sizeof(folded), "%s", q ? q : "");
	search_fold(folded);
	/* The index separates fields with '\n': no word holds one. */
	for (w = strtok_r(folded, " \t\r\n", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = w;
	site_number(&st, fs, c);
	page_start(&b, c, &p->event, &h);
	page_nav(&b, p, 0, q);
	buf_adds(&b, "<header><h1>Search</h1><form method=\"get\" action=\"search.html\" "
		     "class=\"search\"><label>Words <input type=\"search\" name=\"q\" "
		     "maxlength=\"100\" value=\"");
	page_esc(&b, q);
	buf_adds(&b, "\"></label> ");
	select_of(&b, "day", "Day", day, p->n_days, day_id, day_id, p);
	select_of(&b, "track", "Track", track, p->n_tracks, track_id, track_title, p);
	select_of(&b, "room", "Room", room, p->n_rooms, room_id, room_title, p);
	buf_adds(&b, "<button type=\"submit\">Search</button></form></header>\n<main>\n");
	site_form_open(&b, 0);
	buf_adds(&b, "<ol class=\"list\">\n");
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *s = &p->sessions[i];

		if ((d != PROG_NONE && s->day != d) || (t != PROG_NONE && s->track != t) ||
		    (r != PROG_NONE && s->room != r) || !search_index_match(idx, i, words, n))
			continue;
		total++;
		if (shown < PAGE_SEARCH_MAX) {
			site_card(&b, &st, (uint32_t)i, 0, "li", NULL, CARD_DAY);
			shown++;
		}
	}
	buf_adds(&b, "</ol>\n");
	site_form_close(&b);
	if (total > shown)
		buf_printf(&b, "<p>The first %zu of %zu sessions are shown: add words or filters.</p>",
			   shown, total);
	else
		buf_printf(&b, "<p>%zu sessions found.</p>", total);
	buf_adds(&b, "</main>");
	page_end(&b, &p->event, 0);
	return buf_steal(&b, len);
}
