#include "gb_model_als.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"

struct gb_model_als {
  uint32_t n_items, f;
  double alpha;
  gb_weighting weight;
  double *y;    /* n_items × f item factors, row-major */
  double *gram; /* Y^T Y + reg I, f × f, row-major, both triangles */
};

/* One side's solve: the rows of m (users or items) against the fixed factors of the other. */
typedef struct side {
  const gb_interactions *m;
  const double *conf; /* each cell's confidence c, in cell order */
  const double *fixed;
  size_t n_fixed;
  double *out; /* rows × f, updated in place (CG starts from it) */
} side;

/* Scratch of a fit: the CG vectors of every row of the larger side. */
typedef struct work {
  size_t f;
  uint32_t cg_steps;
  double reg;
  double *gram, *a;   /* f × f */
  double *r, *p, *ap; /* rows × f */
  double *rs;         /* rows */
} work;

/* The hash salts that keep the two sides' starting values apart. */
enum { SIDE_USERS = 1, SIDE_ITEMS = 2 };

static int check_params(const gb_model_als_params *p, gb_err *err) {
  if (p->factors < 1 || p->factors > 4096)
    return gb_err_set(err, GB_ERR_INPUT, "als: factors %u is outside 1..4096", p->factors);
  if (!(p->reg > 0) || !isfinite(p->reg))
    return gb_err_set(err, GB_ERR_INPUT, "als: reg %g is not a finite number > 0", p->reg);
  if (!(p->alpha >= 0) || !isfinite(p->alpha))
    return gb_err_set(err, GB_ERR_INPUT, "als: alpha %g is not a finite number >= 0", p->alpha);
  if (p->iterations < 1)
    return gb_err_set(err, GB_ERR_INPUT, "als: iterations must be >= 1");
  if (p->weight > GB_WEIGHT_LOG)
    return gb_err_set(err, GB_ERR_INPUT, "als: unknown weighting %d", (int)p->weight);
  return 0;
}

/* ---- small dense kernels ------------------------------------------------------------------ */

/* Plain loops for the per-row vectors (f numbers): an OpenBLAS call costs more than the work at
 * this size. Four partial sums let the compiler overlap the multiplies; they are added in one
 * fixed order, so a dot product is the same on every machine. */
static double dot(const double *a, const double *b, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++)
    s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

/* Unrolled by four like dot, so that -O2's straight-line (SLP) vectoriser pairs the lanes. */
static void axpy(double a, const double *x, double *y, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    y[i] += a * x[i];
    y[i + 1] += a * x[i + 1];
    y[i + 2] += a * x[i + 2];
    y[i + 3] += a * x[i + 3];
  }
  for (; i < n; i++)
    y[i] += a * x[i];
}

/* gram = F^T F + reg I for the n × f factors F, both triangles (dsyrk fills the lower one). */
static void compute_gram(const double *fac, size_t n, size_t f, double reg, double *gram) {
  memset(gram, 0, f * f * sizeof *gram);
  if (n > 0)
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)f, (int)n, 1.0, fac, (int)f, 0.0, gram,
                (int)f);
  for (size_t i = 0; i < f; i++) {
    gram[i * f + i] += reg;
    for (size_t j = 0; j < i; j++)
      gram[j * f + i] = gram[i * f + j];
  }
}

/* out[0..rows) = in[0..rows) gram (rows × f times f × f; gram is symmetric). OpenBLAS splits a
 * product between threads by blocks of the output, never along the sum, so every element is
 * summed in the same order whatever the thread count. */
static void times_gram(const double *in, size_t rows, const work *w, double *out) {
  if (rows > 0)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)w->f, (int)w->f, 1.0, in,
                (int)w->f, w->gram, (int)w->f, 0.0, out, (int)w->f);
}

/* ---- the row solves ------------------------------------------------------------------------ */

/* out += sum over row r's cells of (c - 1) (y . v) y: the sparse part of A v. */
static void add_cells(const side *s, size_t f, uint32_t r, const double *v, double *out) {
  const uint32_t *cols;
  size_t n = gb_interactions_row(s->m, r, &cols, NULL), off = gb_interactions_offset(s->m, r);
  for (size_t t = 0; t < n; t++) {
    const double *y = s->fixed + (size_t)cols[t] * f;
    axpy((s->conf[off + t] - 1.0) * dot(y, v, f), y, out, f);
  }
}

/* r = b - A x for every row, b = sum over the row's cells of c y; p = r; rs = |r|^2. */
static void cg_start(const side *s, work *w, size_t rows) {
  size_t f = w->f;
  times_gram(s->out, rows, w, w->r);
  for (uint32_t u = 0; u < rows; u++) {
    double *r = w->r + (size_t)u * f;
    const double *x = s->out + (size_t)u * f;
    for (size_t i = 0; i < f; i++)
      r[i] = -r[i];
    const uint32_t *cols;
    size_t n = gb_interactions_row(s->m, u, &cols, NULL), off = gb_interactions_offset(s->m, u);
    for (size_t t = 0; t < n; t++) {
      const double *y = s->fixed + (size_t)cols[t] * f;
      double c = s->conf[off + t];
      axpy(c - (c - 1.0) * dot(y, x, f), y, r, f);
    }
    w->rs[u] = dot(r, r, f);
  }
  memcpy(w->p, w->r, rows * f * sizeof *w->p);
}

