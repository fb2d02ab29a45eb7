/* gb_ziggurat: the tables close, and a million draws follow the normal and exponential
 * distributions (Kolmogorov–Smirnov, moments, the tails the fallbacks draw). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "gb_ziggurat.h"

enum { DRAWS = 1000000 };

/* 1.95 / sqrt(n): the KS distance a correct sampler exceeds with probability 0.001. */
#define KS_CRITICAL (1.95 / 1000.0)

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The largest gap between the sample's empirical CDF and cdf (sorts v). */
static double ks_distance(double *v, size_t n, double (*cdf)(double)) {
  qsort(v, n, sizeof *v, compare_doubles);
  double d = 0;
  for (size_t i = 0; i < n; i++) {
    double c = cdf(v[i]);
    double lo = c - (double)i / (double)n, hi = (double)(i + 1) / (double)n - c;
    d = fmax(d, fmax(lo, hi));
  }
  return d;
}

static double normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double exponential_cdf(double x) { return 1.0 - exp(-x); }

static gb_ziggurat z;

static void init(void) { gb_ziggurat_init(&z); }

TestSuite(ziggurat, .init = init);

/* Every layer has the same area; the last one ends at 0 with the density at 1. */
static void check_table(const gb_ziggurat_table *t, double r) {
  cr_assert_eq(t->x[1], r);
  cr_assert_eq(t->x[GB_ZIGGURAT_LAYERS], 0.0);
  cr_assert_eq(t->f[GB_ZIGGURAT_LAYERS], 1.0);
  double v = t->x[0] * t->f[1]; /* the base layer's area */
  for (int i = 1; i < GB_ZIGGURAT_LAYERS; i++) {
    cr_assert_lt(t->x[i + 1], t->x[i], "layer %d", i);
    double area = t->x[i] * (t->f[i + 1] - t->f[i]);
    cr_assert_float_eq(area, v, 1e-12 * v, "layer %d: area %.17g, base %.17g", i, area, v);
  }
}

Test(ziggurat, layers_have_equal_areas_and_close_at_zero) {
  check_table(&z.normal, 3.6541528853610088);
  check_table(&z.exponential, 7.69711747013104972);
  /* v is the area under the curve beyond r plus r f(r): the tail's share is right */
  double r = z.normal.x[1];
  cr_assert_float_eq(z.normal.x[0] * z.normal.f[1],
                     r * exp(-r * r / 2) + sqrt(M_PI / 2) * erfc(r / sqrt(2.0)), 1e-15);
}

/* The draws beyond r (the fallback's) as often as p says, within 5 sd, and the KS distance of
 * all of them (v, DRAWS values, freed here) to cdf under the critical value. */
static void check_tail_and_fit(double *v, size_t beyond_r, double p, double (*cdf)(double)) {
  double expected = DRAWS * p;
  cr_expect(fabs((double)beyond_r - expected) < 5 * sqrt(expected), "%zu beyond r, %g expected",
            beyond_r, expected);
  double d = ks_distance(v, DRAWS, cdf);
  cr_expect(d < KS_CRITICAL, "KS distance %g", d);
  free(v);
}

Test(ziggurat, normal_draws_are_standard_normal) {
  gb_rng rng;
  gb_rng_seed(&rng, 42, 1);
  double *v = malloc(DRAWS * sizeof *v);
  double sum = 0, sum2 = 0;
  size_t beyond_r = 0, negative = 0;
  for (size_t i = 0; i < DRAWS; i++) {
    v[i] = gb_ziggurat_normal(&z, &rng);
    sum += v[i];
    sum2 += v[i] * v[i];
    beyond_r += fabs(v[i]) > z.normal.x[1];
    negative += v[i] < 0;
  }
  double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
  cr_expect(fabs(mean) < 0.005, "mean %g", mean);
  cr_expect(fabs(var - 1) < 0.005, "variance %g", var);
  cr_expect(fabs((double)negative / DRAWS - 0.5) < 0.002, "negative share %zu", negative);
  /* P(|X| > r) = erfc(r / sqrt 2) = 2.58e-4: 258 expected, sd 16 (the tail's fallback works) */
  check_tail_and_fit(v, beyond_r, erfc(z.normal.x[1] / sqrt(2.0)), normal_cdf);
}

Test(ziggurat, exponential_draws_have_mean_one) {
  gb_rng rng;
  gb_rng_seed(&rng, 42, 2);
  double *v = malloc(DRAWS * sizeof *v);
  double sum = 0;
  size_t beyond_r = 0;
  for (size_t i = 0; i < DRAWS; i++) {
    v[i] = gb_ziggurat_exponential(&z, &rng);
    cr_assert_geq(v[i], 0.0);
    sum += v[i];
    beyond_r += v[i] > z.exponential.x[1];
  }
  cr_expect(fabs(sum / DRAWS - 1) < 0.005, "mean %g", sum / DRAWS);
  /* P(X > r) = exp(-r) = 4.5e-4 */
  check_tail_and_fit(v, beyond_r, exp(-z.exponential.x[1]), exponential_cdf);
}

/* The wedges (draws outside a layer's inner part) are accepted in proportion: a sampler that
 * took them all would put too much mass just outside each x[i + 1]. Checked where that shows
 * most, on a fine histogram of the body. */
Test(ziggurat, histogram_of_the_body_matches_the_density) {
  gb_rng rng;
  gb_rng_seed(&rng, 7, 3);
  enum { BINS = 40 };
  const double lo = -3, width = 0.15;
  size_t count[BINS] = {0};
  for (size_t i = 0; i < DRAWS; i++) {
    double x = gb_ziggurat_normal(&z, &rng);
    int b = (int)floor((x - lo) / width);
    if (b >= 0 && b < BINS)
      count[b]++;
  }
  for (int b = 0; b < BINS; b++) {
    double p = normal_cdf(lo + (b + 1) * width) - normal_cdf(lo + b * width);
    double expected = DRAWS * p;
    cr_expect(fabs((double)count[b] - expected) < 5 * sqrt(expected) + 1, "bin %d: %zu vs %g", b,
              count[b], expected);
  }
}

Test(ziggurat, same_stream_same_draws) {
  gb_rng a, b;
  gb_rng_seed(&a, 9, 9);
  gb_rng_seed(&b, 9, 9);
  for (int i = 0; i < 1000; i++) {
    cr_assert_eq(gb_ziggurat_normal(&z, &a), gb_ziggurat_normal(&z, &b));
    cr_assert_eq(gb_ziggurat_exponential(&z, &a), gb_ziggurat_exponential(&z, &b));
  }
}
