/* gb_results' per-arm files: arms.csv, arms_daily.csv and challenges.csv (gb_results_int.h). */
#include "gb_results_int.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gb_grow.h"

/* A numeric column and where it lands in a row struct. */
typedef struct number_col {
  const char *name;
  size_t offset;
  bool required;
} number_col;

/* A text column (the empty string when absent or empty) and where it lands. */
typedef struct text_col {
  const char *name;
  size_t offset;
  bool required; /* the column must exist and the cell be non-empty */
} text_col;

enum { COLS_MAX = 32 };

/* The columns of one file, found in its header. */
typedef struct table_cols {
  gb_results_column texts[COLS_MAX], numbers[COLS_MAX];
} table_cols;

static int find_table_cols(const gb_csv_table *t, const text_col *texts, size_t n_texts,
                           const number_col *numbers, size_t n_numbers, table_cols *c,
                           gb_err *err) {
  GB_ASSERT(n_texts <= COLS_MAX && n_numbers <= COLS_MAX);
  for (size_t i = 0; i < n_texts; i++)
    c->texts[i] = (gb_results_column){.name = texts[i].name, .required = texts[i].required};
  for (size_t i = 0; i < n_numbers; i++)
    c->numbers[i] = (gb_results_column){.name = numbers[i].name, .required = numbers[i].required};
  return gb_results_find_columns(t, c->texts, n_texts, err) == 0 &&
                 gb_results_find_columns(t, c->numbers, n_numbers, err) == 0
             ? 0
             : -1;
}

/* Fills the row struct at `row` from line i of t: texts kept in r's pool, numbers parsed (NaN
 * when absent or empty, which only a required text refuses). */
