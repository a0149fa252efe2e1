#include "config.h"

#include "lcfg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int lcfg_read(struct lcfg *lc, config_t *cfg)
{
	if (config_read_file(cfg, lc->file) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		diag_error(lc->d, lc->file, 0, "cannot read: %s", strerror(errno ? errno : ENOENT));
	else
		diag_error(lc->d, config_error_file(cfg) ? config_error_file(cfg) : lc->file,
			   config_error_line(cfg), "%s", config_error_text(cfg));
	return -1;
}

/* The pre-scan's lexer: just enough of libconfig's syntax to tell
 * strings and comments from the rest, and to count a group's settings
 * (one '=' or ':' each at its own level). */
enum scan_state { SC_CODE, SC_SLASH, SC_STRING, SC_ESCAPE, SC_HEX1, SC_HEX2, SC_LINE_COMMENT,
		  SC_BLOCK_COMMENT, SC_BLOCK_STAR };

struct scan {
	struct lcfg *lc;
	enum scan_state st;
	int line;
	size_t col;
	int depth;
	char kind[LCFG_MAX_DEPTH + 1];         /* '{' (the root too), '(' or '[' */
	unsigned members[LCFG_MAX_DEPTH + 1];  /* settings so far in a group */
};

static int scan_error(struct scan *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int scan_error(struct scan *S, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(S->lc->d, S->lc->file, S->line, "%s", msg);
	return -1;
}

static int scan_open(struct scan *S, char c)
{
	if (S->depth == LCFG_MAX_DEPTH)
		return scan_error(S, "groups, lists and arrays nested more than %d deep",
				  LCFG_MAX_DEPTH);
	S->depth++;
	S->kind[S->depth] = c;
	S->members[S->depth] = 0;
	return 0;
}

static int scan_code(struct scan *S, unsigned char c)
{
	switch (c) {
	case '"': S->st = SC_STRING; break;
	case '#': S->st = SC_LINE_COMMENT; break;
	case '/': S->st = SC_SLASH; break;
	case '@':
		return scan_error(S, "'@' outside a string: a programme is one file, without "
				     "@include");
	case '{': case '(': case '[':
		return scan_open(S, (char)c);
	case '}': case ')': case ']':
		if (S->depth > 0) /* else libconfig reports the syntax error */
			S->depth--;
		break;
	case '=': case ':':
		if (S->kind[S->depth] == '{' && ++S->members[S->depth] > LCFG_MAX_MEMBERS)
			return scan_error(S, "more than %d settings in one group", LCFG_MAX_MEMBERS);
		break;
	}
	return 0;
}

/* One byte in state S->st; a byte that ends an escape or a comment
 * opener without being part of it is looked at again in the new state. */
static int scan_byte(struct scan *S, unsigned char c)
{
	for (;;) {
		switch (S->st) {
		case SC_CODE:
			return scan_code(S, c);
		case SC_SLASH:
			S->st = c == '/' ? SC_LINE_COMMENT : c == '*' ? SC_BLOCK_COMMENT : SC_CODE;
			if (S->st != SC_CODE)
				return 0;
			continue;
		case SC_STRING:
			S->st = c == '"' ? SC_CODE : c == '\\' ? SC_ESCAPE : SC_STRING;
			return 0;
		case SC_ESCAPE:
			S->st = c == 'x' ? SC_HEX1 : SC_STRING;
			return 0;
		case SC_HEX1:
			S->st = SC_STRING;
			if (c == '0') {
				S->st = SC_HEX2;
				return 0;
			}
			continue;
		case SC_HEX2:
			if (c == '0')
				return scan_error(S, "a string holds \"\\x00\" (NUL), which would cut "
						     "it short");
			S->st = SC_STRING;
			continue;
		case SC_LINE_COMMENT:
			S->st = c == '\n' ? SC_CODE : SC_LINE_COMMENT;
			return 0;
		case SC_BLOCK_COMMENT:
			S->st = c == '*' ? SC_BLOCK_STAR : SC_BLOCK_COMMENT;
			return 0;
		case SC_BLOCK_STAR:
			S->st = c == '/' ? SC_CODE : c == '*' ? SC_BLOCK_STAR : SC_BLOCK_COMMENT;
			return 0;
		}
	}
}

static int long_line(struct scan *S)
{
	return scan_error(S, "a line longer than %d bytes (%d KiB): split it (strings next to "
			     "each other, \"a\" \"b\", are joined)",
			  LCFG_MAX_LINE, LCFG_MAX_LINE / 1024);
}

/* Inside a string or a comment only these bytes matter; the rest (most
 * of a programme) is skipped in a tight loop. */
static size_t skip_plain(const unsigned char *p, size_t i, size_t n)
{
	while (i < n && p[i] != '"' && p[i] != '\\' && p[i] != '\n' && p[i] != '\0' &&
	       p[i] != '*')
		i++;
	return i;
}

static int scan_bytes(struct scan *S, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (S->st == SC_STRING || S->st == SC_LINE_COMMENT || S->st == SC_BLOCK_COMMENT) {
			size_t j = skip_plain(p, i, n);

			S->col += j - i;
			if (S->col > LCFG_MAX_LINE)
				return long_line(S);
			if ((i = j) == n)
				break;
		}
		if (p[i] == '\n') {
			S->line++;
			S->col = 0;
		} else if (++S->col > LCFG_MAX_LINE) {
			return long_line(S);
		}
		if (p[i] == '\0')
			return scan_error(S, "a NUL byte: the programme must be text");
		if (scan_byte(S, p[i]) < 0)
			return -1;
	}
	return 0;
}

static int too_big(struct lcfg *lc, size_t max_size)
{
	diag_error(lc->d, lc->file, 0,
		   "larger than %zu bytes (%zu MiB, programme_max_mb): refused before reading it",
		   max_size, max_size >> 20);
	return -1;
}

int lcfg_prescan(struct lcfg *lc, size_t max_size)
{
	struct scan S = { .lc = lc, .st = SC_CODE, .line = 1, .kind = { '{' } };
	FILE *f = fopen(lc->file, "rb");
	unsigned char buf[65536];
	size_t n, total = 0;
	struct stat st;
	int rc = 0;

	if (!f) {
		diag_error(lc->d, lc->file, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_size)
		rc = too_big(lc, max_size);
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		total += n;
		if (total > max_size)
			rc = too_big(lc, max_size);
		else
			rc = scan_bytes(&S, buf, n);
	}
	if (rc == 0 && ferror(f)) {
		diag_error(lc->d, lc->file, 0, "cannot read: %s", strerror(EIO));
		rc = -1;
	}
	fclose(f);
	return rc;
}

int lcfg_line(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

const char *lcfg_file(const struct lcfg *lc, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f ? f : lc->file;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "a value";
	}
}

/* The group's line is the best place to point at for a missing member;
 * the root group has none, so the message then names the file alone. */
static void missing(struct lcfg *lc, const config_setting_t *group, const char *name)
{
	const char *path = config_setting_name(group);

	if (path)
		diag_error(lc->d, lcfg_file(lc, group), lcfg_line(group),
			   "'%s' is required in '%s'", name, path);
	else
		diag_error(lc->d, lcfg_file(lc, group), lcfg_line(group), "'%s' is required", name);
}

/* s, a member of group (NULL when absent), if it has the type. */
static const config_setting_t *typed(struct lcfg *lc, const config_setting_t *group,
				     const config_setting_t *s, const char *name, int type,
				     int required)
{
	if (!s) {
		if (required)
			missing(lc, group, name);
		return NULL;
	}
	if (config_setting_type(s) != type) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' must be %s, not %s", name,
			   type_name(type), type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

static const config_setting_t *member(struct lcfg *lc, const config_setting_t *group,
				      const char *name, int type, int required)
{
	return typed(lc, group, config_setting_get_member(group, name), name, type, required);
}

/* How many bytes from p on are ASCII, looked at 8 at a time: most of a
 * programme's text is, and this check reads every byte of it. */
static size_t ascii_prefix(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	uint64_t w;

	while (end - q >= 8) {
		memcpy(&w, q, sizeof(w));
		if (w & UINT64_C(0x8080808080808080))
			break;
		q += 8;
	}
	return (size_t)(q - p);
}

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates or values past
 * U+10FFFF.  Feeds and pages are declared UTF-8, so the text must be. */
static int utf8_valid(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while ((p += ascii_prefix(p, end)) < end) {
		unsigned c = *p, n, min, cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		/* The terminating NUL is no continuation byte: no overrun. */
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The checked text of s, a member of group (NULL when absent), and its
 * length; libconfig's, not copied. */
static const char *text(struct lcfg *lc, const config_setting_t *group, const config_setting_t *s,
			const char *name, int required, size_t *len)
{
	const char *v;
	int c;

	if (!typed(lc, group, s, name, CONFIG_TYPE_STRING, required))
		return NULL;
	v = config_setting_get_string(s);
	*len = strlen(v);
	if (!utf8_valid((const unsigned char *)v, *len)) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' is not valid UTF-8", name);
		return NULL;
	}
	if ((c = lcfg_control(v)) >= 0) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'%s' holds the control character U+%04X, which calendars cannot show: "
			   "remove it", name, (unsigned)c);
		return NULL;
	}
	if (required && !*v) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "'%s' must not be empty", name);
		return NULL;
	}
	return v;
}

