/* Webhook and e-mail message builders: the Standard Webhooks signature
 * against the specification's own example, each format's JSON shape,
 * redaction, RFC 2047 headers. */
#include "config.h"

#include <jansson.h>

#include "testutil.h"

#include "conf.h"
#include "mail.h"
#include "message.h"
#include "programme.h"
#include "webhook.h"

struct fixture {
	char *dir;
	struct conf *c;
	struct programme *p;
};

static const char programme[] =
	"event = { id = \"ev\"; title = \"Évent\"; timezone = \"Europe/Zurich\"; };\n"
	"rooms = ( { id = \"r\"; title = \"Salle XIX\"; } );\n"
	"speakers = ( { id = \"h\"; name = \"Hélène Bourgade\"; email = \"h@example.org\"; } );\n"
	"sessions = ( { id = \"s\"; title = \"Café & Société\"; start = \"2030-06-10 10:00\";\n"
	"  end = \"2030-06-10 11:00\"; room = \"r\";\n"
	"  people = ( { speaker = \"h\"; role = \"Host\"; } ); } );\n";

static const char configuration[] =
	"programme = \"p\";\nbase_url = \"https://feeds.example.org/\";\n"
	"channels = (\n"
	" { name = \"std\"; type = \"webhook\"; url = \"https://h.example.org/x\"; },\n"
	" { name = \"slack\"; type = \"webhook\"; format = \"slack\";\n"
	"   url = \"https://hooks.slack.com/services/T0/B0/SECRETTOKEN\"; },\n"
	" { name = \"discord\"; type = \"webhook\"; format = \"discord\";\n"
	"   url = \"https://discord.com/api/webhooks/1/TOKEN?thread_id=5\"; },\n"
	" { name = \"teams\"; type = \"webhook\"; format = \"teams\";\n"
	"   url = \"https://x.logic.azure.com/workflows/1?sig=SECRET\"; },\n"
	" { name = \"ntfy\"; type = \"webhook\"; format = \"ntfy\"; url = \"https://ntfy.sh/topic\"; }\n"
	");\n";

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	free(tu_write(f->dir, "p", programme));
	f->c = tu_load_conf(f->dir, configuration);
	f->p = tu_load(f->c->programme);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	prog_free(f->p);
	conf_free(f->c);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct message reminder(const struct fixture *f, size_t channel)
{
	return (struct message){ .type = MSG_REMINDER, .prog = f->p, .session = &f->p->sessions[0],
				 .conf = f->c, .channel = &f->c->channels[channel], .offset = 900,
				 .now = f->p->sessions[0].start - 900 };
}

static const char *header(const struct webhook_request *r, const char *name)
{
	size_t n = strlen(name);

	for (const struct curl_slist *l = r->headers; l; l = l->next)
		if (strncmp(l->data, name, n) == 0 && l->data[n] == ':')
			return l->data + n + 2;
	return NULL;
}

/* The example of the Standard Webhooks specification. */
static void test_signature_vector(void **state)
{
	const char body[] = "{\"test\": 2432232314}";
	char *sig = webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				 "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body));

	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
	assert_null(webhook_sign("whsec_not*base64", "id", 1, body, strlen(body)));
}

static void test_standard(void **state)
{
	struct fixture *f = *state;
	struct message m = reminder(f, 0);
	struct webhook_request r;
	json_t *o, *s;

	assert_int_equal(webhook_build(&m, "msg_1", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &r), 0);
	assert_string_equal(header(&r, "webhook-id"), "msg_1");
	assert_int_equal(atoll(header(&r, "webhook-timestamp")), m.now);
	assert_non_null(header(&r, "webhook-signature"));
	assert_null(strstr(r.body, "@example.org"));
	o = json_loads(r.body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "session.reminder");
	assert_string_equal(json_string_value(json_object_get(o, "timestamp")),
			    "2030-06-10T07:45:00Z");
	s = json_object_get(json_object_get(o, "data"), "session");
	assert_string_equal(json_string_value(json_object_get(s, "title")), "Café & Société");
	assert_string_equal(json_string_value(json_object_get(s, "start")), "2030-06-10T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(s, "room")), "Salle XIX");
	assert_string_equal(json_string_value(json_object_get(s, "url")),
			    "https://feeds.example.org/sessions/s.ics");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "data"),
							    "starts_in_seconds")), 900);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "data"), "offset")),
			    "15m");
	json_decref(o);
	webhook_request_free(&r);
}

