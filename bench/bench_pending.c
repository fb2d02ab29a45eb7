/* Benchmarks whose module has not landed yet: each says so and exits 2. A benchmark moves to its
 * own file when its module lands. */
#include <stdio.h>

#include "gb_benches.h"

static int pending(const char *name) {
  fprintf(stderr, "gamebench bench %s: not available yet\n", name);
  return 2;
}

int gb_bench_histogram(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return pending("histogram");
}
