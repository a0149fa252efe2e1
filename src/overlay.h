/* The speakers overlay (speakers_overlay): a small libconfig file that
 * adds what an imported programme lacks, e-mail addresses above all, and
 * may override names and affiliations, by speaker id:
 *
 *   speakers = ( { id = "9f3c..."; email = "ada@example.org"; } );
 */
#ifndef AGENDAD_OVERLAY_H
#define AGENDAD_OVERLAY_H

#include "diag.h"
#include "programme.h"

/* Applies path to p (its strings go into p's arena).  Errors and warnings
 * (an id the programme does not know) go to d as FILE:LINE.  Returns 0,
 * or -1 after errors. */
int overlay_apply(struct programme *p, const char *path, struct diag *d);

#endif
