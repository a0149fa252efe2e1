#include "config.h"

#include "remind.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "deliver.h"
#include "duration.h"
#include "ledger.h"
#include "log.h"
#include "mail.h"
#include "memory.h"
#include "message.h"
#include "metrics.h"
#include "plan.h"
#include "strmap.h"
#include "webhook.h"

/* Retries back off from this, doubling, with jitter, up to the cap. */
#define RETRY_FIRST 10
#define RETRY_CAP 600

struct job {
	char *key, *session_id, *channel_name, *recipient, *payload;
	enum ledger_kind kind;
	int64_t due, deadline, next; /* the daemon's clock, seconds */
	int attempts;
	uint32_t channel;
	size_t heap; /* position in the waiting heap, or SIZE_MAX */
	int in_flight;
	int64_t started_ms;
	/* one attempt's request, kept until curl is done with it */
	struct catalogue *cat;
	CURL *easy;
	struct webhook_request wr;
	struct mail_request mr;
	char *password, *vevent;
	struct job *next_ready; /* per-channel queue when the channel is full */
	struct job *prev_flying, *next_flying;
	json_t *payload_json; /* a change's payload, parsed for the attempt */
};

struct channel_state {
	unsigned in_flight;
	struct job *ready_head, *ready_tail;
	char *secret, *password; /* read from their files at publish time */
};

struct remind {
	int timerfd, clockfd;
	struct watcher *watcher; /* the loop's, for the timers and the drain */
	struct watch *timer_watch, *clock_watch;
	int dry_run;
	struct ledger *ledger;
	struct deliver *deliver;
	struct catalogue *cat; /* the published snapshot */
	struct channel_state *channels;
	size_t n_channels;
	struct job **heap; /* waiting jobs, earliest next first */
	size_t n_heap, cap_heap;
	struct job *flying; /* jobs in flight (a short list: bounded per channel) */
	size_t n_in_flight;
	int batch_wanted; /* inside a wake-up of the loop */
	int in_batch;     /* a ledger transaction is open */
};

/* --- the waiting heap ------------------------------------------------ */

static int earlier(const struct job *a, const struct job *b)
{
	return a->next < b->next || (a->next == b->next && a->due < b->due);
}

static void heap_swap(struct remind *r, size_t i, size_t j)
{
	struct job *t = r->heap[i];

	r->heap[i] = r->heap[j];
	r->heap[j] = t;
	r->heap[i]->heap = i;
	r->heap[j]->heap = j;
}

static void heap_up(struct remind *r, size_t i)
{
	while (i > 0 && earlier(r->heap[i], r->heap[(i - 1) / 2])) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct remind *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < r->n_heap && earlier(r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->n_heap && earlier(r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(r, i, m);
		i = m;
	}
}

static void heap_push(struct remind *r, struct job *j)
{
	XGROW(r->heap, r->cap_heap, r->n_heap + 1);
	j->heap = r->n_heap;
	r->heap[r->n_heap++] = j;
	heap_up(r, j->heap);
}

static struct job *heap_pop(struct remind *r)
{
	struct job *top = r->heap[0];

	heap_swap(r, 0, --r->n_heap);
	heap_down(r, 0);
	top->heap = SIZE_MAX;
	return top;
}

/* --- jobs ---------------------------------------------------------- */

static void job_release_request(struct job *j)
{
	if (j->easy)
		curl_easy_cleanup(j->easy);
	j->easy = NULL;
	webhook_request_free(&j->wr);
	mail_request_free(&j->mr);
	memset(&j->wr, 0, sizeof(j->wr));
	memset(&j->mr, 0, sizeof(j->mr));
	free(j->vevent);
	j->vevent = NULL;
	json_decref(j->payload_json);
	j->payload_json = NULL;
	catalogue_unref(j->cat);
	j->cat = NULL;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	job_release_request(j);
	free(j->key);
	free(j->session_id);
	free(j->channel_name);
	free(j->recipient);
	free(j->payload);
	free(j);
}

static struct job *job_from_row(const struct ledger_row *row)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->key = xstrdup(row->key);
	j->session_id = xstrdup(row->session);
	j->channel_name = xstrdup(row->channel);
	j->recipient = xstrdup(row->recipient);
	j->payload = row->payload ? xstrdup(row->payload) : NULL;
	j->kind = row->kind;
	j->due = row->due;
	j->deadline = row->deadline;
	j->next = row->next_attempt;
	j->attempts = row->attempts;
	j->heap = SIZE_MAX;
	return j;
}

