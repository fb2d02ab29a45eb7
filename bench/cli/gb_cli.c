#include "gb_cli.h"

#include <stdio.h>
#include <string.h>

#include "gb_err.h"
#include "gb_opts.h"

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"run", gb_cmd_run, "run a workload through the pipeline and write a results directory"},
    {"sim", gb_cmd_sim, "run the player simulator alone and write its event stream"},
    {"engine", gb_cmd_engine, "run the engine as a long-lived Kafka consumer service"},
    {"match", gb_cmd_match, "match a file of events against challenge definitions"},
    {"catalog", gb_cmd_catalog, "generate a seeded challenge catalogue (catalog generate)"},
    {"report", gb_cmd_report, "regenerate plots and reports from a results directory"},
    {"query", gb_cmd_query, "answer a stats query from a run's persisted cube"},
    {"compare", gb_cmd_compare, "compare results directories (the CI regression gate)"},
    {"features", gb_cmd_features, "write the training table of a run's decisions (CSV)"},
    {"eval", gb_cmd_eval, "evaluate the batch recommenders offline on an interaction log"},
    {"bench", gb_cmd_bench, "micro-benchmarks (json, histogram, matcher, sim, kafka, aggregator)"},
    {"version", gb_cmd_version, "print the version and the library versions"},
};

static void print_usage(FILE *out) {
  fprintf(out, "usage: gamebench COMMAND [options]\n\n"
               "A benchmark and simulation harness for game-platform event pipelines.\n\n"
               "commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'gamebench COMMAND --help' documents each command's options.\n"
               "Exit status: 0 success, 1 runtime failure, 2 bad input.\n");
}

int gb_cli_main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0)
    return gb_cmd_version(1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].name, name) == 0)
      return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "gamebench: unknown command '%s' (see 'gamebench --help')\n", name);
  return 2;
}
