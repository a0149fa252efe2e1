/* The daemon: initial load, HTTP, and one event loop for signals, file
 * changes, background reloads and the systemd watchdog. */
#ifndef AGENDAD_LOOP_H
#define AGENDAD_LOOP_H

struct loop_options {
	const char *config;
	const char *state_dir; /* overrides, or NULL */
	const char *listen;
	int foreground;
	int dry_run;
	const char *now;   /* --now: simulated start, local time of the event */
	double speed;      /* --speed */
};

/* Runs until SIGTERM or SIGINT.  Returns the process exit status
 * (0, or 1 / 3 when the first load or the start fails). */
int loop_run(const struct loop_options *o);

#endif
