/* Typed reads of libconfig settings that report every problem through a
 * diag as FILE:LINE, so the configuration and programme loaders can
 * check a whole file in one run. */
#ifndef AGENDAD_LCFG_H
#define AGENDAD_LCFG_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "duration.h"

struct lcfg {
	struct diag *d;
	const char *file; /* the file being read, for messages */
	struct arena *a;  /* strings returned are copied here */
};

/* Reads a whole file; on a syntax or I/O error reports it and returns -1. */
int lcfg_read(struct lcfg *lc, config_t *cfg);

/* Limits of a programme file that libconfig is not handed past: its
 * scanner takes time quadratic in the length of a line (2 MB: 2 s,
 * 8 MB: 29 s) and in the number of settings in one group (50,000:
 * 13 s), follows @include to any file, and cuts a string at a NUL. */
#define LCFG_MAX_LINE 65536    /* bytes in one line */
#define LCFG_MAX_MEMBERS 1000  /* settings in one group { } */
#define LCFG_MAX_DEPTH 64      /* groups, lists and arrays inside each other */
/* Reads lc->file once, before libconfig does: refuses a file larger
 * than max_size bytes, a line longer than LCFG_MAX_LINE, a NUL byte (raw
 * or "\x00"), '@' outside strings and comments (@include), a group of
 * more than LCFG_MAX_MEMBERS settings and nesting past LCFG_MAX_DEPTH,
 * with FILE:LINE.  Returns 0, or -1 after the first such error. */
int lcfg_prescan(struct lcfg *lc, size_t max_size);

int lcfg_line(const config_setting_t *s);
const char *lcfg_file(const struct lcfg *lc, const config_setting_t *s);

/* A string member of group, copied into the arena.  NULL when absent
 * (an error if required), of the wrong type, not UTF-8 or holding a
 * control character (lcfg_control) (always an error). */
const char *lcfg_string(struct lcfg *lc, const config_setting_t *group, const char *name,
			int required);
/* Ids name files and URLs: at most this many bytes. */
#define LCFG_MAX_ID 128
/* Like lcfg_string, and the value must be an id: [a-z0-9][a-z0-9-]*,
 * at most LCFG_MAX_ID bytes. */
const char *lcfg_id(struct lcfg *lc, const config_setting_t *group, const char *name,
		    int required);
int lcfg_is_id(const char *s);
/* The first control character of s that iCalendar TEXT may not hold
 * (RFC 5545 3.3.11: none but HTAB; CR and LF are line breaks, which
 * the feeds escape), or -1 when there is none. */
int lcfg_control(const char *s);
/* A boolean member; def when absent. */
int lcfg_bool(struct lcfg *lc, const config_setting_t *group, const char *name, int def);
/* A duration member ("90m"); def when absent.  Returns 0 or -1. */
int lcfg_duration(struct lcfg *lc, const config_setting_t *group, const char *name, int64_t def,
		  int64_t *out);
/* An array of strings; *out is NULL-terminated and arena-owned.
 * Returns the count, or 0 when absent or wrong. */
size_t lcfg_strings(struct lcfg *lc, const config_setting_t *group, const char *name,
		    const char ***out);
size_t lcfg_durations(struct lcfg *lc, const config_setting_t *group, const char *name,
		      int64_t **out);
/* A member that must be a list (or be absent: NULL). */
const config_setting_t *lcfg_list(struct lcfg *lc, const config_setting_t *group,
				  const char *name);
/* Reports s as a setting unknown in what ("the configuration"). */
void lcfg_unknown(struct lcfg *lc, const config_setting_t *s, const char *what);
/* Reports every member of group whose name is not in known (NULL-ended). */
void lcfg_check_keys(struct lcfg *lc, const config_setting_t *group, const char *what,
		     const char *const *known);

/* A group's members found in one pass, by their index in a table of
 * known names.  config_setting_get_member scans the group and compares
 * names a character at a time, so looking each key up in turn cost more
 * than everything else done with a programme's sessions. */
#define LCFG_MAX_KEYS 16
struct lcfg_group {
	const config_setting_t *g;
	const char *const *keys;
	const config_setting_t *m[LCFG_MAX_KEYS]; /* m[i] is named keys[i]; NULL: absent */
};

/* Fills G from group, reporting the unknown members as lcfg_check_keys
 * does; keys is NULL-ended and has at most LCFG_MAX_KEYS names. */
void lcfg_group(struct lcfg *lc, const config_setting_t *group, const char *what,
		const char *const *keys, struct lcfg_group *G);
/* lcfg_string, lcfg_id and lcfg_list for the member keys[key] of G. */
const char *lcfg_gstring(struct lcfg *lc, const struct lcfg_group *G, int key, int required);
const char *lcfg_gid(struct lcfg *lc, const struct lcfg_group *G, int key, int required);
const config_setting_t *lcfg_glist(struct lcfg *lc, const struct lcfg_group *G, int key);
/* Like lcfg_gstring, with the same checks, but not copied: the string
 * is libconfig's and lives until config_destroy.  For values that are
 * only looked up or compared, not kept. */
const char *lcfg_gpeek(struct lcfg *lc, const struct lcfg_group *G, int key, int required);

#endif