/* One conjugate-gradient step of every row (Takács et al. 2011, as the implicit library runs
 * it): the dense part of A p for all rows at once (one BLAS-3 product), the sparse part and the
 * updates row by row. A row that has converged (|r|^2 <= 1e-20) stays as it is. */
static void cg_step(const side *s, work *w, size_t rows) {
  size_t f = w->f;
  times_gram(w->p, rows, w, w->ap);
  for (uint32_t u = 0; u < rows; u++) {
    if (!(w->rs[u] > 1e-20))
      continue;
    double *p = w->p + (size_t)u * f, *ap = w->ap + (size_t)u * f, *r = w->r + (size_t)u * f;
    add_cells(s, f, u, p, ap);
    double step = w->rs[u] / dot(p, ap, f);
    axpy(step, p, s->out + (size_t)u * f, f);
    axpy(-step, ap, r, f);
    double rs = dot(r, r, f), beta = rs / w->rs[u];
    for (size_t i = 0; i < f; i++)
      p[i] = r[i] + beta * p[i];
    w->rs[u] = rs;
  }
}

/* The exact solve of row r's normal equations into x (LAPACK dposv); a is f × f scratch. */
static int solve_exact(const side *s, size_t f, const double *gram, double *a, const uint32_t *cols,
                       const double *conf, size_t n, double *x, gb_err *err) {
  memcpy(a, gram, f * f * sizeof *a);
  memset(x, 0, f * sizeof *x);
  for (size_t t = 0; t < n; t++) {
    const double *y = s->fixed + (size_t)cols[t] * f;
    for (size_t i = 0; i < f; i++) /* the lower triangle of a += (c - 1) y y^T */
      axpy((conf[t] - 1.0) * y[i], y, a + i * f, i + 1);
    axpy(conf[t], y, x, f);
  }
  /* the row-major lower triangle is LAPACK's column-major upper one */
  lapack_int info =
      LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (lapack_int)f, 1, a, (lapack_int)f, x, (lapack_int)f);
  if (info != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "als: dposv failed on a %zu x %zu system (info %d)", f,
                      f, (int)info);
  return 0;
}

/* Solves every row of s->m with the other side fixed. */
static int solve_side(const side *s, work *w, gb_err *err) {
  size_t rows = gb_interactions_rows(s->m), f = w->f;
  compute_gram(s->fixed, s->n_fixed, f, w->reg, w->gram);
  if (w->cg_steps > 0) {
    cg_start(s, w, rows);
    for (uint32_t step = 0; step < w->cg_steps; step++)
      cg_step(s, w, rows);
    return 0;
  }
  for (uint32_t r = 0; r < rows; r++) {
    const uint32_t *cols;
    size_t n = gb_interactions_row(s->m, r, &cols, NULL), off = gb_interactions_offset(s->m, r);
    if (solve_exact(s, f, w->gram, w->a, cols, s->conf + off, n, s->out + (size_t)r * f, err) != 0)
      return -1;
  }
  return 0;
}

/* ---- the fit ------------------------------------------------------------------------------- */

static void init_factors(double *fac, size_t rows, size_t f, uint64_t seed, uint64_t salt) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < f; c++)
      fac[r * f + c] = 0.01 * gb_unit(gb_hash3(seed, (salt << 32) | r, c));
}

/* Each cell's confidence 1 + alpha t(w), in cell order. */
static double *confidences(const gb_interactions *m, const gb_model_als_params *p) {
  double *c = malloc((gb_interactions_nnz(m) + 1) * sizeof *c);
  if (!c)
    return NULL;
  for (uint32_t r = 0; r < gb_interactions_rows(m); r++) {
    const uint32_t *cols;
    const double *w;
    size_t n = gb_interactions_row(m, r, &cols, &w), off = gb_interactions_offset(m, r);
    for (size_t t = 0; t < n; t++)
      c[off + t] = 1.0 + p->alpha * gb_weighting_apply(p->weight, w[t]);
  }
  return c;
}

static int alloc_work(work *w, const gb_model_als_params *p, size_t rows) {
  size_t f = p->factors;
  *w = (work){.f = f, .cg_steps = p->cg_steps, .reg = p->reg};
  w->gram = malloc(f * f * sizeof *w->gram);
  w->a = malloc(f * f * sizeof *w->a);
  w->r = malloc((rows * f + 1) * sizeof *w->r);
  w->p = malloc((rows * f + 1) * sizeof *w->p);
  w->ap = malloc((rows * f + 1) * sizeof *w->ap);
  w->rs = malloc((rows + 1) * sizeof *w->rs);
  return w->gram && w->a && w->r && w->p && w->ap && w->rs ? 0 : -1;
}

