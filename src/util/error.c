#include "error.h"
#include "strbuf.h"

#include <stdarg.h>

static int error_vset(struct sc_error **err, int code, bool with_strerror, const char *fmt,
                      va_list ap) _printf_(4, 0);
static int error_vset(struct sc_error **err, int code, bool with_strerror, const char *fmt,
                      va_list ap)
{
	int ret = code > 0 ? -code : -1;
	if (!err || *err)
		return ret;
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	if (with_strerror && code > 0)
		strbuf_addf(&sb, ": %s", strerror(code));
	struct sc_error *e = xcalloc(1, sizeof(*e));
	e->code = code;
	e->msg = strbuf_steal(&sb);
	*err = e;
	return ret;
}

int sc_error_set(struct sc_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, true, fmt, ap);
	va_end(ap);
	return r;
}

int sc_error_setx(struct sc_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int sc_error_prefix(struct sc_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addf(&sb, ": %s", (*err)->msg);
	free((*err)->msg);
	(*err)->msg = strbuf_steal(&sb);
	return -1;
}

void sc_error_free(struct sc_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}