/* The offset field of a reminder's key ("id|start|15m|channel|who"). */
static int64_t key_offset(const char *key)
{
	const char *p = key;
	char buf[32];
	int64_t v = 0;
	size_t n;

	for (int k = 0; k < 2 && p; k++)
		p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
	if (!p || !strchr(p, '|'))
		return 0;
	n = (size_t)(strchr(p, '|') - p);
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return duration_parse(buf, &v) == 0 ? v : 0;
}

/* Stable ids from the key: the same after a crash, so a receiver can
 * tell a repeat (webhook-id, Message-ID). */
static void key_digest(const char *key, char out[33])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)key, strlen(key), md);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* --- channels ------------------------------------------------------- */

static void free_channels(struct remind *r)
{
	for (size_t i = 0; i < r->n_channels; i++) {
		free(r->channels[i].secret);
		free(r->channels[i].password);
	}
	free(r->channels);
	r->channels = NULL;
	r->n_channels = 0;
}

static int channel_index(const struct remind *r, const char *name, uint32_t *out)
{
	const struct conf *c = r->cat->conf;

	for (uint32_t i = 0; i < c->n_channels; i++)
		if (strcmp(c->channels[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	return -ENOENT;
}

/* Channels of the new snapshot; in-flight counts carry over by name. */
static void load_channels(struct remind *r, struct catalogue *cat)
{
	const struct conf *c = cat->conf;
	struct channel_state *cs = xcalloc(c->n_channels + 1, sizeof(*cs));

	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		uint32_t old;

		cs[i].secret = message_read_secret(ch->secret_file);
		cs[i].password = message_read_secret(ch->password_file);
		if (r->cat && channel_index(r, ch->name, &old) == 0)
			cs[i].in_flight = r->channels[old].in_flight;
	}
	free_channels(r);
	r->channels = cs;
	r->n_channels = c->n_channels;
}

static void clear_waiting(struct remind *r)
{
	while (r->n_heap)
		job_free(heap_pop(r));
	for (size_t i = 0; i < r->n_channels; i++)
		while (r->channels[i].ready_head) {
			struct job *j = r->channels[i].ready_head;

			r->channels[i].ready_head = j->next_ready;
			job_free(j);
		}
}

static void arm(struct remind *r)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (r->n_heap) {
		int64_t ms = clock_real_delay_ms(r->heap[0]->next * 1000);

		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000 + 1; /* 0 would disarm */
	}
	timerfd_settime(r->timerfd, 0, &its, NULL);
}

static void add_row(struct remind *r, struct catalogue *cat, const struct ledger_row *row)
{
	if (r->dry_run)
		heap_push(r, job_from_row(row));
	else if (ledger_add(r->ledger, cat->prog->event.id, row) < 0)
		log_err("a change notification could not be recorded");
}

/* The notices of the snapshot's changes (plan_changes), due now. */
static void add_changes(struct remind *r, struct catalogue *cat)
{
	struct change_plan *cp = plan_changes(cat->prog, cat->conf, &cat->fs->history);
	int64_t now = clock_now();

	for (size_t i = 0; i < cp->n; i++) {
		const struct change_notice *cn = &cp->items[i];
		struct ledger_row row = { .key = (char *)cn->key,
					  .kind = cn->cancelled ? LEDGER_CANCELLED : LEDGER_CHANGED,
					  .session = (char *)cn->session,
					  .channel = (char *)cn->channel_name,
					  .recipient = (char *)cn->recipient,
					  .due = now,
					  .deadline = cn->deadline,
					  .next_attempt = now,
					  .payload = (char *)cn->payload };

		add_row(r, cat, &row);
	}
	change_plan_free(cp);
}

static int flying(const struct remind *r, const char *key)
{
	for (const struct job *j = r->flying; j; j = j->next_flying)
		if (strcmp(j->key, key) == 0)
			return 1;
	return 0;
}

static void schedule_pending(struct remind *r)
{
	struct ledger_row *rows = NULL;
	size_t n = 0;

	if (ledger_rows(r->ledger, r->cat->prog->event.id, DELIVERY_PENDING, &rows, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (!flying(r, rows[i].key))
			heap_push(r, job_from_row(&rows[i]));
	ledger_rows_free(rows, n);
	metrics_reminders_pending(r->n_heap);
}

size_t remind_pending(const struct remind *r)
{
	return r ? r->n_heap : 0;
}

void remind_publish(struct remind *r, struct catalogue *cat)
{
	struct plan *pl = plan_build(cat->prog, cat->conf);

	remind_batch_end(r); /* ledger_sync has a transaction of its own */
	catalogue_ref(cat);
	clear_waiting(r);
	load_channels(r, cat);
	catalogue_unref(r->cat);
	r->cat = cat;
	if (!r->dry_run && ledger_sync(r->ledger, cat->prog->event.id, pl, cat->prog) < 0)
		log_err("the reminder plan could not be recorded; reminders wait for the next load");
	add_changes(r, cat);
	if (r->dry_run) {
		/* Nothing is recorded: the plan itself is what is scheduled. */
		for (size_t i = 0; i < pl->n; i++) {
			const struct plan_item *it = &pl->items[i];
			struct ledger_row row = { .key = (char *)it->key,
						  .session = (char *)cat->prog->sessions[it->session].id,
						  .channel = (char *)it->channel_name,
						  .recipient = (char *)plan_recipient(cat->prog, it->speaker),
						  .due = it->due,
						  .next_attempt = it->due,
						  .deadline = cat->prog->sessions[it->session].start };

			heap_push(r, job_from_row(&row));
		}
	} else {
		schedule_pending(r);
	}
	log_info("%zu reminder%s planned, %zu pending", pl->n, pl->n == 1 ? "" : "s", r->n_heap);
	plan_free(pl);
	arm(r);
}

/* --- attempts ------------------------------------------------------------ */

static const struct prog_session *find_session(const struct catalogue *cat, const char *id,
					       uint32_t *index)
{
	return strmap_get(cat->prog->session_ids, id, index) == 0 ? &cat->prog->sessions[*index]
								   : NULL;
}

/* The request of a webhook channel's job (webhook.c). */
static int job_webhook(struct job *j, const struct message *m, const struct channel_state *cs)
{
	char digest[33];

	key_digest(j->key, digest);
	return webhook_setup(j->easy, m, digest, cs->secret, &j->wr);
}

/* The e-mail of an e-mail channel's job (mail.c): to the speaker of its
 * key, with the session's rendered VEVENT. */
static int job_email(struct job *j, const struct message *m, const struct channel_state *cs,
		     uint32_t session)
{
	const struct programme *p = m->prog;
	const struct piece *pc = &j->cat->fs->pieces[session];
	char digest[33];
	uint32_t who;

	if (strmap_get(p->speaker_ids, j->recipient, &who) != 0 || !p->speakers[who].email)
		return -ENOENT;
	key_digest(j->key, digest);
	j->vevent = xstrndup(pc->text, pc->len);
	return mail_setup(j->easy, m, &p->speakers[who], digest, j->vevent, pc->len, cs->password,
			  &j->mr);
}

static void redacted_target(const struct job *j, const struct catalogue *cat, char *out,
			    size_t size)
{
	uint32_t ci;
	const struct conf_channel *ch = NULL;

	for (ci = 0; ci < cat->conf->n_channels; ci++)
		if (strcmp(cat->conf->channels[ci].name, j->channel_name) == 0)
			ch = &cat->conf->channels[ci];
	if (ch && ch->type == CHANNEL_WEBHOOK) {
		char *red = webhook_redact(ch->url);

		snprintf(out, size, "%s", red ? red : "?");
		free(red);
	} else {
		snprintf(out, size, "%s", j->recipient);
	}
}

/* The transaction opens with the first write of a wake-up, so that
 * wake-ups that write nothing never wait for the loader's write lock. */
static void before_write(struct remind *r)
{
	if (!r->dry_run && r->batch_wanted && !r->in_batch)
		r->in_batch = ledger_begin(r->ledger) == 0;
}

static const char *kind_word(const struct job *j)
{
	return j->kind == LEDGER_REMINDER ? "reminder" : "change";
}

/* One line per outcome: key, channel, recipient, result, timing. */
static void record(struct remind *r, struct job *j, enum delivery_state state, const char *error)
{
	int64_t real = clock_real();
	char target[256];

	if (!r->dry_run) {
		before_write(r);
		ledger_outcome(r->ledger, j->key, state, j->next, error, real);
	}
	metrics_reminder(j->channel_name, delivery_state_name(state));
	redacted_target(j, r->cat, target, sizeof(target));
	if (state == DELIVERY_SENT)
		log_info("%s %s via %s to %s: sent (attempt %d, %.3f s)", kind_word(j), j->key, j->channel_name,
			 target, j->attempts, (double)(clock_now_ms() - j->started_ms) / 1000.0);
	else
		log_warn("%s %s via %s to %s: %s%s%s", kind_word(j), j->key, j->channel_name, target,
			 delivery_state_name(state),
			 error ? ": " : "", error ? error : "");
}

static void flying_add(struct remind *r, struct job *j)
{
	j->next_flying = r->flying;
	j->prev_flying = NULL;
	if (r->flying)
		r->flying->prev_flying = j;
	r->flying = j;
	r->n_in_flight++;
}

static void flying_remove(struct remind *r, struct job *j)
{
	if (j->prev_flying)
		j->prev_flying->next_flying = j->next_flying;
	else
		r->flying = j->next_flying;
	if (j->next_flying)
		j->next_flying->prev_flying = j->prev_flying;
	r->n_in_flight--;
}

/* The session a job speaks of, and the index of its rendered piece: a
 * removed session lives on as a tombstone, rendered as cancelled. */
static const struct prog_session *session_for(const struct remind *r, const struct job *j,
					      struct prog_session *scratch, uint32_t *piece)
{
	const struct catalogue *cat = r->cat;
	const struct reconcile *h = &cat->fs->history;
	const struct prog_session *s = find_session(cat, j->session_id, piece);

	if (s || j->kind == LEDGER_REMINDER)
		return s;
	for (size_t t = 0; t < h->n_tombs; t++) {
		if (strcmp(h->tombs[t].id, j->session_id) != 0)
			continue;
		feeds_tomb_session(cat->prog, &h->tombs[t], scratch);
		*piece = (uint32_t)(cat->prog->n_sessions + t);
		return scratch;
	}
	return NULL;
}

static void fill_message(struct remind *r, struct job *j, const struct prog_session *s,
			 struct message *m)
{
	const struct conf *c = r->cat->conf;
	json_t *payload = j->payload ? json_loads(j->payload, 0, NULL) : NULL;

	*m = (struct message){ .type = j->kind == LEDGER_CHANGED     ? MSG_CHANGED
				       : j->kind == LEDGER_CANCELLED ? MSG_CANCELLED
								     : MSG_REMINDER,
			       .prog = r->cat->prog,
			       .session = s,
			       .conf = c,
			       .channel = &c->channels[j->channel],
			       .offset = j->kind == LEDGER_REMINDER ? key_offset(j->key) : 0,
			       .now = clock_now() };
	if (payload) {
		m->before = json_incref(json_object_get(payload, "before"));
		m->after = json_object_get(payload, "after");
		m->after = json_is_null(m->after) ? NULL : json_incref(m->after);
		m->changes = json_string_value(json_object_get(payload, "changes"));
		j->payload_json = payload; /* keeps changes' text alive */
	}
}

/* Builds the request and starts it; the attempt is in the ledger first. */
static void start_job(struct remind *r, struct job *j)
{
	const struct conf_channel *ch;
	const struct prog_session *s;
	struct prog_session scratch;
	struct message m;
	uint32_t piece;
	int rc;

	if (channel_index(r, j->channel_name, &j->channel) < 0 ||
	    !(s = session_for(r, j, &scratch, &piece))) {
		record(r, j, DELIVERY_DROPPED, "its channel or session is gone");
		job_free(j);
		return;
	}
	ch = &r->cat->conf->channels[j->channel];
	j->cat = catalogue_ref(r->cat);
	j->easy = curl_easy_init();
	fill_message(r, j, s, &m);
	rc = !j->easy ? -ENOMEM
	     : ch->type == CHANNEL_WEBHOOK ? job_webhook(j, &m, &r->channels[j->channel])
					  : job_email(j, &m, &r->channels[j->channel], piece);
	json_decref(m.before);
	json_decref(m.after);
	if (rc < 0) {
		record(r, j, DELIVERY_FAILED, "the message could not be built");
		job_free(j);
		return;
	}
	j->started_ms = clock_now_ms();
	j->attempts++;
	if (r->dry_run) {
		log_info("%s %s via %s to %s: would be sent now (dry run)",
			 j->kind == LEDGER_REMINDER ? "reminder" : "change", j->key, ch->name,
			 j->recipient);
		job_free(j);
		return;
	}
	before_write(r);
	ledger_attempt(r->ledger, j->key, clock_real(), j->started_ms - j->due * 1000);
	if (j->attempts == 1 && j->kind == LEDGER_REMINDER)
		metrics_lateness(j->started_ms - j->due * 1000);
	metrics_attempt(ch->name);
	if ((ch->type == CHANNEL_EMAIL ? deliver_start_thread : deliver_start)(r->deliver, j->easy, j) <
	    0) {
		j->next = clock_now() + RETRY_FIRST;
		record(r, j, DELIVERY_PENDING, "could not start the transfer");
		job_release_request(j);
		heap_push(r, j);
		return;
	}
	r->channels[j->channel].in_flight++;
	flying_add(r, j);
}

static void pump(struct remind *r)
{
	for (size_t i = 0; i < r->n_channels; i++) {
		struct channel_state *cs = &r->channels[i];
		unsigned max = r->cat->conf->channels[i].max_in_flight;

		while (cs->ready_head && cs->in_flight < max) {
			struct job *j = cs->ready_head;

			cs->ready_head = j->next_ready;
			if (!cs->ready_head)
				cs->ready_tail = NULL;
			start_job(r, j);
		}
	}
}

static void make_ready(struct remind *r, struct job *j)
{
	uint32_t ci;
	struct channel_state *cs;

	if (channel_index(r, j->channel_name, &ci) < 0) {
		record(r, j, DELIVERY_DROPPED, "its channel is no longer configured");
		job_free(j);
		return;
	}
	cs = &r->channels[ci];
	j->next_ready = NULL;
	if (cs->ready_tail)
		cs->ready_tail->next_ready = j;
	else
		cs->ready_head = j;
	cs->ready_tail = j;
}

/* Everything due: missed when first tried too late (catch_up), failed
 * when the session has started, otherwise queued on its channel. */
static void tick(struct remind *r)
{
	int64_t now_ms = clock_now_ms();
	int64_t catch_up_ms = r->cat->conf->catch_up * 1000;

	while (r->n_heap && r->heap[0]->next * 1000 <= now_ms) {
		struct job *j = heap_pop(r);

		if (now_ms >= j->deadline * 1000) {
			record(r, j, j->attempts ? DELIVERY_FAILED : DELIVERY_MISSED, "the session has started");
			job_free(j);
		} else if (j->attempts == 0 && now_ms - j->due * 1000 > catch_up_ms) {
			record(r, j, DELIVERY_MISSED, "it was due too long ago (reminders.catch_up)");
			job_free(j);
		} else {
			make_ready(r, j);
		}
	}
	pump(r);
	metrics_reminders_pending(r->n_heap);
}

static int64_t backoff(int attempts)
{
	int64_t d = RETRY_FIRST;

	for (int i = 1; i < attempts && d < RETRY_CAP; i++)
		d *= 2;
	if (d > RETRY_CAP)
		d = RETRY_CAP;
	/* 50-150 %: receivers that failed together are not all retried at once. */
	return d / 2 + (int64_t)((double)d * ((double)random() / RAND_MAX));
}

/* RFC 9110 and SMTP: what is worth another try. */
static int retryable(const struct deliver_result *res, int email)
{
	switch (res->curl) {
	case CURLE_OK:
		break;
	case CURLE_USE_SSL_FAILED:
	case CURLE_LOGIN_DENIED:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_PEER_FAILED_VERIFICATION:
		return 0;
	default:
		/* SMTP refusals carry their reply code: 5xx is final. */
		return !(email && res->status >= 500);
	}
	return res->status == 408 || res->status == 429 || res->status >= 500;
}

static void on_done(void *ctx, void *job, const struct deliver_result *res)
{
	struct remind *r = ctx;
	struct job *j = job;
	int email = j->mr.mime != NULL;
	int ok = res->curl == CURLE_OK && (email || (res->status >= 200 && res->status < 300));
	char why[320];
	uint32_t ci;

	flying_remove(r, j);
	if (channel_index(r, j->channel_name, &ci) == 0 && r->channels[ci].in_flight)
		r->channels[ci].in_flight--;
	job_release_request(j);
	if (ok) {
		record(r, j, DELIVERY_SENT, NULL);
		job_free(j);
		return;
	}
	if (res->curl != CURLE_OK && res->status)
		snprintf(why, sizeof(why), "%s (the server answered %ld)", res->error, res->status);
	else if (res->curl != CURLE_OK)
		snprintf(why, sizeof(why), "%s", res->error);
	else
		snprintf(why, sizeof(why), "%s %ld: %.200s", email ? "SMTP" : "HTTP", res->status,
			 res->error);
	if (!retryable(res, email)) {
		record(r, j, DELIVERY_FAILED, why);
		job_free(j);
		return;
	}
	/* The server's Retry-After is its word on when to come back; without
	 * it, exponential backoff. */
	j->next = clock_now() + (res->retry_after >= 0 ? res->retry_after : backoff(j->attempts));
	if (j->next >= j->deadline) {
		record(r, j, DELIVERY_FAILED, why);
		job_free(j);
		return;
	}
	record(r, j, DELIVERY_PENDING, why);
	heap_push(r, j);
}

/* --- the loop's side ------------------------------------------------------ */

/* Every wake-up of the loop is one transaction (one fsync): attempts are
 * on disk before the loop lets curl send them, outcomes right after.
 * Batching all events of a wake-up is what makes thousands a second
 * possible with synchronous=FULL. */
void remind_batch_begin(struct remind *r)
{
	if (r)
		r->batch_wanted = 1;
}

void remind_batch_end(struct remind *r)
{
	if (!r)
		return;
	if (r->in_batch && ledger_commit(r->ledger) < 0)
		log_err("the reminder ledger could not be written");
	r->in_batch = 0;
	r->batch_wanted = 0;
	if (r->cat)
		arm(r);
}

/* Transfers that ended freed their channels' places: what waits for one
 * starts at once (curl then starts it with the rest of this wake-up's
 * work, not one wake-up later). */
static void after_delivery(void *ctx)
{
	struct remind *r = ctx;

	if (r->cat)
		pump(r);
}

/* A clock set (NTP step, suspend) cancels the CLOCK_REALTIME timer: then
 * every due time is compared with the new time again. */
static void arm_clock_watch(struct remind *r)
{
	struct itimerspec far = { .it_value = { .tv_sec = INT32_MAX } };

	timerfd_settime(r->clockfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL);
}

/* The next due time has come. */
static void on_timer(void *ctx, int fd, uint32_t events)
{
	struct remind *r = ctx;
	uint64_t v;

	(void)events;
	if (r->cat && (read(fd, &v, sizeof(v)) >= 0 || errno == EAGAIN))
		tick(r);
}

static void on_clock_set(void *ctx, int fd, uint32_t events)
{
	struct remind *r = ctx;
	uint64_t v;

	(void)events;
	if (!r->cat)
		return;
	if (read(fd, &v, sizeof(v)) < 0 && errno == ECANCELED)
		log_info("the clock was set: reminders are checked against the new time");
	arm_clock_watch(r);
	tick(r);
}

int remind_new(struct watcher *w, const char *state_dir, int dry_run, struct remind **out)
{
	struct remind *r = xcalloc(1, sizeof(*r));
	int rc;

	r->watcher = w;
	r->dry_run = dry_run;
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	r->clockfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	srandom((unsigned)clock_real() ^ (unsigned)getpid());
	if (r->timerfd < 0 || r->clockfd < 0 ||
	    !(r->timer_watch = watch_add(w, r->timerfd, EPOLLIN, on_timer, r)) ||
	    !(r->clock_watch = watch_add(w, r->clockfd, EPOLLIN, on_clock_set, r))) {
		rc = -errno;
		remind_free(r, 0);
		return rc;
	}
	arm_clock_watch(r);
	if ((rc = ledger_open(state_dir, &r->ledger)) < 0 ||
	    (rc = deliver_new(w, on_done, after_delivery, r, &r->deliver)) < 0) {
		remind_free(r, 0);
		return rc;
	}
	*out = r;
	return 0;
}

/* SIGTERM: the deliveries in flight may finish, within a bound, through
 * the loop's own dispatch; nothing new falls due meanwhile.  What is cut
 * off stays in the ledger as in flight and goes again after a start. */
static void drain(struct remind *r, int64_t timeout_ms)
{
	double end = clock_elapsed() + (double)timeout_ms / 1000.0;

	watch_remove(r->timer_watch);
	watch_remove(r->clock_watch);
	r->timer_watch = r->clock_watch = NULL;
	while (r->n_in_flight && clock_elapsed() < end) {
		remind_batch_begin(r);
		watch_dispatch(r->watcher, 100);
		remind_batch_end(r);
	}
}

void remind_free(struct remind *r, int64_t timeout_ms)
{
	if (!r)
		return;
	if (r->deliver && r->cat && timeout_ms > 0)
		drain(r, timeout_ms);
	watch_remove(r->timer_watch);
	watch_remove(r->clock_watch);
	deliver_free(r->deliver);
	while (r->flying) {
		struct job *j = r->flying;

		flying_remove(r, j);
		job_free(j);
	}
	clear_waiting(r);
	free(r->heap);
	free_channels(r);
	catalogue_unref(r->cat);
	ledger_close(r->ledger);
	if (r->timerfd >= 0)
		close(r->timerfd);
	if (r->clockfd >= 0)
		close(r->clockfd);
	free(r);
}
