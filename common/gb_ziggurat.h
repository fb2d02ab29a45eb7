/* gb_ziggurat: standard normal and unit exponential variates by the ziggurat method (Marsaglia
 * and Tsang, 2000, with 256 layers, and the layer index drawn from other bits than the abscissa,
 * as Doornik, 2005, shows it must be), from a gb_rng stream.
 *
 * Why: the simulators draw a log-normal or an exponential for most events they emit; Box–Muller
 * (gb_rng_normal) costs a log, a sqrt and a cos per value and gb_rng_exponential a log, about
 * 150 and 70 instructions. Here 99 % of draws take one 64-bit random number, a table lookup, a
 * multiplication and a comparison (about 20 instructions); the rest fall back on exact
 * rejection steps, so the variates have exactly the target distributions (up to double
 * rounding). The draws differ from Box–Muller's: a stream that switches changes its values, not
 * its distributions.
 *
 * The tables (about 8 KiB) live in a gb_ziggurat the caller owns and fills once with
 * gb_ziggurat_init: no global state; read-only afterwards, so threads may share one. */
#ifndef GB_ZIGGURAT_H
#define GB_ZIGGURAT_H

#include "gb_rng.h"

enum { GB_ZIGGURAT_LAYERS = 256 };

/* x[i]: the right edge of layer i (x[0] the base layer's width with its tail folded in, x[1]
 * the tail's start r, decreasing to x[256] = 0); f[i] the density (unnormalised) at x[i]. */
typedef struct gb_ziggurat_table {
  double x[GB_ZIGGURAT_LAYERS + 1];
  double f[GB_ZIGGURAT_LAYERS + 1];
} gb_ziggurat_table;

typedef struct gb_ziggurat {
  gb_ziggurat_table normal;      /* exp(-x^2 / 2) on [0, inf) */
  gb_ziggurat_table exponential; /* exp(-x) on [0, inf) */
} gb_ziggurat;

/* Fills both tables (a few hundred exp/log calls). */
void gb_ziggurat_init(gb_ziggurat *z);

/* The draws' rare steps (a wedge or the tail), given the 64 random bits drawn first: not for
 * callers; the inline draws below take the common step themselves. */
double gb_ziggurat_normal_rest_(const gb_ziggurat *z, gb_rng *rng, uint64_t bits);
double gb_ziggurat_exponential_rest_(const gb_ziggurat *z, gb_rng *rng, uint64_t bits);

/* The layer (bits 0-7) and the abscissa (bits 11-63) of one draw: independent bits. */
static inline double gb_ziggurat_abscissa_(const gb_ziggurat_table *t, uint64_t bits) {
  return (double)(bits >> 11) * 0x1.0p-53 * t->x[bits & 0xff];
}

/* A standard normal variate: mean 0, standard deviation 1 (bit 8 of the draw is the sign). */
static inline double gb_ziggurat_normal(const gb_ziggurat *z, gb_rng *rng) {
  uint64_t bits = gb_rng_next(rng);
  double x = gb_ziggurat_abscissa_(&z->normal, bits);
  if (x < z->normal.x[(bits & 0xff) + 1]) /* inside the layer's part wholly under the curve */
    return (bits & 0x100) ? -x : x;
  return gb_ziggurat_normal_rest_(z, rng, bits);
}

/* An exponential variate of mean 1 (multiply by the mean you need). */
static inline double gb_ziggurat_exponential(const gb_ziggurat *z, gb_rng *rng) {
  uint64_t bits = gb_rng_next(rng);
  double x = gb_ziggurat_abscissa_(&z->exponential, bits);
  if (x < z->exponential.x[(bits & 0xff) + 1])
    return x;
  return gb_ziggurat_exponential_rest_(z, rng, bits);
}

#endif
