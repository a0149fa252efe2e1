/* The programme in the shapes conference apps read (SPEC 4): the C3VOC
 * schedule.json (valid against c3voc-schedule.schema.json) and the
 * frab/pentabarf schedule.xml (valid against c3voc-schedule.xml.xsd).
 * Neither ever holds an e-mail address. */
#ifndef AGENDAD_SCHEDULE_H
#define AGENDAD_SCHEDULE_H

#include "buf.h"
#include "conf.h"
#include "programme.h"

/* Append the document to out.  Return 0, or -1 when memory runs out. */
int schedule_json(const struct programme *p, const struct conf *c, struct buf *out);
int schedule_xml(const struct programme *p, const struct conf *c, struct buf *out);

#endif
