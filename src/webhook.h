/* Webhook requests in the formats of doc/reference.md §6: standard (Standard Webhooks
 * v1, signed), slack, mattermost, discord, teams, ntfy. */
#ifndef AGENDAD_WEBHOOK_H
#define AGENDAD_WEBHOOK_H

#include <curl/curl.h>
#include <stddef.h>

#include "message.h"

struct webhook_request {
	char *url;                  /* channel URL (discord: with ?wait=true) */
	char *body;                 /* JSON or text; malloc'd */
	size_t len;
	struct curl_slist *headers; /* Content-Type, webhook-* or Title/Tags/Click */
};

/* Builds the request for one attempt.  id is the stable webhook-id
 * (derived from the reminder's key); secret is the channel's "whsec_..."
 * secret or NULL (no signature).  Returns 0 or a negative errno. */
int webhook_build(const struct message *m, const char *id, const char *secret,
		  struct webhook_request *out);
void webhook_request_free(struct webhook_request *r);

/* Builds the request (webhook_build, with the webhook-id "msg_" + digest)
 * into out and sets easy up to send it: URL, body, headers, the
 * channel's timeouts, http and https only.  Returns 0, or a negative
 * errno with out empty. */
int webhook_setup(CURL *easy, const struct message *m, const char *digest, const char *secret,
		  struct webhook_request *out);

/* Standard Webhooks v1 signature of "id.timestamp.body": "v1,<base64
 * HMAC-SHA256>" with the key base64-decoded from "whsec_<base64>".
 * Returns a malloc'd string, or NULL for a malformed secret. */
char *webhook_sign(const char *secret, const char *id, long long timestamp, const char *body,
		   size_t len);

/* The URL with secrets hidden, for logs: query values and userinfo become
 * "REDACTED", and so do path segments of Slack/Discord/Teams hooks that
 * carry tokens.  Caller frees. */
char *webhook_redact(const char *url);

#endif
