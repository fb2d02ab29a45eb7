#include "gb_ziggurat.h"

#include <math.h>

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

/* 53 random bits as a double in [0, 1). */
static double unit_of(uint64_t bits) { return (double)(bits >> 11) * 0x1.0p-53; }

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

double gb_ziggurat_normal(const gb_ziggurat *z, gb_rng *rng) {
  const gb_ziggurat_table *t = &z->normal;
  for (;;) {
    /* bits 0-7 the layer, bit 8 the sign, bits 11-63 the abscissa: independent of each other */
    uint64_t bits = gb_rng_next(rng);
    unsigned i = (unsigned)(bits & 0xff);
    double x = unit_of(bits) * t->x[i];
    double sign = (bits & 0x100) ? -1.0 : 1.0;
    if (x < t->x[i + 1]) /* inside the layer's part that lies wholly under the curve */
      return sign * x;
    if (i == 0)
      return sign * normal_tail(rng);
    /* the wedge: a height drawn in the layer, under the curve or not */
    if (t->f[i] + gb_rng_uniform(rng) * (t->f[i + 1] - t->f[i]) < normal_f(x))
      return sign * x;
  }
}

double gb_ziggurat_exponential(const gb_ziggurat *z, gb_rng *rng) {
  const gb_ziggurat_table *t = &z->exponential;
  double shift = 0; /* the tail of an exponential is r plus another exponential */
  for (;;) {
    uint64_t bits = gb_rng_next(rng);
    unsigned i = (unsigned)(bits & 0xff);
    double x = unit_of(bits) * t->x[i];
    if (x < t->x[i + 1])
      return shift + x;
    if (i == 0) {
      shift += EXPONENTIAL_R;
      continue;
    }
    if (t->f[i] + gb_rng_uniform(rng) * (t->f[i + 1] - t->f[i]) < exponential_f(x))
      return shift + x;
  }
}
