#include "sc-config.h"

#if SC_HAVE_CURL
#define SC_CURL_LAZY_IMPL
#include "curl_lazy.h"
#include "util.h"

#include <dlfcn.h>

static struct sc_curl_api api;
static int state; /* 0: not tried, 1: loaded, -1: not available */

#define LOAD(field, symbol)                                                                        \
	do {                                                                                       \
		*(void **)&api.field = dlsym(lib, symbol);                                         \
		if (!api.field)                                                                    \
			return NULL;                                                               \
	} while (0)

static const struct sc_curl_api *load(void)
{
	static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
	void *lib = NULL;
	for (size_t i = 0; i < N_ELEMENTS(names) && !lib; i++)
		lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return NULL;
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(easy_escape, "curl_easy_escape");
	LOAD(free, "curl_free");
	return &api;
}

const struct sc_curl_api *sc_curl(void)
{
	if (state == 0)
		state = load() ? 1 : -1;
	return state == 1 ? &api : NULL;
}
#endif
