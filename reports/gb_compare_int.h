/* gb_compare's private parts, shared by its files: gb_compare.c chooses the rows (registry
 * defaults, rules, absent values), gb_compare_judge.c judges them (the statistics, Holm, the
 * warnings), gb_compare_out.c writes them. Not for other modules. */
#ifndef GB_COMPARE_INT_H
#define GB_COMPARE_INT_H

#include "gb_compare.h"

#include <stdbool.h>
#include <stddef.h>

enum { GB_COMPARE_TEXT_MAX = 48 /* a value, change or interval as text */ };

struct gb_compare {
  gb_compare_row *rows;
  size_t n_rows, cap_rows;
  double *p_better; /* parallel to rows: timing rows' one-sided p in the better direction */
  size_t cap_p_better;
  char **warnings;
  size_t n_warnings, cap_warnings;
  size_t failures;
  double alpha, confidence;
  char *base_dir, *new_dir;
  size_t base_repeats, new_repeats; /* of the two runs compared */
};

/* One row to judge: its values on both sides (one per repeat, NaN where absent). */
typedef struct gb_compare_input {
  const double *base, *new_values;
  size_t n_base, n_new; /* repeats, including NaN ones */
} gb_compare_input;

/* Judges row (kind, direction, gated, tolerance and labels filled in) from in (allow_missing: a
 * value missing in the new run passes), except the Holm
 * step of timing rows (gb_compare_finish). 0, or -1 with an error. */
int gb_compare_judge(gb_compare *c, gb_compare_row *row, size_t index, const gb_compare_input *in,
                     bool allow_missing, const gb_compare_opts *opt, gb_err *err);

/* Holm over the gated timing rows, their verdicts, the failure count and the warnings about
 * repeats. 0, or -1 with an error. */
int gb_compare_finish(gb_compare *c, const gb_compare_opts *opt, gb_err *err);

/* Appends a printf-formatted warning. 0, or -1 (out of memory). */
int gb_compare_warn(gb_compare *c, gb_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text of a value ("120000", "153.2", "0.1235", "-" for NaN), of a relative change ("+12.3%",
 * "-0.04%", "0%", "+inf"), of an interval ("[+1.2%, +5.6%]") and of a p-value ("0.0040"). */
void gb_compare_text_value(double v, char *buf, size_t size);
void gb_compare_text_change(double change, char *buf, size_t size);
void gb_compare_text_interval(double lo, double hi, char *buf, size_t size);
void gb_compare_text_p(double p, char *buf, size_t size);

#endif
