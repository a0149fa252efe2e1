#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static int prefixed;
static int use_syslog;
static enum log_level max_level = LOG_LVL_INFO;

/* JOURNAL_STREAM holds "device:inode" of the stream systemd connected;
 * comparing it with our stderr tells whether the prefixes will be read. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(void)
{
	const char *lvl = getenv("AGENDAD_LOG_LEVEL");

	prefixed = stderr_is_journal();
	if (lvl && strcmp(lvl, "debug") == 0)
		max_level = LOG_LVL_DEBUG;
}

void log_to_syslog(void)
{
	openlog("agendad", LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void log_set_level(enum log_level max)
{
	max_level = max;
}

int log_enabled(enum log_level lvl)
{
	return lvl <= max_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (use_syslog)
		syslog((int)lvl, "%s", buf);
	else if (prefixed)
		fprintf(stderr, "<%d>%s\n", (int)lvl, buf);
	else if (lvl <= LOG_LVL_WARNING)
		fprintf(stderr, "agendad: %s: %s\n", lvl == LOG_LVL_ERR ? "error" : "warning", buf);
	else
		fprintf(stderr, "agendad: %s\n", buf);
}
