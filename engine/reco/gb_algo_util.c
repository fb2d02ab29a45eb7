/* gb_algo_util: the helpers the algorithm files share (gb_algo_int.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo_int.h"
#include "gb_algo_phi.h"
#include "gb_grow.h"

void gb_algo_counts_reserve(gb_algo_counts *c, size_t n) {
  if (n <= c->cap)
    return;
  size_t old = c->cap, cap = c->cap;
  GB_GROW_OR_DIE(c->given, cap, n, 64, "challenge counters");
  GB_GROW_OR_DIE(c->used, c->cap, cap, 64, "challenge counters");
  GB_ASSERT(c->cap == cap); /* the same growth from the same room */
  memset(c->given + old, 0, (c->cap - old) * sizeof *c->given);
  memset(c->used + old, 0, (c->cap - old) * sizeof *c->used);
}

void gb_algo_counts_free(gb_algo_counts *c) {
  free(c->given);
  free(c->used);
  memset(c, 0, sizeof *c);
}

void gb_algo_counts_add(gb_algo_counts *c, const gb_tally *merged, uint32_t seg) {
  gb_tally_entry *e;
  size_t n;
  gb_err err;
  if (gb_tally_sorted(merged, &e, &n, &err) != 0)
    GB_FATAL("%s", err.msg);
  for (size_t i = 0; i < n; i++) {
    unsigned tag = (unsigned)(e[i].key >> 56);
    uint64_t low = e[i].key & ((UINT64_C(1) << 56) - 1);
    if ((tag != GB_TAG_GIVEN && tag != GB_TAG_USED) || (low >> 32) != seg)
      continue;
    uint32_t ordinal = (uint32_t)low;
    gb_algo_counts_reserve(c, (size_t)ordinal + 1);
    if (tag == GB_TAG_GIVEN)
      c->given[ordinal] += e[i].sum;
    else
      c->used[ordinal] += e[i].sum;
  }
  free(e);
}

void gb_algo_count_feedback(const gb_algo_feedback *f, uint32_t seg, gb_tally *delta) {
  uint64_t low = (uint64_t)seg << 32 | f->challenge;
  if (f->signal == GB_ALGO_GIVEN)
    gb_tally_add(delta, gb_algo_key(GB_TAG_GIVEN, low), 1);
  else if (f->signal == GB_ALGO_USED)
    gb_tally_add(delta, gb_algo_key(GB_TAG_USED, low), 1);
}

size_t gb_algo_argmax(const double *score, size_t n, uint64_t tie) {
  size_t best = 0, ties = 1;
  for (size_t i = 1; i < n; i++) {
    if (score[i] > score[best]) {
      best = i;
      ties = 1;
    } else if (score[i] == score[best]) {
      /* reservoir sampling over the tied candidates, from one hash */
      ties++;
      if (gb_hash3(tie, i, ties) % ties == 0)
        best = i;
    }
  }
  return best;
}

void gb_algo_normals(gb_rng *rng, double *out, size_t n) {
  /* Marsaglia's polar method: a pair per accepted point of the unit disc (no trigonometry) */
  for (size_t i = 0; i < n;) {
    double u = 2.0 * gb_rng_uniform(rng) - 1.0, v = 2.0 * gb_rng_uniform(rng) - 1.0;
    double r = u * u + v * v;
    if (r >= 1.0 || r == 0.0)
      continue;
    double f = sqrt(-2.0 * log(r) / r);
    out[i++] = u * f;
    if (i < n)
      out[i++] = v * f;
  }
}

/* Φ(gap / sqrt(v)) without a branch that depends on the data (the sign of the gap and the
 * table's end are selects): the loop below runs it for hundreds of candidates per decision, and
 * mispredicted branches would cost more than the arithmetic. */
static double win_probability(double gap, double v) {
  if (v <= 0) /* two fixed scores */
    return gap >= 0 ? 1.0 : 0.0;
  double z = gap / sqrt(v);
  double at = fabs(z) * GB_PHI_PER_UNIT;
  at = at < GB_PHI_LAST ? at : GB_PHI_LAST;
  int k = (int)at;
  k = k < GB_PHI_LAST ? k : GB_PHI_LAST - 1;
  double q = gb_algo_phi_upper[k] + (at - k) * (gb_algo_phi_upper[k + 1] - gb_algo_phi_upper[k]);
  return z >= 0 ? 1.0 - q : q;
}

