/* gb_ope_int: what gb_ope.c (the estimators and their bootstrap) and gb_ope_model.c (the reward
 * model) share. Not for other modules: gb_ope.h is the interface. */
#ifndef GB_OPE_INT_H
#define GB_OPE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_ope.h"

/* The options with their defaults filled in and checked. */
typedef struct gb_ope_settings {
  size_t d, resamples;
  double ridge, prior_rows, confidence;
  uint64_t seed;
  bool refit;
} gb_ope_settings;

/* Fills *s from opt. 0, or -1 with GB_ERR_INPUT naming the bad option. */
int gb_ope_settings_of(const gb_ope_opts *opt, gb_ope_settings *s, gb_err *err);

/* Checks the fields of row i that the reward model reads (candidates, logged action,
 * propensity, reward, d features). 0, or -1 with GB_ERR_INPUT naming the row and the field. */
int gb_ope_check_logged(const gb_ope_row *r, size_t i, size_t d, gb_err *err);

/* "No challenge": a row without a logged prop, or an ordinal the model never saw. */
#define GB_OPE_NO_CHALLENGE UINT32_MAX

struct gb_ope_model {
  size_t d;
  double mean[GB_OPE_FEATURES_MAX], inv_sd[GB_OPE_FEATURES_MAX]; /* standardization */
  double prior;       /* mean reward of the logged props */
  size_t m;           /* challenges logged */
  uint32_t *ordinals; /* m, ascending */
  double *coef;       /* m × (1 + 2d): the shrunk intercept, the challenge's mean z, the slopes */
};

/* Fits a model on rows[0..n) (already checked), with s's ridge and prior. 0 and *out, or -1
 * (GB_ERR_INPUT without a logged prop; GB_ERR_RUNTIME out of memory or a failed solve). */
int gb_ope_model_fit(const gb_ope_row *rows, size_t n, const gb_ope_settings *s, gb_ope_model **out,
                     gb_err *err);

/* The index into m->ordinals of challenge, or GB_OPE_NO_CHALLENGE. */
uint32_t gb_ope_model_index(const gb_ope_model *m, uint32_t challenge);

/* r̂ of the challenge at index c (GB_OPE_NO_CHALLENGE: the prior) for the standardized context
 * z (what the refits hold). */
double gb_ope_model_predict_z(const gb_ope_model *m, uint32_t c, const double *z);

/* ---- refitting on resamples */

/* The state of refits of a model on resamples of its rows: the model's scaling and challenges
 * are kept, its coefficients and prior refit on each resample. */
typedef struct gb_ope_refit gb_ope_refit;

/* A refitter of base (borrowed, must outlive it) on rows[0..n) (borrowed). 0 and *out, or -1
 * with GB_ERR_RUNTIME when out of memory. */
int gb_ope_refit_new(const gb_ope_model *base, const gb_ope_row *rows, size_t n,
                     const gb_ope_settings *s, gb_ope_refit **out, gb_err *err);
void gb_ope_refit_free(gb_ope_refit *f);

/* Row i's standardized context (d values) and the model index of its logged challenge
 * (GB_OPE_NO_CHALLENGE without a logged prop or for a challenge the base never saw). */
const double *gb_ope_refit_z(const gb_ope_refit *f, size_t i);
uint32_t gb_ope_refit_logged(const gb_ope_refit *f, size_t i);

/* Refits on a resample given as each row's count counts[0..n) and returns the refit model
 * (owned by f, valid until the next refit). A challenge absent from the resample predicts the
 * resample's prior; without any logged prop the prior is NaN. 0, or -1 with GB_ERR_RUNTIME when
 * a solve fails. */
int gb_ope_refit_on(gb_ope_refit *f, const uint32_t *counts, const gb_ope_model **out, gb_err *err);

#endif
