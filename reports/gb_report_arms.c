/* gb_report_arms: the report's recommendation sections (gb_report_int.h): the arms table with
 * each arm's lift over random, the headroom, the use rate over sim time and each arm's top
 * challenges. */
#include "gb_report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PERCENT = 100;

enum { TOP_CHALLENGES = 5 /* rows per arm in the top challenges table */ };

/* A relative lift as a signed percentage with one decimal: "+46.3 %", "–" when undefined. */
static void lift_text(double lift, char *buf, size_t cap) {
  char num[GB_DOC_NUM_MAX];
  gb_doc_fixed(lift * PERCENT, 1, num, sizeof num);
  gb_doc_textf(buf, cap, "%s%s%s", lift > 0 ? "+" : "", num, isnan(lift) ? "" : " %");
}

/* "+46.3 % (+18.5 % – +81.0 %)", or the lift alone without an interval. */
static void lift_with_ci(const gb_results_arm *a, char *buf, size_t cap) {
  char lift[GB_DOC_NUM_MAX], lo[GB_DOC_NUM_MAX], hi[GB_DOC_NUM_MAX];
  lift_text(a->lift_vs_random, lift, sizeof lift);
  if (isnan(a->lift_ci_low) || isnan(a->lift_ci_high)) {
    snprintf(buf, cap, "%s", lift);
    return;
  }
  lift_text(a->lift_ci_low, lo, sizeof lo);
  lift_text(a->lift_ci_high, hi, sizeof hi);
  snprintf(buf, cap, "%s (%s – %s)", lift, lo, hi);
}

/* A p-value with three decimals, "< 0.001" below that (the file holds six). */
static void p_value_text(double p, char *buf, size_t cap) {
  static const double SMALLEST_SHOWN = 0.001;
  if (p < SMALLEST_SHOWN)
    snprintf(buf, cap, "< 0.001");
  else
    gb_doc_fixed(p, 3, buf, cap);
}

static void arm_row(gb_doc *d, const gb_results_arm *a) {
  char players[GB_DOC_NUM_MAX], decisions[GB_DOC_NUM_MAX], shown[GB_DOC_NUM_MAX],
      used[GB_DOC_NUM_MAX], p[GB_DOC_NUM_MAX];
  char use[GB_DOC_CELL_MAX], ctr[GB_DOC_CELL_MAX], lift[GB_DOC_CELL_MAX], regret[GB_DOC_CELL_MAX];
  gb_doc_count(a->players, players, sizeof players);
  gb_doc_count(a->decisions, decisions, sizeof decisions);
  gb_doc_count(a->props_shown, shown, sizeof shown);
  gb_doc_count(a->props_used, used, sizeof used);
  gb_doc_rate_with_ci(a->use_rate, a->use_rate_ci_low, a->use_rate_ci_high, use, sizeof use);
  gb_doc_rate_with_ci(a->ctr, a->ctr_ci_low, a->ctr_ci_high, ctr, sizeof ctr);
  lift_with_ci(a, lift, sizeof lift);
  p_value_text(a->lift_p_value, p, sizeof p);
  char num[GB_DOC_NUM_MAX];
  gb_doc_fixed(a->regret_vs_oracle * PERCENT, 2, num, sizeof num);
  snprintf(regret, sizeof regret, "%s%s", num, isnan(a->regret_vs_oracle) ? "" : " pp");
  const char *cells[] = {a->arm, a->algorithm, players, decisions, shown, used,
                         use,    ctr,          lift,    p,         regret};
  gb_doc_row(d, cells, sizeof cells / sizeof cells[0], false);
}

/* The first arm whose algorithm is random: the reference of every lift (docs/results.md). */
static const gb_results_arm *random_arm(const gb_results_arm *arms, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(arms[i].algorithm, "random") == 0)
      return &arms[i];
  return NULL;
}

