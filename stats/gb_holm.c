#include "gb_holm.h"

#include <math.h>
#include <stdlib.h>

typedef struct ranked_p {
  double p;
  size_t index;
} ranked_p;

/* Ascending p; equal p keep their input order (qsort is not stable: the index decides). */
static int cmp_ranked_p(const void *a, const void *b) {
  const ranked_p *x = a, *y = b;
  if (x->p != y->p)
    return x->p < y->p ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

size_t gb_holm_count(const double *p, size_t n) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    m += !isnan(p[i]);
  return m;
}

int gb_holm_adjust(const double *p, size_t n, double *adjusted, gb_err *err) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(p[i]) && !(p[i] >= 0 && p[i] <= 1))
      return gb_err_set(err, GB_ERR_INPUT, "Holm: p-value %zu (%g) is outside [0, 1]", i, p[i]);
  size_t m = gb_holm_count(p, n);
  ranked_p *order = malloc((m ? m : 1) * sizeof *order);
  if (!order)
    return gb_err_set(err, GB_ERR_RUNTIME, "Holm: out of memory for %zu p-values", m);
  for (size_t i = 0, k = 0; i < n; i++)
    if (!isnan(p[i]))
      order[k++] = (ranked_p){p[i], i};
  qsort(order, m, sizeof *order, cmp_ranked_p);
  for (size_t i = 0; i < n; i++) /* untested entries: NaN (written before any tested one) */
    if (isnan(p[i]))
      adjusted[i] = NAN;
  double running = 0; /* the max over j <= i: adjusted values never decrease with rank */
  for (size_t j = 0; j < m; j++) {
    running = fmax(running, fmin(1, (double)(m - j) * order[j].p));
    adjusted[order[j].index] = running;
  }
  free(order);
  return 0;
}
