#include "config.h"

#include "query.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "duration.h"

static const char *const key_names[QUERY_FILTERS] = { "track", "room", "day", "speaker", "kind" };

static const struct strmap *ids_of(const struct programme *p, enum query_key k)
{
	switch (k) {
	case QUERY_TRACK: return p->track_ids;
	case QUERY_ROOM: return p->room_ids;
	case QUERY_DAY: return p->day_ids;
	case QUERY_SPEAKER: return p->speaker_ids;
	default: return p->kind_ids;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

static int add_filter(const struct programme *p, struct query *q, enum query_key k,
		      const char *value, char *why, size_t size)
{
	uint32_t index;

	if (strmap_get(ids_of(p, k), value, &index) != 0) {
		snprintf(why, size, "unknown %s '%.100s'", key_names[k], value);
		return -1;
	}
	if (q->n_sel[k] >= QUERY_MAX_VALUES) {
		snprintf(why, size, "too many values for '%s' (at most %d)", key_names[k],
			 QUERY_MAX_VALUES);
		return -1;
	}
	if (!q->sel[k] && !(q->sel[k] = calloc(QUERY_MAX_VALUES, sizeof(uint32_t))))
		return snprintf(why, size, "out of memory"), -1;
	q->sel[k][q->n_sel[k]++] = index;
	return 0;
}

static int add_alarm(struct query *q, const char *value, char *why, size_t size)
{
	int64_t seconds;

	if (strcmp(value, "none") == 0)
		return 0;
	if (duration_parse(value, &seconds) || seconds > 28 * 86400) {
		snprintf(why, size,
			 "bad alarm '%.100s': use none, or durations before the start such as "
			 "10m, 1h or 1d (at most 28d)", value);
		return -1;
	}
	for (size_t i = 0; i < q->n_alarms; i++)
		if (q->alarms[i] == seconds)
			return 0;
	if (q->n_alarms == QUERY_MAX_ALARMS) {
		snprintf(why, size, "too many alarms (at most %d)", QUERY_MAX_ALARMS);
		return -1;
	}
	q->alarms[q->n_alarms++] = seconds;
	return 0;
}

static int add_value(const struct programme *p, struct query *q, const char *key,
		     const char *value, int filters, char *why, size_t size)
{
	if (!*value) {
		snprintf(why, size, "empty value for '%.100s'", key);
		return -1;
	}
	if (strcmp(key, "alarm") == 0)
		return add_alarm(q, value, why, size);
	for (int k = 0; k < QUERY_FILTERS; k++) {
		if (strcmp(key, key_names[k]) != 0)
			continue;
		if (!filters) {
			snprintf(why, size, "'%s' filters only the whole programme: use /calendar.ics?%s=...",
				 key, key);
			return -1;
		}
		return add_filter(p, q, (enum query_key)k, value, why, size);
	}
	snprintf(why, size, "unknown parameter '%.100s' (known: track, room, day, speaker, kind, alarm)",
		 key);
	return -1;
}

/* One argument: its key, then each comma-separated value, decoded. */
static int add_arg(const struct programme *p, struct query *q, const struct query_arg *a,
		   int filters, char *why, size_t size)
{
	char *key = curl_easy_unescape(NULL, a->key, 0, NULL);
	char *value = curl_easy_unescape(NULL, a->value ? a->value : "", 0, NULL), *save = NULL;
	int rc = 0;

	if (!key || !value) {
		curl_free(key);
		curl_free(value);
		return snprintf(why, size, "out of memory"), -1;
	}
	if (strcmp(key, "alarm") == 0)
		q->has_alarm = 1;
	if (!value[strspn(value, ",")]) /* nothing but commas is no value either */
		rc = add_value(p, q, key, "", filters, why, size);
	for (char *v = strtok_r(value, ",", &save); v && rc == 0; v = strtok_r(NULL, ",", &save))
		rc = add_value(p, q, key, v, filters, why, size);
	curl_free(key);
	curl_free(value);
	return rc;
}

static void canonicalise(const struct programme *p, struct query *q)
{
	struct buf b = { 0 };
	char d[32];

	for (int k = 0; k < QUERY_FILTERS; k++) {
		size_t n = 0;

		if (!q->n_sel[k])
			continue;
		qsort(q->sel[k], q->n_sel[k], sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < q->n_sel[k]; i++)
			if (i == 0 || q->sel[k][i] != q->sel[k][i - 1])
				q->sel[k][n++] = q->sel[k][i];
		q->n_sel[k] = n;
		buf_printf(&b, "%s%s=", b.len ? "&" : "", key_names[k]);
		for (size_t i = 0; i < n; i++) {
			uint32_t v = q->sel[k][i];
			const char *id = k == QUERY_TRACK     ? p->tracks[v].id
					 : k == QUERY_ROOM    ? p->rooms[v].id
					 : k == QUERY_DAY     ? p->days[v].date
					 : k == QUERY_SPEAKER ? p->speakers[v].id
							      : p->kinds[v];

			buf_printf(&b, "%s%s", i ? "," : "", id);
		}
	}
	if (q->has_alarm) {
		qsort(q->alarms, q->n_alarms, sizeof(int64_t), cmp_desc);
		buf_printf(&b, "%salarm=", b.len ? "&" : "");
		if (!q->n_alarms)
			buf_adds(&b, "none");
		for (size_t i = 0; i < q->n_alarms; i++) {
			duration_format(q->alarms[i], d, sizeof(d));
			buf_printf(&b, "%s%s", i ? "," : "", d);
		}
	}
	buf_adds(&b, "");
	q->canon = buf_steal(&b, NULL);
}

int query_parse(const struct programme *p, const struct query_arg *args, size_t n, int filters,
		struct query *q, char *why, size_t size)
{
	memset(q, 0, sizeof(*q));
	q->prog = p;
	for (size_t i = 0; i < n; i++)
		if (add_arg(p, q, &args[i], filters, why, size) < 0)
			return -1;
	canonicalise(p, q);
	return q->canon ? 0 : -1;
}

void query_free(struct query *q)
{
	for (int k = 0; k < QUERY_FILTERS; k++)
		free(q->sel[k]);
	free(q->canon);
	memset(q, 0, sizeof(*q));
}

int query_has_filters(const struct query *q)
{
	for (int k = 0; k < QUERY_FILTERS; k++)
		if (q->n_sel[k])
			return 1;
	return 0;
}

static int selected(const struct query *q, enum query_key k, uint32_t v)
{
	return v != PROG_NONE && bsearch(&v, q->sel[k], q->n_sel[k], sizeof(uint32_t), cmp_u32);
}

int query_matches(const struct query *q, const struct feed_member *m)
{
	if (q->n_sel[QUERY_TRACK] && !selected(q, QUERY_TRACK, m->track))
		return 0;
	if (q->n_sel[QUERY_ROOM] && !selected(q, QUERY_ROOM, m->room))
		return 0;
	if (q->n_sel[QUERY_DAY] && !selected(q, QUERY_DAY, m->day))
		return 0;
	if (q->n_sel[QUERY_KIND]) {
		uint32_t kind = PROG_NONE;

		/* A tombstone's kind may be one the programme no longer has. */
		strmap_get(q->prog->kind_ids, m->kind, &kind);
		if (!selected(q, QUERY_KIND, kind))
			return 0;
	}
	if (q->n_sel[QUERY_SPEAKER]) {
		for (uint32_t j = 0; j < m->n_speakers; j++)
			if (selected(q, QUERY_SPEAKER, feed_member_speaker(m, j)))
				return 1;
		return 0;
	}
	return 1;
}

char *query_label(const struct query *q, const struct feedset *fs)
{
	const struct programme *p = fs->prog;
	struct buf b = { 0 };

	for (int k = 0; k < QUERY_FILTERS; k++) {
		if (!q->n_sel[k])
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		for (size_t i = 0; i < q->n_sel[k]; i++) {
			uint32_t v = q->sel[k][i];
			const char *label = k == QUERY_TRACK     ? p->tracks[v].title
					    : k == QUERY_ROOM    ? p->rooms[v].title
					    : k == QUERY_DAY     ? fs->feeds[1 + v].label
					    : k == QUERY_SPEAKER ? p->speakers[v].name
								 : p->kinds[v];

			buf_printf(&b, "%s%s", i ? " or " : "", label);
		}
	}
	buf_adds(&b, "");
	return buf_steal(&b, NULL);
}
