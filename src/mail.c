#include "config.h"

#include "mail.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "curl_util.h"
#include "memory.h"
#include "render.h"

char *mail_address(const char *from)
{
	const char *lt = from ? strrchr(from, '<') : NULL, *gt;

	if (!from)
		return NULL;
	if (lt && (gt = strchr(lt, '>')))
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return xstrdup(from);
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

/* RFC 2047: encoded words split between whole UTF-8 characters,
 * separated by spaces where mail_fold_header may fold. */
char *mail_encode_header(const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	struct buf b = { 0 };
	/* "Subject: " (9) + "=?UTF-8?B?" (10) + base64 + "?=" (2) <= 76 leaves
	 * 55 base64 characters: 52, which is 39 bytes. */
	const size_t max_bytes = 39;

	if (ascii(value))
		return xstrdup(value);
	while (*p) {
		size_t n = 0;
		unsigned char out[64];

		while (p[n]) {
			size_t c = 1;

			while ((p[n + c] & 0xc0) == 0x80)
				c++;
			if (n + c > max_bytes)
				break;
			n += c;
		}
		if (n == 0)
			n = 1; /* a broken character longer than a word: never loop */
		EVP_EncodeBlock(out, p, (int)n);
		buf_printf(&b, "%s=?UTF-8?B?%s?=", b.len ? " " : "", out);
		p += n;
	}
	return buf_steal(&b, NULL);
}

/* "Name <addr>": only the name is ever encoded (RFC 2047 5.3). */
static char *mailbox(const char *name, const char *address)
{
	char *enc, *out;
	int quote;

	if (!name || !*name)
		return xstrdup(address);
	enc = mail_encode_header(name);
	/* A plain name with specials must be quoted; an encoded word must not. */
	quote = ascii(name) && strpbrk(name, "()<>[]:;@\\,.\"") != NULL;
	out = quote ? xasprintf("\"%s\" <%s>", enc, address) : xasprintf("%s <%s>", enc, address);
	free(enc);
	return out;
}

static char *from_header(const char *from)
{
	char *addr = mail_address(from), *name = NULL, *out;
	const char *lt = strrchr(from, '<');

	if (lt) {
		name = xstrndup(from, (size_t)(lt - from));
		for (size_t n = strlen(name); n && name[n - 1] == ' '; n--)
			name[n - 1] = '\0';
		if (name[0] == '"' && strlen(name) > 1 && name[strlen(name) - 1] == '"') {
			memmove(name, name + 1, strlen(name));
			name[strlen(name) - 1] = '\0';
		}
	}
	out = mailbox(name, addr);
	free(name);
	free(addr);
	return out;
}

static const struct prog_person *role_of(const struct prog_session *s, const struct programme *p,
					 const struct prog_speaker *to)
{
	for (uint32_t i = 0; i < s->n_people; i++)
		if (&p->speakers[s->people[i].speaker] == to)
			return &s->people[i];
	return NULL;
}

/* RFC 5322 lines end in CRLF; a bare LF would be encoded as "=0A" by the
 * quoted-printable encoder instead of being a line break. */
static char *crlf(struct buf *b)
{
	struct buf out = { 0 };

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			buf_add(&out, "\r", 1);
		buf_add(&out, &b->data[i], 1);
	}
	buf_free(b);
	return buf_steal(&out, NULL);
}

