#include "config.h"

#include "webhook.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "curl_util.h"
#include "duration.h"
#include "memory.h"
#include "plan.h"

static char *iso(int64_t t)
{
	char buf[32];

	plan_utc(t, buf, sizeof(buf));
	return xstrdup(buf);
}

char *webhook_sign(const char *secret, const char *id, long long timestamp, const char *body,
		   size_t len)
{
	const char *b64 = strncmp(secret, "whsec_", 6) == 0 ? secret + 6 : secret;
	size_t n = strlen(b64);
	unsigned char *key = xmalloc(n + 3), mac[EVP_MAX_MD_SIZE], out[EVP_MAX_MD_SIZE * 2];
	unsigned int mac_len = 0;
	int key_len;
	struct buf msg = { 0 };
	char *sig = NULL;

	key_len = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)n);
	/* DecodeBlock counts padding as zero bytes: take them off again. */
	for (size_t i = n; key_len > 0 && i > 0 && b64[i - 1] == '='; i--)
		key_len--;
	if (key_len <= 0 || n % 4) {
		free(key);
		return NULL;
	}
	buf_printf(&msg, "%s.%lld.", id, timestamp);
	buf_add(&msg, body, len);
	if (HMAC(EVP_sha256(), key, key_len, (unsigned char *)msg.data, msg.len, mac, &mac_len)) {
		EVP_EncodeBlock(out, mac, (int)mac_len);
		sig = xasprintf("v1,%s", out);
	}
	buf_free(&msg);
	free(key);
	return sig;
}

static json_t *event_json(const struct programme *p)
{
	const struct prog_event *e = &p->event;

	return json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "id", e->id, "title", e->title, "timezone",
			 e->timezone, "location", e->location, "url", e->url);
}

static json_t *standard_body(const struct message *m)
{
	char off[32], *ts = iso(m->now);
	json_t *data, *o;

	if (m->type == MSG_REMINDER) {
		duration_format(m->offset, off, sizeof(off));
		data = json_pack("{s:o, s:o, s:s, s:I}", "event", event_json(m->prog), "session",
				 message_session_json(m->prog, m->conf, m->session), "offset", off,
				 "starts_in_seconds", (json_int_t)(m->session->start - m->now));
	} else {
		data = json_pack("{s:o, s:o, s:O?, s:O?, s:s?}", "event", event_json(m->prog),
				 "session",
				 m->after ? json_incref(m->after)
					  : message_session_json(m->prog, m->conf, m->session),
				 "before", m->before, "after", m->after, "changes", m->changes);
	}
	o = json_pack("{s:s, s:s, s:o}", "type", message_type_name(m->type), "timestamp", ts, "data",
		      data);
	free(ts);
	return o;
}

/* The text chats show: headline, people, where, and the feed link. */
static char *chat_text(const struct message *m)
{
	const struct prog_session *s = m->session;
	char *head = message_headline(m), *url = message_session_url(m->conf, s);
	struct buf b = { 0 };

	buf_adds(&b, head);
	for (uint32_t i = 0; i < s->n_people; i++) {
		const struct prog_person *pp = &s->people[i];

		buf_printf(&b, "\n%s%s%s", pp->role ? pp->role : "", pp->role ? ": " : "",
			   m->prog->speakers[pp->speaker].name);
	}
	buf_printf(&b, "\nCalendar: %s", url);
	free(head);
	free(url);
	return buf_steal(&b, NULL);
}

/* Slack reads "<!channel>" or "<https://...|label>" in text as mentions
 * and links: a title must not make them, so angle brackets are escaped
 * (Slack's own escaping; a bare "&" shows as it is). Consumes text. */
static char *slack_escape(char *text)
{
	struct buf b = { 0 };

	for (const char *p = text; *p; p++) {
		if (*p == '<')
			buf_adds(&b, "&lt;");
		else if (*p == '>')
			buf_adds(&b, "&gt;");
		else
			buf_add(&b, p, 1);
	}
	free(text);
	return buf_steal(&b, NULL);
}

static json_t *teams_body(const struct message *m)
{
	const struct prog_session *s = m->session;
	char *head = message_headline(m), *url = message_session_url(m->conf, s), when[64];
	struct buf people = { 0 };
	json_t *card;

	snprintf(when, sizeof(when), "%04d-%02d-%02d %02d:%02d–%02d:%02d %s", s->start_local.year,
		 s->start_local.month, s->start_local.day, s->start_local.hour, s->start_local.min,
		 s->end_local.hour, s->end_local.min, m->prog->event.timezone);
	for (uint32_t i = 0; i < s->n_people; i++)
		buf_printf(&people, "%s%s", i ? ", " : "", m->prog->speakers[s->people[i].speaker].name);
	card = json_pack(
		"{s:s, s:[{s:s, s:n, s:{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:b}, {s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}], s:[{s:s, s:s, s:s}]}}]}",
		"type", "message", "attachments", "contentType",
		"application/vnd.microsoft.card.adaptive", "contentUrl", "content", "$schema",
		"http://adaptivecards.io/schemas/adaptive-card.json", "type", "AdaptiveCard",
		"version", "1.4", "body", "type", "TextBlock", "text", head, "weight", "Bolder",
		"wrap", 1, "type", "FactSet", "facts", "title", "Time", "value", when, "title", "Room",
		"value",
		s->room != PROG_NONE ? m->prog->rooms[s->room].title
		: m->prog->event.location ? m->prog->event.location : "",
		"title", "People", "value", people.data ? people.data : "", "actions", "type",
		"Action.OpenUrl", "title", "Add to calendar", "url", url);
	free(head);
	free(url);
	buf_free(&people);
	return card;
}

