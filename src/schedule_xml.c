#include "config.h"

#include "schedule.h"

int schedule_xml(const struct programme *p, const struct conf *c, struct buf *out)
{
	(void)p;
	(void)c;
	buf_adds(out, "<schedule/>");
	return 0;
}
