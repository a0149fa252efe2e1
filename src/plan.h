/* The reminder plan of a snapshot (doc/reference.md §6): for each session that is not
 * a skipped kind nor cancelled, each offset of reminders.before, each
 * channel whose filters match and each recipient, one reminder due at
 * start - offset. */
#ifndef AGENDAD_PLAN_H
#define AGENDAD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "programme.h"
#include "state.h"

struct plan_item {
	const char *key; /* "session|start UTC|offset|channel|recipient" */
	int64_t due;     /* UTC seconds */
	int64_t offset;  /* seconds before the start */
	const char *channel_name;
	uint32_t session, channel;
	uint32_t speaker; /* the recipient of an e-mail; PROG_NONE for a webhook */
};

struct plan {
	struct arena *arena;
	struct plan_item *items; /* sorted by due, then key */
	size_t n;
};

/* Never fails but for memory (abort). */
struct plan *plan_build(const struct programme *p, const struct conf *c);
void plan_free(struct plan *pl);

/* The notifications of a snapshot's changes (doc/reference.md §7): one
 * per change, channel with notify_changes and recipient (the webhook, or
 * each speaker of the session as it was published who has an address),
 * keyed by the new SEQUENCE so that each change is sent once, also
 * across restarts. */
struct change_notice {
	const char *key; /* "change|session|sequence|channel|recipient" */
	const char *session, *channel_name, *recipient; /* recipient: speaker id or "hook" */
	int cancelled;    /* cancelled or removed (else changed) */
	int64_t deadline; /* worth telling until a day after it would have ended */
	/* {"before": session as published, "after": as now or null,
	 * "changes": "time, room"}: compact JSON with sorted keys */
	const char *payload;
};

struct change_plan {
	struct arena *arena;
	struct change_notice *items; /* change by change, channel by channel */
	size_t n;
};

/* Never fails but for memory (abort). */
struct change_plan *plan_changes(const struct programme *p, const struct conf *c,
				 const struct reconcile *h);
void change_plan_free(struct change_plan *cp);

/* Whether channel ch should hear of session s at all (its filters, the
 * skipped kinds, cancellation). */
int plan_wants(const struct conf *c, const struct conf_channel *ch, const struct programme *p,
	       const struct prog_session *s);
/* "2014-03-24T09:00:00Z" into out (at least 21 bytes). */
void plan_utc(int64_t t, char *out, size_t size);
/* The recipient part of a key: the speaker's id, or "hook" for webhooks. */
const char *plan_recipient(const struct programme *p, uint32_t speaker);

#endif
