#include "config.h"

#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curl_util.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "state.h"

/* Where a download goes, and how much of it may come (programme_max_mb):
 * the transfer stops there, whether or not the upstream said its size. */
struct sink {
	FILE *out;
	size_t n, max;
	int over;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *k = userdata;
	size_t len = size * nmemb;

	if (len > k->max - k->n) {
		k->over = 1;
		return 0; /* libcurl ends the transfer: CURLE_WRITE_ERROR */
	}
	k->n += len;
	return fwrite(data, 1, len, k->out);
}

const char *fetch_copy_path(struct conf *c)
{
	return arena_printf(c->arena, "%s/programme.fetched", c->state_dir);
}

static char *meta_path(const char *data_path)
{
	return xasprintf("%s.meta", data_path);
}

/* The validators stored beside a copy, if they are for this URL. */
static json_t *read_meta(const char *data_path, const char *url)
{
	char *path = meta_path(data_path);
	json_t *meta = json_load_file(path, 0, NULL);
	const char *was = json_string_value(json_object_get(meta, "url"));

	free(path);
	if (meta && (!was || strcmp(was, url) != 0)) {
		json_decref(meta);
		return NULL;
	}
	return meta;
}

static void write_meta(const char *data_path, CURL *curl, const char *url)
{
	char *path = meta_path(data_path);
	json_t *meta = json_pack("{s:s}", "url", url);
	struct curl_header *h;

	if (curl_easy_header(curl, "ETag", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		json_object_set_new(meta, "etag", json_string(h->value));
	if (curl_easy_header(curl, "Last-Modified", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		json_object_set_new(meta, "last_modified", json_string(h->value));
	if (!meta || json_dump_file(meta, path, JSON_COMPACT) < 0)
		log_warn("programme_url: cannot write %s: the next fetch is unconditional", path);
	json_decref(meta);
	free(path);
}

static struct curl_slist *conditions(const char *copy, const char *url)
{
	json_t *meta = read_meta(copy, url);
	const char *etag = json_string_value(json_object_get(meta, "etag"));
	const char *since = json_string_value(json_object_get(meta, "last_modified"));
	struct curl_slist *h = NULL;
	/* Validators without the copy they describe would answer 304 for
	 * bytes we no longer have. */
	int have_copy = access(copy, R_OK) == 0;
	char line[512];

	if (etag && have_copy) {
		snprintf(line, sizeof(line), "If-None-Match: %s", etag);
		h = curl_slist_append(h, line);
	}
	if (since && have_copy) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", since);
		h = curl_slist_append(h, line);
	}
	json_decref(meta);
	return h;
}

/* Returns 0, or -1 when an option could not be set (easy_setopt logs
 * which): a request without its limits must not go out. */
static int set_options(CURL *curl, const struct conf *c, struct sink *out, struct curl_slist *h,
		       char *err)
{
	/* An upstream that hangs must not hold up the next poll. */
	long timeout = c->programme_poll < 120 ? (long)c->programme_poll / 2 : 60;

	if (easy_setopt(curl, CURLOPT_URL, c->programme_url) ||
	    easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") ||
	    easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L) ||
	    easy_setopt(curl, CURLOPT_MAXREDIRS, 5L) ||
	    easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L) ||
	    easy_setopt(curl, CURLOPT_TIMEOUT, timeout) ||
	    easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->programme_max_size) ||
	    easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "") ||
	    easy_setopt(curl, CURLOPT_USERAGENT, "agendad/" PACKAGE_VERSION) ||
	    easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) ||
	    easy_setopt(curl, CURLOPT_HTTPHEADER, h) ||
	    easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write) ||
	    easy_setopt(curl, CURLOPT_WRITEDATA, out) ||
	    easy_setopt(curl, CURLOPT_ERRORBUFFER, err))
		return -1;
	return 0;
}

/* One GET into new_path; its validators go beside it. */
static enum fetch_result get(struct conf *c, const char *copy, const char *new_path)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *h = conditions(copy, c->programme_url);
	char err[CURL_ERROR_SIZE] = "";
	FILE *out = fopen(new_path, "wb");
	struct sink sink = { out, 0, c->programme_max_size, 0 };
	enum fetch_result r = FETCH_FAILED;
	long status = 0;
	CURLcode rc;

	if (!curl || !out) {
		log_err("programme_url: cannot write %s: %s", new_path, strerror(errno));
		goto done;
	}
	if (set_options(curl, c, &sink, h, err) < 0) {
		log_err("programme_url: cannot set up the request for %s; keeping the last good "
			"programme", c->programme_url);
		goto done;
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (fclose(out) != 0 && rc == CURLE_OK)
		rc = CURLE_WRITE_ERROR;
	out = NULL;
	if (sink.over || rc == CURLE_FILESIZE_EXCEEDED)
		log_err("programme_url: %s: larger than %zu bytes (%zu MiB, programme_max_mb): "
			"transfer stopped; keeping the last good programme",
			c->programme_url, c->programme_max_size, c->programme_max_size >> 20);
	else if (rc != CURLE_OK)
		log_err("programme_url: cannot fetch %s: %s", c->programme_url,
			*err ? err : curl_easy_strerror(rc));
	else if (status == 304)
		r = FETCH_UNCHANGED;
	else if (status == 200) {
		write_meta(new_path, curl, c->programme_url);
		r = FETCH_NEW;
	} else
		log_err("programme_url: %s answered HTTP %ld; keeping the last good programme",
			c->programme_url, status);
done:
	if (out)
		fclose(out);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return r;
}

enum fetch_result fetch_programme(struct conf *c, char **new_path)
{
	const char *copy = fetch_copy_path(c);
	enum fetch_result r;
	int rc = state_mkdirs(c->state_dir);

	if (rc < 0)
		log_err("programme_url: cannot create %s: %s", c->state_dir, strerror(-rc));
	*new_path = xasprintf("%s.new", copy);
	r = get(c, copy, *new_path);
	metrics_fetch(r == FETCH_NEW ? "new" : r == FETCH_UNCHANGED ? "unchanged" : "failed");
	if (r != FETCH_NEW) {
		unlink(*new_path);
		free(*new_path);
		*new_path = NULL;
	}
	return r;
}

static void move_meta(const char *from_data, const char *to_data)
{
	char *from = meta_path(from_data), *to = meta_path(to_data);

	if (rename(from, to) < 0)
		log_warn("programme_url: cannot keep the validators: %s", strerror(errno));
	free(from);
	free(to);
}

int fetch_commit(struct conf *c, const char *new_path)
{
	const char *copy = fetch_copy_path(c);

	if (rename(new_path, copy) < 0) {
		log_err("programme_url: cannot save %s: %s", copy, strerror(errno));
		return -errno;
	}
	move_meta(new_path, copy);
	return 0;
}

void fetch_reject(struct conf *c, const char *new_path)
{
	metrics_fetch("rejected");
	unlink(new_path);
	move_meta(new_path, fetch_copy_path(c));
}