int lcfg_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return *p;
	return -1;
}

const char *lcfg_string(struct lcfg *lc, const config_setting_t *group, const char *name,
			int required)
{
	size_t len;
	const char *v = text(lc, group, config_setting_get_member(group, name), name, required, &len);

	return v ? arena_strndup(lc->a, v, len) : NULL;
}

int lcfg_is_id(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* v, the text of s, if it is an id. */
static const char *checked_id(struct lcfg *lc, const config_setting_t *s, const char *name,
			      const char *v)
{
	size_t len = v ? strlen(v) : 0;

	if (len > LCFG_MAX_ID) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'%s' \"%.32s...\" is %zu bytes long: ids name files and URLs, and may "
			   "have at most %d", name, v, len, LCFG_MAX_ID);
		return NULL;
	}
	if (!v || lcfg_is_id(v))
		return v;
	diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
		   "'%s' \"%s\" is not a valid id: use lower-case ASCII letters, digits and '-', "
		   "starting with a letter or digit",
		   name, v);
	return NULL;
}

static const char *id_copy(struct lcfg *lc, const config_setting_t *group,
			   const config_setting_t *s, const char *name, int required)
{
	size_t len;
	const char *v = checked_id(lc, s, name, text(lc, group, s, name, required, &len));

	return v ? arena_strndup(lc->a, v, len) : NULL;
}