static void write_headroom(gb_doc *d, const gb_results_arm *arms, size_t n) {
  const gb_results_arm *ref = random_arm(arms, n);
  if (!ref || isnan(ref->headroom)) {
    gb_doc_para(d, "No headroom: arms.csv has no random arm with a headroom value.");
    return;
  }
  char oracle[GB_DOC_NUM_MAX], expected[GB_DOC_NUM_MAX], head[GB_DOC_NUM_MAX];
  char line[GB_DOC_CELL_MAX * 2];
  gb_doc_percent(ref->oracle_use_rate, oracle, sizeof oracle);
  gb_doc_percent(ref->expected_use_rate, expected, sizeof expected);
  lift_text(ref->headroom, head, sizeof head);
  snprintf(
      line, sizeof line,
      "Headroom: on the random arm's decisions, always choosing the best candidate would give an "
      "expected use rate of %s against random's %s (%s). No algorithm can beat random by "
      "much more than this on these decisions.",
      oracle, expected, head);
  gb_doc_para(d, line);
}

static void write_arms_table(gb_doc *d, const gb_results *r, const gb_doc_plot_state *plot) {
  gb_doc_heading(d, 2, "Recommendation arms");
  if (!gb_results_has(r, GB_RESULTS_ARMS)) {
    gb_doc_para(d, "arms.csv not present: no per-arm quality metrics.");
    return;
  }
  size_t n = 0;
  const gb_results_arm *arms = gb_results_arms(r, &n);
  if (n == 0) {
    gb_doc_para(d, "arms.csv has no arms.");
    return;
  }
  const char *headers[] = {"arm",
                           "algorithm",
                           "players",
                           "decisions",
                           "props shown",
                           "props used",
                           "use rate (95 % CI)",
                           "CTR (95 % CI)",
                           "lift vs random (95 % CI)",
                           "p-value",
                           "regret vs oracle"};
  gb_doc_table_begin(d, headers, sizeof headers / sizeof headers[0]);
  for (size_t i = 0; i < n; i++)
    arm_row(d, &arms[i]);
  gb_doc_table_end(d);
  gb_doc_para(d, "Lift: use rate relative to the random arm's, with the 95 % MOVER-R interval of "
                 "the ratio of the two rates; p-value: two-sided two-proportion z-test of the "
                 "two use rates. Both treat props as independent trials.");
  write_headroom(d, arms, n);
  gb_doc_plot(d, gb_results_dir(r), plot);
}

/* ---- use rate over sim time */

/* The first and last period with props of one arm (NULL when it has none). */
static void arm_span(const gb_results_arm_period *rows, size_t n, const char *arm,
                     const gb_results_arm_period **first, const gb_results_arm_period **last) {
  *first = *last = NULL;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rows[i].arm, arm) != 0 || isnan(rows[i].use_rate))
      continue;
    if (!*first)
      *first = &rows[i];
    *last = &rows[i];
  }
}

static void period_cell(const gb_results_arm_period *p, char *buf, size_t cap) {
  char rate[GB_DOC_CELL_MAX];
  gb_doc_rate_with_ci(p->use_rate, p->use_rate_ci_low, p->use_rate_ci_high, rate, sizeof rate);
  gb_doc_textf(buf, cap, "%s: %s", p->start_utc[0] ? p->start_utc : "?", rate);
}

static void write_over_time(gb_doc *d, const gb_results *r, const gb_doc_plot_state *plot) {
  gb_doc_heading(d, 2, "Use rate over sim time");
  size_t n = 0;
  const gb_results_arm_period *rows = gb_results_arm_periods(r, &n);
  if (!gb_results_has(r, GB_RESULTS_ARMS_DAILY) || n == 0) {
    gb_doc_para(d, "arms_daily.csv not present: no use rate over sim time.");
    return;
  }
  gb_doc_para(d, "Each arm's use rate of the props of each period's decisions, with its 95 % "
                 "Wilson band; dashed, the oracle's expected use rate over every arm's decisions "
                 "of the period: a ground-truth probability at the decision, a ceiling that "
                 "observed use rates stay below (some props expire or are discarded unseen). A "
                 "learning arm rises over time.");
  const char *headers[] = {"arm", "algorithm", "first period (95 % CI)", "last period (95 % CI)"};
  gb_doc_table_begin(d, headers, 4);
  for (size_t i = 0; i < n; i++) {
    bool seen = false; /* one row per arm, at its first appearance */
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(rows[j].arm, rows[i].arm) == 0;
    const gb_results_arm_period *first, *last;
    arm_span(rows, n, rows[i].arm, &first, &last);
    if (seen || !first)
      continue;
    char a[GB_DOC_CELL_MAX], b[GB_DOC_CELL_MAX];
    period_cell(first, a, sizeof a);
    period_cell(last, b, sizeof b);
    const char *cells[] = {rows[i].arm, rows[i].algorithm, a, b};
    gb_doc_row(d, cells, 4, false);
  }
  gb_doc_table_end(d);
  gb_doc_plot(d, gb_results_dir(r), plot);
}

