/* The cost of loading the configuration in-process: sc_config_load (read,
 * parse, merge, check and decode all layers) repeated, and the time per load.
 *
 *   bench-config ROOT [ITERATIONS]     (the global layer from $SANDCAGE_HOME) */
#include "config/config.h"

#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench-config ROOT [ITERATIONS]\n");
		return 2;
	}
	long iterations = argc == 3 ? strtol(argv[2], NULL, 10) : 1000;
	if (iterations <= 0)
		iterations = 1000;
	double start = now_ms();
	for (long i = 0; i < iterations; i++) {
		_cleanup_config_ struct sc_config *cfg = NULL;
		_cleanup_error_ struct sc_error *err = NULL;
		if (sc_config_load(argv[1], NULL, &cfg, &err) < 0) {
			fprintf(stderr, "bench-config: %s\n", err->msg);
			return 1;
		}
	}
	double total = now_ms() - start;
	printf("sc_config_load: %ld loads in %.1f ms, %.3f ms per load\n", iterations, total,
	       total / (double)iterations);
	return 0;
}
