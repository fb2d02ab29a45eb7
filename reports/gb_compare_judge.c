/* gb_compare_judge: the statistics of one row (gb_compare.h says which rule applies to which
 * kind), and the step over all rows that Holm's method needs. */
#include "gb_compare_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_bootstrap.h"
#include "gb_holm.h"
#include "gb_mannwhitney.h"

/* The two sides' values without the NaN ones (scratch: n_base + n_new doubles). */
typedef struct sides {
  double *base, *new_values;
  size_t n_base, n_new;
} sides;

static size_t keep_values(const double *v, size_t n, double *out) {
  size_t k = 0;
  for (size_t i = 0; v && i < n; i++)
    if (!isnan(v[i]))
      out[k++] = v[i];
  return k;
}

/* The relative change new / base - 1, by |base| so that its sign is the change's; infinite for a
 * change from 0. */
static double relative_change(double base, double new_value) {
  if (base == new_value)
    return 0;
  if (base == 0)
    return new_value > 0 ? INFINITY : -INFINITY;
  return (new_value - base) / fabs(base);
}

/* The change signed so that worse is positive; direction none: its size. */
static double worse_of(gb_metric_direction d, double change) {
  return d == GB_METRIC_HIGHER_BETTER  ? -change
         : d == GB_METRIC_LOWER_BETTER ? change
                                       : fabs(change);
}

/* Combines v[0..n) as the row's kind says (reordering v, a scratch copy). */
static double combine(const gb_compare_row *row, double *v, size_t n) {
  if (n == 0)
    return NAN;
  gb_metric_def def = {.name = row->metric, .kind = row->kind, .direction = row->direction};
  return gb_metric_combine(&def, v, n);
}

static void set_verdict(gb_compare_row *row, gb_compare_verdict v, bool fails) {
  row->verdict = v;
  row->failed = fails && row->gated;
}

static void judge_verdict(gb_compare_row *row) {
  bool passes =
      row->direction == GB_METRIC_HIGHER_BETTER ? row->new_value >= 1 : row->new_value <= 0;
  char v[GB_COMPARE_TEXT_MAX], b[GB_COMPARE_TEXT_MAX];
  gb_compare_text_value(row->new_value, v, sizeof v);
  gb_compare_text_value(row->base, b, sizeof b);
  if (passes) {
    set_verdict(row, GB_COMPARE_OK, false);
    return;
  }
  set_verdict(row, GB_COMPARE_REGRESSION, true);
  snprintf(row->reason, sizeof row->reason,
           "the new run fails the verdict: %s (passes at %s; baseline %s)", v,
           row->direction == GB_METRIC_HIGHER_BETTER ? ">= 1" : "<= 0", b);
}

/* "0.1234 -> 0.11 (-10.9 %; tolerance 0 %)" */
static void change_reason(gb_compare_row *row, const char *what) {
  char b[GB_COMPARE_TEXT_MAX], v[GB_COMPARE_TEXT_MAX], ch[GB_COMPARE_TEXT_MAX],
      tol[GB_COMPARE_TEXT_MAX];
  gb_compare_text_value(row->base, b, sizeof b);
  gb_compare_text_value(row->new_value, v, sizeof v);
  gb_compare_text_change(row->change, ch, sizeof ch);
  gb_compare_text_change(row->tolerance, tol, sizeof tol);
  snprintf(row->reason, sizeof row->reason, "%s%s -> %s (%s; tolerance %s)", what, b, v, ch,
           tol[0] == '+' ? tol + 1 : tol);
}

/* Warns when a deterministic metric's repeats differ on one side. */
static int check_repeats_equal(gb_compare *c, const gb_compare_row *row, const double *v, size_t n,
                               const char *side, gb_err *err) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    lo = fmin(lo, v[i]);
    hi = fmax(hi, v[i]);
  }
  if (n < 2 || lo == hi)
    return 0;
  char a[GB_COMPARE_TEXT_MAX], b[GB_COMPARE_TEXT_MAX];
  gb_compare_text_value(lo, a, sizeof a);
  gb_compare_text_value(hi, b, sizeof b);
  return gb_compare_warn(c, err,
                         "%s: the %s's repeats differ (%s to %s): a deterministic metric should "
                         "not vary between repeats of one seed; judged on the median",
                         row->label, side, a, b);
}