static void test_chat_formats(void **state)
{
	struct fixture *f = *state;
	struct webhook_request r;
	struct message m = reminder(f, 1);
	json_t *o;

	assert_int_equal(webhook_build(&m, "id", NULL, &r), 0);
	o = json_loads(r.body, 0, NULL);
	assert_non_null(strstr(json_string_value(json_object_get(o, "text")), "Café & Société"));
	assert_null(header(&r, "webhook-signature"));
	json_decref(o);
	webhook_request_free(&r);

	m = reminder(f, 2);
	assert_int_equal(webhook_build(&m, "id", NULL, &r), 0);
	assert_string_equal(r.url, "https://discord.com/api/webhooks/1/TOKEN?thread_id=5&wait=true");
	o = json_loads(r.body, 0, NULL);
	assert_non_null(json_string_value(json_object_get(o, "content")));
	/* No mentions, whatever a title says. */
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "allowed_mentions"),
							 "parse")), 0);
	assert_non_null(json_object_get(json_object_get(o, "allowed_mentions"), "parse"));
	json_decref(o);
	webhook_request_free(&r);

	m = reminder(f, 3);
	assert_int_equal(webhook_build(&m, "id", NULL, &r), 0);
	o = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "message");
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(o, "attachments"), 0), "contentType")),
		"application/vnd.microsoft.card.adaptive");
	json_decref(o);
	webhook_request_free(&r);

	m = reminder(f, 4);
	assert_int_equal(webhook_build(&m, "id", NULL, &r), 0);
	assert_non_null(strstr(header(&r, "Title"), "Café & Société starts in 15 minutes"));
	assert_string_equal(header(&r, "Tags"), "calendar");
	assert_string_equal(header(&r, "Click"), "https://feeds.example.org/sessions/s.ics");
	assert_null(strstr(r.body, "@example.org"));
	webhook_request_free(&r);
}

