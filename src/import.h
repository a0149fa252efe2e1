/* Reading a programme in any format agendad knows: its own libconfig
 * programme (doc/reference.md §3), a C3VOC/frab/pretalx schedule.json, or a
 * frab/pentabarf schedule.xml.  The format is recognised from the
 * content, not the file name. */
#ifndef AGENDAD_IMPORT_H
#define AGENDAD_IMPORT_H

#include "diag.h"
#include "programme.h"

enum import_format { IMPORT_LIBCONFIG, IMPORT_JSON, IMPORT_XML };

/* What the bytes look like (a JSON object, an XML document, or else a
 * libconfig programme). */
enum import_format import_sniff(const char *data, size_t len);
/* Loads and validates path in whichever format it is.  Errors and
 * warnings go to d as "FILE:LINE: ..." (libconfig) or "FILE: <where in
 * the document>: ..." (JSON, XML); NULL after any error. */
struct programme *import_programme(const char *path, struct diag *d);
/* The same, refusing a document larger than max_size bytes before it
 * is parsed (import_programme allows PROG_MAX_SIZE_DEFAULT). */
struct programme *import_programme_max(const char *path, size_t max_size, struct diag *d);

/* Sessions and persons whose guids are agendad's own (guid.h) were
 * exported by agendad, and keep their ids when imported again. */

#endif
