/* gb_ranker: the registry of the batch recommendation models — one name per model, its table of
 * parameters, and fit / score / free behind one handle.
 *
 * `gamebench eval --algos` and the recommender's online wrappers both go through here, so a
 * model has one name and one set of parameter checks everywhere. The models (one file each):
 *
 *   popularity  gb_model_popularity.h   items by training use, the same list for everyone
 *   itemknn     gb_model_itemknn.h      item-based neighbours: cosine, jaccard or bm25
 *   rp3beta     gb_model_rp3beta.h      three-step random walks with popularity re-ranking
 *   ease        gb_model_ease.h         Steck's closed-form shallow autoencoder (LAPACK)
 *   als         gb_model_als.h          Hu-Koren-Volinsky implicit matrix factorisation
 *
 * A configuration is a model and a value for each of its parameters. Every value is a double:
 * real parameters as they are, integer parameters integral, choices as the index of the chosen
 * name ("similarity=bm25" is 2). Each parameter has a default, an inclusive range and a small
 * grid of values that offline evaluation tries on its validation split (eval/gb_eval_run.h)
 * unless the user fixed the parameter.
 *
 * The text form, the one `--algos` takes and metrics.csv writes, is the model's name followed by
 * ":name=value" for each parameter given: "itemknn:similarity=bm25:k=50". Errors are
 * GB_ERR_INPUT naming what is wrong: "unknown algorithm 'eas' (known: popularity, itemknn,
 * rp3beta, ease, als)", "ease: unknown parameter 'lamda' (known: lambda, min_users)",
 * "itemknn: k: '2.5' is not an integer", "ease: lambda: 0 is outside [1e-06, 1e+09]".
 *
 * Thread-safety: the tables are constant; a fitted ranker is read-only, and any number of
 * threads may score with it. */
#ifndef GB_RANKER_H
#define GB_RANKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_interactions.h"

enum {
  GB_RANKER_MAX_PARAMS = 8, /* parameters of one model */
  GB_RANKER_MAX_GRID = 6,   /* values of one parameter's validation grid */
  GB_RANKER_SPEC_MAX = 256  /* a configuration's text form, with its NUL */
};

typedef enum gb_ranker_kind {
  GB_RANKER_REAL,  /* any value in [min, max] */
  GB_RANKER_INT,   /* an integral value in [min, max] */
  GB_RANKER_CHOICE /* one of choices[]: the value is its index */
} gb_ranker_kind;

typedef struct gb_ranker_param {
  const char *name;
  gb_ranker_kind kind;
  double def, min, max;       /* CHOICE: min 0, max the last index */
  const char *const *choices; /* CHOICE: the names, NULL-terminated */
  const char *doc;            /* one line for --help and the docs */
  size_t n_grid;              /* 0: validation keeps the value given or the default */
  double grid[GB_RANKER_MAX_GRID];
  /* A parameter that matters only for some values of a CHOICE parameter (bm25's k1 for
   * similarity=bm25): `when` names that parameter (NULL: always applies) and when_mask has bit
   * i set for each choice i it applies to. A parameter that does not apply is left out of the
   * grid and of the text form, and giving it is an error. The `when` parameter has no grid. */
  const char *when;
  uint32_t when_mask;
} gb_ranker_param;

typedef struct gb_ranker_info {
  const char *name;
  const char *doc; /* one line */
  size_t n_params;
  const gb_ranker_param *params;
} gb_ranker_info;

/* A model and its parameter values (v[p] for info->params[p]); `given` has bit p set when the
 * value came from the user (the validation grid leaves it alone). */
typedef struct gb_ranker_config {
  const gb_ranker_info *info;
  double v[GB_RANKER_MAX_PARAMS];
  uint32_t given;
} gb_ranker_config;

/* The registered models, in the order above; i < gb_ranker_count(). */
size_t gb_ranker_count(void);
const gb_ranker_info *gb_ranker_at(size_t i);

