/* gb_model_ease: EASE, the embarrassingly shallow autoencoder (Steck, WWW 2019): an item × item
 * weight matrix B with a zero diagonal, learned in closed form.
 *
 * With X the binary users × items training matrix (a cell's weight is not read) restricted to
 * the items with at least min_users users, G = X^T X + Lambda, P = G^-1:
 *
 *     B(i, j) = -P(i, j) / P(j, j)   for i != j,      B(j, j) = 0,
 *
 * the minimiser of |X - X B|^2 + |Lambda^1/2 B|^2 under diag(B) = 0 (Steck's eq. 8). Lambda is
 * lambda I for EASE; with dropout p > 0 it is lambda I + p / (1 - p) diag(X^T X), the emphasised
 * denoising of EDLAE (Steck, NeurIPS 2020: "Autoencoders that don't overfit towards the
 * identity"), which regularises popular items more. G is factored
 * and inverted by LAPACK (dpotrf, dpotri: Cholesky, G is symmetric positive definite for
 * lambda > 0) on OpenBLAS. The score of item j for a history H is sum over h in H of B(h, j)
 * (the history read as binary); items outside the model (fewer than min_users users) score 0
 * and add nothing as history.
 *
 * Cost: fit O(sum over users of (items of the user)^2) for G plus m^3 flops for the inverse (m
 * items in the model), in 8 m^2 bytes (G, then B in place); scoring O(|H| m). Thread-safety: a
 * fitted model is read-only. OpenBLAS may use its own threads inside the fit. */
#ifndef GB_MODEL_EASE_H
#define GB_MODEL_EASE_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef struct gb_model_ease_params {
  double lambda;      /* L2 regularisation, > 0 (Steck: a few hundred on his data sets) */
  uint32_t min_users; /* >= 1: items with fewer training users stay out of the model */
  double dropout;     /* in [0, 1): EDLAE's emphasis, 0 for plain EASE */
} gb_model_ease_params;

typedef struct gb_model_ease gb_model_ease;

/* Fits the model of x (users × items) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT
 * for lambda not a finite number > 0, min_users 0 or dropout outside [0, 1); GB_ERR_RUNTIME when
 * out of memory or when LAPACK fails (G not positive definite: lambda too small for the rounding).
 */
int gb_model_ease_new(const gb_interactions *x, const gb_model_ease_params *p, gb_model_ease **out,
                      gb_err *err);

/* Writes every item's score for the history items[0..n) (weights not read) into
 * scores[0..items). */
void gb_model_ease_score(const gb_model_ease *m, const uint32_t *items, const double *weights,
                         size_t n, double *scores);

/* B(i, j) over item indices (0 when either item is outside the model). */
double gb_model_ease_weight(const gb_model_ease *m, uint32_t i, uint32_t j);

/* Number of items (the training matrix's columns), and of items in the model (m). */
uint32_t gb_model_ease_items(const gb_model_ease *m);
uint32_t gb_model_ease_modelled(const gb_model_ease *m);

/* Frees m; NULL is a no-op. */
void gb_model_ease_free(gb_model_ease *m);

#endif
