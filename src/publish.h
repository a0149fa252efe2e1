/* Publishing a folder as a whole: DIR is a symbolic link to a generation
 * folder beside it (".DIR.gen-N"); a new generation is filled privately
 * and put in place with one rename(2) of the link, so that a reader of
 * DIR (a web server) sees the previous set of files or the new one,
 * never a mix, whatever happens while it is written (a crash, a full
 * disk).  A plain folder at DIR (an older agendad's, or made by hand) is
 * replaced by the link on the first publication; what it holds besides
 * the export is carried over. */
#ifndef AGENDAD_PUBLISH_H
#define AGENDAD_PUBLISH_H

struct publish;

/* Resolves dir (following symbolic links that are not a generation's),
 * takes its lock, removes what an earlier run left (stale generations,
 * a half-made link) and creates the new, empty generation.  Returns NULL,
 * logged, when any of that fails. */
struct publish *publish_begin(const char *dir);
/* The new generation, to be filled. */
int publish_fd(const struct publish *p);
/* What DIR shows now (the current generation or the plain folder), or
 * -1 when it does not exist yet. */
int publish_prev_fd(const struct publish *p);
/* Links into the new generation everything of the previous one that is
 * not there yet and that skip(ctx, path, is_dir) does not reject, path
 * being relative to DIR.  Returns 0 or a negative errno (logged). */
int publish_carry_over(struct publish *p, int (*skip)(void *ctx, const char *path, int is_dir),
		       void *ctx);
/* rc == 0: makes the new generation what DIR shows and removes the
 * previous one; else removes the new one and leaves DIR as it was.
 * Frees p; returns rc, or a negative errno when the swap failed. */
int publish_end(struct publish *p, int rc);

#endif
