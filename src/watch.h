/* The one registry of the file descriptors the event loop waits on, as
 * chrony's SCH_AddFileHandler: each module registers its descriptors
 * with a function to call when they are ready, and one dispatch runs
 * them all.  The loop owns the watcher; the reminders and the deliveries
 * only see this header. */
#ifndef AGENDAD_WATCH_H
#define AGENDAD_WATCH_H

#include <stdint.h>

struct watcher;
struct watch; /* one registration */

/* events: the epoll events that were reported (EPOLLIN, EPOLLOUT,
 * EPOLLERR, EPOLLHUP). */
typedef void (*watch_fn)(void *ctx, int fd, uint32_t events);

/* Returns 0, or -1 with errno set. */
int watcher_new(struct watcher **out);
/* Frees every registration still there (the descriptors are their
 * owners' to close).  Accepts NULL. */
void watcher_free(struct watcher *w);

/* Calls fn(ctx, fd, events) whenever fd is ready for events (EPOLLIN,
 * EPOLLOUT; level-triggered).  Returns the registration, or NULL with
 * errno set when epoll refuses fd. */
struct watch *watch_add(struct watcher *w, int fd, uint32_t events, watch_fn fn, void *ctx);
/* Changes what is waited for.  Returns 0, or -1 with errno set. */
int watch_set_events(struct watch *h, uint32_t events);
/* Stops watching (before the descriptor is closed).  Safe from inside a
 * callback, for any registration: an event already reported for it is
 * not delivered.  Accepts NULL. */
void watch_remove(struct watch *h);

/* Waits up to timeout_ms (-1: for ever) and calls the functions of what
 * is ready.  Returns the number of events reported (0 after a timeout or
 * a signal), or -1 with errno set when epoll fails. */
int watch_dispatch(struct watcher *w, int timeout_ms);
/* Called from a callback: the rest of this dispatch's events are left
 * for the next one. */
void watch_break(struct watcher *w);

#endif
