/* libcurl, loaded when first needed. Most runs of sandcage never speak HTTP,
 * and linking libcurl (with its TLS, LDAP and Kerberos libraries) costs every
 * start several milliseconds of dynamic loading. Include this instead of
 * <curl/curl.h>: the curl_* calls below then go through the loaded library.
 * Check sc_curl() before the first call; it is NULL when libcurl is not
 * installed. */
#pragma once

#include <curl/curl.h>

struct sc_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode code);
	char *(*easy_escape)(CURL *c, const char *s, int length);
	void (*free)(void *p);
};

/* Loads libcurl on the first call; NULL when it cannot be loaded. */
const struct sc_curl_api *sc_curl(void);

#ifndef SC_CURL_LAZY_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init   (sc_curl()->global_init)
#define curl_easy_init     (sc_curl()->easy_init)
#define curl_easy_setopt   (sc_curl()->easy_setopt)
#define curl_easy_perform  (sc_curl()->easy_perform)
#define curl_easy_getinfo  (sc_curl()->easy_getinfo)
#define curl_easy_cleanup  (sc_curl()->easy_cleanup)
#define curl_easy_strerror (sc_curl()->easy_strerror)
#define curl_easy_escape   (sc_curl()->easy_escape)
#define curl_free          (sc_curl()->free)
#endif