static void judge_exact(gb_compare_row *row) {
  double worse = worse_of(row->direction, row->change);
  if (worse > row->tolerance) {
    bool none = row->direction == GB_METRIC_NONE;
    set_verdict(row, none ? GB_COMPARE_CHANGED : GB_COMPARE_REGRESSION, true);
    change_reason(row, none ? "changed: " : "");
  } else if (row->direction != GB_METRIC_NONE && -worse > row->tolerance) {
    set_verdict(row, GB_COMPARE_IMPROVED, false);
  } else {
    set_verdict(row, GB_COMPARE_OK, false);
  }
}

/* The timing statistics of one row: the one-sided p-values and the interval. The verdict waits
 * for Holm (gb_compare_finish). */
static int judge_timing(gb_compare *c, gb_compare_row *row, size_t index, const sides *sd,
                        const gb_compare_opts *opt, gb_err *err) {
  if (sd->n_base < opt->min_repeats || sd->n_new < opt->min_repeats) {
    set_verdict(row, row->gated ? GB_COMPARE_NOT_JUDGED : GB_COMPARE_INFO, false);
    snprintf(row->reason, sizeof row->reason,
             "needs at least %zu repeats a side for a timing verdict (has %zu and %zu)",
             opt->min_repeats, sd->n_base, sd->n_new);
    return 0;
  }
  gb_mannwhitney_result mw;
  if (gb_mannwhitney_test(sd->new_values, sd->n_new, sd->base, sd->n_base, &mw, err) != 0)
    return -1;
  bool lower = row->direction == GB_METRIC_LOWER_BETTER;
  if (row->direction == GB_METRIC_NONE) {
    row->p = mw.p;
    c->p_better[index] = NAN;
  } else {
    row->p = lower ? mw.p_greater : mw.p_less;
    c->p_better[index] = lower ? mw.p_less : mw.p_greater;
  }
  gb_bootstrap_opts bo = {
      .resamples = opt->bootstrap, .confidence = opt->confidence, .seed = opt->seed};
  gb_bootstrap_result br;
  gb_err ignored = {0}; /* no interval (a zero median in a resample): the row keeps NaN */
  if (row->base > 0 && gb_bootstrap_interval2(sd->base, sd->n_base, sd->new_values, sd->n_new,
                                              gb_bootstrap_median_ratio, &bo, &br, &ignored) == 0) {
    row->ci_low = br.lo - 1;
    row->ci_high = br.hi - 1;
  }
  /* provisional: gated rows get their verdict after Holm */
  set_verdict(row, row->gated ? GB_COMPARE_OK : GB_COMPARE_INFO, false);
  return 0;
}

static int judge_present(gb_compare *c, gb_compare_row *row, size_t index, const sides *sd,
                         const gb_compare_opts *opt, gb_err *err) {
  switch (row->kind) {
  case GB_METRIC_VERDICT:
    judge_verdict(row);
    return 0;
  case GB_METRIC_DETERMINISTIC:
    if (check_repeats_equal(c, row, sd->base, sd->n_base, "baseline", err) != 0 ||
        check_repeats_equal(c, row, sd->new_values, sd->n_new, "new run", err) != 0)
      return -1;
    judge_exact(row);
    return 0;
  case GB_METRIC_COUNT:
    if (!row->gated) {
      set_verdict(row, GB_COMPARE_INFO, false);
      return 0;
    }
    return judge_timing(c, row, index, sd, opt, err);
  case GB_METRIC_TIMING:
    return judge_timing(c, row, index, sd, opt, err);
  }
  return 0;
}

