/* gamebench report DIR [--no-plots]: regenerates the plots and reports of a results directory
 * from its files alone (reports/gb_report.h). */
#include <stdbool.h>
#include <stdio.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_report.h"

int gb_cmd_report(int argc, char **argv) {
  bool no_plots = false;
  const gb_opt opts[] = {
      {.name = "no-plots",
       .kind = GB_OPT_FLAG,
       .target = &no_plots,
       .help = "keep plots/ as it is: do not run gnuplot (default: redraw every plot)"},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "report",
      .usage = "DIR [--no-plots]",
      .summary = "Regenerate the plots (DIR/plots/*.png, *.svg) and the reports (DIR/report.md, "
                 "DIR/report.html)\nof a results directory from its files alone.",
      .details = "Prints the paths of report.md and report.html, one per line. A plot that cannot "
                 "be drawn\n(gnuplot missing or failing) is a warning on stderr and a note in the "
                 "report, not an error.\nExit status: 0 done, 1 a file could not be written, 2 DIR "
                 "or one of its files is missing\nor malformed (the message names the file and "
                 "line). Files and columns: docs/results.md.",
      .min_positional = 1,
      .max_positional = 1,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  const char *dir = res.positional[0];
  if (gb_report_generate(dir, !no_plots, &err) != 0)
    return gb_opts_fail(&err);
  printf("%s/report.md\n%s/report.html\n", dir, dir);
  return 0;
}
