/* sandcage-mountcheck (src/mountcheck/), carried in the binary: the build
 * makes the definitions (tools/embed-binary.py). */
#pragma once

#include <stddef.h>

extern const unsigned char sc_mountcheck_blob[];
extern const size_t sc_mountcheck_size;
extern const char sc_mountcheck_sha256[]; /* 64 hex digits */
