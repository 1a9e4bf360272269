#include "strbuf.h"

#include <stdint.h>

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (extra >= SIZE_MAX - sb->len - 1)
		abort();
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap < SIZE_MAX / 2 ? cap * 2 : need;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/* The length of the UTF-8 sequence at s and its code point; 0 when it is
 * not one (truncated, overlong, a surrogate, beyond U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
	size_t n;
	unsigned long c, min;
	if (s[0] < 0xC0)
		return 0;
	if (s[0] < 0xE0)
		n = 2, c = s[0] & 0x1F, min = 0x80;
	else if (s[0] < 0xF0)
		n = 3, c = s[0] & 0x0F, min = 0x800;
	else if (s[0] < 0xF5)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static bool shown_as_code(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void strbuf_add_escaped(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		if (c == '\n' || c == '\r' || c == '\t') {
			strbuf_adds(sb, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
			p++;
		} else if (c < 0x20 || c == 0x7F) {
			strbuf_addf(sb, "\\x%02x", c);
			p++;
		} else if (c < 0x80) {
			strbuf_addc(sb, (char)c);
			p++;
		} else {
			unsigned long cp = 0;
			size_t n = utf8_decode(p, &cp);
			if (n == 0) {
				strbuf_addf(sb, "\\x%02x", c);
				p++;
			} else {
				if (shown_as_code(cp))
					strbuf_addf(sb, "<U+%04lX>", cp);
				else
					strbuf_add(sb, p, n);
				p += n;
			}
		}
	}
}

char *str_escaped(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_escaped(&sb, s);
	return strbuf_steal(&sb);
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len >= sb->len)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *strbuf_steal(struct strbuf *sb)
{
	char *s = sb->buf ? steal_pointer(&sb->buf) : xstrdup("");
	strbuf_release(sb);
	return s;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
