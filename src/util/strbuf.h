/* A growable, always NUL-terminated byte buffer. */
#pragma once

#include "util.h"
#include <stdarg.h>

struct strbuf {
	char *buf; /* NULL until something is added; use strbuf_str() to read */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) _printf_(2, 0);
/* Appends the UTF-8 encoding of a Unicode scalar value. */
void strbuf_add_utf8(struct strbuf *sb, unsigned long cp);
/* Appends `s` so that a terminal shows every character of it as itself: a
 * value from a file of the project can neither move the cursor, color or
 * hide text, nor reorder what follows. Control characters become escapes
 * (`\n`, `\r`, `\t`, `\x1b`, `\xNN`), C1 controls, Unicode bidirectional
 * overrides, isolates and marks and the line separators `<U+XXXX>`, bytes
 * that are not UTF-8 `\xNN`; everything else is copied. */
void strbuf_add_escaped(struct strbuf *sb, const char *s);
/* The same into a new string. */
char *str_escaped(const char *s);
void strbuf_truncate(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb)
{
	strbuf_truncate(sb, 0);
}
/* Never NULL: "" for an empty buffer. */
const char *strbuf_str(const struct strbuf *sb);
/* Returns the buffer (never NULL) and leaves sb empty. */
char *strbuf_steal(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
static inline void cleanup_strbufp(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(cleanup_strbufp)
