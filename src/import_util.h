/* Shared by the schedule.json and schedule.xml importers. */
#ifndef AGENDAD_IMPORT_UTIL_H
#define AGENDAD_IMPORT_UTIL_H

#include <stddef.h>

#include "diag.h"
#include "programme.h"

struct programme *import_json(const char *path, const char *data, size_t len, struct diag *d);
struct programme *import_xml(const char *path, const char *data, size_t len, struct diag *d);

#endif
