/* gb_itemsim: the sparse item × item matrix that the neighbourhood models (item-kNN, RP3beta)
 * build from co-usage and score with. Private to engine/reco/.
 *
 * Building: for every pair of items (i, j), i != j, used by at least one common user,
 *
 *     dot(i, j) = sum over users u of i and j of  a(i, u) * b(u, j)
 *
 * where a holds one value per cell of the transposed matrix xt (item i's cell for user u) and b
 * one per cell of x (user u's cell for item j), both indexed by gb_interactions_offset; NULL
 * reads as 1 everywhere (then dot is the number of common users). fn turns dot into the
 * similarity s(i, j); row i keeps its k largest similarities (all of them when k is 0),
 * ties broken by the smaller j so that the result does not depend on the order of the work.
 * Zero and non-finite similarities are dropped.
 *
 * Scoring: the score of item j for a user with history (items h, weights w) is
 * sum over h of w(h) * s(h, j), the user row times the matrix (w NULL: every weight 1).
 *
 * Cost: building visits sum over users of (items of the user)^2 cells, plus a heap of k per row;
 * memory is an n_items accumulator plus the kept entries (12 bytes each). */
#ifndef GB_ITEMSIM_INT_H
#define GB_ITEMSIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef struct gb_itemsim {
  uint32_t n;     /* items: rows and columns */
  size_t *ptr;    /* n + 1 row offsets */
  uint32_t *cols; /* row i's columns, ascending */
  float *vals;    /* and their similarities */
} gb_itemsim;

/* Turns dot(i, j) into s(i, j); ctx is the caller's. */
typedef double (*gb_itemsim_fn)(uint32_t i, uint32_t j, double dot, const void *ctx);

/* Builds the matrix of x (users × items) and xt (its transpose) into *out (caller frees with
 * gb_itemsim_free). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_itemsim_build(const gb_interactions *x, const gb_interactions *xt, const double *a,
                     const double *b, uint32_t k, gb_itemsim_fn fn, const void *ctx,
                     gb_itemsim *out, gb_err *err);

/* Adds the history's scores into scores[0..n) (the caller zeroes it). */
void gb_itemsim_score(const gb_itemsim *s, const uint32_t *items, const double *weights, size_t n,
                      double *scores);

/* s(i, j), 0 when row i does not keep j. */
double gb_itemsim_get(const gb_itemsim *s, uint32_t i, uint32_t j);

/* Number of entries kept in row i. */
size_t gb_itemsim_row_len(const gb_itemsim *s, uint32_t i);

/* Frees the arrays (s itself is the caller's); safe on a zeroed or freed struct. */
void gb_itemsim_free(gb_itemsim *s);

#endif
