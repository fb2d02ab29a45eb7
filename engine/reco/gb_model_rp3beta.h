/* gb_model_rp3beta: RP3beta, random walks of three steps with popularity re-ranking (Paudel,
 * Christoffel, Newell & Bernstein, ACM TIIS 2017; the strong cheap baseline of Dacrema et al.,
 * RecSys 2019).
 *
 * On the bipartite user–item graph of the training matrix (cells read as `weight` says,
 * gb_weighting), a walk from item i steps to a user u with probability P(i→u) = t(u,i) / d(i)
 * and on to an item j with P(u→j) = t(u,j) / d(u), d the sums of a row's t. The similarity
 *
 *     s(i, j) = sum over users u of P(i→u)^alpha P(u→j)^alpha  /  d(j)^beta,   i != j,
 *
 * raises the transition probabilities to alpha (alpha = 1: the plain two-step walk) and divides
 * by the destination's popularity to the power beta (beta = 0: none). Each item keeps its k
 * largest similarities (all when k is 0; ties to the smaller index). The score of item j for a
 * history H is sum over h in H of s(h, j) (the history read as binary).
 *
 * Cost and memory as item-kNN's (gb_model_itemknn.h). Thread-safety: a fitted model is
 * read-only. */
#ifndef GB_MODEL_RP3BETA_H
#define GB_MODEL_RP3BETA_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef struct gb_model_rp3beta_params {
  double alpha;        /* > 0 */
  double beta;         /* >= 0 */
  uint32_t k;          /* neighbours kept per item; 0: all */
  gb_weighting weight; /* how cells are read */
} gb_model_rp3beta_params;

typedef struct gb_model_rp3beta gb_model_rp3beta;

/* Fits the model of x (users × items) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT
 * naming a parameter outside its range, GB_ERR_RUNTIME when out of memory. */
int gb_model_rp3beta_new(const gb_interactions *x, const gb_model_rp3beta_params *p,
                         gb_model_rp3beta **out, gb_err *err);

/* Writes every item's score for the history items[0..n) (weights not read) into
 * scores[0..items). */
void gb_model_rp3beta_score(const gb_model_rp3beta *m, const uint32_t *items, const double *weights,
                            size_t n, double *scores);

/* s(i, j) as kept by item i (0 when i does not keep j). */
double gb_model_rp3beta_similarity(const gb_model_rp3beta *m, uint32_t i, uint32_t j);

/* Number of items (the training matrix's columns). */
uint32_t gb_model_rp3beta_items(const gb_model_rp3beta *m);

/* Frees m; NULL is a no-op. */
void gb_model_rp3beta_free(gb_model_rp3beta *m);

#endif