/* "popularity, itemknn, rp3beta, ease, als" (static storage). */
const char *gb_ranker_names(void);

/* The model called name (exact), or NULL. */
const gb_ranker_info *gb_ranker_find(const char *name);

/* Index of the parameter called name in info's table, or -1. */
int gb_ranker_param_index(const gb_ranker_info *info, const char *name);

/* Whether parameter p (< c->info->n_params) applies under c's values (see `when` above). */
bool gb_ranker_param_applies(const gb_ranker_config *c, size_t p);

/* *c = the model called name with every parameter at its default, none given. Returns 0, or -1
 * with GB_ERR_INPUT for an unknown name (the message lists the known ones). */
int gb_ranker_config_init(gb_ranker_config *c, const char *name, gb_err *err);

/* Sets parameter key from its text (a number, or a choice's name) and marks it given. Returns
 * 0, or -1 with GB_ERR_INPUT (c unchanged) for an unknown parameter (the message lists the
 * model's), text that is not a number, not an integer, outside the range, or not one of the
 * choices (listed). */
int gb_ranker_config_set(gb_ranker_config *c, const char *key, const char *text, gb_err *err);

/* Sets parameter p (< info->n_params) to v and marks it given; the same checks (the choice's
 * index for a CHOICE). 0, or -1 with GB_ERR_INPUT. */
int gb_ranker_config_set_value(gb_ranker_config *c, size_t p, double v, gb_err *err);

/* Parses the text form "name[:key=value]..." into *c (defaults for the parameters not named).
 * Returns 0, or -1 with GB_ERR_INPUT naming the spec and what is wrong (an empty name, an item
 * without '=', a parameter given twice or given where it does not apply, and the errors
 * above). */
int gb_ranker_config_parse(gb_ranker_config *c, const char *spec, gb_err *err);

/* Writes the text form of c with every parameter that applies (given or not) into buf (cap
 * bytes; GB_RANKER_SPEC_MAX holds any) — "ease:lambda=100:min_users=3:dropout=0" — and returns
 * its length (truncated to cap - 1 when longer). Numbers in %.10g. gb_ranker_config_parse reads
 * it back to the same values. */
size_t gb_ranker_config_format(const gb_ranker_config *c, char *buf, size_t cap);

/* The value of parameter key (GB_ASSERT that the model has it). */
double gb_ranker_config_get(const gb_ranker_config *c, const char *key);

/* Prints every model with its parameters (name, kind or choices, default, range, doc) for
 * --help, indented by two spaces. */
void gb_ranker_print_help(FILE *out);

typedef struct gb_ranker gb_ranker;

/* Fits c's model on x (users × items; seed for the models that draw: als) into *out. Returns
 * 0, or -1 with the model's error (GB_ERR_INPUT for a parameter it refuses, GB_ERR_RUNTIME when
 * out of memory or LAPACK fails); *out unchanged on failure. x may be freed after the fit. */
int gb_ranker_fit(const gb_ranker_config *c, const gb_interactions *x, uint64_t seed,
                  gb_ranker **out, gb_err *err);

/* Writes the score of every item (gb_ranker_items of them; higher is better) for a user whose
 * history is items[0..n) with weights[0..n) (NULL: all 1; the scale of the training matrix's
 * weights) into scores. The history's own items are scored too: leaving them out is the
 * caller's choice. Returns 0, or -1 with GB_ERR_RUNTIME (als: out of memory). */
int gb_ranker_score(const gb_ranker *r, const uint32_t *items, const double *weights, size_t n,
                    double *scores, gb_err *err);

/* Number of items the ranker scores (the training matrix's columns). */
uint32_t gb_ranker_items(const gb_ranker *r);

/* The configuration it was fitted with. */
const gb_ranker_config *gb_ranker_config_of(const gb_ranker *r);

/* Frees r; NULL is a no-op. */
void gb_ranker_free(gb_ranker *r);

#endif
