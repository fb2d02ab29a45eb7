/* gb_run_ope: a run's off-policy evaluation results — for each target algorithm, the estimates
 * of its use rate from the logging arm's decisions (eval/gb_ope.h) next to the simulator's truth:
 * ope.csv in the results directory (docs/results.md, "ope.csv"), and a summary on a stream.
 *
 * ope.csv has one row per target and estimator (targets in the order given, estimators in
 * gb_ope_estimator order: replay, ips, snips, dm, dr):
 *   target_arm,algorithm,estimator,estimate,ci_low,ci_high,truth,error,rows,matched_rows
 * Numbers are fractions (use rates in [0, 1]; IPS may exceed 1), written by gb_csv (6 decimals);
 * an undefined value (replay without a matched row, a truth the rows lack) is an empty cell.
 * The file is written atomically (gb_afile.h): a failure leaves no ope.csv nor temporary file. */
#ifndef GB_RUN_OPE_H
#define GB_RUN_OPE_H

#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_ope.h"

#define GB_RUN_OPE_FILE "ope.csv"

/* One target algorithm and the logging arm's decisions as its rows (eval/gb_ope.h: the logged
 * fields of every target's rows are the logging arm's; the target fields are this target's
 * choices). Everything is borrowed for the call. */
typedef struct gb_run_ope_target {
  const char *arm;       /* the target arm's name in the workload */
  const char *algorithm; /* its algorithm's name */
  const gb_ope_row *rows;
  size_t n_rows;
} gb_run_ope_target;

/* Evaluates every target (gb_ope_evaluate with opt, a reward model fit on its rows) into
 * results[0..n) (caller-owned). 0, or -1 with gb_ope_evaluate's error prefixed with the target
 * ("ope: target 'greedy': ope: row 3: propensity 0 is outside (0, 1]"). */
int gb_run_ope_evaluate(const gb_run_ope_target *targets, size_t n, const gb_ope_opts *opt,
                        gb_ope_result *results, gb_err *err);

/* Writes dir/ope.csv from targets[0..n) and their results[0..n) (n = 0: the header alone).
 * 0, or -1 with GB_ERR_RUNTIME naming the file when it cannot be written. */
int gb_run_ope_write_results(const char *dir, const gb_run_ope_target *targets,
                             const gb_ope_result *results, size_t n, gb_err *err);

/* gb_run_ope_evaluate, then gb_run_ope_write_results: ope.csv from the rows. On an error,
 * nothing is written. */
int gb_run_ope_write(const char *dir, const gb_run_ope_target *targets, size_t n,
                     const gb_ope_opts *opt, gb_err *err);

/* Prints one line per target to out: its doubly robust estimate with its interval, the truth,
 * the error, and whether the interval holds the truth, e.g.
 *   ope: greedy (egreedy): dr 0.4123 [0.4011, 0.4240] truth 0.4150 error -0.0027 (in the interval)
 * ("truth unknown" when the rows had none). */
void gb_run_ope_print(FILE *out, const gb_run_ope_target *targets, const gb_ope_result *results,
                      size_t n);

#endif