const char *lcfg_id(struct lcfg *lc, const config_setting_t *group, const char *name,
		    int required)
{
	return id_copy(lc, group, config_setting_get_member(group, name), name, required);
}

int lcfg_bool(struct lcfg *lc, const config_setting_t *group, const char *name, int def)
{
	const config_setting_t *s = member(lc, group, name, CONFIG_TYPE_BOOL, 0);

	return s ? config_setting_get_bool(s) : def;
}

static int check_duration(struct lcfg *lc, const config_setting_t *s, const char *name,
			  int64_t *out)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'%s' must be a duration string such as \"15m\", not %s", name,
			   type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_string(s);
	if (duration_parse(v, out)) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'%s': bad duration \"%s\": write a whole number followed by s, m, h or "
			   "d, such as \"90m\" or \"1d\"",
			   name, v);
		return -1;
	}
	return 0;
}

int lcfg_duration(struct lcfg *lc, const config_setting_t *group, const char *name, int64_t def,
		  int64_t *out)
{
	const config_setting_t *s = config_setting_get_member(group, name);

	*out = def;
	return s ? check_duration(lc, s, name, out) : 0;
}

static const config_setting_t *array(struct lcfg *lc, const config_setting_t *group,
				     const char *name)
{
	const config_setting_t *s = config_setting_get_member(group, name);

	if (!s)
		return NULL;
	/* An empty "[]" and a "( ... )" list of strings are both fine. */
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
		diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s),
			   "'%s' must be an array such as [ \"a\", \"b\" ], not %s", name,
			   type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