static void judge_absent(gb_compare_row *row, bool allow_missing) {
  char b[GB_COMPARE_TEXT_MAX];
  gb_compare_text_value(row->base, b, sizeof b);
  if (row->n_new == 0 && row->n_base == 0) {
    /* An empty cell on both sides (the CTR of an arm that showed nothing, the oracle row's
     * rates): undefined in both runs alike, nothing changed. */
    set_verdict(row, GB_COMPARE_OK, false);
    snprintf(row->reason, sizeof row->reason, "neither run has a value");
  } else if (row->n_new == 0) {
    set_verdict(row, GB_COMPARE_MISSING, !allow_missing);
    snprintf(row->reason, sizeof row->reason, "no value in the new run (baseline %s)", b);
  } else {
    set_verdict(row, GB_COMPARE_NEW, false);
  }
}

int gb_compare_judge(gb_compare *c, gb_compare_row *row, size_t index, const gb_compare_input *in,
                     bool allow_missing, const gb_compare_opts *opt, gb_err *err) {
  double *scratch = malloc((in->n_base + in->n_new + 1) * sizeof *scratch);
  if (!scratch)
    return gb_err_set(err, GB_ERR_RUNTIME, "compare: out of memory for %s", row->label);
  sides sd = {scratch, scratch + in->n_base, 0, 0};
  sd.n_base = keep_values(in->base, in->n_base, sd.base);
  sd.n_new = keep_values(in->new_values, in->n_new, sd.new_values);
  row->n_base = sd.n_base;
  row->n_new = sd.n_new;
  row->base = combine(row, sd.base, sd.n_base);
  row->new_value = combine(row, sd.new_values, sd.n_new);
  row->change = sd.n_base && sd.n_new ? relative_change(row->base, row->new_value) : NAN;
  row->ci_low = row->ci_high = row->p = row->p_holm = NAN;
  c->p_better[index] = NAN;
  int rc = 0;
  if (sd.n_new > 0 && (sd.n_base > 0 || row->kind == GB_METRIC_VERDICT))
    rc = judge_present(c, row, index, &sd, opt, err); /* a verdict needs no baseline */
  else
    judge_absent(row, allow_missing);
  if (!row->gated && row->verdict != GB_COMPARE_MISSING && row->verdict != GB_COMPARE_NEW)
    row->verdict = GB_COMPARE_INFO;
  free(scratch);
  return rc;
}

/* ---- After every row: Holm over the gated timing rows ---- */

/* Whether row i is in Holm's family: gated, judged as timing, its p known. */
static bool in_family(const gb_compare_row *row) {
  return row->gated && row->verdict == GB_COMPARE_OK && !isnan(row->p) &&
         (row->kind == GB_METRIC_TIMING || row->kind == GB_METRIC_COUNT);
}

/* Holm-adjusts the family's p (worse: the rows' p into p_holm; better: c->p_better in place). */
static int adjust(gb_compare *c, gb_err *err) {
  double *worse = malloc((c->n_rows + 1) * sizeof *worse);
  if (!worse)
    return gb_err_set(err, GB_ERR_RUNTIME, "compare: out of memory");
  for (size_t i = 0; i < c->n_rows; i++) {
    bool member = in_family(&c->rows[i]);
    worse[i] = member ? c->rows[i].p : NAN;
    if (!member)
      c->p_better[i] = NAN;
  }
  int rc = gb_holm_adjust(worse, c->n_rows, worse, err);
  if (rc == 0)
    rc = gb_holm_adjust(c->p_better, c->n_rows, c->p_better, err);
  for (size_t i = 0; rc == 0 && i < c->n_rows; i++)
    c->rows[i].p_holm = worse[i];
  free(worse);
  return rc;
}

