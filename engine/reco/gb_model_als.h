/* gb_model_als: implicit-feedback matrix factorisation by alternating least squares (Hu, Koren &
 * Volinsky, ICDM 2008), with the conjugate-gradient row solves of Takács, Pilászy & Tikk (RecSys
 * 2011) or exact Cholesky solves.
 *
 * Every cell (u, i) of the training matrix is a preference p = 1 with confidence
 * c = 1 + alpha t(w), t the cell's weight read as `weight` says (gb_weighting); every other pair
 * is p = 0 with confidence 1. The model minimises
 *
 *     sum over all (u, i) of c(u, i) (p(u, i) - x_u . y_i)^2 + reg (sum |x_u|^2 + sum |y_i|^2)
 *
 * over user factors x_u and item factors y_i (`factors` numbers each), alternating: all users
 * with the items fixed, then all items with the users fixed, `iterations` times. One row's
 * solve is the normal equations (Y^T Y + reg I + sum over its cells of (c - 1) y y^T) x =
 * sum over its cells of c y: with cg_steps > 0, that many conjugate-gradient steps from the
 * previous value (Y^T Y computed once per half-iteration, so a step costs O(f^2 + cells f));
 * with cg_steps = 0, LAPACK's dposv (Cholesky) on the f × f matrix.
 *
 * Start: every factor is 0.01 gb_unit(gb_hash3(seed, side and row, column)) — the same seed
 * gives the same model, whatever the machine's threads (the loops are sequential; OpenBLAS is
 * used for dense products only). Score: the history's user vector is solved exactly against the
 * fitted item factors (fold-in: the same normal equations, so a user need not be in the training
 * matrix), and the score of item j is x . y_j.
 *
 * Cost: fit O(iterations (nnz f cg_steps + (users + items) f^2 cg_steps)) with CG; memory
 * (users + items) f doubles. Thread-safety: a fitted model is read-only; scoring allocates its
 * own scratch. */
#ifndef GB_MODEL_ALS_H
#define GB_MODEL_ALS_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef struct gb_model_als_params {
  uint32_t factors;    /* f >= 1 */
  double reg;          /* L2 regularisation, > 0 (keeps every solve positive definite) */
  double alpha;        /* confidence slope, >= 0 */
  uint32_t iterations; /* >= 1 alternations (users then items) */
  uint32_t cg_steps;   /* CG steps per row solve; 0: exact Cholesky solves */
  gb_weighting weight; /* how a cell's weight enters its confidence */
  uint64_t seed;       /* of the starting factors */
} gb_model_als_params;

typedef struct gb_model_als gb_model_als;

/* Fits the model of x (users × items) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT
 * naming a parameter outside its range, GB_ERR_RUNTIME when out of memory or when LAPACK fails
 * (a matrix not positive definite in floating point). */
int gb_model_als_new(const gb_interactions *x, const gb_model_als_params *p, gb_model_als **out,
                     gb_err *err);

/* Writes every item's score for the history items[0..n) (weights as in the matrix, NULL for
 * all 1) into scores[0..items). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory or when
 * the fold-in solve fails. */
int gb_model_als_score(const gb_model_als *m, const uint32_t *items, const double *weights,
                       size_t n, double *scores, gb_err *err);

/* Item j's factors (factors numbers), for tests and diagnostics. */
const double *gb_model_als_item_factors(const gb_model_als *m, uint32_t j);

/* The history's user factors, solved as score does, into x[0..factors). 0 or -1 as score. */
int gb_model_als_fold_in(const gb_model_als *m, const uint32_t *items, const double *weights,
                         size_t n, double *x, gb_err *err);

/* Number of items (the training matrix's columns) and of factors. */
uint32_t gb_model_als_items(const gb_model_als *m);
uint32_t gb_model_als_factors(const gb_model_als *m);

/* Frees m; NULL is a no-op. */
void gb_model_als_free(gb_model_als *m);

#endif
