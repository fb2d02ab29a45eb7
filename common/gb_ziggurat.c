#include "gb_ziggurat.h"

#include <math.h>
#include <stdbool.h>

/* Where the tail starts for 256 layers (Marsaglia and Tsang's r; the layers' common area v
 * follows from it below, so that the recurrence closes at x[256] = 0 to ~1e-13). */
#define NORMAL_R 3.6541528853610088
#define EXPONENTIAL_R 7.69711747013104972

static double normal_f(double x) { return exp(-0.5 * x * x); }
static double normal_f_inverse(double y) { return sqrt(-2.0 * log(y)); }
static double exponential_f(double x) { return exp(-x); }
static double exponential_f_inverse(double y) { return -log(y); }

/* Layers of equal area v under f: layer i >= 1 spans heights f(x[i]) .. f(x[i+1]) at width x[i];
 * the base layer is the rectangle r x f(r) plus the tail, drawn as one of width v / f(r). */
static void fill(gb_ziggurat_table *t, double (*f)(double), double (*f_inverse)(double), double r,
                 double v) {
  t->x[0] = v / f(r);
  t->x[1] = r;
  for (int i = 1; i < GB_ZIGGURAT_LAYERS - 1; i++)
    t->x[i + 1] = f_inverse(v / t->x[i] + f(t->x[i]));
  t->x[GB_ZIGGURAT_LAYERS] = 0;
  for (int i = 0; i <= GB_ZIGGURAT_LAYERS; i++)
    t->f[i] = f(t->x[i]);
}

void gb_ziggurat_init(gb_ziggurat *z) {
  double r = NORMAL_R;
  fill(&z->normal, normal_f, normal_f_inverse, r,
       r * normal_f(r) + sqrt(M_PI / 2) * erfc(r / sqrt(2.0)));
  r = EXPONENTIAL_R;
  fill(&z->exponential, exponential_f, exponential_f_inverse, r,
       r * exponential_f(r) + exponential_f(r));
}

/* Uniform in (0, 1]: the argument of a log. */
static double open_unit(gb_rng *rng) { return 1.0 - gb_rng_uniform(rng); }

/* Beyond r: Marsaglia's tail method (exact for the normal's tail). */
static double normal_tail(gb_rng *rng) {
  for (;;) {
    double x = -log(open_unit(rng)) / NORMAL_R;
    double y = -log(open_unit(rng));
    if (2.0 * y >= x * x)
      return NORMAL_R + x;
  }
}

/* Whether a point drawn in layer i's wedge (outside its inner part) falls under the curve f. */
static bool under_curve(const gb_ziggurat_table *t, unsigned i, double x, double (*f)(double),
                        gb_rng *rng) {
  return t->f[i] + gb_rng_uniform(rng) * (t->f[i + 1] - t->f[i]) < f(x);
}

double gb_ziggurat_normal_rest_(const gb_ziggurat *z, gb_rng *rng, uint64_t bits) {
  const gb_ziggurat_table *t = &z->normal;
  for (;;) { /* bits: a draw whose abscissa fell outside its layer's inner part */
    unsigned i = (unsigned)(bits & 0xff);
    double x = gb_ziggurat_abscissa_(t, bits), sign = (bits & 0x100) ? -1.0 : 1.0;
    if (x < t->x[i + 1])
      return sign * x;
    if (i == 0)
      return sign * normal_tail(rng);
    if (under_curve(t, i, x, normal_f, rng))
      return sign * x;
    bits = gb_rng_next(rng);
  }
}

double gb_ziggurat_exponential_rest_(const gb_ziggurat *z, gb_rng *rng, uint64_t bits) {
  const gb_ziggurat_table *t = &z->exponential;
  double shift = 0; /* the tail of an exponential is r plus another exponential */
  for (;;) {
    unsigned i = (unsigned)(bits & 0xff);
    double x = gb_ziggurat_abscissa_(t, bits);
    if (x < t->x[i + 1])
      return shift + x;
    if (i == 0)
      shift += EXPONENTIAL_R;
    else if (under_curve(t, i, x, exponential_f, rng))
      return shift + x;
    bits = gb_rng_next(rng);
  }
}
