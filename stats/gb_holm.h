/* gb_holm: Holm's step-down adjustment of p-values for multiple comparisons (Holm 1979).
 *
 * A regression gate tests several metrics at once; testing each at alpha would raise a false
 * alarm in about m alpha of the runs. Holm's method keeps the family-wise error rate (the
 * probability of at least one false alarm) at alpha under any dependence between the tests,
 * and rejects at least as much as Bonferroni. For the m p-values sorted ascending,
 * p_(1) <= … <= p_(m), the adjusted values are
 *
 *     p~_(i) = min(1, max over j <= i of (m - j + 1) p_(j)),
 *
 * and test i is rejected at level alpha when p~_i <= alpha. These are R's p.adjust(p, "holm")
 * and statsmodels' multipletests(method="holm") adjusted values; ties keep their input order.
 *
 * NaN entries are "not tested": they stay NaN and do not count in m, so a caller can pass one
 * array for every metric, tested or not. */
#ifndef GB_HOLM_H
#define GB_HOLM_H

#include <stddef.h>

#include "gb_err.h"

/* Writes the adjusted value of p[i] to adjusted[i] for i < n (adjusted may be p itself).
 * Returns 0, or -1 with an error: GB_ERR_INPUT when a p-value is outside [0, 1] (the message
 * names its index), GB_ERR_RUNTIME when out of memory (n indices are allocated and freed). */
int gb_holm_adjust(const double *p, size_t n, double *adjusted, gb_err *err);

/* The number of non-NaN p[i] (Holm's m). */
size_t gb_holm_count(const double *p, size_t n);

#endif
