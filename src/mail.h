/* Reminder e-mails (doc/reference.md §6): one RFC 5322 message per recipient, a
 * multipart/mixed holding the text/plain body and the session as
 * text/calendar; method=PUBLISH, built with libcurl's MIME API
 * and sent over smtp:// or smtps://. */
#ifndef AGENDAD_MAIL_H
#define AGENDAD_MAIL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "message.h"

struct mail_request {
	curl_mime *mime;            /* the body parts */
	struct curl_slist *headers; /* Date, From, To, Subject, Message-ID, MIME-Version */
	struct curl_slist *rcpt;    /* the one recipient */
	char *from_address;         /* for CURLOPT_MAIL_FROM */
};

/* Prepares easy (which the caller has set up with the URL, TLS and
 * credentials) to send the message: sets CURLOPT_MIMEPOST,
 * CURLOPT_HTTPHEADER (mail headers), CURLOPT_MAIL_FROM and
 * CURLOPT_MAIL_RCPT.  to is the speaker written to (must have an
 * address); message_id is "<...@...>", derived from the reminder's key;
 * vevent is the session's VEVENT text to wrap into a VCALENDAR with
 * METHOD:PUBLISH.  Subject and display names are RFC 2047 encoded when
 * not ASCII, never inside the address.  out must be freed after the
 * transfer.  Returns 0 or a negative errno. */
int mail_build(CURL *easy, const struct message *m, const struct prog_speaker *to,
	       const char *message_id, const char *vevent, size_t vevent_len,
	       struct mail_request *out);
void mail_request_free(struct mail_request *r);

/* Builds the message (mail_build, with the Message-ID "<digest@domain of
 * From>") into out and sets easy up to send it: the channel's SMTP URL,
 * TLS (never falling back to clear text), username and password (NULL:
 * none), timeouts, smtp and smtps only.  Returns 0, or a negative errno
 * with out empty. */
int mail_setup(CURL *easy, const struct message *m, const struct prog_speaker *to,
	       const char *digest, const char *vevent, size_t vevent_len, const char *password,
	       struct mail_request *out);

/* The address inside a From: value such as "Name <a@b>" (or the value
 * itself).  Caller frees; NULL if there is none. */
char *mail_address(const char *from);
/* RFC 2047 "=?UTF-8?B?...?=" encoded words, separated by spaces, for a
 * header value that is not plain ASCII (the value itself otherwise).
 * Each word is short enough to share a line with a header name of up to
 * 10 characters within RFC 2047's 76.  Caller frees. */
char *mail_encode_header(const char *value);
/* "Name: value", folded (CRLF before a space) so that every line is at
 * most MAIL_LINE_MAX characters where the value has spaces to fold at:
 * RFC 2047's limit for lines with encoded words, within RFC 5322's 78.
 * Caller frees. */
#define MAIL_LINE_MAX 76
char *mail_fold_header(const char *name, const char *value);

#endif
