/* SHA-256, for content hashes of images (and checksums of downloads). */
#pragma once

#include "util.h"
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t buflen;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Feeds a string with its length first, so that ("ab","c") and ("a","bc")
 * hash differently. */
void sha256_update_field(struct sha256 *s, const char *str);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Lowercase hex of the digest: 64 characters and a NUL. */
void sha256_hex(struct sha256 *s, char out[65]);
