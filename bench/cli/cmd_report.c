/* gamebench report DIR… [--out DIR] [--no-plots]: regenerates the plots and reports of a results
 * directory from its files alone, or writes the comparative report of several into --out
 * (reports/gb_report.h). */
#include <stdbool.h>
#include <stdio.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_path.h"
#include "gb_report.h"
#include "gb_results.h"
#include "gb_run_merge_dirs.h"

int gb_cmd_report(int argc, char **argv) {
  bool no_plots = false, merge = false;
  const char *out = NULL;
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
       .target = &out,
       .metavar = "DIR",
       .help = "with several DIRs (required then): where the comparative report goes (created); "
               "with --merge: the merged results directory (must not exist)"},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "report",
      .usage = "DIR [--no-plots] | DIR DIR... --out DIR [--no-plots] | --merge DIR... --out DIR",
      .summary = "Regenerate the plots (DIR/plots/*.png, *.svg) and the reports (DIR/report.md, "
                 "DIR/report.html)\nof a results directory from its files alone; with several "
                 "directories, write their\ncomparative report into --out DIR instead.",
      .details =
          "Prints the paths of report.md and report.html, one per line. report.html is "
          "self-contained\n(plots inline). A plot that cannot be drawn (gnuplot missing or "
          "failing) is a warning on\nstderr and a note in the report, not an error.\n\n"
          "Comparative report (2 to 16 DIRs; runs of different workloads, builds, algorithms or "
          "seeds):\nverdicts of every run first, a legend (each run's short label: the workload "
          "name, git\ndescribe, seed or arms that tell the runs apart, else the directory's "
          "name), the headline\ntable with a column per run, latency spectra overlaid (e2e, "
          "decision), throughput and p99\nover time, use rate and CTR per arm and run with 95 % "
          "intervals, use rate over sim time.\nA `run --repeat N` directory counts as one run: "
          "its summary.csv of medians, and the spectra\nand timeline of its repeat closest to "
          "the median e2e p99.\n\n"
          "--merge DIR... --out DIR adds up the results directories of one run's parts (the "
          "instances of\n`gamebench sim --instance K/N`) from their state.gbr files: counts and "
          "histograms add, rates\nand verdicts are recomputed, and OUT is written as a run writes "
          "its directory. It refuses\n(exit 2, naming the directory) parts of another workload, "
          "seed or run id, and an instance\ngiven twice or missing.\n\n"
          "Exit status: 0 done, 1 a file could not be written, 2 a DIR or one of its files is "
          "missing\nor malformed (the message names the file and line), or --out missing with "
          "several DIRs.\nFiles and columns: docs/results.md.",
      .min_positional = 1,
      .max_positional = GB_REPORT_RUNS_MAX,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  size_t n = res.n_positional;
  for (size_t i = 0; i < n; i++)
    if (gb_results_check_finished(res.positional[i], &err) != 0)
      return gb_opts_fail(&err);
  /* the comparative report's --out before the work (--merge checks its own: gb_run.h) */
  if (out && n > 1 && !merge && gb_path_ready_dir(out, "--out", &err) != 0)
    return gb_opts_fail(&err);
  if (merge) {
    if (!out) {
      gb_err_set(&err, GB_ERR_INPUT, "--merge needs --out DIR (the merged results directory)");
      return gb_opts_fail(&err);
    }
    if (gb_run_merge_dirs(res.positional, n, out, false, no_plots, &err) != 0)
      return gb_opts_fail(&err);
    printf("%s/report.md\n%s/report.html\n", out, out);
    return 0;
  }
  if (n > 1 && !out)
    gb_err_set(&err, GB_ERR_INPUT,
               "--out: required with several directories (%zu given): where "
               "the comparative report goes",
               n);
  else if (n == 1 && out)
    gb_err_set(&err, GB_ERR_INPUT,
               "--out: only with several directories (one run's report goes "
               "into its own directory)");
  if (err.msg[0])
    return gb_opts_fail(&err);
  const char *dir = n > 1 ? out : res.positional[0];
  int rc = n > 1 ? gb_report_generate_multi(res.positional, n, out, !no_plots, &err)
                 : gb_report_generate(dir, !no_plots, &err);
  if (rc != 0)
    return gb_opts_fail(&err);
  printf("%s/report.md\n%s/report.html\n", dir, dir);
  return 0;
}