static void headline_is(const struct fixture *f, int64_t offset, int64_t before, const char *want)
{
	struct message m = reminder(f, 0);
	char *h;

	m.offset = offset;
	m.now = f->p->sessions[0].start - before;
	h = message_headline(&m);
	if (strncmp(h, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", h, want);
	free(h);
}

/* A late reminder (sent after downtime, within catch_up) says the time
 * actually left, not the offset it was planned for. */
static void test_headline_says_the_time_left(void **state)
{
	const struct fixture *f = *state;

	headline_is(f, 900, 900, "Café & Société starts in 15 minutes (");
	headline_is(f, 900, 897, "Café & Société starts in 15 minutes (");
	headline_is(f, 900, 6 * 60 + 10, "Café & Société starts in 6 minutes (");
	headline_is(f, 900, 60, "Café & Société starts in 1 minute (");
	headline_is(f, 900, 5, "Café & Société starts now (");
	headline_is(f, 900, -125, "Café & Société started 2 minutes ago (");
	headline_is(f, 86400, 86400, "Café & Société starts in 1 day (");
	headline_is(f, 86400, 3 * 3600 + 5 * 60, "Café & Société starts in 3 hours 5 minutes (");
	headline_is(f, 7200, 3600, "Café & Société starts in 1 hour (");
}

static void test_slack_cannot_mention(void **state)
{
	struct fixture *f = *state;
	struct prog_session s = f->p->sessions[0];
	struct message m = reminder(f, 1);
	struct webhook_request r;
	const char *text;
	json_t *o;

	s.title = "Q&A <!channel> <https://evil.example|click>";
	m.session = &s;
	assert_int_equal(webhook_build(&m, "id", NULL, &r), 0);
	o = json_loads(r.body, 0, NULL);
	text = json_string_value(json_object_get(o, "text"));
	assert_null(strchr(text, '<'));
	assert_non_null(strstr(text, "Q&A &lt;!channel&gt; &lt;https://evil.example|click&gt;"));
	json_decref(o);
	webhook_request_free(&r);
}

static void test_redaction(void **state)
{
	static const char *const cases[][2] = {
		{ "https://hooks.slack.com/services/T0/B0/SECRETTOKEN",
		  "https://hooks.slack.com/services/T0/B0/REDACTED" },
		{ "https://discord.com/api/webhooks/1/TOKEN?thread_id=5",
		  "https://discord.com/api/webhooks/1/REDACTED?REDACTED" },
		{ "https://x.logic.azure.com/workflows/1?sig=SECRET",
		  "https://x.logic.azure.com/workflows/1?REDACTED" },
		{ "https://chat.example.org/hooks/KEY", "https://chat.example.org/hooks/REDACTED" },
		{ "http://user:pass@127.0.0.1:9000/hook", "http://127.0.0.1:9000/hook" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = webhook_redact(cases[i][0]);

		assert_string_equal(r, cases[i][1]);
		free(r);
	}
}

static void test_rfc2047(void **state)
{
	char *plain = mail_encode_header("Opening Session"), *enc = mail_encode_header("Café & Société");
	char long_value[400] = "";

	assert_string_equal(plain, "Opening Session");
	assert_string_equal(enc, "=?UTF-8?B?Q2Fmw6kgJiBTb2Npw6l0w6k=?=");
	free(plain);
	free(enc);
	for (int i = 0; i < 60; i++)
		strcat(long_value, "é€");
	enc = mail_encode_header(long_value);
	/* Several words, each whole base64 and short enough to follow
	 * "Subject: " within RFC 2047's 76 characters a line. */
	for (char *w = enc, *end; w; w = end ? end + 1 : NULL) {
		end = strchr(w, ' ');
		assert_true(9 + (size_t)(end ? end - w : (ptrdiff_t)strlen(w)) <= 76);
		assert_true(strncmp(w, "=?UTF-8?B?", 10) == 0);
	}
	free(enc);
}

/* Every line of a folded header is at most 76 characters, and unfolding
 * (removing each CRLF) gives the line back. */
static void test_fold_header(void **state)
{
	const char *ascii = "Reminder: Opening of the regional conference on human rights "
			    "education and its first plenary session starts at 10:00";
	char long_value[400] = "", *enc, *folded;

	(void)state;
	for (int i = 0; i < 60; i++)
		strcat(long_value, "\xc3\xa9\xe2\x82\xac");
	enc = mail_encode_header(long_value);
	for (int k = 0; k < 2; k++) {
		const char *value = k ? enc : ascii;
		char *unfolded, *o;

		folded = mail_fold_header("Subject", value);
		assert_non_null(strstr(folded, "\r\n "));
		for (char *l = folded, *end; l; l = end ? end + 2 : NULL) {
			end = strstr(l, "\r\n");
			assert_true((size_t)(end ? end - l : (ptrdiff_t)strlen(l)) <= MAIL_LINE_MAX);
		}
		unfolded = o = strdup(folded);
		for (const char *p = folded; *p; p++)
			if (!(p[0] == '\r' && p[1] == '\n') && !(p[0] == '\n' && p > folded && p[-1] == '\r'))
				*o++ = *p;
		*o = '\0';
		assert_int_equal(strncmp(unfolded, "Subject: ", 9), 0);
		assert_string_equal(unfolded + 9, value);
		free(unfolded);
		free(folded);
	}
	folded = mail_fold_header("Subject", "Short one");
	assert_string_equal(folded, "Subject: Short one");
	free(folded);
	free(enc);
}

static void test_mail_address(void **state)
{
	char *a = mail_address("IDM Programme <programme@example.org>"), *b = mail_address("x@y.org");

	assert_string_equal(a, "programme@example.org");
	assert_string_equal(b, "x@y.org");
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vector),
		cmocka_unit_test_setup_teardown(test_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chat_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slack_cannot_mention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headline_says_the_time_left, setup, teardown),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_fold_header),
		cmocka_unit_test(test_mail_address),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
