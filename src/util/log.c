#include "log.h"

#include <stdarg.h>

int sc_log_verbosity;

static void vlog(const char *prefix, const char *fmt, va_list ap) _printf_(2, 0);
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* One write per message, so that lines from several processes do not
	 * interleave mid-line. */
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "sandcage: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len =
	    (size_t)n +
	    ((size_t)m < sizeof(buf) - (size_t)n - 1 ? (size_t)m : sizeof(buf) - (size_t)n - 2);
	buf[len++] = '\n';
	fflush(stderr);
	ssize_t w = write(STDERR_FILENO, buf, len);
	(void)w;
}

void sc_log(enum sc_log_level level, const char *prefix, const char *fmt, ...)
{
	if (sc_log_verbosity < (int)level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(prefix, fmt, ap);
	va_end(ap);
}