static char *body_text(const struct message *m, const struct prog_speaker *to)
{
	const struct programme *p = m->prog;
	const struct prog_session *s = m->session;
	const struct prog_person *me = role_of(s, p, to);
	char *head = message_headline(m), *url = message_session_url(m->conf, s);
	const char *room = s->room != PROG_NONE ? p->rooms[s->room].title : p->event.location;
	struct buf b = { 0 };

	buf_printf(&b, "Dear %s,\n\n%s\n\n", to->name, head);
	buf_printf(&b, "Session: %s\n", s->title);
	buf_printf(&b, "When:    %04d-%02d-%02d %02d:%02d-%02d:%02d (%s)\n", s->start_local.year,
		   s->start_local.month, s->start_local.day, s->start_local.hour, s->start_local.min,
		   s->end_local.hour, s->end_local.min, p->event.timezone);
	if (room)
		buf_printf(&b, "Where:   %s\n", room);
	if (me && me->role)
		buf_printf(&b, "Your role: %s\n", me->role);
	if (m->type != MSG_REMINDER && m->changes)
		buf_printf(&b, "What changed: %s\n", m->changes);
	if (s->n_people > (me ? 1u : 0u)) {
		buf_adds(&b, "\nWith:\n");
		for (uint32_t i = 0; i < s->n_people; i++) {
			const struct prog_person *pp = &s->people[i];

			if (pp == me)
				continue;
			buf_printf(&b, "- %s%s%s\n", p->speakers[pp->speaker].name,
				   pp->role ? ", " : "", pp->role ? pp->role : "");
		}
	}
	buf_printf(&b, "\nAdd the session to your calendar: %s\n\n-- \n%s\n", url, p->event.title);
	free(head);
	free(url);
	return crlf(&b);
}

static char *calendar_text(const struct message *m, const char *vevent, size_t len)
{
	struct buf b = { 0 };
	size_t vtz_len;
	char *vtz = render_vtimezone(m->prog, m->session->start, m->session->end, &vtz_len);

	buf_adds(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agendad//agendad " PACKAGE_VERSION
		     "//EN\r\nMETHOD:PUBLISH\r\nCALSCALE:GREGORIAN\r\n");
	buf_add(&b, vtz, vtz_len);
	buf_add(&b, vevent, len);
	buf_adds(&b, RENDER_END_CALENDAR);
	free(vtz);
	return buf_steal(&b, NULL);
}

char *mail_fold_header(const char *name, const char *value)
{
	struct buf b = { 0 };
	size_t line = 0; /* where the current line starts in b */
	const char *w = value;

	buf_printf(&b, "%s:", name);
	while (*w) {
		const char *end = strchr(w + 1, ' ');
		size_t n = end ? (size_t)(end - w) : strlen(w);

		/* w is a word with its leading space (the first one gets one). */
		if (w == value)
			buf_add(&b, " ", 1);
		if (b.len - line + n > MAIL_LINE_MAX && b.len - line > strlen(name) + 2 && *w == ' ') {
			buf_add(&b, "\r\n", 2);
			line = b.len;
		}
		buf_add(&b, w, n);
		w += n;
	}
	return buf_steal(&b, NULL);
}

