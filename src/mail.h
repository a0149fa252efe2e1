/* Reminder e-mails (doc/reference.md §6): one RFC 5322 message per recipient, a
 * multipart/mixed holding a multipart/alternative (text/plain) and the
 * session as text/calendar; method=PUBLISH, built with libcurl's MIME API
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

/* The address inside a From: value such as "Name <a@b>" (or the value
 * itself).  Caller frees; NULL if there is none. */
char *mail_address(const char *from);
/* RFC 2047 "=?UTF-8?B?...?=" encoded words for a header value that is
 * not plain ASCII (the value itself otherwise).  Caller frees. */
char *mail_encode_header(const char *value);

#endif
