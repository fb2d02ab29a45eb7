/* gb_algo_linear: the disjoint linear model that linucb and lints share (private to engine/reco).
 *
 * Each challenge a has its own ridge regression of the use (1/0) on the context x
 * (gb_algo_context): A_a = λI + Σ x xᵀ over the props given, b_a = Σ x over the props used, θ_a =
 * A_a⁻¹ b_a. The sums are exchanged as fixed-point integers (exact across shards); A_a⁻¹ and θ_a
 * are recomputed at the arm's epoch boundaries (LAPACKE's Cholesky) for the challenges whose sums
 * changed. */
#ifndef GB_ALGO_LINEAR_H
#define GB_ALGO_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "gb_algo_int.h"

enum {
  GB_LIN_D = GB_ALGO_CTX_DIM,
  GB_LIN_PACKED = GB_LIN_D * (GB_LIN_D + 1) / 2, /* the upper triangle, row by row */
  GB_LIN_QUAD = (GB_LIN_PACKED + 7) / 8 * 8      /* padded with zeros to lanes of 8 floats */
};

typedef struct gb_lin_arm {
  int64_t a[GB_LIN_D * GB_LIN_D]; /* Σ x xᵀ, fixed point (GB_ALGO_CTX_ONE²), full matrix */
  int64_t b[GB_LIN_D];            /* Σ x over uses, fixed point (GB_ALGO_CTX_ONE) */
  bool dirty;                     /* sums changed since the model was computed */
} gb_lin_arm;

_Static_assert(GB_LIN_D % 4 == 0, "gb_lin_score unrolls θ·x by 4");

/* What a decision reads of a challenge's model, apart from its sums (2 KiB) so that the
 * candidates' models stay in cache: θ, then (λI + A)⁻¹'s upper triangle with the off-diagonal
 * doubled, so that θ·x and xᵀA⁻¹x are dot products with the context and its products
 * (gb_lin_products). */
typedef struct gb_lin_model {
  double theta[GB_LIN_D];
  float quad[GB_LIN_QUAD];
} gb_lin_model;

typedef struct gb_lin {
  int64_t epoch_ms;
  double lambda;
  gb_lin_arm *arms;     /* by catalogue ordinal */
  gb_lin_model *models; /* by catalogue ordinal */
  size_t cap, models_cap;
  gb_lin_model prior; /* a challenge without data: A = λI, θ = 0 */
} gb_lin;

void gb_lin_init(gb_lin *m, int64_t epoch_ms, double lambda);
void gb_lin_free(gb_lin *m);

/* GIVEN adds x xᵀ, USED adds x (the context the prop was given in). */
void gb_lin_observe(const gb_algo_feedback *f, gb_tally *delta);

/* Adds the merged sums; at the arm's own boundaries recomputes the changed challenges' models. */
void gb_lin_epoch(gb_lin *m, int64_t boundary_ms, const gb_tally *merged);

/* The products x_i·x_j (i <= j) of a decision's context, once per decision. */
void gb_lin_products(const double *x, float xx[GB_LIN_QUAD]);

/* For candidate ordinal, context x and its products xx: θ·x and sqrt(xᵀ A⁻¹ x). */
void gb_lin_score(const gb_lin *m, uint32_t ordinal, const double *x, const float *xx, double *mean,
                  double *width);

/* gb_lin_score of n candidates (ordinals) into mean[i] and width[i]. */
void gb_lin_score_all(const gb_lin *m, const uint32_t *ordinals, size_t n, const double *x,
                      const float *xx, double *mean, double *width);

#endif