static char *discord_url(const char *url)
{
	return xasprintf("%s%swait=true", url, strchr(url, '?') ? "&" : "?");
}

static int add_header(struct webhook_request *r, const char *name, const char *value)
{
	char line[1024];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	line[strcspn(line, "\r\n")] = '\0'; /* a header value never spans lines */
	l = curl_slist_append(r->headers, line);
	if (!l)
		return -ENOMEM;
	r->headers = l;
	return 0;
}

static int set_json(struct webhook_request *r, json_t *body)
{
	r->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!r->body)
		return -ENOMEM;
	r->len = strlen(r->body);
	return add_header(r, "Content-Type", "application/json");
}

static int standard(const struct message *m, const char *id, const char *secret,
		    struct webhook_request *r)
{
	char ts[32];
	int rc = set_json(r, standard_body(m));

	snprintf(ts, sizeof(ts), "%lld", (long long)m->now);
	if (rc == 0)
		rc = add_header(r, "webhook-id", id);
	if (rc == 0)
		rc = add_header(r, "webhook-timestamp", ts);
	if (rc == 0 && secret) {
		char *sig = webhook_sign(secret, id, (long long)m->now, r->body, r->len);

		rc = sig ? add_header(r, "webhook-signature", sig) : -EINVAL;
		free(sig);
	}
	return rc;
}

static int ntfy(const struct message *m, struct webhook_request *r)
{
	char *head = message_headline(m), *url = message_session_url(m->conf, m->session);
	int rc;

	r->body = chat_text(m);
	r->len = strlen(r->body);
	rc = add_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (rc == 0)
		rc = add_header(r, "Title", head);
	if (rc == 0)
		rc = add_header(r, "Tags", m->type == MSG_REMINDER ? "calendar" : "warning");
	if (rc == 0)
		rc = add_header(r, "Click", url);
	free(head);
	free(url);
	return rc;
}

int webhook_build(const struct message *m, const char *id, const char *secret,
		  struct webhook_request *out)
{
	enum conf_webhook_format format = m->channel->webhook_format;
	struct webhook_request r = { 0 };
	char *text = NULL;
	int rc;

	r.url = format == WEBHOOK_DISCORD ? discord_url(m->channel->url) : xstrdup(m->channel->url);
	if (format == WEBHOOK_SLACK) {
		text = slack_escape(chat_text(m));
		rc = set_json(&r, json_pack("{s:s}", "text", text));
	} else if (format == WEBHOOK_MATTERMOST) {
		text = chat_text(m);
		rc = set_json(&r, json_pack("{s:s}", "text", text));
	} else if (format == WEBHOOK_DISCORD) {
		/* "@everyone" in a session title must not ping anybody. */
		text = chat_text(m);
		rc = set_json(&r, json_pack("{s:s, s:{s:[]}}", "content", text, "allowed_mentions",
					    "parse"));
	} else if (format == WEBHOOK_TEAMS)
		rc = set_json(&r, teams_body(m));
	else if (format == WEBHOOK_NTFY)
		rc = ntfy(m, &r);
	else
		rc = standard(m, id, secret, &r);
	free(text);
	if (rc < 0) {
		webhook_request_free(&r);
		return rc;
	}
	*out = r;
	return 0;
}

void webhook_request_free(struct webhook_request *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->body);
	curl_slist_free_all(r->headers);
	memset(r, 0, sizeof(*r));
}

int webhook_setup(CURL *easy, const struct message *m, const char *digest, const char *secret,
		  struct webhook_request *out)
{
	char id[40];

	snprintf(id, sizeof(id), "msg_%s", digest);
	if (webhook_build(m, id, secret, out) < 0)
		return -EINVAL;
	if (message_transfer_options(easy, m->channel) ||
	    easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    easy_setopt(easy, CURLOPT_URL, out->url) ||
	    easy_setopt(easy, CURLOPT_POSTFIELDS, out->body) ||
	    easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)out->len) ||
	    easy_setopt(easy, CURLOPT_HTTPHEADER, out->headers)) {
		webhook_request_free(out);
		return -EIO;
	}
	return 0;
}

/* Tokens live in userinfo, in query values and, for the big chat
 * services, in the path: keep scheme, host and the first segments. */
char *webhook_redact(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *scheme = NULL, *path = NULL, *out = NULL;
	size_t keep = 2;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		curl_free(scheme);
		curl_free(host);
		curl_free(path);
		return xstrdup("(unparsable URL)");
	}
	if (strstr(host, "slack.com") || strstr(host, "discord"))
		keep = 3;
	else if (strstr(path, "/hooks/"))
		keep = 1; /* Mattermost's /hooks/KEY */
	{
		struct buf b = { 0 };
		size_t seg = 0;
		char *port = NULL;

		buf_printf(&b, "%s://%s", scheme, host);
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			buf_printf(&b, ":%s", port);
		curl_free(port);
		for (const char *p = path; *p; p++) {
			if (*p == '/')
				seg++;
			if (seg > keep) {
				buf_adds(&b, "/REDACTED");
				break;
			}
			buf_add(&b, p, 1);
		}
		if (curl_url_get(u, CURLUPART_QUERY, &port, 0) == CURLUE_OK) {
			buf_adds(&b, "?REDACTED");
			curl_free(port);
		}
		out = buf_steal(&b, NULL);
	}
	curl_url_cleanup(u);
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	return out;
}