/* ---- top challenges */

/* Indexes of one arm's rows with props, most props first (ties in file order). */
static size_t top_rows(const gb_results_challenge *rows, size_t n, const char *arm, size_t *top,
                       size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rows[i].arm, arm) != 0 || !(rows[i].props_generated > 0))
      continue;
    size_t at = k < max ? k++ : max; /* insertion into the first max, stable */
    while (at > 0 && rows[top[at - 1]].props_generated < rows[i].props_generated) {
      if (at < max)
        top[at] = top[at - 1];
      at--;
    }
    if (at < max)
      top[at] = i;
  }
  return k;
}

static void challenge_row(gb_doc *d, const gb_results_challenge *c) {
  char props[GB_DOC_NUM_MAX], share[GB_DOC_NUM_MAX], used[GB_DOC_NUM_MAX], done[GB_DOC_NUM_MAX],
      truth[GB_DOC_NUM_MAX], rate[GB_DOC_CELL_MAX];
  gb_doc_count(c->props_generated, props, sizeof props);
  gb_doc_percent(c->props_share, share, sizeof share);
  gb_doc_count(c->props_used, used, sizeof used);
  gb_doc_count(c->props_completed, done, sizeof done);
  gb_doc_rate_with_ci(c->use_rate, c->use_rate_ci_low, c->use_rate_ci_high, rate, sizeof rate);
  gb_doc_percent(c->mean_use_probability, truth, sizeof truth);
  const char *cells[] = {c->arm, c->challenge[0] ? c->challenge : "(not in the catalogue)",
                         props,  share,
                         used,   rate,
                         truth,  done};
  gb_doc_row(d, cells, 8, false);
}

static void write_top_challenges(gb_doc *d, const gb_results *r) {
  gb_doc_heading(d, 2, "Top challenges per arm");
  size_t n = 0;
  const gb_results_challenge *rows = gb_results_challenges(r, &n);
  if (!gb_results_has(r, GB_RESULTS_CHALLENGES) || n == 0) {
    gb_doc_para(d, "challenges.csv not present: no per-challenge breakdown.");
    return;
  }
  char text[GB_DOC_CELL_MAX];
  snprintf(text, sizeof text,
           "The %d challenges each arm offered most, with their use rate and the mean "
           "ground-truth use probability of the players they were offered to "
           "(challenges.csv has every challenge).",
           TOP_CHALLENGES);
  gb_doc_para(d, text);
  const char *headers[] = {"arm",  "challenge",          "props",      "share",
                           "used", "use rate (95 % CI)", "mean truth", "completed"};
  gb_doc_table_begin(d, headers, 8);
  size_t top[TOP_CHALLENGES];
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(rows[j].arm, rows[i].arm) == 0;
    if (seen)
      continue;
    size_t k = top_rows(rows, n, rows[i].arm, top, TOP_CHALLENGES);
    for (size_t t = 0; t < k && t < TOP_CHALLENGES; t++)
      challenge_row(d, &rows[top[t]]);
  }
  gb_doc_table_end(d);
}

void gb_report_write_arms(gb_doc *d, const gb_results *r, const gb_doc_plot_state *arms_plot,
                          const gb_doc_plot_state *daily_plot) {
  write_arms_table(d, r, arms_plot);
  write_over_time(d, r, daily_plot);
  write_top_challenges(d, r);
}
