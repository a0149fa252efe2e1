/* What both schedule shapes share: identifiers (UUIDv5 guids, integer ids,
 * slugs, the acronym), the content version, room names, the nesting order
 * and the text and time formats. */
#include "config.h"

#ifdef HAVE_LIBIDN2
#include <idn2.h>
#endif

#include "schedule.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "guid.h"
#include "render.h"
#include "memory.h"

/* --- patterns ----------------------------------------------------------------- */

static int is_lower_digit(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* ^[a-z0-9_-]+[a-z0-9]$ (the schema's slugs of events, tracks and rooms) */
int sched_is_json_slug(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || !is_lower_digit(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* The XSD's "slug" of tracks: [a-z][a-z0-9-]+ */
int sched_is_xsd_track_slug(const char *s)
{
	if (!(s[0] >= 'a' && s[0] <= 'z') || !s[1])
		return 0;
	for (const char *q = s + 1; *q; q++)
		if (!is_lower_digit(*q) && *q != '-')
			return 0;
	return 1;
}

/* The XSD's "voc-slug-new" of events: [a-z0-9_]{4,}-[a-z0-9\-_]{4,}.  The
 * first part holds no '-', so the split is at the first one. */
static int is_xsd_event_slug(const char *s)
{
	const char *dash = strchr(s, '-');

	if (!dash || dash - s < 4 || strlen(dash + 1) < 4)
		return 0;
	for (const char *q = s; *q; q++)
		if (!is_lower_digit(*q) && *q != '_' && (q < dash || *q != '-'))
			return 0;
	return 1;
}

/* The schema's time_zone_name is ^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$: as
 * written, a prefix like "America/Argentina" or a suffix "UTC" passes.
 * "Etc/GMT+1" does not; such names are left out of schedule.json (the
 * offsets in every time still say everything a client needs). */
static int is_json_tz_name(const char *s)
{
	const char *q = s;
	size_t n = strlen(s);

	if (n >= 3 && strcmp(s + n - 3, "UTC") == 0)
		return 1;
	for (int part = 0; part < 2; part++) {
		if (!(*q >= 'A' && *q <= 'Z') || !(q[1] >= 'a' && q[1] <= 'z'))
			return 0;
		for (q += 2; *q >= 'a' && *q <= 'z'; q++)
			;
		if (part == 0 && *q++ != '/')
			return 0;
	}
	return 1;
}

/* The event id under ^[a-z0-9_-][a-z0-9_]{3,}: doc/reference.md §3 ids are [a-z0-9-]
 * and never hold '_', so mapping '-' to '_' can be undone; padding with
 * '_' covers ids shorter than four characters. */
static void make_acronym(const char *id, char out[65])
{
	size_t n = 0;

	for (; id[n] && n < 64; n++) {
		char ch = id[n];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		out[n] = is_lower_digit(ch) ? ch : '_';
	}
	for (; n < 4; n++)
		out[n] = '_';
	out[n] = '\0';
}

/* --- text and URLs ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0; *cp its value. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
		 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	uint32_t v = n == 1 ? p[0] : n == 2 ? p[0] & 0x1fu : n == 3 ? p[0] & 0x0fu : p[0] & 0x07u;

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3fu);
	}
	if (n == 0 || (n > 1 && v < min[n]) || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

/* XML 1.0 (2.2 Char) has no place for most C0 controls, nor U+FFFE/FFFF. */
static int xml_char(uint32_t cp)
{
	return cp >= 0x20 ? cp != 0xfffe && cp != 0xffff : cp == '\t' || cp == '\n' || cp == '\r';
}

static int text_is_clean(const unsigned char *p)
{
	for (;;) {
		uint32_t cp;
		size_t n;

		/* Most text is printable ASCII, which needs no decoding. */
		while (*p >= 0x20 && *p < 0x80)
			p++;
		if (!*p)
			return 1;
		n = utf8_seq(p, &cp);

		if (!n || !xml_char(cp))
			return 0;
		p += n;
	}
}

const char *sched_text(const char *text, struct buf *scratch)
{
	const unsigned char *p = (const unsigned char *)text;

	if (text_is_clean(p))
		return text;
	scratch->len = 0;
	buf_add(scratch, "", 0);
	while (*p) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);

		if (!n) {
			buf_adds(scratch, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (xml_char(cp))
			buf_add(scratch, p, n);
		p += n;
	}
	return scratch->data;
}

static void pct(struct buf *b, unsigned char ch)
{
	buf_printf(b, "%%%02X", ch);
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Characters RFC 3986 allows as they are (unreserved, sub- and gen-delims
 * but '[' ']', which belong only to IP literals). */
static int uri_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("-._~:/?#@!$&'()*+,;=", ch));
}

/* The length of "http://" or "https://" (any case) at url, else 0.  Links
 * are for opening in a browser: javascript:, data: or mailto: (which
 * could carry an address) have no place in them. */
static size_t http_prefix(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

/* host[:port] with a host (a name or a bracketed IPv6 address) and a port
 * of digits.  No userinfo: credentials do not belong in a public
 * schedule, and "http://name@domain" reads like an address. */
static int authority_ok(const char *a, size_t n)
{
	const char *end = a + n, *q = a;
	char ip[64];

	if (n == 0 || memchr(a, '@', n))
		return 0;
	if (*a == '[') {
		const char *close = memchr(a, ']', n);
		struct in6_addr addr;

		if (!close || (size_t)(close - a - 1) >= sizeof(ip))
			return 0;
		memcpy(ip, a + 1, (size_t)(close - a - 1));
		ip[close - a - 1] = '\0';
		if (inet_pton(AF_INET6, ip, &addr) != 1)
			return 0;
		q = close + 1;
	} else {
		while (q < end && *q != ':')
			q++;
		if (q == a)
			return 0;
	}
	if (q < end && *q++ != ':')
		return 0;
	for (; q < end; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return 1;
}

#ifdef HAVE_LIBIDN2
/* url with its host (hlen bytes after pre) in punycode, or NULL when
 * libidn2 cannot write it so. */
static char *punycode(const char *url, size_t pre, size_t hlen)
{
	char *host = xstrndup(url + pre, hlen), *ascii = NULL, *out = NULL;

	if (idn2_to_ascii_8z(host, &ascii, IDN2_NONTRANSITIONAL) == IDN2_OK)
		out = xasprintf("%.*s%s%s", (int)pre, url, ascii, url + pre + hlen);
	free(host);
	idn2_free(ascii);
	return out;
}
#else
/* Built --without-libidn2: such a host cannot be made a URI's. */
static char *punycode(const char *url, size_t pre, size_t hlen)
{
	(void)url;
	(void)pre;
	(void)hlen;
	return NULL;
}
#endif

/* An internationalised host name (https://zügli.app) is not a URI host:
 * it is written in punycode (libidn2; libcurl 7.88's CURLU_PUNYCODE
 * fails with "out of memory" here).  Takes url; NULL when its host cannot
 * be made ASCII. */
static char *ascii_host(char *url)
{
	size_t pre = http_prefix(url), hlen = strcspn(url + pre, ":/?#");
	char *out;

	for (size_t i = 0; i < hlen; i++) {
		if ((unsigned char)url[pre + i] >= 0x80) {
			out = punycode(url, pre, hlen);
			free(url);
			return out;
		}
	}
	return url;
}

char *sched_uri(const char *url)
{
	size_t pre = http_prefix(url), alen;
	struct buf b = { 0 };
	int seen_hash = 0;

	if (!pre)
		return NULL;
	alen = strcspn(url + pre, "/?#");
	if (!authority_ok(url + pre, alen))
		return NULL;
	buf_add(&b, url, pre + alen); /* checked above: nothing to encode */
	for (const char *q = url + pre + alen; *q; q++) {
		int ok = uri_char(*q) && !(*q == '#' && seen_hash++);

		if (*q == '%' && is_hex(q[1]) && is_hex(q[2]))
			ok = 1;
		if (ok)
			buf_add(&b, q, 1);
		else
			pct(&b, (unsigned char)*q);
	}
	return ascii_host(buf_steal(&b, NULL));
}

char *sched_session_url(const struct sched *s, const struct prog_session *ps)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s/#", s->c->base_url);
	for (const char *q = ps->id; *q; q++) {
		if (is_lower_digit(*q) || (*q >= 'A' && *q <= 'Z') || strchr("-._~", *q))
			buf_add(&b, q, 1);
		else
			pct(&b, (unsigned char)*q);
	}
	return buf_steal(&b, NULL);
}

char *sched_title(const struct prog_session *ps)
{
	struct buf b = { 0 };

	/* frab has no status.  A cancelled session stays, under its guid, so
	 * that apps which starred it tell their users it is off instead of
	 * letting it vanish; the prefix is the only place that can say so. */
	if (ps->status == PROG_CANCELLED)
		buf_adds(&b, "Cancelled: ");
	buf_adds(&b, ps->title);
	return buf_steal(&b, NULL);
}

/* --- times ---------------------------------------------------------------------- */

/* Zero-padded decimal of v, which has at most width digits; returns the
 * end.  snprintf was a tenth of the documents' time. */
static char *put_dec(char *o, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + width;
}

static int in_range(int64_t v, int64_t max)
{
	return v >= 0 && v <= max;
}

/* The offset comes from the local time prog_localize worked out at load
 * time: tz lookups go through a cache that threads must not share. */
void sched_datetime(int64_t utc, const struct civil *local, char out[48])
{
	int64_t off = civil_to_seconds(local) - utc;
	int64_t a = off < 0 ? -off : off;
	char *o = out;

	if (!in_range(local->year, 9999) || !in_range(local->month, 99) ||
	    !in_range(local->day, 99) || !in_range(local->hour, 99) || !in_range(local->min, 99) ||
	    !in_range(local->sec, 99) || a / 3600 > 99) {
		snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d%c%02lld:%02lld", local->year,
			 local->month, local->day, local->hour, local->min, local->sec,
			 off < 0 ? '-' : '+', (long long)(a / 3600), (long long)(a / 60 % 60));
		return;
	}
	o = put_dec(o, local->year, 4);
	*o++ = '-';
	o = put_dec(o, local->month, 2);
	*o++ = '-';
	o = put_dec(o, local->day, 2);
	*o++ = 'T';
	o = put_dec(o, local->hour, 2);
	*o++ = ':';
	o = put_dec(o, local->min, 2);
	*o++ = ':';
	o = put_dec(o, local->sec, 2);
	*o++ = off < 0 ? '-' : '+';
	o = put_dec(o, a / 3600, 2);
	*o++ = ':';
	o = put_dec(o, a / 60 % 60, 2);
	*o = '\0';
}

void sched_hhmm(const struct civil *local, char out[8])
{
	if (!in_range(local->hour, 99) || !in_range(local->min, 99)) {
		snprintf(out, 8, "%02d:%02d", local->hour, local->min);
		return;
	}
	put_dec(out, local->hour, 2);
	out[2] = ':';
	put_dec(out + 3, local->min, 2);
	out[5] = '\0';
}

void sched_duration(const struct prog_session *ps, int max_hours, char out[32])
{
	int64_t mins = (ps->end - ps->start + 59) / 60;
	int64_t h = mins / 60, m = mins % 60;

	if (h > max_hours) {
		h = max_hours;
		m = 59;
	}
	if (!in_range(h, 99) || !in_range(m, 99)) {
		snprintf(out, 32, "%02lld:%02lld", (long long)h, (long long)m);
		return;
	}
	put_dec(out, h, 2);
	out[2] = ':';
	put_dec(out + 3, m, 2);
	out[5] = '\0';
}

/* --- identifiers ---------------------------------------------------------------- */

struct by_id {
	const char *id;
	uint32_t index;
};

static int cmp_by_id(const void *a, const void *b)
{
	return strcmp(((const struct by_id *)a)->id, ((const struct by_id *)b)->id);
}

/* The first 31 bits of a guid ("xxxxxxxx-..."), never 0. */
static uint32_t guid_prefix31(const char *guid)
{
	char head[9];
	uint32_t v;

	memcpy(head, guid, 8);
	head[8] = '\0';
	v = (uint32_t)strtoul(head, NULL, 16) & 0x7fffffffu;
	return v ? v : 1;
}

/* The usual case: no two guids share their first 31 bits, and every
 * session keeps its own number whatever the id order.  Returns 0 at the
 * first clash. */
static int number_unique(struct sched *s, uint32_t *taken, size_t cap)
{
	for (size_t i = 0; i < s->p->n_sessions; i++) {
		uint32_t v = guid_prefix31(s->items[i].guid);
		size_t h;

		for (h = v & (cap - 1); taken[h] && taken[h] != v; h = (h + 1) & (cap - 1))
			;
		if (taken[h])
			return 0;
		taken[h] = v;
		s->items[i].number = v;
	}
	return 1;
}

/* A clash moves the later id (in id order) on to the next free number. */
static void number_in_id_order(struct sched *s, uint32_t *taken, size_t cap)
{
	size_t n = s->p->n_sessions;
	struct by_id *by_id = xmalloc((n + 1) * sizeof(*by_id));

	for (uint32_t i = 0; i < n; i++)
		by_id[i] = (struct by_id){ s->p->sessions[i].id, i };
	qsort(by_id, n, sizeof(*by_id), cmp_by_id);
	for (size_t k = 0; k < n; k++) {
		struct sched_item *it = &s->items[by_id[k].index];
		uint32_t v = guid_prefix31(it->guid);
		size_t h;

		for (;; v = v % 0x7fffffffu + 1) {
			for (h = v & (cap - 1); taken[h] && taken[h] != v; h = (h + 1) & (cap - 1))
				;
			if (!taken[h])
				break;
		}
		taken[h] = v;
		it->number = v;
	}
	free(by_id);
}

/* Integer ids are required (schema: id >= 1; XSD: positiveInteger and
 * unique).  They come from the guid, so that they stay put when other
 * sessions come and go. */
static void number_items(struct sched *s)
{
	size_t cap = 4;
	uint32_t *taken;

	while (cap < 2 * s->p->n_sessions + 2)
		cap *= 2;
	taken = xcalloc(cap, sizeof(*taken));
	if (!number_unique(s, taken, cap)) {
		memset(taken, 0, cap * sizeof(*taken));
		number_in_id_order(s, taken, cap);
	}
	free(taken);
}

static void make_item(struct guid_gen *g, const struct programme *p,
		      const struct prog_session *ps, struct sched_item *it)
{
	guid_gen_of(g, "", ps->id, p->event.id, it->guid);
	/* The slug is the session id whenever the pattern takes it, so that
	 * agendad's importer, seeing guid == uuid5(slug@event), keeps ids. */
	_Static_assert(sizeof(it->derived) >= 8 + sizeof(it->guid), "derived holds session-<guid>");
	memcpy(it->derived, "session-", 8); /* the guid follows with its '\0' */
	memcpy(it->derived + 8, it->guid, sizeof(it->guid));
	it->slug = sched_is_json_slug(ps->id) ? ps->id : it->derived;
	it->xml_slug = is_xsd_event_slug(ps->id) ? ps->id : it->derived;
}

/* --- rooms ------------------------------------------------------------------------ */

uint32_t sched_room(const struct sched *s, const struct prog_session *ps)
{
	return ps->room == PROG_NONE ? (uint32_t)s->p->n_rooms : ps->room;
}

static int name_taken(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* A name no earlier room has: both formats key a day's rooms by name. */
static char *unique_name(char **names, size_t n, const char *title, const char *id)
{
	struct buf b = { 0 }, scratch = { 0 };

	buf_adds(&b, sched_text(title, &scratch));
	if (name_taken(names, n, b.data)) {
		buf_printf(&b, " (%s)", sched_text(id, &scratch));
		for (int k = 2; name_taken(names, n, b.data); k++) {
			b.len = 0;
			buf_printf(&b, "%s (%s) %d", sched_text(title, &scratch), id, k);
		}
	}
	buf_free(&scratch);
	return buf_steal(&b, NULL);
}

static void name_rooms(struct sched *s, struct guid_gen *g)
{
	const struct programme *p = s->p;
	size_t n = p->n_rooms;

	s->room_names = xcalloc(n + 1, sizeof(*s->room_names));
	s->room_guids = xcalloc(n + 1, sizeof(*s->room_guids));
	for (size_t i = 0; i < n; i++) {
		s->room_names[i] = unique_name(s->room_names, i, p->rooms[i].title, p->rooms[i].id);
		guid_gen_of(g, "room:", p->rooms[i].id, p->event.id, s->room_guids[i]);
	}
	/* Every event must name a room, but a programme need not have any
	 * (the shipped one has none).  The event's location is the one true
	 * statement about where such sessions are; without it, "Venue". */
	s->room_names[n] = unique_name(s->room_names, n,
				       p->event.location ? p->event.location : "Venue", "no room");
	guid_gen_of(g, "room:", "", p->event.id, s->room_guids[n]);
	for (size_t i = 0; i < p->n_sessions; i++)
		if (p->sessions[i].room == PROG_NONE)
			s->room_used_fallback = 1;
}

/* --- nesting and days --------------------------------------------------------- */

struct nest {
	uint32_t day, room, index;
};

static int cmp_nest(const void *a, const void *b)
{
	const struct nest *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->room != y->room)
		return x->room < y->room ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index; /* sessions are sorted by start */
}

/* Session indices by (day, room, start): the nesting of both documents. */
static void nest_sessions(struct sched *s)
{
	size_t n = s->p->n_sessions;
	struct nest *v = xmalloc((n + 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = (struct nest){ s->p->sessions[i].day, sched_room(s, &s->p->sessions[i]),
				      (uint32_t)i };
	qsort(v, n, sizeof(*v), cmp_nest);
	for (size_t i = 0; i < n; i++)
		s->order[i] = v[i].index;
	free(v);
}

static void span_days(struct sched *s)
{
	const struct programme *p = s->p;

	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct prog_session *ps = &p->sessions[i];
		struct sched_day *d = &s->days[ps->day];

		if (!d->first || ps->start < d->first->start)
			d->first = ps;
		if (!d->last || ps->end > d->last->end)
			d->last = ps;
	}
}

/* --- version ------------------------------------------------------------------------ */

/* The fields go through a staging buffer: one EVP_DigestUpdate per field
 * cost more than the SHA-1 itself.  The digest sees the same bytes. */
struct hasher {
	EVP_MD_CTX *ctx;
	size_t len;
	unsigned char buf[4096];
};

static void h_bytes(struct hasher *h, const void *data, size_t n)
{
	if (h->len + n > sizeof(h->buf)) {
		EVP_DigestUpdate(h->ctx, h->buf, h->len);
		h->len = 0;
	}
	if (n > sizeof(h->buf)) {
		EVP_DigestUpdate(h->ctx, data, n);
		return;
	}
	memcpy(h->buf + h->len, data, n);
	h->len += n;
}

/* Little-endian, so that every machine finds the same version. */
static void h_u64(struct hasher *h, uint64_t v)
{
	unsigned char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	h_bytes(h, le, sizeof(le));
}

static void h_int(struct hasher *h, int64_t v)
{
	h_u64(h, (uint64_t)v);
}

/* Length first, so that no two sequences of strings hash alike. */
static void h_str(struct hasher *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	h_u64(h, s ? n : UINT64_MAX);
	if (s)
		h_bytes(h, s, n);
}

static void h_session(struct hasher *h, const struct prog_session *ps)
{
	h_str(h, ps->id);
	h_str(h, ps->title);
	h_str(h, ps->kind);
	h_str(h, ps->description);
	h_int(h, ps->start);
	h_int(h, ps->end);
	h_int(h, ps->track);
	h_int(h, ps->room);
	h_int(h, ps->status);
	for (uint32_t k = 0; k < ps->n_people; k++) {
		h_int(h, ps->people[k].speaker);
		h_str(h, ps->people[k].role);
		h_str(h, ps->people[k].affiliation);
	}
	for (uint32_t k = 0; k < ps->n_docs; k++) {
		h_str(h, ps->docs[k].title);
		h_str(h, ps->docs[k].url);
	}
}

static void h_programme(struct hasher *h, const struct sched *s)
{
	const struct programme *p = s->p;
	const char *ev[] = { p->event.id, p->event.title, p->event.short_title,
			     p->event.timezone, p->event.location, p->event.url,
			     p->event.description, s->c->base_url, PACKAGE_VERSION };

	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		h_str(h, ev[i]);
	for (size_t i = 0; i < p->n_tracks; i++) {
		h_str(h, p->tracks[i].id);
		h_str(h, p->tracks[i].title);
		h_str(h, p->tracks[i].description);
	}
	for (size_t i = 0; i < p->n_rooms; i++) {
		h_str(h, p->rooms[i].id);
		h_str(h, p->rooms[i].title);
	}
	for (size_t i = 0; i < p->n_speakers; i++) {
		h_str(h, p->speakers[i].id);
		h_str(h, p->speakers[i].name);
		h_str(h, p->speakers[i].affiliation);
		h_str(h, p->speakers[i].bio_url);
	}
	for (size_t i = 0; i < p->n_sessions; i++)
		h_session(h, &p->sessions[i]);
}

/* The version is a digest of everything the documents show (and of the
 * agendad release, whose output may differ), so it changes exactly when
 * a client has something new to fetch.  E-mail addresses are not shown
 * and so not hashed. */
static int make_version(struct sched *s)
{
	struct hasher *h = xmalloc(sizeof(*h));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok;

	h->len = 0;
	h->ctx = EVP_MD_CTX_new();
	ok = h->ctx && EVP_DigestInit_ex(h->ctx, EVP_sha1(), NULL);
	if (ok) {
		h_programme(h, s);
		EVP_DigestUpdate(h->ctx, h->buf, h->len);
		EVP_DigestFinal_ex(h->ctx, md, &len);
		for (int i = 0; i < 8; i++)
			snprintf(s->version + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(h->ctx);
	free(h);
	return ok ? 0 : -1;
}

/* --- output --------------------------------------------------------------------- */

static int buf_sink(void *b, const char *data, size_t len)
{
	buf_add(b, data, len);
	return 0;
}

int sched_build(int (*from)(const struct sched *, sched_sink, void *), const struct programme *p,
		const struct conf *c, sched_sink sink, void *ctx)
{
	struct sched s;
	int rc;

	if (sched_init(&s, p, c) < 0)
		return -1;
	rc = from(&s, sink, ctx);
	sched_free(&s);
	return rc;
}

int sched_keep_whole(int (*to)(const struct programme *, const struct conf *, sched_sink, void *),
		     const struct programme *p, const struct conf *c, struct buf *out)
{
	size_t len0 = out->len;
	int rc = to(p, c, buf_sink, out);

	if (rc < 0 && out->data) {
		out->len = len0;
		out->data[len0] = '\0';
	}
	return rc;
}

/* --- life cycle ------------------------------------------------------------------ */

/* Every session's, room's and speaker's, with one SHA-1 fetched for all;
 * -1 when OpenSSL has none to give. */
static int make_guids(struct sched *s)
{
	const struct programme *p = s->p;
	struct guid_gen *g = guid_gen_new();

	if (!g)
		return -1;
	s->speaker_guids = xmalloc((p->n_speakers + 1) * sizeof(*s->speaker_guids));
	name_rooms(s, g);
	for (size_t i = 0; i < p->n_sessions; i++)
		make_item(g, p, &p->sessions[i], &s->items[i]);
	for (size_t i = 0; i < p->n_speakers; i++)
		guid_gen_of(g, "speaker:", p->speakers[i].id, p->event.id, s->speaker_guids[i]);
	guid_gen_free(g);
	return 0;
}

int sched_init(struct sched *s, const struct programme *p, const struct conf *c)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->c = c;
	make_acronym(p->event.id, s->acronym);
	s->tz_json = is_json_tz_name(tz_name(p->tz)) ? tz_name(p->tz) : NULL;
	s->items = xcalloc(p->n_sessions + 1, sizeof(*s->items));
	s->days = xcalloc(p->n_days + 1, sizeof(*s->days));
	s->order = xmalloc((p->n_sessions + 1) * sizeof(*s->order));
	if (make_guids(s) < 0)
		goto fail;
	number_items(s);
	if (make_version(s) < 0)
		goto fail;
	nest_sessions(s);
	span_days(s);
	return 0;
fail:
	sched_free(s);
	return -1;
}

void sched_free(struct sched *s)
{
	if (s->room_names)
		for (size_t i = 0; i <= s->p->n_rooms; i++)
			free(s->room_names[i]);
	free(s->room_names);
	free(s->room_guids);
	free(s->speaker_guids);
	free(s->items);
	free(s->days);
	free(s->order);
	memset(s, 0, sizeof(*s));
}
