/* Random bytes from the kernel. Linux: getrandom. A port replaces random.c
 * (getentropy, arc4random_buf). */
#pragma once

#include <stddef.h>

/* Fills buf with n random bytes without blocking. Returns 0, or -1 when the
 * kernel could not give them all. */
int os_random(void *buf, size_t n);
