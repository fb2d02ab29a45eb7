/* gamebench report DIR [--no-plots]: regenerates the plots and reports of a results directory
 * from its files alone (reports/gb_report.h). */
#include <stdbool.h>
#include <stdio.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_report.h"
#include "gb_run_merge_dirs.h"

int gb_cmd_report(int argc, char **argv) {
  bool no_plots = false, merge = false;
  const char *merge_out = NULL;
  const gb_opt opts[] = {
      {.name = "no-plots",
       .kind = GB_OPT_FLAG,
       .target = &no_plots,
       .help = "keep plots/ as it is: do not run gnuplot (default: redraw every plot)"},
      {.name = "merge",
       .kind = GB_OPT_FLAG,
       .target = &merge,
       .help = "DIR... are the parts of one run (`gamebench sim --instance K/N`, every K once): "
               "add them up exactly into a new results directory (--out), then report on it"},
      {.name = "out",
       .kind = GB_OPT_STRING,
       .target = &merge_out,
       .metavar = "DIR",
       .help = "with --merge: the merged results directory (must not exist)"},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "report",
      .usage = "DIR [--no-plots] | --merge DIR... --out DIR",
      .summary = "Regenerate the plots (DIR/plots/*.png, *.svg) and the reports (DIR/report.md, "
                 "DIR/report.html)\nof a results directory from its files alone.",
      .details = "Prints the paths of report.md and report.html, one per line. A plot that cannot "
                 "be drawn\n(gnuplot missing or failing) is a warning on stderr and a note in the "
                 "report, not an error.\nExit status: 0 done, 1 a file could not be written, 2 DIR "
                 "or one of its files is missing\nor malformed (the message names the file and "
                 "line). Files and columns: docs/results.md.\n\n--merge DIR... --out DIR adds "
                 "up the results directories of one run's parts (the instances of\n`gamebench "
                 "sim --instance K/N`) from their state.gbr files: counts and histograms add, "
                 "rates\nand verdicts are recomputed, and OUT is written as a run writes its "
                 "directory. It refuses\n(exit 2, naming the directory) parts of another "
                 "workload, seed or run id, and an instance\ngiven twice or missing.",
      .min_positional = 1,
      .max_positional = 16,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (merge || merge_out || res.n_positional > 1) {
    if (!merge || !merge_out) {
      gb_err_set(&err, GB_ERR_INPUT, "gamebench report: %s",
                 merge ? "--merge needs --out DIR"
                       : "several directories or --out need --merge (see --help)");
      return gb_opts_fail(&err);
    }
    if (gb_run_merge_dirs(res.positional, res.n_positional, merge_out, false, no_plots, &err) != 0)
      return gb_opts_fail(&err);
    printf("%s/report.md\n%s/report.html\n", merge_out, merge_out);
    return 0;
  }
  const char *dir = res.positional[0];
  if (gb_report_generate(dir, !no_plots, &err) != 0)
    return gb_opts_fail(&err);
  printf("%s/report.md\n%s/report.html\n", dir, dir);
  return 0;
}
