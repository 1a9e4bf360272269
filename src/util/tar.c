#include "tar.h"
#include "util.h"

#include <string.h>

#define BLOCK 512

/* width - 1 octal digits and a NUL, as ustar writes them (a value too
 * large for the field keeps its low digits: only sizes could be, and tar
 * entries here are small). */
static void octal(char *field, size_t width, unsigned long long v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

char *tar_build(const struct tar_entry *entries, size_t n, size_t *len)
{
	size_t total = 2 * BLOCK; /* the end: two zero blocks */
	for (size_t i = 0; i < n; i++) {
		if (strlen(entries[i].name) >= 100 || !*entries[i].name)
			return NULL;
		total += BLOCK + (entries[i].len + BLOCK - 1) / BLOCK * BLOCK;
	}
	char *buf = xcalloc(1, total);
	char *p = buf;
	for (size_t i = 0; i < n; i++) {
		const struct tar_entry *e = &entries[i];
		char *h = p;
		memcpy(h, e->name, strlen(e->name));
		octal(h + 100, 8, e->mode & 07777);
		octal(h + 108, 8, e->uid);
		octal(h + 116, 8, e->gid);
		octal(h + 124, 12, e->len);
		octal(h + 136, 12, 0);
		h[156] = '0';
		memcpy(h + 257, "ustar", 6);
		memcpy(h + 263, "00", 2);
		memset(h + 148, ' ', 8);
		unsigned sum = 0;
		for (size_t k = 0; k < BLOCK; k++)
			sum += (unsigned char)h[k];
		octal(h + 148, 7, sum);
		h[155] = ' ';
		p += BLOCK;
		if (e->len)
			memcpy(p, e->data, e->len);
		p += (e->len + BLOCK - 1) / BLOCK * BLOCK;
	}
	*len = total;
	return buf;
}