static void timing_reason(gb_compare_row *row, double alpha, const char *what) {
  char ch[GB_COMPARE_TEXT_MAX], iv[GB_COMPARE_TEXT_MAX], tol[GB_COMPARE_TEXT_MAX],
      p[GB_COMPARE_TEXT_MAX], ph[GB_COMPARE_TEXT_MAX];
  gb_compare_text_change(row->change, ch, sizeof ch);
  gb_compare_text_interval(row->ci_low, row->ci_high, iv, sizeof iv);
  gb_compare_text_change(row->tolerance, tol, sizeof tol);
  gb_compare_text_p(row->p, p, sizeof p);
  gb_compare_text_p(row->p_holm, ph, sizeof ph);
  snprintf(row->reason, sizeof row->reason,
           "%smedian %s, interval %s, tolerance %s; p %s, Holm %s %s alpha %g", what, ch, iv,
           tol[0] == '+' ? tol + 1 : tol, p, ph, row->p_holm <= alpha ? "<=" : ">", alpha);
}

static void timing_verdict(gb_compare_row *row, double p_better_holm, double alpha) {
  double worse = worse_of(row->direction, row->change);
  bool none = row->direction == GB_METRIC_NONE;
  if (worse > row->tolerance && row->p_holm <= alpha) {
    set_verdict(row, none ? GB_COMPARE_CHANGED : GB_COMPARE_REGRESSION, true);
    timing_reason(row, alpha, none ? "changed: " : "");
  } else if (worse > row->tolerance) {
    set_verdict(row, GB_COMPARE_NOISE, false);
    timing_reason(row, alpha, "worse than the tolerance but inside the noise: ");
  } else if (!none && -worse > row->tolerance && p_better_holm <= alpha) {
    set_verdict(row, GB_COMPARE_IMPROVED, false);
  }
}

/* C(n, k) in floating point (exact for the small counts of repeats). */
static double binomial(size_t n, size_t k) {
  double b = 1;
  for (size_t i = 1; i <= k; i++)
    b = b * (double)(n - k + i) / (double)i;
  return b;
}

/* With b and n repeats and m timing tests, the smallest Holm-adjusted p is m / C(b + n, b) (all
 * of one side above all of the other, no ties). When that exceeds alpha nothing can fail. */
static int warn_repeats(gb_compare *c, size_t m, gb_err *err) {
  size_t b = c->base_repeats, n = c->new_repeats;
  double best = (double)m / binomial(b + n, b);
  if (m == 0 || best <= c->alpha)
    return 0;
  size_t k = 2;
  while ((double)m / binomial(2 * k, k) > c->alpha)
    k++;
  return gb_compare_warn(c, err,
                         "with %zu and %zu repeats, Holm over %zu timing metrics cannot reach "
                         "alpha %g (the best possible p is %.3g): no timing regression can be "
                         "detected; use at least %zu repeats a side (run --repeat %zu)",
                         b, n, m, c->alpha, best, k, k);
}

int gb_compare_finish(gb_compare *c, const gb_compare_opts *opt, gb_err *err) {
  size_t m = 0, not_judged = 0;
  for (size_t i = 0; i < c->n_rows; i++) {
    m += in_family(&c->rows[i]);
    not_judged += c->rows[i].verdict == GB_COMPARE_NOT_JUDGED;
  }
  if (adjust(c, err) != 0)
    return -1;
  for (size_t i = 0; i < c->n_rows; i++)
    if (in_family(&c->rows[i]))
      timing_verdict(&c->rows[i], c->p_better[i], c->alpha);
  c->failures = 0;
  for (size_t i = 0; i < c->n_rows; i++)
    c->failures += c->rows[i].failed;
  if (not_judged > 0 &&
      gb_compare_warn(c, err,
                      "%zu timing metric%s not judged: a timing verdict needs at least %zu "
                      "repeats a side (gamebench run --repeat N); the baseline has %zu, the new "
                      "run %zu",
                      not_judged, not_judged == 1 ? "" : "s", opt->min_repeats, c->base_repeats,
                      c->new_repeats) != 0)
    return -1;
  return warn_repeats(c, m, err);
}