static int read_row(gb_results *r, const gb_csv_table *t, size_t i, const text_col *texts,
                    size_t n_texts, const number_col *numbers, size_t n_numbers,
                    const table_cols *c, void *row, gb_err *err) {
  for (size_t k = 0; k < n_texts; k++) {
    const char *s = "";
    if (texts[k].required) {
      s = gb_results_need_text(t, i, &c->texts[k], err);
      if (!s)
        return -1;
    } else if (c->texts[k].present) {
      s = gb_csv_table_cell(t, i, c->texts[k].index);
    }
    const char *kept = gb_results_keep(r, s);
    if (!kept)
      return gb_results_oom(err, gb_csv_table_name(t));
    *(const char **)((char *)row + texts[k].offset) = kept;
  }
  for (size_t k = 0; k < n_numbers; k++)
    if (gb_results_number(t, i, &c->numbers[k], (double *)((char *)row + numbers[k].offset), err) !=
        0)
      return -1;
  return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- arms.csv ---------------------------------------------------------------------------- */

#define ARM_NUMBER(field, req)                                                                     \
  { #field, offsetof(gb_results_arm, field), req }
static const number_col ARM_NUMBERS[] = {
    ARM_NUMBER(players, false),
    ARM_NUMBER(decisions, false),
    ARM_NUMBER(props_generated, false),
    ARM_NUMBER(props_shown, false),
    ARM_NUMBER(props_used, false),
    ARM_NUMBER(props_discarded, false),
    ARM_NUMBER(props_expired, false),
    ARM_NUMBER(props_completed, false),
    /* use_rate is what the arms plot shows: without it the file is not an arms file */
    ARM_NUMBER(use_rate, true),
    ARM_NUMBER(use_rate_ci_low, false),
    ARM_NUMBER(use_rate_ci_high, false),
    ARM_NUMBER(ctr, false),
    ARM_NUMBER(ctr_ci_low, false),
    ARM_NUMBER(ctr_ci_high, false),
    ARM_NUMBER(lift_vs_random, false),
    ARM_NUMBER(expected_use_rate, false),
    ARM_NUMBER(oracle_use_rate, false),
    ARM_NUMBER(regret_vs_oracle, false),
    ARM_NUMBER(lift_ci_low, false),
    ARM_NUMBER(lift_ci_high, false),
    ARM_NUMBER(lift_p_value, false),
    ARM_NUMBER(expected_lift_vs_random, false),
    ARM_NUMBER(headroom, false),
};
/* The algorithm column must exist, but its cell may be empty. */
static const text_col ARM_TEXTS[] = {{"arm", offsetof(gb_results_arm, arm), true},
                                     {"algorithm", offsetof(gb_results_arm, algorithm), false}};

int gb_results_load_arms(gb_results *r, const gb_csv_table *t, gb_err *err) {
  table_cols c;
  if (find_table_cols(t, ARM_TEXTS, N_OF(ARM_TEXTS), ARM_NUMBERS, N_OF(ARM_NUMBERS), &c, err) != 0)
    return -1;
  if (gb_csv_table_require(t, "algorithm", &c.texts[1].index, err) != 0)
    return -1;
  c.texts[1].present = true;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    if (GB_GROW(r->arms, r->cap_arms, r->n_arms + 1, 16, "arms", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    gb_results_arm *a = &r->arms[r->n_arms];
    if (read_row(r, t, row, ARM_TEXTS, N_OF(ARM_TEXTS), ARM_NUMBERS, N_OF(ARM_NUMBERS), &c, a,
                 err) != 0)
      return -1;
    r->n_arms++;
  }
  return 0;
}

/* ---- arms_daily.csv ---------------------------------------------------------------------- */

#define PERIOD_NUMBER(field, req)                                                                  \
  { #field, offsetof(gb_results_arm_period, field), req }
static const number_col PERIOD_NUMBERS[] = {
    PERIOD_NUMBER(period, true),
    PERIOD_NUMBER(period_s, false),
    PERIOD_NUMBER(day, false),
    PERIOD_NUMBER(decisions, false),
    PERIOD_NUMBER(scored, false),
    PERIOD_NUMBER(props_generated, false),
    PERIOD_NUMBER(props_used, false),
    PERIOD_NUMBER(props_completed, false),
    PERIOD_NUMBER(use_rate, true),
    PERIOD_NUMBER(use_rate_ci_low, false),
    PERIOD_NUMBER(use_rate_ci_high, false),
    PERIOD_NUMBER(expected_use_rate, false),
    PERIOD_NUMBER(oracle_use_rate, false),
};
static const text_col PERIOD_TEXTS[] = {
    {"arm", offsetof(gb_results_arm_period, arm), true},
    {"algorithm", offsetof(gb_results_arm_period, algorithm), false},
    {"date", offsetof(gb_results_arm_period, date), false},
    {"start_utc", offsetof(gb_results_arm_period, start_utc), false}};

int gb_results_load_arms_daily(gb_results *r, const gb_csv_table *t, gb_err *err) {
  table_cols c;
  if (find_table_cols(t, PERIOD_TEXTS, N_OF(PERIOD_TEXTS), PERIOD_NUMBERS, N_OF(PERIOD_NUMBERS), &c,
                      err) != 0)
    return -1;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    if (GB_GROW(r->arm_periods, r->cap_arm_periods, r->n_arm_periods + 1, 64, "periods", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    gb_results_arm_period *p = &r->arm_periods[r->n_arm_periods];
    if (read_row(r, t, row, PERIOD_TEXTS, N_OF(PERIOD_TEXTS), PERIOD_NUMBERS, N_OF(PERIOD_NUMBERS),
                 &c, p, err) != 0)
      return -1;
    if (isnan(p->period))
      return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column 'period': empty", gb_csv_table_name(t),
                        gb_csv_table_line(t, row));
    r->n_arm_periods++;
  }
  return 0;
}

/* ---- challenges.csv ---------------------------------------------------------------------- */

#define CHALLENGE_NUMBER(field, req)                                                               \
  { #field, offsetof(gb_results_challenge, field), req }
static const number_col CHALLENGE_NUMBERS[] = {
    CHALLENGE_NUMBER(difficulty, false),       CHALLENGE_NUMBER(reward_coins, false),
    CHALLENGE_NUMBER(props_generated, true),   CHALLENGE_NUMBER(props_share, false),
    CHALLENGE_NUMBER(props_used, false),       CHALLENGE_NUMBER(props_completed, false),
    CHALLENGE_NUMBER(use_rate, false),         CHALLENGE_NUMBER(use_rate_ci_low, false),
    CHALLENGE_NUMBER(use_rate_ci_high, false), CHALLENGE_NUMBER(mean_use_probability, false),
};
static const text_col CHALLENGE_TEXTS[] = {
    {"arm", offsetof(gb_results_challenge, arm), true},
    {"algorithm", offsetof(gb_results_challenge, algorithm), false},
    {"challenge", offsetof(gb_results_challenge, challenge), false},
    {"game", offsetof(gb_results_challenge, game), false}};

int gb_results_load_challenges(gb_results *r, const gb_csv_table *t, gb_err *err) {
  table_cols c;
  if (find_table_cols(t, CHALLENGE_TEXTS, N_OF(CHALLENGE_TEXTS), CHALLENGE_NUMBERS,
                      N_OF(CHALLENGE_NUMBERS), &c, err) != 0)
    return -1;
  /* An empty challenge is a row of ordinals outside the catalogue: the column must exist. */
  if (gb_csv_table_require(t, "challenge", &c.texts[2].index, err) != 0)
    return -1;
  c.texts[2].present = true;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    if (GB_GROW(r->challenges, r->cap_challenges, r->n_challenges + 1, 64, "challenges", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    gb_results_challenge *ch = &r->challenges[r->n_challenges];
    if (read_row(r, t, row, CHALLENGE_TEXTS, N_OF(CHALLENGE_TEXTS), CHALLENGE_NUMBERS,
                 N_OF(CHALLENGE_NUMBERS), &c, ch, err) != 0)
      return -1;
    if (isnan(ch->props_generated))
      return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column 'props_generated': empty",
                        gb_csv_table_name(t), gb_csv_table_line(t, row));
    r->n_challenges++;
  }
  return 0;
}

/* ---- accessors --------------------------------------------------------------------------- */

const gb_results_arm *gb_results_arms(const gb_results *r, size_t *n) {
  *n = r->n_arms;
  return r->arms;
}

const gb_results_arm_period *gb_results_arm_periods(const gb_results *r, size_t *n) {
  *n = r->n_arm_periods;
  return r->arm_periods;
}

const gb_results_challenge *gb_results_challenges(const gb_results *r, size_t *n) {
  *n = r->n_challenges;
  return r->challenges;
}
