/* gb_model_popularity: the non-personalised baseline of offline evaluation — every user gets the
 * items most used in the training matrix.
 *
 * Fit: the score of item j is the sum over its users of the cell's weight read as `weight` says
 * (gb_weighting: binary counts users). Score: the same vector for every history (the history is
 * ignored; the evaluation leaves out the items the user already has).
 *
 * Thread-safety: a fitted model is read-only; any number of threads may score with it. */
#ifndef GB_MODEL_POPULARITY_H
#define GB_MODEL_POPULARITY_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef struct gb_model_popularity_params {
  gb_weighting weight; /* how a cell counts: binary (users), raw (hours), log */
} gb_model_popularity_params;

typedef struct gb_model_popularity gb_model_popularity;

/* Fits the model of x (users × items) into *out. Returns 0, or -1 with an error: GB_ERR_INPUT
 * for an unknown weighting, GB_ERR_RUNTIME when out of memory. */
int gb_model_popularity_new(const gb_interactions *x, const gb_model_popularity_params *p,
                            gb_model_popularity **out, gb_err *err);

/* Writes every item's score into scores[0..items) (the history items[0..n) is not read). */
void gb_model_popularity_score(const gb_model_popularity *m, const uint32_t *items,
                               const double *weights, size_t n, double *scores);

/* Number of items (the training matrix's columns). */
uint32_t gb_model_popularity_items(const gb_model_popularity *m);

/* Frees m; NULL is a no-op. */
void gb_model_popularity_free(gb_model_popularity *m);

#endif
