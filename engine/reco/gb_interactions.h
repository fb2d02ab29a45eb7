/* gb_interactions: an implicit-feedback user × item matrix, the input of the batch models
 * (gb_ranker.h) and of offline evaluation (eval/).
 *
 * Users and items are dense indices 0..n_users-1 and 0..n_items-1 (the caller maps its ids: the
 * interaction-log loader in eval/ numbers them in order of first appearance). Each non-empty
 * cell holds a weight: hours played, a count, or 1 for "seen". The matrix is stored by rows
 * (CSR): row u lists the items of user u in ascending order, each once, with its weight. Its
 * transpose (rows by item, columns by user) has the same layout and the same API.
 *
 * Built from (user, item, weight) triples in any order: triples of the same cell are merged into
 * one cell whose weight is their sum (a log that repeats a play adds its hours). A cell whose
 * weight is 0 is kept: the interaction happened, models that read the matrix as binary see it.
 *
 * Ownership: a matrix is immutable once built; it owns its arrays, and the pointers handed out
 * by gb_interactions_row stay valid until gb_interactions_free. Thread-safety: any number of
 * threads may read one matrix. Memory: 12 bytes per cell plus 8 per row. */
#ifndef GB_INTERACTIONS_H
#define GB_INTERACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* One observed interaction: user and item indices and its weight (finite, >= 0). */
typedef struct gb_interaction {
  uint32_t user, item;
  double weight;
} gb_interaction;

typedef struct gb_interactions gb_interactions;

/* Builds the n_users × n_items matrix of t[0..n) (t may be NULL when n is 0; an empty matrix is
 * valid) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT naming the first triple whose
 * user >= n_users or item >= n_items ("interaction 12: item 40 is outside 0..39") or whose
 * weight is negative or not finite; GB_ERR_RUNTIME when out of memory. *out is unchanged on
 * failure. Cost: O(n + n_users + n_items) (two counting sorts, no comparison sort). */
int gb_interactions_new(const gb_interaction *t, size_t n, uint32_t n_users, uint32_t n_items,
                        gb_interactions **out, gb_err *err);

/* The transpose of x (rows by item, columns by user, the same weights) into *out. Returns 0, or
 * -1 with GB_ERR_RUNTIME when out of memory. */
int gb_interactions_transpose(const gb_interactions *x, gb_interactions **out, gb_err *err);

/* Frees x; NULL is a no-op. */
void gb_interactions_free(gb_interactions *x);

/* Number of rows (users), of columns (items), and of non-empty cells. */
uint32_t gb_interactions_rows(const gb_interactions *x);
uint32_t gb_interactions_cols(const gb_interactions *x);
size_t gb_interactions_nnz(const gb_interactions *x);

/* Row r (< rows): sets *cols to its column indices (ascending, distinct) and, when weights is
 * not NULL, *weights to their weights; returns the row's length. Pointers owned by x. */
size_t gb_interactions_row(const gb_interactions *x, uint32_t r, const uint32_t **cols,
                           const double **weights);

/* How a model reads a cell's weight w (hours, counts): as 1 (the interaction happened), as w, or
 * as log(1 + w) (Hu, Koren & Volinsky's damping of heavy use). The names are the values of the
 * models' "weight" parameter, in this order: "binary", "raw", "log". */
typedef enum gb_weighting { GB_WEIGHT_BINARY, GB_WEIGHT_RAW, GB_WEIGHT_LOG } gb_weighting;

/* w read as `how` says. */
double gb_weighting_apply(gb_weighting how, double w);

/* Offset of row r's first cell among all cells (0 for row 0, nnz for r == rows): cell
 * gb_interactions_offset(x, r) + i is the i-th cell of row r. Models keep per-cell values
 * (BM25 weights, transition probabilities) in arrays indexed this way. */
size_t gb_interactions_offset(const gb_interactions *x, uint32_t r);

#endif
