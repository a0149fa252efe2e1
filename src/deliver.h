/* Deliveries through the libcurl multi interface, driven by the daemon's
 * event loop: curl's sockets and timeout are registered with the loop's
 * watcher, so thousands of requests proceed at once in one thread. */
#ifndef AGENDAD_DELIVER_H
#define AGENDAD_DELIVER_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "watch.h"

struct deliver_result {
	CURLcode curl;  /* CURLE_OK when a response came back */
	long status;    /* HTTP status or SMTP reply code; 0 without a response */
	long retry_after; /* seconds asked by the server, -1 when not given */
	char error[256];  /* curl's message, or the start of the response */
};

typedef void (*deliver_done_fn)(void *ctx, void *job, const struct deliver_result *r);
/* Called after each event deliver handled (a socket, its timer, its
 * threads' eventfd), once the transfers it ended are reported: places
 * may have freed up. */
typedef void (*deliver_after_fn)(void *ctx);

struct deliver;

/* Registers its timer, its threads' eventfd and curl's sockets with w;
 * done is called for every finished transfer, and after at the end of
 * each event, from w's dispatch.  Returns 0 or -EIO. */
int deliver_new(struct watcher *w, deliver_done_fn done, deliver_after_fn after, void *ctx,
		struct deliver **out);
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
size_t deliver_running(const struct deliver *d);

#endif