double gb_algo_max_prob_normal(const double *mean, const double *var, size_t n, size_t chosen) {
  enum { CHUNK = 32 };
  double p = 1.0;
  /* the floor is looked at once a chunk, not once a term: a test per term would make the loop
   * one chain of dependent steps, and running on past it would multiply subnormals */
  for (size_t at = 0; at < n && p > 1e-6; at += CHUNK) {
    size_t end = at + CHUNK < n ? at + CHUNK : n;
    for (size_t i = at; i < end; i++)
      if (i != chosen)
        p *= win_probability(mean[chosen] - mean[i], var[chosen] + var[i]);
  }
  return p < 1e-6 ? 1e-6 : p;
}

static double gamma_draw(gb_rng *rng, double a) {
  if (a < 1.0) { /* boost: Gamma(a) = Gamma(a + 1) * U^(1/a) */
    double u = gb_rng_uniform(rng);
    return gamma_draw(rng, a + 1.0) * pow(u > 0 ? u : 1e-300, 1.0 / a);
  }
  double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = gb_rng_normal(rng), v = 1.0 + c * x;
    if (v <= 0)
      continue;
    v = v * v * v;
    double u = gb_rng_uniform(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
      return d * v;
  }
}

double gb_algo_beta(gb_rng *rng, double a, double b, double z) {
  if (a >= GB_ALGO_BETA_NORMAL && b >= GB_ALGO_BETA_NORMAL) {
    /* both counts large: the normal with the Beta's mean and variance (one draw, not two
     * Gamma draws), clamped to the Beta's support */
    double m = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    double v = m + sd * z;
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
  double x = gamma_draw(rng, a), y = gamma_draw(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

static double squash_count(double v) { return v >= 0 ? log1p(v) : -log1p(-v); }

static double clamp8(double v) { return v > 8 ? 8 : (v < -8 ? -8 : v); }

void gb_algo_context(const gb_feature_vec *f, double x[GB_ALGO_CTX_DIM]) {
  const double *v = f->x;
  x[0] = 1.0;
  x[1 + GB_FEAT_LAST_SESSION_GAMES] = squash_count(v[GB_FEAT_LAST_SESSION_GAMES]);
  x[1 + GB_FEAT_LAST_SESSION_WIN_RATIO] = v[GB_FEAT_LAST_SESSION_WIN_RATIO];
  x[1 + GB_FEAT_LAST_SESSION_COINS_DELTA] = squash_count(v[GB_FEAT_LAST_SESSION_COINS_DELTA]) / 4;
  x[1 + GB_FEAT_LAST_SESSION_PURCHASE] = squash_count(v[GB_FEAT_LAST_SESSION_PURCHASE]);
  x[1 + GB_FEAT_SESSION_GAMES] = squash_count(v[GB_FEAT_SESSION_GAMES]);
  x[1 + GB_FEAT_SESSION_WIN_RATIO] = v[GB_FEAT_SESSION_WIN_RATIO];
  x[1 + GB_FEAT_PURCHASE_7D] = squash_count(v[GB_FEAT_PURCHASE_7D]);
  x[1 + GB_FEAT_GAMES_TODAY] = squash_count(v[GB_FEAT_GAMES_TODAY]);
  /* -1 (never paid) reads as 0, like a purchase long ago: the purchase columns say the rest */
  x[1 + GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = v[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] < 0
                                                ? 0
                                                : squash_count(v[GB_FEAT_DAYS_SINCE_LAST_PURCHASE]);
  x[1 + GB_FEAT_FAVOURITE_GAME_SHARE] = v[GB_FEAT_FAVOURITE_GAME_SHARE];
  x[1 + GB_FEAT_DAYS_SINCE_INSTALL] = squash_count(v[GB_FEAT_DAYS_SINCE_INSTALL]);
  for (int i = 0; i < GB_ALGO_CTX_DIM; i++)
    x[i] = clamp8(x[i]);
}

void gb_algo_context_fixed(const double x[GB_ALGO_CTX_DIM], int64_t q[GB_ALGO_CTX_DIM]) {
  for (int i = 0; i < GB_ALGO_CTX_DIM; i++)
    q[i] = llround(x[i] * GB_ALGO_CTX_ONE);
}
