/* gb_algo_linear: the disjoint ridge model of linucb and lints (gb_algo_linear.h). */
#include "gb_algo_linear.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

static void solve(gb_lin_arm *arm, double lambda) {
  double m[GB_LIN_D * GB_LIN_D];
  const double one2 = GB_ALGO_CTX_ONE * GB_ALGO_CTX_ONE;
  for (int i = 0; i < GB_LIN_D * GB_LIN_D; i++)
    m[i] = (double)arm->a[i] / one2;
  for (int i = 0; i < GB_LIN_D; i++)
    m[i * GB_LIN_D + i] += lambda;
  /* λ > 0 keeps the matrix positive definite: a failure here is a bug, not an input */
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', GB_LIN_D, m, GB_LIN_D) != 0 ||
      LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', GB_LIN_D, m, GB_LIN_D) != 0)
    GB_FATAL("linear bandit: the ridge matrix is not positive definite");
  for (int i = 0; i < GB_LIN_D; i++) /* dpotri fills the lower triangle: mirror it */
    for (int j = 0; j < i; j++)
      m[j * GB_LIN_D + i] = m[i * GB_LIN_D + j];
  for (int i = 0, k = 0; i < GB_LIN_D; i++)
    for (int j = i; j < GB_LIN_D; j++)
      arm->quad[k++] = (i == j ? 1.0 : 2.0) * m[i * GB_LIN_D + j];
  for (int i = 0; i < GB_LIN_D; i++) {
    double t = 0;
    for (int j = 0; j < GB_LIN_D; j++)
      t += m[i * GB_LIN_D + j] * ((double)arm->b[j] / GB_ALGO_CTX_ONE);
    arm->theta[i] = t;
  }
  arm->dirty = false;
}

void gb_lin_init(gb_lin *m, int64_t epoch_ms, double lambda) {
  memset(m, 0, sizeof *m);
  m->epoch_ms = epoch_ms;
  m->lambda = lambda;
  solve(&m->prior, lambda);
}

void gb_lin_free(gb_lin *m) {
  free(m->arms);
  memset(m, 0, sizeof *m);
}

void gb_lin_observe(const gb_algo_feedback *f, gb_tally *delta) {
  if (f->signal != GB_ALGO_GIVEN && f->signal != GB_ALGO_USED)
    return;
  double x[GB_LIN_D];
  int64_t q[GB_LIN_D];
  gb_algo_context(f->features, x);
  gb_algo_context_fixed(x, q);
  uint64_t base = (uint64_t)f->challenge << 16;
  if (f->signal == GB_ALGO_USED) {
    for (int i = 0; i < GB_LIN_D; i++)
      gb_tally_add(delta, gb_algo_key(GB_TAG_B, base | (uint64_t)i), q[i]);
    return;
  }
  for (int i = 0; i < GB_LIN_D; i++) /* the upper triangle: A is symmetric */
    for (int j = i; j < GB_LIN_D; j++)
      gb_tally_add(delta, gb_algo_key(GB_TAG_A, base | (uint64_t)(i * GB_LIN_D + j)), q[i] * q[j]);
}

static gb_lin_arm *arm_at(gb_lin *m, uint32_t ordinal) {
  if (ordinal >= m->cap) {
    size_t old = m->cap;
    GB_GROW_OR_DIE(m->arms, m->cap, (size_t)ordinal + 1, 64, "linear bandit challenges");
    for (size_t i = old; i < m->cap; i++)
      m->arms[i] = m->prior;
  }
  return &m->arms[ordinal];
}

void gb_lin_epoch(gb_lin *m, int64_t boundary_ms, const gb_tally *merged) {
  gb_tally_entry *e;
  size_t n;
  gb_err err;
  if (gb_tally_sorted(merged, &e, &n, &err) != 0)
    GB_FATAL("%s", err.msg);
  for (size_t k = 0; k < n; k++) {
    unsigned tag = (unsigned)(e[k].key >> 56);
    if (tag != GB_TAG_A && tag != GB_TAG_B)
      continue;
    uint64_t low = e[k].key & ((UINT64_C(1) << 56) - 1);
    gb_lin_arm *arm = arm_at(m, (uint32_t)(low >> 16));
    unsigned idx = (unsigned)(low & 0xffff);
    if (tag == GB_TAG_B) {
      arm->b[idx] += e[k].sum;
    } else {
      unsigned i = idx / GB_LIN_D, j = idx % GB_LIN_D;
      arm->a[i * GB_LIN_D + j] += e[k].sum;
      if (i != j)
        arm->a[j * GB_LIN_D + i] += e[k].sum;
    }
    arm->dirty = true;
  }
  free(e);
  if (boundary_ms % m->epoch_ms != 0)
    return;
  for (size_t i = 0; i < m->cap; i++)
    if (m->arms[i].dirty)
      solve(&m->arms[i], m->lambda);
}

void gb_lin_products(const double *x, double xx[GB_LIN_PACKED]) {
  for (int i = 0, k = 0; i < GB_LIN_D; i++)
    for (int j = i; j < GB_LIN_D; j++)
      xx[k++] = x[i] * x[j];
}

void gb_lin_score(const gb_lin *m, uint32_t ordinal, const double *x, const double *xx,
                  double *mean, double *width) {
  const gb_lin_arm *arm = ordinal < m->cap ? &m->arms[ordinal] : &m->prior;
  double mu = 0, q = 0;
  for (int i = 0; i < GB_LIN_D; i++)
    mu += arm->theta[i] * x[i];
  for (int k = 0; k < GB_LIN_PACKED; k++)
    q += arm->quad[k] * xx[k];
  *mean = mu;
  *width = sqrt(q > 0 ? q : 0);
}
