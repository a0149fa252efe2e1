/* One way to set libcurl options: checked, as systemd's curl-util.h
 * does. curl_easy_setopt fails for real (an option this libcurl was
 * built without, such as a protocol list or a TLS backend's setting; a
 * string it could not copy), and a request set up without its timeout
 * or its TLS check must not go out. Use as
 *     if (easy_setopt(e, CURLOPT_URL, url) || easy_setopt(...)) fail;
 * the failing option is logged by name. */
#ifndef AGENDAD_CURL_UTIL_H
#define AGENDAD_CURL_UTIL_H

#include <curl/curl.h>

#include "log.h"

static inline int curl_setopt_checked(CURLcode rc, const char *name)
{
	if (rc == CURLE_OK)
		return 0;
	log_err("libcurl: cannot set %s: %s", name, curl_easy_strerror(rc));
	return -1;
}

#define easy_setopt(easy, opt, value) \
	curl_setopt_checked(curl_easy_setopt((easy), (opt), (value)), #opt)

#endif