static void free_work(work *w) {
  free(w->gram);
  free(w->a);
  free(w->r);
  free(w->p);
  free(w->ap);
  free(w->rs);
}

/* The alternations; leaves the item factors and their Gram matrix in m. */
static int fit(gb_model_als *m, const gb_interactions *x, const gb_interactions *xt,
               const gb_model_als_params *p, gb_err *err) {
  size_t f = p->factors, n_users = gb_interactions_rows(x);
  double *users = malloc((n_users * f + 1) * sizeof *users);
  double *conf_x = confidences(x, p), *conf_xt = confidences(xt, p);
  work w;
  int rc = alloc_work(&w, p, n_users > m->n_items ? n_users : m->n_items);
  if (rc != 0 || !users || !conf_x || !conf_xt) {
    rc = gb_err_set(err, GB_ERR_RUNTIME, "als: out of memory for %zu x %zu user factors", n_users,
                    f);
    goto out;
  }
  init_factors(users, n_users, f, p->seed, SIDE_USERS);
  init_factors(m->y, m->n_items, f, p->seed, SIDE_ITEMS);
  side by_user = {.m = x, .conf = conf_x, .fixed = m->y, .n_fixed = m->n_items, .out = users};
  side by_item = {.m = xt, .conf = conf_xt, .fixed = users, .n_fixed = n_users, .out = m->y};
  for (uint32_t it = 0; it < p->iterations && rc == 0; it++) {
    rc = solve_side(&by_user, &w, err);
    if (rc == 0)
      rc = solve_side(&by_item, &w, err);
  }
  /* scoring folds users in against the final item factors */
  compute_gram(m->y, m->n_items, f, p->reg, m->gram);
out:
  free_work(&w);
  free(users);
  free(conf_x);
  free(conf_xt);
  return rc;
}

int gb_model_als_new(const gb_interactions *x, const gb_model_als_params *p, gb_model_als **out,
                     gb_err *err) {
  if (check_params(p, err) != 0)
    return -1;
  gb_model_als *m = calloc(1, sizeof *m);
  gb_interactions *xt = NULL;
  if (!m)
    return gb_err_set(err, GB_ERR_RUNTIME, "als: out of memory");
  *m = (gb_model_als){
      .n_items = gb_interactions_cols(x), .f = p->factors, .alpha = p->alpha, .weight = p->weight};
  size_t f = p->factors;
  m->y = malloc(((size_t)m->n_items * f + 1) * sizeof *m->y);
  m->gram = malloc(f * f * sizeof *m->gram);
  if (!m->y || !m->gram) {
    gb_err_set(err, GB_ERR_RUNTIME, "als: out of memory for %u x %zu item factors", m->n_items, f);
    goto fail;
  }
  if (gb_interactions_transpose(x, &xt, err) != 0 || fit(m, x, xt, p, err) != 0)
    goto fail;
  gb_interactions_free(xt);
  *out = m;
  return 0;
fail:
  gb_interactions_free(xt);
  gb_model_als_free(m);
  return -1;
}

/* ---- scoring ------------------------------------------------------------------------------- */

int gb_model_als_fold_in(const gb_model_als *m, const uint32_t *items, const double *weights,
                         size_t n, double *x, gb_err *err) {
  size_t f = m->f;
  double *a = malloc((f * f + n + 1) * sizeof *a), *conf = a ? a + f * f : NULL;
  if (!a)
    return gb_err_set(err, GB_ERR_RUNTIME, "als: out of memory for a %zu x %zu solve", f, f);
  for (size_t t = 0; t < n; t++) {
    GB_ASSERT(items[t] < m->n_items);
    conf[t] = 1.0 + m->alpha * gb_weighting_apply(m->weight, weights ? weights[t] : 1.0);
  }
  side s = {.fixed = m->y, .n_fixed = m->n_items};
  int rc = solve_exact(&s, f, m->gram, a, items, conf, n, x, err);
  free(a);
  return rc;
}

int gb_model_als_score(const gb_model_als *m, const uint32_t *items, const double *weights,
                       size_t n, double *scores, gb_err *err) {
  double *x = malloc(m->f * sizeof *x);
  if (!x)
    return gb_err_set(err, GB_ERR_RUNTIME, "als: out of memory");
  int rc = gb_model_als_fold_in(m, items, weights, n, x, err);
  if (rc == 0 && m->n_items > 0)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m->n_items, (int)m->f, 1.0, m->y, (int)m->f, x, 1,
                0.0, scores, 1);
  free(x);
  return rc;
}

const double *gb_model_als_item_factors(const gb_model_als *m, uint32_t j) {
  GB_ASSERT(j < m->n_items);
  return m->y + (size_t)j * m->f;
}

uint32_t gb_model_als_items(const gb_model_als *m) { return m->n_items; }

uint32_t gb_model_als_factors(const gb_model_als *m) { return m->f; }

void gb_model_als_free(gb_model_als *m) {
  if (!m)
    return;
  free(m->y);
  free(m->gram);
  free(m);
}
