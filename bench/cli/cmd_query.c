/* gamebench query RUN_DIR QUERY_FILE: answers a query document (docs/queries.md) from the stats
 * cube a run persisted (RUN_DIR/cube.gbc), the same answer `POST /query` gives live. */
#include <stdio.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_cli.h"
#include "gb_cube.h"
#include "gb_opts.h"
#include "gb_path.h"
#include "gb_query.h"
#include "gb_results.h"

static const char details[] =
    "QUERY_FILE is a YAML or JSON query document: a time window (from/to with UTC offsets, or\n"
    "last: 1h), filters, group_by (dimensions and time at a granularity), measures, order_by,\n"
    "limit and the output timezone (docs/queries.md). The answer is the same as POST /query to\n"
    "a run serving --http, at the end of that run.\n\n"
    "Exit status: 0 answered, 1 the output could not be written, 2 a bad query (the message\n"
    "names the file, line and key), or RUN_DIR has no readable cube.gbc.\n\n"
    "examples:\n"
    "  gamebench query results/default-20261207T101500Z workloads/queries/rewards_by_type.yaml\n"
    "  gamebench query RUN_DIR q.yaml --format csv --out rewards.csv\n";

/* Writes the result to path atomically ("-": stdout). */
static int write_result(const gb_query_result *r, gb_query_format format, const char *path,
                        gb_err *err) {
  if (strcmp(path, "-") == 0) {
    if (gb_query_result_write(r, format, stdout, err) != 0)
      return -1;
    return fflush(stdout) == 0 ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "stdout: write error");
  }
  gb_afile *f;
  if (gb_afile_open(path, &f, err) != 0)
    return -1;
  if (gb_query_result_write(r, format, gb_afile_stream(f), err) != 0) {
    gb_afile_discard(f);
    return -1;
  }
  return gb_afile_commit(f, err);
}

static int answer(const char *dir, const char *query_path, gb_query_format format, const char *out,
                  gb_err *err) {
  char cube_path[4096];
  if ((size_t)snprintf(cube_path, sizeof cube_path, "%s/cube.gbc", dir) >= sizeof cube_path)
    return gb_err_set(err, GB_ERR_INPUT, "%s: path too long", dir);
  gb_query *q = NULL;
  gb_cube *cube = NULL;
  gb_query_result *r = NULL;
  int rc = -1;
  if (gb_results_check_finished(dir, err) != 0 ||
      (out && gb_path_ready_file(out, "--out", err) != 0))
    return -1;
  if (gb_query_load(query_path, &q, err) == 0 && gb_cube_load(cube_path, &cube, err) == 0 &&
      gb_query_run(q, cube, &r, err) == 0)
    rc = write_result(r, format, out, err);
  gb_query_result_free(r);
  gb_cube_free(cube);
  gb_query_free(q);
  return rc;
}

int gb_cmd_query(int argc, char **argv) {
  const char *format_name = "table", *out = "-";
  const gb_opt opts[] = {
      {"format", 'f', GB_OPT_STRING, &format_name, "FORMAT",
       "table (aligned columns, the default), csv (RFC 4180, a header row) or json "
       "({\"columns\": [...], \"rows\": [[...], ...]}, as POST /query answers)",
       0, 0},
      {"out", 'o', GB_OPT_STRING, &out, "FILE",
       "write the answer to FILE (written whole or not at all); default - (stdout)", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "query",
                            .usage = "RUN_DIR QUERY_FILE [options]",
                            .summary = "Answer a stats query from the cube a run persisted "
                                       "(RUN_DIR/cube.gbc).",
                            .details = details,
                            .min_positional = 2,
                            .max_positional = 2,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  gb_query_format format;
  if (gb_query_format_parse(format_name, &format) != 0) {
    gb_err_set(&err, GB_ERR_INPUT, "--format: '%s' is not one of %s", format_name,
               gb_query_format_names());
    return gb_opts_fail(&err);
  }
  if (answer(res.positional[0], res.positional[1], format, out, &err) != 0)
    return gb_opts_fail(&err);
  return 0;
}