static int header(struct curl_slist **l, const char *name, const char *value)
{
	char *line;
	struct curl_slist *n;

	if (!value)
		return -EINVAL;
	line = mail_fold_header(name, value);
	n = curl_slist_append(*l, line);
	free(line);
	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

static int build_headers(const struct message *m, const struct prog_speaker *to,
			 const char *message_id, struct mail_request *r)
{
	char date[64], *from = from_header(m->channel->from), *rcpt = mailbox(to->name, to->email);
	char *head = message_headline(m), *subject = mail_encode_header(head);
	time_t t = (time_t)m->now;
	struct tm tm;
	int rc;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	rc = header(&r->headers, "Date", date);
	if (rc == 0)
		rc = header(&r->headers, "From", from);
	if (rc == 0)
		rc = header(&r->headers, "To", rcpt);
	if (rc == 0)
		rc = header(&r->headers, "Subject", subject);
	if (rc == 0)
		rc = header(&r->headers, "Message-ID", message_id);
	if (rc == 0)
		rc = header(&r->headers, "Auto-Submitted", "auto-generated");
	free(from);
	free(rcpt);
	free(head);
	free(subject);
	return rc;
}

/* multipart/mixed { text/plain, text/calendar } */
static int build_body(CURL *easy, const struct message *m, const struct prog_speaker *to,
		      const char *vevent, size_t len, struct mail_request *r)
{
	char *text = body_text(m, to), *cal = calendar_text(m, vevent, len);
	curl_mimepart *part;
	int rc = -ENOMEM;

	r->mime = curl_mime_init(easy);
	part = r->mime ? curl_mime_addpart(r->mime) : NULL;
	if (part && curl_mime_data(part, text, CURL_ZERO_TERMINATED) == CURLE_OK &&
	    curl_mime_type(part, "text/plain; charset=utf-8") == CURLE_OK &&
	    curl_mime_encoder(part, "quoted-printable") == CURLE_OK) {
		part = curl_mime_addpart(r->mime);
		if (part && curl_mime_data(part, cal, CURL_ZERO_TERMINATED) == CURLE_OK &&
		    curl_mime_type(part, "text/calendar; method=PUBLISH; charset=utf-8") == CURLE_OK &&
		    curl_mime_encoder(part, "quoted-printable") == CURLE_OK &&
		    curl_mime_filename(part, "session.ics") == CURLE_OK)
			rc = 0;
	}
	free(text);
	free(cal);
	return rc;
}

int mail_build(CURL *easy, const struct message *m, const struct prog_speaker *to,
	       const char *message_id, const char *vevent, size_t vevent_len,
	       struct mail_request *out)
{
	struct mail_request r = { 0 };
	int rc;

	if (!to->email || !m->channel->from)
		return -EINVAL;
	r.from_address = mail_address(m->channel->from);
	r.rcpt = curl_slist_append(NULL, to->email);
	rc = r.rcpt ? build_headers(m, to, message_id, &r) : -ENOMEM;
	if (rc == 0)
		rc = build_body(easy, m, to, vevent, vevent_len, &r);
	if (rc == 0 && (easy_setopt(easy, CURLOPT_MAIL_FROM, r.from_address) ||
			easy_setopt(easy, CURLOPT_MAIL_RCPT, r.rcpt) ||
			easy_setopt(easy, CURLOPT_HTTPHEADER, r.headers) ||
			easy_setopt(easy, CURLOPT_MIMEPOST, r.mime) ||
			easy_setopt(easy, CURLOPT_UPLOAD, 1L)))
		rc = -EIO;
	if (rc < 0) {
		mail_request_free(&r);
		return rc;
	}
	*out = r;
	return 0;
}

void mail_request_free(struct mail_request *r)
{
	if (!r)
		return;
	curl_mime_free(r->mime);
	curl_slist_free_all(r->headers);
	curl_slist_free_all(r->rcpt);
	free(r->from_address);
	memset(r, 0, sizeof(*r));
}

int mail_setup(CURL *easy, const struct message *m, const struct prog_speaker *to,
	       const char *digest, const char *vevent, size_t vevent_len, const char *password,
	       struct mail_request *out)
{
	const struct conf_channel *ch = m->channel;
	char msgid[128], *from = mail_address(ch->from);
	const char *domain = from && strchr(from, '@') ? strchr(from, '@') + 1 : "agendad.invalid";
	int rc;

	snprintf(msgid, sizeof(msgid), "<%s@%s>", digest, domain);
	free(from);
	if (mail_build(easy, m, to, msgid, vevent, vevent_len, out) < 0)
		return -EINVAL;
	rc = message_transfer_options(easy, ch) ||
	     easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps") ||
	     easy_setopt(easy, CURLOPT_URL, ch->smtp_send_url);
	/* STARTTLS that fails must not fall back to clear text. */
	if (!rc && ch->tls != TLS_NONE)
		rc = easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (!rc && ch->username)
		rc = easy_setopt(easy, CURLOPT_USERNAME, ch->username);
	if (!rc && password)
		rc = easy_setopt(easy, CURLOPT_PASSWORD, password);
	if (rc) {
		mail_request_free(out);
		return -EIO;
	}
	return 0;
}
