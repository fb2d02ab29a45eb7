#include <librdkafka/rdkafka.h>
#include <stdio.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_version.h"

static const gb_cmd_spec spec = {
    .name = "version",
    .usage = "",
    .summary = "Print gamebench's version and the versions of the libraries it runs with.",
    .opts = (const gb_opt[]){{0}},
};

int gb_cmd_version(int argc, char **argv) {
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  printf("gamebench %s (%s)\n", GB_VERSION, GB_GIT_DESCRIBE);
  printf("librdkafka %s\n", rd_kafka_version_str());
  printf("jemalloc %s\n", gb_version_jemalloc());
  printf("compiler %s\n", GB_COMPILER);
  return 0;
}
