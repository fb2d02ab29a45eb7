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

/* A standard normal variate: mean 0, standard deviation 1. */
double gb_ziggurat_normal(const gb_ziggurat *z, gb_rng *rng);

/* An exponential variate of mean 1 (multiply by the mean you need). */
double gb_ziggurat_exponential(const gb_ziggurat *z, gb_rng *rng);

#endif
