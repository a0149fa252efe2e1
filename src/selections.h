/* Personal selections (doc/reference.md §4, POST /my): lists of session ids stored
 * under unguessable tokens in their own SQLite file in the state
 * directory, so that a burst of selections never waits behind a reload's
 * writes to the main state.  Safe to use from many threads. */
#ifndef AGENDAD_SELECTIONS_H
#define AGENDAD_SELECTIONS_H

#include <stddef.h>
#include <stdint.h>

/* 128 random bits in URL-safe base64, without padding. */
#define SELECTION_TOKEN_LEN 22

struct selections;

/* The most selections kept, unless selections_set_max says otherwise. */
#define SELECTIONS_MAX_DEFAULT 100000

/* Opens (creating) DIR/selections.sqlite.  Returns 0 or a negative errno. */
int selections_open(const char *dir, struct selections **out);
void selections_close(struct selections *s);
/* The cap on stored selections (the configuration's http.selections_max),
 * for every connection of the process. */
void selections_set_max(unsigned max);
/* Stores ids under a new token (token: SELECTION_TOKEN_LEN + 1 bytes).
 * Returns 0, -ENOSPC when the cap is reached, or a negative errno. */
int selections_create(struct selections *s, const char *const *ids, size_t n, int64_t now,
		      char *token);
/* The ids stored under token, as one malloc'd block: *ids[i] point into
 * it; free(*ids) frees all.  Returns 0, -ENOENT, or a negative errno. */
int selections_get(struct selections *s, const char *token, char ***ids, size_t *n);
/* The same at time now (which becomes the selection's last use). */
int selections_get_at(struct selections *s, const char *token, int64_t now, char ***ids,
		      size_t *n);
/* Removes up to limit selections neither made nor fetched since before.
 * Returns how many, or -1 (logged). */
int64_t selections_expire(struct selections *s, int64_t before, unsigned limit);
/* Whether token has the shape of a token (so others are 404 at once). */
int selection_token_valid(const char *token, size_t len);

#endif
