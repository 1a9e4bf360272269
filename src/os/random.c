#include "random.h"

#include <sys/random.h>

int os_random(void *buf, size_t n)
{
	return getrandom(buf, n, GRND_NONBLOCK) == (ssize_t)n ? 0 : -1;
}
