/* What a reminder or change notification says, independent of how it
 * travels: the input of webhook.c and mail.c; and the little the two
 * share in setting up a transfer (a channel's timeouts, its secrets). */
#ifndef AGENDAD_MESSAGE_H
#define AGENDAD_MESSAGE_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>

#include "conf.h"
#include "programme.h"

enum message_type { MSG_REMINDER, MSG_CHANGED, MSG_CANCELLED };

struct message {
	enum message_type type;
	const struct programme *prog;
	const struct prog_session *session; /* as it is now (after a change) */
	const struct conf *conf;            /* base_url */
	const struct conf_channel *channel;
	int64_t offset;      /* reminders: how long before the start ("15m") */
	int64_t now;         /* the (possibly simulated) time of the attempt */
	/* changes: the session before and after, as in the standard webhook's
	 * data.session (message_session_json); after is NULL when removed. */
	json_t *before, *after;
	const char *changes; /* changes: human words, "time, room" */
};

/* "session.reminder", "session.changed", "session.cancelled". */
const char *message_type_name(enum message_type t);
/* The data.session object of doc/reference.md §6: id, title, start, end, timezone,
 * room, track, people [{id, name, role}], url.  New reference. */
json_t *message_session_json(const struct programme *p, const struct conf *c,
			     const struct prog_session *s);
/* One line, for chats and subjects: "Opening Session starts in 15 minutes
 * (10:00, Main Hall)".  Caller frees. */
char *message_headline(const struct message *m);
/* The URL of the session's own feed. Caller frees. */
char *message_session_url(const struct conf *c, const struct prog_session *s);

/* The options every delivery of channel ch has: its timeouts, no
 * redirects, its CA file.  Returns 0 or -1 (the option is logged). */
int message_transfer_options(CURL *easy, const struct conf_channel *ch);
/* The first line of a secret file (a webhook's signing secret, an SMTP
 * password).  NULL when path is NULL, or when the file cannot be read
 * (logged).  Caller frees. */
char *message_read_secret(const char *path);

#endif