size_t lcfg_strings(struct lcfg *lc, const config_setting_t *group, const char *name,
		    const char ***out)
{
	const config_setting_t *s = array(lc, group, name);
	int n = s ? config_setting_length(s) : 0;
	const char **v = arena_alloc(lc->a, sizeof(char *) * (size_t)(n + 1));
	size_t count = 0;

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			diag_error(lc->d, lcfg_file(lc, e), lcfg_line(e),
				   "'%s' must hold strings only", name);
			continue;
		}
		v[count++] = arena_strdup(lc->a, config_setting_get_string(e));
	}
	*out = v;
	return count;
}

size_t lcfg_durations(struct lcfg *lc, const config_setting_t *group, const char *name,
		      int64_t **out)
{
	const config_setting_t *s = array(lc, group, name);
	int n = s ? config_setting_length(s) : 0;
	int64_t *v = arena_alloc(lc->a, sizeof(int64_t) * (size_t)(n + 1));
	size_t count = 0;

	for (int i = 0; i < n; i++)
		if (check_duration(lc, config_setting_get_elem(s, (unsigned)i), name, &v[count]) == 0)
			count++;
	*out = v;
	return count;
}

const config_setting_t *lcfg_list(struct lcfg *lc, const config_setting_t *group,
				  const char *name)
{
	return member(lc, group, name, CONFIG_TYPE_LIST, 0);
}

/* The index of name in known, or -1.  Files usually list a group's
 * members in the table's order, so the one after the last found (hint)
 * is tried first.  libconfig allows no duplicate names in a group, and
 * none holds a path separator, so strcmp agrees with its own lookup. */
static int key_index(const char *const *known, const char *name, int hint)
{
	if (known[hint] && strcmp(known[hint], name) == 0)
		return hint;
	for (int k = 0; known[k]; k++)
		if (strcmp(known[k], name) == 0)
			return k;
	return -1;
}

void lcfg_unknown(struct lcfg *lc, const config_setting_t *s, const char *what)
{
	diag_error(lc->d, lcfg_file(lc, s), lcfg_line(s), "unknown setting '%s' in %s",
		   config_setting_name(s), what);
}

void lcfg_check_keys(struct lcfg *lc, const config_setting_t *group, const char *what,
		     const char *const *known)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);

		if (key_index(known, config_setting_name(s), 0) < 0)
			lcfg_unknown(lc, s, what);
	}
}

void lcfg_group(struct lcfg *lc, const config_setting_t *group, const char *what,
		const char *const *keys, struct lcfg_group *G)
{
	int n = config_setting_length(group), next = 0;

	memset(G, 0, sizeof(*G));
	G->g = group;
	G->keys = keys;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		int k = key_index(keys, config_setting_name(s), next);

		if (k < 0) {
			lcfg_unknown(lc, s, what);
			continue;
		}
		if (k >= LCFG_MAX_KEYS)
			abort(); /* a key table longer than struct lcfg_group holds */
		G->m[k] = s;
		next = k + 1;
	}
}

const char *lcfg_gpeek(struct lcfg *lc, const struct lcfg_group *G, int key, int required)
{
	size_t len;

	return text(lc, G->g, G->m[key], G->keys[key], required, &len);
}

const char *lcfg_gstring(struct lcfg *lc, const struct lcfg_group *G, int key, int required)
{
	size_t len;
	const char *v = text(lc, G->g, G->m[key], G->keys[key], required, &len);

	return v ? arena_strndup(lc->a, v, len) : NULL;
}

const char *lcfg_gid(struct lcfg *lc, const struct lcfg_group *G, int key, int required)
{
	return id_copy(lc, G->g, G->m[key], G->keys[key], required);
}

const config_setting_t *lcfg_glist(struct lcfg *lc, const struct lcfg_group *G, int key)
{
	return typed(lc, G->g, G->m[key], G->keys[key], CONFIG_TYPE_LIST, 0);
}
