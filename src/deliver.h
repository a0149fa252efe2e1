/* Deliveries through the libcurl multi interface, driven by the daemon's
 * event loop: curl's sockets and timeout are watched by the loop's epoll,
 * so thousands of requests proceed at once in one thread. */
#ifndef AGENDAD_DELIVER_H
#define AGENDAD_DELIVER_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

/* epoll data of curl's sockets carry this tag above the fd. */
#define DELIVER_TAG (UINT64_C(1) << 40)

struct deliver_result {
	CURLcode curl;  /* CURLE_OK when a response came back */
	long status;    /* HTTP status or SMTP reply code; 0 without a response */
	long retry_after; /* seconds asked by the server, -1 when not given */
	char error[256];  /* curl's message, or the start of the response */
};

typedef void (*deliver_done_fn)(void *ctx, void *job, const struct deliver_result *r);

struct deliver;

/* Registers with epfd; done is called for every finished transfer. */
int deliver_new(int epfd, deliver_done_fn done, void *ctx, struct deliver **out);
/* Aborts what is running (done is not called: the caller frees its jobs
 * and their handles) and frees; accepts NULL. */
void deliver_free(struct deliver *d);
/* Starts easy, set up by the caller but for its write and header
 * callbacks, which deliver owns.  easy is the caller's to clean up once
 * done has been called for job.  Returns 0 or -EIO. */
int deliver_start(struct deliver *d, CURL *easy, void *job);
/* Like deliver_start, on a thread of its own (curl_easy_perform): for
 * protocols whose libcurl code blocks (SMTP waits for the answer to DATA
 * with a blocking poll).  done is called from the loop, as for the rest. */
int deliver_start_thread(struct deliver *d, CURL *easy, void *job);
/* The timerfd the loop watches for curl's timeouts, and the eventfd the
 * threads wake it with (then call deliver_on_done). */
int deliver_timerfd(const struct deliver *d);
int deliver_donefd(const struct deliver *d);
void deliver_on_done(struct deliver *d);
void deliver_on_timer(struct deliver *d);
void deliver_on_socket(struct deliver *d, int fd, uint32_t epoll_events);
size_t deliver_running(const struct deliver *d);

#endif
