/* gb_model_itemknn: item-based nearest neighbours on co-usage (Sarwar et al. 2001; Deshpande &
 * Karypis 2004), with the similarities of the `implicit` library's item-item recommenders.
 *
 * Each cell's weight is first read as `weight` says (gb_weighting: binary by default), giving
 * t(u, i). Then, for items i != j sharing at least one user:
 *
 *   cosine   s(i, j) = sum_u t(u,i) t(u,j) / (|t(.,i)| |t(.,j)| + shrink)   (Euclidean norms)
 *   jaccard  s(i, j) = c(i, j) / (n(i) + n(j) - c(i, j) + shrink)           (binary: c common
 *            users, n(i) users of i; `weight` is not read)
 *   bm25     s(i, j) = sum_u v(u,i) v(u,j), with items as documents and users as terms:
 *            v(u,i) = t(u,i) (k1 + 1) / (k1 L(i) + t(u,i)) * idf(u),
 *            L(i) = 1 - b + b len(i) / mean len, len(i) = sum_u t(u,i) (the mean over items
 *            with a user), idf(u) = log(N / (1 + m(u))), N the number of items (columns) and
 *            m(u) the number of items of u.
 *
 * Each item keeps its k most similar items (all when k is 0; ties to the smaller index). The
 * score of item j for a history H is sum over h in H of t(h) s(h, j), t(h) the history's weight
 * read the same way (NULL weights: 1).
 *
 * Cost: fit visits sum over users of (items of the user)^2 cells; memory 12 bytes per kept
 * similarity. Thread-safety: a fitted model is read-only. */
#ifndef GB_MODEL_ITEMKNN_H
#define GB_MODEL_ITEMKNN_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

/* The similarity; the names ("cosine", "jaccard", "bm25") are the values of the registry's
 * "similarity" parameter, in this order. */
typedef enum gb_itemknn_similarity {
  GB_ITEMKNN_COSINE,
  GB_ITEMKNN_JACCARD,
  GB_ITEMKNN_BM25
} gb_itemknn_similarity;

typedef struct gb_model_itemknn_params {
  gb_itemknn_similarity similarity;
  uint32_t k;          /* neighbours kept per item; 0: all */
  double shrink;       /* >= 0, cosine and jaccard: damps similarities of rarely used items */
  double k1, b;        /* bm25: k1 >= 0, b in [0, 1] */
  gb_weighting weight; /* how cells and histories are read */
} gb_model_itemknn_params;

typedef struct gb_model_itemknn gb_model_itemknn;

/* Fits the model of x (users × items) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT
 * naming a parameter out of its range, GB_ERR_RUNTIME when out of memory. */
int gb_model_itemknn_new(const gb_interactions *x, const gb_model_itemknn_params *p,
                         gb_model_itemknn **out, gb_err *err);

/* Writes every item's score for the history items[0..n) (item indices < items, weights as in
 * the matrix, NULL for all 1) into scores[0..items). */
void gb_model_itemknn_score(const gb_model_itemknn *m, const uint32_t *items, const double *weights,
                            size_t n, double *scores);

/* s(i, j) as kept by item i (0 when i does not keep j). */
double gb_model_itemknn_similarity(const gb_model_itemknn *m, uint32_t i, uint32_t j);

/* Number of items (the training matrix's columns). */
uint32_t gb_model_itemknn_items(const gb_model_itemknn *m);

/* Frees m; NULL is a no-op. */
void gb_model_itemknn_free(gb_model_itemknn *m);

#endif
