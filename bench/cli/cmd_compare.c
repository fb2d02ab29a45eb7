/* gamebench compare BASELINE NEW: the regression gate (reports/gb_compare.h judges; the gate
 * file is bench/config/gb_gate.h; docs/compare.md is the reference). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_cli.h"
#include "gb_compare.h"
#include "gb_gate.h"
#include "gb_opts.h"
#include "gb_path.h"
#include "gb_results.h"
#include "gb_runset.h"

static const char details[] =
    "BASELINE and NEW are results directories, each a plain run or a `run --repeat N` directory\n"
    "(repeat-1/ ... repeat-N/). Judged: the metric registry's default-gated metrics and the\n"
    "rules of the gate file (docs/compare.md: every key, the statistics, examples).\n\n"
    "Statistics, by the registry's kind of each metric:\n"
    "  timing         medians of each side's repeats; change = new/base - 1 with a seeded\n"
    "                 percentile-bootstrap interval; a one-sided Mann-Whitney U p-value in the\n"
    "                 worse direction, Holm-corrected over the timing metrics. A regression needs\n"
    "                 both: significant AND worse than the tolerance; worse but not significant\n"
    "                 is 'inside noise' and passes. Needs >= 3 repeats a side (else 'not "
    "judged').\n"
    "  deterministic  medians compared exactly, up to the tolerance (relative, worse direction;\n"
    "                 direction none: any change beyond it fails as 'changed').\n"
    "  verdict        the new run must pass (rate_sustained 1, events_lost 0), whatever the\n"
    "                 baseline.\n"
    "  count          shown, not gated unless the gate file says so.\n"
    "A gated metric the baseline has and the new run lacks fails as 'missing' (unless the rule\n"
    "says allow_missing: true).\n\n"
    "Output: a table (metric, baseline, new, change, interval, p (Holm), verdict), the warnings,\n"
    "one line per regression naming the metric, then 'compare: PASS' or 'compare: FAIL (...)'.\n"
    "Files are written whole or not at all.\n\n"
    "Exit status: 0 pass, 1 at least one regression (each named), 2 bad usage or input (a\n"
    "missing or malformed results directory, a bad gate file: the message names the file, line\n"
    "and key) or an output file that could not be written.\n\n"
    "examples:\n"
    "  gamebench run workloads/ci.yaml --repeat 5 --out base\n"
    "  gamebench run workloads/ci.yaml --repeat 5 --out new\n"
    "  gamebench compare base new --gate ci/gate.yaml --junit compare.xml \\\n"
    "      --markdown \"$GITHUB_STEP_SUMMARY\"\n";

typedef int (*writer_fn)(const gb_compare *c, FILE *out, gb_err *err);

/* Writes c with fn to path atomically; "-" is stdout. */
static int write_to(const gb_compare *c, writer_fn fn, const char *path, gb_err *err) {
  if (strcmp(path, "-") == 0) {
    if (fn(c, stdout, err) != 0)
      return -1;
    return fflush(stdout) == 0 ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "stdout: write error");
  }
  gb_afile *f;
  if (gb_afile_open(path, &f, err) != 0)
    return -1;
  if (fn(c, gb_afile_stream(f), err) != 0) {
    gb_afile_discard(f);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: write error", path);
  }
  return gb_afile_commit(f, err);
}

typedef struct compare_args {
  const char *base, *new_dir, *gate, *junit, *markdown;
  bool all;
} compare_args;

/* Loads, judges and writes; *failures gets the regressions. 0, or -1 with an error. */
static int compare(const compare_args *a, size_t *failures, gb_err *err) {
  gb_gate *gate = NULL;
  gb_runset *set = NULL;
  gb_compare *c = NULL;
  int rc = -1;
  gb_compare_opts opts = {0};
  if (a->gate) {
    if (gb_gate_load(a->gate, &gate, err) != 0)
      goto out;
    opts = *gb_gate_opts(gate);
  }
  opts.all = a->all;
  const char *dirs[] = {a->base, a->new_dir};
  /* before the work: unfinished inputs, outputs that cannot be written */
  if (gb_results_check_finished(a->base, err) != 0 ||
      gb_results_check_finished(a->new_dir, err) != 0 ||
      (a->junit && gb_path_ready_file(a->junit, "--junit", err) != 0) ||
      (a->markdown && gb_path_ready_file(a->markdown, "--markdown", err) != 0))
    goto out;
  if (gb_runset_load(dirs, 2, &set, err) != 0 || gb_compare_new(set, 0, 1, &opts, &c, err) != 0)
    goto out;
  bool md_stdout = a->markdown && strcmp(a->markdown, "-") == 0;
  if ((!md_stdout && write_to(c, gb_compare_write_text, "-", err) != 0) ||
      (a->markdown && write_to(c, gb_compare_write_markdown, a->markdown, err) != 0) ||
      (a->junit && write_to(c, gb_compare_write_junit, a->junit, err) != 0))
    goto out;
  *failures = gb_compare_failures(c);
  rc = 0;
out:
  gb_compare_free(c);
  gb_runset_free(set);
  gb_gate_free(gate);
  return rc;
}

int gb_cmd_compare(int argc, char **argv) {
  compare_args a = {0};
  const gb_opt opts[] = {
      {"gate", 'g', GB_OPT_STRING, &a.gate, "FILE",
       "the gate file (YAML: alpha, defaults, bootstrap, confidence, seed, min_repeats, metrics "
       "with tolerance/direction/kind/gate/allow_missing); default: the registry's gated "
       "metrics with their tolerances",
       0, 0},
      {"junit", 0, GB_OPT_STRING, &a.junit, "FILE",
       "also write JUnit XML (one testcase per gated metric, a <failure> per regression) for "
       "GitLab and Jenkins; - for stdout",
       0, 0},
      {"markdown", 0, GB_OPT_STRING, &a.markdown, "FILE",
       "also write the table as Markdown (a pull-request comment, \"$GITHUB_STEP_SUMMARY\"); - "
       "prints it instead of the text table",
       0, 0},
      {"all", 'a', GB_OPT_FLAG, &a.all, NULL,
       "also show every other metric of either run (report only, never fails); default: the "
       "judged metrics only",
       0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "compare",
                            .usage = "BASELINE NEW [options]",
                            .summary = "Compare a new run against a baseline, metric by metric: "
                                       "the CI regression gate.",
                            .details = details,
                            .min_positional = 2,
                            .max_positional = 2,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  a.base = res.positional[0];
  a.new_dir = res.positional[1];
  gb_err err = {0};
  size_t failures = 0;
  if (compare(&a, &failures, &err) != 0) {
    gb_opts_fail(&err);
    return 2; /* 1 means "regression": every other failure is 2 */
  }
  return failures ? 1 : 0;
}
