/* Logging to stderr: plain when run by hand, with <N> syslog priority
 * prefixes when stderr is the journal (systemd sets JOURNAL_STREAM). */
#ifndef AGENDAD_LOG_H
#define AGENDAD_LOG_H

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Decides between plain and prefixed output; safe to call more than once. */
void log_init(void);
/* From now on, send messages to syslog (a daemon without a terminal). */
void log_to_syslog(void);
/* Messages above this level are dropped before formatting. */
void log_set_level(enum log_level max);
int log_enabled(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...) LOG_PRINTF(2, 3);
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
