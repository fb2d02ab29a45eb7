#include <stdio.h>
#include <string.h>

#include "gb_benches.h"
#include "gb_cli.h"

typedef struct benchmark {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} benchmark;

static const benchmark benchmarks[] = {
    {"json", gb_bench_json, "JSON parsers side by side on one game event (ns per parse)"},
    {"histogram", gb_bench_histogram, "latency histogram: ns per recorded sample"},
    {"matcher", gb_bench_matcher, "scan vs index matcher over 1k..1M definitions"},
    {"kafka", gb_bench_kafka, "bare produce->consume through the broker vs the pipeline"},
    {"sim", gb_bench_sim, "player simulator: events/s per core, in memory and as JSON lines"},
    {"aggregator", gb_bench_aggregator,
     "stats aggregator: ingest events/s per core, cube query "
     "latency, DuckDB as the reference"},
    {"recommender", gb_bench_recommender,
     "recommender: decision latency per algorithm (500 candidates), epoch merge and apply"},
    {"cost", gb_bench_cost,
     "instructions per event per stage under callgrind: the deterministic cost gate (WORKLOAD)"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: gamebench bench NAME [options]\n\nMicro-benchmarks; each prints a table "
               "and 'gamebench bench NAME --help' lists its options.\n\nbenchmarks:\n");
  for (size_t i = 0; i < sizeof benchmarks / sizeof benchmarks[0]; i++)
    fprintf(out, "  %-10s %s\n", benchmarks[i].name, benchmarks[i].summary);
}

int gb_cmd_bench(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof benchmarks / sizeof benchmarks[0]; i++)
    if (strcmp(benchmarks[i].name, argv[1]) == 0)
      return benchmarks[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "gamebench bench: unknown benchmark '%s' (see 'gamebench bench --help')\n",
          argv[1]);
  return 2;
}
