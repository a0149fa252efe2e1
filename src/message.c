#include "config.h"

#include "message.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "curl_util.h"
#include "log.h"
#include "memory.h"
#include "plan.h"

/* No channel waits longer than this for a connection (its timeout may be
 * shorter). */
#define CONNECT_TIMEOUT 10L

const char *message_type_name(enum message_type t)
{
	switch (t) {
	case MSG_CHANGED: return "session.changed";
	case MSG_CANCELLED: return "session.cancelled";
	default: return "session.reminder";
	}
}

char *message_session_url(const struct conf *c, const struct prog_session *s)
{
	return xasprintf("%s/sessions/%s.ics", c->base_url, s->id);
}

json_t *message_session_json(const struct programme *p, const struct conf *c,
			     const struct prog_session *s)
{
	char start[32], end[32], *url = message_session_url(c, s);
	json_t *people = json_array(), *o;

	plan_utc(s->start, start, sizeof(start));
	plan_utc(s->end, end, sizeof(end));
	/* Names and roles only: addresses never leave the configuration. */
	for (uint32_t i = 0; i < s->n_people; i++) {
		const struct prog_person *pp = &s->people[i];

		json_array_append_new(people, json_pack("{s:s, s:s, s:s?}", "id",
							p->speakers[pp->speaker].id, "name",
							p->speakers[pp->speaker].name, "role", pp->role));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s}", "id", s->id, "title",
		      s->title, "start", start, "end", end, "timezone", p->event.timezone, "room",
		      s->room == PROG_NONE ? NULL : p->rooms[s->room].title, "track",
		      s->track == PROG_NONE ? NULL : p->tracks[s->track].title, "people", people,
		      "url", url);
	free(url);
	return o;
}

static void in_words(int64_t seconds, char *out, size_t size)
{
	int64_t h = seconds / 3600, min = seconds % 3600 / 60;

	if (seconds >= 86400 && seconds % 86400 == 0)
		snprintf(out, size, "%lld day%s", (long long)(seconds / 86400),
			 seconds == 86400 ? "" : "s");
	else if (h > 0 && min == 0)
		snprintf(out, size, "%lld hour%s", (long long)h, h == 1 ? "" : "s");
	else if (h > 0)
		snprintf(out, size, "%lld hour%s %lld minute%s", (long long)h, h == 1 ? "" : "s",
			 (long long)min, min == 1 ? "" : "s");
	else
		snprintf(out, size, "%lld minute%s", (long long)min, min == 1 ? "" : "s");
}

/* "starts in 15 minutes" on time; a reminder sent late (after downtime,
 * within catch_up) says the time actually left, or how long ago the
 * session started, rounded to the minute. */
static void time_left(const struct message *m, char *out, size_t size)
{
	int64_t left = m->session->start - m->now;
	char words[64];

	if (left > m->offset - 60 && left <= m->offset) {
		in_words(m->offset, words, sizeof(words));
		snprintf(out, size, "starts in %s", words);
	} else if (left >= 30) {
		in_words((left + 30) / 60 * 60, words, sizeof(words));
		snprintf(out, size, "starts in %s", words);
	} else if (left > -30) {
		snprintf(out, size, "starts now");
	} else {
		in_words((-left + 30) / 60 * 60, words, sizeof(words));
		snprintf(out, size, "started %s ago", words);
	}
}

char *message_headline(const struct message *m)
{
	const struct prog_session *s = m->session;
	const char *room = s->room == PROG_NONE ? m->prog->event.location : m->prog->rooms[s->room].title;
	struct buf b = { 0 };
	char when[96];

	switch (m->type) {
	case MSG_CHANGED:
		buf_printf(&b, "Changed: %s (%s)", s->title, m->changes ? m->changes : "details");
		break;
	case MSG_CANCELLED:
		buf_printf(&b, "Cancelled: %s", s->title);
		break;
	default:
		time_left(m, when, sizeof(when));
		buf_printf(&b, "%s %s (%02d:%02d %s%s%s)", s->title, when,
			   s->start_local.hour, s->start_local.min, m->prog->event.timezone,
			   room ? ", " : "", room ? room : "");
	}
	return buf_steal(&b, NULL);
}

int message_transfer_options(CURL *easy, const struct conf_channel *ch)
{
	if (easy_setopt(easy, CURLOPT_CONNECTTIMEOUT,
			ch->timeout < CONNECT_TIMEOUT ? (long)ch->timeout : CONNECT_TIMEOUT) ||
	    easy_setopt(easy, CURLOPT_TIMEOUT, (long)ch->timeout) ||
	    /* A 3xx is a failure: following it could send the payload elsewhere. */
	    easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L))
		return -1;
	if (ch->ca_file && easy_setopt(easy, CURLOPT_CAINFO, ch->ca_file))
		return -1;
	return 0;
}

char *message_read_secret(const char *path)
{
	char buf[4096];
	FILE *f;
	size_t n;

	if (!path)
		return NULL;
	f = fopen(path, "re");
	if (!f) {
		log_err("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0'; /* the first line, as editors leave it */
	return xstrdup(buf);
}
