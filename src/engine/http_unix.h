/* A minimal HTTP/1.1 client for the engine's Unix socket: one GET, answered
 * with Content-Length, chunked, or up to the end of the connection. No
 * libcurl, no TLS: a session start asks the engine a question or two, and
 * loading libcurl with its libraries would cost more than the answers. */
#pragma once

#include "../util/strbuf.h"

/* The most of a response's status line and headers, and of its body. */
#define SC_HTTP_MAX_HEADER (64 * 1024)
#define SC_HTTP_MAX_BODY   (4 * 1024 * 1024)

/* The time a call to the engine may take, in all. */
#define SC_HTTP_TIMEOUT_MS 5000

/* `s` percent-escaped for a path segment, newly allocated: every byte but
 * the unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, as
 * curl_easy_escape does. */
char *sc_http_escape(const char *s);

/* GET `target` (a path, already escaped: no byte below 0x21 nor 0x7f) over
 * the Unix socket at `socket_path`, `Host: docker`, `Connection: close`; the
 * whole exchange, connection included, within `timeout_ms`. Returns the HTTP
 * status (200-599; an interim 1xx is not expected); the body, when `body` is not NULL, is appended
 * to it. <0 (a negative errno) when there is no socket, the time ran out, the answer is not
 * HTTP/1.x as understood here, or it is larger than the bounds above: then `body` may hold part of
 * it. */
int sc_http_unix_get(const char *socket_path, const char *target, int timeout_ms,
                     struct strbuf *body);
