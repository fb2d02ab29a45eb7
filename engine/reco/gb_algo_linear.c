/* gb_algo_linear: the disjoint ridge model of linucb and lints (gb_algo_linear.h). */
#include "gb_algo_linear.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

static void solve(const gb_lin_arm *arm, double lambda, gb_lin_model *out) {
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
  int k = 0;
  for (int i = 0; i < GB_LIN_D; i++)
    for (int j = i; j < GB_LIN_D; j++)
      out->quad[k++] = (float)((i == j ? 1.0 : 2.0) * m[i * GB_LIN_D + j]);
  for (; k < GB_LIN_QUAD; k++)
    out->quad[k] = 0; /* the padding: products with the context's zeros */
  for (int i = 0; i < GB_LIN_D; i++) {
    double t = 0;
    for (int j = 0; j < GB_LIN_D; j++)
      t += m[i * GB_LIN_D + j] * ((double)arm->b[j] / GB_ALGO_CTX_ONE);
    out->theta[i] = t;
  }
}

void gb_lin_init(gb_lin *m, int64_t epoch_ms, double lambda) {
  memset(m, 0, sizeof *m);
  m->epoch_ms = epoch_ms;
  m->lambda = lambda;
  gb_lin_arm zero = {0};
  solve(&zero, lambda, &m->prior);
}

void gb_lin_free(gb_lin *m) {
  free(m->arms);
  free(m->models);
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
    memset(m->arms + old, 0, (m->cap - old) * sizeof *m->arms);
    size_t had = m->models_cap;
    GB_GROW_OR_DIE(m->models, m->models_cap, m->cap, 64, "linear bandit models");
    for (size_t i = had; i < m->models_cap; i++)
      m->models[i] = m->prior;
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
    if (m->arms[i].dirty) {
      solve(&m->arms[i], m->lambda, &m->models[i]);
      m->arms[i].dirty = false;
    }
}

void gb_lin_products(const double *x, float xx[GB_LIN_QUAD]) {
  int k = 0;
  for (int i = 0; i < GB_LIN_D; i++)
    for (int j = i; j < GB_LIN_D; j++)
      xx[k++] = (float)(x[i] * x[j]);
  for (; k < GB_LIN_QUAD; k++)
    xx[k] = 0;
}

static inline void score_one(const gb_lin *m, uint32_t ordinal, const double *x, const float *xx,
                             double *mean, double *width) {
  const gb_lin_model *w = ordinal < m->models_cap ? &m->models[ordinal] : &m->prior;
  /* four partial sums: independent chains of multiply-adds (the decision's hot loop) */
  double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  for (int i = 0; i < GB_LIN_D; i += 4) { /* GB_LIN_D = 12 */
    m0 += w->theta[i] * x[i];
    m1 += w->theta[i + 1] * x[i + 1];
    m2 += w->theta[i + 2] * x[i + 2];
    m3 += w->theta[i + 3] * x[i + 3];
  }
  float q[8] = {0};
  for (int k = 0; k < GB_LIN_QUAD; k += 8)
    for (int l = 0; l < 8; l++)
      q[l] += w->quad[k + l] * xx[k + l];
  double qs = (double)(((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7])));
  *mean = (m0 + m1) + (m2 + m3);
  *width = sqrt(qs > 0 ? qs : 0);
}

void gb_lin_score(const gb_lin *m, uint32_t ordinal, const double *x, const float *xx, double *mean,
                  double *width) {
  score_one(m, ordinal, x, xx, mean, width);
}

/* Built for AVX2 too, chosen at load time on machines that have it (the products' lanes are
 * summed in the same order either way, and without fused multiply-adds: the same scores to the
 * bit whichever runs). Clang before 15 names a C function's dispatcher `NAME.ifunc`, so calls from
 * other files do not link (the fuzz build, scripts/fuzz): one version there, the same scores. */
#if defined(__clang__) && __clang_major__ < 15
#define GB_LIN_CLONES
#else
#define GB_LIN_CLONES __attribute__((target_clones("avx2", "default")))
#endif
GB_LIN_CLONES void gb_lin_score_all(const gb_lin *m, const uint32_t *ordinals, size_t n,
                                    const double *x, const float *xx, double *mean, double *width) {
  for (size_t i = 0; i < n; i++)
    score_one(m, ordinals[i], x, xx, &mean[i], &width[i]);
}
